"""Intake and screening record API shapes (staff only)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

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
