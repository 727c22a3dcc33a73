"""``buddy tick``: the daily housekeeping run by cron. Safe to run twice (or concurrently):
each step only moves what is due and each row moves once."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from rich.console import Console
from sqlalchemy.orm import Session

from app.config import CityProfile, Settings
from app.contracts import service
from app.db import make_engine, make_sessionmaker, session_scope, utcnow
from app.matches.service import expire_panels

unit_of_work = contextmanager(session_scope)


@dataclass(frozen=True)
class TickResult:
    panels_expired: int
    contracts_completed: int


def run_tick(session: Session, *, city: CityProfile, now: datetime | None = None) -> TickResult:
    now = now or utcnow()
    return TickResult(
        panels_expired=expire_panels(session, now),
        contracts_completed=service.complete_due(session, city=city, now=now),
    )


def tick(settings: Settings, console: Console) -> TickResult:
    engine = make_engine(settings.database_url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            result = run_tick(session, city=settings.city)
    finally:
        engine.dispose()
    console.print(f"Panels expired: {result.panels_expired}")
    console.print(f"Contracts completed: {result.contracts_completed}")
    return result
