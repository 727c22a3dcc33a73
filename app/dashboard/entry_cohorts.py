"""Newcomer cohorts: of the newcomers who entered the programme in month M, where are they now?

A newcomer *enters* when they register (``created_at``, month in UTC). Each newcomer is counted
in exactly one outcome, from their contracts, in this order of precedence:

* **completed**: a contract of theirs ran its full length;
* **active**: otherwise, a contract is running (both signed);
* **ended early**: otherwise, a contract of theirs ended early (they may be waiting again);
* **not matched**: none of these (waiting, choosing, or waiting for signatures).

*Matched* = completed + active + ended early: they started a contract at some point.
One GROUP BY in SQL, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from app.contracts.models import Contract, ContractStatus
from app.dashboard import measures
from app.dashboard.filters import Filters
from app.people.models import Newcomer


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


# The outcome's precedence as a number, so that one pass over the contracts (max per newcomer)
# finds each newcomer's outcome instead of three EXISTS lookups per newcomer.
_RANK = {ContractStatus.completed: 3, ContractStatus.active: 2, ContractStatus.ended_early: 1}


def entry_cohorts(session: Session, sql: measures.Sql, filters: Filters) -> list[EntryCohort]:
    """Newcomers who registered in the period (by month), each counted in one outcome."""
    best = (
        select(
            Contract.newcomer_id.label("newcomer_id"),
            func.max(case(*((Contract.status == s, r) for s, r in _RANK.items()), else_=0))
            .label("rank"),
        )
        .where(Contract.status.in_(list(_RANK)))
        .group_by(Contract.newcomer_id)
        .subquery("best")
    )
    month = sql.month(Newcomer.created_at)
    rank = func.coalesce(best.c.rank, 0)

    def count(value: int) -> ColumnElement[int]:
        return func.sum(case((rank == value, 1), else_=0))

    stmt = (
        select(
            month.label("month"),
            func.count(),
            count(_RANK[ContractStatus.completed]),
            count(_RANK[ContractStatus.active]),
            count(_RANK[ContractStatus.ended_early]),
        )
        .select_from(Newcomer)
        .outerjoin(best, best.c.newcomer_id == Newcomer.id)
        .where(func.date(Newcomer.created_at).between(filters.start, filters.end))
        .group_by(month)
        .order_by(month)
    )
    if filters.neighbourhood:
        stmt = stmt.where(Newcomer.neighbourhood == filters.neighbourhood)
    return [
        EntryCohort(str(m), int(n), int(c or 0), int(a or 0), int(e or 0))
        for m, n, c, a, e in session.execute(stmt)
    ]
