"""Input model of the matching engine: people, language levels and weekly slots.

Everything here is plain, immutable data validated on construction, so the vectorised code
downstream can trust its input and error messages can name the offending id and field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from types import MappingProxyType
from typing import TypeAlias, TypeVar

Id: TypeAlias = int | str
"""A person's id: the app's primary key (int) or any string key; one kind per side."""

LEVELS: tuple[str, ...] = ("basic", "conversational", "fluent", "native")
"""Language levels from weakest to strongest; a level's rank is its index + 1."""

LEVEL_RANK: Mapping[str, int] = MappingProxyType({name: i + 1 for i, name in enumerate(LEVELS)})

DAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PARTS_OF_DAY: tuple[str, ...] = ("morning", "afternoon", "evening")
SLOTS: tuple[str, ...] = tuple(f"{d}-{p}" for d in DAYS for p in PARTS_OF_DAY)
"""The 21 weekly slots, ``mon-morning`` … ``sun-evening``; slot ``k`` is bit ``k`` of a mask."""

SLOT_BIT: Mapping[str, int] = MappingProxyType({name: i for i, name in enumerate(SLOTS)})

BUDDY_GENDER_CHOICES: tuple[str, ...] = ("any", "same")

ISO_CODE = re.compile(r"[a-z]{2,3}")


def _check_person(kind: str, person: Newcomer | Volunteer) -> None:
    """Validate the fields both sides share; raise ValueError naming the id and field."""
    pid = person.id
    if isinstance(pid, bool) or not isinstance(pid, int | str):
        raise ValueError(f"{kind} id must be an int or a str, got {pid!r}")
    where = f"{kind} {pid!r}"
    for code, level in person.languages.items():
        if not isinstance(code, str) or not ISO_CODE.fullmatch(code):
            raise ValueError(
                f"{where}: languages: invalid ISO 639 code {code!r} (2-3 lowercase letters)"
            )
        if level not in LEVEL_RANK:
            raise ValueError(
                f"{where}: languages[{code!r}]: unknown level {level!r}, expected one of {LEVELS}"
            )
    unknown = sorted(s for s in person.availability if s not in SLOT_BIT)
    if unknown:
        raise ValueError(f"{where}: availability: unknown slot name(s) {unknown}")
    for name, value, limit in (("lat", person.lat, 90.0), ("lon", person.lon, 180.0)):
        if (isinstance(value, bool) or not isinstance(value, int | float)
                or not math.isfinite(value) or abs(value) > limit):
            raise ValueError(f"{where}: {name} must be a number in [-{limit}, {limit}]")
    if person.buddy_gender not in BUDDY_GENDER_CHOICES:
        raise ValueError(
            f"{where}: buddy_gender must be one of {BUDDY_GENDER_CHOICES}, "
            f"got {person.buddy_gender!r}"
        )
    if person.gender is not None and not isinstance(person.gender, str):
        raise ValueError(f"{where}: gender must be a str or None")
    if any(not isinstance(x, str) or not x for x in person.interests):
        raise ValueError(f"{where}: interests must be non-empty strings")


def _freeze(kind: str, person: Newcomer | Volunteer) -> None:
    """Copy the mutable inputs so a caller's later edits cannot change a frozen person."""
    if not isinstance(person.languages, Mapping):
        raise ValueError(f"{kind} {person.id!r}: languages must map ISO codes to levels")
    languages = MappingProxyType(dict(person.languages))
    bad_slots = ValueError(f"{kind} {person.id!r}: availability must be a set of slot names")
    if isinstance(person.availability, str):  # a lone slot name would split into letters
        raise bad_slots
    try:
        availability = frozenset(person.availability)
    except TypeError:
        raise bad_slots from None
    if isinstance(person.interests, str):
        raise ValueError(f"{kind} {person.id!r}: interests must be a set of strings")
    try:
        interests = frozenset(person.interests)
    except TypeError:
        raise ValueError(f"{kind} {person.id!r}: interests must be a set of strings") from None
    object.__setattr__(person, "languages", languages)
    object.__setattr__(person, "availability", availability)
    object.__setattr__(person, "interests", interests)


@dataclass(frozen=True, kw_only=True)
class Newcomer:
    """A newcomer waiting for a panel.

    Examples
    --------
    >>> n = Newcomer(id=1, languages={"ar": "native", "nl": "basic"},
    ...              availability={"mon-evening", "sat-morning"}, lat=51.03, lon=4.48)
    >>> sorted(n.availability), n.priority, n.buddy_gender
    (['mon-evening', 'sat-morning'], False, 'any')
    >>> Newcomer(id=2, languages={"NL": "basic"}, availability=set(), lat=51.0, lon=4.5)
    Traceback (most recent call last):
    ...
    ValueError: newcomer 2: languages: invalid ISO 639 code 'NL' (2-3 lowercase letters)
    """

    id: Id
    languages: Mapping[str, str]
    availability: AbstractSet[str]
    lat: float
    lon: float
    gender: str | None = None
    buddy_gender: str = "any"
    interests: AbstractSet[str] = frozenset()
    """Interests and goals as stable keys (the caller normalises free text); shared ones
    count in the interests criterion."""
    priority: bool = False
    """In the civic-integration programme: gets a small extra weight."""
    waiting_days: int = 0
    area: str | None = None
    """Neighbourhood id for the shortage report; None falls back to a coarse grid cell."""

    def __post_init__(self) -> None:
        _freeze("newcomer", self)
        _check_person("newcomer", self)
        if not isinstance(self.priority, bool):
            raise ValueError(f"newcomer {self.id!r}: priority must be a bool")
        if isinstance(self.waiting_days, bool) or not isinstance(self.waiting_days, int):
            raise ValueError(f"newcomer {self.id!r}: waiting_days must be an int")
        if self.waiting_days < 0:
            raise ValueError(f"newcomer {self.id!r}: waiting_days must be >= 0")
        if self.area is not None and not isinstance(self.area, str):
            raise ValueError(f"newcomer {self.id!r}: area must be a str or None")

    def __hash__(self) -> int:
        # The mapping field is unhashable; the id identifies a newcomer within a round.
        return hash(("newcomer", self.id))


@dataclass(frozen=True, kw_only=True)
class Volunteer:
    """An approved volunteer.

    ``open_panels`` is the current exposure (open panels this volunteer already appears in);
    ``free_capacity`` is how many more newcomers they could take as buddy (0: not matchable).

    Examples
    --------
    >>> v = Volunteer(id="v1", languages={"nl": "native"}, availability={"mon-evening"},
    ...               lat=51.02, lon=4.47, open_panels=1)
    >>> v.free_capacity, v.open_panels
    (1, 1)
    >>> Volunteer(id="v2", languages={}, availability=set(), lat=51.0, lon=4.5,
    ...           free_capacity=-1)
    Traceback (most recent call last):
    ...
    ValueError: volunteer 'v2': free_capacity must be an int >= 0
    """

    id: Id
    languages: Mapping[str, str]
    availability: AbstractSet[str]
    lat: float
    lon: float
    gender: str | None = None
    buddy_gender: str = "any"
    interests: AbstractSet[str] = frozenset()
    open_panels: int = 0
    free_capacity: int = 1

    def __post_init__(self) -> None:
        _freeze("volunteer", self)
        _check_person("volunteer", self)
        for name in ("open_panels", "free_capacity"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"volunteer {self.id!r}: {name} must be an int >= 0")

    def __hash__(self) -> int:
        return hash(("volunteer", self.id))


_P = TypeVar("_P", "Newcomer", "Volunteer")


def check_population(
    newcomers: Iterable[Newcomer], volunteers: Iterable[Volunteer]
) -> tuple[list[Newcomer], list[Volunteer]]:
    """Validate a round's population: right types, unique ids, one id kind per side."""
    return _check_side("newcomer", newcomers, Newcomer), _check_side(
        "volunteer", volunteers, Volunteer
    )


def _check_side(kind: str, people: Iterable[_P], cls: type[_P]) -> list[_P]:
    listed = list(people)
    seen: set[Id] = set()
    for p in listed:
        if not isinstance(p, cls):
            raise ValueError(f"expected {cls.__name__} objects, got {type(p).__name__}")
        if p.id in seen:
            raise ValueError(f"duplicate {kind} id {p.id!r}")
        seen.add(p.id)
    if len({type(p.id) for p in listed}) > 1:
        raise ValueError(f"{kind} ids must be all int or all str (ties are broken by id)")
    return listed
