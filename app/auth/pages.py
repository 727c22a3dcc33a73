"""Browser login, logout and the language switcher."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.auth import service, totp
from app.auth.models import Role, TokenKind, User
from app.auth.router import client_ip, throttle_policy
from app.config import Settings
from app.deps import SESSION_COOKIE, MaybePageUser, SessionDep, SettingsDep
from app.errors import Throttled
from app.i18n.catalog import LOCALE_COOKIE, gettext
from app.privacy import consent as privacy_consent
from app.web.templating import redirect, render

router = APIRouter(include_in_schema=False)


def home_for(user: User) -> str:
    return {Role.staff: "/staff", Role.newcomer: "/me", Role.volunteer: "/me"}[user.role]


def safe_next(target: str | None) -> str | None:
    """Only local paths: an open redirect after login would be a phishing gift."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return None


@router.get("/login")
def login_form(request: Request, user: MaybePageUser, next: str | None = None) -> Response:
    if user is not None:
        return redirect(safe_next(next) or home_for(user))
    return render(request, "auth/login.html", {"email": "", "next": safe_next(next) or ""})


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: MaybePageUser,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    locale: str = request.state.locale
    context = {"email": email, "next": safe_next(next) or ""}
    try:
        found = service.authenticate(
            session, email, password, client_ip(request), throttle_policy(settings),
            region=settings.city.country,
        )
    except Throttled as exc:
        context["error"] = gettext(locale, exc.message, **exc.params)
        response = render(request, "auth/login.html", context, status_code=429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if found is None:
        context["error"] = gettext(locale, "Wrong email, phone number or password.")
        return render(request, "auth/login.html", context, status_code=401)
    # A new version of the privacy notice is asked for before anything else.
    target = privacy_consent.after_login(session, found, settings.city,
                                         safe_next(next) or home_for(found))  # fmt: skip
    if found.role is Role.staff:
        # Half logged in: only the code page is open until the second factor is given.
        page = "/login/code" if totp.is_enrolled(found) else "/login/code/setup"
        target = f"{page}?next={quote(target)}"
    return start_session(request, session, settings, found, target)


def start_session(
    request: Request,
    session: Session,
    settings: Settings,
    user: User,
    target: str,
    *,
    second_factor: bool = False,
) -> Response:
    """Log ``user`` in and redirect to ``target``: after the login form, right after
    registering, and at every change of privilege (second factor given, password changed). A
    fresh session id every time (no session fixation); any earlier one ends."""
    chosen = request.cookies.get(LOCALE_COOKIE)
    if chosen is not None and chosen in settings.city.locales and chosen != user.locale:
        # The language picked on the public pages (the switcher sets this cookie) wins over the
        # one saved earlier: the person just told us what they read. Keep it for e-mails too.
        user.locale = chosen
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        service.revoke_token(session, old)
    lifetime = timedelta(days=settings.session_days)
    token = service.issue_token(
        session, user, TokenKind.session, lifetime, second_factor=second_factor
    )
    done = redirect(target)
    done.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(lifetime.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )
    done.set_cookie(LOCALE_COOKIE, user.locale, samesite="lax", max_age=365 * 86400)
    return done


@router.post("/logout")
def logout(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        service.revoke_token(session, token)
    response = redirect("/")
    response.delete_cookie(
        SESSION_COOKIE, httponly=True, samesite="lax", secure=settings.secure_cookies
    )
    return response


@router.post("/locale")
def switch_locale(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: MaybePageUser,
    locale: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    response = redirect(safe_next(next) or "/")
    if locale in settings.city.locales:
        if user is not None:
            user.locale = locale
        response.set_cookie(LOCALE_COOKIE, locale, samesite="lax", max_age=365 * 86400)
    return response
