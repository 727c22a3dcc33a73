"""The baseline: first come, first served, each newcomer takes their top five.

Kept to measure what the optimal engine buys (see ``bench/``): on realistic rounds greedy
hands full panels to the first third of the list and nothing to the last third.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence

import numpy as np

from matching.config import MatchingConfig
from matching.model import Id, Newcomer, Volunteer, check_population
from matching.panels import assemble, round_setup
from matching.results import PanelResult


def greedy_panels(
    newcomers: Sequence[Newcomer],
    volunteers: Sequence[Volunteer],
    config: MatchingConfig,
    excluded: Collection[tuple[Id, Id]] = frozenset(),
) -> PanelResult:
    """Greedy panels: longest-waiting newcomer first (ties: smaller id), best scores first.

    Same hard rules and exposure limits as :func:`~matching.propose_panels`, same result type,
    but no optimisation across newcomers and no certificate (``summary.certificate`` is None).

    Examples
    --------
    The first newcomer takes both volunteers' single free places; the second gets nothing:

    >>> from matching import Newcomer, Volunteer, MatchingConfig, greedy_panels
    >>> slots = {"sat-morning"}
    >>> ns = [Newcomer(id=i, languages={"nl": "basic"}, availability=slots, lat=51.03,
    ...                lon=4.48, waiting_days=w) for i, w in ((1, 3), (2, 9))]
    >>> vs = [Volunteer(id=j, languages={"nl": "native"}, availability=slots, lat=51.03,
    ...                 lon=4.48, open_panels=1) for j in (10, 11)]
    >>> res = greedy_panels(ns, vs, MatchingConfig(panel_size=2))
    >>> {i: [c.volunteer_id for c in panel] for i, panel in res.panels.items()}
    {1: [], 2: [10, 11]}
    >>> res.summary.certificate is None
    True
    """
    t0 = time.perf_counter()
    newcomers, volunteers = check_population(newcomers, volunteers)
    order = sorted(newcomers, key=lambda n: (-n.waiting_days, n.id))
    scorer, cap, _ = round_setup(newcomers, volunteers, config, excluded, order)
    open_places = cap > 0
    remaining = cap.copy()
    k = config.panel_size
    rows, cols, scores, eligible = [], [], [], np.zeros(scorer.n, dtype=np.int64)
    for r0, _, block in scorer.blocks():
        eligible[r0:r0 + block.shape[0]] = np.count_nonzero(block > 0, axis=1)
        for r, row in enumerate(block, start=r0):
            cand = np.flatnonzero((row > 0) & open_places)
            vals = row[cand]
            if cand.size > k:  # keep everything tied with the k-th best, then sort by id
                kth = np.partition(vals, cand.size - k)[cand.size - k]
                cand, vals = cand[vals >= kth], vals[vals >= kth]
            pick = cand[np.lexsort((cand, -vals))[:k]]
            remaining[pick] -= 1
            open_places[pick] = remaining[pick] > 0
            rows.extend([r] * pick.size)
            cols.extend(pick.tolist())
            scores.extend(row[pick].astype(np.float64).tolist())
    timings = {"total": time.perf_counter() - t0}
    return assemble(scorer, np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64),
                    np.array(scores, dtype=np.float64), eligible, newcomers, volunteers,
                    config, None, timings)
