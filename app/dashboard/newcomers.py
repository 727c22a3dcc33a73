"""The dashboard's newcomer numbers: how many are in each programme state (app/programme/
states.py) and how long those waiting for a round have waited (their number and median) from
ONE pass over the newcomers; and the entry cohorts (entry_cohorts.py), by day of registration.

Each newcomer's state (states.newcomer_state_sql: the contracts' part of the ladder is kept on
the newcomer's row by triggers) is read once; both answers come from one histogram of (state,
days waited — for those waiting), and the median is taken from the histogram of whole days,
exactly as the middle value(s) of the sorted list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, Table, bindparam, case, func, select
from sqlalchemy.orm import Session

from app.dashboard import entry_cohorts, measures, series
from app.dashboard.entry_cohorts import EntryCohort
from app.dashboard.filters import Filters
from app.dashboard.models import EntryDay, EntryDayArea
from app.matches.models import Panel
from app.people.models import Newcomer, Person
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


# ``now`` is a parameter of the kept statement (measures.built), given at each execution.
_NOW = bindparam("now", type_=Panel.expires_at.type)


@measures.built
def _by_state(sql: measures.Sql, today: date, neighbourhood: str | None) -> Select[Any]:
    # The newcomers' own table: no join with people.
    table: Table = Newcomer.__table__  # type: ignore[assignment]
    base = select(
        states.newcomer_state_sql(_NOW).label("state"),
        table.c.waiting_since.label("waiting_since"),
    ).select_from(table)
    if neighbourhood:
        area = select(Person.id).where(Person.neighbourhood == neighbourhood)
        base = base.where(table.c.id.in_(area))
    rows = base.subquery("newcomer_rows")
    # Days waited: today minus the local day they started waiting (snapshot, whatever the
    # period) — for the waiting ones only; one grouping gives both histograms.
    days = measures.day_number(today) - sql.local_day(rows.c.waiting_since)
    waiting = rows.c.state == NewcomerState.waiting_for_round.value
    keyed = select(rows.c.state, case((waiting, days)).label("days")).subquery("keyed")
    # Grouped outside: the expressions hold bound parameters, which PostgreSQL would not
    # recognise as "the same expression" in SELECT and GROUP BY.
    return select(keyed.c.state, keyed.c.days, func.count()).group_by(
        keyed.c.state, keyed.c.days
    )


def newcomer_numbers(
    session: Session, sql: measures.Sql, filters: Filters, now: datetime
) -> NewcomerNumbers:
    stmt = _by_state(sql, filters.today, filters.neighbourhood)
    by_state = dict.fromkeys(NewcomerState, 0)
    waited: list[tuple[int, int]] = []
    for state, days_waited, n in session.execute(stmt, {"now": now}):
        by_state[NewcomerState(state)] += int(n)
        if days_waited is not None:
            waited.append((int(days_waited), int(n)))
    count, median = histogram_median(waited)
    return NewcomerNumbers(by_state, count, median, entries(session, sql, filters))


def entries(session: Session, sql: measures.Sql, filters: Filters) -> list[EntryCohort]:
    """The entry cohorts of the period. The days ``buddy tick`` summed up (series.stored_days)
    are read from their sums and only the others (today, those changed since the tick, or all
    before the first tick) are counted live."""
    hood = filters.neighbourhood
    found = series.stored_days(session, EntryDay, EntryDayArea, entry_cohorts.OUTCOMES,
                               filters.start, filters.end, hood)  # fmt: skip
    live = [d for d in series.days(filters.start, filters.end) if d not in found]
    area = [Newcomer.neighbourhood == hood] if hood else []
    found.update(entry_cohorts.count_days(session, sql, live, *area))
    return entry_cohorts.from_days(found)
