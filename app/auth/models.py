"""Accounts, server-side session/API tokens, the attempt log used for throttling, one-time
password tokens (reset, first password) and the staff's second factor."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, Index, String, false, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class Role(StrEnum):
    newcomer = "newcomer"
    volunteer = "volunteer"
    staff = "staff"


class TokenKind(StrEnum):
    session = "session"
    api = "api"


class OneTimePurpose(StrEnum):
    password_reset = "password_reset"  # emailed link, 1 hour
    password_setup = "password_setup"  # printed at the welcome desk, days


class AttemptKind(StrEnum):
    """What an attempt row counts, for throttling (and for the account lock to be lifted)."""

    login = "login"
    otp = "otp"  # the staff's second step
    setup = "setup"  # a desk code typed on /set-password
    register = "register"
    reset = "reset"  # a password reset used: counts as a success, lifting the account lock
    verify = "verify"  # a wrong hours-statement code typed on /verify/hours


def str_enum(enum: type[StrEnum], name: str) -> Enum:
    """Enums stored as checked strings: portable across SQLite and PostgreSQL migrations."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum),
        values_callable=lambda e: [m.value for m in e],
    )


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased: the unique index then makes emails unique case-insensitively everywhere.
    # None for a newcomer registered at the desk with a phone only (they log in with ``phone``).
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    # E.164 ("+32470123456"): a login name for people without email, and where SMS alerts go.
    phone: Mapped[str | None] = mapped_column(String(16), unique=True)
    # The person chose short SMS alerts ("you have a new message") besides their inbox.
    sms_alerts: Mapped[bool] = mapped_column(default=False, server_default=false())
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    locale: Mapped[str] = mapped_column(String(8))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_login_at: Mapped[datetime | None]
    # TOTP (staff): the base32 secret, when its enrolment was confirmed, and the last time step
    # accepted (a code is usable once).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]


class AuthToken(Base):
    """An opaque browser session or API bearer token; only its SHA-256 is stored."""

    __tablename__ = "auth_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[TokenKind] = mapped_column(str_enum(TokenKind, "token_kind"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    # For the idle timeout; touched at most once a minute.
    last_used_at: Mapped[datetime | None]
    # The staff's second factor was passed with this token (a new token is issued when it is).
    second_factor: Mapped[bool] = mapped_column(default=False, server_default=false())


class OneTimeToken(Base):
    """A single-use secret that sets a password: only its SHA-256 is stored."""

    __tablename__ = "one_time_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[OneTimePurpose] = mapped_column(str_enum(OneTimePurpose, "onetime_purpose"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class RecoveryCode(Base):
    """A staff member's one-time recovery code for the second factor (Argon2-hashed)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime | None]


class LoginAttempt(Base):
    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_created_at", "email", "created_at"),
        Index("ix_login_attempts_ip_created_at", "ip", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[AttemptKind] = mapped_column(
        str_enum(AttemptKind, "attempt_kind"),
        default=AttemptKind.login,
        server_default=text("'login'"),
    )
