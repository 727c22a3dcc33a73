"""The optimality certificate refuses what it cannot prove: faults injected into the solver.

The certificate (:mod:`matching.certify`) rechecks the proposal it certifies and prices every
pool pair itself, so a solver slip — an infeasible LP answer, a pair flagged as an LP column
that never was one — yields ``optimal is False``, never a proof.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest

from matching import MatchingConfig, propose_panels
from matching import flow as flow_module
from matching.certify import primal_problems
from matching.panels import round_setup

from .conftest import CENTRE, newcomer, volunteer


class _AllColumnsChosen:
    """An LP that answers "take every column": over capacity and over panel size."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def add_pairs(self, rows: np.ndarray, cols: np.ndarray, w: np.ndarray) -> None:
        self.inner.add_pairs(rows, cols, w)

    def solve(self, shift: Any = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        chosen, u, p = self.inner.solve(shift)
        return np.ones_like(chosen), u, p


def test_an_over_capacity_answer_is_not_certified(monkeypatch: pytest.MonkeyPatch) -> None:
    # Three newcomers, one volunteer who may join two more panels: the LP "puts" them in three.
    ns = [newcomer(i) for i in (1, 2, 3)]
    vs = [volunteer(100)]
    cfg = MatchingConfig(max_open_panels=2, panel_size=1)
    honest = propose_panels(ns, vs, cfg).summary.certificate
    assert honest is not None
    assert honest.optimal
    real = flow_module.restricted_lp
    monkeypatch.setattr(flow_module, "restricted_lp",
                        lambda *a, **k: _AllColumnsChosen(real(*a, **k)))
    result = propose_panels(ns, vs, cfg)
    cert = result.summary.certificate
    assert cert is not None
    assert sum(len(p) for p in result.panels.values()) == 3, "the fault reached the result"
    assert cert.optimal is False
    # No bound is claimed for an infeasible proposal (not a gap that happens to look small).
    assert math.isnan(cert.primal_objective)
    assert math.isnan(cert.dual_objective)
    assert cert.gap == math.inf
    stored = json.loads(json.dumps(cert.to_dict(), allow_nan=False))  # as the app stores it
    assert (stored["optimal"], stored["gap"], stored["primal_objective"]) == (False, None, None)


def test_an_honest_certificate_adds_up() -> None:
    """Priority and waiting bonuses, a scarce volunteer (binding capacity: a positive price)
    and an unused last volunteer: optimal, with P and D consistent with the result."""
    ns = [newcomer(1, priority=True, waiting_days=200), newcomer(2, waiting_days=30),
          newcomer(3)]
    vs = [volunteer(100), volunteer(101, lat=CENTRE[0] + 0.02),
          volunteer(102, lat=CENTRE[0] + 2.0)]  # 102: 220 km away, never eligible
    cfg = MatchingConfig(panel_size=2, max_open_panels=1)
    summary = propose_panels(ns, vs, cfg).summary
    cert = summary.certificate
    assert cert is not None
    assert cert.optimal is True
    assert cert.primal_objective == pytest.approx(summary.objective, rel=1e-12)
    assert cert.dual_objective >= cert.primal_objective - 1e-9
    assert 0 <= cert.gap <= cfg.optimality_tolerance
    assert cert.gap == pytest.approx(cert.dual_objective - cert.primal_objective, abs=1e-6)


def test_a_pair_flagged_in_the_lp_but_never_added_is_priced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # One newcomer (waiting long: a bonus on every pair), two volunteers: the near one is the
    # better pair.
    ns = [newcomer(1, priority=True, waiting_days=365)]
    vs = [volunteer(100), volunteer(101, lat=CENTRE[0] + 0.03)]
    cfg = MatchingConfig(panel_size=1)
    honest = propose_panels(ns, vs, cfg)
    assert honest.summary.certificate is not None
    assert honest.summary.certificate.optimal
    assert [c.volunteer_id for c in honest.panels[1]] == [100]
    real_add = flow_module._Search.add
    dropped = 0  # key row * m + col of (newcomer row 0, volunteer column 0)

    def add_but_drop(self: Any, keys: np.ndarray, scores: np.ndarray) -> None:
        keep = keys != dropped  # the pool still flags it "in the LP"
        real_add(self, keys[keep], scores[keep])

    monkeypatch.setattr(flow_module._Search, "add", add_but_drop)
    faulty = propose_panels(ns, vs, cfg)
    assert [c.volunteer_id for c in faulty.panels[1]] == [101], "the fault reached the result"
    assert faulty.summary.objective < honest.summary.objective
    cert = faulty.summary.certificate
    assert cert is not None
    assert cert.optimal is False
    assert cert.gap > cfg.optimality_tolerance
    # The gap summed term by term is the difference of the two objectives.
    assert cert.gap == pytest.approx(cert.dual_objective - cert.primal_objective, abs=1e-9)
    # Still a valid bound: the dual objective is above the true optimum.
    assert cert.dual_objective >= honest.summary.objective - 1e-9


def _setup(cfg: MatchingConfig, excluded: frozenset[tuple[int, int]] = frozenset()) -> Any:
    ns = [newcomer(1), newcomer(2), newcomer(3, lat=CENTRE[0] + 1.0)]  # 3: far away
    vs = [volunteer(100), volunteer(101), volunteer(102, open_panels=1)]
    return round_setup(ns, vs, cfg, excluded, ns)


def _check(cfg: MatchingConfig, pairs: list[tuple[int, int]],
           excluded: frozenset[tuple[int, int]] = frozenset(),
           scores: np.ndarray | None = None) -> list[str]:
    scorer, cap, _ = _setup(cfg, excluded)
    rows = np.array([r for r, _ in pairs], dtype=np.int64)
    cols = np.array([c for _, c in pairs], dtype=np.int64)
    inside = ((rows >= 0) & (rows < scorer.n) & (cols >= 0) & (cols < scorer.m)).all()
    if scores is None and inside:
        scores = scorer.pair_terms(rows, cols).score.astype(np.float64)
    return primal_problems(scorer, cap, cfg.panel_size, rows, cols,
                           np.zeros(rows.size) if scores is None else scores)


def test_primal_check_accepts_a_feasible_proposal() -> None:
    cfg = MatchingConfig(panel_size=2, max_open_panels=2)
    assert _check(cfg, [(0, 0), (0, 1), (1, 0), (1, 2)]) == []
    assert _check(cfg, []) == []


OUTSIDE = "a chosen pair names someone outside the round"
HARD_RULE = "a chosen pair breaks a hard rule"


@pytest.mark.parametrize(("pairs", "problem"), [
    ([(0, 0), (0, 1), (0, 2)], "a panel is larger than the panel size"),  # panel size 2
    ([(0, 0), (1, 0), (1, 1), (0, 1)], ""),  # feasible: the control row
    ([(0, 2), (1, 2)], "a volunteer exceeds their exposure limit or capacity"),  # 102: one left
    ([(0, 0), (0, 0)], "a volunteer appears twice in one panel"),
    ([(2, 0)], HARD_RULE),  # newcomer 3 lives 110 km away
    ([(0, 3)], OUTSIDE),  # 3 volunteers: columns 0-2
    ([(3, 0)], OUTSIDE),  # 3 newcomers: rows 0-2
    ([(0, -1)], OUTSIDE),
    ([(-1, 0)], OUTSIDE),
])
def test_primal_check_names_each_infeasibility(pairs: list[tuple[int, int]],
                                               problem: str) -> None:
    found = _check(MatchingConfig(panel_size=2, max_open_panels=2), pairs)
    assert found == ([problem] if problem else [])


def test_primal_check_refuses_excluded_pairs_and_wrong_scores() -> None:
    cfg = MatchingConfig(panel_size=2, max_open_panels=2)
    assert _check(cfg, [(0, 1)], frozenset({(1, 101)})) == [HARD_RULE]
    assert _check(cfg, [(0, 1)], frozenset({(2, 100)})) == []  # another pair is excluded
    assert _check(cfg, [(1, 1), (0, 1)], frozenset({(2, 101)})) == [HARD_RULE]
    assert _check(cfg, [(0, 0)], scores=np.array([0.99999])) == [
        "a reported score differs from the scorer's"]
