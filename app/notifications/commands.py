"""``buddy send-mail`` and the mail part of ``buddy tick`` (queue reminders, then send mail and
the SMS alerts of the inbox)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime

from rich.console import Console
from sqlalchemy import Engine

from app.config import Settings
from app.db import make_engine, make_sessionmaker, session_scope
from app.inbox import sms
from app.notifications import reminders, sender, service

unit_of_work = contextmanager(session_scope)
BATCH = 200


def send_all(
    engine: Engine, settings: Settings, *, limit: int | None = None, now: datetime | None = None
) -> sender.SendReport:
    """Send due mail in batches until none is due (or ``limit`` messages were tried), or the
    server turns out to be unreachable."""
    factory = make_sessionmaker(engine)
    service.bind_settings(factory, settings)
    total = sender.SendReport()
    while True:
        batch = (
            BATCH
            if limit is None
            else min(BATCH, limit - total.sent - total.retrying - total.failed)
        )
        if batch <= 0:
            break
        report = sender.send_due(factory, settings, now=now, limit=batch)
        total.sent += report.sent
        total.retrying += report.retrying
        total.failed += report.failed
        total.errors += report.errors
        total.unreachable = total.unreachable or report.unreachable
        tried = report.sent + report.retrying + report.failed
        # A retried message is not due again within this run (its back-off lies ahead).
        if report.unreachable or tried < batch:
            break
    return total


def print_report(report: sender.SendReport, console: Console) -> None:
    console.print(f"Mail sent: {report.sent}")
    if report.retrying:
        console.print(f"[yellow]Mail to retry later: {report.retrying}[/yellow]")
    if report.failed:
        console.print(f"[red]Mail failed for good: {report.failed}[/red] (see /staff/mail)")
    if report.unreachable:
        console.print("[yellow]The mail server is unreachable; queued mail waits.[/yellow]")
    for error in report.errors[:5]:
        console.print(f"  {error}")


def send_sms(engine: Engine, settings: Settings, console: Console) -> sms.SmsReport:
    """The inbox's SMS alerts (none while no gateway is configured)."""
    report = sms.send_due_sms(make_sessionmaker(engine), settings)
    if settings.sms_url:
        console.print(f"SMS alerts sent: {report.sent}")
        if report.retrying or report.failed:
            console.print(f"[yellow]SMS alerts to retry: {report.retrying}, failed: "
                          f"{report.failed}[/yellow]")  # fmt: skip
    return report


def send_mail(settings: Settings, console: Console, limit: int | None = None) -> sender.SendReport:
    engine = make_engine(settings.database_url)
    try:
        report = send_all(engine, settings, limit=limit)
        print_report(report, console)
        send_sms(engine, settings, console)
    finally:
        engine.dispose()
    return report


def tick_mail(settings: Settings, console: Console) -> reminders.ReminderReport:
    """Queue today's reminders (one transaction), then send whatever is due."""
    engine = make_engine(settings.database_url)
    try:
        factory = make_sessionmaker(engine)
        service.bind_settings(factory, settings)
        with unit_of_work(factory) as session:
            queued = reminders.queue_due_reminders(session)
        report = send_all(engine, settings)
        send_sms(engine, settings, console)
    finally:
        engine.dispose()
    console.print(f"Reminders queued, no meeting for one period: {queued.nomeet1}")
    console.print(f"Reminders queued, no meeting for two periods: {queued.nomeet2}")
    console.print(f"Reminders queued, one month before the end: {queued.ending_soon}")
    print_report(report, console)
    return queued
