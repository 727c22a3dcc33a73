"""The newcomer's side of a panel: seeing the candidates, picking one, or declining them all."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from app.config import CityProfile
from app.contracts import service as contracts
from app.contracts.models import Contract
from app.db import utcnow
from app.errors import Conflict, Invalid
from app.i18n.catalog import N_, isolate
from app.matches.models import Panel, PanelCandidate, PanelStatus
from app.matches.reasons import reason_sentences, usable_languages
from app.notifications import contract_mail as notifications
from app.people.models import Newcomer, VettingStatus, Volunteer
from app.people.vocabulary import SLOTS

_panels = cast(Table, Panel.__table__)


def open_panel(session: Session, newcomer: Newcomer, now: datetime | None = None) -> Panel | None:
    now = now or utcnow()
    return session.scalar(
        select(Panel).where(
            Panel.newcomer_id == newcomer.id,
            Panel.status == PanelStatus.open,
            Panel.expires_at > now,
        )
    )


def rough_km(km: float | None) -> float | None:
    """Half-kilometre steps: enough to judge the trip, too coarse to find a front door."""
    if km is None:
        return None
    return max(0.5, round(km * 2) / 2)


@dataclass(frozen=True)
class CandidateView:
    """What a newcomer may see of a proposed volunteer: never the last name, address or email."""

    volunteer_id: int
    rank: int
    score: float
    first_name: str
    bio: str
    shared_languages: list[str]
    shared_slots: list[str]
    distance_km: float | None
    reasons: list[str]
    available: bool
    met: bool = False  # met at a speed-dating session
    data: dict[str, Any] = field(repr=False, default_factory=dict)


def candidate_views(
    session: Session, panel: Panel, newcomer: Newcomer, locale: str
) -> list[CandidateView]:
    live = [c for c in panel.candidates if c.withdrawn_at is None]
    people = {
        v.id: v
        for v in session.scalars(
            select(Volunteer).where(Volunteer.id.in_([c.volunteer_id for c in live]))
        )
    }
    views = []
    for c in sorted(live, key=lambda c: c.rank):
        v = people.get(c.volunteer_id)
        if v is None:  # the volunteer's account was deleted meanwhile
            continue
        slots = [s for s in c.reasons.get("shared_slots", []) if s in SLOTS]
        views.append(
            CandidateView(
                volunteer_id=v.id,
                rank=c.rank,
                score=round(c.score, 4),
                first_name=v.first_name,
                bio=v.bio,
                shared_languages=usable_languages(c.reasons),
                shared_slots=slots,
                distance_km=rough_km(c.distance_km),
                reasons=reason_sentences(c.reasons, locale, first_name=isolate(v.first_name),
                                         volunteer_gender=v.gender.value,
                                         newcomer_gender=newcomer.gender.value),
                available=v.vetting_status is VettingStatus.approved
                and v.committed_buddies < v.max_buddies,
                met=c.met_event_id is not None,
                data=c.reasons,
            )
        )
    # Ranks 1… for what is shown, so a withdrawn candidate leaves no gap.
    return [
        CandidateView(**{**view.__dict__, "rank": i}) for i, view in enumerate(views, start=1)
    ]


def choose(
    session: Session,
    newcomer: Newcomer,
    volunteer_id: int,
    *,
    city: CityProfile,
    now: datetime | None = None,
) -> Contract:
    """The newcomer picks a buddy: the panel closes (freeing the others' exposure at once) and
    a pending contract is made. If the volunteer has just become full through someone else's
    pick, 409 and — the caller's transaction being rolled back — the panel stays open."""
    now = now or utcnow()
    panel = open_panel(session, newcomer, now)
    if panel is None:
        raise Conflict(N_("You have no open panel to choose from."))
    candidate = next(
        (c for c in panel.candidates if c.volunteer_id == volunteer_id and c.withdrawn_at is None),
        None,
    )
    if candidate is None:
        raise Invalid(N_("This volunteer is not on your panel."), field="volunteer_id")
    if city.choose_only_met and candidate.met_event_id is None:
        raise Invalid(N_("You can choose only a volunteer you met at a speed-dating session."),
                      field="volunteer_id")
    volunteer = session.get(Volunteer, volunteer_id)
    if volunteer is None:
        raise Invalid(N_("This volunteer is not on your panel."), field="volunteer_id")
    result = session.execute(
        update(_panels)
        .where(_panels.c.id == panel.id, _panels.c.status == PanelStatus.open.value)
        .values(status=PanelStatus.chosen.value, closed_at=now)
    )
    if cast(Any, result).rowcount != 1:
        raise Conflict(N_("Your panel has changed meanwhile; please look again."))
    session.refresh(panel)
    contract = contracts.create_pending(
        session, newcomer=newcomer, volunteer=volunteer, panel_id=panel.id, city=city
    )
    notifications.queue_contract_proposed(session, contract)  # "chosen" + "please sign"
    return contract


def decline(
    session: Session, newcomer: Newcomer, reason: str, *, now: datetime | None = None
) -> Panel:
    """The newcomer turns the whole panel down; they wait for the next round."""
    now = now or utcnow()
    reason = reason.strip()
    if not reason:
        raise Invalid(N_("Tell us why, so the next round can do better."), field="reason")
    panel = open_panel(session, newcomer, now)
    if panel is None:
        raise Conflict(N_("You have no open panel to choose from."))
    result = session.execute(
        update(_panels)
        .where(_panels.c.id == panel.id, _panels.c.status == PanelStatus.open.value)
        .values(status=PanelStatus.declined.value, closed_at=now, decline_reason=reason[:2000])
    )
    if cast(Any, result).rowcount != 1:
        raise Conflict(N_("Your panel has changed meanwhile; please look again."))
    session.refresh(panel)
    return panel


def candidate_of(panel: Panel, volunteer_id: int) -> PanelCandidate | None:
    return next((c for c in panel.candidates if c.volunteer_id == volunteer_id), None)
