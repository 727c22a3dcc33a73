"""What the API and the forms accept and return for newcomer and volunteer profiles.

Everything that can be checked without the city profile or the database is checked here, so a
request fails with every field error at once. Rules that need the city (neighbourhood ids, the
city area, the offered site locales) are checked in ``service``.

Validators raise ``ValueError(msgid)`` with an English gettext message id: the web layer
translates it for the reader.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AliasChoices,
    AliasPath,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from app.i18n.catalog import N_
from app.people.models import IntakeStatus, VettingStatus
from app.people.vocabulary import SLOTS, BuddyGender, Gender, Goal, Level, is_language_code

# Oldest plausible participant; anything earlier is a typing mistake.
MAX_AGE = 110
MIN_AGE = 18
MAX_INTERESTS = 20
# The level of Dutch a volunteer needs: the programme exists to let newcomers practise Dutch, so
# a buddy must be able to hold a conversation in it. Newcomers may be beginners, but must say
# where they stand so staff and matching can take it into account.
VOLUNTEER_MIN_DUTCH = Level.conversational
LEVEL_ORDER = (Level.basic, Level.conversational, Level.fluent, Level.native)

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
Phone = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=32, pattern=r"^\+?[0-9 ()./-]{6,31}$")
]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Bio = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]
Password = Annotated[str, StringConstraints(max_length=200)]


class _Strict(BaseModel):
    """Unknown fields are refused, so a typo (or an attempt to set ``role``) is reported."""

    model_config = ConfigDict(extra="forbid")


# --- parts ---------------------------------------------------------------------------------


class LanguageIn(_Strict):
    code: str = Field(description="ISO 639 code (639-1 where one exists, else 639-3)")
    level: Level

    @field_validator("code", mode="before")
    @classmethod
    def _code(cls, value: Any) -> Any:
        if value is None or value == "":
            raise ValueError(N_("Choose a language."))
        if isinstance(value, str):
            value = value.strip().lower()
            if not is_language_code(value):
                raise ValueError(N_("Unknown language code."))
        return value


class LanguageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    level: Level


class LocationIn(_Strict):
    """Either ``{"neighbourhood": id}`` or ``{"lat": …, "lon": …}``, never both."""

    neighbourhood: str | None = Field(default=None, max_length=64)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)

    @model_validator(mode="after")
    def _one_way(self) -> LocationIn:
        point = self.lat is not None or self.lon is not None
        if self.neighbourhood and point:
            raise ValueError(N_("Give either a neighbourhood or a point, not both."))
        if not self.neighbourhood and (self.lat is None or self.lon is None):
            raise ValueError(N_("Choose a neighbourhood, or give both latitude and longitude."))
        return self


def _check_year_of_birth(value: int) -> int:
    # Only the year is known, so "adult" means turning 18 this calendar year at the latest.
    this_year = date.today().year
    if value > this_year - MIN_AGE:
        raise ValueError(N_("The programme is for adults (18 or older)."))
    if value < this_year - MAX_AGE:
        raise ValueError(N_("Check the year of birth."))
    return value


def _check_languages(value: list[LanguageIn], *, min_dutch: Level | None) -> list[LanguageIn]:
    codes = [lang.code for lang in value]
    if len(codes) != len(set(codes)):
        raise ValueError(N_("Each language only once, please."))
    levels = {lang.code: lang.level for lang in value}
    if "nl" not in levels:
        raise ValueError(N_("Tell us how well you speak Dutch (even if only a little)."))
    if min_dutch is not None and LEVEL_ORDER.index(levels["nl"]) < LEVEL_ORDER.index(min_dutch):
        raise ValueError(N_("Buddies need to speak Dutch at least at conversational level."))
    return value


def _check_slots(value: list[str]) -> list[str]:
    unknown = [slot for slot in value if slot not in SLOTS]
    if unknown:
        raise ValueError(N_("Unknown time slot."))
    # Canonical order (Monday morning first), no duplicates: stable for display and matching.
    chosen = set(value)
    return [slot for slot in SLOTS if slot in chosen]


def _check_interests(value: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for raw in value:
        item = raw.strip()
        if not item:
            continue
        if len(item) > 40:
            raise ValueError(N_("Keep each interest short (at most 40 characters)."))
        seen.setdefault(item.casefold(), item)
    if len(seen) > MAX_INTERESTS:
        raise ValueError(N_("At most 20 interests, please."))
    return list(seen.values())


def _check_goals(value: list[Goal]) -> list[Goal]:
    return [goal for goal in Goal if goal in set(value)]


def _check_arrival(value: date | None) -> date | None:
    if value is not None and value > date.today():
        raise ValueError(N_("The date of arrival cannot be in the future."))
    if value is not None and value.year < date.today().year - MAX_AGE:
        raise ValueError(N_("Check the date of arrival."))
    return value


# --- create --------------------------------------------------------------------------------


class _PersonCreate(_Strict):
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
        return _check_year_of_birth(value)

    @field_validator("availability")
    @classmethod
    def _slots(cls, value: list[str]) -> list[str]:
        return _check_slots(value)

    @field_validator("interests")
    @classmethod
    def _interests(cls, value: list[str]) -> list[str]:
        return _check_interests(value)

    @field_validator("goals")
    @classmethod
    def _goals(cls, value: list[Goal]) -> list[Goal]:
        return _check_goals(value)

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
        return _check_languages(value, min_dutch=None)

    @field_validator("arrived_on")
    @classmethod
    def _arrived(cls, value: date | None) -> date | None:
        return _check_arrival(value)


class VolunteerCreate(_PersonCreate):
    bio: Bio = ""
    max_buddies: int = Field(default=1, ge=1, le=5)

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: list[LanguageIn]) -> list[LanguageIn]:
        return _check_languages(value, min_dutch=VOLUNTEER_MIN_DUTCH)


# --- update (PATCH: only the fields sent are changed) -------------------------------------

# Fields that may be sent as ``null`` to clear them; every other field refuses ``null``.
NULLABLE_FIELDS = frozenset({"phone", "arrived_on"})


class _PersonUpdate(_Strict):
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
        return None if value is None else _check_year_of_birth(value)

    @field_validator("availability")
    @classmethod
    def _slots(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _check_slots(value)

    @field_validator("interests")
    @classmethod
    def _interests(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _check_interests(value)

    @field_validator("goals")
    @classmethod
    def _goals(cls, value: list[Goal] | None) -> list[Goal] | None:
        return None if value is None else _check_goals(value)

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
        return None if value is None else _check_languages(value, min_dutch=None)

    @field_validator("arrived_on")
    @classmethod
    def _arrived(cls, value: date | None) -> date | None:
        return _check_arrival(value)


class VolunteerUpdate(_PersonUpdate):
    bio: Bio | None = None
    max_buddies: int | None = Field(default=None, ge=1, le=5)

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: list[LanguageIn] | None) -> list[LanguageIn] | None:
        return None if value is None else _check_languages(value, min_dutch=VOLUNTEER_MIN_DUTCH)


# --- staff decisions -----------------------------------------------------------------------


class VettingDecision(_Strict):
    decision: Literal[VettingStatus.approved, VettingStatus.rejected]
    note: LongText = ""


class IntakeDecision(_Strict):
    decision: Literal[IntakeStatus.approved, IntakeStatus.rejected]
    note: LongText = ""


# --- read ----------------------------------------------------------------------------------


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
    email: str = _EMAIL


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    role: str
    locale: str


class MeRead(BaseModel):
    user: UserRead
    profile: NewcomerRead | VolunteerRead | None


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
