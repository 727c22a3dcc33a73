"""The restricted panel LP, re-solved cheaply round after round.

Rows: one equality per newcomer (``Σ_j x_ij − Σ_k y_ik = 0``, dual ``u_i``) and one equality
per volunteer with an explicit slack (``Σ_i x_ij + s_j = b_j``, dual ``p_j``). Columns: the
panel slots ``y_ik``, the slacks ``s_j`` and the pairs ``x_ij`` in insertion order.

Two tricks make the many solves of column generation cheap:

* **Cost shifting.** For any ``(ū, p̄)`` the objective ``Σ (w_e − ū_i − p̄_j) x_e +
  Σ (v_k + ū_i) y_ik − Σ p̄_j s_j`` differs from the true one by the constant ``Σ p̄_j b_j`` on
  the feasible set, so both have the same optimal vertices, and the true duals are the
  shifted ones plus ``(ū, p̄)``. The dual simplex starts from the bounds the cost signs favour;
  with good estimates of the duals that start is nearly optimal. Measured at 5,000 × 7,500 on
  the final LP (120,000 pairs): 45,000 pivots / 6 s cold, 8,000 pivots / 0.2 s shifted by the
  optimal duals, 16,000 pivots / 0.6 s shifted by duals off by 0.01.
* **Warm start.** After adding only a few columns, HiGHS resumes from the previous basis.

``scipy.optimize.linprog`` cannot warm-start, so when available we drive HiGHS directly: the
public ``highspy`` package if installed, else the identical binding scipy (>= 1.15) ships for
its own HiGHS methods (private API, so its first solve in a process is checked, and it is
skipped from then on if it misbehaves).
Otherwise :class:`LinprogLP` rebuilds a shifted LP every round: same answer, about 1.5× more
LP time on the largest benchmark. HiGHS minimises, so costs and row duals are negated.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

try:  # the public HiGHS Python API, preferred when installed
    from highspy import Highs as _Highs
except ImportError:  # pragma: no cover - depends on the environment
    try:  # the same binding, as bundled by scipy >= 1.15 (a private module: see HighsLP.solve)
        from scipy.optimize._highspy._core import _Highs
    except ImportError:
        _Highs = None
_CHECKED: list[bool] = []
"""Empty until the binding's first solve in this process, then whether it behaved."""

_OPTIONS: dict[str, Any] = {
    "output_flag": False,
    "presolve": "off",  # presolve would discard the basis we keep warm
    "solver": "simplex",
    "simplex_strategy": 1,  # dual simplex: a vertex, hence integral (total unimodularity)
    "simplex_dual_edge_weight_strategy": 1,  # devex: fastest on these network LPs
    "dual_simplex_cost_perturbation_multiplier": 0.0,  # costs are already generic
    "dual_feasibility_tolerance": 1e-9,
    "primal_feasibility_tolerance": 1e-9,
}
WARM_FRACTION = 0.005
"""Re-solve warm when at most this share of the columns is new, else rebuild shifted."""


class RestrictedLP:
    """Add pair columns, solve with a cost shift, read ``(x, u, p)`` in true (unshifted) terms."""

    def __init__(self, n: int, cap: np.ndarray, values: np.ndarray) -> None:
        self.n, self.cap, self.values = n, cap.astype(np.float64), values
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.w: list[np.ndarray] = []
        self.size = self.pending = 0

    def add_pairs(self, rows: np.ndarray, cols: np.ndarray, w: np.ndarray) -> None:
        self.rows.append(rows)
        self.cols.append(cols)
        self.w.append(w)
        self.size += rows.size
        self.pending += rows.size

    def _columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not self.rows:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        out = np.concatenate(self.rows), np.concatenate(self.cols), np.concatenate(self.w)
        self.rows, self.cols, self.w = [out[0]], [out[1]], [out[2]]
        return out

    def _shifted_costs(self, su: np.ndarray, sp_: np.ndarray, rows: np.ndarray,
                       cols: np.ndarray, w: np.ndarray) -> np.ndarray:
        """Min-form costs of [y (n·K), s (m), x (pairs)] under the shift (su, sp_)."""
        y = -(self.values[None, :] + su[:, None]).ravel()
        return np.concatenate([y, sp_, -(w - su[rows] - sp_[cols])])

    def solve(self, shift: tuple[np.ndarray, np.ndarray] | None = None
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (x over pair columns in insertion order, u per newcomer, p per volunteer)."""
        raise NotImplementedError

    @staticmethod
    def _check(x: np.ndarray) -> np.ndarray:
        if np.abs(x - np.round(x)).max(initial=0.0) > 1e-6:  # pragma: no cover - TU
            raise RuntimeError("panel LP returned a fractional vertex")
        return x > 0.5


class HighsLP(RestrictedLP):
    """HiGHS dual simplex: warm for small additions, else rebuilt with the latest duals."""

    def __init__(self, n: int, cap: np.ndarray, values: np.ndarray) -> None:
        super().__init__(n, cap, values)
        self.h: Any = None
        self.su, self.sp = np.zeros(n), np.zeros(cap.size)

    def _build(self, su: np.ndarray, sp_: np.ndarray) -> None:
        n, m, k = self.n, self.cap.size, self.values.size
        rows, cols, w = self._columns()
        h = _Highs()
        for key, value in _OPTIONS.items():
            h.setOptionValue(key, value)
        rhs = np.concatenate([np.zeros(n), self.cap])
        h.addRows(n + m, rhs, rhs, 0, np.zeros(n + m + 1, dtype=np.int32),
                  np.zeros(0, dtype=np.int32), np.zeros(0))
        cost = self._shifted_costs(su, sp_, rows, cols, w)
        ny = n * k
        h.addCols(ny, cost[:ny], np.zeros(ny), np.ones(ny), ny, np.arange(ny, dtype=np.int32),
                  np.repeat(np.arange(n, dtype=np.int32), k), -np.ones(ny))
        h.addCols(m, cost[ny:ny + m], np.zeros(m), self.cap.copy(), m,
                  np.arange(m, dtype=np.int32), np.arange(n, n + m, dtype=np.int32), np.ones(m))
        self.h, self.su, self.sp, self.first = h, su.copy(), sp_.copy(), ny + m
        self._add_columns(rows, cols, cost[ny + m:])

    def _add_columns(self, rows: np.ndarray, cols: np.ndarray, cost: np.ndarray) -> None:
        e = rows.size
        if e:
            index = np.empty(2 * e, dtype=np.int32)
            index[0::2], index[1::2] = rows, self.n + cols
            self.h.addCols(e, cost, np.zeros(e), np.ones(e), 2 * e,
                           np.arange(0, 2 * e, 2, dtype=np.int32), index, np.ones(2 * e))

    def solve(self, shift: tuple[np.ndarray, np.ndarray] | None = None
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if _CHECKED:
            return self._solve(shift) if _CHECKED[0] else _linprog_solve(self, shift)
        # scipy's copy of the binding is private API: its first solve in the process is
        # checked (an integral vertex, strong duality), on the round's own LP rather than on a
        # separate tiny one (that cost ~1 ms per process). Should a future scipy change the
        # binding, this LP and all later ones go through linprog instead of failing or, worse,
        # misreading duals.
        try:
            x, u, p = self._solve(shift)
            ok = _strong_duality(self, x, u, p)
        except Exception:  # any drift in the binding: use the public API instead
            ok = False
        _CHECKED.append(ok)
        return (x, u, p) if ok else _linprog_solve(self, shift)

    def _solve(self, shift: tuple[np.ndarray, np.ndarray] | None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.h is None or self.pending > WARM_FRACTION * self.size:
            su, sp_ = shift if shift is not None else (self.su, self.sp)
            self._build(su, sp_)
        elif self.pending:
            k = self.pending  # the newest columns, not in the model yet
            rows, cols, w = (np.concatenate(a)[-k:] for a in (self.rows, self.cols, self.w))
            self._add_columns(rows, cols, -(w - self.su[rows] - self.sp[cols]))
        self.pending = 0
        self.h.run()
        status = self.h.modelStatusToString(self.h.getModelStatus())
        if status != "Optimal":  # pragma: no cover - always feasible (x = 0) and bounded
            raise RuntimeError(f"panel LP failed: {status}")
        sol = self.h.getSolution()
        duals = -np.asarray(sol.row_dual)
        x = np.asarray(sol.col_value)[self.first:]
        return (self._check(x), self.su + duals[: self.n],
                np.maximum(self.sp + duals[self.n:], 0.0))


class LinprogLP(RestrictedLP):
    """Fallback through ``scipy.optimize.linprog``: a cold (but shifted) solve every round."""

    def solve(self, shift: tuple[np.ndarray, np.ndarray] | None = None
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return _linprog_solve(self, shift)


def _linprog_solve(lp: RestrictedLP, shift: tuple[np.ndarray, np.ndarray] | None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Solve ``lp``'s columns with ``linprog``, shifted by ``shift`` (zeros if None)."""
    n, m, k = lp.n, lp.cap.size, lp.values.size
    su, sp_ = shift if shift is not None else (np.zeros(n), np.zeros(m))
    rows, cols, w = lp._columns()
    e, ny = rows.size, n * k
    data = np.concatenate([-np.ones(ny), np.ones(m), np.ones(2 * e)])
    row_idx = np.concatenate([np.repeat(np.arange(n), k), n + np.arange(m), rows, n + cols])
    col_idx = np.concatenate([np.arange(ny + m), ny + m + np.arange(e), ny + m + np.arange(e)])
    a_eq = sp.csc_array((data, (row_idx, col_idx)), shape=(n + m, ny + m + e))
    bounds = np.column_stack([np.zeros(ny + m + e),
                              np.concatenate([np.ones(ny), lp.cap, np.ones(e)])])
    res = linprog(lp._shifted_costs(su, sp_, rows, cols, w), A_eq=a_eq,
                  b_eq=np.concatenate([np.zeros(n), lp.cap]), bounds=bounds,
                  method="highs-ds",
                  options={"presolve": False, "simplex_dual_edge_weight_strategy": "devex",
                           "dual_feasibility_tolerance": 1e-9,
                           "primal_feasibility_tolerance": 1e-9})
    if res.status != 0:  # pragma: no cover - always feasible and bounded
        raise RuntimeError(f"panel LP failed: {res.message}")
    lp.pending = 0
    duals = -res.eqlin.marginals
    return (lp._check(res.x[ny + m:]), su + duals[:n], np.maximum(sp_ + duals[n:], 0.0))


def _strong_duality(lp: RestrictedLP, x: np.ndarray, u: np.ndarray, p: np.ndarray) -> bool:
    """Whether ``(x, u, p)`` solve ``lp``: a feasible proposal whose value equals the dual
    objective of ``(u, p)`` (which bounds every proposal from above, :mod:`matching.flow`)."""
    rows, cols, w = lp._columns()
    if x.shape != w.shape or u.shape != (lp.n,) or p.shape != lp.cap.shape:
        return False
    deg = np.bincount(rows[x], minlength=lp.n)
    if (deg > lp.values.size).any() or (np.bincount(cols[x], minlength=p.size) > lp.cap).any():
        return False
    primal = w[x].sum() + np.concatenate([[0.0], np.cumsum(lp.values)])[deg].sum()
    dual = ((lp.cap * p).sum() + np.maximum(w - u[rows] - p[cols], 0.0).sum()
            + np.maximum(lp.values[None, :] + u[:, None], 0.0).sum())
    return bool(abs(dual - primal) <= 1e-6 * max(1.0, abs(primal)))


def restricted_lp(n: int, cap: np.ndarray, values: np.ndarray,
                  backend: str = "auto") -> RestrictedLP:
    """The best available backend (``auto``), or ``highs`` / ``linprog`` explicitly."""
    if backend == "linprog" or (backend == "auto" and (_Highs is None or _CHECKED == [False])):
        return LinprogLP(n, cap, values)
    if _Highs is None:
        raise RuntimeError("HiGHS bindings unavailable: install highspy or scipy >= 1.15")
    return HighsLP(n, cap, values)
