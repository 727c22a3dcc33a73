"""Evaluation shapes. ``overall`` is checked by the service (1–5) so the API and the page
refuse it with the same message."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from app.checkins.models import Party
from app.evaluations.models import Evaluation, GoalsMet

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]


class EvaluationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    overall: int
    goals_met: GoalsMet
    would_again: bool
    text: Text = ""


class EvaluationRead(BaseModel):
    id: int
    contract_id: int
    side: Party
    overall: int
    goals_met: GoalsMet
    would_again: bool
    text: str
    submitted_at: datetime

    @classmethod
    def build(cls, e: Evaluation) -> EvaluationRead:
        return cls(
            id=e.id, contract_id=e.contract_id, side=e.side, overall=e.overall,
            goals_met=e.goals_met, would_again=e.would_again, text=e.text,
            submitted_at=e.submitted_at,
        )  # fmt: skip
