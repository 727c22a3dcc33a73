"""Events API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from app.events.models import EventKind

_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class EventCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: EventKind
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    place: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    capacity: Annotated[int, Field(ge=1, le=10000)] | None = None
    table_count: Annotated[int, Field(ge=1, le=1000)] | None = None
    slot_minutes: Annotated[int, Field(ge=1, le=120)] = 10
    languages: list[Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]] = Field(
        default_factory=list, max_length=50)


class EventCounts(BaseModel):
    invited: int
    attending: int
    waitlisted: int
    declined: int
    no_answer: int
    attended: int


class EventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: EventKind
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str
    capacity: int | None
    table_count: int | None
    slot_minutes: int
    languages: list[str]
    counts: EventCounts


class InvitationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    event_id: int
    person_id: int
    attending: bool | None
    waitlisted: bool
    attended: bool


class EventDetail(EventRead):
    invitations: list[InvitationRead]


class InvitedRead(BaseModel):
    event_id: int
    new_invitations: int
    invited: int


class RsvpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    attending: bool


class AttendanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_ids: list[int] = Field(max_length=10000)


class AttendanceRead(BaseModel):
    event_id: int
    attended: int


class SeatRead(BaseModel):
    table: int
    newcomer_id: int
    volunteer_id: int
    interpreter: bool


class TimetableRead(BaseModel):
    rounds: list[list[SeatRead]]
