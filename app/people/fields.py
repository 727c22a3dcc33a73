"""The parts of a newcomer's or volunteer's profile that creating and updating share: field
types, the language and location inputs, and the checks a value must pass.

Validators raise ``ValueError(msgid)`` with an English gettext message id: the web layer
translates it for the reader. ``app.people.schemas`` builds the request models from these.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from app.i18n.catalog import N_
from app.people import interests
from app.people.vocabulary import SLOTS, Goal, Level, is_language_code

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


class Strict(BaseModel):
    """Unknown fields are refused, so a typo (or an attempt to set ``role``) is reported."""

    model_config = ConfigDict(extra="forbid")


# --- parts ---------------------------------------------------------------------------------


class LanguageIn(Strict):
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


class LocationIn(Strict):
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


def check_year_of_birth(value: int) -> int:
    # Only the year is known, so "adult" means turning 18 this calendar year at the latest.
    this_year = date.today().year
    if value > this_year - MIN_AGE:
        raise ValueError(N_("The programme is for adults (18 or older)."))
    if value < this_year - MAX_AGE:
        raise ValueError(N_("Check the year of birth."))
    return value


def check_languages(value: list[LanguageIn], *, min_dutch: Level | None) -> list[LanguageIn]:
    codes = [lang.code for lang in value]
    if len(codes) != len(set(codes)):
        raise ValueError(N_("Each language only once, please."))
    levels = {lang.code: lang.level for lang in value}
    if "nl" not in levels:
        raise ValueError(N_("Tell us how well you speak Dutch (even if only a little)."))
    if min_dutch is not None and LEVEL_ORDER.index(levels["nl"]) < LEVEL_ORDER.index(min_dutch):
        raise ValueError(N_("Buddies need to speak Dutch at least at conversational level."))
    return value


def check_slots(value: list[str]) -> list[str]:
    unknown = [slot for slot in value if slot not in SLOTS]
    if unknown:
        raise ValueError(N_("Unknown time slot."))
    # Canonical order (Monday morning first), no duplicates: stable for display and matching.
    chosen = set(value)
    return [slot for slot in SLOTS if slot in chosen]


def check_interests(value: list[str]) -> list[str]:
    """Listed interests as their stable keys, free text trimmed; duplicates (in any case,
    accents or language) once. API clients may send keys or names, one interest per item."""
    if any(len(raw.strip()) > 40 for raw in value):
        raise ValueError(N_("Keep each interest short (at most 40 characters)."))
    items = interests.canonical(value)
    if len(items) > MAX_INTERESTS:
        raise ValueError(N_("At most 20 interests, please."))
    return items


def check_goals(value: list[Goal]) -> list[Goal]:
    return [goal for goal in Goal if goal in set(value)]


def check_arrival(value: date | None) -> date | None:
    if value is not None and value > date.today():
        raise ValueError(N_("The date of arrival cannot be in the future."))
    if value is not None and value.year < date.today().year - MAX_AGE:
        raise ValueError(N_("Check the date of arrival."))
    return value
