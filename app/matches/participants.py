"""Who takes part in a matching round: the newcomers waiting for a panel, the volunteers who
can be proposed, how often each is already proposed, and the pairs not to propose again.

Re-exported by ``app.matches.service``, which is the module the rest of the app imports.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from app.config import CityProfile
from app.contracts.models import Contract
from app.matches.models import Panel, PanelCandidate, PanelStatus
from app.people.models import Newcomer, VettingStatus, Volunteer
from app.programme.states import NewcomerState, newcomers_in

# A newcomer who turned a panel down is not shown the same volunteers again for a while.
DECLINED_PANEL_MEMORY = timedelta(days=90)


def open_panel_filter(now: datetime) -> Any:
    return and_(Panel.status == PanelStatus.open, Panel.expires_at > now)


def waiting_newcomers(session: Session, now: datetime) -> list[Newcomer]:
    """Newcomers in the programme state ``waiting_for_round`` (app/programme/states.py):
    approved, no pending, active or completed contract, no open panel."""
    stmt = (
        select(Newcomer)
        .where(newcomers_in(NewcomerState.waiting_for_round, now))
        .order_by(Newcomer.civic_integration.desc(), Newcomer.waiting_since, Newcomer.id)
    )
    return list(session.scalars(stmt))


def exposure(session: Session, now: datetime) -> dict[int, int]:
    """Open panels each volunteer currently appears in (and can still be picked from)."""
    stmt = (
        select(PanelCandidate.volunteer_id, func.count())
        .join(Panel, Panel.id == PanelCandidate.panel_id)
        .where(open_panel_filter(now), PanelCandidate.withdrawn_at.is_(None))
        .group_by(PanelCandidate.volunteer_id)
    )
    return {vid: int(n) for vid, n in session.execute(stmt).all()}


def available_volunteers(
    session: Session, city: CityProfile, now: datetime
) -> list[tuple[Volunteer, int]]:
    """Approved, not paused volunteers with a free place and exposure below the city's limit,
    each with their current exposure."""
    shown = exposure(session, now)
    stmt = (
        select(Volunteer)
        .where(
            Volunteer.vetting_status == VettingStatus.approved,
            Volunteer.committed_buddies < Volunteer.max_buddies,
        )
        .order_by(Volunteer.id)
    )
    return [
        (v, shown.get(v.id, 0))
        for v in session.scalars(stmt)
        if shown.get(v.id, 0) < city.max_open_panels
    ]


def excluded_pairs(session: Session, now: datetime) -> set[tuple[int, int]]:
    """Pairs never to propose again: any earlier contract of the two (declined, ended early,
    completed …), and the volunteers of a panel the newcomer declined recently."""
    earlier = select(Contract.newcomer_id, Contract.volunteer_id)
    pairs: set[tuple[int, int]] = {(n, v) for n, v in session.execute(earlier)}
    declined = (
        select(Panel.newcomer_id, PanelCandidate.volunteer_id)
        .join(PanelCandidate, PanelCandidate.panel_id == Panel.id)
        .where(
            Panel.status == PanelStatus.declined,
            or_(Panel.closed_at.is_(None), Panel.closed_at > now - DECLINED_PANEL_MEMORY),
        )
    )
    pairs.update((n, v) for n, v in session.execute(declined))
    return pairs
