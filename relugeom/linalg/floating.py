"""The float64 rank engine (``method="float"``): SVD with numpy's default tolerance or a given one.

``tol = σ_max · max(m, N) · eps`` by default, as :func:`numpy.linalg.matrix_rank`. The result also
reports the singular-value gap ``σ_r / σ_{r+1}``: a large gap means the float answer was decisive, a gap
near 1 means the rank was a coin toss at this tolerance.

Examples
--------
>>> res = float_rank(np.array([[1.0, 2.0], [2.0, 4.0]]))
>>> res.rank, res.gap > 1e10
(1, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..exceptions import FloatRangeError

__all__ = ["FloatRank", "float_rank"]


@dataclass(frozen=True)
class FloatRank:
    """Rank by SVD: ``rank`` singular values exceed ``tolerance``; ``gap = σ_r / σ_{r+1}``.

    ``gap`` is ``inf`` when there is no σ_{r+1} or it is 0, and ``None`` when the rank is 0.
    """

    rank: int
    singular_values: tuple[float, ...]
    tolerance: float
    gap: float | None


def float_rank(A: np.ndarray, tol: float | None = None) -> FloatRank:
    """Rank of a float64 matrix by SVD (see the module docstring)."""
    A = np.asarray(A, dtype=np.float64)
    m, n = A.shape
    if m == 0 or n == 0:
        return FloatRank(0, (), 0.0, None)
    if not np.all(np.isfinite(A)):
        raise FloatRangeError("the float64 Jacobian overflowed (NaN or infinite entries); use method='exact'")
    S = np.linalg.svd(A, compute_uv=False)
    if tol is None:
        tol = float(S.max()) * max(m, n) * float(np.finfo(np.float64).eps)
    r = int(np.sum(S > tol))
    if r == 0:
        gap = None
    elif r == len(S) or S[r] == 0.0:
        gap = math.inf
    else:
        gap = float(S[r - 1] / S[r])
    return FloatRank(r, tuple(float(s) for s in S), float(tol), gap)
