"""The solver's building blocks: approximate duals, LP backends, parallel block passes."""

from __future__ import annotations

import numpy as np
import pytest

from matching import MatchingConfig
from matching.duals import approximate_duals
from matching.flow import first_slot_value
from matching.lp import HighsLP, LinprogLP
from matching.panels import round_setup
from matching.scoring import PairScorer

from .conftest import newcomer, volunteer


@pytest.fixture
def small_lp() -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A 30 × 25 round as LP data: n, cap, slot values, pair rows, cols, weights."""
    rng = np.random.default_rng(5)
    ns = [newcomer(i, lat=51.0 + rng.random() / 30, lon=4.45 + rng.random() / 30,
                   priority=bool(i % 3 == 0)) for i in range(30)]
    vs = [volunteer(100 + j, lat=51.0 + rng.random() / 30, lon=4.45 + rng.random() / 30,
                    open_panels=int(rng.integers(0, 2))) for j in range(25)]
    cfg = MatchingConfig()
    scorer, cap, bonus = round_setup(ns, vs, cfg, frozenset(), ns)
    dense = np.vstack([b for _, _, b in scorer.blocks()])
    rows, cols = np.nonzero(dense > 0)
    w = dense[rows, cols].astype(np.float64) + bonus[rows]
    values = np.array(cfg.slot_values(first_slot_value(cfg, len(ns))))
    return len(ns), cap, values, rows, cols, w


def _dual_objective(u: np.ndarray, p: np.ndarray, cap: np.ndarray, values: np.ndarray,
                    rows: np.ndarray, cols: np.ndarray, w: np.ndarray) -> float:
    return float((cap * p).sum() + np.maximum(w - u[rows] - p[cols], 0).sum()
                 + np.maximum(values[None, :] + u[:, None], 0).sum())


def test_backends_agree_with_and_without_cost_shift(small_lp: tuple) -> None:
    n, cap, values, rows, cols, w = small_lp
    results = []
    for cls in (HighsLP, LinprogLP):
        for shift in (None, (np.full(n, -0.3), np.full(cap.size, 0.4))):
            lp = cls(n, cap, values)
            lp.add_pairs(rows, cols, w)
            x, u, p = lp.solve(shift)
            assert (p >= 0).all()
            primal = w[x].sum() + sum(values[: d].sum() for d in np.bincount(rows[x],
                                                                             minlength=n))
            dual = _dual_objective(u, p, cap, values, rows, cols, w)
            assert dual == pytest.approx(primal, abs=1e-7)  # strong duality: duals are exact
            assert np.bincount(cols[x], minlength=cap.size).max() <= cap.max()
            results.append(primal)
    assert max(results) - min(results) < 1e-7


def test_warm_resolve_after_adding_columns(small_lp: tuple) -> None:
    n, cap, values, rows, cols, w = small_lp
    half = rows.size // 2
    lp = HighsLP(n, cap, values)
    lp.add_pairs(rows[:half], cols[:half], w[:half])
    x, u, p = lp.solve()
    lp.add_pairs(rows[half:half + 3], cols[half:half + 3], w[half:half + 3])  # warm
    x, u, p = lp.solve((u, p))
    lp.add_pairs(rows[half + 3:], cols[half + 3:], w[half + 3:])  # many: rebuilt, shifted
    x, u, p = lp.solve((u, p))
    assert x.size == rows.size
    full = HighsLP(n, cap, values)
    full.add_pairs(rows, cols, w)
    x2, _, _ = full.solve()
    assert w[x].sum() == pytest.approx(w[x2].sum(), abs=1e-9)
    assert _dual_objective(u, p, cap, values, rows, cols, w) == pytest.approx(
        _dual_objective(*full.solve()[1:], cap, values, rows, cols, w), abs=1e-7)


def test_approximate_duals_are_a_valid_and_close_bound(small_lp: tuple) -> None:
    n, cap, values, rows, cols, w = small_lp
    u, p = approximate_duals(n, cap, values, rows, cols, w)
    assert (p >= 0).all()
    lp = HighsLP(n, cap, values)
    lp.add_pairs(rows, cols, w)
    _, u_opt, p_opt = lp.solve()
    optimum = _dual_objective(u_opt, p_opt, cap, values, rows, cols, w)
    approx = _dual_objective(u, p, cap, values, rows, cols, w)
    assert approx >= optimum - 1e-9  # any (u, p >= 0) bounds the optimum from above
    assert approx - optimum < 0.05 * rows.size / n  # and these are close to optimal


def test_parallel_blocks_match_serial_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    import matching.scoring as scoring

    rng = np.random.default_rng(1)
    ns = [newcomer(i, lat=51.0 + rng.random() / 20) for i in range(50)]
    vs = [volunteer(100 + j, lat=51.0 + rng.random() / 20) for j in range(40)]
    scorer = PairScorer(ns, vs, MatchingConfig())
    serial = [b.copy() for _, _, b in scorer.blocks(rows=7)]
    monkeypatch.setattr(scoring, "WORKERS", 2)
    parallel = list(scorer.map_blocks(lambda r0, r1, b: b.copy(), rows=7))
    assert len(parallel) == len(serial) == 8
    for a, b in zip(serial, parallel, strict=True):
        assert np.array_equal(a, b)


def test_backend_choice_falls_back_to_linprog(monkeypatch: pytest.MonkeyPatch) -> None:
    import matching.lp as lp

    args = (1, np.array([1]), np.array([1.0]))
    assert isinstance(lp.restricted_lp(*args), lp.HighsLP)
    assert isinstance(lp.restricted_lp(*args, backend="linprog"), lp.LinprogLP)
    monkeypatch.setattr(lp, "_CHECKED", [False])  # a binding that misbehaved is not used
    assert isinstance(lp.restricted_lp(*args), lp.LinprogLP)
    monkeypatch.setattr(lp, "_Highs", None)  # no binding at all
    assert isinstance(lp.restricted_lp(*args), lp.LinprogLP)
    with pytest.raises(RuntimeError, match="install highspy"):
        lp.restricted_lp(*args, backend="highs")


@pytest.mark.parametrize("fault", [None, "duals", "raises"])
def test_the_binding_is_checked_on_its_first_solve(fault: str | None, small_lp: tuple,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A binding that misreads duals or fails on its first solve in the process is caught
    there: that LP is solved by linprog, and so are later ones."""
    import matching.lp as lp

    n, cap, values, rows, cols, w = small_lp
    reference = LinprogLP(n, cap, values)
    reference.add_pairs(rows, cols, w)
    x_ref, u_ref, p_ref = reference.solve()
    real = lp.HighsLP._solve

    def faulty(self: lp.HighsLP, shift: tuple | None) -> tuple:
        if fault == "raises":
            raise TypeError("the binding changed")
        x, u, p = real(self, shift)
        return (x, u + 0.25, p) if fault == "duals" else (x, u, p)

    monkeypatch.setattr(lp, "_CHECKED", [])  # as in a fresh process
    monkeypatch.setattr(lp.HighsLP, "_solve", faulty)
    highs = lp.HighsLP(n, cap, values)
    highs.add_pairs(rows, cols, w)
    x, u, p = highs.solve()
    assert lp._CHECKED[0] is (fault is None)
    assert w[x].sum() == pytest.approx(w[x_ref].sum(), abs=1e-9)
    assert _dual_objective(u, p, cap, values, rows, cols, w) == pytest.approx(
        _dual_objective(u_ref, p_ref, cap, values, rows, cols, w), abs=1e-7)
    assert isinstance(lp.restricted_lp(n, cap, values), lp.HighsLP if fault is None
                      else lp.LinprogLP)


def _city(n: int, m: int, seed: int) -> tuple[list, list]:
    rng = np.random.default_rng(seed)
    slots = ["mon-evening", "tue-evening", "sat-morning", "sun-morning"]
    ns = [newcomer(i, lat=51.0 + rng.random() / 15, lon=4.45 + rng.random() / 15,
                   availability=set(rng.choice(slots, 2, replace=False)),
                   priority=bool(i % 3 == 0), waiting_days=int(rng.integers(0, 300)))
          for i in range(n)]
    vs = [volunteer(1000 + j, lat=51.0 + rng.random() / 15, lon=4.45 + rng.random() / 15,
                    availability=set(rng.choice(slots, 2, replace=False)),
                    open_panels=int(rng.integers(0, 3))) for j in range(m)]
    return ns, vs


def test_kept_pairs_price_like_a_block_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pricing every eligible pair from memory gives the block pass's sums and choices."""
    import matching.kept as kept
    import matching.scoring as scoring
    from matching.kept import keep_all, pool_of, price_kept
    from matching.passes import first_pass, price_all

    monkeypatch.setattr(scoring, "BLOCK_PAIRS", 300)  # several blocks
    monkeypatch.setattr(kept, "CHUNK_PAIRS", 100)  # several chunks, on two threads
    monkeypatch.setattr(kept, "WORKERS", 2)
    ns, vs = _city(60, 45, 3)
    cfg = MatchingConfig(max_open_panels=3)
    scorer, _cap, bonus = round_setup(ns, vs, cfg, {(ns[0].id, vs[0].id)}, ns)
    pairs, eligible = keep_all(scorer)
    pool, eligible_blocks = first_pass(scorer, bonus, cfg)
    assert np.array_equal(eligible, eligible_blocks)
    dense = np.vstack([b for _, _, b in scorer.blocks()])
    assert pairs.keys.size == np.count_nonzero(dense > 0)
    assert np.array_equal(pairs.scores, dense[pairs.rows, pairs.cols])
    assert np.isin(pool.keys, pool_of(pairs, bonus, cfg, scorer.n, scorer.m).keys).all()
    rng = np.random.default_rng(0)
    for _ in range(3):
        u, p = rng.normal(0.5, 0.3, scorer.n), rng.uniform(0, 0.4, scorer.m)
        skip = np.sort(rng.choice(pairs.keys, 40, replace=False))
        kept, blocks = (price_kept(pairs, bonus, u, p, skip),
                        price_all(scorer, bonus, u, p, skip))
        assert kept.positive == pytest.approx(blocks.positive, rel=1e-12)
        assert kept.violated == blocks.violated
        found = [np.concatenate([f[0] for f in x.found]) for x in (kept, blocks)]
        assert np.array_equal(np.sort(found[0]), np.sort(found[1]))


@pytest.mark.parametrize("kept", [True, False])
def test_the_pool_holds_each_side_s_best(kept: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """From memory or block by block (three rows a block, so each volunteer's best are
    gathered across blocks and cut down several times), no side's best is missed."""
    import matching.scoring as scoring
    from matching.kept import keep_all, pool_of
    from matching.passes import first_pass

    monkeypatch.setattr(scoring, "BLOCK_PAIRS", 210)
    ns, vs = _city(80, 70, 4)
    cfg = MatchingConfig(candidates_per_newcomer=7, candidates_per_volunteer=5)
    scorer, _, bonus = round_setup(ns, vs, cfg, frozenset(), ns)
    pairs, _ = keep_all(scorer)
    found = (pool_of(pairs, bonus, cfg, scorer.n, scorer.m) if kept
             else first_pass(scorer, bonus, cfg)[0])
    pool = set(found.keys.tolist())
    w = pairs.scores + bonus[pairs.rows]
    for group, value, k in ((pairs.rows, pairs.scores, 7), (pairs.cols, w, 5)):
        for g in np.unique(group):
            at = np.flatnonzero(group == g)
            best = at[np.argsort(-value[at], kind="stable")[:k]]
            assert set(pairs.keys[best].tolist()) <= pool
