"""The email outbox: messages are queued in the same transaction as the event that causes them,
and a sender process delivers them later (retrying with back-off). ``dedupe_key`` is unique, so
the same reminder can never be queued twice, even by two workers racing."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.auth.models import str_enum
from app.db import Base, utcnow


class EmailStatus(StrEnum):
    queued = "queued"
    sent = "sent"
    failed = "failed"  # gave up after the last attempt
    dropped = "dropped"  # no longer true when its turn came (see relevance.py): never sent


class OutboxEmail(Base):
    __tablename__ = "outbox_emails"
    __table_args__ = (
        # The sender's query: "queued and due".
        Index("ix_outbox_emails_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    to_email: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(64), index=True)  # the template / event name
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    # [{"name": "contract.pdf", "content_type": "application/pdf", "data": "<base64>"}]
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[EmailStatus] = mapped_column(
        str_enum(EmailStatus, "email_status"), default=EmailStatus.queued
    )
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    # What the message is about ({"contract": 12, "side": "newcomer"}, {"panel": 3}), so it can
    # be checked against the current state when its turn comes (relevance.py); None: no check.
    about: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Why a message was dropped instead of sent ("the newcomer has already signed").
    dropped_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
