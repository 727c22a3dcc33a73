"""The two kinds of pass over *all* eligible pairs, block by block, on all cores.

* :func:`first_pass` scores everything once and keeps the *pool*: each newcomer's best
  ``candidates_per_newcomer`` volunteers by score and each volunteer's best
  ``candidates_per_volunteer`` newcomers by weight (score plus the newcomer's bonus), so
  scarce volunteers are seen from their side too.
* :func:`price_all` rescores everything against LP duals: it finds pairs whose reduced cost
  is positive (they must join the LP) or nearly so (worth keeping in the pool), and sums the
  positive parts the optimality certificate needs.

Both keep memory flat: blocks of a few million pairs, reduced to a few numbers per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from matching.model import MatchingConfig
from matching.scoring import BLOCK_PAIRS, PairScorer

VIOLATION_TOL = 1e-9
"""A pair joins the LP when its reduced cost exceeds this (score units)."""
POOL_MARGIN = 0.02
"""A full pass keeps for the pool the pairs whose reduced cost exceeds −POOL_MARGIN."""
PER_ROW = 10
"""At most this many pairs per newcomer join the LP (or the pool) per round."""


def rank_in_groups(group: np.ndarray, value: np.ndarray, tie: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Order by (group, value desc, tie) and each element's rank within its group."""
    order = np.lexsort((tie, -value, group))
    g = group[order]
    rank = np.arange(g.size) - np.searchsorted(g, g, side="left")
    return order, rank


class ColumnTops:
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
        # Partition along rows of the transposed copy: the copy costs less than partitioning
        # down strided columns (about a quarter of this pass's extra work).
        wt = np.ascontiguousarray(weights.T)
        top = np.argpartition(wt, b - k, axis=1)[:, b - k:]
        return np.take_along_axis(wt, top, axis=1).T, top.T + r0

    def merge(self, w: np.ndarray, r: np.ndarray) -> None:
        ww, rr = np.vstack([self.w, w]), np.vstack([self.r, r])
        keep = np.argpartition(ww, ww.shape[0] - self.k, axis=0)[-self.k:]
        self.w = np.take_along_axis(ww, keep, axis=0)
        self.r = np.take_along_axis(rr, keep, axis=0)

    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """(rows, cols) of the eligible entries kept."""
        kk, col = np.nonzero(np.isfinite(self.w))
        return self.r[kk, col], col


@dataclass
class Pool:
    """Promising pairs kept in memory, sorted by key ``row * m + col`` (m volunteers)."""

    keys: np.ndarray
    scores: np.ndarray  # float64 (exact float32 scores)
    in_lp: np.ndarray


def first_pass(scorer: PairScorer, bonus: np.ndarray, config: MatchingConfig
                ) -> tuple[Pool, np.ndarray]:
    """Score everything once: the pool and every newcomer's number of eligible pairs."""
    n, m = scorer.n, scorer.m
    kn = min(config.candidates_per_newcomer, m)
    kv = config.candidates_per_volunteer
    tops = ColumnTops(kv, m)
    bonus32 = bonus.astype(np.float32)

    def work(r0: int, r1: int, block: np.ndarray) -> tuple[np.ndarray, ...]:
        # each row's kn-th best value as a threshold (ties may add a few: the pool is a guide)
        kth = np.partition(block, m - kn, axis=1)[:, m - kn]
        eligible = block > 0
        rr, cc = np.nonzero((block >= kth[:, None]) & eligible)
        cw, cr = ColumnTops.of_block(block + bonus32[r0:r1, None], kv, r0)
        return np.count_nonzero(eligible, axis=1), rr + r0, cc, cw, cr

    eligible = np.zeros(n, dtype=np.int64)
    rows, cols = [], []
    step = max(4 * kv, BLOCK_PAIRS // max(m, 1))  # tall enough to partition columns
    for (r0, r1), out in zip(scorer.ranges(step), scorer.map_blocks(work, step), strict=True):
        eligible[r0:r1] = out[0]
        rows.append(out[1])
        cols.append(out[2])
        tops.merge(out[3], out[4])
    cr, cc = tops.pairs()
    keys = np.unique(np.concatenate([*rows, cr]) * m + np.concatenate([*cols, cc]))
    scores = scorer.pair_terms(keys // m, keys % m).score.astype(np.float64)
    return Pool(keys, scores, np.zeros(keys.size, dtype=bool)), eligible


@dataclass
class Pricing:
    """What a full pass found: see :func:`price_all`."""

    violated: bool = False
    positive: float = 0.0
    found: list[tuple[np.ndarray, ...]] = field(default_factory=list)


def price_all(scorer: PairScorer, bonus: np.ndarray, u: np.ndarray, p: np.ndarray,
              skip: np.ndarray) -> Pricing:
    """Rescore every pair in blocks and price it against the duals ``(u, p)``.

    Pairs whose keys are in ``skip`` (sorted; the pool, priced separately) are ignored. Of the
    others: the sum of positive reduced costs (for the certificate), whether one exceeds
    VIOLATION_TOL, and each row's PER_ROW best above −POOL_MARGIN.
    """
    m, a = scorer.m, bonus - u

    def work(r0: int, r1: int, block: np.ndarray) -> tuple[float, bool, tuple[np.ndarray, ...]]:
        x = block + a[r0:r1, None]  # float64; ineligible pairs stay -inf
        lo, hi = np.searchsorted(skip, [r0 * m, r1 * m])
        x[skip[lo:hi] // m - r0, skip[lo:hi] % m] = -np.inf
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
            order, rank = rank_in_groups(vr, red, vc)
            keep = order[rank < PER_ROW]
            vr, vc, red = vr[keep], vc[keep], red[keep]
        # Violations are judged on the kept pairs: each row keeps its largest reduced costs.
        return positive, bool((red > VIOLATION_TOL).any()), (
            (vr + r0) * m + vc, red, block[vr, vc])

    out = Pricing()
    for positive, violated, found in scorer.map_blocks(work):
        out.positive += positive
        out.violated = out.violated or violated
        if found[0].size:
            out.found.append(found)
    return out
