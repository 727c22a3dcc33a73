"""Matching rounds on the city's schedule, each scheduled slot run exactly once.

``buddy tick`` (cron, any number of processes, any number of times) calls
:func:`run_due_round`. The latest slot that is due is claimed by inserting its row into
``scheduled_rounds`` (unique on the slot) with INSERT … ON CONFLICT DO NOTHING, in the same
transaction as the round itself: a second caller either waits for the first transaction and
then finds the row (and skips), or, if the first rolled back, claims it itself. So a slot's
round exists once, or not at all.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table
from sqlalchemy.orm import Session

from app.config import CityProfile, RoundSchedule
from app.db import insert_ignoring_conflicts, utcnow
from app.matches.models import MatchingRound, ScheduledRound
from app.matches.service import run_round

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A slot missed for longer than this (the server was down) is skipped, not run late: the next
# slot's round serves the same newcomers.
GRACE = timedelta(days=3)
_scheduled = cast(Table, ScheduledRound.__table__)


def _slot_on(day: date, schedule: RoundSchedule, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, schedule.at, tzinfo=zone)


def _month_slot(year: int, month: int, schedule: RoundSchedule, zone: ZoneInfo) -> datetime:
    first = date(year, month, 1)
    offset = (_DAYS.index(schedule.weekday) - first.weekday()) % 7
    day = first + timedelta(days=offset + 7 * (schedule.week_of_month - 1))
    return _slot_on(day, schedule, zone)


def slots_around(schedule: RoundSchedule, now: datetime, timezone: str) -> tuple[datetime,
                                                                                   datetime]:
    """(the latest slot at or before ``now``, the first slot after it), in UTC.

    >>> from datetime import UTC
    >>> s = RoundSchedule(every="month", weekday="mon", week_of_month=1)
    >>> last, nxt = slots_around(s, datetime(2026, 12, 2, 12, tzinfo=UTC), "Europe/Brussels")
    >>> last.isoformat(), nxt.isoformat()
    ('2026-11-02T08:00:00+00:00', '2026-12-07T08:00:00+00:00')
    """
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    if schedule.every == "week":
        offset = (local.weekday() - _DAYS.index(schedule.weekday)) % 7
        last = _slot_on(local.date() - timedelta(days=offset), schedule, zone)
        if last > local:
            last = _slot_on(last.date() - timedelta(days=7), schedule, zone)
        nxt = _slot_on(last.date() + timedelta(days=7), schedule, zone)
    else:
        months = [(local.year + (local.month - 1 + k) // 12, (local.month - 1 + k) % 12 + 1)
                  for k in (-1, 0, 1)]
        slots = [_month_slot(y, m, schedule, zone) for y, m in months]
        last = max(s for s in slots if s <= local)
        nxt = min(s for s in slots if s > local)
    utc = ZoneInfo("UTC")
    return last.astimezone(utc), nxt.astimezone(utc)


def due_slot(city: CityProfile, now: datetime) -> datetime | None:
    """The slot whose round should run now (None: no schedule, or the last slot is too old)."""
    if city.round_schedule is None:
        return None
    last, _ = slots_around(city.round_schedule, now, city.timezone)
    return last if now - last <= GRACE else None


def next_slot(city: CityProfile, now: datetime) -> datetime | None:
    if city.round_schedule is None:
        return None
    return slots_around(city.round_schedule, now, city.timezone)[1]


def _claim(session: Session, slot: datetime, now: datetime) -> bool:
    stmt = (insert_ignoring_conflicts(session, _scheduled, ["slot_at"])
            .values(slot_at=slot, claimed_at=now).returning(_scheduled.c.slot_at))
    return session.execute(stmt).scalar_one_or_none() is not None


def run_due_round(session: Session, *, city: CityProfile, now: datetime | None = None
                  ) -> MatchingRound | None:
    """Run the due scheduled round if no one has; never commits (the caller's transaction
    holds the claim and the round together)."""
    now = now or utcnow()
    slot = due_slot(city, now)
    if slot is None or not _claim(session, slot, now):
        return None
    done = run_round(session, city=city, started_by=None, now=now)
    session.get(ScheduledRound, slot).round_id = done.id  # type: ignore[union-attr]
    session.flush()
    return done
