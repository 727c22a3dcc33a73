"""The programme's numbers for staff, each one SQL aggregate (no rows loaded into Python).

Two kinds of number. SNAPSHOTS (snapshots.py) describe now, whatever the period: newcomers
waiting, open panels, pending contracts, active and at-risk pairs, volunteers, pairs lacking
staff calls. PERIOD numbers (here) count what happened between ``from`` and ``to``: completed
and ended-early contracts, completion rate, meetings, hours, median adherence. The
neighbourhood filter is the newcomer's neighbourhood (the volunteer's for volunteer numbers).
Each function's docstring is its exact definition.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from app.checkins import rules
from app.config import CityProfile
from app.contracts.models import Contract, ContractStatus
from app.dashboard import attendance, measures, series, snapshots
from app.dashboard.entry_cohorts import EntryCohort
from app.dashboard.filters import Filters
from app.dashboard.newcomers import histogram_median, newcomer_numbers
from app.dashboard.snapshots import RoundReport, VolunteerNumbers
from app.programme.counts import volunteer_counts
from app.programme.states import NewcomerState, carrying_on_sql

STARTED = (ContractStatus.active, ContractStatus.completed, ContractStatus.ended_early)


@dataclass(frozen=True)
class Stats:
    filters: Filters
    newcomers_waiting: int
    median_waiting_days: float | None
    open_panels: int
    pending_contracts: int
    active_pairs: int
    at_risk_pairs: int
    calls_missing_pairs: int
    volunteers: VolunteerNumbers
    completed: int
    ended_early: int
    ended_early_by_reason: dict[str, int]
    median_adherence: float | None
    meetings: int
    confirmed_minutes: int
    failed_mail: int
    last_round: RoundReport | None
    # Everyone by programme state (app/programme/states.py): the staff overview's numbers.
    newcomers_by_state: dict[str, int] = field(default_factory=dict)
    volunteers_by_state: dict[str, int] = field(default_factory=dict)
    weeks: list[series.Week] = field(default_factory=list)
    cohorts: list[series.Cohort] = field(default_factory=list)
    entry_cohorts: list[EntryCohort] = field(default_factory=list)
    # Of ``completed``: the pairs carrying on as friends (app/programme/states.py).
    completed_carrying_on: int = 0

    @property
    def completion_rate(self) -> float | None:
        """completed / (completed + ended early), over contracts that finished in the period."""
        finished = self.completed + self.ended_early
        return self.completed / finished if finished else None

    @property
    def total_hours(self) -> float:
        return rules.hours(self.confirmed_minutes)


# --- the period -----------------------------------------------------------------------------


def completed_in_period(session: Session, filters: Filters) -> tuple[int, int]:
    """(completed contracts whose end date lies in the period, those of them carrying on as
    friends — ``carrying_on_sql``)."""
    stmt = select(
        func.count(), func.coalesce(func.sum(case((carrying_on_sql(), 1), else_=0)), 0)
    ).where(
        Contract.status == ContractStatus.completed,
        Contract.end_date.between(filters.start, filters.end),
        *measures.in_area(filters.neighbourhood),
    )
    completed, carrying_on = session.execute(stmt).one()
    return int(completed or 0), int(carrying_on or 0)


def ended_early_in_period(session: Session, sql: measures.Sql, filters: Filters) -> dict[str, int]:
    """Contracts that had started (both signed) and ended early on a local day in the period,
    by reason."""
    ended_on = sql.local_day(Contract.ended_at)
    stmt = (
        select(Contract.end_reason, func.count())
        .where(
            Contract.status == ContractStatus.ended_early,
            Contract.start_date.is_not(None),
            ended_on.between(measures.day_number(filters.start), measures.day_number(filters.end)),
            *measures.in_area(filters.neighbourhood),
        )
        .group_by(Contract.end_reason)
    )
    return {(reason.value if reason else "other"): int(n) for reason, n in session.execute(stmt)}


def meetings_in_period(by_day: series.DayCounts, filters: Filters) -> tuple[int, int]:
    """(meetings that count — not disputed —, confirmed minutes) met on a day in the period."""
    inside = [v for day, v in by_day.items() if filters.start <= day <= filters.end]
    return sum(n for n, _ in inside), sum(m for _, m in inside)


@measures.built
def _adherence(
    sql: measures.Sql, as_of: date, start: date, end: date, neighbourhood: str | None
) -> tuple[Select[Any], Select[Any]]:
    """The two histograms of (met, expected) behind ``median_adherence``."""
    where = (
        Contract.status.in_(STARTED),
        Contract.start_date <= end,
        *measures.in_area(neighbourhood),
    )
    # Contracts over before as_of: their final (met, expected) from the sums (attendance.py);
    # the others counted here — each contract once.
    att = measures.per_contract(sql, as_of, *where, over_after=start, unfinished_only=True)
    # Histograms of (met, expected): a few hundred pairs rather than a row per contract.
    live = (
        select(att.c.met, att.c.expected, func.count())
        .where(att.c.expected > 0)
        .group_by(att.c.met, att.c.expected)
    )
    final = attendance.final_counts(as_of, start, end, *measures.in_area(neighbourhood))
    return live, final


def median_adherence(session: Session, sql: measures.Sql, filters: Filters) -> float | None:
    """Median adherence, judged on ``as_of`` (the period's end, or today), of the contracts
    running at some time in the period: started on or before its end, and not over before its
    start. Contracts with nothing expected yet have no adherence and are left out."""
    statements = _adherence(sql, filters.as_of, filters.start, filters.end, filters.neighbourhood)
    # Each value met / expected in floating point, as SQL divided (distinct fractions of such
    # small numbers stay distinct floats, so they sort as the fractions do).
    found: Counter[float] = Counter()
    for stmt in statements:
        for met, expected, n in session.execute(stmt):
            found[float(met) / float(expected)] += int(n)
    return histogram_median(found.items())[1]


def programme_stats(session: Session, city: CityProfile, filters: Filters, now: datetime) -> Stats:
    sql = measures.sql_for(session, city.timezone)
    newcomers = newcomer_numbers(session, sql, filters, now)
    by_state = newcomers.by_state
    volunteer_states = volunteer_counts(session, now, filters.neighbourhood)
    ended = ended_early_in_period(session, sql, filters)
    # One pass over the check-ins by day serves the period's totals and the weekly chart.
    by_day = series.meetings_by_day(
        session, filters, min(filters.start, series.first_monday(filters.end))
    )
    meetings, minutes = meetings_in_period(by_day, filters)
    completed, carrying_on = completed_in_period(session, filters)
    return Stats(
        filters=filters,
        newcomers_waiting=newcomers.waiting,
        median_waiting_days=newcomers.median_waiting_days,
        open_panels=by_state[NewcomerState.panel_open],
        pending_contracts=by_state[NewcomerState.choice_pending],
        active_pairs=by_state[NewcomerState.active],
        at_risk_pairs=snapshots.at_risk_count(session, sql, filters),
        calls_missing_pairs=snapshots.calls_missing_count(session, sql, filters),
        volunteers=snapshots.volunteer_numbers(volunteer_states),
        newcomers_by_state={s.value: n for s, n in by_state.items()},
        volunteers_by_state={s.value: n for s, n in volunteer_states.items()},
        completed=completed,
        completed_carrying_on=carrying_on,
        ended_early=sum(ended.values()),
        ended_early_by_reason=ended,
        median_adherence=median_adherence(session, sql, filters),
        meetings=meetings,
        confirmed_minutes=minutes,
        failed_mail=snapshots.failed_mail(session),
        last_round=snapshots.last_round(session),
        weeks=series.weeks(by_day, filters),
        cohorts=series.cohorts(session, sql, filters),
        entry_cohorts=newcomers.entry_cohorts,
    )  # fmt: skip
