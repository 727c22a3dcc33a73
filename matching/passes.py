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

from matching.config import MatchingConfig
from matching.scoring import PairScorer

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


BINS = 256
"""Histogram bins per newcomer (or volunteer) when picking each one's best pairs."""


def best_in_groups(group: np.ndarray, value: np.ndarray, k: int, size: int, top: float
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Which values are among their group's k best, up to ties within a histogram bin.

    A superset of each group's k best (the pool is a guide, not a bound), without sorting:
    one bincount of the values binned over ``[0, top)``, a cumulative count from the top,
    each group's threshold bin. Also returns each group's *floor*, the lower edge of the bin
    below that one (-inf for a group with fewer than k values): its k best are all above it.

    >>> import numpy as np
    >>> keep, floor = best_in_groups(np.array([0, 0, 0, 1]), np.array([0.9, 0.2, 0.5, 0.4]),
    ...                              2, 2, 1.0)
    >>> keep.tolist(), floor.tolist()
    ([True, False, True, True], [0.49609375, -inf])
    """
    b = np.minimum((value * (BINS / top)).astype(np.int64), BINS - 1)
    # Bins counted from the top, group after group, and one running count over all of them:
    # a group's values in its t best bins are the running count at t minus the count before
    # the group, so its threshold is one binary search (no size × BINS passes).
    start = group.astype(np.int64) * BINS
    running = np.cumsum(np.bincount(start + (BINS - 1 - b), minlength=size * BINS))
    before = np.concatenate([[0], running[BINS - 1:-1:BINS]])  # values in earlier groups
    first = np.arange(size) * BINS
    reach = np.searchsorted(running, before + k) - first  # best bins holding k values
    enough = reach < BINS
    threshold = np.where(enough, BINS - 1 - reach, 0)
    # One bin lower than the threshold's edge: rounding can never put one of the k best below.
    floor = np.where(enough, (threshold - 1) * (top / BINS), -np.inf)
    return b >= threshold[group], floor


@dataclass
class Pool:
    """Promising pairs kept in memory, sorted by key ``row * m + col`` (m volunteers)."""

    keys: np.ndarray
    scores: np.ndarray  # float64 (exact float32 scores)
    in_lp: np.ndarray


def first_pass(scorer: PairScorer, bonus: np.ndarray, config: MatchingConfig
                ) -> tuple[Pool, np.ndarray]:
    """Score everything once: the pool and every newcomer's number of eligible pairs.

    Each block's eligible pairs give each of its newcomers' best by a histogram of scores
    (:func:`best_in_groups`). A volunteer's best newcomers span all blocks: a block passes on
    the pairs at or above the volunteer's current *floor*, and the candidates gathered so far
    are cut down to each volunteer's best whenever they pile up. A floor only rises and never
    exceeds the volunteer's final k-th best weight, so no pair of the final best is dropped.
    """
    n, m = scorer.n, scorer.m
    kn = min(config.candidates_per_newcomer, m)
    kv = config.candidates_per_volunteer
    bonus32 = bonus.astype(np.float32)
    top = 1.0 + float(bonus.max(initial=0.0)) + 1e-6  # weights lie in (0, top)
    floors = [np.full(m, -np.inf, dtype=np.float32)]  # one slot, swapped whole: workers read it

    def work(r0: int, r1: int, block: np.ndarray) -> tuple[np.ndarray, ...]:
        flat = np.flatnonzero(block > 0)
        rows = flat // m
        cols = flat - rows * m
        s = block.ravel()[flat]
        best, _ = best_in_groups(rows, s, kn, r1 - r0, 1.0 + 1e-6)
        count = np.bincount(rows, minlength=r1 - r0)
        rows += r0
        w = s + bonus32[rows]
        high = w >= floors[0][cols]  # a stale floor is lower: it only keeps more
        return count, rows[best] * m + cols[best], rows[high] * m + cols[high], w[high]

    eligible = np.zeros(n, dtype=np.int64)
    row_keys, col_keys, col_w = [], [np.zeros(0, dtype=np.int64)], [np.zeros(0, np.float32)]
    held = 0
    for (r0, r1), out in zip(scorer.ranges(), scorer.map_blocks(work), strict=True):
        eligible[r0:r1] = out[0]
        row_keys.append(out[1])
        col_keys.append(out[2])
        col_w.append(out[3])
        held += out[2].size
        if held > 4 * kv * m or r1 == n:  # cut down to each volunteer's best, raise floors
            ck, cw = np.concatenate(col_keys), np.concatenate(col_w)
            keep, floor = best_in_groups(ck % m, cw, kv, m, top)
            col_keys, col_w, held = [ck[keep]], [cw[keep]], int(keep.sum())
            floors[0] = np.maximum(floors[0], floor.astype(np.float32))
    keys = np.sort(np.concatenate([*row_keys, *col_keys]))
    keys = keys[np.diff(keys, prepend=-1) != 0]  # sort-based: np.unique's hash is slower
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
