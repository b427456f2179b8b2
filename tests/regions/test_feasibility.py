"""Exact strict feasibility of open polyhedra {x : A x < b} (relugeom.regions.feasibility).

Every answer is checked here independently of the module: points against every inequality with plain
Fractions, certificates against the alternative of Motzkin's transposition theorem, boundedness against
a brute-force search for recession rays, and the float-guided routes against the exact simplex.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import assume, given, settings
from polyhedron_checks import SQUARE, TRIANGLE, F, check, dot, small_systems

from relugeom.regions.feasibility import Feasibility, float_strict_feasibility, is_bounded, strict_feasibility


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
