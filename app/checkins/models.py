"""Check-ins: one logged meeting of a pair (date, minutes, what they did, a possible worry).

Activities live in a child table (one row per activity) rather than a JSON list, so "hours by
activity per week" is a plain ``JOIN … GROUP BY`` on both SQLite and PostgreSQL, with an index.

States of a check-in (``status``): ``pending`` — logged by one side, waiting for the other;
``confirmed`` — the other side said it happened; ``disputed`` — the other side said it did not.
Hours count only ``confirmed``; adherence counts everything not ``disputed`` (see rules.py).
A worry flag is open while ``concern_reason IS NOT NULL AND concern_resolved_at IS NULL``.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import str_enum
from app.db import Base, utcnow

MIN_MINUTES, MAX_MINUTES = 15, 600


class Party(StrEnum):
    """A side of a contract."""

    newcomer = "newcomer"
    volunteer = "volunteer"


class CheckinStatus(StrEnum):
    pending = "pending"
    confirmed = "confirmed"
    disputed = "disputed"


class Activity(StrEnum):
    dutch = "dutch"  # practise Dutch
    paperwork = "paperwork"  # bank or paperwork
    shopping = "shopping"
    work_school = "work_school"
    leisure = "leisure"
    health = "health"
    housing = "housing"
    other = "other"


_OPEN_CONCERN_SQL = text("concern_reason IS NOT NULL AND concern_resolved_at IS NULL")


class Checkin(Base):
    __tablename__ = "checkins"
    __table_args__ = (
        # One meeting per pair per day; also the per-contract index (contract_id leads).
        UniqueConstraint("contract_id", "met_on"),
        CheckConstraint(f"minutes BETWEEN {MIN_MINUTES} AND {MAX_MINUTES}", name="minutes_range"),
        # Per-contract roll-ups (confirmed hours, meetings per period, last meeting) read only
        # this index on PostgreSQL (index-only scans), at 500,000 check-ins as at 500.
        Index("ix_checkins_contract_rollup", "contract_id", "status", "met_on", "minutes"),
        # Per-date aggregation (meetings/hours per week across all pairs), likewise covering.
        Index("ix_checkins_met_on_status_minutes", "met_on", "status", "minutes"),
        # "Waiting for confirmation since …" (reminders).
        Index("ix_checkins_status_created_at", "status", "created_at"),
        # Open worry flags, for the staff queue and the at-risk rule; tiny (partial).
        Index(
            "ix_checkins_open_concern",
            "contract_id",
            sqlite_where=_OPEN_CONCERN_SQL,
            postgresql_where=_OPEN_CONCERN_SQL,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    met_on: Mapped[date]
    minutes: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    logged_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # Kept apart from logged_by_id: who must confirm stays known even if an account is deleted.
    logged_by_side: Mapped[Party] = mapped_column(str_enum(Party, "party"))
    status: Mapped[CheckinStatus] = mapped_column(
        str_enum(CheckinStatus, "checkin_status"), default=CheckinStatus.pending
    )
    confirmed_at: Mapped[datetime | None]  # when the other side answered (either way)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    concern_reason: Mapped[str | None] = mapped_column(Text)
    concern_raised_at: Mapped[datetime | None]
    concern_resolved_at: Mapped[datetime | None]
    concern_resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    concern_resolution: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    activity_rows: Mapped[list[CheckinActivity]] = relationship(
        cascade="all, delete-orphan",
        order_by="CheckinActivity.activity",
        lazy="selectin",
        passive_deletes=True,
    )

    @property
    def activities(self) -> list[Activity]:
        return sorted((row.activity for row in self.activity_rows), key=list(Activity).index)

    @activities.setter
    def activities(self, values: list[Activity]) -> None:
        wanted = set(values)
        self.activity_rows = [r for r in self.activity_rows if r.activity in wanted] + [
            CheckinActivity(activity=a)
            for a in sorted(wanted - {r.activity for r in self.activity_rows})
        ]

    @property
    def concern_open(self) -> bool:
        return self.concern_reason is not None and self.concern_resolved_at is None

    @property
    def counts_for_hours(self) -> bool:
        return self.status is CheckinStatus.confirmed

    @property
    def counts_for_adherence(self) -> bool:
        return self.status is not CheckinStatus.disputed


class CheckinActivity(Base):
    __tablename__ = "checkin_activities"
    __table_args__ = (Index("ix_checkin_activities_activity_checkin_id", "activity", "checkin_id"),)

    checkin_id: Mapped[int] = mapped_column(
        ForeignKey("checkins.id", ondelete="CASCADE"), primary_key=True
    )
    activity: Mapped[Activity] = mapped_column(str_enum(Activity, "activity"), primary_key=True)
