"""OAuth2 password flow for API clients."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordRequestForm

from app.auth import service
from app.auth.models import TokenKind
from app.auth.schemas import TokenRead
from app.deps import ApiUser, SessionDep, SettingsDep, _bearer, api_locale
from app.i18n.catalog import gettext

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def throttle_policy(settings: SettingsDep) -> service.ThrottlePolicy:
    return service.ThrottlePolicy(
        max_failures=settings.login_max_failures,
        window=timedelta(minutes=settings.login_window_minutes),
    )


@router.post(
    "/token",
    response_model=TokenRead,
    responses={401: {"description": "Wrong email or password"}, 429: {"description": "Locked"}},
)
def token(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
    policy: Annotated[service.ThrottlePolicy, Depends(throttle_policy)],
) -> TokenRead | JSONResponse:
    user = service.authenticate(session, form.username, form.password, client_ip(request), policy)
    if user is None:
        # Returned, not raised: the failed attempt must be committed for throttling to count it.
        message = gettext(api_locale(request), "Wrong email or password.")
        return JSONResponse(
            {"detail": message},
            status_code=status.HTTP_401_UNAUTHORIZED,
            headers={"WWW-Authenticate": "Bearer"},
        )
    lifetime = timedelta(hours=settings.api_token_hours)
    return TokenRead(
        access_token=service.issue_token(session, user, TokenKind.api, lifetime),
        expires_in=int(lifetime.total_seconds()),
    )


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(
    user: ApiUser, session: SessionDep, raw: Annotated[str | None, Depends(_bearer)]
) -> None:
    if raw:
        service.revoke_token(session, raw)
