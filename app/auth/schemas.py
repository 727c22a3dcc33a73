from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

Secret = Annotated[str, StringConstraints(max_length=200)]


class TokenRead(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: Secret
    new_password: Secret


class PasswordResetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Annotated[str, StringConstraints(max_length=254)]


class PasswordResetConfirm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: Secret
    new_password: Secret


class Accepted(BaseModel):
    detail: str
