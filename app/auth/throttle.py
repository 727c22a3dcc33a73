"""Throttling of guessing: logins, second-factor codes, desk codes and registrations.

Failures are counted per **account** and per **address** separately (ASVS 5.0 6.3.1):

* an account locks after ``max_failures_account`` failures since its own last success, and each
  further failure doubles the lock (exponential back-off, capped); only a success on that
  account, or a password reset by its owner, clears the count;
* an address locks after ``max_failures_address`` failures within the window, whoever succeeds
  meanwhile: one attacker's own good login cannot reset their spraying count, and the limit is
  high because a welcome desk puts many honest people behind one NAT address.

Attempts refused while locked are not recorded, so an attacker cannot keep a lock alive for ever
by hammering it; the owner can always reset the password, which lifts the lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from ipaddress import IPv4Network, IPv6Network, ip_address

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import AttemptKind, LoginAttempt
from app.config import Settings
from app.db import utcnow
from app.errors import Throttled
from app.i18n.catalog import N_


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures_account: int = 5
    max_failures_address: int = 100
    window: timedelta = timedelta(minutes=15)
    max_lock: timedelta = timedelta(hours=24)


def policy_for(settings: Settings) -> ThrottlePolicy:
    return ThrottlePolicy(
        max_failures_account=settings.login_max_failures_account,
        max_failures_address=settings.login_max_failures_address,
        window=timedelta(minutes=settings.login_window_minutes),
        max_lock=timedelta(minutes=settings.login_lock_max_minutes),
    )


def address_from(
    peer: str, forwarded_for: str | None, trusted: Sequence[IPv4Network | IPv6Network]
) -> str:
    """The caller's address. ``X-Forwarded-For`` is believed only when the direct ``peer`` is a
    trusted proxy; then the rightmost address that is not a trusted proxy wins (the left part of
    the header is whatever the client wrote).

    >>> from ipaddress import ip_network
    >>> address_from("10.0.0.1", "6.6.6.6, 1.2.3.4", [])
    '10.0.0.1'
    >>> address_from("10.0.0.1", "6.6.6.6, 1.2.3.4", [ip_network("10.0.0.0/8")])
    '1.2.3.4'
    """
    if not trusted or not _in(peer, trusted):
        return peer
    hops = [h.strip() for h in (forwarded_for or "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _in(hop, trusted):
            return hop if _valid(hop) else peer
    return peer


def _valid(address: str) -> bool:
    try:
        ip_address(address)
    except ValueError:
        return False
    return True


def _in(address: str, trusted: Sequence[IPv4Network | IPv6Network]) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in trusted)


def record(session: Session, email: str, ip: str, ok: bool, kind: AttemptKind) -> None:
    session.add(LoginAttempt(email=email[:254], ip=ip[:64], succeeded=ok, kind=kind))


def _account_lock(
    session: Session, email: str, kind: AttemptKind, policy: ThrottlePolicy, now: datetime
) -> int:
    last_success = session.scalar(
        select(func.max(LoginAttempt.created_at)).where(
            LoginAttempt.email == email,
            LoginAttempt.succeeded.is_(True),
            LoginAttempt.kind.in_((kind, AttemptKind.reset)),
        )
    )
    floor = now - policy.max_lock - policy.window
    if last_success is not None and last_success > floor:
        floor = last_success
    failures = list(
        session.scalars(
            select(LoginAttempt.created_at)
            .where(
                LoginAttempt.email == email,
                LoginAttempt.kind == kind,
                LoginAttempt.succeeded.is_(False),
                LoginAttempt.created_at > floor,
            )
            .order_by(LoginAttempt.created_at.desc())
            .limit(policy.max_failures_account + 32)
        )
    )
    over = len(failures) - policy.max_failures_account
    if over < 0:
        return 0
    lock = min(policy.window * (2 ** min(over, 30)), policy.max_lock)
    return max(0, int((failures[0] + lock - now).total_seconds()) + 1)


def address_lock(
    session: Session, ip: str, kind: AttemptKind, limit: int, window: timedelta, now: datetime
) -> int:
    oldest_counted = session.scalar(
        select(LoginAttempt.created_at)
        .where(
            LoginAttempt.ip == ip,
            LoginAttempt.kind == kind,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.created_at > now - window,
        )
        .order_by(LoginAttempt.created_at.desc())
        .offset(limit - 1)
        .limit(1)
    )
    if oldest_counted is None:
        return 0
    return max(0, int((oldest_counted + window - now).total_seconds()) + 1)


def seconds_locked(
    session: Session,
    email: str,
    ip: str,
    policy: ThrottlePolicy,
    *,
    kind: AttemptKind = AttemptKind.login,
    now: datetime | None = None,
) -> int:
    """How long further attempts are refused (0: not locked), by the account or the address."""
    now = now or utcnow()
    account = _account_lock(session, email, kind, policy, now) if email else 0
    address = address_lock(session, ip, kind, policy.max_failures_address, policy.window, now)
    return max(account, address)


def raise_if_locked(seconds: int) -> None:
    if seconds > 0:
        raise Throttled(
            N_("Too many failed attempts. Try again in %(minutes)s minutes."),
            retry_after=seconds,
            minutes=max(1, (seconds + 59) // 60),
        )


def check_registration(session: Session, ip: str, per_hour: int) -> None:
    """Registrations from one address are limited per hour (generously: the welcome desk)."""
    now = utcnow()
    lock = _registration_lock(session, ip, per_hour, now)
    if lock:
        raise Throttled(
            N_("Too many registrations from this network. Try again in %(minutes)s minutes."),
            retry_after=lock,
            minutes=max(1, (lock + 59) // 60),
        )
    record(session, "", ip, True, AttemptKind.register)


def _registration_lock(session: Session, ip: str, per_hour: int, now: datetime) -> int:
    oldest_counted = session.scalar(
        select(LoginAttempt.created_at)
        .where(
            LoginAttempt.ip == ip,
            LoginAttempt.kind == AttemptKind.register,
            LoginAttempt.created_at > now - timedelta(hours=1),
        )
        .order_by(LoginAttempt.created_at.desc())
        .offset(per_hour - 1)
        .limit(1)
    )
    if oldest_counted is None:
        return 0
    return max(0, int((oldest_counted + timedelta(hours=1) - now).total_seconds()) + 1)
