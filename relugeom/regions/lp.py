"""The float LP that *guides* the exact decisions: a Chebyshev-centre problem solved by HiGHS.

For A x < b (float rows, already normalised), solve

    maximise s  subject to  A x + ‖a_i‖₂ s ≤ b_i,  s ≤ 1,  x free,

whose optimum (x*, s*) is the centre and radius of the largest ball inside the polyhedron (capped at 1,
so unbounded polyhedra stay bounded problems). s* > 0 proposes an interior point; s* ≤ 0 with its dual
proposes which constraints prove emptiness. Nothing here is trusted: :mod:`relugeom.regions.feasibility`
verifies every proposal exactly.

HiGHS is called through SciPy's own binding of it (``scipy.optimize._highspy``), reusing one solver per
process: ``scipy.optimize.linprog`` spends about 85 % of a small LP's time validating options and building
sparse matrices (measured: 1.06 ms per call against 0.13 ms inside HiGHS). If that private binding is not
there (another SciPy version), :func:`chebyshev` falls back to ``linprog`` with the same answer.

Examples
--------
>>> import numpy as np
>>> res = chebyshev(np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]]), np.array([1.0, 1, 1, 1]))
>>> res.status, [round(float(v), 9) for v in res.x], round(res.radius, 9)
('optimal', [0.0, 0.0], 1.0)
>>> chebyshev(np.array([[1.0], [-1.0]]), np.array([0.0, 0.0])).radius <= 0      # {x < 0, x > 0}
True
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["LPResult", "chebyshev", "BACKEND"]

try:  # SciPy's private binding of HiGHS (present in SciPy >= 1.15)
    import scipy.optimize._highspy._core as _h

    _ = (_h._Highs, _h.HighsLp, _h.MatrixFormat.kRowwise, _h.HighsModelStatus.kOptimal)
    BACKEND = "highs-direct"
except (ImportError, AttributeError):  # pragma: no cover - depends on the SciPy version
    _h = None
    BACKEND = "linprog"


class LPResult(NamedTuple):
    """``status`` is "optimal", "infeasible" or "error"; ``duals`` ≥ 0 per row of A (optimal only)."""

    status: str
    x: np.ndarray | None
    radius: float
    duals: np.ndarray | None


_SOLVER: list = []


def _solver():
    if not _SOLVER:
        h = _h._Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("presolve", "off")
        _SOLVER.append(h)
    return _SOLVER[0]


def _direct(A: np.ndarray, b: np.ndarray, norms: np.ndarray) -> LPResult:
    m, d = A.shape
    n = d + 1
    M = np.hstack([A, norms[:, None]])
    lp = _h.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = m
    lp.col_cost_ = np.concatenate([np.zeros(d), [-1.0]])
    inf = _h.kHighsInf
    lp.col_lower_ = np.full(n, -inf)
    lp.col_upper_ = np.concatenate([np.full(d, inf), [1.0]])
    lp.row_lower_ = np.full(m, -inf)
    lp.row_upper_ = b
    mat = lp.a_matrix_
    mat.num_col_ = n
    mat.num_row_ = m
    mat.format_ = _h.MatrixFormat.kRowwise
    nz = M != 0
    mat.start_ = np.concatenate([[0], np.cumsum(nz.sum(axis=1))]).astype(np.int32)
    mat.index_ = np.nonzero(nz)[1].astype(np.int32)
    mat.value_ = M[nz]
    h = _solver()
    h.clearSolver()
    if h.passModel(lp) == _h.HighsStatus.kError:
        return LPResult("error", None, 0.0, None)
    h.run()
    status = h.getModelStatus()
    if status == _h.HighsModelStatus.kInfeasible:
        return LPResult("infeasible", None, 0.0, None)
    if status != _h.HighsModelStatus.kOptimal:
        return LPResult("error", None, 0.0, None)
    sol = h.getSolution()
    x = np.array(sol.col_value)
    # maximisation written as min −s: row duals are ≤ 0 for the ≤ rows; report them as ≥ 0
    duals = -np.array(sol.row_dual)
    return LPResult("optimal", x[:d], float(x[d]), duals)


def _linprog(A: np.ndarray, b: np.ndarray, norms: np.ndarray) -> LPResult:
    from scipy.optimize import linprog

    m, d = A.shape
    c = np.zeros(d + 1)
    c[-1] = -1.0
    res = linprog(
        c, A_ub=np.hstack([A, norms[:, None]]), b_ub=b, bounds=[(None, None)] * d + [(None, 1.0)], method="highs"
    )
    if res.status == 2:
        return LPResult("infeasible", None, 0.0, None)
    if res.status != 0:
        return LPResult("error", None, 0.0, None)
    return LPResult("optimal", res.x[:d], float(res.x[d]), -np.asarray(res.ineqlin.marginals))


def chebyshev(A: np.ndarray, b: np.ndarray, backend: str | None = None) -> LPResult:
    """Centre and radius of the largest ball (radius ≤ 1) in {A x ≤ b}; see the module docstring.

    ``backend``: "highs-direct" or "linprog" (default: the fastest available, :data:`BACKEND`).
    """
    A = np.ascontiguousarray(A, dtype=np.float64)
    b = np.ascontiguousarray(b, dtype=np.float64)
    norms = np.linalg.norm(A, axis=1)
    if (backend or BACKEND) == "highs-direct" and _h is not None:
        return _direct(A, b, norms)
    return _linprog(A, b, norms)
