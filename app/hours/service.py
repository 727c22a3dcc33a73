"""Reading confirmed hours from the database: the staff's report over all newcomers, and one
newcomer's signed statement (built, and rebuilt to verify a code).

Confirmed means what it means for the certificate (app/evaluations/certificate.py
``confirmed``) and the newcomer's goal on /me (app/checkins/queries.py
``confirmed_minutes_of_newcomer``): ``Checkin.status == CheckinStatus.confirmed``, over every
contract the newcomer had. Erased newcomers are left out: nothing about them can be handed on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import Select, exists, extract, func, select
from sqlalchemy.orm import Session

from app.checkins.models import Checkin, CheckinStatus
from app.contracts.models import Contract, ContractStatus
from app.dashboard.filters import FROM_AFTER_TO, parse_day
from app.errors import Invalid
from app.hours import rules, signing
from app.hours.rules import Meeting, Period
from app.intake.models import IntakeRecord
from app.people.models import Newcomer, Person

BATCH = 1000
LATEST = date(2150, 12, 31)  # codes hold days since 2000 in 16 bits
MAX_ID = 2**31 - 1  # the largest INTEGER key (as app/web/guard.py; a code holds 32 bits)


@dataclass(frozen=True)
class NewcomerHours:
    """One line of the staff's report: a newcomer's months with confirmed meetings."""

    newcomer_id: int
    name: str
    file_number: str | None
    periods: list[Period]

    @property
    def meetings(self) -> int:
        return rules.totals(self.periods)[0]

    @property
    def minutes(self) -> int:
        return rules.totals(self.periods)[1]


@dataclass(frozen=True)
class Pair:
    """A contract in the statement's period, for the newcomer's own statement only."""

    contract_id: int
    buddy: str  # the volunteer's first name
    start_date: date | None
    end_date: date | None
    status: ContractStatus


@dataclass(frozen=True)
class Statement:
    newcomer_id: int
    name: str
    file_number: str | None
    claim: signing.Claim
    periods: list[Period]
    pairs: list[Pair]
    code: str

    @property
    def start(self) -> date:
        return self.claim.start

    @property
    def end(self) -> date:
        return self.claim.end

    @property
    def issued_on(self) -> date:
        return self.claim.issued_on

    @property
    def meetings(self) -> int:
        return rules.totals(self.periods)[0]

    @property
    def minutes(self) -> int:
        return rules.totals(self.periods)[1]


# --- the period asked for --------------------------------------------------------------------


def check_range(
    today: date, raw_from: str | None, raw_to: str | None, *, until_today: bool = False
) -> tuple[date, date, dict[str, str]]:
    """(first day, last day, msgid per bad field). Default: the current year so far; a bad
    field falls back to its default, so a page still shows numbers. ``until_today`` (a
    statement) cuts the end to today: it can only state hours already confirmed."""
    errors: dict[str, str] = {}
    end = parse_day(raw_to, "to", errors, LATEST) or today
    if until_today:
        end = min(end, today)
    start = parse_day(raw_from, "from", errors, LATEST) or rules.default_range(end)[0]
    if not errors and start > end:
        errors["from"] = FROM_AFTER_TO
        start = rules.default_range(end)[0]
    return start, end, errors


def parse_range(
    today: date, raw_from: str | None, raw_to: str | None, *, until_today: bool = False
) -> tuple[date, date]:
    """The period, or ``Invalid`` (422) naming the first bad parameter (the API)."""
    start, end, errors = check_range(today, raw_from, raw_to, until_today=until_today)
    for field in ("from", "to"):
        if field in errors:
            raise Invalid(errors[field], field=field)
    return start, end


# --- the staff's report ----------------------------------------------------------------------


def _confirmed_in(start: date, end: date) -> Select[int, date, int]:
    return (
        select(Contract.newcomer_id, Checkin.met_on, Checkin.minutes)
        .join(Contract, Contract.id == Checkin.contract_id)
        .where(Checkin.status == CheckinStatus.confirmed, Checkin.met_on.between(start, end))
    )


def confirmed_meetings(
    session: Session, start: date, end: date, newcomer_id: int | None = None
) -> Iterator[Meeting]:
    stmt = _confirmed_in(start, end)
    if newcomer_id is not None:
        stmt = stmt.where(Contract.newcomer_id == newcomer_id)
    for nid, met_on, minutes in session.execute(stmt.execution_options(yield_per=BATCH)):
        yield Meeting(nid, met_on, minutes)


def has_confirmed(session: Session, newcomer_id: int, start: date, end: date) -> bool:
    found = _confirmed_in(start, end).where(Contract.newcomer_id == newcomer_id)
    return bool(session.scalar(select(found.exists())))


def monthly_tallies(session: Session, start: date, end: date) -> Iterator[Meeting]:
    """Per newcomer and calendar month, the confirmed meetings counted and summed by the
    database (a year of a city's meetings is a few hundred thousand rows; this is one per
    newcomer and month), each dated on its first meeting, which lies in that month."""
    year, month = extract("year", Checkin.met_on), extract("month", Checkin.met_on)
    stmt = (
        _confirmed_in(start, end)
        .with_only_columns(Contract.newcomer_id, func.min(Checkin.met_on),
                           func.sum(Checkin.minutes), func.count())
        .group_by(Contract.newcomer_id, year, month)
    )  # fmt: skip
    for nid, first, minutes, count in session.execute(stmt.execution_options(yield_per=BATCH)):
        yield Meeting(nid, first, int(minutes), int(count))


def report(session: Session, start: date, end: date) -> list[NewcomerHours]:
    """Every newcomer with confirmed meetings in the period, by name."""
    by_newcomer = rules.per_newcomer(monthly_tallies(session, start, end), start, end)
    if not by_newcomer:
        return []
    met = _confirmed_in(start, end).with_only_columns(Contract.newcomer_id).distinct()
    people = session.execute(
        select(Person.id, Person.first_name, Person.last_name, IntakeRecord.civic_integration_file)
        .outerjoin(IntakeRecord, IntakeRecord.newcomer_id == Person.id)
        .where(Person.id.in_(met.scalar_subquery()), Person.erased_at.is_(None))
        .order_by(Person.last_name, Person.first_name, Person.id)
    )  # fmt: skip
    return [
        NewcomerHours(pid, f"{first} {last}", number, by_newcomer[pid])
        for pid, first, last, number in people
        if pid in by_newcomer
    ]


def csv_rows(lines: list[NewcomerHours]) -> Iterator[list[object]]:
    for line in lines:
        for period in line.periods:
            yield [line.newcomer_id, line.name, line.file_number, period.month,
                   period.meetings, period.hours]  # fmt: skip


CSV_COLUMNS = ["newcomer_id", "newcomer", "file_number", "period", "confirmed_meetings",
               "confirmed_hours"]  # fmt: skip


# --- one newcomer's statement ----------------------------------------------------------------


def file_number(session: Session, newcomer_id: int) -> str | None:
    return session.scalar(
        select(IntakeRecord.civic_integration_file).where(IntakeRecord.newcomer_id == newcomer_id)
    )


def _pairs(session: Session, newcomer_id: int, start: date, end: date) -> list[Pair]:
    """The newcomer's contracts with confirmed meetings in the period."""
    counted = exists().where(
        Checkin.contract_id == Contract.id,
        Checkin.status == CheckinStatus.confirmed,
        Checkin.met_on.between(start, end),
    )
    contracts = session.scalars(
        select(Contract).where(Contract.newcomer_id == newcomer_id, counted)
        .order_by(Contract.start_date, Contract.id)
    )  # fmt: skip
    return [Pair(c.id, c.volunteer.first_name, c.start_date, c.end_date, c.status)
            for c in contracts]  # fmt: skip


def statement(
    session: Session, newcomer: Newcomer, claim: signing.Claim, *, secret_key: str
) -> Statement:
    """The newcomer's statement for ``claim`` (period and issue day), with its code."""
    meetings = confirmed_meetings(session, claim.start, claim.end, newcomer.id)
    periods = rules.statement_periods(meetings, claim.start, claim.end)
    unsigned = Statement(
        newcomer_id=newcomer.id, name=newcomer.display_name,
        file_number=file_number(session, newcomer.id), claim=claim, periods=periods,
        pairs=_pairs(session, newcomer.id, claim.start, claim.end), code="",
    )  # fmt: skip
    return replace(unsigned, code=signing.make_code(secret_key, claim, _content(unsigned)))


def _content(found: Statement) -> bytes:
    return signing.canonical(newcomer_id=found.newcomer_id, name=found.name,
                             file_number=found.file_number, claim=found.claim,
                             periods=found.periods)  # fmt: skip


def verify(session: Session, code: str, *, secret_key: str) -> Statement | None:
    """The statement a code was issued for, rebuilt from today's records, if the code is
    genuine and the records still say the same; None for every other code (one answer for
    all of them: a wrong code tells nothing about which part was wrong)."""
    read = signing.read_claim(code)
    if read is None:
        return None
    claim, claim_bytes, tag = read
    if claim.newcomer_id > MAX_ID:  # a made-up claim no database key can hold
        return None
    newcomer = session.get(Newcomer, claim.newcomer_id)
    if newcomer is None or newcomer.erased_at is not None:
        return None
    found = statement(session, newcomer, claim, secret_key=secret_key)
    return found if signing.matches(secret_key, claim_bytes, tag, _content(found)) else None
