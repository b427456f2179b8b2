"""Exact conversion of user numbers (SPEC §1): what is accepted, its exact value, and what is refused."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import relugeom as rg
from relugeom.numbers import exact_matrix, exact_vector, integer_scaling, lcm_of_denominators, to_fraction


# ---------------------------------------------------------------------------------------- accepted
@pytest.mark.parametrize(
    "value, expected",
    [
        (3, Fraction(3)),
        (-7, Fraction(-7)),
        (0, Fraction(0)),
        (10**40 + 1, Fraction(10**40 + 1)),
        (Fraction(-2, 3), Fraction(-2, 3)),
        ("-2/3", Fraction(-2, 3)),
        ("4/6", Fraction(2, 3)),
        (" 3/4 ", Fraction(3, 4)),
        ("0.1", Fraction(1, 10)),
        ("-0.25", Fraction(-1, 4)),
        (".5", Fraction(1, 2)),
        ("1e-3", Fraction(1, 1000)),
        ("2.5E2", Fraction(250)),
        ("7", Fraction(7)),
        (Decimal("0.1"), Fraction(1, 10)),
        (Decimal("-1e-30"), Fraction(-1, 10**30)),
        (0.5, Fraction(1, 2)),
        (-0.375, Fraction(-3, 8)),
        (np.int64(-5), Fraction(-5)),
        (np.uint64(2**63 + 1), Fraction(2**63 + 1)),
        (np.int8(7), Fraction(7)),
    ],
)
def test_accepted_values_are_exact(value, expected):
    got = to_fraction(value)
    assert isinstance(got, Fraction)
    assert got == expected


def test_decimal_string_is_the_decimal_but_float_is_its_binary_value():
    assert to_fraction("0.1") == Fraction(1, 10)
    assert to_fraction(0.1) != Fraction(1, 10)
    # the exact binary value of the double nearest to 0.1
    assert to_fraction(0.1) == Fraction(3602879701896397, 2**55)
    assert to_fraction(np.float64(0.1)) == Fraction(3602879701896397, 2**55)
    # float32 0.1 is a different dyadic rational: 13421773 / 2**27
    assert to_fraction(np.float32(0.1)) == Fraction(13421773, 2**27)


def test_sympy_rationals_are_accepted():
    sympy = pytest.importorskip("sympy")
    assert to_fraction(sympy.Rational(-2, 3)) == Fraction(-2, 3)
    assert to_fraction(sympy.Integer(5)) == Fraction(5)


def test_numpy_arrays_convert_entrywise_exactly():
    assert exact_matrix(np.array([[1, 2], [3, -4]], dtype=np.int8)) == (
        (Fraction(1), Fraction(2)),
        (Fraction(3), Fraction(-4)),
    )
    assert exact_matrix(np.array([[0.5, 1.25]], dtype=np.float32)) == ((Fraction(1, 2), Fraction(5, 4)),)
    assert exact_vector(np.array([0.1, -3.0])) == (Fraction(0.1), Fraction(-3))
    obj = np.array([["1/3", Fraction(2, 7)]], dtype=object)
    assert exact_matrix(obj) == ((Fraction(1, 3), Fraction(2, 7)),)


def test_mixed_nested_lists():
    assert exact_matrix([[1, "1/2"], [0.25, "-3"]]) == ((Fraction(1), Fraction(1, 2)), (Fraction(1, 4), Fraction(-3)))


# ---------------------------------------------------------------------------------------- refused
@pytest.mark.parametrize(
    "bad",
    [
        float("nan"),
        float("inf"),
        float("-inf"),
        np.float64("nan"),
        np.float32("inf"),
        np.float16("-inf"),
        Decimal("NaN"),
        Decimal("Infinity"),
        Decimal("-Infinity"),
        True,
        False,
        np.bool_(True),
        "abc",
        "",
        "   ",
        "nan",
        "inf",
        "-inf",
        "1/0",
        "1/2/3",
        "0x10",
        "1,5",
        "one",
        None,
        1 + 2j,
        b"1",
        [1],
    ],
    ids=repr,
)
def test_refused_values_raise_not_exact(bad):
    with pytest.raises(rg.NotExactError):
        to_fraction(bad)


def test_not_exact_error_is_a_relugeom_error_and_value_error():
    with pytest.raises(rg.RelugeomError):
        to_fraction(float("nan"))
    with pytest.raises(ValueError):
        to_fraction("garbage")


def test_error_message_names_the_place():
    with pytest.raises(rg.NotExactError, match=r"b\[1\]\[0\]"):
        to_fraction(float("inf"), "b[1][0]")
    with pytest.raises(rg.NotExactError, match=r"matrix\[1\]\[0\]"):
        exact_matrix([[1, 2], [float("nan"), 3]])
    with pytest.raises(rg.NotExactError, match=r"matrix\[0\]\[1\]"):
        exact_matrix(np.array([[1.0, np.inf]]))


@pytest.mark.parametrize("bad", [[[1, True]], np.array([[np.nan]]), [["1", "x"]]], ids=repr)
def test_bad_entries_inside_matrices(bad):
    with pytest.raises(rg.NotExactError):
        exact_matrix(bad)


# ---------------------------------------------------------------------------------------- shapes
@pytest.mark.parametrize(
    "ragged",
    [
        [[1, 2], [3]],
        [[1], [2, 3]],
        [["1/2", "1/3"], ["1"], ["1", "2"]],
        [[1, [2]]],
        [1, 2],
        "12",
        np.zeros((2, 2, 2)),
        np.zeros(3),
        np.array([[1, 2], [3]], dtype=object),
    ],
    ids=repr,
)
def test_ragged_or_wrong_dimension_raise_shape_error(ragged):
    with pytest.raises(rg.ShapeError):
        exact_matrix(ragged)


def test_ragged_message_names_the_row():
    with pytest.raises(rg.ShapeError, match="row 1 has 1 entries but row 0 has 2"):
        exact_matrix([[1, 2], [3]])


def test_ncols_is_enforced():
    with pytest.raises(rg.ShapeError, match="expected 2"):
        exact_matrix([[1, 2, 3]], ncols=2)


@pytest.mark.parametrize("bad", [[[1], 2], np.zeros((2, 2)), 5, "1,2"], ids=repr)
def test_exact_vector_refuses_non_vectors(bad):
    with pytest.raises(rg.ShapeError):
        exact_vector(bad)


# ---------------------------------------------------------------------------------------- laws
@given(st.fractions(max_denominator=10**12))
def test_string_round_trip_of_any_fraction(q):
    assert to_fraction(str(q)) == q
    assert to_fraction(q) == q
    assert to_fraction(f"{q.numerator}/{q.denominator}") == q


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_floats_are_taken_at_their_exact_binary_value(f):
    q = to_fraction(f)
    assert float(q) == f  # exact: no rounding happened
    assert q == Fraction.from_float(f)
    d = q.denominator
    assert d & (d - 1) == 0  # dyadic


@given(st.integers(-(10**30), 10**30), st.integers(-40, 40))
def test_scientific_decimal_strings(m, e):
    assert to_fraction(f"{m}e{e}") == m * Fraction(10) ** e


@given(st.integers(0, 10**12), st.text(alphabet="0123456789", min_size=1, max_size=20), st.booleans())
def test_fixed_point_decimal_strings(whole, digits, negative):
    text = f"{'-' if negative else ''}{whole}.{digits}"
    expected = Fraction(whole) + Fraction(int(digits), 10 ** len(digits))
    assert to_fraction(text) == (-expected if negative else expected)


@settings(max_examples=60)
@given(st.lists(st.fractions(max_denominator=1000), min_size=1, max_size=8))
def test_integer_scaling_is_exact_and_minimal(values):
    nums, den = integer_scaling(values)
    assert den > 0
    assert [Fraction(n, den) for n in nums] == values
    assert den == lcm_of_denominators(values)
    assert math.gcd(den, *nums) == 1  # the least common denominator: nothing left to cancel


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=12))
def test_dyadic_scaling_is_exact_and_least(values):
    from relugeom.numbers import dyadic_scaling

    nums, den = dyadic_scaling(np.array(values))
    assert [Fraction(int(n), den) for n in nums] == [Fraction(v) for v in values]
    assert den == max(Fraction(v).denominator for v in values)  # powers of two: the lcm is the max


# ------------------------------------------------------------------- rounding to binary float formats
from relugeom.exceptions import FloatRangeError  # noqa: E402
from relugeom.numbers import as_numpy, representable, round_to_format  # noqa: E402

NUMPY_FORMATS = {"float64": np.float64, "float32": np.float32, "float16": np.float16}


@settings(max_examples=300)
@given(st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(["float32", "float16"]))
def test_rounding_a_float64_agrees_with_numpy_casts(x, fmt):
    """numpy's float64 → float32/float16 cast is IEEE round-to-nearest-even: an independent oracle."""
    with np.errstate(over="ignore"):
        cast = NUMPY_FORMATS[fmt](x)
    if not np.isfinite(cast):
        with pytest.raises(FloatRangeError):
            round_to_format(x, fmt)
    else:
        assert round_to_format(x, fmt) == Fraction(float(cast))


def _bfloat16_neighbours(r: Fraction) -> tuple[Fraction, Fraction]:
    """The bfloat16 numbers next to the bfloat16 ``r`` (> 0): float32 bit patterns ± 2^16."""
    bits = int(np.array(float(r), dtype=np.float32).view(np.uint32))
    assert bits & 0xFFFF == 0
    down, up = (np.array([b], dtype=np.uint32).view(np.float32)[0] for b in (bits - (1 << 16), bits + (1 << 16)))
    return Fraction(float(down)), Fraction(float(up))


@settings(max_examples=300)
@given(st.integers(1, 10**12), st.integers(1, 10**12), st.integers(-90, 80))
def test_rounding_a_rational_to_bfloat16_picks_the_nearest_and_breaks_ties_to_even(n, d, e):
    q = Fraction(n, d) * Fraction(2) ** e  # from about 2^-130 (bfloat16 subnormals) to 2^120
    r = round_to_format(q, "bfloat16")
    down, up = _bfloat16_neighbours(r)
    assert abs(q - r) <= abs(q - down) and abs(q - r) <= abs(q - up)
    if abs(q - r) in (abs(q - down), abs(q - up)):  # a tie: r's last significand bit is 0
        assert int(np.array(float(r), dtype=np.float32).view(np.uint32)) & (1 << 16) == 0


@settings(max_examples=200)
@given(st.fractions(min_value=-(10**6), max_value=10**6, max_denominator=10**9))
def test_rounding_a_rational_to_float64_is_pythons_correctly_rounded_float(q):
    """``float(Fraction)`` divides two integers with correct rounding (CPython's true division)."""
    assert round_to_format(q, "float64") == Fraction(float(q))
    assert representable(q) == (Fraction(float(q)) == q)


def test_rounding_rationals_once_avoids_double_rounding():
    """q sits just above a float32 tie: float64 first rounds it onto the tie, which float32 then breaks
    to even, downwards; rounding once goes up, correctly."""
    tie = Fraction(1) + Fraction(1, 2**24)  # halfway between 1 and 1 + 2^-23
    q = tie + Fraction(1, 2**80)
    assert float(np.float32(float(q))) == 1.0  # the double rounding a float64 detour does
    assert round_to_format(q, "float32") == 1 + Fraction(1, 2**23)


@pytest.mark.parametrize(
    "fmt, smallest, largest",
    [
        ("float64", Fraction(1, 2**1074), (2 - Fraction(1, 2**52)) * 2**1023),
        ("float32", Fraction(1, 2**149), (2 - Fraction(1, 2**23)) * 2**127),
        ("float16", Fraction(1, 2**24), Fraction(65504)),
        ("bfloat16", Fraction(1, 2**133), (2 - Fraction(1, 2**7)) * 2**127),
    ],
)
def test_format_ends_subnormals_and_overflow(fmt, smallest, largest):
    assert representable(smallest, fmt) and representable(-largest, fmt)
    assert round_to_format(smallest / 2, fmt) == 0  # a tie between 0 and the smallest: to even, 0
    assert round_to_format(smallest * Fraction(3, 4), fmt) == smallest
    assert not representable(smallest * Fraction(3, 2), fmt)
    with pytest.raises(FloatRangeError):
        round_to_format(largest * (1 + Fraction(1, 2**60)) + 2 ** (largest.numerator.bit_length()), fmt)


def test_as_numpy_leaves_non_tensors_alone():
    arr = np.arange(3)
    assert as_numpy(arr) is arr and as_numpy([1, 2]) == [1, 2]


def test_torch_tensors_are_read_exactly_in_every_float_dtype():
    torch = pytest.importorskip("torch")
    values = [0.1, -3.25, 1e-30, 7.0]
    for dtype in (torch.float64, torch.float32, torch.float16, torch.bfloat16):
        t = torch.tensor(values, dtype=dtype, requires_grad=dtype.is_floating_point)
        expected = [Fraction(v) for v in t.detach().double().tolist()]  # widening to float64 is exact
        assert list(exact_vector(t)) == expected
        assert to_fraction(t[1]) == expected[1]
    assert exact_matrix(torch.tensor([[1, 2], [3, 4]])) == ((1, 2), (3, 4))
    with pytest.raises(rg.NotExactError):
        exact_vector(torch.tensor([1.0, float("nan")]))
