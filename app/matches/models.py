"""Matching rounds, the panels they propose and each panel's ranked candidates.

A round is written in one transaction: its record, every panel and every candidate appear
together or not at all. Reasons are stored as the engine's structured data and turned into
sentences only when shown, in the reader's language.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import str_enum
from app.db import Base, utcnow


class PanelStatus(StrEnum):
    open = "open"  # waiting for the newcomer's pick (until expires_at)
    chosen = "chosen"  # the newcomer picked a volunteer: a contract exists
    declined = "declined"  # the newcomer turned the whole panel down
    expired = "expired"  # nobody was picked in time


class MatchingRound(Base):
    """What one run of the engine did; the shortage report tells the city whom to recruit."""

    __tablename__ = "matching_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None]
    started_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    newcomers_waiting: Mapped[int] = mapped_column(default=0)
    volunteers_available: Mapped[int] = mapped_column(default=0)
    panels_made: Mapped[int] = mapped_column(default=0)
    full_panels: Mapped[int] = mapped_column(default=0)
    partial_panels: Mapped[int] = mapped_column(default=0)
    empty_panels: Mapped[int] = mapped_column(default=0)
    average_score: Mapped[float | None]
    # {"languages": {code: n}, "slots": {slot: n}, "areas": {neighbourhood: n}}
    shortage: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The engine's own summary (objective, optimality certificate, exposure …), kept for audit.
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    panels: Mapped[list[Panel]] = relationship(back_populates="round")


class Panel(Base):
    """Up to five ranked volunteers proposed to one newcomer; open until picked or expired."""

    __tablename__ = "panels"
    __table_args__ = (
        Index("ix_panels_newcomer_id_status", "newcomer_id", "status"),
        Index("ix_panels_status_expires_at", "status", "expires_at"),
        # At most one open panel per newcomer, whatever races happen between rounds.
        Index(
            "uq_panels_one_open_per_newcomer",
            "newcomer_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("matching_rounds.id", ondelete="CASCADE"), index=True
    )
    newcomer_id: Mapped[int] = mapped_column(ForeignKey("newcomers.id", ondelete="CASCADE"))
    status: Mapped[PanelStatus] = mapped_column(
        str_enum(PanelStatus, "panel_status"), default=PanelStatus.open
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    decline_reason: Mapped[str] = mapped_column(Text, default="")

    round: Mapped[MatchingRound] = relationship(back_populates="panels")
    candidates: Mapped[list[PanelCandidate]] = relationship(
        back_populates="panel",
        cascade="all, delete-orphan",
        order_by="PanelCandidate.rank",
        lazy="selectin",
    )


class PanelCandidate(Base):
    """One volunteer on one panel, with the engine's score and structured reasons."""

    __tablename__ = "panel_candidates"
    __table_args__ = (
        CheckConstraint("rank >= 1", name="rank_positive"),
        Index("uq_panel_candidates_panel_id_rank", "panel_id", "rank", unique=True),
    )

    panel_id: Mapped[int] = mapped_column(
        ForeignKey("panels.id", ondelete="CASCADE"), primary_key=True
    )
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    rank: Mapped[int]
    score: Mapped[float]
    # matching.Reasons.to_dict(): shared languages and slots, distance, each criterion.
    reasons: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    distance_km: Mapped[float | None]
    # Set when this volunteer can no longer be picked from this panel (they declined the
    # newcomer's contract): the newcomer keeps the rest of the panel.
    withdrawn_at: Mapped[datetime | None]
    # The speed-dating session where the newcomer met this candidate (both marked present).
    met_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL")
    )

    panel: Mapped[Panel] = relationship(back_populates="candidates")


class MatchingLock(Base):
    """SQLite stand-in for PostgreSQL's advisory lock: one row per running job.

    The row is inserted and deleted inside the job's own transaction, so a crashed process
    cannot leave it behind: its transaction (and the row) roll back.
    """

    __tablename__ = "matching_locks"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    acquired_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScheduledRound(Base):
    """One slot of the city's round schedule, claimed once (see app/matches/schedule.py)."""

    __tablename__ = "scheduled_rounds"

    slot_at: Mapped[datetime] = mapped_column(primary_key=True)
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("matching_rounds.id", ondelete="SET NULL")
    )
