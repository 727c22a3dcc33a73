"""Intake and screening records over the API (staff only), and intake slots (staff publish
them and book at the desk; a newcomer books, changes or cancels their own talk)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from app.audit.service import record
from app.db import utcnow
from app.deps import ApiStaff, ApiUser, CityDep, SessionDep
from app.errors import Forbidden
from app.events.models import EventKind
from app.events.rules import answer_open
from app.i18n.catalog import N_
from app.intake import service, slots
from app.intake.models import IntakeBooking, IntakeSlot
from app.intake.schemas import (
    IntakeBookingIn,
    IntakeBookingRead,
    IntakeRecordRead,
    IntakeRecordUpdate,
    IntakeSlotBooking,
    IntakeSlotCreate,
    IntakeSlotDetail,
    IntakeSlotRead,
    ScreeningRecordRead,
    ScreeningRecordUpdate,
)
from app.people.models import IntakeStatus, Newcomer
from app.people.service import get_newcomer, get_volunteer, person_for_user

router = APIRouter(prefix="/api/v1", tags=["intake and screening"])


def _intake(session: SessionDep, city: CityDep, newcomer_id: int) -> IntakeRecordRead:
    rec = service.intake_record(session, newcomer_id)
    return IntakeRecordRead.model_validate({
        **{f: getattr(rec, f) for f in service.INTAKE_FIELDS}, "newcomer_id": newcomer_id,
        "missing": service.missing_intake(session, newcomer_id, city),
        "updated_at": rec.updated_at})  # fmt: skip


def _screening(session: SessionDep, city: CityDep, volunteer_id: int) -> ScreeningRecordRead:
    rec = service.screening_record(session, volunteer_id)
    return ScreeningRecordRead.model_validate({
        **{f: getattr(rec, f) for f in service.SCREENING_FIELDS}, "volunteer_id": volunteer_id,
        "info_session_attended": bool(service.attended(session, volunteer_id,
                                                       EventKind.info_session)),
        "trainings": len(service.attended(session, volunteer_id, EventKind.training)),
        "missing": service.missing_screening(session, volunteer_id, city),
        "updated_at": rec.updated_at})  # fmt: skip


@router.get("/newcomers/{newcomer_id}/intake-record", response_model=IntakeRecordRead)
def get_intake(
    newcomer_id: int, staff: ApiStaff, session: SessionDep, city: CityDep
) -> IntakeRecordRead:
    get_newcomer(session, newcomer_id)
    return _intake(session, city, newcomer_id)


@router.put("/newcomers/{newcomer_id}/intake-record", response_model=IntakeRecordRead)
def put_intake(
    newcomer_id: int, body: IntakeRecordUpdate, staff: ApiStaff, session: SessionDep,
    city: CityDep,
) -> IntakeRecordRead:  # fmt: skip
    get_newcomer(session, newcomer_id)
    service.save_intake(session, newcomer_id, body.model_dump(), staff_id=staff.id)
    return _intake(session, city, newcomer_id)


@router.get("/volunteers/{volunteer_id}/screening-record", response_model=ScreeningRecordRead)
def get_screening(
    volunteer_id: int, staff: ApiStaff, session: SessionDep, city: CityDep
) -> ScreeningRecordRead:
    get_volunteer(session, volunteer_id)
    return _screening(session, city, volunteer_id)


@router.put("/volunteers/{volunteer_id}/screening-record", response_model=ScreeningRecordRead)
def put_screening(
    volunteer_id: int, body: ScreeningRecordUpdate, staff: ApiStaff, session: SessionDep,
    city: CityDep,
) -> ScreeningRecordRead:  # fmt: skip
    get_volunteer(session, volunteer_id)
    service.save_screening(session, volunteer_id, body.model_dump(), staff_id=staff.id)
    return _screening(session, city, volunteer_id)


# --- intake slots: staff publish them and book at the desk; a newcomer books their own ------


def _slot(slot: IntakeSlot) -> IntakeSlotRead:
    return IntakeSlotRead.model_validate(slot)


def _booking(booking: IntakeBooking, city: CityDep) -> IntakeBookingRead:
    return IntakeBookingRead(
        newcomer_id=booking.newcomer_id, slot=_slot(booking.slot), booked_at=booking.booked_at,
        changeable=answer_open(booking.slot.starts_at, utcnow(), city.timezone))


def api_newcomer(user: ApiUser, session: SessionDep) -> Newcomer:
    person = person_for_user(session, user)
    if not isinstance(person, Newcomer):
        raise Forbidden(N_("Only newcomers book an intake talk."))
    return person


ApiNewcomer = Annotated[Newcomer, Depends(api_newcomer)]


@router.post("/intake-slots", response_model=list[IntakeSlotRead],
             status_code=status.HTTP_201_CREATED)
def create_slots(body: IntakeSlotCreate, staff: ApiStaff, session: SessionDep
                 ) -> list[IntakeSlotRead]:
    made = slots.create_slots(session, **body.model_dump(), created_by_id=staff.id)
    record(session, actor_id=staff.id, action="intake_slot.create", subject_type="intake_slot",
           subject_id=made[0].id, count=len(made))
    return [_slot(s) for s in made]


@router.get("/intake-slots", response_model=list[IntakeSlotRead])
def list_slots(staff: ApiStaff, session: SessionDep) -> list[IntakeSlotRead]:
    """Upcoming slots (not yet started), soonest first."""
    return [_slot(s) for s in slots.list_slots(session, upcoming_from=utcnow())]


@router.get("/intake-slots/{slot_id}", response_model=IntakeSlotDetail)
def get_slot(slot_id: int, staff: ApiStaff, session: SessionDep) -> IntakeSlotDetail:
    slot = slots.get_slot(session, slot_id)
    return IntakeSlotDetail(**_slot(slot).model_dump(), bookings=[
        IntakeSlotBooking(newcomer_id=n.id, name=n.display_name, booked_at=b.booked_at)
        for b, n in slots.bookings_of(session, slot.id)])


@router.delete("/intake-slots/{slot_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_slot(slot_id: int, staff: ApiStaff, session: SessionDep) -> None:
    slots.delete_slot(session, slots.get_slot(session, slot_id))
    record(session, actor_id=staff.id, action="intake_slot.delete", subject_type="intake_slot",
           subject_id=slot_id)


@router.put("/newcomers/{newcomer_id}/intake-booking", response_model=IntakeBookingRead)
def desk_book(newcomer_id: int, body: IntakeBookingIn, staff: ApiStaff, session: SessionDep,
              city: CityDep) -> IntakeBookingRead:
    """Staff book (or move) the newcomer's talk at the desk: any later time, even today."""
    newcomer = get_newcomer(session, newcomer_id)
    booking = slots.book(session, newcomer, body.slot_id, actor_id=staff.id, staff=True,
                         city=city)
    return _booking(booking, city)


@router.delete("/newcomers/{newcomer_id}/intake-booking",
               status_code=status.HTTP_204_NO_CONTENT)
def desk_cancel(newcomer_id: int, staff: ApiStaff, session: SessionDep, city: CityDep) -> None:
    slots.cancel(session, get_newcomer(session, newcomer_id), actor_id=staff.id, staff=True,
                 city=city)


@router.get("/me/intake-slots", response_model=list[IntakeSlotRead])
def my_free_slots(newcomer: ApiNewcomer, session: SessionDep, city: CityDep
                  ) -> list[IntakeSlotRead]:
    """The times the newcomer can book (none once their intake is decided)."""
    if newcomer.intake_status is not IntakeStatus.pending:
        return []
    return [_slot(s) for s in slots.free_slots(session, city=city)]


@router.get("/me/intake-booking", response_model=IntakeBookingRead | None)
def my_booking(newcomer: ApiNewcomer, session: SessionDep, city: CityDep
               ) -> IntakeBookingRead | None:
    booking = slots.booking_of(session, newcomer.id)
    return _booking(booking, city) if booking else None


@router.post("/me/intake-booking", response_model=IntakeBookingRead)
def book(newcomer: ApiNewcomer, body: IntakeBookingIn, user: ApiUser, session: SessionDep,
         city: CityDep) -> IntakeBookingRead:
    """Book a talk, or move the booked one (until the day before)."""
    booking = slots.book(session, newcomer, body.slot_id, actor_id=user.id, staff=False,
                         city=city)
    return _booking(booking, city)


@router.delete("/me/intake-booking", status_code=status.HTTP_204_NO_CONTENT)
def cancel(newcomer: ApiNewcomer, user: ApiUser, session: SessionDep, city: CityDep) -> None:
    slots.cancel(session, newcomer, actor_id=user.id, staff=False, city=city)
