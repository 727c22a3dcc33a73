"""Snapshot numbers of the dashboard: the programme as it stands NOW, whatever the period —
waiting newcomers, open panels, contracts by status, pairs at risk or lacking staff calls,
volunteers' availability, the last matching round, undelivered mail. One aggregate each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, case, exists, func, select
from sqlalchemy.orm import Session

from app.contracts.models import Contract, ContractStatus
from app.dashboard import measures
from app.dashboard.filters import Filters
from app.matches.models import MatchingRound, Panel, PanelCandidate, PanelStatus
from app.notifications.models import EmailStatus, OutboxEmail
from app.people.models import IntakeStatus, Newcomer, Person, VettingStatus, Volunteer


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


def _scalar(session: Session, stmt: Select[Any]) -> Any:
    return session.execute(stmt).scalar()


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


def failed_mail(session: Session) -> int:
    stmt = select(func.count()).where(OutboxEmail.status == EmailStatus.failed)
    return int(_scalar(session, stmt) or 0)
