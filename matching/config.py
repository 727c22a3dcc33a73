"""The engine's configuration: panel size, exposure limit, weights and rules, validated once.

Apart from the people (:mod:`matching.model`), this is everything a round depends on; the app
builds it from the city's settings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from matching.model import ISO_CODE, LEVEL_RANK, LEVELS


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
        if not isinstance(self.practice_language, str) or not ISO_CODE.fullmatch(
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
