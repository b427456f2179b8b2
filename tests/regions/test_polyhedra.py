"""Exact decisions about open polyhedra {x : A x < b} (relugeom.regions.polyhedra).

Every answer is checked here independently of the module: points against every inequality with plain
Fractions, certificates against the alternative of Motzkin's transposition theorem, boundedness against
a brute-force search for recession rays, and the float-guided routes against the exact simplex.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from relugeom.exceptions import NotExactError, RelugeomError, ShapeError
from relugeom.regions.polyhedra import (
    Feasibility,
    float_strict_feasibility,
    irredundant,
    is_bounded,
    primitive_inequality,
    restrict_to_hyperplane,
    strict_feasibility,
)

F = Fraction
SQUARE = ([[1, 0], [-1, 0], [0, 1], [0, -1]], [1, 0, 1, 0])  # 0 < x < 1, 0 < y < 1
TRIANGLE = ([[-1, 0], [0, -1], [1, 1]], [0, 0, 1])  # x > 0, y > 0, x + y < 1


# ------------------------------------------------------------------------------ independent checks
def dot(u, v):
    return sum((F(a) * F(x) for a, x in zip(u, v)), F(0))


def inside(A, b, x) -> bool:
    return all(dot(row, x) < F(bi) for row, bi in zip(A, b))


def is_certificate(A, b, y, d) -> bool:
    """y >= 0, y != 0, A^T y = 0, b·y <= 0: Motzkin's alternative to A x < b."""
    y = [F(v) for v in y]
    return (
        len(y) == len(A)
        and all(v >= 0 for v in y)
        and any(v != 0 for v in y)
        and all(sum((F(row[j]) * v for row, v in zip(A, y)), F(0)) == 0 for j in range(d))
        and dot(b, y) <= 0
    )


def check(A, b, res: Feasibility, d: int) -> None:
    assert res.verify(A, b)
    if res.feasible:
        assert res.certificate is None and len(res.point) == d
        assert all(type(v) is Fraction for v in res.point)
        assert inside(A, b, res.point)
    else:
        assert res.point is None
        assert is_certificate(A, b, res.certificate, d)


def nullspace_vector(rows, d):
    """A nonzero solution r of rows·r = 0 by exact Gaussian elimination (rows of rank d − 1)."""
    M = [[F(v) for v in row] for row in rows]
    pivots, r = [], 0
    for c in range(d):
        p = next((i for i in range(r, len(M)) if M[i][c] != 0), None)
        if p is None:
            continue
        M[r], M[p] = M[p], M[r]
        M[r] = [v / M[r][c] for v in M[r]]
        for i in range(len(M)):
            if i != r and M[i][c] != 0:
                M[i] = [a - M[i][c] * b_ for a, b_ in zip(M[i], M[r])]
        pivots.append(c)
        r += 1
    free = [c for c in range(d) if c not in pivots]
    if len(free) != 1:
        return None
    x = [F(0)] * d
    x[free[0]] = F(1)
    for i, c in enumerate(pivots):
        x[c] = -M[i][free[0]]
    return x


def rank(rows, d) -> int:
    M = [[F(v) for v in row] for row in rows]
    r = 0
    for c in range(d):
        p = next((i for i in range(r, len(M)) if M[i][c] != 0), None)
        if p is None:
            continue
        M[r], M[p] = M[p], M[r]
        for i in range(r + 1, len(M)):
            f = M[i][c] / M[r][c]
            M[i] = [a - f * b_ for a, b_ in zip(M[i], M[r])]
        r += 1
    return r


def has_recession_ray(A, d) -> bool:
    """Brute force: is there r != 0 with A r <= 0? (extreme rays lie on d − 1 independent rows)."""
    if rank(A, d) < d:
        return True
    for sub in itertools.combinations(A, d - 1):
        r = nullspace_vector(list(sub), d) if d > 1 else [F(1)]
        if r is None:
            continue
        for sign in (1, -1):
            if all(sign * dot(row, r) <= 0 for row in A):
                return True
    return False


# -------------------------------------------------------------------------------- hand cases
def test_unit_square_point_inside():
    res = strict_feasibility(*SQUARE)
    assert res.feasible and res.route == "guided"
    assert res.point == (F(1, 2), F(1, 2))  # the simplest rationals in the Chebyshev ball
    check(*SQUARE, res, 2)


def test_opposite_half_lines_certificate():
    for guide in (True, False):
        res = strict_feasibility([[1], [-1]], [0, 0], guide=guide)
        assert not res.feasible
        assert res.certificate == (F(1), F(1))
        assert res.route == ("dual" if guide else "simplex")


def test_triangle_and_its_empty_twin():
    res = strict_feasibility(*TRIANGLE)
    check(*TRIANGLE, res, 2)
    x, y = res.point
    assert x > 0 and y > 0 and x + y < 1
    A, _ = TRIANGLE
    for guide in (True, False):
        res = strict_feasibility(A, [0, 0, 0], guide=guide)  # x > 0, y > 0, x + y < 0
        assert not res.feasible and res.certificate == (1, 1, 1)


def test_thin_strip_is_found_by_the_guide():
    eps = F(1, 2**40)
    A = [[1, 0], [-1, 0], [1, 1], [-1, 1], [0, -1]]
    b = [eps, 0, 10, 10, 3]
    res = strict_feasibility(A, b)
    assert res.feasible and res.route == "guided"
    assert 0 < res.point[0] < eps
    check(A, b, res, 2)
    # one-dimensional, and offset by 1 where float64 cannot tell the two ends apart
    for lo in (0, 1, 10**6):
        res = strict_feasibility([[1], [-1]], [lo + eps, -lo])
        assert res.feasible and lo < res.point[0] < lo + eps
    res = strict_feasibility([[1], [-1]], [eps, eps - 2 * eps])  # 2^-40 < x < 2^-40: empty
    assert not res.feasible and res.certificate == (1, 1)


@pytest.mark.parametrize("k", [60, 200, 1000])
def test_strips_thinner_than_float64_are_found_by_refining_the_guide(k):
    # 0 < x < 2^-k: the first float LP sees a flat strip (radius -0.0); refinement zooms into it
    eps = F(1, 2**k)
    A, b = [[1, 0], [-1, 0], [0, 1], [0, -1], [1, 1]], [eps, 0, 1, 0, 2]
    res = strict_feasibility(A, b)
    assert res.feasible and res.route == "guided" and 0 < res.point[0] < eps
    check(A, b, res, 2)


def test_very_thin_slab_needs_exact_work():
    eps = F(1, 2**300)
    A = [[1, F(1, 3), 0], [-1, F(-1, 3), 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]]
    b = [1 + eps, -1, 1, 1, 1, 1]
    res = strict_feasibility(A, b)
    check(A, b, res, 3)
    x, y, _ = res.point
    assert 1 < x + y / 3 < 1 + eps


def test_lower_dimensional_sets_are_empty():
    A = [[1, 0], [-1, 0], [0, 1]]  # x < 0, x > 0, y < 1
    for guide in (True, False):
        res = strict_feasibility(A, [0, 0, 1], guide=guide)
        assert not res.feasible and res.certificate == (1, 1, 0)
    A = [[1, 1], [-1, -1], [1, -1], [-1, 1]]  # x + y = 0 and x − y = 0 "strictly": a point
    for guide in (True, False):
        res = strict_feasibility(A, [0, 0, 0, 0], guide=guide)
        assert not res.feasible
        check(A, [0, 0, 0, 0], res, 2)


def test_zero_rows():
    res = strict_feasibility([[0, 0], [1, 0]], [1, 5])  # 0 < 1 holds
    assert res.feasible and res.point[0] < 5
    res = strict_feasibility([[1, 0], [0, 0]], [5, 0])  # 0 < 0 fails
    assert not res.feasible and res.route == "trivial" and res.certificate == (0, 1)
    res = strict_feasibility([[0, 0], [0, 0]], [F(-1, 3), -7])
    assert not res.feasible and res.certificate == (1, 0)
    assert res.verify([[0, 0], [0, 0]], [F(-1, 3), -7])


def test_dimension_zero_and_no_rows():
    res = strict_feasibility([[], []], [1, 2])
    assert res.feasible and res.point == () and res.route == "trivial"
    res = strict_feasibility([[], []], [1, -2])
    assert not res.feasible and res.certificate == (0, 1)
    res = strict_feasibility(np.zeros((0, 3), dtype=int), [])
    assert res.feasible and res.point == (0, 0, 0)
    assert strict_feasibility([], []).point == ()
    assert is_bounded([[], []], [1, 1]) and not is_bounded(np.zeros((0, 2), dtype=int), [])


def test_fractions_huge_integers_and_numpy_input():
    A = [[F(1, 3), F(2, 7)], [F(-1, 3), 0], [0, F(-5, 2)]]
    b = [F(1, 11), 0, 0]
    check(A, b, strict_feasibility(A, b), 2)
    big = 2**200 + 12345
    A = [[big, 1], [-big, 1], [0, -1]]  # |x| < (1 − y)/big, y > 0
    b = [big, big, 0]
    res = strict_feasibility(A, b)
    check(A, b, res, 2)
    Anp = np.array(SQUARE[0], dtype=np.int64)
    res = strict_feasibility(Anp, np.array(SQUARE[1]))
    check(*SQUARE, res, 2)


def test_refuses_floats_and_bad_shapes():
    with pytest.raises(TypeError, match="float"):
        strict_feasibility([[1.0, 0]], [1])
    with pytest.raises(NotExactError):
        strict_feasibility([[1, 0]], [0.5])
    with pytest.raises(NotExactError):
        strict_feasibility([[True, 0]], [1])
    with pytest.raises(ShapeError, match="row 1"):
        strict_feasibility([[1, 0], [1]], [1, 1])
    with pytest.raises(ShapeError, match="b has"):
        strict_feasibility([[1, 0]], [1, 1])


def test_primitive_inequality():
    assert primitive_inequality([2, -4], 6) == ((1, -2), 3)
    assert primitive_inequality([F(1, 2), F(1, 3)], F(-5, 6)) == ((3, 2), -5)
    assert primitive_inequality([-6, 9], 0) == ((-2, 3), 0)
    assert primitive_inequality([0, 0], 0) == ((0, 0), 0)
    assert primitive_inequality([0, 0], F(7, 3)) == ((0, 0), 1)
    assert primitive_inequality([0], -4) == ((0,), -1)
    assert primitive_inequality((2**100, 2**101), 2**99) == ((2, 4), 1)


def test_verify_rejects_wrong_answers():
    A, b = SQUARE
    assert not Feasibility(True, (F(1), F(1, 2)), None, "x").verify(A, b)  # on the boundary
    assert not Feasibility(True, (F(1, 2),), None, "x").verify(A, b)  # wrong length
    assert not Feasibility(False, None, (1, 1, 0, 0), "x").verify(A, b)  # b·y = 1 > 0
    assert not Feasibility(False, None, (0, 0, 0, 0), "x").verify(A, b)  # y = 0
    assert not Feasibility(False, None, (1, 0, 0, 0), "x").verify(A, b)  # A^T y != 0
    assert not Feasibility(False, None, (-1, -1), "x").verify([[1], [-1]], [0, 0])  # y < 0
    assert Feasibility(False, None, (2, 2), "x").verify([[1], [-1]], [0, 0])


def test_exact_simplex_decides_4_by_40_systems_with_60_bit_entries():
    rng = np.random.default_rng(7)
    for feasible in (True, False):
        A = [[int(v) for v in rng.integers(-(2**60), 2**60, 4)] for _ in range(40)]
        x0 = [F(int(v), 7) for v in rng.integers(-100, 100, 4)]
        slack = 1 if feasible else -1
        b = [dot(row, x0) + slack * int(rng.integers(1, 2**50)) for row in A]
        if not feasible:
            b[:20] = [dot(row, x0) + int(rng.integers(1, 2**50)) for row in A[:20]]
        res = strict_feasibility(A, b, guide=False)  # speed is measured in bench/, not here
        assert res.route == "simplex"
        check(A, b, res, 4)
        assert res.feasible == strict_feasibility(A, b).feasible


def test_random_infeasible_systems_use_the_dual_route():
    rng = np.random.default_rng(11)
    routes = []
    for _ in range(20):
        A = rng.integers(-50, 50, (12, 3)).tolist()
        b = rng.integers(-60, 5, 12).tolist()
        res = strict_feasibility(A, b)
        check(A, b, res, 3)
        routes.append(res.route)
    assert routes.count("simplex") == 0


# -------------------------------------------------------------------------- hypothesis: feasibility
@st.composite
def small_systems(draw, max_d=4, max_m=8, lo=-3, hi=3):
    d = draw(st.integers(1, max_d))
    m = draw(st.integers(1, max_m))
    ints = st.integers(lo, hi)
    A = draw(st.lists(st.lists(ints, min_size=d, max_size=d), min_size=m, max_size=m))
    b = draw(st.lists(ints, min_size=m, max_size=m))
    return A, b, d


@settings(max_examples=300)
@given(small_systems())
def test_guided_and_exact_simplex_agree(system):
    A, b, d = system
    guided = strict_feasibility(A, b)
    exact = strict_feasibility(A, b, guide=False)
    assert guided.feasible == exact.feasible
    check(A, b, guided, d)
    check(A, b, exact, d)
    assert exact.route in ("trivial", "simplex")


@settings(max_examples=60)
@given(
    small_systems(max_d=3, max_m=6),
    st.lists(st.fractions(min_value=F(1, 5), max_value=7, max_denominator=5), min_size=6, max_size=6),
)
def test_fraction_scaling_changes_nothing(system, scales):
    A, b, d = system
    A2 = [[v * s for v in row] for row, s in zip(A, scales)]
    b2 = [v * s for v, s in zip(b, scales)]
    res, res2 = strict_feasibility(A, b), strict_feasibility(A2, b2)
    assert res.feasible == res2.feasible
    check(A2, b2, res2, d)


# ---------------------------------------------------------------------------------- is_bounded
def test_is_bounded_hand_cases():
    assert is_bounded(*SQUARE) and is_bounded(*TRIANGLE)
    assert not is_bounded([[1, 0]], [0])  # a half-plane
    assert not is_bounded([[1, 0], [-1, 0]], [1, 1])  # a strip
    assert not is_bounded([[-1, 0], [0, -1], [1, -1]], [0, 0, 0])  # a wedge 0 < y, 0 < x < y
    box3 = [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]]
    assert is_bounded(box3, [1] * 6)
    assert not is_bounded(box3[:4], [1] * 4)  # rank 2 in R^3: a prism
    assert is_bounded([[1], [-1]], [1, 1]) and not is_bounded([[1], [2]], [1, 1])
    assert is_bounded(TRIANGLE[0] + [[0, 0]], TRIANGLE[1] + [1])  # a zero row changes nothing


@settings(max_examples=150)
@given(small_systems(max_d=3, max_m=7))
def test_is_bounded_law(system):
    A, b, d = system
    res = strict_feasibility(A, b)
    assume(res.feasible)
    bounded = is_bounded(A, b)
    assert bounded == (not has_recession_ray(A, d))
    if not bounded:
        return
    # bounded: no point of P is beyond the bound given by the rows (x_j > M is infeasible)
    for j in range(d):
        for sign in (1, -1):
            row = [0] * d
            row[j] = -sign
            M = 10**6
            assert not strict_feasibility(A + [row], b + [-M]).feasible


# ---------------------------------------------------------------------------------- irredundant
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


# ------------------------------------------------------------------------------ restriction
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


# ---------------------------------------------------------------------------------- float path
def test_float_strict_feasibility():
    p = float_strict_feasibility(np.array(SQUARE[0], dtype=float), np.array(SQUARE[1], dtype=float))
    assert p is not None and np.all((0 < p) & (p < 1))
    assert float_strict_feasibility([[1.0], [-1.0]], [0.0, 0.0]) is None
    assert float_strict_feasibility([[1.0], [-1.0]], [2.0**-40, 0.0]) is None  # below the tolerance
    assert float_strict_feasibility([[0.0, 0.0]], [-1.0]) is None
    assert float_strict_feasibility(np.zeros((0, 2)), np.zeros(0)).tolist() == [0.0, 0.0]
    p = float_strict_feasibility([[2**200, 0], [-(2**200), 0]], [2**200, 2**200])
    assert p is not None and abs(p[0]) < 1


def test_both_lp_backends_give_the_same_chebyshev_centre():
    """The direct HiGHS binding and scipy's linprog solve the same float guide LP."""
    from relugeom.regions.lp import BACKEND, chebyshev

    assert BACKEND in ("highs-direct", "linprog")
    rng = np.random.default_rng(5)
    for _ in range(20):
        A = rng.normal(size=(12, 3))
        b = rng.uniform(-0.5, 1.0, size=12)
        direct, plain = chebyshev(A, b, "highs-direct"), chebyshev(A, b, "linprog")
        assert direct.status == plain.status == "optimal"
        assert abs(direct.radius - plain.radius) <= 1e-9  # float guides: compared as floats
        assert np.all(direct.duals >= -1e-12) and np.all(plain.duals >= -1e-12)
