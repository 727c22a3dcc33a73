"""Events JSON API: staff create events, invite, read answers, the timetable and attendance;
an invited person answers yes or no."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from app.audit.service import record
from app.deps import ApiStaff, ApiUser, CityDep, SessionDep
from app.errors import Forbidden
from app.events import service, timetable
from app.events.models import Event, Invitation
from app.events.schemas import (
    AttendanceIn,
    AttendanceRead,
    EventCounts,
    EventCreate,
    EventDetail,
    EventRead,
    InvitationRead,
    InvitedRead,
    RsvpIn,
    SeatRead,
    TimetableRead,
)
from app.i18n.catalog import N_
from app.people.service import person_for_user

router = APIRouter(prefix="/api/v1", tags=["events"])


def _read(event: Event) -> EventRead:
    return EventRead.model_validate(
        {**{k: getattr(event, k) for k in EventRead.model_fields if k != "counts"},
         "counts": EventCounts(**service.counts(event))})


@router.post("/events", response_model=EventRead, status_code=status.HTTP_201_CREATED)
def create_event(body: EventCreate, user: ApiStaff, session: SessionDep) -> EventRead:
    event = service.create_event(session, body.model_dump(), created_by_id=user.id)
    record(session, actor_id=user.id, action="event.create", subject_type="event",
           subject_id=event.id, kind=event.kind.value)
    return _read(event)


@router.get("/events", response_model=list[EventRead])
def list_events(user: ApiStaff, session: SessionDep) -> list[EventRead]:
    return [_read(e) for e in service.list_events(session)]


@router.get("/events/{event_id}", response_model=EventDetail)
def get_event(event_id: int, user: ApiStaff, session: SessionDep) -> EventDetail:
    event = service.get_event(session, event_id)
    return EventDetail(**_read(event).model_dump(), invitations=[
        InvitationRead.model_validate(i) for i in event.invitations])


@router.post("/events/{event_id}/invitations", response_model=InvitedRead)
def invite(event_id: int, user: ApiStaff, session: SessionDep) -> InvitedRead:
    """Invite whom the kind implies (idempotent: people already invited are kept as they are)."""
    event = service.get_event(session, event_id)
    made = service.invite(session, event)
    record(session, actor_id=user.id, action="event.invite", subject_type="event",
           subject_id=event.id, new=made)
    return InvitedRead(event_id=event.id, new_invitations=made, invited=len(event.invitations))


def api_invitation(event_id: int, user: ApiUser, session: SessionDep) -> Invitation:
    """The caller's invitation to the path's event, or 403/404 — before the body is read."""
    person = person_for_user(session, user)
    if person is None:
        raise Forbidden(N_("You are not invited to this event."))
    return service.invitation_of(session, service.get_event(session, event_id), person.id)


@router.post("/events/{event_id}/rsvp", response_model=InvitationRead)
def rsvp(
    invitation: Annotated[Invitation, Depends(api_invitation)], body: RsvpIn,
    session: SessionDep, city: CityDep,
) -> InvitationRead:  # fmt: skip
    """Your answer: coming or not (changeable until the day before)."""
    service.answer(session, invitation.event, invitation.person_id, body.attending, city=city)
    return InvitationRead.model_validate(invitation)


@router.get(
    "/events/{event_id}/timetable",
    response_model=TimetableRead,
    responses={409: {"description": "Not a speed-dating session, or nobody has said yes yet"}},
)
def get_timetable(
    event_id: int, user: ApiStaff, session: SessionDep, city: CityDep
) -> TimetableRead:
    rounds = timetable.build(session, service.get_event(session, event_id), city)
    return TimetableRead(rounds=[[SeatRead(table=s.table, newcomer_id=s.newcomer_id,
                                           volunteer_id=s.volunteer_id,
                                           interpreter=s.interpreter) for s in r.seats]
                                 for r in rounds])


@router.post("/events/{event_id}/attendance", response_model=AttendanceRead)
def attendance(
    event_id: int, body: AttendanceIn, user: ApiStaff, session: SessionDep
) -> AttendanceRead:
    """Who came: exactly these people (sending again replaces the list)."""
    event = service.get_event(session, event_id)
    n = service.record_attendance(session, event, body.person_ids)
    record(session, actor_id=user.id, action="event.attendance", subject_type="event",
           subject_id=event.id, attended=n)
    return AttendanceRead(event_id=event.id, attended=n)
