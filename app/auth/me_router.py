"""``/api/v1/me/password``: a signed-in user changes their own password."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from app.auth import service
from app.auth.schemas import PasswordChange
from app.deps import ApiUser, SessionDep, SettingsDep, _bearer

router = APIRouter(prefix="/api/v1/me", tags=["auth"])


@router.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={422: {"description": "Wrong current password, or a weak new one"}},
)
def change_password(
    body: PasswordChange,
    user: ApiUser,
    session: SessionDep,
    settings: SettingsDep,
    raw: Annotated[str | None, Depends(_bearer)],
) -> None:
    """Change your password. Every other session and token of your account ends; the token
    of this request stays valid."""
    avoid = service.password_words(session, user, settings.city.name)
    service.change_password(
        session, user, body.current_password, body.new_password, avoid=avoid, keep_token=raw
    )
