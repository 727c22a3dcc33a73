"""Newcomer cohorts: of the newcomers who entered the programme in month M, where are they now?

A newcomer *enters* when they register (``created_at``: its day and month in UTC). Each
newcomer is counted in exactly one outcome, from their contracts, in this order of precedence:

* **completed**: a contract of theirs ran its full length;
* **active**: otherwise, a contract is running (both signed);
* **ended early**: otherwise, a contract of theirs ended early (they may be waiting again);
* **not matched**: none of these (waiting, choosing, or waiting for signatures).

*Matched* = completed + active + ended early: they started a contract at some point.
Counted per day of registration, on SQLite and PostgreSQL: the days ``buddy tick`` summed up
(models.EntryDay) from their sums, the others live (newcomers.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, String, case, exists, func, literal, select
from sqlalchemy.orm import Session

from app.contracts.models import Contract, ContractStatus
from app.dashboard.dates import Sql
from app.people.models import Newcomer
from app.programme.states import newcomer_facts


@dataclass(frozen=True)
class EntryCohort:
    month: str  # YYYY-MM of registration
    entered: int
    completed: int
    active: int
    ended_early: int

    @property
    def matched(self) -> int:
        return self.completed + self.active + self.ended_early

    @property
    def not_matched(self) -> int:
        return self.entered - self.matched


# The outcomes in their order of precedence, lowest first: a newcomer's outcome is the highest
# that holds.
OUTCOMES = ("not_matched", "ended_early", "active", "completed")
# The contract statuses behind the outcomes, highest first (the arguments of ``_outcome``).
PRECEDENCE = (ContractStatus.completed, ContractStatus.active, ContractStatus.ended_early)


def _holds(status: ContractStatus) -> ColumnElement[bool]:
    return exists().where(Contract.newcomer_id == Newcomer.id, Contract.status == status)


def _outcome(
    completed: ColumnElement[bool], active: ColumnElement[bool], ended_early: ColumnElement[bool]
) -> ColumnElement[int]:
    """Each newcomer's outcome as its index in OUTCOMES, from the facts however found."""
    return case(
        (completed, OUTCOMES.index("completed")),
        (active, OUTCOMES.index("active")),
        (ended_early, OUTCOMES.index("ended_early")),
        else_=OUTCOMES.index("not_matched"),
    )


def count_days(
    session: Session, sql: Sql, wanted: list[date], *where: ColumnElement[bool]
) -> dict[date, tuple[int, ...]]:
    """Live, per day of ``wanted`` with registrations (the UTC day of ``created_at``) among the
    newcomers matching ``where``: how many are in each outcome (OUTCOMES' order)."""
    found = _count(session, sql, wanted, False, *where)
    return {day: tuple(n) for (day, _), n in found.items()}


def count_days_by_area(
    session: Session, sql: Sql, wanted: list[date]
) -> dict[tuple[date, str], list[int]]:
    """``count_days`` for every neighbourhood at once (the newcomer's; none: left out), in
    one pass: what a neighbourhood's ``count_days`` gives, per (day, neighbourhood)."""
    found = _count(session, sql, wanted, True)
    return {(day, area): n for (day, area), n in found.items() if area is not None}


def _count(
    session: Session, sql: Sql, wanted: list[date], by_area: bool, *where: ColumnElement[bool]
) -> dict[tuple[date, str | None], list[int]]:
    if not wanted:
        return {}
    first, last = min(wanted), max(wanted)
    day = sql.utc_date(Newcomer.created_at)
    # The instants first (no conversion per row), then the days themselves when they are few.
    chosen = [
        Newcomer.created_at >= datetime.combine(first, time(), UTC),
        Newcomer.created_at < datetime.combine(last + timedelta(days=1), time(), UTC),
        *where,
    ]
    few = len(wanted) <= 100
    if few:  # a few days: a lookup or three per newcomer of those days
        chosen.append(day.in_(wanted))
        outcome = _outcome(*map(_holds, PRECEDENCE))
    else:  # a long stretch: their contracts grouped once (states.newcomer_facts)
        facts = newcomer_facts(
            Contract.newcomer_id.in_(select(Newcomer.id).where(*chosen)), order=PRECEDENCE
        )
        completed, active, ended_early = (facts.c.first == i for i in range(len(PRECEDENCE)))
        outcome = _outcome(completed, active, ended_early)
    area = Newcomer.neighbourhood if by_area else literal(None, String)
    rows = select(day.label("day"), area.label("area"), outcome.label("outcome"))
    if not few:
        rows = rows.outerjoin(facts, facts.c.newcomer_id == Newcomer.id)
    entries = rows.where(*chosen).subquery("entries")  # grouped outside: they hold parameters
    stmt = select(entries.c.day, entries.c.area, entries.c.outcome, func.count()).group_by(
        entries.c.day, entries.c.area, entries.c.outcome
    )
    found: dict[tuple[date, str | None], list[int]] = {}
    wanted_days = set(wanted)
    for raw, hood, index, n in session.execute(stmt):
        registered = raw if isinstance(raw, date) else date.fromisoformat(str(raw))
        if registered in wanted_days:
            found.setdefault((registered, hood), [0] * len(OUTCOMES))[int(index)] += int(n)
    return found


def from_days(days: Mapping[date, Sequence[int]]) -> list[EntryCohort]:
    """The cohorts, by month, from each day's newcomers by outcome (months with none left out)."""
    months: dict[str, list[int]] = {}
    for day, counts in days.items():
        total = months.setdefault(day.isoformat()[:7], [0] * len(OUTCOMES))
        for index, n in enumerate(counts):
            total[index] += n
    return [
        EntryCohort(month, sum(n), n[OUTCOMES.index("completed")], n[OUTCOMES.index("active")],
                    n[OUTCOMES.index("ended_early")])
        for month, n in sorted(months.items())
        if sum(n)
    ]  # fmt: skip
