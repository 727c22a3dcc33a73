"""Evaluation shapes. ``overall`` is checked by the service (1–5) so the API and the page
refuse it with the same message."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.checkins.models import Party
from app.dashboard.filters import Filters
from app.evaluations.models import Evaluation, GoalsMet
from app.evaluations.summary import SideSummary, Summary

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


class SideSummaryRead(BaseModel):
    """One side's answers to the fixed questions."""

    count: int
    average_overall: float | None = Field(description="Mean overall score, 1-5")
    overall: dict[str, int] = Field(description="How many gave each score, '1' to '5'")
    goals_met: dict[str, int]
    would_again: int = Field(description="How many would take part again")

    @classmethod
    def build(cls, side: SideSummary) -> SideSummaryRead:
        return cls(count=side.count, average_overall=side.average,
                   overall={str(k): v for k, v in side.scores.items()},
                   goals_met={str(k): v for k, v in side.goals.items()},
                   would_again=side.would_again)


class AreaSummaryRead(BaseModel):
    neighbourhood: str | None
    newcomers: SideSummaryRead
    volunteers: SideSummaryRead


class CommentRead(BaseModel):
    contract_id: int
    side: str
    neighbourhood: str | None
    submitted_at: datetime
    overall: int
    text: str


class EvaluationSummaryRead(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: date = Field(alias="from")
    to: date
    neighbourhood: str | None
    newcomers: SideSummaryRead
    volunteers: SideSummaryRead
    by_neighbourhood: list[AreaSummaryRead]
    comments: list[CommentRead] | None = Field(
        description="Written comments, only with comments=true")

    @classmethod
    def build(cls, summary: Summary, filters: Filters, comments: bool) -> EvaluationSummaryRead:
        return cls(
            from_=filters.start, to=filters.end, neighbourhood=filters.neighbourhood,
            newcomers=SideSummaryRead.build(summary.sides[Party.newcomer]),
            volunteers=SideSummaryRead.build(summary.sides[Party.volunteer]),
            by_neighbourhood=[
                AreaSummaryRead(neighbourhood=area or None,
                                newcomers=SideSummaryRead.build(sides[Party.newcomer]),
                                volunteers=SideSummaryRead.build(sides[Party.volunteer]))
                for area, sides in summary.by_neighbourhood.items()
            ],
            comments=[CommentRead(**{**c.__dict__, "side": c.side.value})
                      for c in summary.comments] if comments else None,
        )  # fmt: skip
