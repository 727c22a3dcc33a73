"""Newcomer cohorts: of the newcomers who entered the programme in month M, where are they now?

A newcomer *enters* when they register (``created_at``, month in UTC). Each newcomer is counted
in exactly one outcome, from their contracts, in this order of precedence:

* **completed**: a contract of theirs ran its full length;
* **active**: otherwise, a contract is running (both signed);
* **ended early**: otherwise, a contract of theirs ended early (they may be waiting again);
* **not matched**: none of these (waiting, choosing, or waiting for signatures).

*Matched* = completed + active + ended early: they started a contract at some point.
Counted in the dashboard's one pass over the newcomers (newcomers.py), on SQLite and
PostgreSQL.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Subquery, case


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


def rank(facts: Subquery) -> ColumnElement[int]:
    """Each newcomer's outcome as a number (completed 3, active 2, ended early 1, not matched
    0), from their facts (app/programme/states.newcomer_facts): the order of precedence above."""
    return case(
        (facts.c.completed == 1, RANKS["completed"]),
        (facts.c.active == 1, RANKS["active"]),
        (facts.c.ended_early == 1, RANKS["ended_early"]),
        else_=0,
    )


RANKS = {"completed": 3, "active": 2, "ended_early": 1}


def from_counts(counts: Iterable[tuple[str, int, int]]) -> list[EntryCohort]:
    """The cohorts, by month, from ``(month, rank, newcomers)`` counts."""
    months: dict[str, Counter[int]] = defaultdict(Counter)
    for month, outcome, n in counts:
        months[month][outcome] += n
    return [
        EntryCohort(month, sum(found.values()), found[RANKS["completed"]],
                    found[RANKS["active"]], found[RANKS["ended_early"]])
        for month, found in sorted(months.items())
    ]  # fmt: skip
