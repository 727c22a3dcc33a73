"""The dashboard's newcomer numbers from ONE pass over the newcomers: how many are in each
programme state (app/programme/states.py), how long those waiting for a round have waited
(their number and median), and the entry cohorts (entry_cohorts.py).

Each newcomer's facts (states.newcomer_facts: one grouped pass over the contracts and the open
panels) are read once; the three answers are small histograms of the same materialised rows —
(state), (days waited), (month of entry, outcome) — and the median is taken from the histogram
of whole days, exactly as the middle value(s) of the sorted list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, cast, func, literal, null, select, union_all
from sqlalchemy.orm import Session

from app.dashboard import entry_cohorts, measures
from app.dashboard.entry_cohorts import EntryCohort
from app.dashboard.filters import Filters
from app.people.models import Newcomer
from app.programme import states
from app.programme.states import NewcomerState


@dataclass(frozen=True)
class NewcomerNumbers:
    by_state: dict[NewcomerState, int]
    waiting: int  # in the state waiting_for_round
    median_waiting_days: float | None
    entry_cohorts: list[EntryCohort]


def histogram_median(counts: Iterable[tuple[Any, int]]) -> tuple[int, float | None]:
    """How many values, and their median (the mean of the middle one or two values, as
    PERCENTILE_CONT(0.5)), from ``(value, how many)`` pairs."""
    ordered = sorted((value, n) for value, n in counts if value is not None and n > 0)
    total = sum(n for _, n in ordered)
    if not total:
        return 0, None
    wanted = {(total + 1) // 2, (total + 2) // 2}  # 1-based positions of the middle
    found: list[float] = []
    seen = 0
    for value, n in ordered:
        found += [float(value) for position in wanted if seen < position <= seen + n]
        seen += n
    return total, sum(found) / len(found)


def newcomer_numbers(
    session: Session, sql: measures.Sql, filters: Filters, now: datetime
) -> NewcomerNumbers:
    facts = states.newcomer_facts()
    base = (
        select(
            states.newcomer_state_from_facts(facts, now).label("state"),
            Newcomer.waiting_since.label("waiting_since"),
            func.date(Newcomer.created_at).label("entered_on"),
            entry_cohorts.rank(facts).label("outcome"),
        )
        .select_from(Newcomer)
        .outerjoin(facts, facts.c.newcomer_id == Newcomer.id)
    )
    if filters.neighbourhood:
        base = base.where(Newcomer.neighbourhood == filters.neighbourhood)
    rows = base.cte("newcomer_rows").prefix_with("MATERIALIZED")
    # Days waited: today minus the local day they started waiting (snapshot, whatever the
    # period) — converted for the waiting ones only.
    days = measures.day_number(filters.today) - sql.local_day(rows.c.waiting_since)
    text_key, int_key = cast(null(), String), cast(null(), Integer)
    stmt = union_all(
        select(literal("state"), rows.c.state, int_key, func.count()).group_by(rows.c.state),
        select(literal("days"), text_key, days, func.count())
        .where(rows.c.state == NewcomerState.waiting_for_round.value)
        .group_by(days),
        # By day of entry (its month is read in Python: the same calendar day and month as
        # SQL's, without formatting every row).
        select(literal("entry"), cast(rows.c.entered_on, String), rows.c.outcome, func.count())
        .where(rows.c.entered_on.between(filters.start, filters.end))
        .group_by(rows.c.entered_on, rows.c.outcome),
    )
    by_state = dict.fromkeys(NewcomerState, 0)
    waited: list[tuple[int, int]] = []
    entries: list[tuple[str, int, int]] = []
    for kind, key, value, n in session.execute(stmt):
        if kind == "state":
            by_state[NewcomerState(key)] = int(n)
        elif kind == "days":
            waited.append((int(value), int(n)))
        else:
            entries.append((str(key)[:7], int(value), int(n)))  # YYYY-MM of YYYY-MM-DD
    count, median = histogram_median(waited)
    return NewcomerNumbers(by_state, count, median, entry_cohorts.from_counts(entries))
