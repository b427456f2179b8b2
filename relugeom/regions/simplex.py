"""An exact, fraction-free simplex: the fallback that decides strict feasibility when the float guide
cannot (:mod:`relugeom.regions.feasibility`).

All tableau entries are integers (Edmonds' fraction-free pivoting, as in Bareiss elimination), updated
with FLINT matrix operations; Dantzig's rule switches to Bland's after a run of degenerate pivots, so it
cannot cycle. It is reached rarely (never in the benchmarks: ``bench/polyhedra.py``), but it makes every
answer of :func:`~relugeom.regions.feasibility.strict_feasibility` independent of the float LP, and the
tests compare the two routes.

Examples
--------
>>> exact_simplex([[1, 0], [-1, 0], [0, 1], [0, -1]], [1, 0, 1, 0], 2)        # the open unit square
(True, [Fraction(1, 2), Fraction(1, 2)])
>>> exact_simplex([[1], [-1]], [0, 0], 1)                                       # x < 0 and x > 0
(False, [1, 1])
"""

from __future__ import annotations

from fractions import Fraction
from typing import Sequence

import flint

from ..exceptions import RelugeomError
from ..numbers import simplest_rational

__all__ = ["exact_simplex", "simplex_max"]

#: Consecutive degenerate pivots after which the simplex switches from Dantzig's to Bland's rule.
_BLAND_AFTER = 50


def simplex_max(rows: list[list[int]], z: list[int], basis: list[int]) -> tuple[flint.fmpz_mat, int]:
    """Maximise over a fraction-free tableau; return the final tableau and common denominator ``D``.

    ``rows`` holds the constraint rows ``[coefficients…, rhs]`` of a primal-feasible tableau with
    denominator 1, ``z`` the objective row (``z_j < 0``: column ``j`` improves) and ``basis`` the basic
    column of each row (updated in place). The returned FLINT matrix has the objective row last. Every
    entry stays an integer, ``D`` times the usual tableau entry with ``D = |det B|``: the rank-one update
    ``T ← (p·T − f ⊗ T_r) / D_old`` divides exactly (Edmonds; Bareiss).

    Entering column: Dantzig's rule (most negative ``z_j``), switched for good to Bland's rule (smallest
    index) after ``_BLAND_AFTER`` consecutive degenerate pivots, so the method cannot cycle. Leaving row:
    minimum ratio, ties broken by the smallest basic column (Bland).
    """
    ncols = len(z) - 1
    nrows = len(rows)
    T = flint.fmpz_mat(rows + [z])
    cols = range(ncols)
    D = 1
    bland = False
    streak = 0
    while True:
        zrow = [T[nrows, j] for j in cols]
        if bland:
            c = next((j for j in cols if zrow[j] < 0), -1)
        else:
            c = min(cols, key=zrow.__getitem__)
            if zrow[c] >= 0:
                c = -1
        if c < 0:
            return T, D
        column = [T[i, c] for i in range(nrows + 1)]
        r, ra, rb = -1, 0, 0
        for i in range(nrows):
            a = column[i]
            if a > 0:
                bi = T[i, ncols]
                if r < 0:
                    r, ra, rb = i, a, bi
                    continue
                lhs, rhs = bi * ra, rb * a
                if lhs < rhs or (lhs == rhs and basis[i] < basis[r]):
                    r, ra, rb = i, a, bi
        if r < 0:
            raise RelugeomError(
                "internal error in relugeom.regions.simplex: an unbounded direction for a "
                "bounded objective; please report it"
            )
        if rb == 0:
            streak += 1
            bland = bland or streak > _BLAND_AFTER
        else:
            streak = 0
        column[r] = ra - D  # keeps the pivot row: (p·T_r − (p − D)·T_r) / D = T_r
        pivot_row = flint.fmpz_mat(1, ncols + 1, [T[r, j] for j in range(ncols + 1)])
        T = (T * ra - flint.fmpz_mat(nrows + 1, 1, column) * pivot_row) / D
        basis[r] = c
        D = int(ra)


def exact_simplex(rows: Sequence[Sequence[int]], rhs: Sequence[int], d: int) -> tuple[bool, list]:
    """Decide ``A x < b`` exactly for integer rows (``d >= 1``, ``m >= 1``).

    With ``K = max(0, −min b)`` the LP ``max u`` s.t. ``A x + u·1 <= b + K·1``, ``u <= 1 + K``,
    ``x = x⁺ − x⁻``, ``x⁺, x⁻, u >= 0`` starts feasible at the origin; its optimum ``u*`` gives the
    largest margin ``s* = u* − K`` (capped at 1) with ``A x <= b − s*``. If ``s* > 0`` the result is
    ``(True, point)``: the simplest rationals in a box around the optimal ``x`` small enough to keep
    every inequality strict. Otherwise it is ``(False, y)``: the optimal dual of the m rows, integers
    with ``y >= 0``, ``y != 0``, ``A^T y = 0`` and ``b·y = s*·(1·y) <= 0``.
    """
    m = len(rows)
    K = max(0, -min(rhs))
    nvar = 2 * d + 1
    T: list[list[int]] = []
    for i, (r, q) in enumerate(zip(rows, rhs)):
        row = list(r) + [-v for v in r] + [1] + [0] * (m + 1) + [q + K]
        row[nvar + i] = 1
        T.append(row)
    row = [0] * (2 * d) + [1] + [0] * (m + 1) + [1 + K]
    row[nvar + m] = 1
    T.append(row)
    z = [0] * (nvar + m + 2)
    z[2 * d] = -1
    basis = list(range(nvar, nvar + m + 1))
    tab, D = simplex_max(T, z, basis)
    last = nvar + m + 1
    value = {c: int(tab[i, last]) for i, c in enumerate(basis)}  # variable = value / D
    margin = value.get(2 * d, 0) - K * D  # s* · D
    if margin > 0:
        xs = [value.get(j, 0) - value.get(d + j, 0) for j in range(d)]  # x = xs / D
        # every row: a·x − b <= −s*; a box of half-width r = s*/(2‖a‖₁) keeps it strict
        den = 2 * max(sum(map(abs, r)) for r in rows) * D
        return True, [
            simplest_rational(Fraction(2 * l1x - margin, den), Fraction(2 * l1x + margin, den))
            for l1x in (xj * (den // (2 * D)) for xj in xs)
        ]
    return False, [int(tab[m + 1, nvar + i]) for i in range(m)]
