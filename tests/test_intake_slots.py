"""Intake slots: publishing, booking (one place each, never more than the slot holds, also
under concurrency on PostgreSQL), changing until the day before, emails, export."""

from __future__ import annotations

import base64
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import make_engine, make_sessionmaker, utcnow
from app.errors import Conflict, Invalid, NotFound
from app.intake import service, slots
from app.intake.models import IntakeBooking, IntakeSlot
from app.notifications.models import OutboxEmail
from app.people.models import IntakeStatus, Newcomer
from tests.factories import make_newcomer, make_staff

CITY = Settings().city
# 10:00 in Brussels on a Monday; "now" in the tests is relative to it.
TALK = datetime(2027, 3, 8, 9, 0, tzinfo=UTC)


def _slot(db: Session, *, starts_at: datetime = TALK, capacity: int = 1) -> IntakeSlot:
    made = slots.create_slots(db, starts_at=starts_at, minutes=30, place="Desk 2, city hall",
                              capacity=capacity, created_by_id=None,
                              now=starts_at - timedelta(days=30))
    return made[0]


def _pending(db: Session, **fields: object) -> Newcomer:
    return make_newcomer(db, intake=IntakeStatus.pending, **fields)


def _mails(db: Session, kind: str) -> list[OutboxEmail]:
    return list(db.scalars(select(OutboxEmail).where(OutboxEmail.kind == kind)
                           .order_by(OutboxEmail.id)))


def test_publish_a_series_one_slot_per_talk(db: Session) -> None:
    made = slots.create_slots(db, starts_at=TALK, minutes=45, place="Desk", count=3,
                              created_by_id=None, now=TALK - timedelta(days=1))
    assert [s.starts_at for s in made] == [TALK, TALK + timedelta(minutes=45),
                                           TALK + timedelta(minutes=90)]
    assert all(s.capacity == 1 and s.booked == 0 for s in made)
    assert made[0].ends_at == TALK + timedelta(minutes=45)
    with pytest.raises(Invalid):
        slots.create_slots(db, starts_at=TALK, minutes=30, place="Desk", created_by_id=None,
                           now=TALK + timedelta(minutes=1))  # in the past


def test_book_confirm_move_cancel(db: Session) -> None:
    staff = make_staff(db)
    amina = _pending(db, first_name="Amina")
    first, second = _slot(db), _slot(db, starts_at=TALK + timedelta(hours=1))
    now = TALK - timedelta(days=3)
    booking = slots.book(db, amina, first.id, actor_id=amina.user_id, staff=False, city=CITY,
                         now=now)
    assert booking.slot_id == first.id
    assert first.booked == 1
    mails = _mails(db, "intake_booked")
    assert len(mails) == 1
    assert mails[0].to_email == amina.user.email
    assert "Desk 2, city hall" in mails[0].body_text
    ics = base64.b64decode(mails[0].attachments[0]["data"]).decode()
    assert "BEGIN:VEVENT" in ics
    assert f"UID:intake-{amina.id}@" in ics
    assert "Desk 2\\, city hall" in ics
    # Booking the same time again changes nothing and sends nothing.
    assert slots.book(db, amina, first.id, actor_id=amina.user_id, staff=False, city=CITY,
                      now=now).id == booking.id
    assert len(_mails(db, "intake_booked")) == 1

    # Moving: the old place is given back, the new one taken, a new confirmation.
    moved = slots.book(db, amina, second.id, actor_id=amina.user_id, staff=False, city=CITY,
                       now=now + timedelta(minutes=1))
    assert moved.id == booking.id
    db.refresh(first)
    db.refresh(second)
    assert (first.booked, second.booked) == (0, 1)
    assert len(_mails(db, "intake_booked")) == 2
    assert db.scalar(select(func.count()).select_from(IntakeBooking)) == 1

    slots.cancel(db, amina, actor_id=staff.id, staff=True, city=CITY, now=now)
    db.refresh(second)
    assert second.booked == 0
    assert slots.booking_of(db, amina.id) is None
    with pytest.raises(NotFound):
        slots.cancel(db, amina, actor_id=staff.id, staff=True, city=CITY, now=now)


def test_a_full_slot_refuses_the_next_newcomer(db: Session) -> None:
    slot = _slot(db, capacity=2)
    people = [_pending(db) for _ in range(3)]
    now = TALK - timedelta(days=2)
    for person in people[:2]:
        slots.book(db, person, slot.id, actor_id=person.user_id, staff=False, city=CITY, now=now)
    with pytest.raises(Conflict, match="full"):
        slots.book(db, people[2], slot.id, actor_id=people[2].user_id, staff=True, city=CITY,
                   now=now)
    db.refresh(slot)
    assert slot.booked == 2
    assert slots.free_slots(db, city=CITY, now=now) == []


def test_changes_close_the_day_before_but_staff_can_still_book(db: Session) -> None:
    staff = make_staff(db)
    amina, bilal = _pending(db), _pending(db)
    slot, later = _slot(db), _slot(db, starts_at=TALK + timedelta(days=7))
    # The evening before (22:30 in Brussels): still open; one hour later it is the day itself.
    eve = datetime(2027, 3, 7, 21, 30, tzinfo=UTC)
    same_day = eve + timedelta(hours=2)
    assert [s.id for s in slots.free_slots(db, city=CITY, now=eve)] == [slot.id, later.id]
    assert [s.id for s in slots.free_slots(db, city=CITY, now=same_day)] == [later.id]
    assert {s.id for s in slots.free_slots(db, city=CITY, staff=True, now=same_day)} == {
        slot.id, later.id}
    slots.book(db, amina, slot.id, actor_id=amina.user_id, staff=False, city=CITY, now=eve)
    with pytest.raises(Conflict, match="until the day before"):
        slots.book(db, amina, later.id, actor_id=amina.user_id, staff=False, city=CITY,
                   now=same_day)
    with pytest.raises(Conflict, match="until the day before"):
        slots.cancel(db, amina, actor_id=amina.user_id, staff=False, city=CITY, now=same_day)
    with pytest.raises(Conflict, match="no longer be booked"):
        slots.book(db, bilal, slot.id, actor_id=bilal.user_id, staff=False, city=CITY,
                   now=same_day)
    # At the desk, the same morning: fine (until the talk has started).
    slots.book(db, amina, later.id, actor_id=staff.id, staff=True, city=CITY, now=same_day)
    with pytest.raises(Conflict, match="no longer be booked"):
        slots.book(db, bilal, slot.id, actor_id=staff.id, staff=True, city=CITY,
                   now=TALK + timedelta(minutes=5))


def test_only_a_pending_intake_books(db: Session) -> None:
    done = make_newcomer(db, intake=IntakeStatus.approved)
    slot = _slot(db)
    with pytest.raises(Conflict, match="already done"):
        slots.book(db, done, slot.id, actor_id=done.user_id, staff=False, city=CITY,
                   now=TALK - timedelta(days=2))
    with pytest.raises(NotFound):
        slots.book(db, _pending(db), 999999, actor_id=done.user_id, staff=False, city=CITY)


def test_a_booked_slot_cannot_be_deleted(db: Session) -> None:
    amina = _pending(db)
    slot, empty = _slot(db), _slot(db, starts_at=TALK + timedelta(hours=2))
    slots.book(db, amina, slot.id, actor_id=amina.user_id, staff=False, city=CITY,
               now=TALK - timedelta(days=2))
    with pytest.raises(Conflict):
        slots.delete_slot(db, slot)
    slots.delete_slot(db, empty)
    assert db.get(IntakeSlot, empty.id) is None


def test_reminder_the_day_before_once_in_the_newcomers_language(db: Session) -> None:
    amina = _pending(db, first_name="Amina")
    amina.user.locale = "ar"
    bilal = _pending(db, first_name="Bilal")
    slot, later = _slot(db, capacity=2), _slot(db, starts_at=TALK + timedelta(days=3))
    for person, at in ((amina, slot), (bilal, later)):
        slots.book(db, person, at.id, actor_id=person.user_id, staff=False, city=CITY,
                   now=TALK - timedelta(days=5))
    confirmation = _mails(db, "intake_booked")[0]
    assert confirmation.locale == "ar"
    assert "Amina" in confirmation.body_text
    assert "Your talk with us is booked" not in confirmation.body_text  # translated
    day_before = datetime(2027, 3, 7, 8, 0, tzinfo=UTC)
    assert slots.queue_reminders(db, city=CITY, now=TALK - timedelta(days=2)) == 0
    assert slots.queue_reminders(db, city=CITY, now=day_before) == 1
    assert slots.queue_reminders(db, city=CITY, now=day_before + timedelta(hours=5)) == 0
    reminders = _mails(db, "intake_reminder")
    assert [m.to_email for m in reminders] == [amina.user.email]
    assert reminders[0].locale == "ar"
    assert reminders[0].attachments[0]["name"] == "intake-talk.ics"


def test_the_booking_is_in_the_export(db: Session) -> None:
    amina = _pending(db)
    slot = _slot(db)
    assert service.export_records(db, amina.id) == []
    slots.book(db, amina, slot.id, actor_id=amina.user_id, staff=False, city=CITY,
               now=TALK - timedelta(days=2))
    [exported] = service.export_records(db, amina.id)
    assert exported["record"] == "intake_booking"
    assert exported["starts_at"] == TALK.isoformat()
    assert exported["place"] == "Desk 2, city hall"
    assert exported["minutes"] == 30


@pytest.mark.postgres_only
@pytest.mark.parametrize("capacity", [1, 3])
def test_simultaneous_bookings_never_overfill_a_slot(
    db: Session, clean_db: Engine, database_url: str, capacity: int
) -> None:
    if clean_db.dialect.name != "postgresql":
        pytest.skip("true concurrency (separate connections) is tested on PostgreSQL")
    bookers = 12
    slot = _slot(db, starts_at=utcnow() + timedelta(days=5), capacity=capacity)
    ids = [_pending(db).id for _ in range(bookers)]
    db.commit()
    engine = make_engine(database_url, pool_size=bookers + 2)
    factory = make_sessionmaker(engine)
    start = threading.Barrier(bookers)
    outcomes: list[str] = []
    lock = threading.Lock()

    def book(newcomer_id: int) -> None:
        with factory() as session:
            newcomer = session.get(Newcomer, newcomer_id)
            assert newcomer is not None
            start.wait()
            try:
                slots.book(session, newcomer, slot.id, actor_id=newcomer.user_id, staff=False,
                           city=CITY)
                session.commit()
                outcome = "booked"
            except Conflict as exc:
                session.rollback()
                outcome = exc.message
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=book, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    engine.dispose()
    assert len(outcomes) == bookers
    assert outcomes.count("booked") == capacity
    assert all(o == slots.FULL for o in outcomes if o != "booked")
    db.expire_all()
    assert db.get(IntakeSlot, slot.id).booked == capacity  # type: ignore[union-attr]
    assert db.scalar(select(func.count()).select_from(IntakeBooking)) == capacity
    assert len(_mails(db, "intake_booked")) == capacity


def test_buddy_tick_queues_the_reminder_once(db: Session, settings: Settings) -> None:
    from zoneinfo import ZoneInfo

    from app.db import make_engine
    from app.events.commands import tick_events

    zone = ZoneInfo(settings.city.timezone)
    tomorrow = datetime.now(zone).date() + timedelta(days=1)
    noon = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 12, tzinfo=zone)
    staff, amina = make_staff(db), _pending(db)
    slot = slots.create_slots(db, starts_at=noon, minutes=30, place="Desk", created_by_id=None)[0]
    slots.book(db, amina, slot.id, actor_id=staff.id, staff=True, city=settings.city)
    db.commit()
    engine = make_engine(settings.database_url)
    try:
        outputs = [tick_events(engine, settings) for _ in range(2)]
    finally:
        engine.dispose()
    assert "Intake talk reminders queued: 1" in outputs[0]
    assert "Intake talk reminders queued: 0" in outputs[1]
    db.expire_all()
    assert [m.to_email for m in _mails(db, "intake_reminder")] == [amina.user.email]
