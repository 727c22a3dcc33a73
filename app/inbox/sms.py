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
from typing import Protocol, cast

from sqlalchemy import Table
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import session_scope, utcnow
from app.inbox.models import SmsAlert
from app.notifications.leases import LeasedQueue

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
        import httpx  # here, not at the top: `buddy tick` loads this module for every run

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


ALERTS = LeasedQueue(SmsAlert)


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
            report.failed += ALERTS.give_up_on_crashed(session, now)
            ids = ALERTS.due_ids(session, now, limit)
        for alert_id in ids:
            with unit_of_work(factory) as session:
                row = ALERTS.claim(session, alert_id, now)
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
                if error is None:
                    ALERTS.mark_sent(session, alert_id, utcnow())
                    report.sent += 1
                elif ALERTS.mark_failed_attempt(session, alert_id, attempts, error, now,
                                                final=final):
                    report.retrying += 1
                else:
                    report.failed += 1
            if error is not None:
                report.errors.append(error)
    finally:
        gateway.close()
    return report
