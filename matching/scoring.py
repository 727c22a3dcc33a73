"""Eligibility and scores of newcomer–volunteer pairs, vectorised over blocks of newcomers.

Hard rules (a pair failing any of them is *ineligible* and has no score):

* **They can talk**: some language both speak at ``min_language_level`` or better, in which
  one of them reaches ``min_top_level`` or both reach ``min_both_level`` (defaults: basic;
  fluent; conversational — so basic Dutch with a native Dutch speaker is fine).
* They share at least one weekly slot; they live at most ``max_distance_km`` apart
  (great-circle/haversine distance); a ``same`` buddy-gender wish on either side is met
  (both genders known and equal); the volunteer has free capacity; the pair is not excluded.

Scores, each criterion in [0, 1], combined as a weighted mean (weights divided by their sum,
so an eligible pair's score is in (0, 1]):

* language ``L = (1 - q) * ((1 - b) * level / 4 + b * strongest) + q * practice`` where
  ``level`` (1..4 for basic..native) is the best level *both* reach in a usable shared
  language, ``strongest`` is 1 when the volunteer speaks (at ``min_language_level`` or better)
  one of the newcomer's strongest languages, ``b = language_bonus``, ``practice`` is 1 when the
  pair's only usable shared language is ``practice_language`` (they will talk Dutch) and
  ``q = practice_weight`` (0 by default: a shared mother tongue counts fully);
* availability ``A = min(shared, s) / s`` with ``shared`` the number of common slots and
  ``s = availability_saturation``;
* proximity ``P = 2 ** (-d / h)`` with ``d`` the distance in km and ``h`` the half-life;
* interests ``I = min(shared, t) / t`` with ``shared`` the number of interests and goals (keys)
  both listed and ``t = interest_saturation``; its default weight is small (0.1 against
  0.4, 0.3, 0.3), so that language, time and place still decide.

Speed and memory: 10,000 × 15,000 = 150 M pairs, so nothing is ever materialised for all pairs.
Rows are scored in blocks of a few million pairs, in float32 (distances within ≈0.5 m, scores
within ≈1e-5 of the exact formulas: ample for ranking buddies). Language and gender are reduced
to *profiles* (distinct combinations), whose pairwise eligibility and language code is one small
table looked up per pair; slots are 21-bit masks compared with a popcount, and so are interests
(64-bit words over the interests listed on both sides). Only element-wise numpy
operations are used (no BLAS, no reductions), so a pair's score is bit-identical whatever
block it is computed in: :func:`score_pairs`, :func:`~matching.explain` and
:func:`~matching.propose_panels` agree exactly.
"""

from __future__ import annotations

import math
import os
from collections import deque
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import scipy.sparse as sp

from matching.config import MatchingConfig
from matching.criteria import (
    N_CODES,
    availability_criterion,
    code_parts,
    interest_criterion,
    language_criterion,
    normalised_weights,
)
from matching.encoding import (
    interest_masks,
    interest_vocabulary,
    popcount,
    slot_masks,
    unit_vectors,
)
from matching.model import SLOT_BIT, Id, Newcomer, Volunteer, check_population
from matching.profiles import profile_codes

T = TypeVar("T")

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG), as in the usual haversine formula."""

BLOCK_PAIRS = 1 << 21
"""Pairs per block: big enough to amortise Python overhead, small enough for the cache."""
WORKERS = min(4, os.cpu_count() or 1)
"""Threads scoring blocks in parallel (the benchmark machine has 2 cores)."""

SLOT_STRIDE = 32  # lookup index = code * 32 + shared slots (0..21)
_INELIGIBLE = -np.inf  # ineligible pairs score -inf: they never pass a `> x` test


@dataclass(frozen=True)
class PairTerms:
    """Per-pair ingredients of the score (arrays aligned with the pairs asked for)."""

    near: np.ndarray
    """Within the maximum distance."""
    score: np.ndarray
    distance_km: np.ndarray
    proximity: np.ndarray


class PairScorer:
    """Scores newcomers (rows) against volunteers (columns), block by block.

    Internal engine behind :func:`score_pairs` and the panel solvers; rows and columns are in
    the order given. A block holds float32 scores: eligible pairs > 0, ineligible ones -inf.
    """

    def __init__(
        self,
        newcomers: Sequence[Newcomer],
        volunteers: Sequence[Volunteer],
        config: MatchingConfig,
        excluded: Collection[tuple[Id, Id]] = frozenset(),
    ) -> None:
        self.newcomers, self.volunteers = check_population(newcomers, volunteers)
        self.config = config
        self.n, self.m = len(self.newcomers), len(self.volunteers)
        self.pn, self.pv, codes = profile_codes(self.newcomers, self.volunteers, config)
        self.code_table = (codes * SLOT_STRIDE).astype(np.uint16)
        self.sn, self.sv = slot_masks(self.newcomers), slot_masks(self.volunteers)
        self.xn, self.xv = unit_vectors(self.newcomers), unit_vectors(self.volunteers)
        wl, wa, wp, wi = normalised_weights(config)
        table = np.full(N_CODES * SLOT_STRIDE, _INELIGIBLE)
        for code in range(1, N_CODES):
            level, bonus, practice = code_parts(code)
            lang = wl * language_criterion(level, bonus, config, practice)
            for shared in range(1, len(SLOT_BIT) + 1):
                table[code * SLOT_STRIDE + shared] = lang + wa * availability_criterion(
                    shared, config)
        self.table = table.astype(np.float32)
        self.vocabulary = interest_vocabulary(self.newcomers, self.volunteers) if wi > 0 else ()
        bit = {key: k for k, key in enumerate(self.vocabulary)}
        words = (len(bit) + 63) // 64  # 0 when nothing can be shared: the term is skipped
        self.in_, self.iv = (interest_masks(self.newcomers, bit, words),
                             interest_masks(self.volunteers, bit, words))
        self.interest_table = np.array(
            [wi * interest_criterion(k, config) for k in range(64 * words + 1)],
            dtype=np.float32)
        self.w_prox = np.float32(wp)
        self.prox_rate = np.float32(-math.log(2.0) / config.proximity_half_life_km)
        # Max distance as a bound on the squared chord, so the hot loop needs no arcsin.
        half_angle = min(config.max_distance_km / (2 * EARTH_RADIUS_KM), math.pi / 2)
        self.chord2_max = np.float32((2 * math.sin(half_angle)) ** 2)
        row_of = {p.id: i for i, p in enumerate(self.newcomers)}
        col_of = {v.id: j for j, v in enumerate(self.volunteers)}
        pairs = sorted(
            (row_of[a], col_of[b]) for a, b in excluded if a in row_of and b in col_of
        )
        self.ex_rows = np.array([r for r, _ in pairs], dtype=np.int64)
        self.ex_cols = np.array([c for _, c in pairs], dtype=np.int64)

    # -- the hot path --------------------------------------------------------------------
    def _terms(self, rows: slice | np.ndarray, cols: np.ndarray | None, keep: bool = False
               ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, ...] | None]:
        """Lookup index, score and (if ``keep``) (near, distance km, proximity), element-wise.

        ``rows`` a slice and ``cols`` None: a dense block (rows × all volunteers).
        ``rows`` and ``cols`` index arrays: the listed pairs. Same operations either way.
        """
        if cols is None:
            assert isinstance(rows, slice)
            idx = np.take(self.code_table[self.pn[rows]], self.pv, axis=1)
            a_s, b_s = self.sn[rows, None], self.sv[None, :]
            a_x = [c[rows, None] for c in self.xn]
            b_x = [c[None, :] for c in self.xv]
            a_i = [w[rows, None] for w in self.in_]
            b_i = [w[None, :] for w in self.iv]
        else:
            idx = self.code_table[self.pn[rows], self.pv[cols]]
            a_s, b_s = self.sn[rows], self.sv[cols]
            a_x = [c[rows] for c in self.xn]
            b_x = [c[cols] for c in self.xv]
            a_i = [w[rows] for w in self.in_]
            b_i = [w[cols] for w in self.iv]
        idx += popcount(a_s & b_s)
        d = np.subtract(a_x[0], b_x[0])
        d *= d
        for ax, bx in zip(a_x[1:], b_x[1:], strict=True):
            t = np.subtract(ax, bx)
            t *= t
            d += t
        near = d <= self.chord2_max
        idx *= near  # too far: index 0, the ineligible entry
        # haversine: hav(θ) = (chord / 2)², so the distance is 2R · asin(chord / 2)
        np.sqrt(d, out=d)
        d *= np.float32(0.5)
        np.minimum(d, np.float32(1.0), out=d)
        np.arcsin(d, out=d)
        d *= np.float32(2 * EARTH_RADIUS_KM)
        dist = d.copy() if keep else None
        d *= self.prox_rate
        np.exp(d, out=d)
        kept = (near, dist, d.copy()) if dist is not None else None
        d *= self.w_prox
        score = np.take(self.table, idx)
        score += d
        if a_i:
            shared = popcount(a_i[0] & b_i[0])
            if len(a_i) > 3:  # more than 255 shared keys possible: widen the uint8 counts
                shared = shared.astype(np.uint16)
            for aw, bw in zip(a_i[1:], b_i[1:], strict=True):
                shared += popcount(aw & bw)
            score += np.take(self.interest_table, shared)
        np.minimum(score, np.float32(1.0), out=score)
        return idx, score, kept

    def block(self, r0: int, r1: int) -> np.ndarray:
        """Scores of newcomers ``r0:r1`` against all volunteers (float32, ineligible -inf)."""
        _, score, _ = self._terms(slice(r0, r1), None)
        lo, hi = np.searchsorted(self.ex_rows, [r0, r1])
        score[self.ex_rows[lo:hi] - r0, self.ex_cols[lo:hi]] = _INELIGIBLE
        return score

    def blocks(self, rows: int | None = None) -> Iterator[tuple[int, int, np.ndarray]]:
        """Iterate ``(r0, r1, block)`` over all newcomers."""
        for r0, r1 in self.ranges(rows):
            yield r0, r1, self.block(r0, r1)

    def ranges(self, rows: int | None = None) -> list[tuple[int, int]]:
        step = rows or max(1, BLOCK_PAIRS // max(1, self.m))
        return [(r0, min(self.n, r0 + step)) for r0 in range(0, self.n, step)]

    def map_blocks(self, fn: Callable[[int, int, np.ndarray], T], rows: int | None = None
                   ) -> Iterator[T]:
        """``fn(r0, r1, block)`` over all blocks, in order, on ``WORKERS`` threads.

        numpy releases the GIL in its element-wise kernels, sorting and indexing, so two cores
        can score two blocks at once. ``fn`` must only read shared state.
        """
        ranges = self.ranges(rows)
        if WORKERS <= 1 or len(ranges) <= 1:
            yield from (fn(r0, r1, self.block(r0, r1)) for r0, r1 in ranges)
            return
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            pending: deque[Future[T]] = deque()
            for r0, r1 in ranges:  # a short window keeps memory flat
                pending.append(pool.submit(lambda a, b: fn(a, b, self.block(a, b)), r0, r1))
                if len(pending) > 2 * WORKERS:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()

    def pair_terms(self, rows: np.ndarray, cols: np.ndarray) -> PairTerms:
        """Everything about the listed pairs, bit-identical to :meth:`block`'s scores.

        Exclusions are not applied here: callers know which pairs they ask about.
        """
        rows, cols = np.asarray(rows, dtype=np.intp), np.asarray(cols, dtype=np.intp)
        _, score, kept = self._terms(rows, cols, keep=True)
        assert kept is not None
        return PairTerms(near=kept[0], score=score, distance_km=kept[1], proximity=kept[2])


def score_pairs(
    newcomers: Sequence[Newcomer],
    volunteers: Sequence[Volunteer],
    config: MatchingConfig,
    excluded: Collection[tuple[Id, Id]] = frozenset(),
) -> sp.csr_array:
    """Score every eligible newcomer–volunteer pair.

    Parameters
    ----------
    newcomers, volunteers
        The people of the round; rows and columns of the result follow this order.
    config
        Weights, distance limit and language rule (see the module docstring for formulas).
    excluded
        ``(newcomer_id, volunteer_id)`` pairs that must never be proposed; unknown ids are
        ignored.

    Returns
    -------
    scipy.sparse.csr_array
        ``len(newcomers) × len(volunteers)``, float64; an entry is stored exactly for the
        eligible pairs, with a value in (0, 1].

    Examples
    --------
    >>> from matching import Newcomer, Volunteer, MatchingConfig, score_pairs
    >>> n = Newcomer(id=1, languages={"ar": "native", "nl": "basic"},
    ...              availability={"mon-evening", "sat-morning"}, lat=51.028, lon=4.480)
    >>> near = Volunteer(id=10, languages={"nl": "native", "ar": "fluent"},
    ...                  availability={"mon-evening"}, lat=51.030, lon=4.478)
    >>> mute = Volunteer(id=11, languages={"fr": "native"},
    ...                  availability={"mon-evening"}, lat=51.030, lon=4.478)
    >>> s = score_pairs([n], [near, mute], MatchingConfig())
    >>> s.shape, s.nnz, round(float(s[0, 0]), 4)
    ((1, 2), 1, 0.643)
    """
    scorer = PairScorer(newcomers, volunteers, config, excluded)
    indptr = [np.zeros(1, dtype=np.int64)]
    indices, data = [], []
    offset = 0
    for _, _, block in scorer.blocks():
        ok = block > 0
        r, c = np.nonzero(ok)
        indices.append(c.astype(np.int32))
        data.append(block[r, c].astype(np.float64))
        offset_rows = np.cumsum(ok.sum(axis=1), dtype=np.int64) + offset
        indptr.append(offset_rows)
        offset = int(offset_rows[-1]) if offset_rows.size else offset
    return sp.csr_array(
        (np.concatenate(data) if data else np.zeros(0),
         np.concatenate(indices) if indices else np.zeros(0, dtype=np.int32),
         np.concatenate(indptr)),
        shape=(scorer.n, scorer.m),
    )
