"""Accounts, login, passwords and opaque tokens (browser sessions and API bearer tokens)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.auth import throttle
from app.auth.models import (
    AttemptKind,
    AuthToken,
    LoginAttempt,
    OneTimeToken,
    Role,
    TokenKind,
    User,
)
from app.auth.passwords import check_strength, dummy_hash, hash_password, verify_password
from app.auth.phones import looks_like_phone, normalise_phone
from app.auth.throttle import ThrottlePolicy, raise_if_locked
from app.db import utcnow
from app.errors import Conflict, Invalid
from app.i18n.catalog import N_
from app.people.models import Person

PHONE_TAKEN = N_("An account with this phone number already exists.")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def login_name(login: str, region: str) -> str:
    """What a login form's first field means: an email address (lower-cased), or a phone number
    in E.164 (read in the city's country when it has no country code). A phone that cannot be
    parsed is kept as typed: it then simply matches no account."""
    login = login.strip()
    if looks_like_phone(login):
        try:
            return normalise_phone(login, region)
        except Invalid:
            return login[:254]
    return normalise_email(login)


def get_user_by_login(session: Session, login: str, region: str) -> User | None:
    name = login_name(login, region)
    column = User.email if "@" in name or not name.startswith("+") else User.phone
    return session.scalar(select(User).where(column == name))


def create_user(
    session: Session,
    *,
    email: str | None,
    password: str,
    role: Role,
    locale: str,
    avoid: Sequence[str] = (),
    phone: str | None = None,
) -> User:
    """A new account. ``avoid``: words the password must not contain (the person's names, the
    city's name), besides the email address. ``phone`` (E.164): a login name too; an account
    registered at the desk may have it instead of an email address."""
    email = normalise_email(email) if email else None
    check_strength(password, email=email or "", avoid=avoid)
    if email is not None and get_user_by_email(session, email) is not None:
        raise Conflict(N_("An account with this email address already exists."), field="email")
    if phone is not None and session.scalar(select(User.id).where(User.phone == phone)):
        raise Conflict(PHONE_TAKEN, field="phone")
    user = User(
        email=email, phone=phone, password_hash=hash_password(password), role=role, locale=locale
    )
    # Two registrations with one address can race past the check above; the unique index
    # decides, and the savepoint keeps the rest of the transaction usable for a clean 409.
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError:
        raise Conflict(
            N_("An account with this email address already exists.")
            if email is not None
            else PHONE_TAKEN,
            field="email" if email is not None else "phone",
        ) from None
    return user


def change_password(
    session: Session,
    user: User,
    current: str,
    new: str,
    *,
    avoid: Sequence[str] = (),
    keep_token: str | None = None,
) -> None:
    """Change one's own password; every other session and token of the user ends."""
    if not verify_password(current, user.password_hash):
        raise Invalid(N_("The current password is not correct."), field="current_password")
    set_password(session, user, new, avoid=avoid, keep_token=keep_token)


def set_password(
    session: Session,
    user: User,
    new: str,
    *,
    avoid: Sequence[str] = (),
    keep_token: str | None = None,
) -> None:
    check_strength(new, email=user.email or "", avoid=avoid, field="new_password")
    user.password_hash = hash_password(new)
    revoke_all_tokens(session, user.id, keep=keep_token)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    session: Session,
    user: User,
    kind: TokenKind,
    lifetime: timedelta,
    *,
    second_factor: bool = False,
) -> str:
    """A fresh random token; only its hash is stored, so a database leak reveals no sessions."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        AuthToken(
            token_hash=_hash_token(token),
            user_id=user.id,
            kind=kind,
            created_at=now,
            last_used_at=now,
            expires_at=now + lifetime,
            second_factor=second_factor,
        )
    )
    return token


# Every request with a session cookie or a bearer token runs this query: built once (its
# SQL cache key too, which SQLAlchemy keeps on the statement) instead of on every request.
_ACTIVE_TOKEN = (
    select(AuthToken, User)
    .join(User, AuthToken.user_id == User.id)
    .where(
        AuthToken.token_hash == bindparam("token_hash"),
        AuthToken.kind == bindparam("kind"),
        AuthToken.expires_at > bindparam("now"),
        User.is_active.is_(True),
    )
)


def active_token(
    session: Session,
    raw: str,
    kind: TokenKind,
    *,
    idle: Callable[[Role], timedelta] | None = None,
    now: datetime | None = None,
) -> tuple[AuthToken, User] | None:
    """The live token and its user, or ``None``. With ``idle``, a token unused for longer than
    ``idle(role)`` has ended (and is deleted); a used one is touched (at most once a minute,
    to spare a write per request)."""
    now = now or utcnow()
    row = session.execute(
        _ACTIVE_TOKEN, {"token_hash": _hash_token(raw), "kind": kind, "now": now}
    ).first()
    if row is None:
        return None
    token, user = row[0], row[1]
    if idle is not None:
        last = token.last_used_at or token.created_at
        if now - last > idle(user.role):
            session.delete(token)
            return None
        if now - last > timedelta(minutes=1):
            token.last_used_at = now
    return token, user


def user_for_token(session: Session, token: str, kind: TokenKind) -> User | None:
    found = active_token(session, token, kind)
    return found[1] if found else None


def revoke_token(session: Session, token: str) -> None:
    session.execute(delete(AuthToken).where(AuthToken.token_hash == _hash_token(token)))


def revoke_all_tokens(session: Session, user_id: int, *, keep: str | None = None) -> None:
    """End every session and API token of the user, except ``keep`` (the one in use)."""
    stmt = delete(AuthToken).where(AuthToken.user_id == user_id)
    if keep:
        stmt = stmt.where(AuthToken.token_hash != _hash_token(keep))
    session.execute(stmt)


def purge_expired(session: Session, now: datetime | None = None) -> int:
    """Housekeeping for the daily job: drop expired tokens and old attempts (kept two days: the
    longest account lock looks back one)."""
    now = now or utcnow()
    results = (
        session.execute(delete(AuthToken).where(AuthToken.expires_at <= now)),
        session.execute(delete(OneTimeToken).where(OneTimeToken.expires_at <= now)),
        session.execute(
            delete(LoginAttempt).where(LoginAttempt.created_at < now - timedelta(days=2))
        ),
    )
    return sum(int(getattr(r, "rowcount", 0) or 0) for r in results)


def authenticate(
    session: Session,
    email: str,
    password: str,
    ip: str,
    policy: ThrottlePolicy,
    *,
    region: str = "BE",
) -> User | None:
    """Check credentials, recording the attempt. Raises ``Throttled`` while the account or the
    address is locked. ``email`` may also be a phone number (read in ``region`` without a
    country code); attempts are counted per normalised login name.

    The attempt is recorded even when the login fails, so the caller must commit on failure
    too (the page and API layers do).
    """
    email = login_name(email, region)
    raise_if_locked(throttle.seconds_locked(session, email, ip, policy))
    user = get_user_by_login(session, email, region)
    ok = verify_password(password, user.password_hash if user else dummy_hash())
    ok = ok and user is not None and user.is_active
    throttle.record(session, email, ip, ok, AttemptKind.login)
    if not ok:
        return None
    assert user is not None
    user.last_login_at = utcnow()
    return user


def password_words(session: Session, user: User, city_name: str) -> list[str]:
    """What a user's password must not contain: their names and the city's name (their email
    is checked by ``check_strength`` itself)."""
    person = session.scalar(select(Person).where(Person.user_id == user.id))
    names = [person.first_name, person.last_name] if person is not None else []
    return [*names, city_name]
