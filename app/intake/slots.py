"""Intake slots: staff publish times for intake talks, a newcomer books one (or staff book it
at the desk), changes or cancels it until the day before; a confirmation with a calendar file,
and a reminder the day before.

No double booking: a place is taken with one conditional ``UPDATE`` on the slot's counter
(``booked < capacity``), so under concurrency the database lets exactly as many bookings in as
there are places; and a newcomer has at most one booking (unique ``newcomer_id``).
Services take the session first, raise domain errors and never commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.audit.service import record
from app.config import CityProfile
from app.db import utcnow
from app.errors import Conflict, Invalid, NotFound
from app.events.calendar import appointment_calendar
from app.events.rules import answer_open, is_reminder_day
from app.i18n.catalog import N_, gettext
from app.intake import rules
from app.intake.models import IntakeBooking, IntakeSlot
from app.matches.reasons import moment_phrase
from app.notifications import service as notifications
from app.people.models import IntakeStatus, Newcomer

FULL = N_("This time is full. Please choose another time.")
TOO_LATE = N_("This time can no longer be booked. Please choose a later time.")
CHANGE_CLOSED = N_("Your talk can be changed until the day before. Please call us.")


def create_slots(
    session: Session, *, starts_at: datetime, minutes: int, place: str, capacity: int = 1,
    count: int = 1, created_by_id: int | None, now: datetime | None = None,
) -> list[IntakeSlot]:  # fmt: skip
    """``count`` slots one after the other (one per talk), each for ``capacity`` talks at once."""
    if starts_at <= (now or utcnow()):
        raise Invalid(N_("Choose a time in the future."), field="starts_at")
    if not 1 <= count <= rules.MAX_SERIES:
        raise Invalid(N_("Give between 1 and %(max)s talks."), field="count",
                      max=rules.MAX_SERIES)
    slots = [IntakeSlot(starts_at=start, minutes=minutes, place=place, capacity=capacity,
                        booked=0, created_by_id=created_by_id)
             for start in rules.series(starts_at, minutes, count)]
    session.add_all(slots)
    session.flush()
    return slots


def get_slot(session: Session, slot_id: int) -> IntakeSlot:
    slot = session.get(IntakeSlot, slot_id)
    if slot is None:
        raise NotFound(N_("No such intake slot."))
    return slot


def list_slots(session: Session, *, upcoming_from: datetime | None = None) -> list[IntakeSlot]:
    query = select(IntakeSlot).order_by(IntakeSlot.starts_at, IntakeSlot.id)
    if upcoming_from is not None:
        query = query.where(IntakeSlot.starts_at >= upcoming_from)
    return list(session.scalars(query))


def delete_slot(session: Session, slot: IntakeSlot) -> None:
    if slot.booked:
        raise Conflict(N_("Someone has booked this time. Cancel their booking first."))
    session.delete(slot)
    session.flush()


def bookings_of(session: Session, slot_id: int) -> list[tuple[IntakeBooking, Newcomer]]:
    rows = session.execute(
        select(IntakeBooking, Newcomer).join(Newcomer, Newcomer.id == IntakeBooking.newcomer_id)
        .where(IntakeBooking.slot_id == slot_id).order_by(IntakeBooking.booked_at))
    return [(b, n) for b, n in rows]


def booking_of(session: Session, newcomer_id: int) -> IntakeBooking | None:
    return session.scalar(select(IntakeBooking).where(IntakeBooking.newcomer_id == newcomer_id))


def free_slots(
    session: Session, *, city: CityProfile, staff: bool = False, now: datetime | None = None
) -> list[IntakeSlot]:
    """Slots with a place left that can still be booked: by a newcomer, from tomorrow on (city
    time: the day before is the last day to change); by staff at the desk, any later time."""
    now = now or utcnow()
    slots = session.scalars(
        select(IntakeSlot).where(IntakeSlot.starts_at > now,
                                 IntakeSlot.booked < IntakeSlot.capacity)
        .order_by(IntakeSlot.starts_at, IntakeSlot.id))
    return [s for s in slots if staff or answer_open(s.starts_at, now, city.timezone)]


def _take_place(session: Session, slot: IntakeSlot) -> None:
    taken = session.execute(
        update(IntakeSlot).where(IntakeSlot.id == slot.id,
                                 IntakeSlot.booked < IntakeSlot.capacity)
        .values(booked=IntakeSlot.booked + 1).execution_options(synchronize_session=False))
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(FULL, field="slot_id")
    session.expire(slot, ["booked"])


def _give_back(session: Session, slot_id: int) -> None:
    session.execute(
        update(IntakeSlot).where(IntakeSlot.id == slot_id, IntakeSlot.booked > 0)
        .values(booked=IntakeSlot.booked - 1).execution_options(synchronize_session=False))
    found = session.get(IntakeSlot, slot_id)
    if found is not None:
        session.expire(found, ["booked"])


def book(
    session: Session, newcomer: Newcomer, slot_id: int, *, actor_id: int, staff: bool,
    city: CityProfile, now: datetime | None = None,
) -> IntakeBooking:  # fmt: skip
    """Book (or move the booking to) ``slot_id``. Staff at the desk may book any later time;
    a newcomer only until the day before, for the new and for the old time alike."""
    now = now or utcnow()
    if newcomer.intake_status is not IntakeStatus.pending:
        raise Conflict(N_("The intake is already done: no talk to book."))
    slot = get_slot(session, slot_id)
    existing = booking_of(session, newcomer.id)
    if existing is not None and existing.slot_id == slot.id:
        return existing  # booking the same time twice changes nothing
    bookable = slot.starts_at > now and (staff or answer_open(slot.starts_at, now, city.timezone))
    if not bookable:
        raise Conflict(TOO_LATE, field="slot_id")
    if existing is not None and not staff:
        _check_change_open(existing, city, now)
    _take_place(session, slot)
    if existing is not None:
        _give_back(session, existing.slot_id)
        existing.slot_id, existing.booked_at, existing.booked_by_id = slot.id, now, actor_id
        booking = existing
    else:
        booking = IntakeBooking(slot_id=slot.id, newcomer_id=newcomer.id, booked_at=now,
                                booked_by_id=actor_id)
        session.add(booking)
    try:
        session.flush()
    except IntegrityError:  # the same newcomer booking twice at the same instant
        raise Conflict(N_("You already have an intake talk. Change it instead.")) from None
    session.refresh(booking, ["slot"])
    record(session, actor_id=actor_id, action="newcomer.intake_booking",
           subject_type="newcomer", subject_id=newcomer.id, slot_id=slot.id,
           starts_at=slot.starts_at.isoformat(), moved=existing is not None)
    _queue_mail(session, booking, newcomer, "intake_booked",
                f"intake_booked:{newcomer.id}:{slot.id}:{now:%Y%m%d%H%M%S%f}")
    return booking


def _check_change_open(booking: IntakeBooking, city: CityProfile, now: datetime) -> None:
    if not answer_open(booking.slot.starts_at, now, city.timezone):
        raise Conflict(CHANGE_CLOSED)


def cancel(
    session: Session, newcomer: Newcomer, *, actor_id: int, staff: bool, city: CityProfile,
    now: datetime | None = None,
) -> None:  # fmt: skip
    now = now or utcnow()
    booking = booking_of(session, newcomer.id)
    if booking is None:
        raise NotFound(N_("No intake talk is booked."))
    if not staff:
        _check_change_open(booking, city, now)
    slot_id = booking.slot_id
    session.delete(booking)
    session.flush()
    _give_back(session, slot_id)
    record(session, actor_id=actor_id, action="newcomer.intake_booking_cancel",
           subject_type="newcomer", subject_id=newcomer.id, slot_id=slot_id)


def calendar_file(booking: IntakeBooking, *, timezone: str, host: str, locale: str) -> bytes:
    """The talk as an .ics; the UID is the newcomer's, so a changed time replaces the old."""
    slot = booking.slot
    return appointment_calendar(
        uid=f"intake-{booking.newcomer_id}@{host}", starts_at=slot.starts_at,
        ends_at=slot.ends_at, summary=gettext(locale, "Intake talk"), place=slot.place,
        description=gettext(locale, "A talk with the buddy programme's staff"),
        timezone=timezone)


def _queue_mail(session: Session, booking: IntakeBooking, newcomer: Newcomer, kind: str,
                dedupe_key: str) -> bool:
    settings = notifications.settings_for(session)
    locale = notifications.recipient_locale(newcomer.user, settings)
    host = urlsplit(settings.base_url).hostname or "welcome-buddy"
    data = calendar_file(booking, timezone=settings.city.timezone, host=host, locale=locale)
    return notifications.queue(
        session, user=newcomer.user, kind=kind, dedupe_key=dedupe_key,
        context={"name": newcomer.first_name, "place": booking.slot.place,
                 "minutes": booking.slot.minutes,
                 "when": moment_phrase(booking.slot.starts_at, settings.city.timezone, locale),
                 "url": notifications.link(settings, "/me#intake")},
        attachments=(notifications.Attachment("intake-talk.ics",
                                              "text/calendar; method=PUBLISH", data),),
    )  # fmt: skip


def queue_reminders(session: Session, *, city: CityProfile, now: datetime | None = None) -> int:
    """The day before an intake talk, a reminder to the newcomer (once per slot and person)."""
    now = now or utcnow()
    queued = 0
    rows = session.execute(
        select(IntakeBooking, Newcomer).join(IntakeSlot)
        .join(Newcomer, Newcomer.id == IntakeBooking.newcomer_id)
        .where(IntakeSlot.starts_at > now, Newcomer.intake_status == IntakeStatus.pending)
        .order_by(IntakeBooking.id))
    for booking, newcomer in rows:
        if is_reminder_day(booking.slot.starts_at, now, city.timezone):
            queued += _queue_mail(session, booking, newcomer, "intake_reminder",
                                  f"intake_reminder:{booking.slot_id}:{newcomer.id}")
    return queued


def export_booking(session: Session, newcomer_id: int) -> dict[str, Any] | None:
    booking = booking_of(session, newcomer_id)
    if booking is None:
        return None
    return {"record": "intake_booking", "starts_at": booking.slot.starts_at.isoformat(),
            "minutes": booking.slot.minutes, "place": booking.slot.place,
            "booked_at": booking.booked_at.isoformat()}
