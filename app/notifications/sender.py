"""Delivering the outbox: claim a due message, send it, record the outcome.

NEVER SENT TWICE. Each message is claimed with one conditional UPDATE, committed before any
byte goes to the mail server::

    UPDATE outbox_emails SET attempts = attempts + 1, next_attempt_at = now + lease
    WHERE id = :id AND status = 'queued' AND next_attempt_at <= now

Of two workers racing for a row, one changes it and the other matches nothing (on PostgreSQL
the second waits for the first's row lock, then re-checks the condition on the committed row;
SQLite serialises writers). Only the claimer sends; then, in a new transaction, the row is
marked ``sent`` — or, on failure, queued again for later (back-off) or marked ``failed``.

THE ONE AT-LEAST-ONCE WINDOW. If the process dies after the server accepted the message but
before ``sent`` is committed, the claim's lease (10 min) runs out and the message is sent
again. Every message carries a Message-ID derived from its outbox row (stable across retries),
so receiving servers and mail clients can recognise the duplicate. Nothing is ever lost: a row
leaves ``queued`` only as ``sent`` or, after the last attempt, ``failed``.

SERVER DOWN. A connection that cannot be made fails the claimed message's attempt (it is
retried after its back-off) and ends the batch at once, so the other messages keep their
attempts for when the server is back.
"""

from __future__ import annotations

import base64
import os
import smtplib
import ssl
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Protocol, cast
from urllib.parse import urlsplit

from sqlalchemy import Table, update
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import session_scope, utcnow
from app.notifications import relevance
from app.notifications.leases import LeasedQueue
from app.notifications.models import EmailStatus, OutboxEmail

_outbox = cast(Table, OutboxEmail.__table__)
OUTBOX_HEADER = "X-Buddy-Outbox-Id"
unit_of_work = contextmanager(session_scope)


class Unreachable(Exception):
    """The mail server cannot be reached now (connection refused, timeout, TLS failure)."""


class Refused(Exception):
    """The server refused this message for good (5xx for the recipient or the content)."""


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None: ...

    def close(self) -> None: ...


class FileTransport:
    """Development: every message becomes an ``.eml`` file (open it in any mail client)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        # Named after the outbox row: a message sent again overwrites its own file.
        target = self.directory / f"{int(message[OUTBOX_HEADER]):08d}.eml"
        partial = target.with_suffix(".eml.part")
        partial.write_bytes(bytes(message))
        os.replace(partial, target)  # atomic: a reader never sees half a message

    def close(self) -> None:
        return None


class SmtpTransport:
    """SMTP with one connection per batch, opened on first use and reopened after an error."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        try:
            smtp: smtplib.SMTP
            if s.smtp_ssl:
                smtp = smtplib.SMTP_SSL(
                    s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds,
                    context=ssl.create_default_context(),
                )  # fmt: skip
            else:
                smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds)
                if s.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context())
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password or "")
        except (OSError, smtplib.SMTPException) as exc:
            raise Unreachable(f"{s.smtp_host}:{s.smtp_port}: {exc}") from exc
        return smtp

    def send(self, message: EmailMessage) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            codes = [code for code, _ in exc.recipients.values()]
            if codes and all(code >= 500 for code in codes):
                raise Refused(str(exc.recipients)) from exc
            raise
        except smtplib.SMTPDataError as exc:
            self.close()
            if exc.smtp_code >= 500:
                raise Refused(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
            raise
        except (smtplib.SMTPServerDisconnected, ConnectionError) as exc:
            self.close()
            raise Unreachable(str(exc)) from exc
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None


def transport_for(settings: Settings) -> Transport:
    if settings.mail_mode == "smtp":
        return SmtpTransport(settings)
    return FileTransport(settings.mail_dir)


# --- the message ----------------------------------------------------------------------------


def message_id(row: OutboxEmail, settings: Settings) -> str:
    """Stable for a row across every retry (and unique across databases: the creation time)."""
    host = urlsplit(settings.base_url).hostname or "welcome-buddy"
    return f"<outbox-{row.id}.{row.created_at:%Y%m%d%H%M%S}@{host}>"


def build_message(row: OutboxEmail, settings: Settings) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = row.to_email
    message["Subject"] = row.subject
    message["Date"] = format_datetime(row.created_at)
    message["Message-ID"] = message_id(row, settings)
    # RFC 3834: machine-sent; out-of-office robots must not answer it.
    message["Auto-Submitted"] = "auto-generated"
    message[OUTBOX_HEADER] = str(row.id)
    message.set_content(row.body_text)
    if row.body_html:
        message.add_alternative(row.body_html, subtype="html")
    for item in row.attachments or []:
        main, _, rest = str(item["content_type"]).partition("/")
        sub, *params = [p.strip() for p in rest.split(";")]
        message.add_attachment(
            base64.b64decode(item["data"]), maintype=main, subtype=sub, filename=item["name"],
            params=dict(p.split("=", 1) for p in params if "=" in p),
        )  # fmt: skip
    # Last: set_content/add_alternative/add_attachment move Content-* headers into sub-parts.
    message["Content-Language"] = row.locale
    return message


# --- one batch ------------------------------------------------------------------------------


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    dropped: int = 0  # no longer true when their turn came (relevance.py): not sent
    unreachable: bool = False
    errors: list[str] = field(default_factory=list)


# The claim-and-settle steps this module shares with the SMS alerts (app/inbox/sms.py).
OUTBOX = LeasedQueue(OutboxEmail)
due_ids = OUTBOX.due_ids
give_up_on_crashed = OUTBOX.give_up_on_crashed
claim = OUTBOX.claim
mark_sent = OUTBOX.mark_sent
mark_failed_attempt = OUTBOX.mark_failed_attempt


def mark_dropped(session: Session, email_id: int, reason: str) -> None:
    session.execute(
        update(_outbox)
        .where(_outbox.c.id == email_id)
        .values(status=EmailStatus.dropped.value, dropped_reason=reason[:200])
    )


def send_due(
    factory: sessionmaker[Session],
    settings: Settings,
    *,
    transport: Transport | None = None,
    now: datetime | None = None,
    limit: int = 200,
) -> SendReport:
    """Send up to ``limit`` due messages, each claimed and settled in its own transaction."""
    now = now or utcnow()
    transport = transport or transport_for(settings)
    report = SendReport()
    try:
        with unit_of_work(factory) as session:
            report.failed += give_up_on_crashed(session, now)
            ids = due_ids(session, now, limit)
        for email_id in ids:
            error, final, message = None, False, None
            with unit_of_work(factory) as session:
                row = claim(session, email_id, now)
                if row is None:
                    continue  # another worker has it
                attempts = row.attempts
                stale = relevance.stale_reason(session, row, now)
                if stale is not None:  # dropped in the claim's own transaction
                    mark_dropped(session, email_id, stale)
                    report.dropped += 1
                    continue
                try:
                    message = build_message(row, settings)
                except (ValueError, KeyError, TypeError) as exc:  # a malformed row: never sendable
                    error, final = f"unsendable: {type(exc).__name__}: {exc}", True
            if message is not None:
                try:
                    transport.send(message)
                except Unreachable as exc:
                    error, report.unreachable = f"unreachable: {exc}", True
                except Refused as exc:
                    error, final = f"refused: {exc}", True
                except Exception as exc:  # one odd message must not stop the batch
                    error = f"{type(exc).__name__}: {exc}"
            with unit_of_work(factory) as session:
                if error is None:
                    mark_sent(session, email_id, utcnow())
                    report.sent += 1
                elif mark_failed_attempt(session, email_id, attempts, error, now, final=final):
                    report.retrying += 1
                else:
                    report.failed += 1
            if error is not None:
                report.errors.append(error)
            if report.unreachable:
                break
    finally:
        transport.close()
    return report
