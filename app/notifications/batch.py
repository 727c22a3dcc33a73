"""Putting rendered messages in the outbox and the inbox: one statement per table for many.

``service.queue`` (one message) and ``service.queue_many`` (a matching round's 500 "panel
ready") both end here, so the rules are the same for one and for many: every message lands in
the recipient's inbox (with its SMS alert, ``app.inbox.service.deliver_many``), and in the
outbox too when they have an email address; ``dedupe_key`` is unique and the inserts are
``ON CONFLICT DO NOTHING``, so queueing a message twice is a no-op that never aborts the
caller's transaction.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.config import Settings
from app.db import insert_ignoring_conflicts, utcnow
from app.inbox import service as inbox
from app.notifications.emails import Rendered
from app.notifications.models import EmailStatus, OutboxEmail

_outbox = cast(Table, OutboxEmail.__table__)
KEY_LENGTH = 200  # outbox_emails.dedupe_key, inbox_messages.dedupe_key
_IN_CHUNK = 1000  # keys per IN (…): well under every backend's limit of parameters


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    data: bytes

    def stored(self) -> dict[str, str]:
        return {
            "name": self.name,
            "content_type": self.content_type,
            "data": base64.b64encode(self.data).decode("ascii"),
        }


@dataclass(frozen=True)
class Recipient:
    """What queueing needs of an account (read in one query for many, no ORM objects)."""

    user_id: int
    email: str | None
    locale: str  # their own choice; see ``reader_locale``
    phone: str | None
    sms_alerts: bool
    is_active: bool

    @classmethod
    def of(cls, user: User) -> Recipient:
        return cls(user.id, user.email, user.locale, user.phone, user.sms_alerts, user.is_active)


@dataclass(frozen=True)
class Outgoing:
    """One message to queue: to whom, once per ``dedupe_key``, the template's variables."""

    to: Recipient
    dedupe_key: str
    context: dict[str, Any]
    about: dict[str, Any] | None = None
    attachments: tuple[Attachment, ...] = field(default=())


def reader_locale(locale: str, settings: Settings) -> str:
    """The recipient's language if the city speaks it, else the city's default."""
    city = settings.city
    return locale if locale in city.locales else city.default_locale


def queued_keys(session: Session, keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` are in the outbox already."""
    found: set[str] = set()
    for start in range(0, len(keys), _IN_CHUNK):
        chunk = list(keys[start : start + _IN_CHUNK])
        found.update(session.scalars(
            select(OutboxEmail.dedupe_key).where(OutboxEmail.dedupe_key.in_(chunk))))  # fmt: skip
    return found


def put(
    session: Session,
    settings: Settings,
    kind: str,
    messages: Sequence[tuple[Outgoing, str, Rendered]],
) -> int:
    """Store rendered messages (each with its reader's locale): inbox first, then outbox.
    Returns how many were new — in the outbox, or for a person without an email address in
    the inbox (registered at the desk with a phone: the inbox is their channel)."""
    deliveries = [
        inbox.Delivery(m.to.user_id, m.to.phone, m.to.sms_alerts, m.dedupe_key, locale,
                     r.subject, r.text, r.html, m.about)
        for m, locale, r in messages
    ]  # fmt: skip
    in_inbox = inbox.deliver_many(session, settings, kind, deliveries)
    now = utcnow()
    emailed = _insert(session, [
        {"to_email": m.to.email, "locale": locale, "kind": kind, "subject": r.subject,
         "body_text": r.text, "body_html": r.html,
         "attachments": [a.stored() for a in m.attachments], "about": m.about,
         "dedupe_key": m.dedupe_key[:KEY_LENGTH], "status": EmailStatus.queued.value,
         "attempts": 0, "next_attempt_at": now, "created_at": now}
        for m, locale, r in messages
        if m.to.email is not None
    ])  # fmt: skip
    return sum(
        m.dedupe_key[:KEY_LENGTH] in (in_inbox if m.to.email is None else emailed)
        for m, _, _ in messages
    )


def _insert(session: Session, rows: list[dict[str, Any]]) -> set[str]:
    """Outbox rows, ``ON CONFLICT DO NOTHING``, in one statement: the keys inserted (a row
    comes back only if it was inserted; rowcount is unreliable)."""
    if not rows:
        return set()
    stmt = (
        insert_ignoring_conflicts(session, _outbox, ["dedupe_key"])
        .returning(_outbox.c.dedupe_key)
    )
    if len(rows) == 1:
        return set(session.scalars(stmt.values(**rows[0])))
    return set(session.scalars(stmt, rows))
