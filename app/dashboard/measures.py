"""The meeting rules of app/checkins/rules.py, in SQL: adherence, at risk, staff calls missing.

The dashboard must answer in milliseconds over 20,000 contracts and 500,000 check-ins, so these
are computed by the database, per contract, with the SAME definitions as the pure functions
(tests/test_dashboard_measures.py checks both agree on a hand-built fixture, on both backends).

Dates become DAY NUMBERS (days since 1970-01-01) so the period arithmetic is plain integer
arithmetic on both backends: PostgreSQL ``date - DATE '1970-01-01'``, SQLite
``CAST(julianday(d) AS INTEGER) - 2440587``. Every division below has non-negative operands,
where SQL's truncating integer division equals Python's ``//``.

The city-local date of a timestamp (an early end's last day) needs the city's time zone:
PostgreSQL's ``timezone(zone, ts)``; on SQLite a function registered on the connection
(``buddy_local_day``) using Python's zoneinfo — the very conversion rules.py uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Date,
    Float,
    Integer,
    Subquery,
    and_,
    case,
    cast,
    distinct,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from app.checkins.models import Checkin, CheckinStatus
from app.config import Cadence
from app.contracts.models import Contract, ContractStatus
from app.followup.models import StaffCall
from app.people.models import Person

EPOCH = date(1970, 1, 1)
_SQLITE_EPOCH_JULIAN = 2440587  # CAST(julianday('1970-01-01') AS INTEGER)


def day_number(day: date) -> int:
    return (day - EPOCH).days


def from_day_number(number: int) -> date:
    return date.fromordinal(EPOCH.toordinal() + number)


def _sqlite_local_day(value: str | None, zone: str) -> int | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return day_number(moment.astimezone(ZoneInfo(zone)).date())


@dataclass(frozen=True)
class Sql:
    """Backend-specific spellings of the few date operations the measures need."""

    dialect: str
    timezone: str

    @property
    def postgresql(self) -> bool:
        return self.dialect == "postgresql"

    def day(self, value: Any) -> ColumnElement[int]:
        if self.postgresql:
            return cast(value - literal(EPOCH, Date), Integer)
        return cast(func.julianday(value), Integer) - _SQLITE_EPOCH_JULIAN

    def local_day(self, moment: Any) -> ColumnElement[int]:
        """Day number of the city-local calendar date of a UTC timestamp."""
        if self.postgresql:
            return self.day(cast(func.timezone(self.timezone, moment), Date))
        return func.buddy_local_day(moment, self.timezone, type_=Integer)

    def month(self, value: Any) -> ColumnElement[str]:
        """``YYYY-MM`` of a date."""
        if self.postgresql:
            return func.to_char(value, "YYYY-MM")
        return func.strftime("%Y-%m", value)


def sql_for(session: Session, timezone: str) -> Sql:
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        raw: Any = session.connection().connection.driver_connection
        raw.create_function("buddy_local_day", 2, _sqlite_local_day, deterministic=True)
    return Sql(dialect, timezone)


def in_area(neighbourhood: str | None) -> list[ColumnElement[bool]]:
    """Contracts whose newcomer lives in ``neighbourhood`` (no condition without one)."""
    if neighbourhood is None:
        return []
    return [
        Contract.newcomer_id.in_(select(Person.id).where(Person.neighbourhood == neighbourhood))
    ]


def period_length() -> ColumnElement[int]:
    return case((Contract.cadence == Cadence.weekly.value, Cadence.weekly.days),
                else_=Cadence.fortnightly.days)  # fmt: skip


def last_day(sql: Sql) -> ColumnElement[int]:
    """rules.last_day: the end date once completed, the local day of the early end; else NULL."""
    return case(
        (Contract.status == ContractStatus.completed.value, sql.day(Contract.end_date)),
        (Contract.status == ContractStatus.ended_early.value, sql.local_day(Contract.ended_at)),
        else_=None,
    )


def per_contract(
    sql: Sql, as_of: date, *where: ColumnElement[bool], name: str = "attendance"
) -> Subquery:
    """One row per started contract matching ``where``, seen on ``as_of`` (rules.attendance):

    ``id, start, len, n`` (periods completed), ``completed_met`` (completed periods with a
    counting meeting), ``open_met`` (1 if the open period has one), ``last_dn`` (day number of
    the latest counting meeting, NULL if none) and ``met`` / ``expected`` (adherence's terms).
    """
    today = day_number(as_of)
    base = (
        select(
            Contract.id.label("id"),
            sql.day(Contract.start_date).label("start"),
            period_length().label("len"),
            last_day(sql).label("last"),
        )
        .where(Contract.start_date.is_not(None), *where)
        .subquery(f"{name}_base")
    )
    # stop = min(today, last + 1); horizon = min(today, last): the last day a meeting counts.
    stop = case(
        (base.c.last.is_(None), today), (base.c.last + 1 < today, base.c.last + 1), else_=today
    )
    horizon = case((base.c.last.is_(None), today), (base.c.last < today, base.c.last),
                   else_=today)  # fmt: skip
    periods = select(
        base.c.id,
        base.c.start,
        base.c.len,
        case((stop > base.c.start, (stop - base.c.start) // base.c.len), else_=0).label("n"),
        horizon.label("horizon"),
    ).subquery(f"{name}_periods")
    met_day = sql.day(Checkin.met_on)
    k = (met_day - periods.c.start) // periods.c.len
    counting = and_(
        Checkin.contract_id == periods.c.id,
        Checkin.status != CheckinStatus.disputed.value,
        met_day >= periods.c.start,
        met_day <= periods.c.horizon,
    )
    completed_met = func.count(distinct(case((k < periods.c.n, k))))
    open_met = func.coalesce(func.max(case((k == periods.c.n, 1), else_=0)), 0)
    return (
        select(
            periods.c.id,
            periods.c.start,
            periods.c.len,
            periods.c.n,
            completed_met.label("completed_met"),
            open_met.label("open_met"),
            func.max(met_day).label("last_dn"),
            (completed_met + open_met).label("met"),
            (periods.c.n + open_met).label("expected"),
        )
        .select_from(periods.outerjoin(Checkin, counting))
        .group_by(periods.c.id, periods.c.start, periods.c.len, periods.c.n)
        .subquery(name)
    )


def adherence(att: Subquery) -> ColumnElement[float]:
    """met / expected, NULL while nothing is expected (rules.Attendance.adherence)."""
    return case(
        (att.c.expected > 0, cast(att.c.met, Float) / cast(att.c.expected, Float)), else_=None
    )


def missed_last_two(att: Subquery) -> ColumnElement[bool]:
    """``n >= 2`` and no counting meeting in periods n-2, n-1, n (rules.missed_last_two)."""
    return and_(
        att.c.n >= 2,
        or_(att.c.last_dn.is_(None), att.c.last_dn < att.c.start + (att.c.n - 2) * att.c.len),
    )


def open_concern_row() -> ColumnElement[bool]:
    """This check-in carries a worry flag staff have not resolved."""
    return and_(Checkin.concern_reason.is_not(None), Checkin.concern_resolved_at.is_(None))


def open_concern(contract_id: Any) -> ColumnElement[bool]:
    """The contract has a worry flag staff have not resolved (served by a partial index)."""
    return exists().where(Checkin.contract_id == contract_id, open_concern_row())


def at_risk(att: Subquery) -> ColumnElement[bool]:
    """rules.is_at_risk for contracts that are ACTIVE (``att`` must hold only those)."""
    return or_(open_concern(att.c.id), missed_last_two(att))


def calls(sql: Sql, today: date, *where: ColumnElement[bool]) -> Subquery:
    """Per contract: ``due`` (call marks strictly before today), ``made`` (calls on or before
    today), ``missing`` = max(0, due - made) and ``last_call`` — rules.calls_missing."""
    now = day_number(today)
    start, end = sql.day(Contract.start_date), sql.day(Contract.end_date)
    total = end - start
    due = case((start + total // 3 < now, 1), else_=0) + case(
        (start + (2 * total) // 3 < now, 1), else_=0
    )
    made = (
        select(func.count())
        .where(StaffCall.contract_id == Contract.id, StaffCall.called_on <= today)
        .correlate(Contract)
        .scalar_subquery()
    )
    last_call = (
        select(func.max(StaffCall.called_on))
        .where(StaffCall.contract_id == Contract.id)
        .correlate(Contract)
        .scalar_subquery()
    )
    inner = (
        select(Contract.id.label("id"), due.label("due"), made.label("made"),
               last_call.label("last_call"))
        .where(Contract.start_date.is_not(None), Contract.end_date.is_not(None), *where)
        .subquery("calls_base")
    )  # fmt: skip
    missing = case((inner.c.due > inner.c.made, inner.c.due - inner.c.made), else_=0)
    return select(inner, missing.label("missing")).subquery("calls")
