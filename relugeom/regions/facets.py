"""Facets of a non-empty open polyhedron ``P = {x ∈ Q^d : A x < b}``, and its sections by hyperplanes.

:func:`irredundant` keeps a minimal set of rows defining ``P``: a row is a facet iff dropping it
enlarges ``P`` (one exact strict-feasibility test, :mod:`relugeom.regions.feasibility`), unless an
interior point already proves it by the witness test (its projection onto the row's hyperplane
satisfies every other row strictly). :func:`restrict_to_hyperplane` writes ``A x < b`` on a hyperplane
in d − 1 exact coordinates.

Examples
--------
>>> square = [[1, 0], [-1, 0], [0, 1], [0, -1]]            # 0 < x < 1, 0 < y < 1
>>> irredundant(square + [[1, 1]], [1, 0, 1, 0, 5])
(0, 1, 2, 3)
>>> A2, b2, lift = restrict_to_hyperplane(square, [1, 0, 1, 0], [1, 0], Fraction(1, 2))  # on x = 1/2
>>> lift([Fraction(1, 3)])
(Fraction(1, 2), Fraction(1, 3))
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable, Iterable, Sequence

from ..exceptions import ShapeError, ZeroNormalError
from .feasibility import decide
from .parsing import (
    PrimitiveSystem,
    common_denominator,
    exact_entry,
    fraction_system,
    int_dot,
    parse_system,
    strictly_inside,
)

__all__ = ["irredundant", "restrict_to_hyperplane"]


def _witness_test(sys: PrimitiveSystem, kept: Sequence[int], point: Sequence[Any]) -> set[int]:
    """Rows proved irredundant without an LP: the projection x0 of ``point`` onto row i's hyperplane
    satisfies every other kept row strictly, so the hyperplane meets the closure of P in a facet."""
    fr = [Fraction(v) for v in point]
    nums, den = common_denominator([(v.numerator, v.denominator) for v in fr])
    if not strictly_inside([sys.rows[i] for i in kept], [sys.rhs[i] for i in kept], nums, den):
        return set()  # not an interior point: prove nothing
    found = set()
    for i in kept:
        a = sys.rows[i]
        n2 = int_dot(a, a)
        s_i = sys.rhs[i] * den - int_dot(a, nums)  # den · slack > 0
        X = [v * n2 + s_i * aj for v, aj in zip(nums, a)]
        D = den * n2
        if all(int_dot(sys.rows[j], X) < sys.rhs[j] * D for j in kept if j != i):
            found.add(i)
    return found


def irredundant(
    A: Any, b: Any, candidates: Iterable[int] | None = None, point: Sequence[Any] | None = None
) -> tuple[int, ...]:
    """The indices of a minimal set of constraints defining the same open polyhedron.

    Exact duplicates (the same coprime-integer inequality) keep their smallest index; rows with a zero
    normal are dropped. Row ``i`` is kept iff ``{A_j x < b_j (j ≠ i), a_i·x > b_i}`` is strictly
    feasible, i.e. iff dropping it enlarges ``P``.

    Parameters
    ----------
    A, b : as in :func:`strict_feasibility`
        ``P`` must be non-empty.
    candidates : iterable of int, optional
        The only rows that can be irredundant. All other rows are taken as known to be redundant and are
        **removed from the system** before testing, so the caller must pass a superset of the facets
        (e.g. the old facets plus a new cut). Default: every row.
    point : sequence of rationals, optional
        An interior point of ``P``. It proves many rows irredundant without an LP: when its projection
        onto row i's hyperplane satisfies every other row strictly, row i is a facet. (Ignored if it is
        not strictly inside.)

    Returns
    -------
    tuple of int
        Sorted indices into the rows of ``A``.

    Examples
    --------
    >>> sq = [[1, 0], [-1, 0], [0, 1], [0, -1], [2, 0], [1, 1]]   # + a duplicate and x + y < 3
    >>> irredundant(sq, [1, 0, 1, 0, 2, 3])
    (0, 1, 2, 3)
    >>> irredundant(sq, [1, 0, 1, 0, 2, 3], candidates=[1, 2, 3, 4, 5])
    (1, 2, 3, 4)
    >>> irredundant(sq, [1, 0, 1, 0, 2, 3], point=["1/2", "1/2"])
    (0, 1, 2, 3)
    """
    sys = parse_system(A, b)
    m = len(sys.rows)
    if candidates is None:
        wanted = range(m)
    else:
        wanted = sorted(set(int(i) for i in candidates))
        bad = [i for i in wanted if not 0 <= i < m]
        if bad:
            raise ShapeError(f"candidate indices {bad} are out of range for {m} constraints")
    seen: set[tuple[tuple[int, ...], int]] = set()
    kept: list[int] = []
    for i in wanted:
        key = (sys.rows[i], sys.rhs[i])
        if any(sys.rows[i]) and key not in seen:
            seen.add(key)
            kept.append(i)
    out = []
    witness = _witness_test(sys, kept, point) if point is not None else set()
    for i in kept:
        if i in witness:
            out.append(i)
            continue
        others = [j for j in kept if j != i]
        rows = [sys.rows[j] for j in others] + [tuple(-v for v in sys.rows[i])]
        rhs = [sys.rhs[j] for j in others] + [-sys.rhs[i]]
        if decide(PrimitiveSystem(rows, rhs, [(1, 1)] * len(rows), sys.d), True).feasible:
            out.append(i)
    return tuple(out)


def restrict_to_hyperplane(
    A: Any, b: Any, a: Sequence, beta: Any
) -> tuple[list[list[Fraction]], list[Fraction], Callable[[Sequence], tuple[Fraction, ...]]]:
    """The constraints ``A x < b`` on the hyperplane ``a·x = beta``, in d − 1 coordinates.

    The coordinate ``k`` of the first nonzero entry of ``a`` is eliminated:
    ``x_k = (beta − Σ_{j≠k} a_j x_j) / a_k``.

    Parameters
    ----------
    A, b : as in :func:`strict_feasibility`
    a : sequence of int or Fraction, nonzero, length d
    beta : int or Fraction

    Returns
    -------
    A2 : list of list of Fraction, m × (d − 1)
    b2 : list of Fraction, length m
        ``y`` satisfies ``A2 y < b2`` iff ``lift(y)`` satisfies ``A x < b``. Rows that become
        ``0 < c`` are kept.
    lift : callable
        Maps ``y ∈ Q^{d−1}`` to the exact point of the hyperplane with the other coordinates ``y``.

    Examples
    --------
    >>> A2, b2, lift = restrict_to_hyperplane([[1, 0], [0, 1]], [1, 1], [1, 1], 1)  # on x + y = 1
    >>> A2, b2
    ([[Fraction(-1, 1)], [Fraction(1, 1)]], [Fraction(0, 1), Fraction(1, 1)])
    >>> lift([Fraction(1, 3)])
    (Fraction(2, 3), Fraction(1, 3))
    """
    rows, rhs, d = fraction_system(A, b)
    av = [Fraction(exact_entry(v, f"a[{j}]")) for j, v in enumerate(a)]
    bv = Fraction(exact_entry(beta, "beta"))
    if rows and len(av) != d:
        raise ShapeError(f"the hyperplane normal has {len(av)} entries but A has {d} columns")
    d = len(av)
    k = next((j for j, v in enumerate(av) if v != 0), None)
    if k is None:
        raise ZeroNormalError("the hyperplane normal a is zero; a·x = beta is not a hyperplane")
    ak = av[k]
    coef = [av[j] / ak for j in range(d) if j != k]  # x_k = beta/ak − Σ coef_j x_j
    x0 = bv / ak
    A2 = [[r[j] - r[k] * c for j, c in zip((j for j in range(d) if j != k), coef)] for r in rows]
    b2 = [q - r[k] * x0 for r, q in zip(rows, rhs)]

    def lift(y: Sequence) -> tuple[Fraction, ...]:
        yv = [Fraction(exact_entry(v, f"y[{i}]")) for i, v in enumerate(y)]
        if len(yv) != d - 1:
            raise ShapeError(f"lift takes a point with {d - 1} coordinates, got {len(yv)}")
        xk = x0 - sum((c * v for c, v in zip(coef, yv)), Fraction(0))
        return tuple(yv[:k] + [xk] + yv[k:])

    return A2, b2, lift
