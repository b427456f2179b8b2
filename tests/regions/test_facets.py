"""Facets of open polyhedra and their sections by hyperplanes (relugeom.regions.facets).

The irredundant rows define the same set and each of them matters (checked with the exact simplex); the
restriction to a hyperplane agrees with the original system at every lifted point.
"""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from polyhedron_checks import SQUARE, F, dot, inside, small_systems

from relugeom.exceptions import RelugeomError, ShapeError
from relugeom.regions.facets import irredundant, restrict_to_hyperplane
from relugeom.regions.feasibility import strict_feasibility


def test_irredundant_square_with_duplicate_and_implied_rows():
    A = [[1, 0], [-1, 0], [2, 0], [0, 1], [0, -1], [1, 1], [0, 0]]
    b = [1, 0, 2, 1, 0, 3, 5]  # row 2 duplicates row 0, row 5 is implied, row 6 is 0 < 5
    assert irredundant(A, b) == (0, 1, 3, 4)
    assert irredundant([[2, 0]] + A, [2] + b) == (0, 2, 4, 5)  # the smaller index of a duplicate
    assert irredundant(A, b, candidates=[1, 2, 3, 4, 5]) == (1, 2, 3, 4)
    assert irredundant([[1, 0], [1, 0]], [1, 2]) == (0,)  # parallel: the tighter one
    with pytest.raises(ShapeError):
        irredundant(A, b, candidates=[9])


@settings(max_examples=100)
@given(small_systems(max_d=3, max_m=7))
def test_irredundant_law(system):
    A, b, d = system
    assume(strict_feasibility(A, b).feasible)
    kept = irredundant(A, b)
    assert list(kept) == sorted(set(kept))
    KA, Kb = [A[i] for i in kept], [b[i] for i in kept]
    # the kept rows define the same set: every dropped row is implied by them
    for j in range(len(A)):
        if j not in kept:
            res = strict_feasibility(KA + [[-v for v in A[j]]], Kb + [-b[j]], guide=False)
            assert not res.feasible
    # dropping a kept row changes the set: a point of the others violates it
    for i in kept:
        others = [k for k in kept if k != i]
        OA, Ob = [A[k] for k in others], [b[k] for k in others]
        res = strict_feasibility(OA + [[-v for v in A[i]]], Ob + [-b[i]], guide=False)
        assert res.feasible
        assert inside(OA, Ob, res.point) and dot(A[i], res.point) > b[i]


def test_restrict_to_hyperplane_hand_case():
    A2, b2, lift = restrict_to_hyperplane(*SQUARE, [1, 1], 1)  # on x + y = 1: 0 < y < 1 twice
    assert A2 == [[-1], [1], [1], [-1]] and b2 == [0, 1, 1, 0]
    assert lift([F(1, 4)]) == (F(3, 4), F(1, 4))
    A2, b2, lift = restrict_to_hyperplane(*SQUARE, [0, 2], 4)  # y = 2: outside, 0 < −1 appears
    assert [0] in A2 and not strict_feasibility(A2, b2).feasible
    with pytest.raises(RelugeomError):
        restrict_to_hyperplane(*SQUARE, [0, 0], 1)


@settings(max_examples=150)
@given(
    small_systems(max_d=4, max_m=5),
    st.lists(st.integers(-3, 3), min_size=4, max_size=4),
    st.integers(-3, 3),
    st.lists(st.fractions(min_value=-3, max_value=3, max_denominator=4), min_size=3, max_size=3),
)
def test_restrict_to_hyperplane_law(system, a, beta, y):
    A, b, d = system
    a = a[:d]
    assume(any(a))
    A2, b2, lift = restrict_to_hyperplane(A, b, a, beta)
    assert len(A2) == len(A) and all(len(row) == d - 1 for row in A2)
    y = y[: d - 1]
    x = lift(y)
    assert dot(a, x) == beta
    for row, bi, row2, bi2 in zip(A, b, A2, b2):
        assert (dot(row, x) < bi) == (dot(row2, y) < bi2)
        assert dot(row, x) - bi == dot(row2, y) - bi2
    res = strict_feasibility(A2, b2)
    if res.feasible:
        assert inside(A, b, lift(res.point))
