"""Input model of the matching engine: people, language levels, weekly slots and the config.

Everything here is plain, immutable data validated on construction, so the vectorised code
downstream can trust its input and error messages can name the offending id and field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from itertools import pairwise
from types import MappingProxyType
from typing import Any, TypeAlias, TypeVar

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

_ISO_CODE = re.compile(r"[a-z]{2,3}")


def _check_person(kind: str, person: Newcomer | Volunteer) -> None:
    """Validate the fields both sides share; raise ValueError naming the id and field."""
    pid = person.id
    if isinstance(pid, bool) or not isinstance(pid, int | str):
        raise ValueError(f"{kind} id must be an int or a str, got {pid!r}")
    where = f"{kind} {pid!r}"
    for code, level in person.languages.items():
        if not isinstance(code, str) or not _ISO_CODE.fullmatch(code):
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


@dataclass(frozen=True, kw_only=True)
class MatchingConfig:
    """Every knob of the engine, validated on construction.

    Scores and the panel objective are documented in :mod:`matching.scoring` and
    :mod:`matching.panels`. Weights need not sum to one: the score divides by their sum.

    Examples
    --------
    >>> MatchingConfig().panel_size, MatchingConfig().max_open_panels
    (5, 2)
    >>> MatchingConfig(max_distance_km=0)
    Traceback (most recent call last):
    ...
    ValueError: MatchingConfig.max_distance_km must be a finite number > 0, got 0
    """

    panel_size: int = 5
    max_open_panels: int = 2
    """Exposure limit: a volunteer appears in at most this many open panels."""
    weight_language: float = 0.4
    weight_availability: float = 0.3
    weight_proximity: float = 0.3
    weight_interests: float = 0.1
    """Shared interests and goals: small, so that language, time and place still decide."""
    max_distance_km: float = 10.0
    proximity_half_life_km: float = 3.0
    """Proximity criterion halves every this many km."""
    availability_saturation: int = 3
    """Shared slots at which the availability criterion reaches 1."""
    interest_saturation: int = 3
    """Shared interests (and goals) at which the interests criterion reaches 1."""
    language_bonus: float = 0.25
    """Share of the language criterion earned by speaking the newcomer's strongest language."""
    practice_language: str = "nl"
    """The language newcomers come to practise (ISO 639)."""
    practice_weight: float = 0.0
    """Share of the language criterion earned by pairs that can talk *only* in the practice
    language, in [0, 1). 0 (default): a shared mother tongue counts fully; higher values put
    "practise Dutch with a Flemish buddy" ahead of a buddy who speaks the newcomer's language."""
    min_language_level: str = "basic"
    """Both must speak the shared language at least at this level …"""
    min_top_level: str = "fluent"
    """… and one of them at least at this level …"""
    min_both_level: str = "conversational"
    """… or both at least at this level."""
    first_slot_value: float | None = None
    """Value of a newcomer's first panel slot; None = automatic, large enough to serve as many
    newcomers as possible first (see :mod:`matching.panels`)."""
    extra_slot_values: tuple[float, ...] = (0.2, 0.15, 0.1, 0.05)
    """Values of slots 2, 3, … of a panel, non-increasing; missing entries count as 0 and
    entries beyond ``panel_size`` are ignored."""
    priority_weight: float = 0.05
    """Added to every pair of a newcomer in the civic-integration programme."""
    waiting_weight: float = 0.05
    """Added to every pair of a newcomer, times min(waiting_days, waiting_cap_days)/cap."""
    waiting_cap_days: int = 180
    candidates_per_newcomer: int = 40
    """Pruning: each newcomer's best volunteers (by score) in the candidate graph. Speed and
    memory only: pairs outside it are still checked, so the answer stays optimal."""
    candidates_per_volunteer: int = 20
    """Pruning: each volunteer's best newcomers (by weight) in the candidate graph."""
    optimality_tolerance: float = 1e-6
    """Largest duality gap (in score units) accepted as a proof of optimality."""
    max_rounds: int = 30
    """Full pricing passes over all eligible pairs (after the warm-up pass) before giving up
    on the proof; the proposal is then feasible but ``certificate.optimal`` is False."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "extra_slot_values", tuple(self.extra_slot_values))
        for name in ("panel_size", "max_open_panels", "availability_saturation",
                     "waiting_cap_days", "interest_saturation", "candidates_per_newcomer",
                     "candidates_per_volunteer", "max_rounds"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"MatchingConfig.{name} must be an int >= 1, got {value!r}")
        nonneg = ("weight_language", "weight_availability", "weight_proximity",
                  "weight_interests", "priority_weight", "waiting_weight")
        for name in nonneg:
            _check_float(name, getattr(self, name), positive=False)
        for name in ("max_distance_km", "proximity_half_life_km", "optimality_tolerance"):
            _check_float(name, getattr(self, name), positive=True)
        if self.weight_language + self.weight_availability + self.weight_proximity <= 0:
            # Interests alone would give eligible pairs without a shared interest a 0 score.
            raise ValueError(
                "MatchingConfig: language, availability and proximity weights must not all be 0")
        _check_float("language_bonus", self.language_bonus, positive=False)
        if self.language_bonus >= 1:
            # At 1 a pair without the bonus would score 0 on language: keep scores positive.
            raise ValueError("MatchingConfig.language_bonus must be in [0, 1)")
        _check_float("practice_weight", self.practice_weight, positive=False)
        if self.practice_weight >= 1:
            raise ValueError("MatchingConfig.practice_weight must be in [0, 1)")
        if not isinstance(self.practice_language, str) or not _ISO_CODE.fullmatch(
                self.practice_language):
            raise ValueError("MatchingConfig.practice_language must be an ISO 639 code")
        if self.max_distance_km > 100 * self.proximity_half_life_km:
            # 2**-100 is still a positive float32: every eligible pair keeps a positive score.
            raise ValueError(
                "MatchingConfig.max_distance_km must be at most 100 × proximity_half_life_km"
            )
        for name in ("min_language_level", "min_top_level", "min_both_level"):
            if getattr(self, name) not in LEVEL_RANK:
                raise ValueError(
                    f"MatchingConfig.{name} must be one of {LEVELS}, got {getattr(self, name)!r}"
                )
        for value in self.extra_slot_values:
            _check_float("extra_slot_values", value, positive=False)
        values = list(self.extra_slot_values)
        if self.first_slot_value is not None:
            _check_float("first_slot_value", self.first_slot_value, positive=False)
            values.insert(0, self.first_slot_value)
        if any(a < b for a, b in pairwise(values)):
            raise ValueError(
                "MatchingConfig: panel slot values must be non-increasing (concave panel value)"
            )

    def slot_values(self, first: float) -> tuple[float, ...]:
        """The ``panel_size`` slot values, with ``first`` as the first slot's value."""
        extra = (*self.extra_slot_values, *(0.0,) * self.panel_size)[: self.panel_size - 1]
        return (first, *extra)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly copy of every field (for logs and the app's audit trail)."""
        return {f: getattr(self, f) for f in self.__dataclass_fields__}


def _check_float(name: str, value: object, *, positive: bool) -> None:
    ok = (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and (value > 0 if positive else value >= 0)
    )
    if not ok:
        bound = "> 0" if positive else ">= 0"
        raise ValueError(f"MatchingConfig.{name} must be a finite number {bound}, got {value!r}")


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
