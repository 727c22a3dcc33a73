"""The dashboard's two time series: meetings per week over the last 26 weeks (up to the
period's end), summed from the meetings per day, and completion by cohort (month of start),
one GROUP BY in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from app.checkins import rules
from app.checkins.models import Checkin, CheckinStatus
from app.contracts.models import Contract, ContractStatus
from app.dashboard import dates, measures
from app.dashboard.filters import Filters
from app.dashboard.models import MeetingDay, MeetingDayArea
from app.people.models import Person

WEEKS = 26  # "the last six months"
# Per day, its numbers (meetings and minutes, or registrations by outcome).
DayCounts = dict[date, tuple[int, ...]]


@dataclass(frozen=True)
class Week:
    monday: date
    meetings: int  # meetings that count (not disputed) met that week
    confirmed_minutes: int

    @property
    def hours(self) -> float:
        return rules.hours(self.confirmed_minutes)


@dataclass(frozen=True)
class Cohort:
    month: str  # YYYY-MM of the start date
    started: int
    completed: int
    ended_early: int
    running: int  # still active

    @property
    def completion_rate(self) -> float | None:
        finished = self.completed + self.ended_early
        return self.completed / finished if finished else None


def first_monday(end: date) -> date:
    """The Monday opening the first of the ``WEEKS`` weeks that end with ``end``'s week."""
    return end - timedelta(days=end.weekday()) - timedelta(weeks=WEEKS - 1)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _per_day(*where: ColumnElement[bool], by_area: bool = False) -> Any:
    """(day, [neighbourhood of the contract's newcomer,] meetings that count, confirmed
    minutes) grouped by day [and neighbourhood]."""
    keys: list[Any] = [Checkin.met_on]
    stmt = select()
    if by_area:
        keys.append(Person.neighbourhood)
        stmt = stmt.join_from(Checkin, Contract, Contract.id == Checkin.contract_id).join(
            Person, Person.id == Contract.newcomer_id
        )
    return (
        stmt.add_columns(
            *keys,
            func.sum(case((Checkin.status != CheckinStatus.disputed, 1), else_=0)),
            func.sum(case((Checkin.status == CheckinStatus.confirmed, Checkin.minutes), else_=0)),
        )
        .where(*where)
        .group_by(*keys)
    )


def _days_wanted(wanted: list[date]) -> list[ColumnElement[bool]]:
    span = Checkin.met_on.between(min(wanted), max(wanted))
    # A short list is looked up day by day; a long one is a stretch of the index.
    return [span, Checkin.met_on.in_(wanted)] if len(wanted) <= 100 else [span]


def count_days(
    session: Session, wanted: list[date], *where: ColumnElement[bool]
) -> dict[date, tuple[int, int]]:
    """(meetings that count — not disputed —, confirmed minutes) per day of ``wanted`` that
    has check-ins matching ``where``: read live, one ordered pass over the check-ins' (date,
    status, minutes) index between the first and the last day wanted."""
    if not wanted:
        return {}
    chosen = set(wanted)
    return {
        day: (int(n or 0), int(m or 0))
        for day, n, m in session.execute(_per_day(*_days_wanted(wanted), *where))
        if day in chosen
    }


def count_days_by_area(
    session: Session, wanted: list[date]
) -> dict[tuple[date, str], tuple[int, int]]:
    """``count_days`` for every neighbourhood at once (the contract's newcomer's; none: left
    out): what a neighbourhood's ``count_days`` gives, per (day, neighbourhood)."""
    if not wanted:
        return {}
    chosen = set(wanted)
    stmt = _per_day(*_days_wanted(wanted), by_area=True)
    return {
        (day, area): (int(n or 0), int(m or 0))
        for day, area, n, m in session.execute(stmt)
        if day in chosen and area is not None
    }


def stored_days(
    session: Session, sums: Any, areas: Any, columns: Sequence[str], first: date, last: date,
    neighbourhood: str | None,
) -> DayCounts:
    """The days from ``first`` to ``last`` that ``buddy tick`` summed up, with their numbers
    (``columns``): the city's from the day sums (``sums``: MeetingDay or EntryDay), or one
    neighbourhood's from its rows in ``areas`` (MeetingDayArea or EntryDayArea) — a summed
    day without a row there had nothing in it, so zeros. Days missing here are counted live."""
    span = sums.day.between(first, last)
    if not neighbourhood:  # as its callers read the filter: no neighbourhood, the city
        numbers = (sums.__table__.c[c] for c in columns)
        rows = session.execute(select(sums.day, *numbers).where(span))
        return {day: tuple(map(int, counts)) for day, *counts in rows}
    found = dict.fromkeys(session.scalars(select(sums.day).where(span)), (0,) * len(columns))
    stored = session.execute(
        select(areas.day, *(areas.__table__.c[c] for c in columns)).where(
            areas.day.between(first, last), areas.neighbourhood == neighbourhood
        )
    )
    found.update((day, tuple(map(int, counts))) for day, *counts in stored)
    return found


def meetings_by_day(session: Session, filters: Filters, first: date) -> DayCounts:
    """Per day from ``first`` to the period's end, in the period's neighbourhood: (meetings
    that count, confirmed minutes). The period's totals and the weekly chart both sum these.

    The days ``buddy tick`` summed up (``stored_days``) are read from their sums and only the
    others (today, those changed since the tick, or all before the first tick) are counted
    live."""
    hood = filters.neighbourhood
    found = stored_days(session, MeetingDay, MeetingDayArea, ("meetings", "confirmed_minutes"),
                        first, filters.end, hood)  # fmt: skip
    live = [d for d in days(first, filters.end) if d not in found]
    if hood:
        area = select(Contract.id).where(*measures.in_area(hood))
        found.update(count_days(session, live, Checkin.contract_id.in_(area)))
    else:
        found.update(count_days(session, live))
    return found


def weeks(by_day: DayCounts, filters: Filters) -> list[Week]:
    """Monday-to-Sunday weeks, the last one holding the period's end day (``by_day`` must
    cover them: meetings_by_day from ``first_monday(filters.end)`` or earlier)."""
    monday = first_monday(filters.end)
    found = [[0, 0] for _ in range(WEEKS)]
    for day, (n, minutes) in by_day.items():
        index = (day - monday).days // 7
        if 0 <= index < WEEKS and day <= filters.end:
            found[index][0] += n
            found[index][1] += minutes
    return [Week(monday + timedelta(weeks=i), n, m) for i, (n, m) in enumerate(found)]


def cohorts(session: Session, sql: measures.Sql, filters: Filters) -> list[Cohort]:
    """Contracts that started (both signed) with a start date in the period, by month."""
    month = sql.month(Contract.start_date)

    def count(status: ContractStatus) -> ColumnElement[int]:
        return func.sum(case((Contract.status == status, 1), else_=0))

    stmt = (
        select(
            month.label("month"),
            func.count(),
            count(ContractStatus.completed),
            count(ContractStatus.ended_early),
            count(ContractStatus.active),
        )
        .where(
            Contract.status.in_((ContractStatus.active, ContractStatus.completed,
                                 ContractStatus.ended_early)),
            Contract.start_date.between(filters.start, filters.end),
            *measures.in_area(filters.neighbourhood),
        )
        .group_by(month)
        .order_by(month)
    )  # fmt: skip
    return [
        Cohort(dates.month_label(m), int(n), int(done or 0), int(early or 0), int(running or 0))
        for m, n, done, early, running in session.execute(stmt)
    ]
