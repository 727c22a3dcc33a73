"""Civic-integration hours as pure functions (meetings in, months out): no database, no HTTP.

PERIODS
    A period is a calendar month in the city (``met_on`` is already a city-local date), cut to
    the chosen range: from 15 March to 10 April gives "2026-03" (15–31 March) and "2026-04"
    (1–10 April). A meeting counts in the month of its ``met_on``.

MEETINGS THAT COUNT
    Only confirmed meetings, as everywhere hours are counted (app/checkins/models.py: hours
    count only ``confirmed``). The caller selects them with the same predicate as the
    certificate (``Checkin.status == CheckinStatus.confirmed``); a newcomer with several
    contracts over time has them all summed.

HOURS
    ``app.checkins.rules.hours``: rounded DOWN to a tenth, so a statement never overstates.
    A period's hours and the total are each rounded from their minutes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from app.checkins import rules


@dataclass(frozen=True)
class Meeting:
    """One confirmed meeting of a newcomer, or ``count`` of them with ``minutes`` in all (the
    database may sum a month's meetings first: one row per month instead of per meeting)."""

    newcomer_id: int
    met_on: date
    minutes: int
    count: int = 1


@dataclass(frozen=True)
class Period:
    month: str  # "2026-03"
    first: date  # the first day of the month inside the range
    last: date  # its last day inside the range
    meetings: int
    minutes: int

    @property
    def hours(self) -> float:
        return rules.hours(self.minutes)


def default_range(today: date) -> tuple[date, date]:
    """The current year so far."""
    return date(today.year, 1, 1), today


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def months(start: date, end: date) -> list[tuple[str, date, date]]:
    """Every month touching ``start``–``end`` (inclusive), as (key, first, last) cut to it."""
    found = []
    first = start
    while first <= end:
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        last = min(end, following - timedelta(days=1))
        found.append((month_key(first), first, last))
        first = following
    return found


def per_newcomer(
    meetings: Iterable[Meeting], start: date, end: date, *, every_month: bool = False
) -> dict[int, list[Period]]:
    """Per newcomer, their confirmed meetings and minutes per month of ``start``–``end``, in
    month order. Meetings outside the range are ignored. ``every_month`` lists months without
    meetings too (a statement shows the gaps); otherwise only months with meetings."""
    counts: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for meeting in meetings:
        if start <= meeting.met_on <= end:
            cell = counts[meeting.newcomer_id][month_key(meeting.met_on)]
            cell[0] += meeting.count
            cell[1] += meeting.minutes
    calendar = months(start, end)
    out: dict[int, list[Period]] = {}
    for newcomer_id, by_month in counts.items():
        out[newcomer_id] = [
            Period(key, first, last, *by_month.get(key, (0, 0)))
            for key, first, last in calendar
            if every_month or key in by_month
        ]
    return out


def statement_periods(meetings: Iterable[Meeting], start: date, end: date) -> list[Period]:
    """One newcomer's statement: every month of the range, with or without meetings."""
    found = per_newcomer(meetings, start, end, every_month=True)
    if found:
        return next(iter(found.values()))
    return [Period(key, first, last, 0, 0) for key, first, last in months(start, end)]


def totals(periods: Iterable[Period]) -> tuple[int, int]:
    """(meetings, minutes) over the periods."""
    meetings = minutes = 0
    for period in periods:
        meetings += period.meetings
        minutes += period.minutes
    return meetings, minutes
