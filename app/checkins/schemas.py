"""Check-in API shapes. Rules (date limits, minutes range, at least one activity) are checked
by the service, so the API and the pages refuse the same things with the same messages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from app.checkins.models import Activity, Checkin, CheckinStatus, Party

Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConcernIn(_Strict):
    reason: Reason


class CheckinCreate(_Strict):
    met_on: date
    minutes: int
    activities: list[Activity]
    note: Note = ""
    concern: ConcernIn | None = None


class CheckinUpdate(_Strict):
    """Only the fields sent are changed; ``"concern": null`` withdraws an unresolved worry."""

    met_on: date | None = None
    minutes: int | None = None
    activities: list[Activity] | None = None
    note: Note | None = None
    concern: ConcernIn | None = None


class ConfirmIn(_Strict):
    happened: bool


class ResolveIn(_Strict):
    note: Note = ""


class ConcernRead(BaseModel):
    reason: str
    raised_at: datetime | None
    resolved_at: datetime | None
    resolution: str | None = None  # staff only


class CheckinRead(BaseModel):
    id: int
    contract_id: int
    met_on: date
    minutes: int
    activities: list[Activity]
    note: str
    logged_by: Party
    status: CheckinStatus
    confirmed_at: datetime | None
    concern: ConcernRead | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def build(cls, checkin: Checkin, *, staff: bool, show_concern: bool) -> CheckinRead:
        concern = None
        if checkin.concern_reason is not None and show_concern:
            concern = ConcernRead(
                reason=checkin.concern_reason,
                raised_at=checkin.concern_raised_at,
                resolved_at=checkin.concern_resolved_at,
                resolution=checkin.concern_resolution if staff else None,
            )
        return cls(
            id=checkin.id,
            contract_id=checkin.contract_id,
            met_on=checkin.met_on,
            minutes=checkin.minutes,
            activities=checkin.activities,
            note=checkin.note,
            logged_by=checkin.logged_by_side,
            status=checkin.status,
            confirmed_at=checkin.confirmed_at,
            concern=concern,
            created_at=checkin.created_at,
            updated_at=checkin.updated_at,
        )


class ProgressRead(BaseModel):
    """A pair's meetings in numbers (definitions: app/checkins/rules.py)."""

    contract_id: int
    meetings: int  # logged and not disputed
    waiting_for_confirmation: int
    confirmed_minutes: int
    confirmed_hours: float
    participation_goal_hours: int
    goal_percent: int
    periods_completed: int
    adherence: float | None
    streak: int
    # Staff only (null for the pair): a worry flag is for the staff, and so is its effect.
    at_risk: bool | None
    open_concerns: int | None
    last_met_on: date | None
