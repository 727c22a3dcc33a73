"""Small rounds: every eligible pair scored once and kept in memory, priced from there.

A round of at most :data:`KEEP_ALL_PAIRS` pairs (newcomers × volunteers) keeps its eligible
pairs as flat arrays after one scoring pass (:func:`keep_all`). The
pool is then picked from those arrays (:func:`pool_of`) and every "full pass" of the search
prices them from memory (:func:`price_kept`) instead of rescoring every block: the same sums
and the same choices as :func:`~matching.passes.price_all`, so the certificate still covers
every eligible pair. Larger rounds rescore block by block, so their memory stays flat.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matching.model import MatchingConfig
from matching.passes import PER_ROW, POOL_MARGIN, VIOLATION_TOL, Pool, Pricing, rank_in_groups
from matching.scoring import PairScorer

KEEP_ALL_PAIRS = 1 << 23
"""Rounds of at most this many pairs keep every eligible pair in memory: 28 bytes a pair
(key, row, column, score), so at most 235 MB, and 40 MB at 1,000 × 1,500."""
BINS = 256
"""Score histogram bins per newcomer (and volunteer) when picking the pool."""


@dataclass
class AllPairs:
    """Every eligible pair of a round, sorted by key ``row * m + col``."""

    keys: np.ndarray
    scores: np.ndarray
    """float32, exactly as scored in the blocks."""
    rows: np.ndarray
    cols: np.ndarray


def keep_all(scorer: PairScorer) -> tuple[AllPairs, np.ndarray]:
    """Score every pair once and keep the eligible ones.

    Parameters
    ----------
    scorer
        The round's scorer (blocks are scored on its threads, as in a full pass).

    Returns
    -------
    AllPairs
        Every eligible pair, sorted by key, with its float32 score.
    numpy.ndarray
        Each newcomer's number of eligible pairs.

    Examples
    --------
    >>> from matching import MatchingConfig, Newcomer, Volunteer
    >>> from matching.scoring import PairScorer
    >>> n = Newcomer(id=1, languages={"nl": "basic"}, availability={"sat-morning"},
    ...              lat=51.03, lon=4.48)
    >>> vs = [Volunteer(id=j, languages={lang: "native"}, availability={"sat-morning"},
    ...                 lat=51.03, lon=4.48) for j, lang in ((7, "fr"), (8, "nl"))]
    >>> pairs, per_row = keep_all(PairScorer([n], vs, MatchingConfig()))
    >>> pairs.keys.tolist(), pairs.cols.tolist(), per_row.tolist()
    ([1], [1], [1])
    """
    m = scorer.m

    def work(r0: int, r1: int, block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        flat = np.flatnonzero(block > 0)  # C order: sorted keys, row by row
        return flat + r0 * m, block.ravel()[flat]

    parts = list(scorer.map_blocks(work))
    keys = np.concatenate([np.zeros(0, dtype=np.int64), *(k for k, _ in parts)])
    keys = keys.astype(np.int64, copy=False)
    scores = np.concatenate([np.zeros(0, dtype=np.float32), *(s for _, s in parts)])
    rows, cols = keys // max(m, 1), keys % max(m, 1)
    return AllPairs(keys, scores, rows, cols), np.bincount(rows, minlength=scorer.n)


def _best(group: np.ndarray, value: np.ndarray, k: int, size: int, top: float) -> np.ndarray:
    """Which values are among their group's k best, up to ties within a histogram bin.

    A superset of each group's k best (the pool is a guide, not a bound): one bincount of
    the binned values, a cumulative count from the top, each group's threshold bin.
    """
    b = np.minimum((value * (BINS / top)).astype(np.int64), BINS - 1)
    counts = np.bincount(group * BINS + b, minlength=size * BINS).reshape(size, BINS)
    above = np.cumsum(counts[:, ::-1], axis=1)  # above[:, t]: values in bins ≥ BINS − 1 − t
    enough = above[:, -1] >= k
    threshold = np.where(enough, BINS - 1 - np.argmax(above >= k, axis=1), 0)
    return b >= threshold[group]


def pool_of(pairs: AllPairs, bonus: np.ndarray, config: MatchingConfig, n: int, m: int
            ) -> Pool:
    """The pool, picked from memory.

    Parameters
    ----------
    pairs
        Every eligible pair of the round.
    bonus
        Each newcomer's per-pair bonus ``c_i``.
    config
        ``candidates_per_newcomer`` and ``candidates_per_volunteer``.
    n, m
        Newcomers and volunteers of the round.

    Returns
    -------
    Pool
        Each newcomer's ``candidates_per_newcomer`` best volunteers by score and each
        volunteer's ``candidates_per_volunteer`` best newcomers by weight (the two sides of
        :func:`~matching.passes.first_pass`), plus those tied with the last of them within a
        histogram bin.

    Examples
    --------
    >>> import numpy as np
    >>> from matching import MatchingConfig
    >>> pairs = AllPairs(np.array([0, 1, 2]), np.array([0.9, 0.5, 0.7], dtype=np.float32),
    ...                  np.array([0, 0, 0]), np.array([0, 1, 2]))
    >>> cfg = MatchingConfig(candidates_per_newcomer=1, candidates_per_volunteer=1)
    >>> pool_of(pairs, np.zeros(1), cfg, 1, 3).keys.tolist()  # each volunteer's best, too
    [0, 1, 2]
    >>> pool_of(pairs, np.zeros(1), cfg, 1, 3).scores.dtype
    dtype('float64')
    """
    w = pairs.scores + bonus[pairs.rows]
    top = 1.0 + float(bonus.max(initial=0.0)) + 1e-6
    keep = (_best(pairs.rows, pairs.scores, config.candidates_per_newcomer, n, 1.0 + 1e-6)
            | _best(pairs.cols, w, config.candidates_per_volunteer, m, top))
    return Pool(pairs.keys[keep], pairs.scores[keep].astype(np.float64),
                np.zeros(int(keep.sum()), dtype=bool))


def price_kept(pairs: AllPairs, bonus: np.ndarray, u: np.ndarray, p: np.ndarray,
               skip: np.ndarray) -> Pricing:
    """:func:`~matching.passes.price_all` from memory.

    Parameters
    ----------
    pairs
        Every eligible pair of the round.
    bonus, u, p
        Each newcomer's bonus, the newcomers' and the volunteers' duals.
    skip
        Sorted keys priced elsewhere (the pool's, by the certificate itself).

    Returns
    -------
    Pricing
        Over the pairs not in ``skip``: the sum of positive reduced costs, whether one
        exceeds VIOLATION_TOL, and each newcomer's PER_ROW best above −POOL_MARGIN.

    Examples
    --------
    >>> import numpy as np
    >>> pairs = AllPairs(np.array([0, 1]), np.array([0.9, 0.5], dtype=np.float32),
    ...                  np.array([0, 0]), np.array([0, 1]))
    >>> out = price_kept(pairs, np.zeros(1), np.array([0.6]), np.zeros(2), np.array([1]))
    >>> round(out.positive, 6), out.violated, out.found[0][0].tolist()
    (0.3, True, [0])
    """
    red = pairs.scores + (bonus - u)[pairs.rows] - p[pairs.cols]  # float64
    at = np.searchsorted(pairs.keys, skip)
    at = at[at < pairs.keys.size]  # keys past the last pair only at the end of sorted skip
    red[at[pairs.keys[at] == skip[: at.size]]] = -np.inf
    out = Pricing(positive=float(red[red > 0].sum()))
    hot = np.flatnonzero(red > -POOL_MARGIN)
    order, rank = rank_in_groups(pairs.rows[hot], red[hot], pairs.cols[hot])
    hot = hot[order[rank < PER_ROW]]
    out.violated = bool((red[hot] > VIOLATION_TOL).any())
    if hot.size:
        out.found.append((pairs.keys[hot], red[hot], pairs.scores[hot]))
    return out
