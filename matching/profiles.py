"""Language and gender compatibility, tabulated once per *profile* instead of per pair.

A profile is what a pair's language code depends on: the person's languages and levels,
gender and buddy-gender wish (and, for volunteers, whether they have free capacity). A city has
a few thousand distinct profiles, far fewer than people, so the per-language comparison of
levels runs over profile pairs and the hot loop only looks the code up.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from matching.config import MatchingConfig
from matching.model import LEVEL_RANK, Newcomer, Volunteer

_Profile = tuple[tuple[tuple[str, str], ...], str | None, str, bool]
"""(sorted languages, gender, buddy_gender, no free capacity): all a pair's code depends on."""


def _profile(p: Newcomer | Volunteer, blocked: bool) -> _Profile:
    return tuple(sorted(p.languages.items())), p.gender, p.buddy_gender, blocked


def _level_matrix(profiles: list[_Profile], codes: list[str]) -> np.ndarray:
    index = {c: k for k, c in enumerate(codes)}
    levels = np.zeros((len(profiles), len(codes)), dtype=np.int8)
    for row, prof in enumerate(profiles):
        for code, level in prof[0]:
            levels[row, index[code]] = LEVEL_RANK[level]
    return levels


def _gender_arrays(profiles: list[_Profile], genders: dict[str, int]
                   ) -> tuple[np.ndarray, np.ndarray]:
    g = np.array([-1 if p[1] is None else genders[p[1]] for p in profiles], dtype=np.int64)
    same = np.array([p[2] == "same" for p in profiles], dtype=bool)
    return g, same


def profile_codes(newcomers: Sequence[Newcomer], volunteers: Sequence[Volunteer],
                  cfg: MatchingConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(newcomer profile per newcomer, volunteer profile per volunteer, code table).

    ``code[a, b]`` is 0 when profiles a and b cannot be paired (no usable language, gender
    wish, no free capacity), else ``4 * (best shared level − 1) + 2 * bonus + practice + 1``
    (1..16), ``practice`` being 1 when the practice language is their only usable one.
    """
    n_index: dict[_Profile, int] = {}
    v_index: dict[_Profile, int] = {}
    pn = np.array([n_index.setdefault(_profile(p, False), len(n_index)) for p in newcomers],
                  dtype=np.intp)
    pv = np.array([v_index.setdefault(_profile(p, p.free_capacity == 0), len(v_index))
                   for p in volunteers], dtype=np.intp)
    n_prof, v_prof = list(n_index), list(v_index)  # dicts keep insertion = index order
    codes = sorted({c for prof in (*n_prof, *v_prof) for c, _ in prof[0]})
    a, b = _level_matrix(n_prof, codes), _level_matrix(v_prof, codes)
    lo_min, top, both = (LEVEL_RANK[cfg.min_language_level], LEVEL_RANK[cfg.min_top_level],
                         LEVEL_RANK[cfg.min_both_level])
    best = np.zeros((len(n_prof), len(v_prof)), dtype=np.int8)
    in_practice = np.zeros(best.shape, dtype=bool)
    in_other = np.zeros(best.shape, dtype=bool)
    for k in range(len(codes)):  # per language, only the profiles that speak it
        rows, cols = np.nonzero(a[:, k])[0], np.nonzero(b[:, k])[0]
        if rows.size == 0 or cols.size == 0:
            continue
        la, lb = a[rows, k][:, None], b[cols, k][None, :]
        lo, hi = np.minimum(la, lb), np.maximum(la, lb)
        usable = (lo >= lo_min) & ((hi >= top) | (lo >= both))
        grid = np.ix_(rows, cols)
        best[grid] = np.maximum(best[grid], np.where(usable, lo, 0))
        seen = in_practice if codes[k] == cfg.practice_language else in_other
        seen[grid] |= usable
    strongest = (a == a.max(axis=1, keepdims=True, initial=0)) & (a > 0)
    speaks = b >= lo_min
    # Small integer counts: exact in float32, and BLAS is fine off the hot path.
    bonus = (strongest.astype(np.float32) @ speaks.T.astype(np.float32)) > 0
    genders = {g: k for k, g in enumerate(sorted(
        {prof[1] for prof in (*n_prof, *v_prof) if prof[1] is not None}))}
    gn, same_n = _gender_arrays(n_prof, genders)
    gv, same_v = _gender_arrays(v_prof, genders)
    gender_ok = ~(same_n[:, None] | same_v[None, :]) | (
        (gn[:, None] == gv[None, :]) & (gn[:, None] >= 0))
    practice = in_practice & ~in_other
    code = np.where(best > 0, 4 * (best.astype(np.int16) - 1) + 2 * bonus + practice + 1, 0)
    code[~gender_ok] = 0
    code[:, np.array([prof[3] for prof in v_prof], dtype=bool)] = 0  # no free capacity
    return pn, pv, code
