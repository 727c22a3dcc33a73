"""Synthetic cities for the matching benchmark (reproducible from a seed).

* ``mechelen``: ~10 km across around Mechelen's centre, people clustered in 12 neighbourhoods
  within ~4 km of the centre, so distance rarely rules a pair out. Newcomers' languages follow
  a skewed popularity (Arabic, Ukrainian, Tigrinya, Dari … as listed in
  ``../shared/programme.md``), nearly all have basic Dutch; volunteers speak Dutch plus French,
  English and, for second-generation Mechelaars, Arabic, Tamazight or Turkish. Newcomers are
  available more in daytime, volunteers more in evenings and weekends.
* ``split``: the harder city. Newcomers are mostly free in the daytime (Dutch class in the
  evening, or shifts: ~70 % of the slots they pick), volunteers mostly in the evening and at
  weekends (they work: ~80 %), and the neighbourhoods form two clusters whose centres are 7 km
  apart (a town and its outlying villages): about 38 % of pairs are eligible, against 45 % in
  ``mechelen``, and the eligible ones share fewer slots.

Both have interests and goals (the app's fixed list plus some free text), volunteers' free
exposure smaller than the five slots every newcomer's panel asks for, and n/10 excluded pairs.
"""

from __future__ import annotations

import math

import numpy as np

from matching import SLOTS, Newcomer, Volunteer

CENTRE = (51.0257, 4.4776)
# (ISO 639 code, share among newcomers' mother tongues); Tamazight as Tarifit (rif), the
# Riffian Berber of most Moroccan Mechelaars.
NEWCOMER_LANGUAGES = [
    ("ar", 0.22), ("uk", 0.13), ("ti", 0.08), ("prs", 0.07), ("ps", 0.06), ("so", 0.05),
    ("rif", 0.05), ("ku", 0.04), ("fa", 0.04), ("ro", 0.04), ("ru", 0.04), ("tr", 0.04),
    ("pl", 0.03), ("bg", 0.03), ("es", 0.03), ("pt", 0.02), ("fr", 0.02), ("en", 0.01),
]
HERITAGE = [("ar", 0.10), ("rif", 0.05), ("tr", 0.05), ("pl", 0.01), ("es", 0.02)]
LEVELS = ("basic", "conversational", "fluent", "native")
# The app's fixed list (app/people/interests.py) plus goals; a few free-text ones on top.
INTERESTS = (
    "cooking", "baking", "walking", "cycling", "running", "football", "swimming", "volleyball",
    "yoga", "music", "dancing", "films", "theatre", "reading", "history", "drawing",
    "photography", "gardening", "nature", "fishing", "chess", "board-games", "sewing",
    "computers", "markets", "goal:paperwork", "goal:shopping", "goal:work", "goal:school",
    "goal:leisure", *(f"free-{k}" for k in range(40)),
)  # fmt: skip


def _interests(rng: np.random.Generator) -> set[str]:
    """2–6 interests, the listed ones far more popular than free text."""
    weights = np.array([1.0 if k < 30 else 0.1 for k in range(len(INTERESTS))])
    k = int(rng.integers(2, 7))
    return {INTERESTS[int(i)] for i in rng.choice(len(INTERESTS), size=k, replace=False,
                                                  p=weights / weights.sum())}


def _levels(rng: np.random.Generator, probs: list[float]) -> str:
    return LEVELS[int(rng.choice(4, p=probs))]


def _slots(rng: np.random.Generator, k: int, evening_bias: float,
           day_bias: float = 0.0) -> set[str]:
    evening = np.array([s.endswith("evening") or s.startswith(("sat", "sun")) for s in SLOTS])
    weights = 1.0 + evening_bias * evening + day_bias * ~evening
    picked = rng.choice(len(SLOTS), size=k, replace=False, p=weights / weights.sum())
    return {SLOTS[int(i)] for i in picked}


def _place(rng: np.random.Generator, hoods: np.ndarray) -> tuple[float, float, str]:
    h = int(rng.integers(len(hoods)))
    dlat, dlon = rng.normal(0.0, 0.006, 2)
    return float(hoods[h, 0] + dlat), float(hoods[h, 1] + dlon), f"hood-{h:02d}"


CITIES = ("mechelen", "split")


def _hoods(rng: np.random.Generator, kind: str) -> np.ndarray:
    """Neighbourhood centres (lat, lon); 1° lat ≈ 111 km, 1° lon ≈ 70 km here."""
    ang, rad = rng.uniform(0, 2 * math.pi, 12), 4.0 * np.sqrt(rng.uniform(0, 1, 12))
    if kind == "mechelen":  # within ~4 km of the centre
        return np.column_stack([CENTRE[0] + rad * np.sin(ang) / 111.0,
                                CENTRE[1] + rad * np.cos(ang) / 70.0])
    # split: two clusters of six, their centres 7 km apart east–west, each ~3 km across
    east = np.repeat([-3.5, 3.5], 6)
    rad = 1.5 * np.sqrt(rng.uniform(0, 1, 12))
    return np.column_stack([CENTRE[0] + rad * np.sin(ang) / 111.0,
                            CENTRE[1] + (east + rad * np.cos(ang)) / 70.0])


def synthetic_city(n: int, m: int, seed: int = 0, kind: str = "mechelen"
                   ) -> tuple[list[Newcomer], list[Volunteer], set[tuple[int, int]]]:
    """A reproducible city of ``n`` newcomers and ``m`` volunteers, and excluded pairs."""
    if kind not in CITIES:
        raise ValueError(f"unknown city {kind!r}, expected one of {CITIES}")
    rng = np.random.default_rng(seed)
    likes = np.random.default_rng(seed + 1)  # interests apart: the rest of the city unchanged
    hoods = _hoods(rng, kind)
    # split: newcomers free in the daytime, volunteers in the evening and at weekends
    n_bias, v_bias, n_day = (0.0, 2.0, 0.0) if kind == "mechelen" else (0.0, 2.5, 1.5)
    codes, shares = zip(*NEWCOMER_LANGUAGES, strict=True)
    p_lang = np.array(shares) / sum(shares)
    newcomers = []
    for i in range(n):
        langs = {codes[int(rng.choice(len(codes), p=p_lang))]: "native"}
        dutch = rng.random()
        if dutch < 0.92:
            langs.setdefault("nl", "basic" if dutch < 0.7 else "conversational")
        for extra, p in (("en", 0.35), ("fr", 0.15), ("ru", 0.1)):
            if rng.random() < p:
                langs.setdefault(extra, _levels(rng, [0.3, 0.4, 0.3, 0.0]))
        lat, lon, area = _place(rng, hoods)
        newcomers.append(Newcomer(
            id=i, languages=langs, availability=_slots(rng, int(rng.integers(3, 9)), n_bias, n_day),
            lat=lat, lon=lon, gender=str(rng.choice(["f", "m"])),
            buddy_gender="same" if rng.random() < 0.3 else "any", interests=_interests(likes),
            priority=bool(rng.random() < 0.6), waiting_days=int(rng.exponential(30)),
            area=area))
    volunteers = []
    for j in range(m):
        langs = {"nl": "native" if rng.random() < 0.9 else "fluent"}
        for extra, p in (("fr", 0.45), ("en", 0.65)):
            if rng.random() < p:
                langs[extra] = _levels(rng, [0.2, 0.4, 0.35, 0.05])
        for code, p in HERITAGE:
            if rng.random() < p:
                langs[code] = _levels(rng, [0.1, 0.3, 0.3, 0.3])
        lat, lon, _ = _place(rng, hoods)
        volunteers.append(Volunteer(
            id=100_000 + j, languages=langs,
            availability=_slots(rng, int(rng.integers(2, 6)), v_bias),
            lat=lat, lon=lon, gender=str(rng.choice(["f", "m"])),
            buddy_gender="same" if rng.random() < 0.1 else "any", interests=_interests(likes),
            open_panels=int(rng.choice(3, p=[0.7, 0.2, 0.1])),
            free_capacity=int(rng.choice(3, p=[0.1, 0.8, 0.1]))))
    excluded = {(int(rng.integers(n)), 100_000 + int(rng.integers(m))) for _ in range(n // 10)}
    return newcomers, volunteers, excluded
