"""People in the programme: one ``Person`` row per account, specialised as newcomer or volunteer.

Joined-table inheritance keeps the shared person fields (names, languages, availability,
location) in one place, so matching and search read them the same way for both sides.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User, str_enum
from app.db import Base, utcnow
from app.people.vocabulary import BuddyGender, Gender, Level


class PersonKind(StrEnum):
    newcomer = "newcomer"
    volunteer = "volunteer"


class IntakeStatus(StrEnum):
    """A newcomer's intake: staff check the programme's conditions before matching."""

    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class VettingStatus(StrEnum):
    """A volunteer's screening; ``paused`` is the volunteer's own choice to stop being proposed."""

    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    paused = "paused"


class Person(Base):
    __tablename__ = "people"
    __table_args__: tuple[CheckConstraint, ...] = (
        CheckConstraint("lat BETWEEN -90 AND 90", name="lat_range"),
        CheckConstraint("lon BETWEEN -180 AND 180", name="lon_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[PersonKind] = mapped_column(str_enum(PersonKind, "person_kind"))
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    year_of_birth: Mapped[int]
    gender: Mapped[Gender] = mapped_column(str_enum(Gender, "gender"))
    buddy_gender: Mapped[BuddyGender] = mapped_column(str_enum(BuddyGender, "buddy_gender"))
    phone: Mapped[str | None] = mapped_column(String(32))
    # Either a neighbourhood of the city profile (lat/lon then hold its centre) or a point.
    neighbourhood: Mapped[str | None] = mapped_column(String(64), index=True)
    lat: Mapped[float]
    lon: Mapped[float]
    availability: Mapped[list[str]] = mapped_column(JSON, default=list)
    interests: Mapped[list[str]] = mapped_column(JSON, default=list)
    goals: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    consent_at: Mapped[datetime]
    # The privacy notice version accepted at consent_at (the city profile's current one);
    # None for consents given before notices were versioned: asked again at next login.
    consent_version: Mapped[str | None] = mapped_column(String(32))
    # Art. 17: asked by the person (or by withdrawing consent), done by staff (app/privacy).
    erasure_requested_at: Mapped[datetime | None]
    erased_at: Mapped[datetime | None] = mapped_column(index=True)
    # Retention: warned by email that the account will be erased for inactivity.
    inactivity_warned_at: Mapped[datetime | None]
    # Indexed: the dashboard counts registrations by day live for the days buddy tick has not
    # summed (e.g. those before the first registration), a range that is mostly empty.
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(lazy="joined")
    languages: Mapped[list[PersonLanguage]] = relationship(
        cascade="all, delete-orphan",
        order_by="PersonLanguage.code",
        lazy="selectin",
        back_populates="person",
    )

    __mapper_args__ = {"polymorphic_on": "kind"}

    @property
    def language_levels(self) -> dict[str, Level]:
        return {lang.code: lang.level for lang in self.languages}

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class PersonLanguage(Base):
    __tablename__ = "person_languages"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(3), primary_key=True, index=True)
    level: Mapped[Level] = mapped_column(str_enum(Level, "level"))

    person: Mapped[Person] = relationship(back_populates="languages")


class Newcomer(Person):
    __tablename__ = "newcomers"

    id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    arrived_on: Mapped[date | None]
    civic_integration: Mapped[bool] = mapped_column(default=False)
    intake_status: Mapped[IntakeStatus] = mapped_column(
        str_enum(IntakeStatus, "intake_status"), default=IntakeStatus.pending, index=True
    )
    # When the newcomer started waiting for a buddy (registration, or an early end).
    waiting_since: Mapped[datetime] = mapped_column(default=utcnow)
    # Kept by database triggers on contracts (migration 8e4b1c7d2f60), for counting in SQL:
    # the position in app/programme/states.LADDER_STATUSES of the first status the newcomer's
    # contracts hold, NULL if none. Never set or read it in Python (a loaded value can be
    # stale within a session); deferred, so the ORM does not load it.
    contract_rung: Mapped[int | None] = mapped_column(SmallInteger, deferred=True)

    __mapper_args__ = {"polymorphic_identity": PersonKind.newcomer}


class Volunteer(Person):
    __tablename__ = "volunteers"
    __table_args__: tuple[CheckConstraint, ...] = (
        CheckConstraint("max_buddies BETWEEN 1 AND 5", name="max_buddies_range"),
        CheckConstraint("committed_buddies >= 0", name="committed_buddies_nonnegative"),
    )

    id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    bio: Mapped[str] = mapped_column(Text, default="")
    max_buddies: Mapped[int] = mapped_column(default=1)
    # Pending + active contracts, kept by app/contracts/service.py. Claimed with one conditional
    # UPDATE (``... WHERE committed_buddies < max_buddies``) so two simultaneous picks can never
    # both take a volunteer's last place.
    committed_buddies: Mapped[int] = mapped_column(default=0, server_default="0")
    vetting_status: Mapped[VettingStatus] = mapped_column(
        str_enum(VettingStatus, "vetting_status"), default=VettingStatus.pending, index=True
    )
    vetting_note: Mapped[str] = mapped_column(Text, default="")
    vetted_at: Mapped[datetime | None]
    vetted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __mapper_args__ = {"polymorphic_identity": PersonKind.volunteer}
