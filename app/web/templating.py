"""Server-rendered pages: one Jinja environment, with the reader's locale and CSRF token."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from babel.dates import format_date
from babel.lists import format_list
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from app.errors import DomainError
from app.i18n.catalog import (
    gettext,
    locale_display_name,
    localised_params,
    pgettext,
    text_direction,
    translations,
)
from app.people.vocabulary import language_name

FRONTEND = Path(__file__).resolve().parent.parent.parent / "frontend"


def _markup(text: str, params: dict[str, Any]) -> Markup:
    """A translated sentence as safe HTML: the catalog text is escaped, then the parameters are
    filled in by Markup's ``%``, which escapes plain strings and keeps ``Markup`` ones, so a
    name can arrive bidi-isolated (``name=person.first_name|bdi``) inside the sentence."""
    return Markup(escape(text)) % params if params else Markup(escape(text))


def ltr(value: object) -> Markup:
    """Left-to-right data (e-mail, phone, code) isolated, so an Arabic page does not turn
    "+32 458 52 82 36" into "36 82 52 458 32+"."""
    return Markup('<bdi dir="ltr">%s</bdi>') % (value,)


def bdi(value: object) -> Markup:
    """Text a person typed (a name, a note) isolated with its own direction, so an Arabic name
    in a Dutch sentence, or a Latin name in an Arabic one, keeps the sentence's punctuation in
    place."""
    return Markup("<bdi>%s</bdi>") % (value,)


def _context(request: Request) -> dict[str, Any]:
    locale: str = (
        getattr(request.state, "locale", None) or request.app.state.settings.city.default_locale
    )
    city = request.app.state.settings.city
    csrf = request.scope.get("csrftoken")

    def _(message: str, **params: Any) -> Markup:
        return _markup(gettext(locale, message), localised_params(params, locale))

    def _n(singular: str, plural: str, n: int, **params: Any) -> Markup:
        text = translations(locale).ngettext(singular, plural, n)
        return _markup(text, {"num": n, **localised_params(params, locale)})

    def _p(context: str, message: str, **params: Any) -> Markup:
        return _markup(pgettext(locale, context, message), localised_params(params, locale))

    def listed(items: Iterable[object], labels: Mapping[str, str] | None = None) -> str:
        """A list in the reader's language ("a, b and c", "a وb وc"); ``labels`` maps keys
        to msgids (goals, activities) and unknown keys are shown as they are."""
        labels = labels or {}
        words = [gettext(locale, labels[str(i)]) if str(i) in labels else str(i) for i in items]
        return format_list(words, locale=locale) if words else ""

    def format_day(value: date | None) -> str:
        return format_date(value, "long", locale=locale) if value else ""

    return {
        "_": _,
        "gettext": _,
        "ngettext": _n,
        "pgettext": _p,
        "listed": listed,
        "format_day": format_day,
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
templates.env.filters["ltr"] = ltr
templates.env.filters["bdi"] = bdi


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    return templates.TemplateResponse(request, template, context or {}, status_code=status_code)


def redirect(url: str, status_code: int = 303) -> RedirectResponse:
    return RedirectResponse(url, status_code=status_code)


def login_redirect(request: Request, page: str = "/login") -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return redirect(f"{page}?next={quote(target)}")


def error_page(request: Request, status_code: int, message: str) -> HTMLResponse:
    """The plain error page, with ``message`` already in the reader's language."""
    return render(
        request, "errors/error.html", {"status": status_code, "message": message}, status_code
    )


def not_found(request: Request) -> HTMLResponse:
    """Rendered by the page handler itself, while the session still holds the user (the base
    template needs it), rather than raised for the exception handlers."""
    return error_page(request, 404, gettext(request.state.locale, "This page does not exist."))


def error_message(request: Request, exc: DomainError) -> str:
    """A refused action's message in the reader's language."""
    return exc.translated(request.state.locale)


def field_errors(request: Request, exc: DomainError, default_field: str = "form") -> dict[str, str]:
    """A form's ``errors``: each message beside the field it names (or ``default_field``);
    all of them when several fields are wrong (``Invalids``), the first one per field."""
    errors: dict[str, str] = {}
    for problem in getattr(exc, "problems", None) or [exc]:
        errors.setdefault(problem.field or default_field, error_message(request, problem))
    return errors


def done_flash(
    request: Request,
    messages: Mapping[str, str],
    done: str | None,
    *,
    feminine: Mapping[str, tuple[str, str]] | None = None,
    female: bool = False,
    **params: Any,
) -> str | None:
    """The note shown after a redirect with ``?done=<key>``; unknown keys show nothing.
    ``feminine`` holds the variants (``NP_("feminine", …)``) used when the person the note
    speaks about is a woman (``female``)."""
    if done and female and feminine and done in feminine:
        return pgettext(request.state.locale, *feminine[done], **params)
    message = messages.get(done) if done else None
    return gettext(request.state.locale, message, **params) if message else None
