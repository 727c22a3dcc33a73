"""Password hashing (Argon2 through pwdlib) and the strength rule."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pwdlib import PasswordHash

from app.errors import Invalid
from app.i18n.catalog import N_

MIN_LENGTH = 10
_COMMON_FILE = Path(__file__).with_name("common_passwords.txt")
_hasher = PasswordHash.recommended()


@cache
def _common() -> frozenset[str]:
    lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


def check_strength(password: str, *, email: str | None = None) -> None:
    if len(password) < MIN_LENGTH:
        raise Invalid(N_("Use at least %(min)s characters."), field="password", min=MIN_LENGTH)
    lowered = password.lower()
    local_part = (email or "").split("@")[0].lower()
    if lowered in _common() or len(set(lowered)) <= 2 or (local_part and lowered == local_part):
        raise Invalid(N_("This password is too common; choose another."), field="password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    return _hasher.verify(password, password_hash)


# A hash to verify against when the account does not exist, so timing does not reveal it.
DUMMY_HASH = _hasher.hash("not-a-real-password-0")
