"""The programme's own events (speed-dating sessions, info sessions, trainings, group
activities, kick-off and closing) and who is invited to each, with their answer and attendance.

An invitation is one row per (event, person): inviting twice is a no-op, and the answer, the
waiting-list place and the attendance of that person live together in that row.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import str_enum
from app.db import Base, utcnow


class EventKind(StrEnum):
    speed_dating = "speed_dating"  # newcomers with an open panel meet their candidates
    info_session = "info_session"  # for volunteers awaiting screening
    training = "training"  # for all approved volunteers
    group_activity = "group_activity"  # for active pairs
    kickoff = "kickoff"  # for pairs that started since the last kick-off
    closing = "closing"  # for pairs that completed since the last closing; certificates


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity >= 1", name="capacity_positive"),
        CheckConstraint("table_count IS NULL OR table_count >= 1", name="tables_positive"),
        CheckConstraint("slot_minutes BETWEEN 1 AND 120", name="slot_minutes_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind, "event_kind"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(300))
    capacity: Mapped[int | None]  # None: no limit
    table_count: Mapped[int | None]  # speed dating: conversations at once; None: no limit
    slot_minutes: Mapped[int] = mapped_column(default=10)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)  # interpreters available
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    invitations: Mapped[list[Invitation]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="Invitation.id"
    )


class Invitation(Base):
    __tablename__ = "event_invitations"
    __table_args__ = (
        Index("uq_event_invitations_event_id_person_id", "event_id", "person_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    # Speed dating: the newcomer's panel at invitation time (whose candidates they meet).
    panel_id: Mapped[int | None] = mapped_column(ForeignKey("panels.id", ondelete="SET NULL"))
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    attending: Mapped[bool | None]  # None: no answer yet
    answered_at: Mapped[datetime | None]
    waitlisted: Mapped[bool] = mapped_column(default=False)  # said yes while the event was full
    attended: Mapped[bool] = mapped_column(default=False)

    event: Mapped[Event] = relationship(back_populates="invitations")
