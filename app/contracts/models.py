"""The six-month agreement between one newcomer and one volunteer.

The programme's rules that may change per city (cadence, length) are copied into the contract
when it is made, so a later change of the city profile never rewrites what a pair signed.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import str_enum
from app.config import Cadence
from app.db import Base, utcnow
from app.people.models import Newcomer, Volunteer


class ContractStatus(StrEnum):
    pending = "pending"  # made by the newcomer's pick, waiting for both signatures
    active = "active"  # both signed; runs from start_date to end_date
    completed = "completed"  # end_date reached
    ended_early = "ended_early"  # stopped before end_date by either side or by staff
    declined = "declined"  # the volunteer said no while it was pending


LIVE_STATUSES = (ContractStatus.pending, ContractStatus.active)


class EndReason(StrEnum):
    moved_away = "moved_away"
    no_time = "no_time"
    no_click = "no_click"
    health = "health"
    found_work = "found_work"
    not_meeting = "not_meeting"
    other = "other"
    erased = "erased"  # one side's personal data was erased (GDPR Art. 17, app/privacy)


_LIVE_SQL = text("status IN ('pending', 'active')")


class Contract(Base):
    __tablename__ = "contracts"
    __table_args__ = (
        CheckConstraint("months BETWEEN 1 AND 24", name="months_range"),
        CheckConstraint("end_date IS NULL OR end_date > start_date", name="dates_order"),
        CheckConstraint(
            "status NOT IN ('active', 'completed') OR "
            "(start_date IS NOT NULL AND end_date IS NOT NULL)",
            name="dated_when_signed",
        ),
        CheckConstraint("extended_months BETWEEN 0 AND 12", name="extended_months_range"),
        CheckConstraint(
            "extension_proposed_by IS NULL OR extension_proposed_by IN ('newcomer', 'volunteer')",
            name="extension_proposed_by_side",
        ),
        # "Active contracts of a volunteer/newcomer" and the dashboard's "by status and date".
        Index("ix_contracts_volunteer_id_status", "volunteer_id", "status"),
        Index("ix_contracts_newcomer_id_status", "newcomer_id", "status"),
        Index("ix_contracts_status_end_date", "status", "end_date"),
        Index("ix_contracts_status_start_date", "status", "start_date"),
        # A newcomer has at most one live buddy, even if two picks race.
        Index(
            "uq_contracts_one_live_per_newcomer",
            "newcomer_id",
            unique=True,
            sqlite_where=_LIVE_SQL,
            postgresql_where=_LIVE_SQL,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    newcomer_id: Mapped[int] = mapped_column(ForeignKey("newcomers.id", ondelete="CASCADE"))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"))
    panel_id: Mapped[int | None] = mapped_column(
        ForeignKey("panels.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[ContractStatus] = mapped_column(
        str_enum(ContractStatus, "contract_status"), default=ContractStatus.pending
    )
    # Frozen from the city profile when the contract is made.
    cadence: Mapped[Cadence] = mapped_column(str_enum(Cadence, "cadence"))
    months: Mapped[int]
    # The pair's first shared slot (e.g. "mon-evening"), for the calendar file; None if none.
    meeting_slot: Mapped[str | None] = mapped_column(String(16))
    # The earliest start either signer asked for; start_date is the later of it and the
    # second signature's date.
    requested_start_date: Mapped[date | None]
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]

    newcomer_signed_name: Mapped[str | None] = mapped_column(String(200))
    newcomer_signed_at: Mapped[datetime | None]
    newcomer_signed_ip: Mapped[str | None] = mapped_column(String(64))
    volunteer_signed_name: Mapped[str | None] = mapped_column(String(200))
    volunteer_signed_at: Mapped[datetime | None]
    volunteer_signed_ip: Mapped[str | None] = mapped_column(String(64))

    # The one extension (rules.py): one side proposes (its signature), the other accepts (the
    # second signature). A declined or withdrawn proposal is cleared (the audit log keeps it).
    # ``extended_from`` is the end date before the extension; ``months`` stays what was signed.
    extension_proposed_by: Mapped[str | None] = mapped_column(String(16))
    extension_proposed_at: Mapped[datetime | None]
    extension_accepted_at: Mapped[datetime | None]
    extended_months: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    extended_from: Mapped[date | None]
    # After completion, either side may say the pair carries on as friends
    # (app/programme/states.py counts it); each side's own statement, with when.
    newcomer_carrying_on_at: Mapped[datetime | None]
    volunteer_carrying_on_at: Mapped[datetime | None]

    # How it ended (completed, ended early or declined), when and by whom.
    ended_at: Mapped[datetime | None]
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    end_reason: Mapped[EndReason | None] = mapped_column(str_enum(EndReason, "end_reason"))
    end_note: Mapped[str] = mapped_column(Text, default="")

    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    newcomer: Mapped[Newcomer] = relationship(lazy="joined", foreign_keys=[newcomer_id])
    volunteer: Mapped[Volunteer] = relationship(lazy="joined", foreign_keys=[volunteer_id])

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def total_months(self) -> int:
        """The months the pair agreed in all: the signed length plus the extension."""
        return self.months + self.extended_months

    @property
    def extension_pending(self) -> bool:
        return self.extension_proposed_at is not None and self.extension_accepted_at is None
