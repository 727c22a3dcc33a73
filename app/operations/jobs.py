"""The background jobs, shared by ``buddy tick`` (cron) and ``buddy worker`` (long-running).

Only those two commands import this module, so it imports what the jobs need up front, with
the garbage collector paused (``app.cli.context.starting``).

Each job opens its own units of work and is safe to repeat: it only moves what is due, and each
row moves once. A job returns the lines it has to report (for the console and the logs).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.contracts.commands import run_tick
from app.contracts.rules import local_date
from app.dashboard import attendance
from app.db import make_sessionmaker, session_scope, utcnow
from app.events.commands import tick_events
from app.matches.commands import tick_rounds
from app.notifications import reminders, service
from app.notifications.commands import send_all
from app.privacy.commands import retention_tick

unit_of_work = contextmanager(session_scope)

JobFn = Callable[[Engine, Settings], list[str]]


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: JobFn


def housekeeping(engine: Engine, settings: Settings) -> list[str]:
    """Expire old panels, complete contracts past their end date, apply the retention rules,
    queue due reminders (meetings, events and intake talks the day before), and sum up the
    attendance of the contracts that changed, for the dashboard."""
    factory = make_sessionmaker(engine)
    service.bind_settings(factory, settings)
    with unit_of_work(factory) as session:
        result = run_tick(session, city=settings.city)
    lines = [
        f"Panels expired: {result.panels_expired}",
        f"Contracts completed: {result.contracts_completed}",
    ]
    lines += retention_tick(engine, settings)
    lines += tick_events(engine, settings)
    with unit_of_work(factory) as session:
        queued = reminders.queue_due_reminders(session)
    return [
        *lines,
        f"Reminders queued, no meeting for one period: {queued.nomeet1}",
        f"Reminders queued, no meeting for two periods: {queued.nomeet2}",
        f"Reminders queued, one month before the end: {queued.ending_soon}",
        # Last: the steps above may have completed contracts (whose sums the triggers dropped).
        _dashboard_sums(factory, settings),
    ]


def _dashboard_sums(factory: sessionmaker[Session], settings: Settings) -> str:
    for _ in range(10):
        try:
            with unit_of_work(factory) as session:
                today = local_date(utcnow(), settings.city.timezone)
                summed = attendance.refresh(session, settings.city.timezone, today)
        except attendance.Busy:
            time.sleep(0.5)  # writers hold their locks for milliseconds
            continue
        return (
            f"Summed up for the dashboard: {summed.contracts} contracts, {summed.days} days of"
            f" meetings, {summed.entry_days} days of registrations"
        )
    # The dashboard stays exact regardless: it counts live what is not summed up.
    return "Summed up for the dashboard: nothing, the tables stayed busy; next time"


def scheduled_round(engine: Engine, settings: Settings) -> list[str]:
    """The city's scheduled matching round, when one is due (exactly once per slot)."""
    return tick_rounds(engine, settings)


def mail(engine: Engine, settings: Settings) -> list[str]:
    """Send the mail that is due (claims with a lease: never sent twice)."""
    report = send_all(engine, settings)
    lines = [f"Mail sent: {report.sent}"]
    if report.retrying:
        lines.append(f"Mail to retry later: {report.retrying}")
    if report.failed:
        lines.append(f"Mail failed for good: {report.failed} (see /staff/mail)")
    if report.unreachable:
        lines.append("The mail server is unreachable; queued mail waits.")
    return lines


# Order matters for `buddy tick`: housekeeping queues reminders that the mail job then sends.
JOBS: tuple[Job, ...] = (
    Job("housekeeping", timedelta(hours=1), housekeeping),
    Job("scheduled_round", timedelta(minutes=5), scheduled_round),
    Job("mail", timedelta(minutes=1), mail),
)
