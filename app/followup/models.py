"""Staff follow-up calls with a pair (at least two during a contract; see rules.py)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.auth.models import str_enum
from app.db import Base, utcnow


class CallKind(StrEnum):
    midterm = "midterm"
    other = "other"


class StaffCall(Base):
    __tablename__ = "staff_calls"
    __table_args__ = (
        # "Calls of this contract up to a date": the calls-missing rule and the dashboard.
        Index("ix_staff_calls_contract_id_called_on", "contract_id", "called_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    called_on: Mapped[date]
    kind: Mapped[CallKind] = mapped_column(str_enum(CallKind, "call_kind"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
