"""Sending the SMS alerts: an HTTP gateway, claimed and settled like the email outbox.

NEVER SENT TWICE: an alert is claimed with one conditional UPDATE (``status = 'queued' AND
next_attempt_at <= now``) committed before the gateway is called, exactly as in
``app/notifications/sender.py``; only the claimer sends. The one at-least-once window is the
same (a crash between the gateway's answer and the ``sent`` commit), and the claim's lease
then passes before a retry.

Providers are small classes registered in ``PROVIDERS`` by name (``BUDDY_SMS_PROVIDER``); the
default, ``json``, POSTs ``{"to", "from", "text"}`` with a bearer token, the shape most
gateways accept or a small adapter can give them. Nothing is queued or sent while
``BUDDY_SMS_URL`` is unset.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, cast

import httpx
from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import session_scope, utcnow
from app.inbox.models import SmsAlert, SmsStatus
from app.notifications import rules

_sms = cast(Table, SmsAlert.__table__)
unit_of_work = contextmanager(session_scope)


class SmsRefused(Exception):
    """The gateway refused this message for good (a 4xx: a bad number, a bad request)."""


class Gateway(Protocol):
    def send(self, to: str, text: str) -> None: ...

    def close(self) -> None: ...


class JsonGateway:
    """POST ``{"to": "+32…", "from": sender, "text": …}`` as JSON, ``Authorization: Bearer``."""

    def __init__(self, settings: Settings) -> None:
        assert settings.sms_url is not None
        self.url = settings.sms_url
        self.sender = settings.sms_sender
        headers = {"Authorization": f"Bearer {settings.sms_token}"} if settings.sms_token else {}
        self.client = httpx.Client(timeout=settings.sms_timeout_seconds, headers=headers)

    def send(self, to: str, text: str) -> None:
        answer = self.client.post(self.url, json={"to": to, "from": self.sender, "text": text})
        if 400 <= answer.status_code < 500 and answer.status_code not in (408, 429):
            raise SmsRefused(f"{answer.status_code} {answer.text[:200]}")
        answer.raise_for_status()  # 5xx, 408, 429: retried after the back-off

    def close(self) -> None:
        self.client.close()


PROVIDERS: dict[str, Callable[[Settings], Gateway]] = {"json": JsonGateway}


def gateway_for(settings: Settings) -> Gateway | None:
    if not settings.sms_url:
        return None
    factory = PROVIDERS.get(settings.sms_provider)
    if factory is None:
        raise ValueError(f"unknown BUDDY_SMS_PROVIDER {settings.sms_provider!r}")
    return factory(settings)


@dataclass
class SmsReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def _claim(session: Session, alert_id: int, now: datetime) -> SmsAlert | None:
    result = session.execute(
        update(_sms)
        .where(
            _sms.c.id == alert_id,
            _sms.c.status == SmsStatus.queued.value,
            _sms.c.next_attempt_at <= now,
            _sms.c.attempts < rules.MAX_ATTEMPTS,
        )
        .values(attempts=_sms.c.attempts + 1, next_attempt_at=now + rules.CLAIM_LEASE)
    )
    if cast(Any, result).rowcount != 1:
        return None
    return session.get(SmsAlert, alert_id, populate_existing=True)


def _settle(session: Session, alert_id: int, attempts: int, error: str | None, now: datetime,
            *, final: bool) -> str:  # fmt: skip
    if error is None:
        values: dict[str, Any] = {"status": SmsStatus.sent.value, "sent_at": utcnow(),
                                  "last_error": None}  # fmt: skip
        outcome = "sent"
    else:
        retry = None if final else rules.retry_at(attempts, now)
        values = {"last_error": error[:2000]}
        if retry is None:
            values["status"], outcome = SmsStatus.failed.value, "failed"
        else:
            values["next_attempt_at"], outcome = retry, "retrying"
    session.execute(update(_sms).where(_sms.c.id == alert_id).values(**values))
    return outcome


def send_due_sms(
    factory: sessionmaker[Session],
    settings: Settings,
    *,
    gateway: Gateway | None = None,
    now: datetime | None = None,
    limit: int = 200,
) -> SmsReport:
    """Send up to ``limit`` due alerts, each claimed and settled in its own transaction."""
    report = SmsReport()
    gateway = gateway or gateway_for(settings)
    if gateway is None:
        return report
    now = now or utcnow()
    try:
        with unit_of_work(factory) as session:
            ids = list(session.scalars(
                select(SmsAlert.id)
                .where(SmsAlert.status == SmsStatus.queued, SmsAlert.next_attempt_at <= now)
                .order_by(SmsAlert.next_attempt_at, SmsAlert.id).limit(limit)
            ))  # fmt: skip
        for alert_id in ids:
            with unit_of_work(factory) as session:
                row = _claim(session, alert_id, now)
                if row is None:
                    continue  # another worker has it
                attempts, to, text = row.attempts, row.to_phone, row.body_text
            error, final = None, False
            try:
                gateway.send(to, text)
            except SmsRefused as exc:
                error, final = f"refused: {exc}", True
            except Exception as exc:  # a gateway outage must not stop the other alerts
                error = f"{type(exc).__name__}: {exc}"
            with unit_of_work(factory) as session:
                outcome = _settle(session, alert_id, attempts, error, now, final=final)
            setattr(report, outcome, getattr(report, outcome) + 1)
            if error is not None:
                report.errors.append(error)
    finally:
        gateway.close()
    return report
