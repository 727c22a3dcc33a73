"""The staff's second factor: TOTP (RFC 6238, through pyotp) and one-time recovery codes.

A code is accepted for the current 30-second step and one step either side (clock drift), and
only once: the last accepted step is stored and older or equal steps are refused (ASVS 5.0
6.5.1). Recovery codes are random 50-bit secrets, so they are stored Argon2id-hashed (6.5.2),
with OWASP's minimum parameters (19 MiB, 2 passes) rather than the passwords' heavier ones: ten
are hashed at enrolment and a random 50-bit secret needs no more; each works once.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

import pyotp
import segno
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.auth import throttle
from app.auth.models import AttemptKind, RecoveryCode, User
from app.auth.throttle import ThrottlePolicy, raise_if_locked
from app.db import utcnow
from app.errors import Conflict, Invalid
from app.i18n.catalog import N_

ISSUER = "Welcome Buddy"
_recovery_hasher = PasswordHash((Argon2Hasher(time_cost=2, memory_cost=19 * 1024, parallelism=1),))
STEP_SECONDS = 30
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes (0/o, 1/l/i)


def is_enrolled(user: User) -> bool:
    return user.totp_enabled_at is not None and user.totp_secret is not None


def provisioning_uri(user: User, issuer: str = ISSUER) -> str:
    assert user.totp_secret is not None
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code (drawn on the server: no script needed)."""
    return str(segno.make(uri, error="m").svg_inline(scale=5, border=2, omitsize=False))


def start_enrolment(user: User) -> None:
    """Give the user a secret to scan (kept until confirmed, so a reload shows the same one)."""
    if is_enrolled(user):
        raise Conflict(N_("Two-step login is already set up for this account."))
    if user.totp_secret is None:
        user.totp_secret = pyotp.random_base32()


def enrol_now(session: Session, user: User) -> str:
    """Enrol at once without a confirming code (``buddy create-staff --otp-uri``); returns the
    provisioning URI."""
    user.totp_secret = pyotp.random_base32()
    user.totp_enabled_at = utcnow()
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    return provisioning_uri(user)


def _accept_totp(user: User, code: str, now: datetime) -> bool:
    if user.totp_secret is None or not (len(code) == 6 and code.isdigit()):
        return False
    totp = pyotp.TOTP(user.totp_secret)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in (current - 1, current, current + 1):
        if user.totp_last_step is not None and step <= user.totp_last_step:
            continue
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            user.totp_last_step = step
            return True
    return False


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _accept_recovery(session: Session, user: User, code: str, now: datetime) -> bool:
    if len(code) != 10:
        return False
    unused = session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )
    for row in unused:
        if _recovery_hasher.verify(code, row.code_hash):
            row.used_at = now
            return True
    return False


def confirm_enrolment(session: Session, user: User, code: str) -> list[str]:
    """Check the first code from the app; the account is then enrolled. Returns the new
    recovery codes (shown once)."""
    start_enrolment(user)
    if not _accept_totp(user, _normalise(code), utcnow()):
        raise Invalid(N_("That code is not right. Type the 6 digits your app shows now."),
                      field="code")  # fmt: skip
    user.totp_enabled_at = utcnow()
    return new_recovery_codes(session, user)


def new_recovery_codes(session: Session, user: User) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        session.add(RecoveryCode(user_id=user.id, code_hash=_recovery_hasher.hash(raw)))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def verify(session: Session, user: User, code: str, ip: str, policy: ThrottlePolicy) -> bool:
    """Check a login's second step: a TOTP code or an unused recovery code. Throttled per
    account and address like passwords; the attempt is recorded (the caller commits)."""
    login = user.email or ""  # staff always have an address
    raise_if_locked(throttle.seconds_locked(session, login, ip, policy, kind=AttemptKind.otp))
    now = utcnow()
    code = _normalise(code)
    ok = is_enrolled(user) and (
        _accept_totp(user, code, now) or _accept_recovery(session, user, code, now)
    )
    throttle.record(session, user.email or "", ip, ok, AttemptKind.otp)
    return ok
