"""Putting messages in a person's inbox, reading them, and queueing the SMS alert.

``deliver`` is called by ``app.notifications.service.queue`` for every message it renders, so
every kind of message — today's and any added later — reaches the inbox without its own hook.

A message that is no longer true (the panel closed, the contract was signed: the same check as
for email, ``app/notifications/relevance.py``) is NOT hidden: the inbox is the person's record
of what they were told, so it stays, marked "out of date" (``outdated_reason``), and its action
button is not shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, or_, select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.config import Settings
from app.db import insert_ignoring_conflicts, utcnow
from app.errors import Invalid, NotFound
from app.i18n.catalog import N_, gettext
from app.inbox.models import InboxMessage, SmsAlert, SmsStatus
from app.notifications import relevance
from app.notifications.models import EmailStatus, OutboxEmail
from app.people.models import Person

_inbox = cast(Table, InboxMessage.__table__)
_sms = cast(Table, SmsAlert.__table__)
# A reset link in the inbox would let whoever holds a session set a new password without the
# current one; and whoever can read the inbox is logged in already.
NOT_IN_INBOX = frozenset({"password_reset"})
SMS_TEXT = N_("You have a new message on Welcome Buddy: %(url)s")
PAGE = 100


def _insert_many(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], key: str
) -> dict[Any, int]:
    """Insert the rows whose ``key`` is new (ON CONFLICT DO NOTHING) in one statement (a
    multi-row VALUES per batch): their key → their new id."""
    if not rows:
        return {}
    stmt = (
        insert_ignoring_conflicts(session, table, [key])
        .returning(table.c[key], table.c.id)  # a row back only for what was inserted
    )
    result = (
        session.execute(stmt.values(**rows[0]))  # one row: a plain INSERT … RETURNING
        if len(rows) == 1
        else session.execute(stmt, list(rows))
    )
    return {key: int(new_id) for key, new_id in result}


@dataclass(frozen=True)
class Delivery:
    """One message for one person's inbox, rendered in their language."""

    user_id: int
    phone: str | None
    sms_alerts: bool
    dedupe_key: str
    locale: str
    subject: str
    body_text: str
    body_html: str
    about: dict[str, Any] | None


def deliver(
    session: Session,
    settings: Settings,
    *,
    user: User,
    kind: str,
    dedupe_key: str,
    locale: str,
    subject: str,
    body_text: str,
    body_html: str,
    about: dict[str, Any] | None,
) -> bool:
    """Add one message to ``user``'s inbox, once per ``dedupe_key``; also queue its SMS alert
    when the person chose SMS and a gateway is configured. Returns whether it was new."""
    one = Delivery(user.id, user.phone, user.sms_alerts, dedupe_key, locale, subject,
                    body_text, body_html, about)  # fmt: skip
    return bool(deliver_many(session, settings, kind, [one]))


def deliver_many(
    session: Session, settings: Settings, kind: str, deliveries: Sequence[Delivery]
) -> set[str]:
    """``deliver`` for many messages of one kind, in one INSERT for the inbox and one for the
    SMS alerts. Returns the (stored) dedupe keys of the messages that were new."""
    if kind in NOT_IN_INBOX or not deliveries:
        return set()
    now = utcnow()
    first: dict[str, Delivery] = {}
    for one in deliveries:  # of two with the same key the first wins, as one by one
        first.setdefault(one.dedupe_key[:200], one)
    new_ids = _insert_many(session, _inbox, [
        {"user_id": x.user_id, "dedupe_key": key, "kind": kind, "locale": x.locale,
         "subject": x.subject, "body_text": x.body_text, "body_html": x.body_html,
         "about": x.about, "created_at": now}
        for key, x in first.items()
    ], "dedupe_key")  # fmt: skip
    if settings.sms_url:
        base = settings.base_url.rstrip("/")
        _insert_many(session, _sms, [
            {"message_id": new_ids[key], "to_phone": x.phone,
             "body_text": gettext(x.locale, SMS_TEXT,
                                  url=f"{base}/me/messages/{new_ids[key]}")[:320],
             "status": SmsStatus.queued.value, "attempts": 0, "next_attempt_at": now,
             "created_at": now}
            for key, x in first.items()
            if key in new_ids and x.sms_alerts and x.phone
        ], "message_id")  # fmt: skip
    return set(new_ids)


def messages_of(session: Session, user_id: int) -> list[InboxMessage]:
    stmt = (
        select(InboxMessage)
        .where(InboxMessage.user_id == user_id)
        .order_by(InboxMessage.created_at.desc(), InboxMessage.id.desc())
        .limit(PAGE)
    )
    return list(session.scalars(stmt))


def unread_count(session: Session, user_id: int) -> int:
    stmt = select(func.count()).where(
        InboxMessage.user_id == user_id, InboxMessage.read_at.is_(None)
    )
    return int(session.scalar(stmt) or 0)


def get_message(session: Session, user_id: int, message_id: int) -> InboxMessage:
    """One of the user's own messages; someone else's is "not found", exactly like a missing
    one (no telling whether it exists)."""
    found = session.get(InboxMessage, message_id)
    if found is None or found.user_id != user_id:
        raise NotFound(N_("This message does not exist."))
    return found


def open_message(session: Session, user_id: int, message_id: int) -> InboxMessage:
    """Read one's own message: it is marked read (the first time)."""
    found = get_message(session, user_id, message_id)
    if found.read_at is None:
        found.read_at = utcnow()
    return found


def outdated_reason(
    session: Session, message: InboxMessage, now: datetime | None = None
) -> str | None:
    """Why the message is no longer true (the email check), or ``None``."""
    return relevance.stale_about(session, message.kind, message.about, now or utcnow())


def set_sms_alerts(user: User, wanted: bool) -> None:
    """SMS alerts need a mobile number on the account (``users.phone``)."""
    if wanted and not user.phone:
        raise Invalid(N_("SMS alerts need a mobile phone number. Ask the welcome desk."),
                      field="sms_alerts")  # fmt: skip
    user.sms_alerts = wanted


def unreachable_by_email(session: Session) -> list[tuple[Person, str]]:
    """People staff cannot reach by email, with why: no address, or mail to it failed for
    good (``failed`` in the outbox). Erased and deactivated accounts are left out."""
    failed = select(OutboxEmail.to_email).where(OutboxEmail.status == EmailStatus.failed)
    stmt = (
        select(Person)
        .join(User, Person.user_id == User.id)
        .where(
            User.is_active.is_(True),
            Person.erased_at.is_(None),
            or_(User.email.is_(None), User.email.in_(failed)),
        )
        .order_by(Person.last_name, Person.first_name, Person.id)
    )
    return [
        (person, "no_email" if person.user.email is None else "failed")
        for person in session.scalars(stmt)
    ]
