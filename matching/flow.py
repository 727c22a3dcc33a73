"""Exact b-matching by column generation: restricted LP, pool pricing, full pricing.

The LP (``e`` = pair ``(i, j)``, ``k`` = panel slot 1..K)::

    max  Σ_e w_e x_e + Σ_{i,k} v_k y_ik
    s.t. Σ_j x_ij − Σ_k y_ik = 0     for every newcomer i      (dual u_i, free)
         Σ_i x_ij ≤ b_j              for every volunteer j     (dual p_j ≥ 0)
         0 ≤ x_e ≤ 1,  0 ≤ y_ik ≤ 1

Every column has at most two nonzeros, +1 in a newcomer row and +1 in a volunteer row (x) or a
single −1 (y): with newcomer rows and volunteer rows as the two classes this is a network
matrix, totally unimodular, so every vertex is integral; the dual simplex returns a vertex.

For any u and p ≥ 0, ``s_e = max(0, w_e − u_i − p_j)`` and ``t_ik = max(0, v_k + u_i)``
complete a feasible dual of the LP over *all* eligible pairs, whose objective
``D = Σ_j b_j p_j + Σ_e s_e + Σ_{i,k} t_ik`` bounds every assignment from above (weak duality).

Search: one scoring pass keeps a *pool* of promising pairs (each newcomer's best volunteers,
each volunteer's best newcomers by weight); the LP starts from the best few of them. After
each solve, pairs of the pool whose reduced cost ``w_e − u_i − p_j`` is positive join the LP
(cheap: the pool is small and the LP warm). When the pool prices out, a *full pricing pass*
rescores every eligible pair in blocks: violators join the LP, near-violators the pool. When a
full pass finds no violator, ``D − primal`` — the certificate's gap, summed from the
complementary-slackness residuals — bounds the distance to the optimum over all pairs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from matching.lp import restricted_lp
from matching.model import MatchingConfig
from matching.results import Certificate
from matching.scoring import PairScorer

VIOLATION_TOL = 1e-9
"""A pair joins the LP when its reduced cost exceeds this (score units)."""
POOL_MARGIN = 0.02
"""A full pricing pass adds to the pool the pairs whose reduced cost exceeds −POOL_MARGIN."""
PER_ROW = 10
"""At most this many pairs per newcomer join the LP (or the pool) per round."""


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


def _rank_in_groups(group: np.ndarray, value: np.ndarray, tie: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Order by (group, value desc, tie) and each element's rank within its group."""
    order = np.lexsort((tie, -value, group))
    g = group[order]
    rank = np.arange(g.size) - np.searchsorted(g, g, side="left")
    return order, rank


class _ColumnTops:
    """Each volunteer's k best newcomers by weight, merged block by block."""

    def __init__(self, k: int, m: int) -> None:
        self.k = k
        self.w = np.full((k, m), -np.inf, dtype=np.float32)
        self.r = np.zeros((k, m), dtype=np.int64)

    @staticmethod
    def of_block(weights: np.ndarray, k: int, r0: int) -> tuple[np.ndarray, np.ndarray]:
        """A block's k best rows per column (any order): (weights, rows), each k × m."""
        b = weights.shape[0]
        if b <= k:
            pad = np.full((k - b, weights.shape[1]), -np.inf, dtype=np.float32)
            rows = np.repeat(np.arange(r0, r0 + k)[:, None], weights.shape[1], axis=1)
            return np.vstack([weights, pad]), rows
        top = np.argpartition(weights, b - k, axis=0)[b - k:]
        return np.take_along_axis(weights, top, axis=0), top + r0

    def merge(self, w: np.ndarray, r: np.ndarray) -> None:
        ww, rr = np.vstack([self.w, w]), np.vstack([self.r, r])
        keep = np.argpartition(ww, ww.shape[0] - self.k, axis=0)[-self.k:]
        self.w = np.take_along_axis(ww, keep, axis=0)
        self.r = np.take_along_axis(rr, keep, axis=0)

    def result(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(rows, cols, weights, rank within the column) of the finite entries."""
        order = np.argsort(-self.w, axis=0, kind="stable")
        w, r = np.take_along_axis(self.w, order, 0), np.take_along_axis(self.r, order, 0)
        rank, col = np.nonzero(np.isfinite(w))
        return r[rank, col], col, w[rank, col], rank


@dataclass
class _Pool:
    """Promising pairs, sorted by key ``row * m + col``."""

    keys: np.ndarray
    scores: np.ndarray  # float64 (exact float32 scores)
    in_lp: np.ndarray


def _first_pass(scorer: PairScorer, bonus: np.ndarray, config: MatchingConfig
                ) -> tuple[_Pool, np.ndarray, np.ndarray]:
    """Score everything once: the pool, which pool pairs start in the LP, eligible counts."""
    n, m = scorer.n, scorer.m
    kp = min(max(config.pool_per_newcomer, config.candidates_per_newcomer), m)
    kv = max(config.pool_per_volunteer, config.candidates_per_volunteer)
    k0 = config.candidates_per_newcomer
    tops = _ColumnTops(kv, m)
    bonus32 = bonus.astype(np.float32)

    def work(r0: int, r1: int, block: np.ndarray) -> tuple[np.ndarray, ...]:
        top = np.argpartition(block, m - kp, axis=1)[:, m - kp:]
        vals = np.take_along_axis(block, top, axis=1)
        # rank inside the row's pool: the best k0 start in the LP
        rank = np.argsort(np.argsort(-vals, axis=1, kind="stable"), axis=1, kind="stable")
        rr, pos = np.nonzero(vals > 0)
        cw, cr = _ColumnTops.of_block(block + bonus32[r0:r1, None], kv, r0)
        return (np.count_nonzero(block > 0, axis=1), rr + r0, top[rr, pos], vals[rr, pos],
                rank[rr, pos] < k0, cw, cr)

    eligible = np.zeros(n, dtype=np.int64)
    parts = []
    for (r0, r1), out in zip(scorer.ranges(), scorer.map_blocks(work), strict=True):
        eligible[r0:r1] = out[0]
        parts.append(out[1:5])
        tops.merge(out[5], out[6])
    cr, cc, _, crank = tops.result()
    rows, cols = np.concatenate([p[0] for p in parts] + [cr]), np.concatenate(
        [p[1] for p in parts] + [cc])
    init = np.concatenate([p[3] for p in parts] + [crank < config.candidates_per_volunteer])
    keys = rows.astype(np.int64) * m + cols
    uniq, inverse = np.unique(keys, return_inverse=True)
    start = np.zeros(uniq.size, dtype=bool)
    np.logical_or.at(start, inverse, init)
    scores = scorer.pair_terms(uniq // m, uniq % m).score.astype(np.float64)
    return _Pool(uniq, scores, np.zeros(uniq.size, dtype=bool)), start, eligible


@dataclass
class _Pricing:
    violated: bool = False
    positive: float = 0.0  # Σ max(0, reduced cost) over eligible pairs outside the LP
    found: list[tuple[np.ndarray, ...]] = field(default_factory=list)


def _price_all(scorer: PairScorer, bonus: np.ndarray, u: np.ndarray, p: np.ndarray,
               lp_keys: np.ndarray) -> _Pricing:
    """Rescore every pair in blocks; find those outside the LP (sorted ``lp_keys``) whose
    reduced cost exceeds −POOL_MARGIN: their positive parts, and each row's best few."""
    m, a = scorer.m, bonus - u

    def work(r0: int, r1: int, block: np.ndarray) -> tuple[float, bool, tuple[np.ndarray, ...]]:
        x = block + a[r0:r1, None]  # float64; ineligible pairs stay -inf
        lo, hi = np.searchsorted(lp_keys, [r0 * m, r1 * m])
        x[lp_keys[lo:hi] // m - r0, lp_keys[lo:hi] % m] = -np.inf
        x -= p[None, :]  # reduced costs
        hot = x > -POOL_MARGIN
        count = int(np.count_nonzero(hot))
        if count > 4 * PER_ROW * (r1 - r0):  # early rounds: rank densely, not pair by pair
            positive = float(x[x > 0].sum())
            k = min(PER_ROW, m)
            top = np.argpartition(x, m - k, axis=1)[:, m - k:]
            red = np.take_along_axis(x, top, axis=1)
            vr, pos = np.nonzero(red > -POOL_MARGIN)
            vc, red = top[vr, pos], red[vr, pos]
        else:
            vr, vc = np.nonzero(hot)
            red = x[vr, vc]
            positive = float(np.maximum(red, 0.0).sum())
            order, rank = _rank_in_groups(vr, red, vc)
            keep = order[rank < PER_ROW]
            vr, vc, red = vr[keep], vc[keep], red[keep]
        # Violations are judged on the kept pairs: each row keeps its largest reduced costs.
        return positive, bool((red > VIOLATION_TOL).any()), (
            (vr + r0) * m + vc, red, block[vr, vc])

    out = _Pricing()
    for positive, violated, found in scorer.map_blocks(work):
        out.positive += positive
        out.violated = out.violated or violated
        if found[0].size:
            out.found.append(found)
    return out


class _Search:
    """State of the column generation: pool, LP columns, latest duals."""

    def __init__(self, scorer: PairScorer, cap: np.ndarray, bonus: np.ndarray,
                 values: np.ndarray, pool: _Pool, backend: str) -> None:
        self.scorer, self.bonus, self.m = scorer, bonus, scorer.m
        self.pool = pool
        self.lp = restricted_lp(scorer.n, cap, values, backend)
        self.keys: list[np.ndarray] = []  # LP pair columns in insertion order
        self.scores: list[np.ndarray] = []
        self.solves = 0
        self.u, self.p = np.zeros(scorer.n), np.zeros(scorer.m)
        self.chosen = np.zeros(0, dtype=bool)

    def add(self, keys: np.ndarray, scores: np.ndarray) -> None:
        rows = keys // self.m
        self.lp.add_pairs(rows, keys % self.m, scores + self.bonus[rows])
        self.keys.append(keys)
        self.scores.append(scores)

    def solve(self) -> None:
        self.chosen, self.u, self.p = self.lp.solve((self.u, self.p))
        self.solves += 1

    def columns(self) -> tuple[np.ndarray, np.ndarray]:
        self.keys, self.scores = [np.concatenate(self.keys)], [np.concatenate(self.scores)]
        return self.keys[0], self.scores[0]

    def price_pool(self) -> bool:
        """Add the pool's violators to the LP; False if there are none."""
        pool, m = self.pool, self.m
        pr, pc = pool.keys // m, pool.keys % m
        red = pool.scores + self.bonus[pr] - self.u[pr] - self.p[pc]
        viol = np.flatnonzero(~pool.in_lp & (red > VIOLATION_TOL))
        if viol.size == 0:
            return False
        order, rank = _rank_in_groups(pr[viol], red[viol], pc[viol])
        viol = viol[order[rank < PER_ROW]]
        self.add(pool.keys[viol], pool.scores[viol])
        pool.in_lp[viol] = True
        return True

    def price_all(self) -> _Pricing:
        """Full pass: violators join the LP, near-violators the pool."""
        lp_keys = np.sort(self.columns()[0])
        pricing = _price_all(self.scorer, self.bonus, self.u, self.p, lp_keys)
        if pricing.violated:
            keys, red, s32 = (np.concatenate(x) for x in zip(*pricing.found, strict=True))
            scores, hot = s32.astype(np.float64), red > VIOLATION_TOL
            self.add(keys[hot], scores[hot])
            pos = np.searchsorted(self.pool.keys, keys)
            pos_c = np.minimum(pos, max(self.pool.keys.size - 1, 0))
            known = (self.pool.keys[pos_c] == keys) if self.pool.keys.size else hot & False
            self.pool.in_lp[pos_c[known & hot]] = True
            fresh = ~known
            merged_keys = np.concatenate([self.pool.keys, keys[fresh]])
            order = np.argsort(merged_keys, kind="stable")
            self.pool = _Pool(merged_keys[order],
                              np.concatenate([self.pool.scores, scores[fresh]])[order],
                              np.concatenate([self.pool.in_lp, hot[fresh]])[order])
        return pricing


def solve_panels(scorer: PairScorer, cap: np.ndarray, bonus: np.ndarray,
                 config: MatchingConfig, backend: str = "auto") -> Assignment:
    """Optimal panels over all eligible pairs of ``scorer``, with a duality certificate.

    ``cap[j]`` is volunteer j's free exposure (> 0), ``bonus[i]`` newcomer i's extra weight.
    """
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    n, m = scorer.n, scorer.m
    values = np.array(config.slot_values(first_slot_value(config, n)))
    if n == 0 or m == 0:  # nothing to match: the empty proposal, optimal with u = -v_1, p = 0
        search = _Search(scorer, cap, bonus, values, _Pool(*(np.zeros(0, dtype=t) for t in (
            np.int64, np.float64, bool))), backend)
        search.u[:] = -values[0]
        cert = _certificate(search, np.zeros(0, np.int64), np.zeros(0), _Pricing(), cap,
                            values, config, passes=0, pairs_checked=0)
        empty = np.zeros(0, dtype=np.int64)
        return Assignment(empty, empty, np.zeros(0), np.zeros(n, dtype=np.int64), cert, timings)
    pool, start, eligible = _first_pass(scorer, bonus, config)
    timings["first_pass"] = time.perf_counter() - t0
    search = _Search(scorer, cap, bonus, values, pool, backend)
    search.add(pool.keys[start], pool.scores[start])
    pool.in_lp |= start
    passes, lp_time, price_time = 0, 0.0, 0.0
    while True:
        t = time.perf_counter()
        search.solve()
        lp_time += time.perf_counter() - t
        # After the first solve go straight to a full pass: the score-ranked pool is a poor
        # guide until prices are known, and one big re-solve beats two.
        if search.solves > 1 and search.price_pool():
            continue
        t = time.perf_counter()
        pricing = search.price_all()
        passes += 1
        price_time += time.perf_counter() - t
        if not pricing.violated or passes >= config.max_rounds:
            break
    timings.update(lp=lp_time, pricing=price_time)
    keys, scores = search.columns()
    cert = _certificate(search, keys, scores, pricing, cap, values, config,
                        passes=passes, pairs_checked=int(eligible.sum()))
    chosen = np.flatnonzero(search.chosen)
    order = chosen[np.argsort(keys[chosen])]
    timings["total"] = time.perf_counter() - t0
    return Assignment(keys[order] // m, keys[order] % m, scores[order], eligible, cert, timings)


def _certificate(search: _Search, keys: np.ndarray, scores: np.ndarray, pricing: _Pricing,
                 cap: np.ndarray, values: np.ndarray, config: MatchingConfig, *, passes: int,
                 pairs_checked: int) -> Certificate:
    u, p, m, bonus = search.u, search.p, search.m, search.bonus
    rows, cols, x = keys // m, keys % m, search.chosen
    red = scores + bonus[rows] - u[rows] - p[cols]
    deg = np.bincount(rows[x], minlength=u.size)
    load = np.bincount(cols[x], minlength=cap.size)
    y = (np.arange(values.size)[None, :] < deg[:, None]).astype(np.float64)
    g = values[None, :] + u[:, None]
    primal = float((scores[x] + bonus[rows[x]]).sum() + (values[None, :] * y).sum())
    dual = float((cap * p).sum() + pricing.positive + np.maximum(red, 0.0).sum()
                 + np.maximum(g, 0.0).sum())
    # D − P term by term: every term is a complementary-slackness residual (≥ 0).
    gap = float((p * (cap - load)).sum() + pricing.positive
                + np.maximum(red[~x], 0.0).sum() + np.maximum(-red[x], 0.0).sum()
                + (np.maximum(g, 0.0) - g * y).sum())
    return Certificate(
        optimal=not pricing.violated and gap <= config.optimality_tolerance,
        primal_objective=primal, dual_objective=dual, gap=gap,
        pairs_checked=pairs_checked, rounds=search.solves, pricing_passes=passes,
        candidate_pairs=int(keys.size), pool_pairs=int(search.pool.keys.size))
