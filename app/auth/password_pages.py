"""Password pages: change one's own (``/me/password``), forgotten (``/password-reset``, the
emailed link), and the first password of a newcomer registered at the desk (``/set-password``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.auth import onetime, service
from app.auth.pages import home_for, start_session
from app.auth.router import RESET_ANSWER, client_ip, queue_reset
from app.deps import SESSION_COOKIE, MaybePageUser, PageUser, SessionDep, SettingsDep
from app.errors import Invalid, Throttled
from app.i18n.catalog import gettext
from app.web.templating import render

router = APIRouter(include_in_schema=False)

Secret = Annotated[str, Form(max_length=200)]


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _error(request: Request, exc: Invalid) -> dict[str, str]:
    return {exc.field or "form": gettext(request.state.locale, exc.message, **exc.params)}


# --- change one's own password ---------------------------------------------------------------


@router.get("/me/password")
def change_form(request: Request, user: PageUser, changed: int = 0) -> Response:
    return render(request, "auth/password_change.html", {"errors": {}, "changed": bool(changed)})


@router.post("/me/password")
def change_submit(
    request: Request,
    user: PageUser,
    session: SessionDep,
    settings: SettingsDep,
    current_password: Secret = "",
    new_password: Secret = "",
) -> Response:
    avoid = service.password_words(session, user, settings.city.name)
    try:
        # Every session ends, this one too: it is replaced below by one with a new id.
        service.change_password(session, user, current_password, new_password, avoid=avoid)
    except Invalid as exc:
        session.rollback()
        context = {"errors": _error(request, exc), "changed": False}
        return render(request, "auth/password_change.html", context, status_code=422)
    return start_session(
        request, session, settings, user, "/me/password?changed=1",
        second_factor=bool(request.state.second_factor),
    )  # fmt: skip


# --- forgotten password ------------------------------------------------------------------------


@router.get("/password-reset")
def forgot_form(request: Request, viewer: MaybePageUser) -> Response:
    return render(request, "auth/password_forgot.html", {"sent": False, "email": ""})


@router.post("/password-reset")
def forgot_submit(
    request: Request,
    viewer: MaybePageUser,
    session: SessionDep,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=254)] = "",
) -> Response:
    locale: str = request.state.locale
    if email.strip():
        queue_reset(session, settings, email, locale)
    context = {"sent": bool(email.strip()), "message": gettext(locale, RESET_ANSWER), "email": ""}
    return render(request, "auth/password_forgot.html", context)


@router.get("/password-reset/confirm")
def reset_form(
    request: Request, viewer: MaybePageUser, session: SessionDep, token: str = ""
) -> Response:
    context: dict[str, Any] = {"token": token, "errors": {}}
    if not onetime.reset_is_valid(session, token[:200]):
        context["invalid"] = True
    return _no_store(render(request, "auth/password_reset.html", context))


@router.post("/password-reset/confirm")
def reset_submit(
    request: Request,
    viewer: MaybePageUser,
    session: SessionDep,
    settings: SettingsDep,
    token: Secret = "",
    new_password: Secret = "",
) -> Response:
    try:
        onetime.use_reset(
            session, token, new_password, ip=client_ip(request), city_name=settings.city.name
        )
    except Invalid as exc:
        session.rollback()
        context = {"token": token, "errors": _error(request, exc), "invalid": exc.field == "token"}
        return _no_store(render(request, "auth/password_reset.html", context, status_code=422))
    done = render(request, "auth/password_done.html", {})
    done.delete_cookie(
        SESSION_COOKIE, httponly=True, samesite="lax", secure=settings.secure_cookies
    )
    return _no_store(done)


# --- first password, with the welcome desk's code ---------------------------------------------


@router.get("/set-password")
def setup_form(request: Request, viewer: MaybePageUser, code: str = "") -> Response:
    return render(request, "auth/set_password.html", {"code": code[:40], "errors": {}})


@router.post("/set-password")
def setup_submit(
    request: Request,
    viewer: MaybePageUser,
    session: SessionDep,
    settings: SettingsDep,
    code: Annotated[str, Form(max_length=40)] = "",
    new_password: Secret = "",
) -> Response:
    context: dict[str, Any] = {"code": code, "errors": {}}
    try:
        user = onetime.use_setup_code(
            session, code, new_password, ip=client_ip(request), city_name=settings.city.name,
            max_failures=settings.setup_code_max_failures_address,
            window=timedelta(minutes=settings.login_window_minutes),
        )  # fmt: skip
    except Throttled as exc:
        context["errors"] = {"code": gettext(request.state.locale, exc.message, **exc.params)}
        response = render(request, "auth/set_password.html", context, status_code=429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except Invalid as exc:
        if exc.field == "code":
            context["code"] = ""
        else:
            # The code was right but the password was refused: keep the code unused.
            session.rollback()
        context["errors"] = _error(request, exc)
        return render(request, "auth/set_password.html", context, status_code=422)
    return start_session(request, session, settings, user, home_for(user))
