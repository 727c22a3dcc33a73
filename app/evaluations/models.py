"""The closing evaluation: one short form per side of a finished contract."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.auth.models import str_enum
from app.checkins.models import Party
from app.db import Base, utcnow


class GoalsMet(StrEnum):
    yes = "yes"
    mostly = "mostly"
    partly = "partly"
    no = "no"


class Evaluation(Base):
    __tablename__ = "evaluations"
    __table_args__ = (
        UniqueConstraint("contract_id", "side"),
        CheckConstraint("overall BETWEEN 1 AND 5", name="overall_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    side: Mapped[Party] = mapped_column(str_enum(Party, "party"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    overall: Mapped[int]
    goals_met: Mapped[GoalsMet] = mapped_column(str_enum(GoalsMet, "goals_met"))
    would_again: Mapped[bool]
    text: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
