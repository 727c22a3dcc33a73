"""Whom each kind of event invites. One function per kind, one place to read the policy."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.contracts.models import Contract, ContractStatus
from app.events.models import Event, EventKind
from app.matches.models import Panel, PanelStatus
from app.people.models import Person, VettingStatus, Volunteer


@dataclass(frozen=True)
class Invitee:
    person_id: int
    panel_id: int | None = None  # speed dating: the newcomer's panel


def _speed_dating(session: Session, event: Event, now: datetime) -> list[Invitee]:
    """Newcomers with an open panel, and the volunteers still on those panels."""
    panels = session.scalars(
        select(Panel).where(Panel.status == PanelStatus.open, Panel.expires_at > now)
        .order_by(Panel.id)
    ).all()
    out = [Invitee(p.newcomer_id, p.id) for p in panels]
    volunteers = sorted({c.volunteer_id for p in panels for c in p.candidates
                         if c.withdrawn_at is None})
    return out + [Invitee(v) for v in volunteers]


def _volunteers(status: tuple[VettingStatus, ...]) -> Callable[[Session, Event, datetime],
                                                              list[Invitee]]:
    def invitees(session: Session, event: Event, now: datetime) -> list[Invitee]:
        ids = session.scalars(
            select(Volunteer.id).where(Volunteer.vetting_status.in_(status)).order_by(Volunteer.id)
        )
        return [Invitee(i) for i in ids]

    return invitees


def _previous(session: Session, event: Event) -> Event | None:
    """The latest earlier event of the same kind (kick-off, closing)."""
    return session.scalar(
        select(Event).where(Event.kind == event.kind, Event.starts_at < event.starts_at,
                            Event.id != event.id).order_by(Event.starts_at.desc()).limit(1)
    )


def _pairs(contracts: list[Contract]) -> list[Invitee]:
    ids = sorted({i for c in contracts for i in (c.newcomer_id, c.volunteer_id)})
    return [Invitee(i) for i in ids]


def _active_pairs(session: Session, event: Event, now: datetime) -> list[Invitee]:
    return _pairs(list(session.scalars(
        select(Contract).where(Contract.status == ContractStatus.active))))


def _new_pairs(session: Session, event: Event, now: datetime) -> list[Invitee]:
    """Pairs whose contract was made since the previous kick-off (pending or active)."""
    query = select(Contract).where(
        Contract.status.in_((ContractStatus.pending, ContractStatus.active)))
    before = _previous(session, event)
    if before is not None:
        query = query.where(Contract.created_at >= before.starts_at)
    return _pairs(list(session.scalars(query)))


def completed_since_last_closing(session: Session, event: Event) -> list[Contract]:
    """Contracts completed since the previous closing event: their certificates are handed
    over at this one."""
    query = select(Contract).where(Contract.status == ContractStatus.completed,
                                   Contract.end_date <= event.starts_at.date())
    before = _previous(session, event)
    if before is not None:
        query = query.where(Contract.end_date > before.starts_at.date())
    return list(session.scalars(query.order_by(Contract.end_date, Contract.id)))


def _completed_pairs(session: Session, event: Event, now: datetime) -> list[Invitee]:
    return _pairs(completed_since_last_closing(session, event))


POLICY: dict[EventKind, Callable[[Session, Event, datetime], list[Invitee]]] = {
    EventKind.speed_dating: _speed_dating,
    EventKind.info_session: _volunteers((VettingStatus.pending,)),
    EventKind.training: _volunteers((VettingStatus.approved, VettingStatus.paused)),
    EventKind.group_activity: _active_pairs,
    EventKind.kickoff: _new_pairs,
    EventKind.closing: _completed_pairs,
}


def invitees(session: Session, event: Event, now: datetime) -> list[Invitee]:
    """Whom ``event`` invites now, without accounts that were deactivated."""
    found = POLICY[event.kind](session, event, now)
    active = set(session.scalars(
        select(Person.id).where(Person.id.in_([i.person_id for i in found]))
        .where(Person.user.has(is_active=True))))
    return [i for i in found if i.person_id in active]
