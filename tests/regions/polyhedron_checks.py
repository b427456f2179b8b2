"""Independent checks shared by the tests of relugeom.regions.parsing, .feasibility and .facets.

Points are checked against every inequality with plain Fractions and certificates against the alternative
of Motzkin's transposition theorem, without any of relugeom's own algorithms.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from relugeom.regions.feasibility import Feasibility

F = Fraction
SQUARE = ([[1, 0], [-1, 0], [0, 1], [0, -1]], [1, 0, 1, 0])  # 0 < x < 1, 0 < y < 1
TRIANGLE = ([[-1, 0], [0, -1], [1, 1]], [0, 0, 1])  # x > 0, y > 0, x + y < 1


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


@st.composite
def small_systems(draw, max_d=4, max_m=8, lo=-3, hi=3):
    d = draw(st.integers(1, max_d))
    m = draw(st.integers(1, max_m))
    ints = st.integers(lo, hi)
    A = draw(st.lists(st.lists(ints, min_size=d, max_size=d), min_size=m, max_size=m))
    b = draw(st.lists(ints, min_size=m, max_size=m))
    return A, b, d
