"""The programme's numbers for staff, each one SQL aggregate (no rows loaded into Python).

Two kinds of number. SNAPSHOTS describe now, whatever the period: newcomers waiting, open
panels, pending contracts, active and at-risk pairs, volunteers, pairs lacking staff calls.
PERIOD numbers count what happened between ``from`` and ``to``: completed and ended-early
contracts, completion rate, meetings, hours, median adherence. The neighbourhood filter is the
newcomer's neighbourhood (the volunteer's for volunteer numbers). Exact definitions: the
docstrings below and docs in README (bench/RESULTS-dashboard.md lists them too).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from app.checkins import rules
from app.checkins.models import Checkin, CheckinStatus
from app.config import CityProfile
from app.contracts.models import Contract, ContractStatus
from app.dashboard import measures, series
from app.dashboard.filters import Filters
from app.matches.models import MatchingRound, Panel, PanelCandidate, PanelStatus
from app.notifications.models import EmailStatus, OutboxEmail
from app.people.models import IntakeStatus, Newcomer, Person, VettingStatus, Volunteer

STARTED = (ContractStatus.active, ContractStatus.completed, ContractStatus.ended_early)


@dataclass(frozen=True)
class VolunteerNumbers:
    available: int  # approved, a free place, in no open panel
    exposed: int  # approved, a free place, shown in at least one open panel
    at_capacity: int  # approved, no free place (committed_buddies >= max_buddies)


@dataclass(frozen=True)
class RoundReport:
    id: int
    started_at: datetime
    newcomers_waiting: int
    volunteers_available: int
    panels_made: int
    empty_panels: int
    shortage: dict[str, Any]


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
    weeks: list[series.Week] = field(default_factory=list)
    cohorts: list[series.Cohort] = field(default_factory=list)

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


# --- snapshots ------------------------------------------------------------------------------


def waiting_query(sql: measures.Sql, filters: Filters, now: datetime) -> Select[Any]:
    """Days waited (today minus the local day they started waiting) by each approved newcomer
    with no pending, active or completed contract and no open panel (matching's definition)."""
    has_contract = exists().where(
        Contract.newcomer_id == Newcomer.id,
        Contract.status.in_((ContractStatus.pending, ContractStatus.active,
                             ContractStatus.completed)),
    )  # fmt: skip
    has_panel = exists().where(
        Panel.newcomer_id == Newcomer.id, Panel.status == PanelStatus.open, Panel.expires_at > now
    )
    waited = measures.day_number(filters.today) - sql.local_day(Newcomer.waiting_since)
    stmt = (
        select(waited.label("days"))
        .select_from(Newcomer)
        .where(Newcomer.intake_status == IntakeStatus.approved, ~has_contract, ~has_panel)
    )
    if filters.neighbourhood:
        stmt = stmt.where(Newcomer.neighbourhood == filters.neighbourhood)
    return stmt


def volunteer_numbers(session: Session, filters: Filters, now: datetime) -> VolunteerNumbers:
    # Volunteers shown in an open panel (not withdrawn), each once: one pass over the panels.
    shown_ids = (
        select(PanelCandidate.volunteer_id)
        .join(Panel, Panel.id == PanelCandidate.panel_id)
        .where(PanelCandidate.withdrawn_at.is_(None), Panel.status == PanelStatus.open,
               Panel.expires_at > now)
    )  # fmt: skip
    shown = Volunteer.id.in_(shown_ids)
    full = Volunteer.committed_buddies >= Volunteer.max_buddies
    stmt = (
        select(
            func.coalesce(func.sum(case((and_(~full, ~shown), 1), else_=0)), 0),
            func.coalesce(func.sum(case((and_(~full, shown), 1), else_=0)), 0),
            func.coalesce(func.sum(case((full, 1), else_=0)), 0),
        )
        .select_from(Volunteer)
        .where(Volunteer.vetting_status == VettingStatus.approved)
    )
    if filters.neighbourhood:
        stmt = stmt.where(Volunteer.neighbourhood == filters.neighbourhood)
    available, exposed, at_capacity = session.execute(stmt).one()
    return VolunteerNumbers(int(available), int(exposed), int(at_capacity))


def open_panels(session: Session, filters: Filters, now: datetime) -> int:
    stmt = select(func.count()).where(Panel.status == PanelStatus.open, Panel.expires_at > now)
    if filters.neighbourhood:
        stmt = stmt.where(
            Panel.newcomer_id.in_(
                select(Person.id).where(Person.neighbourhood == filters.neighbourhood)
            )
        )
    return int(_scalar(session, stmt) or 0)


def contracts_by_status(session: Session, filters: Filters) -> dict[str, int]:
    stmt = (
        select(Contract.status, func.count())
        .where(Contract.status.in_((ContractStatus.pending, ContractStatus.active)),
               *measures.in_area(filters.neighbourhood))
        .group_by(Contract.status)
    )  # fmt: skip
    return {status.value: int(n) for status, n in session.execute(stmt)}


def at_risk_count(session: Session, sql: measures.Sql, filters: Filters) -> int:
    att = measures.per_contract(
        sql,
        filters.today,
        Contract.status == ContractStatus.active,
        *measures.in_area(filters.neighbourhood),
    )
    return int(_scalar(session, select(func.count()).where(measures.at_risk(att))) or 0)


def calls_missing_count(session: Session, sql: measures.Sql, filters: Filters) -> int:
    calls = measures.calls(
        sql,
        filters.today,
        Contract.status == ContractStatus.active,
        *measures.in_area(filters.neighbourhood),
    )
    return int(_scalar(session, select(func.count()).where(calls.c.missing > 0)) or 0)


def last_round(session: Session) -> RoundReport | None:
    found = session.scalars(
        select(MatchingRound).order_by(MatchingRound.started_at.desc(), MatchingRound.id.desc())
    ).first()
    if found is None:
        return None
    return RoundReport(
        found.id, found.started_at, found.newcomers_waiting, found.volunteers_available,
        found.panels_made, found.empty_panels, dict(found.shortage or {}),
    )  # fmt: skip


# --- the period -----------------------------------------------------------------------------


def completed_in_period(session: Session, filters: Filters) -> int:
    """Completed contracts whose end date lies in the period."""
    stmt = select(func.count()).where(
        Contract.status == ContractStatus.completed,
        Contract.end_date.between(filters.start, filters.end),
        *measures.in_area(filters.neighbourhood),
    )
    return int(_scalar(session, stmt) or 0)


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


def failed_mail(session: Session) -> int:
    stmt = select(func.count()).where(OutboxEmail.status == EmailStatus.failed)
    return int(_scalar(session, stmt) or 0)


def programme_stats(session: Session, city: CityProfile, filters: Filters, now: datetime) -> Stats:
    sql = measures.sql_for(session, city.timezone)
    waiting, median_wait = median(session, waiting_query(sql, filters, now))
    by_status = contracts_by_status(session, filters)
    ended = ended_early_in_period(session, sql, filters)
    meetings, minutes = meetings_in_period(session, filters)
    return Stats(
        filters=filters,
        newcomers_waiting=waiting,
        median_waiting_days=median_wait,
        open_panels=open_panels(session, filters, now),
        pending_contracts=by_status.get(ContractStatus.pending.value, 0),
        active_pairs=by_status.get(ContractStatus.active.value, 0),
        at_risk_pairs=at_risk_count(session, sql, filters),
        calls_missing_pairs=calls_missing_count(session, sql, filters),
        volunteers=volunteer_numbers(session, filters, now),
        completed=completed_in_period(session, filters),
        ended_early=sum(ended.values()),
        ended_early_by_reason=ended,
        median_adherence=median_adherence(session, sql, filters),
        meetings=meetings,
        confirmed_minutes=minutes,
        failed_mail=failed_mail(session),
        last_round=last_round(session),
        weeks=series.meetings_per_week(session, sql, filters),
        cohorts=series.cohorts(session, sql, filters),
    )  # fmt: skip
