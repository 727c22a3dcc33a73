"""Intake talk (newcomer) and screening (volunteer) records: checklists, not free text.

Privacy by construction: no document is stored. Legal residence is a yes/no "seen"; the
certificate of good conduct is only the date it was seen. The civic-integration file number is
kept because the newcomer's counsellor asks for the participation hours under it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.auth.models import str_enum
from app.db import Base, utcnow
from app.people.vocabulary import Level


class IntakeRecord(Base):
    __tablename__ = "intake_records"

    newcomer_id: Mapped[int] = mapped_column(
        ForeignKey("newcomers.id", ondelete="CASCADE"), primary_key=True
    )
    legal_residence_checked: Mapped[bool] = mapped_column(default=False)
    age_confirmed: Mapped[bool] = mapped_column(default=False)
    address_confirmed: Mapped[bool] = mapped_column(default=False)
    commitment_explained: Mapped[bool] = mapped_column(default=False)
    expectations: Mapped[str] = mapped_column(Text, default="")
    civic_integration_file: Mapped[str | None] = mapped_column(String(64))
    dutch_level_checked: Mapped[Level | None] = mapped_column(str_enum(Level, "level"))
    notes: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ScreeningRecord(Base):
    __tablename__ = "screening_records"

    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), primary_key=True
    )
    references_checked: Mapped[bool] = mapped_column(default=False)
    talk_held: Mapped[bool] = mapped_column(default=False)
    good_conduct_seen_on: Mapped[date | None]  # the certificate's date; no copy is kept
    notes: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
