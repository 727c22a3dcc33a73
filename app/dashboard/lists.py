"""The pairs staff should call: those at risk, and those lacking their expected staff calls.

One query each (the SQL measures joined with the pair's names), ordered by urgency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, aliased

from app.checkins.models import Checkin
from app.config import CityProfile
from app.contracts.models import Contract, ContractStatus
from app.dashboard import measures
from app.people.models import Person


@dataclass(frozen=True)
class PairRow:
    contract_id: int
    newcomer: str
    volunteer: str
    neighbourhood: str | None
    start_date: date
    end_date: date | None
    last_met_on: date | None
    weeks_since_meeting: int  # whole weeks since the last meeting that counts (or the start)
    open_worries: int
    silent: bool  # no meeting in the last two completed periods (nor since)
    last_call: date | None
    calls_missing: int


def _pairs(sql: measures.Sql, today: date, neighbourhood: str | None) -> Select[Any]:
    where = (Contract.status == ContractStatus.active, *measures.in_area(neighbourhood))
    att = measures.per_contract(sql, today, *where, with_adherence=False)
    calls = measures.calls(sql, today, *where)
    newcomer, volunteer = aliased(Person), aliased(Person)
    worries = (
        select(func.count())
        .where(
            Checkin.contract_id == att.c.id,
            Checkin.concern_reason.is_not(None),
            Checkin.concern_resolved_at.is_(None),
        )
        .correlate(att)
        .scalar_subquery()
    )
    return (
        select(
            att.c.id, newcomer.first_name, newcomer.last_name, volunteer.first_name,
            volunteer.last_name, newcomer.neighbourhood, Contract.start_date, Contract.end_date,
            att.c.last_dn, worries.label("worries"),
            measures.missed_last_two(att).label("silent"), calls.c.last_call, calls.c.missing,
            measures.at_risk(att).label("risk"),
        )
        .select_from(att)
        .join(Contract, Contract.id == att.c.id)
        .join(newcomer, newcomer.id == Contract.newcomer_id)
        .join(volunteer, volunteer.id == Contract.volunteer_id)
        .join(calls, calls.c.id == att.c.id)
    )  # fmt: skip


def _rows(session: Session, stmt: Select[Any], today: date) -> list[PairRow]:
    return [pair for pair, _ in _flagged(session, stmt, today)]


def _flagged(session: Session, stmt: Select[Any], today: date) -> list[tuple[PairRow, bool]]:
    """The pairs, each with whether it is at risk."""
    found = []
    for row in session.execute(stmt):
        last = measures.from_day_number(row.last_dn) if row.last_dn is not None else None
        since = last or row.start_date
        found.append(
            (
                PairRow(
                    contract_id=row.id,
                    newcomer=f"{row[1]} {row[2]}",
                    volunteer=f"{row[3]} {row[4]}",
                    neighbourhood=row.neighbourhood,
                    start_date=row.start_date,
                    end_date=row.end_date,
                    last_met_on=last,
                    weeks_since_meeting=max(0, (today - since).days // 7),
                    open_worries=int(row.worries or 0),
                    silent=bool(row.silent),
                    last_call=row.last_call,
                    calls_missing=int(row.missing or 0),
                ),
                bool(row.risk),
            )
        )
    return found


def at_risk_pairs(
    session: Session, city: CityProfile, today: date, neighbourhood: str | None = None
) -> list[PairRow]:
    """Active pairs at risk (rules.is_at_risk), the longest silent first."""
    sql = measures.sql_for(session, city.timezone)
    stmt = _pairs(sql, today, neighbourhood)
    risk: ColumnElement[bool] = stmt.selected_columns.risk
    last_dn = stmt.selected_columns.last_dn
    stmt = stmt.where(risk).order_by(last_dn.asc().nulls_first(), stmt.selected_columns.id)
    return _rows(session, stmt, today)


def pairs_missing_calls(
    session: Session, city: CityProfile, today: date, neighbourhood: str | None = None
) -> list[PairRow]:
    """Active pairs with fewer staff calls than due by now (rules.calls_missing), the most
    overdue first."""
    sql = measures.sql_for(session, city.timezone)
    stmt = _pairs(sql, today, neighbourhood)
    missing = stmt.selected_columns.missing
    stmt = stmt.where(missing > 0).order_by(
        missing.desc(), Contract.start_date, stmt.selected_columns.id
    )
    return _rows(session, stmt, today)


def pairs_to_call(
    session: Session, city: CityProfile, today: date, neighbourhood: str | None = None
) -> tuple[list[PairRow], list[PairRow]]:
    """``at_risk_pairs`` and ``pairs_missing_calls`` together (the pairs page shows both),
    from ONE pass over the active pairs: each pair's meetings and calls are counted once."""
    sql = measures.sql_for(session, city.timezone)
    stmt = _pairs(sql, today, neighbourhood)
    risk: ColumnElement[bool] = stmt.selected_columns.risk
    found = _flagged(session, stmt.where(risk | (stmt.selected_columns.missing > 0)), today)
    # The orders of the two queries above: the longest silent first; the most overdue first.
    at_risk = sorted(
        (pair for pair, risky in found if risky),
        key=lambda p: (p.last_met_on is not None, p.last_met_on or date.min, p.contract_id),
    )
    missing = sorted(
        (pair for pair, _ in found if pair.calls_missing > 0),
        key=lambda p: (-p.calls_missing, p.start_date, p.contract_id),
    )
    return at_risk, missing
