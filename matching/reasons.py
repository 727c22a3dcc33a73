"""Structured, translatable reasons behind a pair's score (codes and numbers, no sentences)."""

from __future__ import annotations

import itertools
from collections.abc import Collection
from typing import Any, NamedTuple

import numpy as np

from matching.config import MatchingConfig
from matching.criteria import (
    N_CODES,
    availability_criterion,
    code_parts,
    interest_criterion,
    language_criterion,
    normalised_weights,
)
from matching.masks import bit_names, shared_interests
from matching.model import LEVEL_RANK, LEVELS, SLOTS, Id, Newcomer, Volunteer
from matching.scoring import SLOT_STRIDE, PairScorer

BLOCKERS: tuple[str, ...] = (
    "no_common_language", "no_shared_slot", "too_far", "gender_preference",
    "no_free_capacity", "excluded",
)
"""Codes of the hard rules a pair can fail, in this order in :attr:`Reasons.blockers`."""


# The three records below are named tuples rather than frozen dataclasses: a round builds one
# Reasons (and a CriterionPart) per proposed pair, and a frozen dataclass's __init__ sets each
# field through object.__setattr__ (3.5 µs for Reasons' 14 fields against 0.5 µs), which
# was a third of the reasons' time at 200 × 300. They stay immutable and compare by value.


class LanguageMatch(NamedTuple):
    """A language both speak, with both levels; ``usable`` if it meets the talk rule."""

    code: str
    newcomer_level: str
    volunteer_level: str
    usable: bool


class CriterionPart(NamedTuple):
    """One criterion: its value in [0, 1], its (normalised) weight and weight × value."""

    value: float
    weight: float
    contribution: float


class Reasons(NamedTuple):
    """Why a pair scores what it scores (or why it is not eligible).

    ``score`` is exactly the value :func:`~matching.score_pairs` stores (None when
    ineligible); the four contributions add up to it up to float32 rounding (1e-6).
    """

    eligible: bool
    blockers: tuple[str, ...]
    languages: tuple[LanguageMatch, ...]
    best_level: str | None
    """Best level both reach in a usable shared language."""
    strongest_language: bool
    """The volunteer speaks one of the newcomer's strongest languages."""
    practice_only: bool
    """Their only usable shared language is the practice language (they will talk Dutch)."""
    shared_slots: tuple[str, ...]
    distance_km: float
    shared_interests: tuple[str, ...]
    """Interests and goals (keys) both listed, sorted."""
    language: CriterionPart
    availability: CriterionPart
    proximity: CriterionPart
    interests: CriterionPart
    score: float | None

    def to_dict(self) -> dict[str, Any]:
        """Plain dicts, lists, str, float and bool: ready for a JSON column.

        Spelled out field by field (in the fields' order), so that nested records become
        dicts and tuples lists, without a generic recursive walk over every value."""
        return {
            "eligible": self.eligible,
            "blockers": list(self.blockers),
            "languages": [
                {"code": lang.code, "newcomer_level": lang.newcomer_level,
                 "volunteer_level": lang.volunteer_level, "usable": lang.usable}
                for lang in self.languages
            ],
            "best_level": self.best_level,
            "strongest_language": self.strongest_language,
            "practice_only": self.practice_only,
            "shared_slots": list(self.shared_slots),
            "distance_km": self.distance_km,
            "shared_interests": list(self.shared_interests),
            "language": _part(self.language),
            "availability": _part(self.availability),
            "proximity": _part(self.proximity),
            "interests": _part(self.interests),
            "score": self.score,
        }


def _part(part: CriterionPart) -> dict[str, float]:
    return {"value": part.value, "weight": part.weight, "contribution": part.contribution}


def _talk_ok(a: int, b: int, config: MatchingConfig) -> bool:
    lo, hi = min(a, b), max(a, b)
    return lo >= LEVEL_RANK[config.min_language_level] and (
        hi >= LEVEL_RANK[config.min_top_level] or lo >= LEVEL_RANK[config.min_both_level])


def _languages(n: Newcomer, v: Volunteer, cfg: MatchingConfig
               ) -> tuple[tuple[LanguageMatch, ...], int, bool, bool]:
    """Shared languages, best usable shared level (0 if none), the strongest-language bonus
    and whether the practice language is the only usable one."""
    langs = tuple(
        LanguageMatch(c, n.languages[c], v.languages[c],
                      _talk_ok(LEVEL_RANK[n.languages[c]], LEVEL_RANK[v.languages[c]], cfg))
        for c in sorted(n.languages.keys() & v.languages.keys()))
    level = max((min(LEVEL_RANK[x.newcomer_level], LEVEL_RANK[x.volunteer_level])
                 for x in langs if x.usable), default=0)
    usable = {x.code for x in langs if x.usable}
    return langs, level, _strongest(n, v, cfg), usable == {cfg.practice_language}


def reasons_for_pairs(
    scorer: PairScorer, rows: np.ndarray, cols: np.ndarray,
    excluded: Collection[tuple[Id, Id]] = frozenset(),
) -> list[Reasons]:
    """Reasons for many pairs of a scorer at once (one vectorised pass, then light Python).

    A round proposes thousands of pairs, so the per-pair Python is kept to building the
    objects: a pair the hard rules let talk takes its level, bonus and practice flag from
    the scorer's profile table (the same rules, tabulated once); language matches, slot
    lists and criterion parts that repeat are built once and shared (they are immutable).
    """
    cfg = scorer.config
    terms = scorer.pair_terms(rows, cols)
    wl, wa, wp, wi = normalised_weights(cfg)
    code = (scorer.code_table[scorer.pn[rows], scorer.pv[cols]] // SLOT_STRIDE).tolist()
    masks = (scorer.sn[rows] & scorer.sv[cols]).tolist()
    shared = shared_interests(scorer, rows, cols) or itertools.repeat(None, rows.size)
    # Per code (1..16: level, bonus, practice), the parts a pair the rules let talk takes
    # from the scorer's profile table, built once.
    by_code = [(level, bonus, practice, CriterionPart(value, wl, wl * value),
                LEVELS[level - 1] if level else None)  # code 0 (cannot talk): unused
               for level, bonus, practice in map(code_parts, range(N_CODES))
               for value in (language_criterion(level, bonus, cfg, practice),)]
    match_cache: dict[tuple[str, str, str], LanguageMatch] = {}
    n_langs: dict[int, list[tuple[str, str]]] = {}  # sorted (code, level), per newcomer
    v_langs: dict[int, dict[str, str]] = {}  # a plain dict reads faster than the proxy
    slot_cache: dict[int, tuple[tuple[str, ...], CriterionPart]] = {}
    lang_parts: dict[tuple[int, bool, bool], CriterionPart] = {}
    interest_parts: dict[int, CriterionPart] = {}
    out = []
    for i, j, c, mask, score, near, dist, prox, interests in zip(
            rows.tolist(), cols.tolist(), code, masks, terms.score.tolist(),
            terms.near.tolist(), terms.distance_km.tolist(), terms.proximity.tolist(), shared,
            strict=True):
        n, v = scorer.newcomers[i], scorer.volunteers[j]
        if c:  # they can talk and the gender wish is met: the table has the rest
            level, bonus, practice, language, best_level = by_code[c]
            if i not in n_langs:
                n_langs[i] = sorted(n.languages.items())
            if j not in v_langs:
                v_langs[j] = dict(v.languages)
            theirs, langs = v_langs[j], []
            for lang, mine in n_langs[i]:
                if lang in theirs:
                    match = (lang, mine, theirs[lang])
                    if match not in match_cache:
                        match_cache[match] = LanguageMatch(*match, _talk_ok(
                            LEVEL_RANK[mine], LEVEL_RANK[theirs[lang]], cfg))
                    langs.append(match_cache[match])
            languages = tuple(langs)
        else:
            languages, level, bonus, practice = _languages(n, v, cfg)
            if (level, bonus, practice) not in lang_parts:
                value = language_criterion(level, bonus, cfg, practice) if level else 0.0
                lang_parts[level, bonus, practice] = CriterionPart(value, wl, wl * value)
            language = lang_parts[level, bonus, practice]
            best_level = LEVELS[level - 1] if level else None
        if mask not in slot_cache:
            slots = bit_names(mask, SLOTS)
            value = availability_criterion(len(slots), cfg)
            slot_cache[mask] = slots, CriterionPart(value, wa, wa * value)
        slots, availability = slot_cache[mask]
        if c and slots and near and score > 0 and not excluded:
            blockers: tuple[str, ...] = ()  # eligible: every hard rule holds
        else:
            blockers = _blockers(n, v, level, slots, near, excluded)
        if interests is None:  # the scorer keeps no interest masks
            interests = tuple(sorted(n.interests & v.interests))
        if len(interests) not in interest_parts:
            value = interest_criterion(len(interests), cfg)
            interest_parts[len(interests)] = CriterionPart(value, wi, wi * value)
        out.append(Reasons(  # positional, in the fields' order: keywords cost twice as much
            not blockers,  # eligible
            blockers,
            languages,
            best_level,
            bonus,  # strongest_language
            practice,  # practice_only
            slots,  # shared_slots
            dist,  # distance_km
            interests,  # shared_interests
            language,
            availability,
            CriterionPart(prox, wp, wp * prox),  # proximity
            interest_parts[len(interests)],  # interests
            None if blockers else score,  # score
        ))
    return out


def _blockers(n: Newcomer, v: Volunteer, level: int, slots: tuple[str, ...], near: bool,
              excluded: Collection[tuple[Id, Id]]) -> tuple[str, ...]:
    """The hard rules the pair fails, in the order of :data:`BLOCKERS`."""
    gender_ok = (n.buddy_gender != "same" and v.buddy_gender != "same") or (
        n.gender is not None and n.gender == v.gender)
    return tuple(name for name, failed in (
        ("no_common_language", not level),
        ("no_shared_slot", not slots),
        ("too_far", not near),
        ("gender_preference", not gender_ok),
        ("no_free_capacity", v.free_capacity == 0),
        ("excluded", (n.id, v.id) in excluded),
    ) if failed)


def _strongest(n: Newcomer, v: Volunteer, cfg: MatchingConfig) -> bool:
    if not n.languages:
        return False
    top = max(LEVEL_RANK[lv] for lv in n.languages.values())
    return any(LEVEL_RANK[lv] == top and c in v.languages
               and LEVEL_RANK[v.languages[c]] >= LEVEL_RANK[cfg.min_language_level]
               for c, lv in n.languages.items())


def explain(
    newcomer: Newcomer,
    volunteer: Volunteer,
    config: MatchingConfig,
    excluded: Collection[tuple[Id, Id]] = frozenset(),
) -> Reasons:
    """Explain one pair: shared languages, shared slots, distance and each criterion's part.

    Parameters
    ----------
    newcomer, volunteer
        The pair.
    config
        The matching configuration (weights, distance limit, language rule).
    excluded
        Excluded ``(newcomer_id, volunteer_id)`` pairs, to report the ``excluded`` blocker.

    Returns
    -------
    Reasons
        Structured data (use :meth:`Reasons.to_dict` for JSON); ``score`` equals the value
        of :func:`~matching.score_pairs` for this pair, or None with ``blockers`` listing
        the failed hard rules.

    Examples
    --------
    >>> from matching import Newcomer, Volunteer, MatchingConfig, explain
    >>> n = Newcomer(id=1, languages={"ti": "native", "nl": "basic"},
    ...              availability={"tue-evening", "sat-morning"}, lat=51.028, lon=4.480,
    ...              interests={"cooking", "football"})
    >>> v = Volunteer(id=7, languages={"nl": "native", "en": "fluent"},
    ...               availability={"sat-morning", "sun-morning"}, lat=51.037, lon=4.480,
    ...               interests={"cooking", "chess"})
    >>> r = explain(n, v, MatchingConfig())
    >>> r.eligible, r.best_level, r.shared_slots, round(r.distance_km, 2)
    (True, 'basic', ('sat-morning',), 1.0)
    >>> [(m.code, m.newcomer_level, m.volunteer_level) for m in r.languages]
    [('nl', 'basic', 'native')]
    >>> round(r.language.value, 4), round(r.availability.value, 4), round(r.proximity.value, 4)
    (0.1875, 0.3333, 0.7936)
    >>> r.shared_interests, round(r.interests.value, 4), r.practice_only
    (('cooking',), 0.3333, True)
    >>> round(r.score, 4), round(r.to_dict()["language"]["weight"], 4)
    (0.4058, 0.3636)
    >>> far = Volunteer(id=8, languages={"fr": "native"}, availability={"mon-morning"},
    ...                 lat=50.85, lon=4.35)
    >>> explain(n, far, MatchingConfig()).blockers
    ('no_common_language', 'no_shared_slot', 'too_far')
    """
    scorer = PairScorer([newcomer], [volunteer], config)
    return reasons_for_pairs(scorer, np.array([0]), np.array([0]), frozenset(excluded))[0]

