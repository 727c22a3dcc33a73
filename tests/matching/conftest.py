"""Builders, hypothesis strategies and reference implementations for the matching tests."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import strategies as st

from matching import LEVELS, SLOTS, MatchingConfig, Newcomer, Volunteer, free_exposure
from matching.flow import first_slot_value
from matching.model import LEVEL_RANK
from matching.panels import pair_bonus

CENTRE = (51.0257, 4.4776)  # Mechelen, Grote Markt


def person_kwargs(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "languages": {"nl": "native"},
        "availability": {"sat-morning"},
        "lat": CENTRE[0],
        "lon": CENTRE[1],
    }
    base.update(overrides)
    return base


def newcomer(id: int = 1, **overrides: object) -> Newcomer:
    kwargs = person_kwargs(languages={"nl": "basic", "ar": "native"})
    kwargs.update(overrides)
    return Newcomer(id=id, **kwargs)  # type: ignore[arg-type]


def volunteer(id: int = 100, **overrides: object) -> Volunteer:
    return Volunteer(id=id, **person_kwargs(**overrides))  # type: ignore[arg-type]


@pytest.fixture
def config() -> MatchingConfig:
    return MatchingConfig()


# -- hypothesis strategies: small cities where many pairs are eligible ------------------------

_LANGS = ("nl", "fr", "en", "ar")
_FEW_SLOTS = SLOTS[:4]
_INTERESTS = ("cooking", "football", "music", "chess", "goal:paperwork")


def _interests() -> st.SearchStrategy[set[str]]:
    return st.sets(st.sampled_from(_INTERESTS), max_size=4)


@st.composite
def _languages(draw: st.DrawFn) -> dict[str, str]:
    codes = draw(st.lists(st.sampled_from(_LANGS), min_size=1, max_size=3, unique=True))
    return {c: draw(st.sampled_from(LEVELS)) for c in codes}


@st.composite
def _place(draw: st.DrawFn) -> tuple[float, float]:
    # within ~12 km of the centre, so the 10 km limit cuts some pairs
    return (CENTRE[0] + draw(st.floats(-0.08, 0.08)), CENTRE[1] + draw(st.floats(-0.1, 0.1)))


@st.composite
def newcomers_st(draw: st.DrawFn, max_size: int) -> list[Newcomer]:
    size = draw(st.integers(0, max_size))
    out = []
    for i in range(size):
        lat, lon = draw(_place())
        out.append(Newcomer(
            id=i + 1, languages=draw(_languages()),
            availability=set(draw(st.lists(st.sampled_from(_FEW_SLOTS), max_size=3))),
            lat=lat, lon=lon, gender=draw(st.sampled_from(["f", "m", None])),
            buddy_gender=draw(st.sampled_from(["any", "any", "same"])),
            interests=draw(_interests()),
            priority=draw(st.booleans()), waiting_days=draw(st.integers(0, 400)),
            area=draw(st.sampled_from([None, "north", "south"]))))
    return out


@st.composite
def volunteers_st(draw: st.DrawFn, max_size: int) -> list[Volunteer]:
    size = draw(st.integers(0, max_size))
    out = []
    for j in range(size):
        lat, lon = draw(_place())
        out.append(Volunteer(
            id=1000 + j, languages=draw(_languages()),
            availability=set(draw(st.lists(st.sampled_from(_FEW_SLOTS), max_size=3))),
            lat=lat, lon=lon, gender=draw(st.sampled_from(["f", "m", None])),
            buddy_gender=draw(st.sampled_from(["any", "any", "same"])),
            interests=draw(_interests()),
            open_panels=draw(st.integers(0, 2)), free_capacity=draw(st.integers(0, 2))))
    return out


@st.composite
def rounds_st(draw: st.DrawFn, max_newcomers: int = 6, max_volunteers: int = 8,
              max_panel: int = 3) -> tuple[list[Newcomer], list[Volunteer], MatchingConfig,
                                           set[tuple[int, int]]]:
    ns = draw(newcomers_st(max_newcomers))
    vs = draw(volunteers_st(max_volunteers))
    pairs = [(n.id, v.id) for n in ns for v in vs]
    excluded = set(draw(st.lists(st.sampled_from(pairs), max_size=3))) if pairs else set()
    tiny_pools = draw(st.booleans())  # force the pricing loop to add pairs
    prune = {"candidates_per_newcomer": 1, "candidates_per_volunteer": 1} if tiny_pools else {}
    cfg = MatchingConfig(panel_size=draw(st.integers(1, max_panel)),
                         max_open_panels=draw(st.integers(1, 3)),
                         weight_interests=draw(st.sampled_from([0.0, 0.1, 0.5])),
                         practice_weight=draw(st.sampled_from([0.0, 0.5])), **prune)
    return ns, vs, cfg, excluded


# -- references -------------------------------------------------------------------------------

def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def reference_score(n: Newcomer, v: Volunteer, cfg: MatchingConfig) -> float | None:
    """The documented formulas, one pair at a time in plain Python (None: ineligible)."""
    lo_min, top, both = (LEVEL_RANK[cfg.min_language_level], LEVEL_RANK[cfg.min_top_level],
                         LEVEL_RANK[cfg.min_both_level])
    usable, usable_codes = [], set()
    for code in n.languages.keys() & v.languages.keys():
        a, b = LEVEL_RANK[n.languages[code]], LEVEL_RANK[v.languages[code]]
        if min(a, b) >= lo_min and (max(a, b) >= top or min(a, b) >= both):
            usable.append(min(a, b))
            usable_codes.add(code)
    shared = len(n.availability & v.availability)
    dist = haversine_km(n.lat, n.lon, v.lat, v.lon)
    same = n.buddy_gender == "same" or v.buddy_gender == "same"
    if (not usable or not shared or dist > cfg.max_distance_km or v.free_capacity == 0
            or (same and (n.gender is None or n.gender != v.gender))):
        return None
    strongest_level = max(LEVEL_RANK[x] for x in n.languages.values())
    bonus = any(LEVEL_RANK[lv] == strongest_level and c in v.languages
                and LEVEL_RANK[v.languages[c]] >= lo_min for c, lv in n.languages.items())
    b, q = cfg.language_bonus, cfg.practice_weight
    practice = usable_codes == {cfg.practice_language}
    lang = (1 - q) * ((1 - b) * max(usable) / 4 + b * bonus) + q * practice
    avail = min(shared, cfg.availability_saturation) / cfg.availability_saturation
    prox = 2 ** (-dist / cfg.proximity_half_life_km)
    common = len(n.interests & v.interests)
    interest = min(common, cfg.interest_saturation) / cfg.interest_saturation
    total = (cfg.weight_language + cfg.weight_availability + cfg.weight_proximity
             + cfg.weight_interests)
    return (cfg.weight_language * lang + cfg.weight_availability * avail
            + cfg.weight_proximity * prox + cfg.weight_interests * interest) / total


def brute_force(ns: Sequence[Newcomer], vs: Sequence[Volunteer], cfg: MatchingConfig,
                scores: np.ndarray) -> tuple[float, int]:
    """(best objective, most newcomers served) over every feasible proposal."""
    k = cfg.panel_size
    values = np.array(cfg.slot_values(first_slot_value(cfg, len(ns))))
    bonus = pair_bonus(ns, cfg)
    cap = [free_exposure(v, cfg) for v in vs]
    options = []
    for i in range(len(ns)):
        eligible = [j for j in range(len(vs)) if scores[i, j] > 0 and cap[j] > 0]
        opts = []
        for size in range(min(k, len(eligible)) + 1):
            for subset in itertools.combinations(eligible, size):
                value = values[:size].sum() + sum(scores[i, j] + bonus[i] for j in subset)
                opts.append((subset, float(value)))
        options.append(opts)
    best, most = -math.inf, 0
    load = [0] * len(vs)

    def walk(i: int, acc: float, served: int) -> None:
        nonlocal best, most
        if i == len(ns):
            best, most = max(best, acc), max(most, served)
            return
        for subset, value in options[i]:
            if all(load[j] < cap[j] for j in subset):
                for j in subset:
                    load[j] += 1
                walk(i + 1, acc + value, served + bool(subset))
                for j in subset:
                    load[j] -= 1

    walk(0, 0.0, 0)
    return best, most
