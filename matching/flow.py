"""Exact b-matching by column generation, and the certificate that proves it optimal.

The LP (``e`` = pair ``(i, j)``, ``k`` = panel slot 1..K)::

    max  Σ_e w_e x_e + Σ_{i,k} v_k y_ik
    s.t. Σ_j x_ij − Σ_k y_ik = 0     for every newcomer i      (dual u_i, free)
         Σ_i x_ij ≤ b_j              for every volunteer j     (dual p_j ≥ 0)
         0 ≤ x_e ≤ 1,  0 ≤ y_ik ≤ 1

Every column has at most two nonzeros, +1 in a newcomer row and +1 in a volunteer row (x) or a
single −1 (y): with newcomer rows and volunteer rows as the two classes this is a network
matrix, totally unimodular, so every vertex is integral; the dual simplex returns a vertex.

**Certificate.** For any u and p ≥ 0, ``s_e = max(0, w_e − u_i − p_j)`` and
``t_ik = max(0, v_k + u_i)`` complete a feasible dual of the LP over *all* eligible pairs, whose
objective ``D = Σ_j b_j p_j + Σ_e s_e + Σ_{i,k} t_ik`` bounds every possible proposal from
above (weak duality). The gap ``D − primal`` is summed term by term from complementary-slackness
residuals (no cancellation between large numbers); it is ~1e-13 in practice.

**Search.** Pruning is only a way to keep the LP small; the last full pass proves the result:

1. :func:`~matching.passes.first_pass` keeps a pool of promising pairs from both sides;
2. :func:`~matching.duals.approximate_duals` estimates the duals on the pool;
3. one full pass with those duals adds the pairs the pool missed, and the duals are refined;
4. the first LP holds the pool pairs that are nearly tight under those duals, its costs shifted
   by them (:mod:`matching.lp`), which cuts the simplex work several-fold;
5. after each solve, pool pairs with a positive reduced cost join the LP (cheap: warm LP, pool
   in memory); when the pool prices out, a full pass rescores every eligible pair: violators
   join the LP, near-violators the pool. A full pass without violators ends the search.

Small rounds (at most :data:`~matching.kept.KEEP_ALL_PAIRS` pairs) score every pair once and
keep the eligible ones in memory (:mod:`matching.kept`): the pool is picked from there, every
"full pass" prices those arrays instead of rescoring (the same sums and choices, so the
certificate still covers every eligible pair), and step 3 keeps the first estimate (a few more
coordinate-descent steps instead of a second one), since there the fixed costs dominate.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from matching.certify import Duals, certify
from matching.config import MatchingConfig
from matching.duals import approximate_duals
from matching.kept import KEEP_ALL_PAIRS, AllPairs, keep_all, pool_of, price_kept
from matching.lp import restricted_lp
from matching.passes import (
    PER_ROW,
    VIOLATION_TOL,
    Pool,
    Pricing,
    first_pass,
    price_all,
    rank_in_groups,
)
from matching.results import Certificate
from matching.scoring import PairScorer

KEPT_STEPS = 30
"""Coordinate-descent steps of the approximate duals when every pair is kept in memory."""
START_MARGIN = 0.05
"""The first LP holds the pool pairs whose reduced cost under the approximate duals exceeds
−START_MARGIN."""


@dataclass
class Assignment:
    """Chosen pairs (row/column indices of the scorer), their scores and the certificate."""

    rows: np.ndarray
    cols: np.ndarray
    scores: np.ndarray
    eligible_per_row: np.ndarray
    certificate: Certificate
    timings: dict[str, float] = field(default_factory=dict)


def first_slot_value(config: MatchingConfig, n: int) -> float:
    """The first panel slot's value: the config's, or the automatic lexicographic one.

    Automatic: ``1 + n · (K · w_max + Σ_{k≥2} v_k)``, above everything else the objective can
    add up (see :mod:`matching.panels`).
    """
    if config.first_slot_value is not None:
        return config.first_slot_value
    w_max = 1.0 + config.priority_weight + config.waiting_weight
    return 1.0 + n * (config.panel_size * w_max + sum(config.slot_values(0.0)))


class _Search:
    """State of the column generation: pool, LP columns, latest duals."""

    def __init__(self, scorer: PairScorer, cap: np.ndarray, bonus: np.ndarray,
                 values: np.ndarray, pool: Pool, backend: str,
                 everything: AllPairs | None = None) -> None:
        self.scorer, self.cap, self.bonus, self.values = scorer, cap, bonus, values
        self.m = scorer.m
        self.pool, self.everything = pool, everything
        self.lp = restricted_lp(scorer.n, cap, values, backend)
        self.keys: list[np.ndarray] = []  # LP pair columns in insertion order
        self.scores: list[np.ndarray] = []
        self.solves = 0
        self.u, self.p = np.full(scorer.n, -values[0]), np.zeros(scorer.m)
        self.chosen = np.zeros(0, dtype=bool)
        empty = np.zeros(0, dtype=np.int64)
        self.last_pass = Duals(self.u, self.p, 0.0, False, empty, np.zeros(0))

    def add(self, keys: np.ndarray, scores: np.ndarray) -> None:
        rows = keys // self.m
        self.lp.add_pairs(rows, keys % self.m, scores + self.bonus[rows])
        self.keys.append(keys)
        self.scores.append(scores)

    def columns(self) -> tuple[np.ndarray, np.ndarray]:
        if not self.keys:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        self.keys, self.scores = [np.concatenate(self.keys)], [np.concatenate(self.scores)]
        return self.keys[0], self.scores[0]

    def solve(self) -> None:
        self.chosen, self.u, self.p = self.lp.solve((self.u, self.p))
        self.solves += 1

    def pool_reduced_costs(self) -> np.ndarray:
        pool, m = self.pool, self.m
        rows, cols = pool.keys // m, pool.keys % m
        return pool.scores + self.bonus[rows] - self.u[rows] - self.p[cols]

    def approximate(self) -> None:
        pool, m = self.pool, self.m
        rows = pool.keys // m
        # Small rounds make one call (no second full pass to refine it): a few more steps
        # there save more simplex pivots than they cost (1,000 × 1,500: one LP solve, not 2-3).
        steps = KEPT_STEPS if self.everything is not None else 20
        self.u, self.p = approximate_duals(self.scorer.n, self.cap, self.values, rows,
                                           pool.keys % m, pool.scores + self.bonus[rows],
                                           iterations=steps)

    def warm_up(self) -> None:
        """Steps 2-4: approximate duals, a full pass with them (refined in big rounds), the
        first LP columns."""
        self.approximate()
        self.price_all(to_lp=False)
        if self.everything is None:  # after a costly pass, better duals pay for themselves
            self.approximate()
        first = self.pool_reduced_costs() > -START_MARGIN
        self.add(self.pool.keys[first], self.pool.scores[first])
        self.pool.in_lp |= first

    def price_pool(self) -> bool:
        """Add the pool's violators to the LP; False if there are none."""
        pool, m = self.pool, self.m
        red = self.pool_reduced_costs()
        viol = np.flatnonzero(~pool.in_lp & (red > VIOLATION_TOL))
        if viol.size == 0:
            return False
        order, rank = rank_in_groups(pool.keys[viol] // m, red[viol], pool.keys[viol] % m)
        viol = viol[order[rank < PER_ROW]]
        self.add(pool.keys[viol], pool.scores[viol])
        pool.in_lp[viol] = True
        return True

    def price_all(self, to_lp: bool = True) -> Pricing:
        """A full pass: violators join the LP (if ``to_lp``), near-violators the pool.

        The pool's pairs are priced from memory, the rest by rescoring; the returned
        ``positive`` covers every eligible pair outside the LP.
        """
        if self.everything is not None:  # a small round: every eligible pair is in memory
            pricing = price_kept(self.everything, self.bonus, self.u, self.p, self.pool.keys)
        else:
            pricing = price_all(self.scorer, self.bonus, self.u, self.p, self.pool.keys)
        # What the certificate needs, before the pool grows: it prices the pool itself.
        self.last_pass = Duals(self.u, self.p, pricing.positive, pricing.violated,
                               self.pool.keys, self.pool.scores)
        red = self.pool_reduced_costs()[~self.pool.in_lp]
        pricing.violated = pricing.violated or bool((red > VIOLATION_TOL).any())
        if pricing.found:
            keys, fred, s32 = (np.concatenate(x) for x in zip(*pricing.found, strict=True))
            scores = s32.astype(np.float64)
            hot = (fred > VIOLATION_TOL) & to_lp
            self.add(keys[hot], scores[hot])
            pool = self.pool
            merged = np.concatenate([pool.keys, keys])
            order = np.argsort(merged, kind="stable")
            self.pool = Pool(merged[order], np.concatenate([pool.scores, scores])[order],
                             np.concatenate([pool.in_lp, hot])[order])
        return pricing


def solve_panels(scorer: PairScorer, cap: np.ndarray, bonus: np.ndarray,
                 config: MatchingConfig, backend: str = "auto") -> Assignment:
    """Optimal panels over all eligible pairs of ``scorer``, with a duality certificate.

    ``cap[j]`` is volunteer j's free exposure (> 0), ``bonus[i]`` newcomer i's extra weight;
    ``backend`` picks the LP solver (see :func:`matching.lp.restricted_lp`).
    """
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    n, m = scorer.n, scorer.m
    values = np.array(config.slot_values(first_slot_value(config, n)))
    if n == 0 or m == 0:  # nothing to match: the empty proposal is optimal (u = −v_1, p = 0)
        empty = np.zeros(0, dtype=np.int64)
        search = _Search(scorer, cap, bonus, values, Pool(empty, np.zeros(0),
                                                          np.zeros(0, dtype=bool)), backend)
        cert = _certificate(search, config, empty, empty, np.zeros(0), passes=0,
                            pairs_checked=0)
        return Assignment(empty, empty, np.zeros(0), np.zeros(n, dtype=np.int64), cert, timings)
    everything = None
    if n * m <= KEEP_ALL_PAIRS:  # small: keep every eligible pair, price from memory
        everything, eligible = keep_all(scorer)
        pool = pool_of(everything, bonus, config, n, m)
    else:
        pool, eligible = first_pass(scorer, bonus, config)
    timings["first_pass"] = time.perf_counter() - t0
    search = _Search(scorer, cap, bonus, values, pool, backend, everything)
    t = time.perf_counter()
    search.warm_up()
    timings["warm_up"] = time.perf_counter() - t
    passes, lp_time, price_time = 1, 0.0, 0.0
    while True:
        t = time.perf_counter()
        search.solve()
        lp_time += time.perf_counter() - t
        if search.price_pool():
            continue
        t = time.perf_counter()
        last = passes >= config.max_rounds  # passes so far: the warm-up's and the loop's
        pricing = search.price_all(to_lp=not last)  # the LP must match its last solve
        passes += 1
        price_time += time.perf_counter() - t
        if not pricing.violated or last:
            break
    timings.update(lp=lp_time, pricing=price_time)
    keys, scores = search.columns()
    chosen = np.flatnonzero(search.chosen)
    order = chosen[np.argsort(keys[chosen])]
    rows, cols, scores = keys[order] // m, keys[order] % m, scores[order]
    cert = _certificate(search, config, rows, cols, scores, passes=passes,
                        pairs_checked=int(eligible.sum()))
    timings["total"] = time.perf_counter() - t0
    return Assignment(rows, cols, scores, eligible, cert, timings)


def _certificate(search: _Search, config: MatchingConfig, rows: np.ndarray, cols: np.ndarray,
                 scores: np.ndarray, *, passes: int, pairs_checked: int) -> Certificate:
    """Certify the proposal from itself and the last full pass (:mod:`matching.certify`)."""
    return certify(search.scorer, search.cap, search.bonus, search.values, rows, cols, scores,
                   search.last_pass, config.optimality_tolerance, pairs_checked=pairs_checked,
                   rounds=search.solves, pricing_passes=passes,
                   candidate_pairs=int(search.columns()[0].size),
                   pool_pairs=int(search.pool.keys.size))
