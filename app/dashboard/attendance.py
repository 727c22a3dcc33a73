"""The dashboard's sums kept by ``buddy tick``: attendance per contract (ContractAttendance),
meetings per day (MeetingDay) and registrations per day by outcome (EntryDay), each day also
by neighbourhood (MeetingDayArea, EntryDayArea), see models.py.

``refresh`` sums up every contract with a start date that has no sum, and every day from the
first meeting (registration) to today without a row: new ones, and those whose row a trigger
dropped because their check-ins, contracts or newcomers changed. Incremental: an hourly tick
touches the few contracts and days that changed, not the history. The sums are computed by the
very queries the dashboard uses to count live (measures.per_contract without the sums,
series.count_days, entry_cohorts.count_days), so they are the live numbers by construction;
tests/test_dashboard_sums.py checks it.

A change written while the sums are computed must not be missed: on PostgreSQL the refresh
holds SHARE locks on the tables it reads until it commits (writers wait those milliseconds, then
their trigger drops the sum just made), taken without waiting (``Busy`` when a writer is at
work: the job tries again); on SQLite its first statement, an INSERT … SELECT, takes the
database's write lock before anything is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date
from typing import Any

from sqlalchemy import ColumnElement, Select, case, delete, exists, func, insert, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.checkins.models import Checkin
from app.contracts.models import Contract
from app.dashboard import entry_cohorts, measures, series
from app.dashboard.models import (
    ContractAttendance,
    EntryDay,
    EntryDayArea,
    MeetingDay,
    MeetingDayArea,
)
from app.people.models import Newcomer

# Seen from here a running contract's horizon is open: the sum counts all its meetings.
OPEN = date(9999, 12, 31)


# What the sums count: locked against writers while they are computed (PostgreSQL).
LOCKED = ("checkins", "contracts", "people", "newcomers")


class Busy(Exception):
    """A transaction is writing what the sums count: try again in a moment."""


@dataclass(frozen=True)
class Refreshed:
    contracts: int
    days: int  # of meetings
    entry_days: int = 0


def refresh(session: Session, timezone: str, today: date) -> Refreshed:
    """Sum up the contracts and the days (up to ``today``) that have no sum."""
    sql = measures.sql_for(session, timezone)
    if sql.postgresql:
        try:
            # NOWAIT: never wait while holding some of these locks (a writer taking them in
            # another order would deadlock with us); the caller tries again a moment later.
            session.execute(text(f"LOCK TABLE {', '.join(LOCKED)} IN SHARE MODE NOWAIT"))
        except OperationalError as exc:
            raise Busy from exc
    # Contracts first: on SQLite its INSERT takes the write lock before anything is read.
    contracts = _refresh_contracts(session, sql)
    days = _refresh_days(session, today)
    return Refreshed(contracts, days, _refresh_entries(session, sql, today))


def _refresh_contracts(session: Session, sql: measures.Sql) -> int:
    missing = ~exists().where(ContractAttendance.contract_id == Contract.id)
    att = measures.per_contract(sql, OPEN, missing, name="summing", summed=False)
    final = case((att.c.ends_dn.is_not(None), att.c.expected), else_=None)
    columns = ["contract_id", "met", "last_dn", "start_dn", "ends_dn", "expected"]
    rows = select(att.c.id, att.c.met, att.c.last_dn, att.c.start, att.c.ends_dn, final)
    # RETURNING for the count: a driver's rowcount of INSERT … SELECT is not always set.
    made = session.scalars(
        insert(ContractAttendance)
        .from_select(columns, rows)
        .returning(ContractAttendance.contract_id)
    ).all()
    return len(made)


def final_counts(as_of: date, start: date, end: date, *where: ColumnElement[bool]) -> Select[Any]:
    """``(met, expected, contracts)`` of the contracts over before ``as_of`` (their attendance
    is final: the sums hold it) that ran in ``start``–``end`` — started by its end, not over
    before its start — among the contracts matching ``where``. With
    ``per_contract(..., unfinished_only=True)`` for the rest, every contract once."""
    stmt: Any = select(ContractAttendance.met, ContractAttendance.expected, func.count()).where(
        ContractAttendance.ends_dn < measures.day_number(as_of),
        ContractAttendance.ends_dn >= measures.day_number(start),
        ContractAttendance.start_dn <= measures.day_number(end),
        ContractAttendance.expected > 0,
    )
    if where:
        stmt = stmt.where(ContractAttendance.contract_id.in_(select(Contract.id).where(*where)))
    return stmt.group_by(ContractAttendance.met, ContractAttendance.expected)


def _refresh_days(session: Session, today: date) -> int:
    first = session.scalar(select(func.min(Checkin.met_on)))
    if first is None or first > today:
        return 0
    missing = _days_without_sum(session, MeetingDay.day, first, today)
    if not missing:
        return 0
    counted = series.count_days(session, missing)
    session.execute(
        insert(MeetingDay),
        [
            {"day": d, "meetings": counted.get(d, (0, 0))[0],
             "confirmed_minutes": counted.get(d, (0, 0))[1]}
            for d in missing
        ],
    )  # fmt: skip
    by_area = series.count_days_by_area(session, missing)
    if by_area:
        session.execute(
            insert(MeetingDayArea),
            [{"day": d, "neighbourhood": area, "meetings": n, "confirmed_minutes": m}
             for (d, area), (n, m) in by_area.items()],
        )  # fmt: skip
    return len(missing)


def _refresh_entries(session: Session, sql: measures.Sql, today: date) -> int:
    first = session.scalar(select(func.min(Newcomer.created_at)))
    if first is None:
        return 0
    # The UTC day (SQLite gives the stored UTC time without a zone).
    start = (first.astimezone(UTC) if first.tzinfo else first).date()
    missing = _days_without_sum(session, EntryDay.day, start, today)
    if not missing:
        return 0
    counted = entry_cohorts.count_days(session, sql, missing)
    none = [0] * len(entry_cohorts.OUTCOMES)
    columns = ("day", *entry_cohorts.OUTCOMES)
    session.execute(
        insert(EntryDay),
        [dict(zip(columns, (d, *counted.get(d, none)), strict=True)) for d in missing],
    )
    by_area = entry_cohorts.count_days_by_area(session, sql, missing)
    if by_area:
        session.execute(
            insert(EntryDayArea),
            [dict(zip(("neighbourhood", *columns), (area, d, *n), strict=True))
             for (d, area), n in by_area.items()],
        )  # fmt: skip
    return len(missing)


def _days_without_sum(session: Session, day: Any, start: date, today: date) -> list[date]:
    """The days from ``start`` to ``today`` with no row in the sums table of ``day``."""
    kept = set(session.scalars(select(day).where(day.between(start, today))))
    return [d for d in series.days(start, today) if d not in kept]


def forget_all(session: Session) -> None:
    """Drop every sum (the dashboard then counts live until the next refresh)."""
    session.execute(delete(ContractAttendance))
    session.execute(delete(MeetingDay))  # and MeetingDayArea, EntryDayArea: ON DELETE CASCADE
    session.execute(delete(EntryDay))
