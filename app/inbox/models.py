"""The inbox on /me, and the SMS alerts that point to it.

Every message the platform queues for a person (``app.notifications.service.queue``) is ALSO
written here, whether or not the person has an email address: the inbox is the channel everyone
has; email and SMS are extra ones. A short SMS alert ("you have a new message") is its own
little outbox row, claimed and settled like an email (``app/inbox/sms.py``), so it is never
sent twice.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.auth.models import str_enum
from app.db import Base, utcnow


class InboxMessage(Base):
    __tablename__ = "inbox_messages"
    __table_args__ = (Index("ix_inbox_messages_user_id_read_at", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The outbox row's key: the same message is never put in an inbox twice.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # What it is about, for the relevance check (app/notifications/relevance.py).
    about: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class SmsStatus(StrEnum):
    queued = "queued"
    sent = "sent"
    failed = "failed"


class SmsAlert(Base):
    __tablename__ = "sms_alerts"
    __table_args__ = (Index("ix_sms_alerts_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # One alert per inbox message (unique): queueing it twice is a no-op.
    message_id: Mapped[int] = mapped_column(
        ForeignKey("inbox_messages.id", ondelete="CASCADE"), unique=True
    )
    to_phone: Mapped[str] = mapped_column(String(16))
    body_text: Mapped[str] = mapped_column(String(320))
    status: Mapped[SmsStatus] = mapped_column(
        str_enum(SmsStatus, "sms_status"), default=SmsStatus.queued
    )
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
