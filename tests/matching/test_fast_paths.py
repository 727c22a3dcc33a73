"""The vectorised building blocks against plain reference versions, on random inputs.

The fast versions avoid per-call numpy overhead (small matrices, few calls per step) or wide
intermediate arrays; these references spell the same computations out directly. The
comparisons are exact: the duals steer the LP's pivots, the pool decides what it sees.
"""

from __future__ import annotations

import numpy as np
import pytest

from matching.duals import WIDTH, _dense, approximate_duals
from matching.passes import BINS, best_in_groups


def _top(values: np.ndarray, k: int) -> np.ndarray:
    """Each row's k largest, decreasing, padded with -inf."""
    pad = np.full((values.shape[0], k), -np.inf)
    return np.sort(np.hstack([values, pad]), axis=1)[:, ::-1][:, :k]


def _reference_duals(n: int, cap: np.ndarray, values: np.ndarray, rows: np.ndarray,
                     cols: np.ndarray, w: np.ndarray, iterations: int, width: int
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Block coordinate descent as in the module docstring, one step at a time."""
    m, k = cap.size, values.size
    wr, cr = _dense(rows, cols, w, n, width)
    wc, rc = _dense(cols, rows, w, m, width)
    b_max = int(cap.max(initial=1))
    p, best = np.zeros(m), (np.inf, np.zeros(n), np.zeros(m))
    for _ in range(iterations):
        g = _top(wr - p[cr], k + 1)
        u = np.empty(n)
        for i in range(n):  # the middle of the optimal interval, as in the docstring
            d = int((values + g[i, :k] > 0).sum())
            lo = max(g[i, d], -values[d - 1] if d else -np.inf)
            hi = min(g[i, d - 1] if d else np.inf, -values[d] if d < k else -0.0)
            u[i] = ((lo if np.isfinite(lo) else hi - 1.0) + hi) / 2
        h = _top(wc - u[rc], b_max + 1)
        at = np.arange(m)
        p = (np.maximum(h[at, cap], 0.0) + np.maximum(h[at, cap - 1], 0.0)) / 2
        over = np.maximum(h[:, :b_max] - p[:, None], 0.0)
        dual = ((cap * p).sum() + over[np.arange(b_max)[None, :] < cap[:, None]].sum()
                + np.maximum(values[None, :] + u[:, None], 0.0).sum())
        if dual < best[0]:
            best = (dual, u, p)
    return best[1], best[2]


@pytest.mark.parametrize("seed", range(40))
def test_approximate_duals_match_the_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(1, 30)), int(rng.integers(1, 30))
    keys = rng.choice(n * m, size=int(rng.integers(0, n * m + 1)), replace=False)
    w = rng.random(keys.size) + 0.3 * rng.integers(0, 2, keys.size)
    if seed % 4 == 0:
        w = np.round(w, 1)  # ties
    values = np.sort(rng.random(int(rng.integers(1, 7))) * 3)[::-1].copy()
    if seed % 3 == 0:
        values[0] = 50.0  # a first slot far above the rest, as the automatic one
    cap = rng.integers(1, 5, m)
    width = int(rng.choice([2, 3, 8, WIDTH]))  # narrower than K + 1 or b_max + 1, too
    iterations = int(rng.integers(1, 25))
    args = (n, cap, values, keys // m, keys % m, w, iterations, width)
    u, p = approximate_duals(*args)
    u_ref, p_ref = _reference_duals(*args)
    assert np.array_equal(u, u_ref)
    assert np.array_equal(p, p_ref)


@pytest.mark.parametrize("seed", range(40))
def test_best_in_groups_matches_the_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    size, k, top = int(rng.integers(1, 40)), int(rng.integers(1, 10)), float(rng.choice([1, 2]))
    group = rng.integers(0, size, int(rng.integers(0, 300)))
    value = rng.random(group.size) * top * (0.9999999 if seed % 2 else 1.0)
    if seed % 3 == 0:
        value = np.round(value, 1)  # many values in one bin
    keep, floor = best_in_groups(group, value, k, size, top)
    b = np.minimum((value * (BINS / top)).astype(np.int64), BINS - 1)
    for g in range(size):
        mine = np.sort(b[group == g])[::-1]
        threshold = int(mine[k - 1]) if mine.size >= k else 0  # the k-th best's bin
        assert (keep[group == g] == (b[group == g] >= threshold)).all()
        assert floor[g] == ((threshold - 1) * (top / BINS) if mine.size >= k else -np.inf)
