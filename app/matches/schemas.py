"""Matching API shapes: rounds for staff, the newcomer's panel and their choice."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints

from app.matches.models import PanelStatus


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChoiceIn(_Strict):
    volunteer_id: int


class PanelDeclineIn(_Strict):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class RoundRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    started_at: datetime
    finished_at: datetime | None
    started_by_id: int | None
    newcomers_waiting: int
    volunteers_available: int
    panels_made: int
    full_panels: int
    partial_panels: int
    empty_panels: int
    average_score: float | None
    shortage: dict[str, Any]
    summary: dict[str, Any]


class CandidateRead(BaseModel):
    """A proposed volunteer as the newcomer sees them (no last name, address or email)."""

    model_config = ConfigDict(from_attributes=True)

    volunteer_id: int
    rank: int
    score: float
    first_name: str
    bio: str
    shared_languages: list[str]
    shared_slots: list[str]
    distance_km: float | None
    reasons: list[str]
    available: bool
    met: bool = False


class PanelRead(BaseModel):
    panel_id: int
    expires_at: datetime
    candidates: list[CandidateRead]


class PanelDeclinedRead(BaseModel):
    panel_id: int
    status: PanelStatus
