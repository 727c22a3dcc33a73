"""Password hashing (Argon2 through pwdlib) and the strength rule."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from app.errors import Invalid

if TYPE_CHECKING:
    from pwdlib import PasswordHash
from app.i18n.catalog import N_

MIN_LENGTH = 10
_COMMON_FILE = Path(__file__).with_name("common_passwords.txt")


@cache
def _hasher() -> PasswordHash:
    """Built on first use: importing pwdlib and Argon2 costs half a second, which every
    ``buddy`` command that never hashes (``tick``, ``--help``) would pay at start-up."""
    from pwdlib import PasswordHash

    return PasswordHash.recommended()


@cache
def _common() -> frozenset[str]:
    lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


def check_strength(
    password: str,
    *,
    email: str | None = None,
    avoid: Sequence[str] = (),
    field: str = "password",
) -> None:
    """At least ``MIN_LENGTH`` characters, not a common or breached password, and not built on
    the user's own email address, names or the city's name (``avoid``; case-insensitive,
    anywhere in the password; words shorter than 3 letters are ignored)."""
    if len(password) < MIN_LENGTH:
        raise Invalid(N_("Use at least %(min)s characters."), field=field, min=MIN_LENGTH)
    lowered = password.lower()
    if lowered in _common() or len(set(lowered)) <= 2:
        raise Invalid(N_("This password is too common; choose another."), field=field)
    words = [*avoid]
    if email:
        words += [email, email.split("@")[0]]
    if any(len(w.strip()) >= 3 and w.strip().lower() in lowered for w in words):
        raise Invalid(
            N_("Do not use your name, your email address or the city's name in your password."),
            field=field,
        )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    return _hasher().verify(password, password_hash)


@cache
def dummy_hash() -> str:
    """A hash to verify against when the account does not exist, so timing does not reveal
    it (made on first use, not at import)."""
    return _hasher().hash("not-a-real-password-0")
