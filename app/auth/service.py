"""Accounts, login, throttling and opaque tokens (browser sessions and API bearer tokens)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.auth.models import AuthToken, LoginAttempt, Role, TokenKind, User
from app.auth.passwords import DUMMY_HASH, check_strength, hash_password, verify_password
from app.db import utcnow
from app.errors import Conflict, Invalid, Throttled
from app.i18n.catalog import N_


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(session: Session, *, email: str, password: str, role: Role, locale: str) -> User:
    email = normalise_email(email)
    check_strength(password, email=email)
    if get_user_by_email(session, email) is not None:
        raise Conflict(N_("An account with this email address already exists."), field="email")
    user = User(email=email, password_hash=hash_password(password), role=role, locale=locale)
    # Two registrations with one address can race past the check above; the unique index
    # decides, and the savepoint keeps the rest of the transaction usable for a clean 409.
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError:
        raise Conflict(
            N_("An account with this email address already exists."), field="email"
        ) from None
    return user


def change_password(session: Session, user: User, current: str, new: str) -> None:
    if not verify_password(current, user.password_hash):
        raise Invalid(N_("The current password is not correct."), field="current_password")
    check_strength(new, email=user.email)
    user.password_hash = hash_password(new)
    revoke_all_tokens(session, user.id)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User, kind: TokenKind, lifetime: timedelta) -> str:
    """A fresh random token; only its hash is stored, so a database leak reveals no sessions."""
    token = secrets.token_urlsafe(32)
    session.add(
        AuthToken(
            token_hash=_hash_token(token),
            user_id=user.id,
            kind=kind,
            expires_at=utcnow() + lifetime,
        )
    )
    return token


def user_for_token(session: Session, token: str, kind: TokenKind) -> User | None:
    stmt = (
        select(User)
        .join(AuthToken, AuthToken.user_id == User.id)
        .where(
            AuthToken.token_hash == _hash_token(token),
            AuthToken.kind == kind,
            AuthToken.expires_at > utcnow(),
            User.is_active.is_(True),
        )
    )
    return session.scalar(stmt)


def revoke_token(session: Session, token: str) -> None:
    session.execute(delete(AuthToken).where(AuthToken.token_hash == _hash_token(token)))


def revoke_all_tokens(session: Session, user_id: int) -> None:
    session.execute(delete(AuthToken).where(AuthToken.user_id == user_id))


def purge_expired(session: Session, now: datetime | None = None) -> int:
    """Housekeeping for the daily job: drop expired tokens and old login attempts."""
    now = now or utcnow()
    tokens = session.execute(delete(AuthToken).where(AuthToken.expires_at <= now))
    attempts = session.execute(
        delete(LoginAttempt).where(LoginAttempt.created_at < now - timedelta(days=1))
    )
    return int(tokens.rowcount or 0) + int(attempts.rowcount or 0)  # type: ignore[attr-defined]


def seconds_locked(
    session: Session, email: str, ip: str, policy: ThrottlePolicy, now: datetime | None = None
) -> int:
    """How long further attempts are refused: 0 unless the account or the address has failed
    ``max_failures`` times within the window; the lock lifts when the oldest of those ages out."""
    now = now or utcnow()
    since = now - policy.window
    email = normalise_email(email)
    locked_for = 0
    for column, value in ((LoginAttempt.email, email), (LoginAttempt.ip, ip)):
        last_success = session.scalar(
            select(func.max(LoginAttempt.created_at)).where(
                column == value, LoginAttempt.succeeded.is_(True)
            )
        )
        floor = max(since, last_success) if last_success else since
        failures = list(
            session.scalars(
                select(LoginAttempt.created_at)
                .where(
                    column == value,
                    LoginAttempt.succeeded.is_(False),
                    LoginAttempt.created_at > floor,
                )
                .order_by(LoginAttempt.created_at.desc())
                .limit(policy.max_failures)
            )
        )
        if len(failures) >= policy.max_failures:
            unlock_at = failures[-1] + policy.window
            locked_for = max(locked_for, int((unlock_at - now).total_seconds()) + 1)
    return locked_for


def authenticate(
    session: Session, email: str, password: str, ip: str, policy: ThrottlePolicy
) -> User | None:
    """Check credentials, recording the attempt. Raises ``Throttled`` while locked out.

    The attempt is recorded even when the login fails, so the caller must commit on failure
    too (the page and API layers do).
    """
    locked = seconds_locked(session, email, ip, policy)
    if locked:
        raise Throttled(
            N_("Too many failed attempts. Try again in %(minutes)s minutes."),
            retry_after=locked,
            minutes=max(1, (locked + 59) // 60),
        )
    user = get_user_by_email(session, email)
    ok = verify_password(password, user.password_hash if user else DUMMY_HASH)
    ok = ok and user is not None and user.is_active
    session.add(LoginAttempt(email=normalise_email(email), ip=ip, succeeded=ok))
    if not ok:
        return None
    assert user is not None
    user.last_login_at = utcnow()
    return user
