"""The request guard: input no handler should ever see gets a clear 4xx here, before the app.

* Bodies over ``max_body_bytes`` get 413: at once when ``Content-Length`` says so, else as soon
  as the streamed bytes pass the limit (the body is never read whole beyond the limit).
* A NUL character in the path, the query string or the body gets 400. PostgreSQL cannot store
  NUL in text, so it would otherwise surface as a 500 deep inside a query; no field of the
  programme has a use for it. JSON bodies are checked for the escaped form ``\\u0000`` too.
* A number in the path larger than any id the database can hold gets 404 (an id that cannot
  exist), instead of an integer overflow in the database driver.
* A multipart body gets 400 on the pages (none of their forms sends one, and the CSRF
  middleware behind us crashes on it), and on the API when it does not parse.

Pure ASGI, so the limit holds before anything buffers the body.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from python_multipart import FormParser
from python_multipart.multipart import parse_options_header
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app.deps import request_locale
from app.i18n.catalog import N_, gettext
from app.web.templating import error_page

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# The largest id PostgreSQL's INTEGER holds (our primary keys); a bigger one cannot exist.
MAX_ID = 2**31 - 1
# Signed: FastAPI's int path parameters take "-3000000000" too, which PostgreSQL's integer
# columns cannot hold either.
_LEADING_NUMBER = re.compile(r"^(-?\d+)")

TOO_LARGE = N_("The request is too large.")
NUL_CHARACTER = N_("The text contains a character that is not allowed (NUL).")
BAD_FORM = N_("The form could not be read. Please send it again.")
NO_SUCH_ID = N_("This page does not exist.")


class _TooLarge(Exception):
    pass


class _Bad(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _path_ids_fit(path: str) -> bool:
    for segment in path.split("/"):
        found = _LEADING_NUMBER.match(segment)
        if found and abs(int(found.group(1))) > MAX_ID:
            return False
    return True


def _json_has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_json_has_nul(k) or _json_has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_json_has_nul(v) for v in value)
    return False


def _check_multipart(content_type: bytes, body: bytes) -> None:
    """``_Bad`` unless the multipart body parses into named text fields."""
    _, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if not boundary:
        raise _Bad(400, BAD_FORM)

    def on_field(field: Any) -> None:
        if field.field_name is None or field.value is None:
            raise ValueError("a part without a name")
        field.value.decode("utf-8")

    try:
        parser = FormParser("multipart/form-data", on_field, lambda file: None, boundary=boundary)
        parser.write(body)
        parser.finalize()
    except Exception:  # any parser complaint means the same to the sender: resend the form
        raise _Bad(400, BAD_FORM) from None


def _check_body(headers: dict[bytes, bytes], body: bytes) -> None:
    if b"\x00" in body:
        raise _Bad(400, NUL_CHARACTER)
    kind = headers.get(b"content-type", b"").split(b";", 1)[0].strip().lower()
    if kind == b"application/x-www-form-urlencoded" and b"%00" in body:
        raise _Bad(400, NUL_CHARACTER)
    if kind.endswith(b"json") and b"\\u0000" in body.lower():
        try:
            parsed = json.loads(body)
        except ValueError:
            return  # not JSON at all: the app's own validation answers 422
        if _json_has_nul(parsed):
            raise _Bad(400, NUL_CHARACTER)


class RequestGuard:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            receive = await self._checked(scope, receive)
        except _Bad as bad:
            await _refuse(scope, bad.status, bad.message)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _checked(self, scope: Scope, receive: Receive) -> Receive:
        """Raise ``_Bad`` for a request to refuse; else a ``receive`` replaying the body."""
        raw_path = scope.get("raw_path") or scope["path"].encode()
        query = scope.get("query_string", b"")
        if b"%00" in raw_path or "\x00" in scope["path"]:
            raise _Bad(400, NUL_CHARACTER)
        if b"%00" in query or b"\x00" in query:
            raise _Bad(400, NUL_CHARACTER)
        if not _path_ids_fit(scope["path"]):
            raise _Bad(404, NO_SUCH_ID)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length", b"")
        if length.strip().isdigit() and int(length) > self.max_body_bytes:
            raise _Bad(413, TOO_LARGE)
        try:
            body, rest = await self._read(receive)
        except _TooLarge:
            raise _Bad(413, TOO_LARGE) from None
        _check_body(headers, body)
        content_type = headers.get(b"content-type", b"")
        if content_type.split(b";", 1)[0].strip().lower() == b"multipart/form-data":
            if not scope["path"].startswith("/api/"):
                # No page sends multipart, and the CSRF middleware cannot read it (it crashes
                # with the installed python-multipart): refuse it plainly.
                raise _Bad(400, BAD_FORM)
            _check_multipart(content_type, body)
        return _replay(body, rest)

    async def _read(self, receive: Receive) -> tuple[bytes, Receive]:
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                # The client went away: hand the app the disconnect, as if unread.
                return b"", _replay_message(message, receive)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise _TooLarge
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks), receive


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _replay_message(first: Message, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return first
        return await receive()

    return replay


def _refuse(scope: Scope, status: int, message: str) -> Response:
    """The refusal in the reader's language: JSON for the API, the error page for browsers."""
    request = Request(scope)
    locale = request_locale(request)
    text = gettext(locale, message)
    if scope["path"].startswith("/api/"):
        return JSONResponse({"detail": text}, status_code=status)
    request.state.user = None  # no session was read: render the page as for a visitor
    return error_page(request, status, text)
