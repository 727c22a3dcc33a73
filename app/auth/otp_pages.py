"""The staff's second login step: the code page, and enrolment (QR code, recovery codes).

Both pages need a session whose password step is done; the session id changes once the code is
accepted (a change of privilege), and only then do staff pages open.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.auth import totp
from app.auth.models import Role, User
from app.auth.pages import home_for, safe_next, start_session
from app.auth.router import client_ip, throttle_policy
from app.deps import SessionDep, SettingsDep, request_locale, session_token
from app.errors import Invalid, Throttled
from app.i18n.catalog import gettext
from app.web.templating import redirect, render

router = APIRouter(include_in_schema=False)

Code = Annotated[str, Form(max_length=32)]
Next = Annotated[str, Form(max_length=2000)]


def _pending(request: Request, session: SessionDep) -> User | Response:
    """The staff member half-way through logging in, or where to send anyone else."""
    found = session_token(request, session)
    request_locale(request, found[1] if found else None)
    if found is None:
        return redirect("/login")
    token, user = found
    if user.role is not Role.staff or token.second_factor:
        return redirect(home_for(user))
    return user


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/login/code")
def code_form(request: Request, session: SessionDep, next: str | None = None) -> Response:
    user = _pending(request, session)
    if isinstance(user, Response):
        return user
    if not totp.is_enrolled(user):
        return redirect(f"/login/code/setup?next={quote(safe_next(next) or '')}")
    return render(request, "auth/login_code.html", {"next": safe_next(next) or ""})


@router.post("/login/code")
def code_submit(
    request: Request, session: SessionDep, settings: SettingsDep, code: Code = "", next: Next = ""
) -> Response:
    user = _pending(request, session)
    if isinstance(user, Response):
        return user
    locale: str = request.state.locale
    context: dict[str, Any] = {"next": safe_next(next) or ""}
    try:
        ok = totp.verify(session, user, code, client_ip(request), throttle_policy(settings))
    except Throttled as exc:
        context["error"] = gettext(locale, exc.message, **exc.params)
        response = render(request, "auth/login_code.html", context, status_code=429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if not ok:
        context["error"] = gettext(locale, "That code is not right.")
        return render(request, "auth/login_code.html", context, status_code=401)
    target = safe_next(next) or home_for(user)
    return start_session(request, session, settings, user, target, second_factor=True)


def _setup_context(user: User, next: str, errors: dict[str, str]) -> dict[str, Any]:
    uri = totp.provisioning_uri(user)
    return {
        "qr": totp.qr_svg(uri),
        "secret": user.totp_secret,
        "next": next,
        "errors": errors,
    }


@router.get("/login/code/setup")
def setup_form(request: Request, session: SessionDep, next: str | None = None) -> Response:
    user = _pending(request, session)
    if isinstance(user, Response):
        return user
    if totp.is_enrolled(user):
        return redirect(f"/login/code?next={quote(safe_next(next) or '')}")
    totp.start_enrolment(user)
    context = _setup_context(user, safe_next(next) or "", {})
    return _no_store(render(request, "auth/code_setup.html", context))


@router.post("/login/code/setup")
def setup_submit(
    request: Request, session: SessionDep, settings: SettingsDep, code: Code = "", next: Next = ""
) -> Response:
    user = _pending(request, session)
    if isinstance(user, Response):
        return user
    if totp.is_enrolled(user):
        return redirect("/login/code")
    try:
        codes = totp.confirm_enrolment(session, user, code)
    except Invalid as exc:
        errors = {"code": gettext(request.state.locale, exc.message, **exc.params)}
        context = _setup_context(user, safe_next(next) or "", errors)
        return _no_store(render(request, "auth/code_setup.html", context, status_code=422))
    target = safe_next(next) or home_for(user)
    done = start_session(request, session, settings, user, target, second_factor=True)
    # The recovery codes are shown once, on the page that also carries the new session.
    page = render(request, "auth/recovery_codes.html", {"codes": codes, "next": target})
    for key, value in done.headers.items():
        if key.lower() == "set-cookie":
            page.headers.append(key, value)
    return _no_store(page)
