"""Exact parsing of systems {x : A x < b} (relugeom.regions.parsing): exact entries, shapes, primitive rows.

Fractions, huge integers and numpy input are accepted and rescaling a row changes nothing; floats and bad
shapes are refused.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polyhedron_checks import SQUARE, F, check, small_systems

from relugeom.exceptions import NotExactError, ShapeError
from relugeom.regions.feasibility import strict_feasibility
from relugeom.regions.parsing import primitive_inequality


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
