"""Intake talk (newcomer) and screening (volunteer) records: checklists, not free text.

Privacy by construction: no document is stored. Legal residence is a yes/no "seen"; the
certificate of good conduct is only the date it was seen. The civic-integration file number is
kept because the newcomer's counsellor asks for the participation hours under it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

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


class IntakeSlot(Base):
    """A time staff keep free for intake talks; ``capacity`` talks can happen at once (several
    staff at several desks), else one slot per talk.

    ``booked`` counts the slot's bookings. It is changed only by the booking service, with a
    conditional ``UPDATE … SET booked = booked + 1 WHERE booked < capacity``: the database
    decides who gets the last place, so two people can never take it at the same instant.
    """

    __tablename__ = "intake_slots"
    __table_args__ = (
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="booked_within_capacity"),
        CheckConstraint("minutes BETWEEN 5 AND 240", name="minutes_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    minutes: Mapped[int] = mapped_column(default=30)
    place: Mapped[str] = mapped_column(String(300))
    capacity: Mapped[int] = mapped_column(default=1)
    booked: Mapped[int] = mapped_column(default=0, server_default="0")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)


class IntakeBooking(Base):
    """A newcomer's place in an intake slot: at most one per newcomer (unique), changed by
    moving it to another slot."""

    __tablename__ = "intake_bookings"

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(
        ForeignKey("intake_slots.id", ondelete="CASCADE"), index=True
    )
    newcomer_id: Mapped[int] = mapped_column(
        ForeignKey("newcomers.id", ondelete="CASCADE"), unique=True
    )
    booked_at: Mapped[datetime] = mapped_column(default=utcnow)
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    slot: Mapped[IntakeSlot] = relationship()
