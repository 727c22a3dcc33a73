"""Events service: whom each kind invites, seats and the waiting list, the answer deadline,
reminders, the choose-only-met rule, and the closing event's certificates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.contracts.models import ContractStatus
from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid
from app.events import service
from app.events.calendar import event_calendar
from app.events.invitees import completed_since_last_closing
from app.events.models import EventKind
from app.matches import panels
from app.notifications.models import OutboxEmail
from app.people.models import VettingStatus
from tests.events_helpers import make_event, make_panel
from tests.factories import make_active_contract, make_contract, make_newcomer, make_volunteer

CITY = Settings().city


def _invited(event: object) -> set[int]:
    return {i.person_id for i in event.invitations}  # type: ignore[attr-defined]


def test_each_kind_invites_its_own_people(db: Session) -> None:
    pending = make_volunteer(db, vetting=VettingStatus.pending)
    approved = make_volunteer(db)
    paused = make_volunteer(db, vetting=VettingStatus.paused)
    rejected = make_volunteer(db, vetting=VettingStatus.rejected)
    active = make_active_contract(db)
    waiting = make_newcomer(db)
    on_panel = make_volunteer(db)
    make_panel(db, waiting, [on_panel])
    done = make_contract(db, signed=True, start=date(2025, 1, 1))
    done.status = ContractStatus.completed
    db.flush()

    expected = {
        EventKind.info_session: {pending.id},
        EventKind.training: {approved.id, paused.id, active.volunteer_id, on_panel.id,
                             done.volunteer_id},
        EventKind.group_activity: {active.newcomer_id, active.volunteer_id},
        EventKind.kickoff: {active.newcomer_id, active.volunteer_id},
        EventKind.closing: {done.newcomer_id, done.volunteer_id},
        EventKind.speed_dating: {waiting.id, on_panel.id},
    }
    for kind, people in expected.items():
        event = make_event(db, kind)
        service.invite(db, event)
        assert _invited(event) == people, kind
        assert rejected.id not in _invited(event)
    closing = make_event(db, EventKind.closing, starts_at=utcnow() + timedelta(days=20))
    # The earlier closing event already handed over ``done``'s certificate.
    assert completed_since_last_closing(db, closing) == []


def test_capacity_waiting_list_and_deadline(db: Session) -> None:
    vols = [make_volunteer(db) for _ in range(3)]
    event = make_event(db, EventKind.training, capacity=2)
    service.invite(db, event)
    a, b, c = vols
    assert not service.answer(db, event, a.id, True, city=CITY).waitlisted
    assert not service.answer(db, event, b.id, True, city=CITY).waitlisted
    assert service.answer(db, event, c.id, True, city=CITY).waitlisted
    assert service.counts(event)["attending"] == 2
    # A seat given back goes to the first on the waiting list.
    service.answer(db, event, a.id, False, city=CITY)
    inv_c = service.invitation_of(db, event, c.id)
    seat = db.scalar(select(OutboxEmail).where(OutboxEmail.kind == "event_seat"))
    assert seat is not None
    assert seat.to_email == c.user.email
    assert inv_c.attending
    assert not inv_c.waitlisted
    assert service.counts(event) == {"invited": 3, "attending": 2, "waitlisted": 0,
                                    "declined": 1, "no_answer": 0, "attended": 0}
    # Saying yes again while full puts a back on the list.
    assert service.answer(db, event, a.id, True, city=CITY).waitlisted
    with pytest.raises(Forbidden):
        service.answer(db, event, make_volunteer(db).id, True, city=CITY)
    # The day of the event (city time) answers are closed.
    with pytest.raises(Conflict):
        service.answer(db, event, b.id, False, city=CITY, now=event.starts_at - timedelta(
            minutes=30))


def test_reminder_the_day_before_once(db: Session) -> None:
    vol, no = make_volunteer(db), make_volunteer(db)
    event = make_event(db, EventKind.training)
    service.invite(db, event)
    service.answer(db, event, vol.id, True, city=CITY)
    service.answer(db, event, no.id, False, city=CITY)
    assert service.queue_reminders(db, city=CITY, now=event.starts_at - timedelta(days=5)) == 0
    day_before = event.starts_at - timedelta(days=1)
    assert service.queue_reminders(db, city=CITY, now=day_before) == 1
    assert service.queue_reminders(db, city=CITY, now=day_before) == 0  # once
    exported = service.export_records(db, vol.id)
    assert [(e["kind"], e["attending"], e["attended"]) for e in exported] == [
        ("training", True, False)]
    mail = db.scalar(select(OutboxEmail).where(OutboxEmail.kind == "event_reminder"))
    assert mail is not None
    assert mail.to_email == vol.user.email


def test_choose_only_met_volunteers(db: Session) -> None:
    newcomer = make_newcomer(db)
    met, unmet = make_volunteer(db), make_volunteer(db)
    make_panel(db, newcomer, [met, unmet])
    event = make_event(db)
    service.invite(db, event)
    service.record_attendance(db, event, [newcomer.id, met.id])
    strict = CITY.model_copy(update={"choose_only_met": True})
    with pytest.raises(Invalid, match="met"):
        panels.choose(db, newcomer, unmet.id, city=strict)
    contract = panels.choose(db, newcomer, met.id, city=strict)
    assert contract.volunteer_id == met.id


def test_unticking_a_person_unmarks_the_meeting(db: Session) -> None:
    newcomer, vol = make_newcomer(db), make_volunteer(db)
    panel = make_panel(db, newcomer, [vol])
    event = make_event(db)
    service.invite(db, event)
    service.record_attendance(db, event, [newcomer.id, vol.id])
    assert panel.candidates[0].met_event_id == event.id
    service.record_attendance(db, event, [newcomer.id])
    assert panel.candidates[0].met_event_id is None
    with pytest.raises(Invalid):
        service.record_attendance(db, event, [999999])


def test_over_event_cannot_invite_and_calendar_file(db: Session) -> None:
    event = make_event(db, EventKind.training, starts_at=utcnow() - timedelta(days=2))
    with pytest.raises(Conflict):
        service.invite(db, event)
    cal = Calendar.from_ical(event_calendar(event, timezone=CITY.timezone, host="x", locale="nl"))
    item = next(c for c in cal.walk("VEVENT"))
    assert str(item["uid"]) == f"event-{event.id}@x"
    assert str(item["location"]) == "City hall"
