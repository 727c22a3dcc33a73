"""The programme's numbers for staff, each one SQL aggregate (no rows loaded into Python).

Two kinds of number. SNAPSHOTS (snapshots.py) describe now, whatever the period: newcomers
waiting, open panels, pending contracts, active and at-risk pairs, volunteers, pairs lacking
staff calls. PERIOD numbers (here) count what happened between ``from`` and ``to``: completed
and ended-early contracts, completion rate, meetings, hours, median adherence. The
neighbourhood filter is the newcomer's neighbourhood (the volunteer's for volunteer numbers).
Each function's docstring is its exact definition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session

from app.checkins import rules
from app.checkins.models import Checkin, CheckinStatus
from app.config import CityProfile
from app.contracts.models import Contract, ContractStatus
from app.dashboard import measures, series, snapshots
from app.dashboard.entry_cohorts import EntryCohort, entry_cohorts
from app.dashboard.filters import Filters
from app.dashboard.snapshots import RoundReport, VolunteerNumbers
from app.programme.states import NewcomerState, carrying_on_sql, volunteer_counts

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


# --- shared pieces --------------------------------------------------------------------------


def _scalar(session: Session, stmt: Select[Any]) -> Any:
    return session.execute(stmt).scalar()


def median(session: Session, values: Select[Any]) -> tuple[int, float | None]:
    """How many values the one-column query ``values`` gives (NULLs left out), and their
    median — in SQL on both backends: the mean of the middle one or two values by
    ROW_NUMBER(), which is PERCENTILE_CONT(0.5)."""
    inner = values.subquery("values")
    column = inner.c[0]
    ranked = (
        select(
            column.label("v"),
            func.row_number().over(order_by=column).label("rn"),
            func.count().over().label("cnt"),
        )
        .where(column.is_not(None))
        .subquery("ranked")
    )
    middle = ranked.c.rn.in_([(ranked.c.cnt + 1) // 2, (ranked.c.cnt + 2) // 2])
    count, found = session.execute(
        select(func.max(ranked.c.cnt), func.avg(ranked.c.v)).where(middle)
    ).one()
    return int(count or 0), float(found) if found is not None else None


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


def meetings_in_period(session: Session, filters: Filters) -> tuple[int, int]:
    """(meetings that count — not disputed —, confirmed minutes) met on a day in the period."""
    stmt = select(
        func.coalesce(func.sum(case((Checkin.status != CheckinStatus.disputed, 1), else_=0)), 0),
        func.coalesce(
            func.sum(case((Checkin.status == CheckinStatus.confirmed, Checkin.minutes), else_=0)),
            0,
        ),
    ).where(Checkin.met_on.between(filters.start, filters.end))
    if filters.neighbourhood:
        stmt = stmt.where(
            Checkin.contract_id.in_(
                select(Contract.id).where(*measures.in_area(filters.neighbourhood))
            )
        )
    meetings, minutes = session.execute(stmt).one()
    return int(meetings), int(minutes)


def median_adherence(session: Session, sql: measures.Sql, filters: Filters) -> float | None:
    """Median adherence, judged on ``as_of`` (the period's end, or today), of the contracts
    running at some time in the period: started on or before its end, and not over before its
    start. Contracts with nothing expected yet have no adherence and are left out."""
    last = measures.last_day(sql)
    att = measures.per_contract(
        sql,
        filters.as_of,
        Contract.status.in_(STARTED),
        Contract.start_date <= filters.end,
        or_(last.is_(None), last >= measures.day_number(filters.start)),
        *measures.in_area(filters.neighbourhood),
    )
    return median(session, select(measures.adherence(att)))[1]


def programme_stats(session: Session, city: CityProfile, filters: Filters, now: datetime) -> Stats:
    sql = measures.sql_for(session, city.timezone)
    waiting, median_wait = median(session, snapshots.waiting_query(sql, filters, now))
    by_state = snapshots.newcomer_numbers(session, filters, now)
    volunteer_states = volunteer_counts(session, now, filters.neighbourhood)
    ended = ended_early_in_period(session, sql, filters)
    meetings, minutes = meetings_in_period(session, filters)
    completed, carrying_on = completed_in_period(session, filters)
    return Stats(
        filters=filters,
        newcomers_waiting=waiting,
        median_waiting_days=median_wait,
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
        weeks=series.meetings_per_week(session, sql, filters),
        cohorts=series.cohorts(session, sql, filters),
        entry_cohorts=entry_cohorts(session, sql, filters),
    )  # fmt: skip
