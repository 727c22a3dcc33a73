"""The meeting rules of app/checkins/rules.py, in SQL: adherence, at risk, staff calls missing.

The dashboard must answer in milliseconds over 20,000 contracts and 500,000 check-ins, so these
are computed by the database, per contract, with the SAME definitions as the pure functions
(tests/test_dashboard_measures.py checks both agree on a hand-built fixture, on both backends).

Dates are DAY NUMBERS (dates.py) so the period arithmetic is plain integer arithmetic on both
backends. Every division below has non-negative operands, where SQL's truncating integer
division equals Python's ``//``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import (
    Float,
    Subquery,
    and_,
    case,
    cast,
    distinct,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.sql.elements import ColumnElement

from app.checkins.models import Checkin, CheckinStatus
from app.config import Cadence
from app.contracts.models import Contract, ContractStatus
from app.dashboard.dates import Sql as Sql
from app.dashboard.dates import day_number as day_number
from app.dashboard.dates import from_day_number as from_day_number
from app.dashboard.dates import sql_for as sql_for
from app.dashboard.models import ContractAttendance
from app.followup.models import StaffCall
from app.people.models import Person

# Meetings that count for adherence and at risk: all but those the other side disputed. Listed
# (not "!= disputed") so the database can look them up in the (contract, status, date) index.
COUNTING = (CheckinStatus.pending.value, CheckinStatus.confirmed.value)
PACK = 1_000_000

Built = TypeVar("Built")


def built(make: Callable[..., Built]) -> Callable[..., Built]:
    """Keep the statements ``make`` builds from hashable arguments (backend and time zone,
    days, a neighbourhood): a statement is a description of a query, holding no row, so the
    numbers stay live; building the dashboard's (a few hundred SQL expression objects each)
    cost more CPU than the database took to run them. A few periods at a time are in use."""
    return functools.lru_cache(maxsize=64)(make)


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


def last_date(sql: Sql) -> ColumnElement[date]:
    """rules.last_day as a date: the end date once completed, the local day of an early end."""
    return case(
        (Contract.status == ContractStatus.completed.value, Contract.end_date),
        (Contract.status == ContractStatus.ended_early.value, sql.local_date(Contract.ended_at)),
        else_=None,
    )


def last_day(sql: Sql) -> ColumnElement[int]:
    """rules.last_day: the end date once completed, the local day of the early end; else NULL."""
    return case(
        (Contract.status == ContractStatus.completed.value, sql.day(Contract.end_date)),
        (Contract.status == ContractStatus.ended_early.value, sql.local_day(Contract.ended_at)),
        else_=None,
    )


def per_contract(
    sql: Sql,
    as_of: date,
    *where: ColumnElement[bool],
    name: str = "attendance",
    with_adherence: bool = True,
    summed: bool = True,
    over_after: date | None = None,
    unfinished_only: bool = False,
) -> Subquery:
    """One row per started contract matching ``where``, seen on ``as_of`` (rules.attendance):

    ``id, start, len, n`` (periods completed), ``completed_met`` (completed periods with a
    counting meeting), ``open_met`` (1 if the open period has one), ``last_dn`` (day number of
    the latest counting meeting, NULL if none) and ``met`` / ``expected`` (adherence's terms).
    ``with_adherence=False`` skips counting the periods (at risk needs only the last meeting);
    ``over_after`` leaves out the contracts over before that day (last day earlier);
    ``unfinished_only`` leaves out those over before ``as_of`` whose sum holds their final
    attendance (``final_counts`` counts them). ``ends_dn``: the last day (NULL: running).

    Each contract's meetings are read by small correlated lookups on the check-ins index
    (contract, status, date) — about 25 index entries per contract — rather than by joining
    every check-in: the work grows with the contracts asked about, not with the whole history.
    Better still, a contract whose meetings ``buddy tick`` has summed up (ContractAttendance,
    exact by construction) is read from its sum when no meeting counted there lies after
    ``as_of`` — the very same numbers, without the lookup (``summed=False``: always look up).
    """
    today = day_number(as_of)
    columns: list[Any] = [
        Contract.id.label("id"),
        Contract.start_date.label("start_date"),
        sql.day(Contract.start_date).label("start"),
        period_length().label("len"),
        last_date(sql).label("ends"),  # rules.last_day, computed once (a time zone conversion)
    ]
    chosen: Any = select(*columns)
    if summed:
        chosen = select(
            *columns, ContractAttendance.met.label("s_met"),
            ContractAttendance.last_dn.label("s_last"),
        ).outerjoin(ContractAttendance, ContractAttendance.contract_id == Contract.id)  # fmt: skip
    if summed and unfinished_only:
        # Those whose final attendance is summed up are left to the caller (final_counts).
        ends_dn = ContractAttendance.ends_dn
        chosen = chosen.where(or_(ends_dn.is_(None), ends_dn >= today))
    periods = (
        chosen.where(Contract.start_date.is_not(None), *where)
        .cte(f"{name}_periods")
        # Once per contract: what follows reads plain values, not the expressions again.
        .prefix_with("MATERIALIZED")
    )
    start, length, ends = periods.c.start, periods.c.len, periods.c.ends
    last = sql.day(ends)
    # stop = min(today, last + 1): the first day not over; n periods lie entirely before it.
    stop = case((ends.is_(None), today), (last + 1 < today, last + 1), else_=today)
    n = case((stop > start, (stop - start) // length), else_=0)
    # horizon = min(today, last): the last day a meeting counts, as a date for the index.
    horizon = case((ends.is_(None), as_of), (ends < as_of, ends), else_=as_of)

    def meetings(*conditions: ColumnElement[bool]) -> Any:
        return (
            select()
            .where(
                Checkin.contract_id == periods.c.id,
                Checkin.status.in_(COUNTING),
                *conditions,
            )
            .correlate(periods)
        )

    within = meetings(Checkin.met_on >= periods.c.start_date, Checkin.met_on <= horizon)
    last_dn = sql.day(func.max(Checkin.met_on))  # max of the column: one index step
    if with_adherence:
        # Distinct periods with a meeting (the open one included: it counts once it has one)
        # and the latest meeting, from ONE index lookup per contract: both numbers travel in
        # one integer, count × PACK + day number (day numbers stay far below PACK).
        k = (sql.day(Checkin.met_on) - periods.c.start) // periods.c.len
        packed: Any = within.add_columns(func.count(distinct(k)) * PACK + last_dn)
        from_sum: Any = periods.c.s_met * PACK + periods.c.s_last if summed else None
    else:
        packed = within.add_columns(last_dn)
        from_sum = periods.c.s_last if summed else None
    packed = packed.scalar_subquery()
    if summed:
        # The sum stands for the lookup when it exists and counts no meeting after as_of (the
        # lookup's horizon is min(as_of, last day); the sum's is the last day). CASE runs the
        # lookup only for the other contracts.
        usable = and_(
            periods.c.s_met.is_not(None),
            or_(periods.c.s_last.is_(None), periods.c.s_last <= today),
        )
        packed = case((usable, from_sum), else_=packed)
    counted = select(
        periods.c.id, start, length, n.label("n"), packed.label("packed"), last.label("ends_dn")
    )
    if over_after is not None:
        counted = counted.where(or_(ends.is_(None), ends >= over_after))
    inner = (
        counted.cte(f"{name}_counts")
        # Computed once per contract, however often the outer query reads met and expected.
        .prefix_with("MATERIALIZED")
    )
    if with_adherence:
        met: ColumnElement[int] = func.coalesce(inner.c.packed // PACK, 0)
        last_met = inner.c.packed % PACK
    else:
        met, last_met = literal(0), inner.c.packed
    open_start = inner.c.start + inner.c.n * inner.c.len
    # The open period has a meeting iff the latest counting meeting lies in it.
    open_met = case((last_met >= open_start, 1), else_=0)
    return select(
        inner.c.id,
        inner.c.start,
        inner.c.len,
        inner.c.n,
        (met - open_met).label("completed_met"),
        open_met.label("open_met"),
        last_met.label("last_dn"),
        met.label("met"),
        (inner.c.n + open_met).label("expected"),
        inner.c.ends_dn,
    ).subquery(name)


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
    """The contract has a worry flag staff have not resolved. An IN over the (tiny, partial)
    index of open worries: the database reads it once and hashes it."""
    return contract_id.in_(select(Checkin.contract_id).where(open_concern_row()))


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
    # All calls grouped once (a few per contract), rather than a lookup per contract.
    per_contract_calls = (
        select(
            StaffCall.contract_id.label("contract_id"),
            func.sum(case((StaffCall.called_on <= today, 1), else_=0)).label("made"),
            func.max(StaffCall.called_on).label("last_call"),
        )
        .where(StaffCall.contract_id.in_(select(Contract.id).where(*where)))
        .group_by(StaffCall.contract_id)
        .subquery("calls_made")
    )
    made = func.coalesce(per_contract_calls.c.made, 0)
    inner = (
        select(Contract.id.label("id"), due.label("due"), made.label("made"),
               per_contract_calls.c.last_call)
        .outerjoin(per_contract_calls, per_contract_calls.c.contract_id == Contract.id)
        .where(Contract.start_date.is_not(None), Contract.end_date.is_not(None), *where)
        .subquery("calls_base")
    )  # fmt: skip
    missing = case((inner.c.due > inner.c.made, inner.c.due - inner.c.made), else_=0)
    return select(inner, missing.label("missing")).subquery("calls")
