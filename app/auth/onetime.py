"""Single-use secrets that set a password: the emailed reset link and the desk's setup code.

Only a SHA-256 of each secret is stored. A reset link holds 256 random bits and lives an hour; a
desk code is short enough to type on a phone (12 characters from a 31-letter alphabet, about 59
bits) and lives days, so its attempts are throttled per address. Using either sets the password,
ends every session and token of the account, and lifts a login lock.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.auth import throttle
from app.auth.models import AttemptKind, OneTimePurpose, OneTimeToken, User
from app.auth.passwords import dummy_hash, verify_password
from app.auth.service import get_user_by_email, password_words, set_password
from app.auth.throttle import raise_if_locked
from app.db import utcnow
from app.errors import Invalid
from app.i18n.catalog import N_

CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes (0/o, 1/l/i)
CODE_GROUPS, CODE_GROUP_SIZE = 3, 4
# Reset requests per account per hour; more are answered the same but send nothing.
RESETS_PER_HOUR = 3


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_code(code: str) -> str:
    """What people type: spaces, dashes and capitals do not matter.

    >>> normalise_code(" K7MQ-3xtp 9hwa ")
    'k7mq3xtp9hwa'
    """
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _issue(
    session: Session, user: User, purpose: OneTimePurpose, secret: str, lifetime: timedelta
) -> None:
    now = utcnow()
    # A new secret replaces any earlier unused one of the same kind.
    session.execute(
        update(OneTimeToken)
        .where(
            OneTimeToken.user_id == user.id,
            OneTimeToken.purpose == purpose,
            OneTimeToken.used_at.is_(None),
        )
        .values(used_at=now)
    )
    session.add(
        OneTimeToken(
            token_hash=digest(secret),
            user_id=user.id,
            purpose=purpose,
            created_at=now,
            expires_at=now + lifetime,
        )
    )


def issue_setup_code(session: Session, user: User, lifetime: timedelta) -> str:
    """A code the desk prints for a newcomer to choose their own first password, formatted
    ``k7mq-3xtp-9hwa``."""
    groups = [
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_SIZE))
        for _ in range(CODE_GROUPS)
    ]
    _issue(session, user, OneTimePurpose.password_setup, "".join(groups), lifetime)
    return "-".join(groups)


def request_reset(session: Session, email: str, lifetime: timedelta) -> tuple[User, str] | None:
    """A reset token for the account with ``email``, or ``None`` (no such active account, or
    too many requests already). Both ways do the same expensive work, so the answer's timing
    does not tell whether the account exists."""
    token = secrets.token_urlsafe(32)
    user = get_user_by_email(session, email)
    verify_password(token, dummy_hash())  # equal work on every path
    if user is None or not user.is_active or _recent_resets(session, user) >= RESETS_PER_HOUR:
        return None
    _issue(session, user, OneTimePurpose.password_reset, token, lifetime)
    return user, token


def _recent_resets(session: Session, user: User) -> int:
    since = utcnow() - timedelta(hours=1)
    rows = session.scalars(
        select(OneTimeToken.token_hash).where(
            OneTimeToken.user_id == user.id,
            OneTimeToken.purpose == OneTimePurpose.password_reset,
            OneTimeToken.created_at > since,
        )
    )
    return len(list(rows))


def _live(session: Session, secret: str, purpose: OneTimePurpose) -> OneTimeToken | None:
    return session.scalar(
        select(OneTimeToken).where(
            OneTimeToken.token_hash == digest(secret),
            OneTimeToken.purpose == purpose,
            OneTimeToken.used_at.is_(None),
            OneTimeToken.expires_at > utcnow(),
        )
    )


def reset_is_valid(session: Session, token: str) -> bool:
    return _live(session, token, OneTimePurpose.password_reset) is not None


def use_reset(session: Session, token: str, new_password: str, *, ip: str, city_name: str) -> User:
    """Set a new password with an emailed token: single use; every session ends."""
    found = _live(session, token, OneTimePurpose.password_reset)
    if found is None:
        raise Invalid(N_("This link is not valid any more. Ask for a new one."), field="token")
    return _use(session, found, new_password, ip=ip, city_name=city_name)


def use_setup_code(
    session: Session,
    code: str,
    new_password: str,
    *,
    ip: str,
    city_name: str,
    max_failures: int,
    window: timedelta,
) -> User:
    """Choose one's first password with the desk's code. Wrong codes count per address."""
    raise_if_locked(
        throttle.address_lock(session, ip, AttemptKind.setup, max_failures, window, utcnow())
    )
    found = _live(session, normalise_code(code), OneTimePurpose.password_setup)
    if found is None:
        throttle.record(session, "", ip, False, AttemptKind.setup)
        raise Invalid(
            N_("This code is not right or has expired. Ask the welcome desk for a new one."),
            field="code",
        )
    return _use(session, found, new_password, ip=ip, city_name=city_name)


def _use(
    session: Session, found: OneTimeToken, new_password: str, *, ip: str, city_name: str
) -> User:
    user = session.get(User, found.user_id)
    assert user is not None
    avoid = password_words(session, user, city_name)
    set_password(session, user, new_password, avoid=avoid)  # revokes every token
    found.used_at = utcnow()
    throttle.record(session, user.email or user.phone or "", ip, True, AttemptKind.reset)
    return user
