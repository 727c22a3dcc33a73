"""Events: creating them, inviting whom the kind implies, answers with a waiting list, and
attendance (which, for a speed-dating session, marks the candidates each newcomer met).

Services take the session first, raise domain errors and never commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import CityProfile
from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.events import rules
from app.events.calendar import event_calendar
from app.events.invitees import invitees
from app.events.models import Event, EventKind, Invitation
from app.i18n.catalog import N_
from app.matches.models import Panel, PanelCandidate
from app.matches.reasons import moment_phrase
from app.notifications import service as notifications
from app.people.models import Person


def create_event(session: Session, data: dict[str, Any], *, created_by_id: int | None) -> Event:
    if data["ends_at"] <= data["starts_at"]:
        raise Invalid(N_("The end must be after the start."), field="ends_at")
    event = Event(**data, created_by_id=created_by_id)
    session.add(event)
    session.flush()
    return event


def get_event(session: Session, event_id: int) -> Event:
    event = session.get(Event, event_id)
    if event is None:
        raise NotFound(N_("No such event."))
    return event


def list_events(session: Session, *, upcoming_from: datetime | None = None) -> list[Event]:
    query = select(Event).order_by(Event.starts_at, Event.id)
    if upcoming_from is not None:
        query = query.where(Event.ends_at >= upcoming_from)
    return list(session.scalars(query))


def counts(event: Event) -> dict[str, int]:
    """The numbers shown for an event (page and API read this one definition)."""
    inv = event.invitations
    return {
        "invited": len(inv),
        "attending": sum(1 for i in inv if i.attending and not i.waitlisted),
        "waitlisted": sum(1 for i in inv if i.attending and i.waitlisted),
        "declined": sum(1 for i in inv if i.attending is False),
        "no_answer": sum(1 for i in inv if i.attending is None),
        "attended": sum(1 for i in inv if i.attended),
    }


def invite(session: Session, event: Event, *, now: datetime | None = None) -> int:
    """Invite whom the event's kind implies; people already invited are left as they are.
    Returns how many new invitations were made (each gets an email with the calendar file)."""
    now = now or utcnow()
    if event.ends_at <= now:
        raise Conflict(N_("This event is over."))
    known = {i.person_id for i in event.invitations}
    made = 0
    for who in invitees(session, event, now):
        if who.person_id in known:
            continue
        invitation = Invitation(event=event, person_id=who.person_id, panel_id=who.panel_id,
                                invited_at=now)
        session.add(invitation)
        known.add(who.person_id)
        made += 1
        if who.panel_id is not None:
            panel = session.get(Panel, who.panel_id)
            if panel is not None:  # the panel stays open until the newcomer has met them
                panel.expires_at = rules.panel_kept_until(panel.expires_at, event.ends_at)
    session.flush()
    for invitation in event.invitations:
        _queue_mail(session, event, invitation, "event_invitation")
    return made


def _queue_mail(session: Session, event: Event, invitation: Invitation, kind: str) -> bool:
    person = session.get(Person, invitation.person_id)
    if person is None:
        return False
    settings = notifications.settings_for(session)
    locale = notifications.recipient_locale(person.user, settings)
    host = urlsplit(settings.base_url).hostname or "welcome-buddy"
    calendar = event_calendar(event, timezone=settings.city.timezone, host=host, locale=locale)
    return notifications.queue(
        session, user=person.user, kind=kind,
        dedupe_key=f"{kind}:{event.id}:{person.id}",
        context={"name": person.first_name, "title": event.title, "place": event.place,
                 "when": moment_phrase(event.starts_at, settings.city.timezone, locale),
                 "url": notifications.link(settings, "/me#events")},
        attachments=(notifications.Attachment(f"event-{event.id}.ics",
                                              "text/calendar; method=PUBLISH", calendar),),
    )  # fmt: skip


def invitation_of(session: Session, event: Event, person_id: int) -> Invitation:
    found = next((i for i in event.invitations if i.person_id == person_id), None)
    if found is None:
        raise Forbidden(N_("You are not invited to this event."))
    return found


def answer(
    session: Session, event: Event, person_id: int, attending: bool, *, city: CityProfile,
    now: datetime | None = None,
) -> Invitation:
    """Yes or no, changeable until the day before. A yes when every seat is taken goes on the
    waiting list; a seat given back goes to the first on the list."""
    now = now or utcnow()
    invitation = invitation_of(session, event, person_id)
    if not rules.answer_open(event.starts_at, now, city.timezone):
        raise Conflict(N_("Answers can be changed until the day before the event."))
    if invitation.attending is attending:
        return invitation
    had_seat = bool(invitation.attending) and not invitation.waitlisted
    invitation.attending = attending
    invitation.answered_at = now
    invitation.waitlisted = False
    if attending:
        taken = counts(event)["attending"] - 1  # this row already counts itself as seated
        invitation.waitlisted = not rules.has_seat(event.capacity, taken)
    elif had_seat:
        waiting = sorted((i for i in event.invitations if i.attending and i.waitlisted),
                         key=lambda i: (i.answered_at or now, i.id))
        if waiting:
            waiting[0].waitlisted = False
            _queue_mail(session, event, waiting[0], "event_seat")
    session.flush()
    return invitation


def record_attendance(session: Session, event: Event, person_ids: Iterable[int]) -> int:
    """Who came: exactly these people (ticking again replaces the list). For a speed-dating
    session, every candidate both sides came to meet is marked as met on the panel."""
    present = set(person_ids)
    invited = {i.person_id for i in event.invitations}
    strangers = sorted(present - invited)
    if strangers:
        raise Invalid(N_("Not invited to this event: %(ids)s."), field="person_ids",
                      ids=", ".join(map(str, strangers)))
    for invitation in event.invitations:
        invitation.attended = invitation.person_id in present
    if event.kind is EventKind.speed_dating:
        _mark_met(session, event, present)
    session.flush()
    return len(present)


def _mark_met(session: Session, event: Event, present: set[int]) -> None:
    panels = [i.panel_id for i in event.invitations if i.panel_id is not None]
    candidates = session.scalars(
        select(PanelCandidate).join(Panel).where(PanelCandidate.panel_id.in_(panels))
    ).all()
    for c in candidates:
        met = c.panel.newcomer_id in present and c.volunteer_id in present
        if met:
            c.met_event_id = event.id
        elif c.met_event_id == event.id:
            c.met_event_id = None


def my_invitations(session: Session, person_id: int, now: datetime) -> list[Invitation]:
    """A person's invitations to events that are not over, soonest first."""
    return list(session.scalars(
        select(Invitation).join(Event).where(Invitation.person_id == person_id,
                                             Event.ends_at >= now)
        .order_by(Event.starts_at, Event.id)))


def queue_reminders(session: Session, *, city: CityProfile, now: datetime | None = None) -> int:
    """The day before an event, a reminder to everyone with a seat (once each)."""
    now = now or utcnow()
    soon = list(session.scalars(select(Event).where(Event.starts_at > now)))
    queued = 0
    for event in soon:
        if not rules.is_reminder_day(event.starts_at, now, city.timezone):
            continue
        for invitation in event.invitations:
            if invitation.attending and not invitation.waitlisted:
                queued += _queue_mail(session, event, invitation, "event_reminder")
    return queued


def export_records(session: Session, person_id: int) -> list[dict[str, Any]]:
    """The person's invitations as plain dicts, for their data export."""
    rows = session.scalars(select(Invitation).join(Event).where(Invitation.person_id == person_id)
                           .order_by(Event.starts_at, Event.id))
    return [{"event": i.event.title, "kind": i.event.kind.value,
             "starts_at": i.event.starts_at.isoformat(), "place": i.event.place,
             "invited_at": i.invited_at.isoformat(), "attending": i.attending,
             "waitlisted": i.waitlisted, "attended": i.attended} for i in rows]
