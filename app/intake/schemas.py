"""Intake and screening record API shapes (staff only)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from app.intake.rules import MAX_SERIES
from app.people.vocabulary import Level

_Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]


class IntakeRecordUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    legal_residence_checked: bool = False
    age_confirmed: bool = False
    address_confirmed: bool = False
    commitment_explained: bool = False
    expectations: _Note = ""
    civic_integration_file: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=64)] | None = None
    dutch_level_checked: Level | None = None
    notes: _Note = ""


class IntakeRecordRead(IntakeRecordUpdate):
    model_config = ConfigDict(from_attributes=True, extra="ignore")

    newcomer_id: int
    missing: list[str]
    updated_at: datetime | None = None


class ScreeningRecordUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    references_checked: bool = False
    talk_held: bool = False
    good_conduct_seen_on: date | None = None
    notes: _Note = ""


class ScreeningRecordRead(ScreeningRecordUpdate):
    model_config = ConfigDict(from_attributes=True, extra="ignore")

    volunteer_id: int
    info_session_attended: bool
    trainings: int
    missing: list[str]
    updated_at: datetime | None = None


class IntakeSlotCreate(BaseModel):
    """``count`` > 1 publishes that many slots one after the other (one per talk)."""

    model_config = ConfigDict(extra="forbid")

    starts_at: AwareDatetime
    minutes: int = Field(default=30, ge=5, le=240)
    place: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    capacity: int = Field(default=1, ge=1, le=50)
    count: int = Field(default=1, ge=1, le=MAX_SERIES)


class IntakeSlotRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    starts_at: datetime
    ends_at: datetime
    minutes: int
    place: str
    capacity: int
    booked: int


class IntakeSlotBooking(BaseModel):
    """One booking as staff see it on the slot."""

    newcomer_id: int
    name: str
    booked_at: datetime


class IntakeSlotDetail(IntakeSlotRead):
    bookings: list[IntakeSlotBooking]


class IntakeBookingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slot_id: int


class IntakeBookingRead(BaseModel):
    """The newcomer's own booking: their time and place, nothing about other bookers."""

    newcomer_id: int
    slot: IntakeSlotRead
    booked_at: datetime
    changeable: bool
