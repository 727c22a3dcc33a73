"""Snapshot numbers of the dashboard: the programme as it stands NOW, whatever the period —
waiting newcomers, open panels, contracts by status, pairs at risk or lacking staff calls,
volunteers' availability, the last matching round, undelivered mail. One aggregate each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.contracts.models import Contract, ContractStatus
from app.dashboard import measures
from app.dashboard.filters import Filters
from app.matches.models import MatchingRound
from app.notifications.models import EmailStatus, OutboxEmail
from app.programme import states


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


def volunteer_numbers(counts: dict[states.VolunteerState, int]) -> VolunteerNumbers:
    """Approved, unpaused volunteers by programme state (app/programme/states.py)."""
    return VolunteerNumbers(
        available=counts[states.VolunteerState.available],
        exposed=counts[states.VolunteerState.proposed],
        at_capacity=counts[states.VolunteerState.full],
    )


# The statements are built once per (backend and zone, day, neighbourhood) and kept (see
# measures.built): they hold no row, and building them took longer than running them.


@measures.built
def _at_risk(sql: measures.Sql, today: date, neighbourhood: str | None) -> Select[Any]:
    active = Contract.status == ContractStatus.active
    att = measures.per_contract(sql, today, active, *measures.in_area(neighbourhood))
    return select(func.count()).where(measures.at_risk(att))


@measures.built
def _calls_missing(sql: measures.Sql, today: date, neighbourhood: str | None) -> Select[Any]:
    active = Contract.status == ContractStatus.active
    calls = measures.calls(sql, today, active, *measures.in_area(neighbourhood))
    return select(func.count()).where(calls.c.missing > 0)


def at_risk_count(session: Session, sql: measures.Sql, filters: Filters) -> int:
    stmt = _at_risk(sql, filters.today, filters.neighbourhood)
    return int(_scalar(session, stmt) or 0)


def calls_missing_count(session: Session, sql: measures.Sql, filters: Filters) -> int:
    stmt = _calls_missing(sql, filters.today, filters.neighbourhood)
    return int(_scalar(session, stmt) or 0)


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
