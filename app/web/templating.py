"""Server-rendered pages: one Jinja environment, with the reader's locale and CSRF token."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from app.i18n.catalog import (
    gettext,
    locale_display_name,
    ngettext,
    text_direction,
)
from app.people.vocabulary import language_name

FRONTEND = Path(__file__).resolve().parent.parent.parent / "frontend"


def _context(request: Request) -> dict[str, Any]:
    locale: str = (
        getattr(request.state, "locale", None) or request.app.state.settings.city.default_locale
    )
    city = request.app.state.settings.city
    csrf = request.scope.get("csrftoken")

    def _(message: str, **params: Any) -> str:
        return gettext(locale, message, **params)

    def _n(singular: str, plural: str, n: int, **params: Any) -> str:
        return ngettext(locale, singular, plural, n, **params)

    return {
        "_": _,
        "gettext": _,
        "ngettext": _n,
        "locale": locale,
        "dir": text_direction(locale),
        "city": city,
        "current_user": getattr(request.state, "user", None),
        "csrf_token": csrf() if callable(csrf) else "",
        "locale_choices": [(code, locale_display_name(code)) for code in city.locales],
        "language_name": lambda code: language_name(code, locale),
        "current_path": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }


templates = Jinja2Templates(directory=FRONTEND / "templates", context_processors=[_context])
templates.env.autoescape = True
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    return templates.TemplateResponse(request, template, context or {}, status_code=status_code)


def redirect(url: str, status_code: int = 303) -> RedirectResponse:
    return RedirectResponse(url, status_code=status_code)


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return redirect(f"/login?next={quote(target)}")
