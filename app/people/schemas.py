"""What the API and the forms accept and return for newcomer and volunteer profiles.

Everything that can be checked without the city profile or the database is checked here, so a
request fails with every field error at once. Rules that need the city (neighbourhood ids, the
city area, the offered site locales) are checked in ``service``. The field types and checks
that creating and updating share are in ``app.people.fields``.

Validators raise ``ValueError(msgid)`` with an English gettext message id: the web layer
translates it for the reader.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import (
    AliasChoices,
    AliasPath,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    field_validator,
    model_validator,
)

from app.i18n.catalog import N_
from app.people.fields import (
    VOLUNTEER_MIN_DUTCH,
    Bio,
    LanguageIn,
    LocationIn,
    LongText,
    Name,
    Password,
    Phone,
    Strict,
    check_arrival,
    check_goals,
    check_interests,
    check_languages,
    check_slots,
    check_year_of_birth,
)
from app.people.models import IntakeStatus, VettingStatus
from app.people.vocabulary import SLOTS, BuddyGender, Gender, Goal, Level

# --- create --------------------------------------------------------------------------------


class _PersonCreate(Strict):
    email: EmailStr
    password: Password
    first_name: Name
    last_name: Name
    year_of_birth: int
    gender: Gender
    buddy_gender: BuddyGender = BuddyGender.any
    phone: Phone | None = None
    locale: str | None = Field(default=None, description="Site language; default: the city's")
    languages: list[LanguageIn] = Field(min_length=1, max_length=12)
    availability: list[str] = Field(min_length=1, max_length=len(SLOTS))
    location: LocationIn
    interests: list[str] = Field(default_factory=list, max_length=50)
    goals: list[Goal] = Field(default_factory=list)
    consent: bool = Field(description="Must be true: agreement to the privacy notice")

    @field_validator("year_of_birth")
    @classmethod
    def _year(cls, value: int) -> int:
        return check_year_of_birth(value)

    @field_validator("availability")
    @classmethod
    def _slots(cls, value: list[str]) -> list[str]:
        return check_slots(value)

    @field_validator("interests")
    @classmethod
    def _interests(cls, value: list[str]) -> list[str]:
        return check_interests(value)

    @field_validator("goals")
    @classmethod
    def _goals(cls, value: list[Goal]) -> list[Goal]:
        return check_goals(value)

    @field_validator("consent")
    @classmethod
    def _consent(cls, value: bool) -> bool:
        if value is not True:
            raise ValueError(N_("You need to agree to the privacy notice to register."))
        return value


class NewcomerCreate(_PersonCreate):
    arrived_on: date | None = None
    civic_integration: bool = False
    note: LongText = ""

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: list[LanguageIn]) -> list[LanguageIn]:
        return check_languages(value, min_dutch=None)

    @field_validator("arrived_on")
    @classmethod
    def _arrived(cls, value: date | None) -> date | None:
        return check_arrival(value)


EMAIL_OR_PHONE = N_("Give an email address or a mobile phone number.")


class DeskNewcomerCreate(NewcomerCreate):
    """Registration by staff at the welcome desk: the email address may be missing, then a
    mobile phone number is the login name (and where SMS alerts go)."""

    email: EmailStr | None = None  # type: ignore[assignment]

    @model_validator(mode="after")
    def _email_or_phone(self) -> DeskNewcomerCreate:
        if self.email is None and not self.phone:
            raise ValueError(EMAIL_OR_PHONE)
        return self


class VolunteerCreate(_PersonCreate):
    bio: Bio = ""
    max_buddies: int = Field(default=1, ge=1, le=5)

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: list[LanguageIn]) -> list[LanguageIn]:
        return check_languages(value, min_dutch=VOLUNTEER_MIN_DUTCH)


# --- update (PATCH: only the fields sent are changed) -------------------------------------

# Fields that may be sent as ``null`` to clear them; every other field refuses ``null``.
NULLABLE_FIELDS = frozenset({"phone", "arrived_on"})


class _PersonUpdate(Strict):
    first_name: Name | None = None
    last_name: Name | None = None
    year_of_birth: int | None = None
    gender: Gender | None = None
    buddy_gender: BuddyGender | None = None
    phone: Phone | None = None
    locale: str | None = None
    languages: list[LanguageIn] | None = Field(default=None, min_length=1, max_length=12)
    availability: list[str] | None = Field(default=None, min_length=1, max_length=len(SLOTS))
    location: LocationIn | None = None
    interests: list[str] | None = Field(default=None, max_length=50)
    goals: list[Goal] | None = None

    @field_validator("year_of_birth")
    @classmethod
    def _year(cls, value: int | None) -> int | None:
        return None if value is None else check_year_of_birth(value)

    @field_validator("availability")
    @classmethod
    def _slots(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else check_slots(value)

    @field_validator("interests")
    @classmethod
    def _interests(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else check_interests(value)

    @field_validator("goals")
    @classmethod
    def _goals(cls, value: list[Goal] | None) -> list[Goal] | None:
        return None if value is None else check_goals(value)

    @field_validator("*", mode="after")
    @classmethod
    def _no_null(cls, value: Any, info: Any) -> Any:
        if value is None and info.field_name not in NULLABLE_FIELDS:
            raise ValueError(N_("This field cannot be empty."))
        return value

    def changes(self) -> dict[str, Any]:
        """Only what the client actually sent (a PATCH leaves everything else alone)."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class NewcomerUpdate(_PersonUpdate):
    arrived_on: date | None = None
    civic_integration: bool | None = None
    note: LongText | None = None

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: list[LanguageIn] | None) -> list[LanguageIn] | None:
        return None if value is None else check_languages(value, min_dutch=None)

    @field_validator("arrived_on")
    @classmethod
    def _arrived(cls, value: date | None) -> date | None:
        return check_arrival(value)


class VolunteerUpdate(_PersonUpdate):
    bio: Bio | None = None
    max_buddies: int | None = Field(default=None, ge=1, le=5)

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: list[LanguageIn] | None) -> list[LanguageIn] | None:
        return None if value is None else check_languages(value, min_dutch=VOLUNTEER_MIN_DUTCH)


# --- staff decisions -----------------------------------------------------------------------


class VettingDecision(Strict):
    decision: Literal[VettingStatus.approved, VettingStatus.rejected]
    note: LongText = ""


class IntakeDecision(Strict):
    decision: Literal[IntakeStatus.approved, IntakeStatus.rejected]
    note: LongText = ""


# --- read ----------------------------------------------------------------------------------


class LanguageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    level: Level


class NeighbourhoodRead(BaseModel):
    id: str
    name: str
    lat: float
    lon: float


class _PersonRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    first_name: str
    last_name: str
    year_of_birth: int
    gender: Gender
    buddy_gender: BuddyGender
    phone: str | None
    neighbourhood: str | None
    lat: float
    lon: float
    languages: list[LanguageRead]
    availability: list[str]
    interests: list[str]
    goals: list[str]
    consent_at: datetime
    created_at: datetime


class NewcomerRead(_PersonRead):
    kind: Literal["newcomer"] = "newcomer"
    arrived_on: date | None
    civic_integration: bool
    note: str
    intake_status: IntakeStatus
    waiting_since: datetime


class VolunteerRead(_PersonRead):
    """What a volunteer sees of their own profile (the staff's vetting note stays internal)."""

    kind: Literal["volunteer"] = "volunteer"
    bio: str
    max_buddies: int
    vetting_status: VettingStatus
    vetted_at: datetime | None


# Read from ``person.user.email`` when built from a model.
_EMAIL = Field(validation_alias=AliasChoices("email", AliasPath("user", "email")))


class VolunteerStaffRead(VolunteerRead):
    email: str = _EMAIL
    vetting_note: str
    vetted_by_id: int | None


class NewcomerStaffRead(NewcomerRead):
    email: str | None = _EMAIL  # None: registered at the desk with a phone number only


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str | None  # None: a newcomer registered at the desk with a phone number only
    phone: str | None = None  # E.164, their login name then
    role: str
    locale: str


class MeRead(BaseModel):
    user: UserRead
    profile: NewcomerRead | VolunteerRead | None
    programme_state: str | None = Field(
        default=None,
        description="Where the person is in the programme (app/programme/states.py). "
        "Newcomers: waiting_for_intake, not_accepted, waiting_for_round, panel_open, "
        "choice_pending, active, completed. Volunteers: waiting_for_screening, not_approved, "
        "paused, available, proposed, full. Staff: null.",
    )


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
