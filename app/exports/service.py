"""CSV exports of contracts (with adherence and hours) and check-ins, for a date range.

Rows are streamed from the database (``yield_per``) and written in chunks, so an export of
500,000 check-ins never sits in memory. Every text cell that a spreadsheet would read as a
formula (starting with ``= + - @``, a tab or a carriage return) gets a leading ``'`` — a
newcomer's note "=HYPERLINK(…)" must stay text on a staff member's computer. Quoting is the
csv module's (RFC 4180). The file starts with a UTF-8 byte-order mark: without it Excel opens
accents and Arabic names garbled.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session, aliased, sessionmaker

from app.checkins import rules
from app.checkins.models import Activity, Checkin, CheckinActivity, CheckinStatus
from app.config import CityProfile
from app.contracts.models import Contract, ContractStatus
from app.dashboard import measures
from app.dashboard.filters import Filters
from app.followup.models import StaffCall
from app.people.models import Person
from app.programme.states import carrying_on_sql

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 64 * 1024
BATCH = 1000
BOM = "\ufeff"

CONTRACT_COLUMNS = [
    "contract_id", "status", "newcomer", "volunteer", "neighbourhood", "cadence",
    "created_on", "start_date", "end_date", "ended_on", "end_reason", "meetings",
    "confirmed_hours", "periods_expected", "periods_met", "adherence", "at_risk",
    "open_worries", "staff_calls", "extended_months", "carrying_on_as_friends",
]  # fmt: skip
CHECKIN_COLUMNS = [
    "checkin_id", "contract_id", "newcomer", "volunteer", "neighbourhood", "met_on",
    "minutes", "status", "logged_by", "activities", "note", "worry", "worry_open",
    "logged_at",
]  # fmt: skip


def safe(value: object) -> object:
    """A cell as the csv module should write it: text that could start a formula is quoted."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe(v) for v in row])
        if buffer.tell() >= CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def stream(
    factory: sessionmaker[Session],
    header: Sequence[str],
    produce: Callable[[Session], Iterator[Sequence[object]]],
) -> Iterator[str]:
    """Run ``produce`` in a session of its own (a streamed response outlives the request's
    session), read-only: it is rolled back at the end."""
    with factory() as session:
        yield from csv_chunks(header, produce(session))


def _instant(day: date, zone: ZoneInfo) -> datetime:
    """The UTC moment a city-local day begins."""
    return datetime.combine(day, time(), tzinfo=zone)


def _names() -> tuple[Any, Any]:
    return aliased(Person), aliased(Person)


# --- contracts ------------------------------------------------------------------------------


def contracts_query(session: Session, city: CityProfile, filters: Filters) -> Select[Any]:
    """Contracts live at some time in the range: made on or before its last day, and not
    closed (completed, ended early, declined) before its first day."""
    zone = ZoneInfo(city.timezone)
    sql = measures.sql_for(session, city.timezone)
    begins, ends = _instant(filters.start, zone), _instant(filters.end + timedelta(days=1), zone)
    where = (
        Contract.created_at < ends,
        or_(Contract.ended_at.is_(None), Contract.ended_at >= begins),
        *measures.in_area(filters.neighbourhood),
    )
    att = measures.per_contract(sql, filters.as_of, *where)
    risk = measures.per_contract(
        sql,
        filters.today,
        Contract.status == ContractStatus.active,
        *where,
        name="risk",
        with_adherence=False,
    )
    totals = (
        select(
            Checkin.contract_id.label("id"),
            func.sum(case((Checkin.status != CheckinStatus.disputed, 1), else_=0)).label("n"),
            func.sum(
                case((Checkin.status == CheckinStatus.confirmed, Checkin.minutes), else_=0)
            ).label("minutes"),
            func.sum(case((measures.open_concern_row(), 1), else_=0)).label("worries"),
        )
        .group_by(Checkin.contract_id)
        .subquery("totals")
    )
    calls = (
        select(StaffCall.contract_id.label("id"), func.count().label("n"))
        .group_by(StaffCall.contract_id)
        .subquery("call_totals")
    )
    newcomer, volunteer = _names()
    return (
        select(
            Contract.id, Contract.status, Contract.cadence, Contract.created_at,
            Contract.start_date, Contract.end_date, Contract.ended_at, Contract.end_reason,
            newcomer.first_name, newcomer.last_name, volunteer.first_name,
            volunteer.last_name, newcomer.neighbourhood, totals.c.n, totals.c.minutes,
            totals.c.worries, att.c.expected, att.c.met, measures.adherence(att),
            measures.missed_last_two(risk), calls.c.n, Contract.extended_months,
            case((carrying_on_sql(), True), else_=False),
        )
        .join(newcomer, newcomer.id == Contract.newcomer_id)
        .join(volunteer, volunteer.id == Contract.volunteer_id)
        .outerjoin(totals, totals.c.id == Contract.id)
        .outerjoin(att, att.c.id == Contract.id)
        .outerjoin(risk, risk.c.id == Contract.id)
        .outerjoin(calls, calls.c.id == Contract.id)
        .where(*where)
        .order_by(Contract.id)
    )  # fmt: skip


def contract_rows(session: Session, city: CityProfile, filters: Filters) -> Iterator[list[object]]:
    zone = ZoneInfo(city.timezone)
    stmt = contracts_query(session, city, filters).execution_options(yield_per=BATCH)
    for (cid, status, cadence, created, start, end, ended_at, reason, nf, nl, vf, vl, area,
         meetings, minutes, worries, expected, met, adherence, silent, calls, extended,
         carrying_on) in session.execute(stmt):  # fmt: skip
        ended = ended_at.astimezone(zone).date() if ended_at else None
        at_risk = status is ContractStatus.active and (bool(silent) or bool(worries))
        yield [
            cid, status.value, f"{nf} {nl}", f"{vf} {vl}", area, cadence.value,
            created.astimezone(zone).date(), start, end, ended,
            reason.value if reason else None, int(meetings or 0),
            rules.hours(int(minutes or 0)), expected, met,
            round(adherence, 4) if adherence is not None else None, at_risk,
            int(worries or 0), int(calls or 0), extended, bool(carrying_on),
        ]  # fmt: skip


# --- check-ins ------------------------------------------------------------------------------


def checkins_query(session: Session, filters: Filters) -> Select[Any]:
    """Meetings met on a day in the range (every status; the ``status`` column tells)."""
    dialect = session.get_bind().dialect.name
    joined = (
        func.string_agg(CheckinActivity.activity, ";")
        if dialect == "postgresql"
        else func.group_concat(CheckinActivity.activity, ";")
    )
    activities = (
        select(joined)
        .where(CheckinActivity.checkin_id == Checkin.id)
        .correlate(Checkin)
        .scalar_subquery()
    )
    newcomer, volunteer = _names()
    stmt = (
        select(
            Checkin.id, Checkin.contract_id, newcomer.first_name, newcomer.last_name,
            volunteer.first_name, volunteer.last_name, newcomer.neighbourhood, Checkin.met_on,
            Checkin.minutes, Checkin.status, Checkin.logged_by_side, activities, Checkin.note,
            Checkin.concern_reason, Checkin.concern_resolved_at, Checkin.created_at,
        )
        .join(Contract, Contract.id == Checkin.contract_id)
        .join(newcomer, newcomer.id == Contract.newcomer_id)
        .join(volunteer, volunteer.id == Contract.volunteer_id)
        .where(Checkin.met_on.between(filters.start, filters.end))
        .order_by(Checkin.met_on, Checkin.id)
    )  # fmt: skip
    if filters.neighbourhood:
        stmt = stmt.where(newcomer.neighbourhood == filters.neighbourhood)
    return stmt


def checkin_rows(session: Session, city: CityProfile, filters: Filters) -> Iterator[list[object]]:
    zone = ZoneInfo(city.timezone)
    order = [a.value for a in Activity]
    stmt = checkins_query(session, filters).execution_options(yield_per=BATCH)
    for (cid, contract_id, nf, nl, vf, vl, area, met_on, minutes, status, side, acts, note,
         worry, resolved, created) in session.execute(stmt):  # fmt: skip
        listed = sorted((acts or "").split(";"), key=lambda a: order.index(a) if a in order else 99)
        yield [
            cid, contract_id, f"{nf} {nl}", f"{vf} {vl}", area, met_on, minutes, status.value,
            side.value, ";".join(a for a in listed if a), note, worry,
            worry is not None and resolved is None,
            created.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        ]  # fmt: skip
