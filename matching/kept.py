"""Small rounds: every eligible pair scored once and kept in memory, priced from there.

A round of at most :data:`KEEP_ALL_PAIRS` pairs (newcomers × volunteers) keeps its eligible
pairs as flat arrays after one scoring pass (:func:`keep_all`). The
pool is then picked from those arrays (:func:`pool_of`) and every "full pass" of the search
prices them from memory (:func:`price_kept`) instead of rescoring every block: the same sums
and the same choices as :func:`~matching.passes.price_all`, so the certificate still covers
every eligible pair. Larger rounds rescore block by block, so their memory stays flat.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from matching.config import MatchingConfig
from matching.passes import (
    PER_ROW,
    POOL_MARGIN,
    VIOLATION_TOL,
    Pool,
    Pricing,
    best_in_groups,
    rank_in_groups,
)
from matching.scoring import WORKERS, PairScorer

KEEP_ALL_PAIRS = 1 << 23
"""Rounds of at most this many pairs keep every eligible pair in memory: 20 bytes a pair
(key, row, column, score), so at most 170 MB; 13 MB at 1,000 × 1,500 (44 % eligible).
Measured at 5,000 × 7,500 (330 MB kept), keeping them was no faster than rescoring: on
this machine, touching that much fresh memory costs about what the block passes save."""
CHUNK_PAIRS = 1 << 21
"""Pairs priced at once (each of the scorer's threads takes a chunk): flat memory."""


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
    >>> from matching.scoring import WORKERS, PairScorer
    >>> n = Newcomer(id=1, languages={"nl": "basic"}, availability={"sat-morning"},
    ...              lat=51.03, lon=4.48)
    >>> vs = [Volunteer(id=j, languages={lang: "native"}, availability={"sat-morning"},
    ...                 lat=51.03, lon=4.48) for j, lang in ((7, "fr"), (8, "nl"))]
    >>> pairs, per_row = keep_all(PairScorer([n], vs, MatchingConfig()))
    >>> pairs.keys.tolist(), pairs.cols.tolist(), per_row.tolist()
    ([1], [1], [1])
    """
    m = scorer.m

    def work(r0: int, r1: int, block: np.ndarray) -> tuple[np.ndarray, ...]:
        flat = np.flatnonzero(block > 0)  # C order: sorted keys, row by row
        rows = flat // m
        return (flat + r0 * m, block.ravel()[flat], (rows + r0).astype(np.int32),
                (flat - rows * m).astype(np.int32))

    parts = list(zip(*scorer.map_blocks(work), strict=True)) or [()] * 4
    keys, scores, rows, cols = (np.concatenate([np.zeros(0, dtype=t), *part]) for t, part in
                                zip((np.int64, np.float32, np.int32, np.int32), parts,
                                    strict=True))
    return AllPairs(keys, scores, rows, cols), np.bincount(rows, minlength=scorer.n)


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
    keep = (best_in_groups(pairs.rows, pairs.scores, config.candidates_per_newcomer, n,
                           1.0 + 1e-6)[0]
            | best_in_groups(pairs.cols, w, config.candidates_per_volunteer, m, top)[0])
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
    a, size = bonus - u, pairs.keys.size
    # Chunks of whole newcomers (each keeps its PER_ROW best), on the scorer's threads.
    step = max(1, u.size * CHUNK_PAIRS // max(size, 1))
    bounds = np.searchsorted(pairs.rows, np.arange(0, u.size + step, step)).tolist()
    ranges = [(lo, hi) for lo, hi in itertools.pairwise(bounds) if hi > lo]

    def work(lo: int, hi: int) -> tuple[float, bool, tuple[np.ndarray, ...]]:
        keys, rows = pairs.keys[lo:hi], pairs.rows[lo:hi]
        red = pairs.scores[lo:hi] + a[rows]  # float64
        red -= p[pairs.cols[lo:hi]]
        mine = skip[np.searchsorted(skip, keys[0]):np.searchsorted(skip, keys[-1], "right")]
        at = np.searchsorted(keys, mine)  # every pool pair is eligible, hence in keys
        red[at[keys[at] == mine]] = -np.inf
        hot = np.flatnonzero(red > -POOL_MARGIN)
        order, rank = rank_in_groups(rows[hot], red[hot], pairs.cols[lo:hi][hot])
        hot = hot[order[rank < PER_ROW]]
        return (float(red[red > 0].sum()), bool((red[hot] > VIOLATION_TOL).any()),
                (keys[hot], red[hot], pairs.scores[lo:hi][hot]))

    out = Pricing()
    if len(ranges) > 1 and WORKERS > 1:
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            results = list(pool.map(lambda r: work(*r), ranges))
    else:
        results = [work(*r) for r in ranges]
    for positive, violated, found in results:
        out.positive += positive
        out.violated = out.violated or violated
        if found[0].size:
            out.found.append(found)
    return out
