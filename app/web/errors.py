"""Turning errors into answers: JSON (translated) for the API, pages for the browser."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

# Starlette's class, which FastAPI's subclasses: unknown URLs (404/405 raised by the router
# itself) get the translated page too.
from starlette.exceptions import HTTPException

from app.deps import (
    LoginRequired,
    PageForbidden,
    SecondFactorRequired,
    api_locale,
    request_locale,
)
from app.errors import DomainError, Throttled
from app.i18n.catalog import N_, gettext
from app.web.headers import headers_for
from app.web.templating import error_page, login_redirect, render

# Messages for pydantic's own error types, so 422 answers read well in every language.
_PYDANTIC_MESSAGES = {
    "missing": N_("This field is required."),
    "string_too_short": N_("This field is too short."),
    "string_too_long": N_("This field is too long."),
    "too_short": N_("Choose at least one."),
    "too_long": N_("Too many items."),
    "int_parsing": N_("Enter a whole number."),
    "int_type": N_("Enter a whole number."),
    "float_parsing": N_("Enter a number."),
    "float_type": N_("Enter a number."),
    "bool_parsing": N_("Answer yes or no."),
    "bool_type": N_("Answer yes or no."),
    "date_from_datetime_parsing": N_("Enter a valid date."),
    "date_parsing": N_("Enter a valid date."),
    "date_type": N_("Enter a valid date."),
    "enum": N_("Choose one of the options."),
    "literal_error": N_("Choose one of the options."),
    "greater_than_equal": N_("This number is too small."),
    "greater_than": N_("This number is too small."),
    "less_than_equal": N_("This number is too large."),
    "less_than": N_("This number is too large."),
    "value_error": N_("This value is not valid."),
    "string_pattern_mismatch": N_("This value is not valid."),
    "extra_forbidden": N_("This field is not allowed."),
    "json_invalid": N_("The request body is not valid JSON."),
    "model_attributes_type": N_("This value is not valid."),
    "dict_type": N_("This value is not valid."),
    "list_type": N_("This value is not valid."),
    "string_type": N_("Enter text."),
}

# Starlette's own details for unknown routes and methods; marked so they reach the catalogs
# and the _http handler below can show them in the reader's language.
_STARLETTE_DETAILS = (N_("Not Found"), N_("Method Not Allowed"))


def _locale(request: Request) -> str:
    found: str | None = getattr(request.state, "locale", None)
    if found:
        return found
    # Errors raised before any dependency ran (validation, unknown URL) still pick a language.
    if request.url.path.startswith("/api/"):
        return api_locale(request)
    return request_locale(request)


def translate_validation_error(error: dict[str, Any], locale: str) -> dict[str, Any]:
    """One pydantic error as ``{field, loc, message, type}``, message in the reader's language.

    Our own validators raise ``ValueError(msgid)``; pydantic prefixes that with "Value error, ".
    """
    loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
    kind = error.get("type", "value_error")
    msg = str(error.get("msg", ""))
    if kind == "value_error" and msg.startswith("Value error, "):
        message = gettext(locale, msg.removeprefix("Value error, "))
    else:
        message = gettext(locale, _PYDANTIC_MESSAGES.get(kind, _PYDANTIC_MESSAGES["value_error"]))
    field = next((part for part in reversed(loc) if not part.isdigit()), loc[-1] if loc else "")
    return {"field": field, "loc": loc, "message": message, "type": kind}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        locale = _locale(request)
        errors = [translate_validation_error(dict(e), locale) for e in exc.errors()]
        detail = errors[0]["message"] if errors else gettext(locale, "This value is not valid.")
        return JSONResponse({"detail": detail, "errors": errors}, status_code=422)

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        locale = _locale(request)
        body: dict[str, Any] = {"detail": exc.translated(locale)}
        headers = {}
        if isinstance(exc, Throttled):
            headers["Retry-After"] = str(exc.retry_after)
        if not request.url.path.startswith("/api/"):
            # A page whose handler did not turn the refusal into a form message: still a page.
            response = error_page(request, exc.status_code, body["detail"])
            response.headers.update(headers)
            return response
        if exc.field:
            body["field"] = exc.field
            body["errors"] = [
                {"field": p.field, "loc": [p.field], "type": "rule",
                 "message": p.translated(locale)}
                for p in getattr(exc, "problems", None) or [exc]
                if p.field
            ]  # fmt: skip
        return JSONResponse(body, status_code=exc.status_code, headers=headers)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        detail = exc.detail
        if isinstance(detail, str):
            detail = gettext(_locale(request), detail)
        if not request.url.path.startswith("/api/") and exc.status_code in (404, 405):
            return render(
                request,
                "errors/error.html",
                {"status": exc.status_code, "message": detail},
                status_code=exc.status_code,
            )
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        # Starlette logs the traceback and re-raises after this; the user sees a page, not a stack.
        locale = _locale(request)
        message = gettext(locale, "Something went wrong on our side. Please try again later.")
        response: Response
        if request.url.path.startswith("/api/"):
            response = JSONResponse({"detail": message}, status_code=500)
        else:
            request.state.user = None  # the session is gone; render the page as for a visitor
            response = error_page(request, 500, message)
        # Sent by Starlette's outermost middleware, past SecurityHeaders: add them here.
        production = request.app.state.settings.environment == "production"
        for name, value in headers_for(request.url.path, production=production):
            response.headers[name.decode()] = value.decode()
        return response

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        return login_redirect(request)

    @app.exception_handler(SecondFactorRequired)
    async def _second_factor(request: Request, exc: SecondFactorRequired) -> Response:
        return login_redirect(request, "/login/code")

    @app.exception_handler(PageForbidden)
    async def _forbidden(request: Request, exc: PageForbidden) -> Response:
        message = gettext(_locale(request), "This page is not for your account.")
        return error_page(request, 403, message)
