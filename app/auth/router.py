"""OAuth2 password flow for API clients (with the staff's second factor), logout, and the
forgotten-password flow."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy.orm import Session

from app.auth import onetime, service, throttle, totp
from app.auth.models import Role, TokenKind
from app.auth.schemas import Accepted, PasswordResetConfirm, PasswordResetRequest, TokenRead
from app.config import Settings
from app.deps import ApiUser, SessionDep, SettingsDep, _bearer, api_locale
from app.i18n.catalog import N_, gettext
from app.notifications import emails as mail_templates
from app.notifications import service as outbox

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])

RESET_ANSWER = N_(
    "If an account uses this address, we have sent it an email with a link to choose a new "
    "password. The link works for one hour."
)


def client_ip(request: Request) -> str:
    settings: Settings = request.app.state.settings
    peer = request.client.host if request.client else "unknown"
    return throttle.address_from(
        peer, request.headers.get("x-forwarded-for"), settings.trusted_proxy_networks
    )[:64]


def throttle_policy(settings: SettingsDep) -> throttle.ThrottlePolicy:
    return throttle.policy_for(settings)


def _refuse(
    request: Request, message: str, code: int = status.HTTP_401_UNAUTHORIZED
) -> JSONResponse:
    # Returned, not raised: the failed attempt must be committed for throttling to count it.
    return JSONResponse(
        {"detail": gettext(api_locale(request), message)},
        status_code=code,
        headers={"WWW-Authenticate": "Bearer"},
    )


@router.post(
    "/token",
    response_model=TokenRead,
    responses={
        401: {"description": "Wrong email, password or second-factor code"},
        403: {"description": "Staff account without two-step login set up"},
        429: {"description": "Too many failed attempts (see Retry-After)"},
    },
)
def token(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
    policy: Annotated[throttle.ThrottlePolicy, Depends(throttle_policy)],
    otp: Annotated[str | None, Form(max_length=32, description="Staff: the current code")] = None,
) -> TokenRead | JSONResponse:
    """A bearer token. Staff accounts also send the current code of their authenticator app
    (or an unused recovery code) as ``otp``."""
    ip = client_ip(request)
    user = service.authenticate(
        session, form.username, form.password, ip, policy, region=settings.city.country
    )
    if user is None:
        return _refuse(request, N_("Wrong email, phone number or password."))
    if user.role is Role.staff:
        if not totp.is_enrolled(user):
            message = N_("Set up two-step login first: log in on the website once.")
            return _refuse(request, message, status.HTTP_403_FORBIDDEN)
        if not otp:
            return _refuse(request, N_("Staff accounts also need the code from their app (otp)."))
        if not totp.verify(session, user, otp, ip, policy):
            return _refuse(request, N_("That code is not right."))
    lifetime = timedelta(hours=settings.api_token_hours)
    raw = service.issue_token(
        session, user, TokenKind.api, lifetime, second_factor=user.role is Role.staff
    )
    return TokenRead(access_token=raw, expires_in=int(lifetime.total_seconds()))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(
    user: ApiUser, session: SessionDep, raw: Annotated[str | None, Depends(_bearer)]
) -> None:
    if raw:
        service.revoke_token(session, raw)


def queue_reset(session: Session, settings: Settings, email: str, locale: str) -> None:
    """Email a reset link if ``email`` has an account; the same work either way, so neither
    the answer nor its timing tells whether the account exists."""
    lifetime = timedelta(minutes=settings.password_reset_minutes)
    found = onetime.request_reset(session, email, lifetime)
    if found is None:
        # Render the message anyway (equal work), to no one.
        mail_templates.render_email(
            "password_reset",
            locale,
            {"city": settings.city.name, "base_url": settings.base_url, "url": settings.base_url},
        )
        return
    user, secret = found
    url = outbox.link(settings, f"/password-reset/confirm?token={secret}")
    outbox.queue(
        session, user=user, kind="password_reset",
        dedupe_key=f"password_reset:{onetime.digest(secret)}", context={"url": url},
    )  # fmt: skip


@router.post("/password-reset", status_code=status.HTTP_202_ACCEPTED, response_model=Accepted)
def password_reset(
    request: Request, body: PasswordResetRequest, session: SessionDep, settings: SettingsDep
) -> Accepted:
    """Ask for a password-reset email. The answer is the same whether or not the address has
    an account."""
    locale = api_locale(request)
    queue_reset(session, settings, body.email, locale)
    return Accepted(detail=gettext(locale, RESET_ANSWER))


@router.post(
    "/password-reset/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={422: {"description": "Invalid or used token, or a weak password"}},
)
def password_reset_confirm(
    request: Request, body: PasswordResetConfirm, session: SessionDep, settings: SettingsDep
) -> None:
    """Choose a new password with the emailed token (once); every session and token ends."""
    api_locale(request)
    onetime.use_reset(
        session, body.token, body.new_password, ip=client_ip(request), city_name=settings.city.name
    )
