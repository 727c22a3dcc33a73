"""The page shown when a form's CSRF token does not match its cookie.

asgi-csrf answers with a bare English sentence ("form-urlencoded POST field did not match
cookie"). This happens to honest people too (a form left open for days, cookies cleared, a
second tab), so they get a translated page that says what to do, with a way back to the form.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from asgi_csrf import asgi_csrf_decorator
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.deps import request_locale
from app.i18n.catalog import gettext
from app.web.templating import render


def _way_back(request: Request) -> str:
    """The form's page: the Referer when it is ours, else the address the form posted to."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc == request.url.netloc and referer.path.startswith("/"):
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return request.url.path


async def send_csrf_failed(scope: dict[str, Any], send: Any, message_id: object) -> None:
    request = Request(scope)
    locale = request_locale(request)
    request.state.user = None  # no database session here: the page is drawn as for a visitor
    response = render(
        request,
        "errors/csrf.html",
        {
            "status": 403,
            "message": gettext(
                locale,
                "This form was open too long, or your browser did not keep our cookie. "
                "Nothing was saved. Go back, reload the page and send the form again.",
            ),
            "back": _way_back(request),
        },
        status_code=403,
    )

    async def no_body() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    await response(scope, no_body, send)


class PageCsrf:
    """asgi-csrf around the pages only. The JSON API authenticates with bearer tokens, never
    cookies, so there is nothing to forge there (asgi-csrf was told to skip it already); but
    asgi-csrf still read the cookies and signed a fresh token (a random secret and an HMAC) on
    every API request before deciding so. API requests now go straight past it."""

    def __init__(self, app: ASGIApp, /, **options: Any) -> None:
        self.app = app
        self.protected = asgi_csrf_decorator(skip_if_scope=for_api, **options)(app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and for_api(scope):
            await self.app(scope, receive, send)
        else:
            await self.protected(scope, receive, send)


def for_api(scope: Scope) -> bool:
    return str(scope.get("path", "")).startswith("/api/")
