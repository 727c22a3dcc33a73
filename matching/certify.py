"""The optimality certificate, computed from the proposal it certifies — not from the solver.

The column generation (:mod:`matching.flow`) keeps a lot of bookkeeping: which pairs are LP
columns, which pool pairs are flagged "in the LP", the LP's own 0/1 answer. A slip in any of
it must not turn into a proof. So the certificate starts again from the *result* (the chosen
``(row, col)`` pairs) and the duals ``(u, p)``:

* **primal feasibility**, rechecked: every chosen pair is distinct, eligible under the hard
  rules and not excluded (rescored by the scorer, bit-identical to the scores reported); no
  newcomer gets more than ``panel_size`` volunteers; no volunteer more panels than their
  free exposure ``b_j`` (exposure limit and capacity);
* **the dual bound**: ``D = Σ_j b_j p_j + Σ_e max(0, w_e − u_i − p_j) + Σ_{i,k} max(0, v_k +
  u_i)`` over *every* eligible pair ``e``: the full pass's sum for the pairs outside the pool
  it priced, and here, pair by pair, for the pool's pairs — whether or not they were LP columns;
* **the gap** ``D − P`` term by term (complementary-slackness residuals, so no cancellation of
  large numbers), with ``P`` the objective of the rechecked proposal.

``optimal`` then needs a feasible proposal, no violator found by the full pass, and
``0 ≤ gap ≤ tolerance`` up to rounding (a clearly negative gap means something is wrong).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matching.results import Certificate
from matching.scoring import PairScorer

NEGATIVE_GAP_TOL = 1e-7
"""Rounding allowance below zero: term-by-term sums of ~1e5 numbers, each ~1e-13 off."""


@dataclass(frozen=True)
class Duals:
    """The duals the last full pass priced against, and what it found outside the pool."""

    u: np.ndarray
    p: np.ndarray
    outside_positive: float
    """Σ max(0, reduced cost) over the eligible pairs the full pass rescored (not the pool)."""
    violated: bool
    """The full pass found a pair outside the pool with a positive reduced cost."""
    pool_keys: np.ndarray
    """The pairs the full pass skipped (keys ``row * m + col``), priced here instead."""
    pool_scores: np.ndarray


def _member(needles: np.ndarray, hay: np.ndarray) -> np.ndarray:
    """``np.isin(needles, hay)`` by binary search in a sorted copy of ``hay`` (no order is
    assumed; sorting an already sorted array is cheap): several times faster here."""
    hay = np.sort(hay)
    if hay.size == 0:
        return np.zeros(needles.shape, dtype=bool)
    at = np.minimum(np.searchsorted(hay, needles), hay.size - 1)
    return hay[at] == needles


def primal_problems(scorer: PairScorer, cap: np.ndarray, panel_size: int, rows: np.ndarray,
                    cols: np.ndarray, scores: np.ndarray) -> list[str]:
    """Why the chosen pairs are not a feasible proposal (empty list: they are).

    Checks, independently of how the pairs were found: distinct pairs, eligibility (hard rules,
    distance, exclusions: the scorer's own score must be positive), the reported scores equal
    the scorer's, panel sizes, and each volunteer's free exposure ``cap``.

    Parameters
    ----------
    scorer
        The round's scorer (rows: newcomers, columns: volunteers with free exposure).
    cap
        Each column's free exposure ``b_j``.
    panel_size
        At most this many volunteers per newcomer.
    rows, cols, scores
        The chosen pairs and the scores reported for them.

    Returns
    -------
    list of str
        One sentence per kind of infeasibility found.

    Examples
    --------
    >>> import numpy as np
    >>> from matching import MatchingConfig, Newcomer, Volunteer
    >>> from matching.panels import round_setup
    >>> n = Newcomer(id=1, languages={"nl": "basic"}, availability={"sat-morning"},
    ...              lat=51.03, lon=4.48)
    >>> v = Volunteer(id=9, languages={"nl": "native"}, availability={"sat-morning"},
    ...               lat=51.03, lon=4.48, open_panels=2)
    >>> scorer, cap, _ = round_setup([n], [v], MatchingConfig(max_open_panels=3), (), [n])
    >>> rows, cols = np.array([0]), np.array([0])
    >>> score = scorer.pair_terms(rows, cols).score
    >>> primal_problems(scorer, cap, 5, rows, cols, score)
    []
    >>> primal_problems(scorer, cap, 5, np.array([0, 0]), np.array([0, 0]),
    ...                 np.repeat(score, 2))  # doctest: +NORMALIZE_WHITESPACE
    ['a volunteer appears twice in one panel',
     'a volunteer exceeds their exposure limit or capacity']
    """
    problems = []
    n, m = scorer.n, scorer.m
    if rows.size and (rows.min() < 0 or rows.max() >= n or cols.min() < 0 or cols.max() >= m):
        return ["a chosen pair names someone outside the round"]
    keys = rows.astype(np.int64) * m + cols
    if np.unique(keys).size != keys.size:
        problems.append("a volunteer appears twice in one panel")
    fresh = scorer.pair_terms(rows, cols).score.astype(np.float64)
    excluded = np.isin(keys, scorer.ex_rows * m + scorer.ex_cols)
    if not (np.isfinite(fresh) & (fresh > 0) & ~excluded).all():
        problems.append("a chosen pair breaks a hard rule")
    elif not np.array_equal(fresh, np.asarray(scores, dtype=np.float64)):
        problems.append("a reported score differs from the scorer's")
    if (np.bincount(rows, minlength=n) > panel_size).any():
        problems.append("a panel is larger than the panel size")
    if (np.bincount(cols, minlength=m) > cap).any():
        problems.append("a volunteer exceeds their exposure limit or capacity")
    return problems


def certify(scorer: PairScorer, cap: np.ndarray, bonus: np.ndarray, values: np.ndarray,
            rows: np.ndarray, cols: np.ndarray, scores: np.ndarray, duals: Duals,
            tolerance: float, **counts: int) -> Certificate:
    """The certificate of the proposal ``(rows, cols)`` (see the module docstring).

    Parameters
    ----------
    scorer, cap
        The round's scorer and each volunteer's free exposure.
    bonus, values
        Each newcomer's per-pair bonus and the panel slot values of the objective.
    rows, cols, scores
        The proposal being certified.
    duals
        The duals of the last full pass and what it summed outside the pool.
    tolerance
        Largest gap accepted as a proof.
    **counts
        Diagnostic numbers (``pairs_checked``, ``rounds``, ``pricing_passes``,
        ``candidate_pairs``, ``pool_pairs``) copied into the certificate.

    Returns
    -------
    Certificate
        ``optimal`` only for a feasible proposal with ``0 ≤ gap ≤ tolerance`` (up to rounding)
        and no violator outside the pool; an infeasible proposal gets NaN objectives and an
        infinite gap.

    Examples
    --------
    It is what :func:`~matching.propose_panels` reports:

    >>> from matching import MatchingConfig, Newcomer, Volunteer, propose_panels
    >>> n = Newcomer(id=1, languages={"nl": "basic"}, availability={"sat-morning"},
    ...              lat=51.03, lon=4.48)
    >>> v = Volunteer(id=9, languages={"nl": "native"}, availability={"sat-morning"},
    ...               lat=51.03, lon=4.48)
    >>> cert = propose_panels([n], [v], MatchingConfig()).summary.certificate
    >>> cert.optimal, 0 <= cert.gap <= 1e-6
    (True, True)
    """
    u, p, m = duals.u, duals.p, scorer.m
    problems = primal_problems(scorer, cap, values.size, rows, cols, scores)
    if problems:  # the identity below assumes a feasible proposal: no bound is claimed
        return Certificate(optimal=False, primal_objective=float("nan"),
                           dual_objective=float("nan"), gap=float("inf"), **counts)
    w = scorer.pair_terms(rows, cols).score.astype(np.float64) + bonus[rows]
    red_x = w - u[rows] - p[cols]  # chosen pairs
    keys = rows.astype(np.int64) * m + cols
    pool_rows, pool_cols = duals.pool_keys // m, duals.pool_keys % m
    red_pool = duals.pool_scores + bonus[pool_rows] - u[pool_rows] - p[pool_cols]
    in_pool = _member(keys, duals.pool_keys)
    not_chosen = ~_member(duals.pool_keys, keys)
    deg = np.bincount(rows, minlength=u.size)
    load = np.bincount(cols, minlength=cap.size)
    y = (np.arange(values.size)[None, :] < deg[:, None]).astype(np.float64)
    g = values[None, :] + u[:, None]
    primal = float(w.sum() + (values[None, :] * y).sum())
    pool_positive = float(np.maximum(red_pool, 0.0).sum())
    dual = float((cap * p).sum() + duals.outside_positive + pool_positive
                 + np.maximum(g, 0.0).sum())
    # D − P term by term: each term is a complementary-slackness residual (≥ 0 when feasible).
    # A chosen pair outside the pool is in the full pass's sum as max(0, red): its residual
    # max(0, red) − red is completed by subtracting red (an empty sum in practice).
    gap = float((p * (cap - load)).sum() + duals.outside_positive - red_x[~in_pool].sum()
                + np.maximum(red_pool[not_chosen], 0.0).sum()
                + np.maximum(-red_x[in_pool], 0.0).sum()
                + (np.maximum(g, 0.0) - g * y).sum())
    optimal = not duals.violated and -NEGATIVE_GAP_TOL <= gap <= tolerance
    return Certificate(optimal=optimal, primal_objective=primal, dual_objective=dual, gap=gap,
                       **counts)
