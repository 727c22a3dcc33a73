"""The events part of ``buddy tick``: queue the reminders due the day before an event or a
booked intake talk (each person once, whatever how often tick runs: the outbox dedupes)."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import Engine

from app.config import Settings
from app.db import make_sessionmaker, session_scope
from app.events import service
from app.intake import slots
from app.notifications.service import bind_settings

unit_of_work = contextmanager(session_scope)


def tick_events(engine: Engine, settings: Settings) -> list[str]:
    """Queue the reminders due tomorrow in one unit of work; the lines to report."""
    factory = make_sessionmaker(engine)
    bind_settings(factory, settings)
    with unit_of_work(factory) as session:
        queued = service.queue_reminders(session, city=settings.city)
        talks = slots.queue_reminders(session, city=settings.city)
    return [f"Event reminders queued: {queued}", f"Intake talk reminders queued: {talks}"]
