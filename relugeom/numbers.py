"""Exact conversion of user numbers: the one place where numbers enter relugeom.

Accepted: ``int``, :class:`fractions.Fraction`, :class:`decimal.Decimal`, strings ``"p/q"`` or decimals
(``"0.1"`` is exactly 1/10, ``"1e-3"`` exactly 1/1000), numpy integers, and floats (Python or numpy),
which are taken at their *exact binary value*: ``to_fraction(0.1)`` is 3602879701896397/2**55, not 1/10.
NaN and ±infinity are refused, as are booleans and other types. Torch tensors (any float dtype,
bfloat16 included, on any device) are accepted wherever arrays are: :func:`as_numpy` moves them to the
CPU and widens them exactly, without importing torch.

:func:`round_to_format` rounds an exact number to a binary floating-point format (float64, float32,
float16, bfloat16) correctly, ties to even, in exact arithmetic: what writing a network into a float file
or a torch model needs, and :func:`representable` says whether no rounding is needed at all.

Examples
--------
>>> to_fraction("-2/3"), to_fraction("0.25"), to_fraction(3)
(Fraction(-2, 3), Fraction(1, 4), Fraction(3, 1))
>>> to_fraction(0.1) == Fraction(1, 10)
False
>>> to_fraction(0.5)
Fraction(1, 2)
>>> exact_matrix([[1, "1/2"], [0.25, -3]])
((Fraction(1, 1), Fraction(1, 2)), (Fraction(1, 4), Fraction(-3, 1)))
>>> integer_scaling([Fraction(1, 2), Fraction(2, 3), 1])
([3, 4, 6], 6)
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from numbers import Rational
from typing import Any, Iterable, Sequence

import numpy as np

from .exceptions import FloatRangeError, InvalidArgumentError, NotExactError, ShapeError

__all__ = [
    "to_fraction",
    "exact_vector",
    "exact_matrix",
    "integer_scaling",
    "lcm_of_denominators",
    "dyadic_scaling",
    "simplest_rational",
    "float_root",
    "to_float",
    "as_numpy",
    "FLOAT_FORMATS",
    "format_name",
    "round_to_format",
    "representable",
]

Matrix = tuple[tuple[Fraction, ...], ...]


def _where(where: str | None) -> str:
    return f" at {where}" if where else ""


def to_fraction(x: Any, where: str | None = None) -> Fraction:
    """Convert one user number to an exact :class:`~fractions.Fraction`.

    Parameters
    ----------
    x : int, Fraction, Decimal, str, float or numpy scalar
        Floats are converted by their exact binary value, never rounded to a "nice" decimal.
    where : str, optional
        Where the number comes from (e.g. ``"W[0][1, 2]"``); used in error messages.

    Raises
    ------
    NotExactError
        For NaN, ±infinity, booleans, unparsable strings and unsupported types.

    Examples
    --------
    >>> to_fraction("7/10")
    Fraction(7, 10)
    >>> to_fraction(float("inf"), "b[1][0]")
    Traceback (most recent call last):
    ...
    relugeom.exceptions.NotExactError: inf at b[1][0] is not a finite number; relugeom computes exactly and needs finite rationals
    """
    if is_torch_tensor(x):
        x = as_numpy(x)
        if x.ndim:
            raise NotExactError(f"a tensor of shape {x.shape}{_where(where)} is not one number")
        x = x[()]
    if isinstance(x, (bool, np.bool_)):
        raise NotExactError(f"boolean {x!r}{_where(where)} is not accepted as a number; use 0 or 1")
    if isinstance(x, Fraction):
        return x
    if isinstance(x, (int, np.integer)):
        return Fraction(int(x))
    if isinstance(x, (float, np.floating)):
        value = float(x)  # exact: every float32/float16 is a float64
        if not math.isfinite(value):
            raise NotExactError(
                f"{value!r}{_where(where)} is not a finite number; relugeom computes exactly and needs finite rationals"
            )
        return Fraction(value)
    if isinstance(x, Decimal):
        if not x.is_finite():
            raise NotExactError(f"{x}{_where(where)} is not a finite number")
        return Fraction(x)
    if isinstance(x, Rational):
        return Fraction(x.numerator, x.denominator)
    if isinstance(x, str):
        text = x.strip()
        try:
            return Fraction(text)
        except (ValueError, ZeroDivisionError):
            raise NotExactError(
                f"cannot read {x!r}{_where(where)} as an exact number; write an integer, 'p/q' "
                f"or a finite decimal such as '0.25' or '1e-3'"
            ) from None
    raise NotExactError(
        f"unsupported number type {type(x).__name__}{_where(where)}; use int, Fraction, a string "
        f"'p/q' or a decimal, or a float (taken at its exact binary value)"
    )


def exact_vector(values: Any, where: str = "vector") -> tuple[Fraction, ...]:
    """Convert a 1-D sequence or array to a tuple of Fractions.

    >>> exact_vector(["1/3", 2])
    (Fraction(1, 3), Fraction(2, 1))
    """
    values = as_numpy(values)
    if isinstance(values, np.ndarray):
        if values.ndim != 1:
            raise ShapeError(f"{where} must be 1-dimensional, got an array of shape {values.shape}")
        values = values.tolist() if values.dtype != object else list(values)
    elif isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise ShapeError(f"{where} must be a sequence of numbers, got {type(values).__name__}")
    out = []
    for i, v in enumerate(values):
        if isinstance(v, (list, tuple, np.ndarray)):
            raise ShapeError(f"{where}[{i}] is a sequence; {where} must be 1-dimensional")
        out.append(to_fraction(v, f"{where}[{i}]"))
    return tuple(out)


def exact_matrix(rows: Any, where: str = "matrix", ncols: int | None = None) -> Matrix:
    """Convert a 2-D nested sequence or array to a tuple of tuples of Fractions.

    Ragged rows, and rows of a length other than ``ncols`` when it is given, raise :class:`ShapeError`.

    >>> exact_matrix([[1, 2], [3]])
    Traceback (most recent call last):
    ...
    relugeom.exceptions.ShapeError: matrix row 1 has 1 entries but row 0 has 2; rows must all have the same length
    """
    rows = as_numpy(rows)
    if isinstance(rows, np.ndarray):
        if rows.ndim != 2:
            raise ShapeError(f"{where} must be 2-dimensional, got an array of shape {rows.shape}")
        rows = list(rows)
    elif isinstance(rows, (str, bytes)) or not isinstance(rows, Iterable):
        raise ShapeError(f"{where} must be a 2-D nested sequence, got {type(rows).__name__}")
    out: list[tuple[Fraction, ...]] = []
    for i, row in enumerate(rows):
        if isinstance(row, (str, bytes)) or not isinstance(row, (Sequence, np.ndarray)):
            raise ShapeError(f"{where} row {i} is not a sequence; {where} must be 2-dimensional")
        vec = exact_vector(np.asarray(row, dtype=object) if isinstance(row, np.ndarray) else row, f"{where}[{i}]")
        expected = ncols if ncols is not None else (len(out[0]) if out else None)
        if expected is not None and len(vec) != expected:
            if ncols is not None:
                raise ShapeError(f"{where} row {i} has {len(vec)} entries, expected {ncols}")
            raise ShapeError(
                f"{where} row {i} has {len(vec)} entries but row 0 has {expected}; rows must all have the same length"
            )
        out.append(vec)
    return tuple(out)


def lcm_of_denominators(values: Iterable[Fraction]) -> int:
    """The least common multiple of the denominators (1 for an empty iterable).

    >>> lcm_of_denominators([Fraction(1, 4), Fraction(5, 6)])
    12
    """
    d = 1
    for v in values:
        d = math.lcm(d, v.denominator)
    return d


def integer_scaling(values: Iterable[Any]) -> tuple[list[int], int]:
    """Write rationals as integers over one common positive denominator: ``values = nums / den``."""
    fr = [to_fraction(v) for v in values]
    den = lcm_of_denominators(fr)
    return [v.numerator * (den // v.denominator) for v in fr], den


def dyadic_scaling(A: np.ndarray, where: str = "inputs") -> tuple[np.ndarray, int]:
    """A float array as exact integers over one power-of-two denominator: ``A = nums / den``.

    The vectorised twin of ``integer_scaling`` for float64 data (every float is a dyadic rational);
    the denominator is the least common one.

    >>> nums, den = dyadic_scaling(np.array([[0.5, -3.0], [0.25, 0.0]]))
    >>> nums.tolist(), den
    ([[2, -12], [1, 0]], 4)
    >>> dyadic_scaling(np.array([1.0, np.nan]))
    Traceback (most recent call last):
    ...
    relugeom.exceptions.NotExactError: nan at inputs[1] is not a finite number; relugeom computes exactly and needs finite rationals
    """
    A = np.asarray(A, dtype=np.float64)
    finite = np.isfinite(A)
    if not finite.all():
        bad = tuple(int(i) for i in np.argwhere(~finite)[0])
        to_fraction(float(A[bad]), f"{where}[{']['.join(map(str, bad))}]")  # raises NotExactError
    mant, exp = np.frexp(A)
    M = (mant * 2.0**53).astype(np.int64)  # exact: the 53-bit significand as an integer
    E = exp.astype(np.int64) - 53
    low = np.where(M == 0, 1, M & -M)  # lowest set bit: make every significand odd
    tz = np.log2(low.astype(np.float64)).astype(np.int64)  # exact for powers of two
    M, E = M >> tz, E + tz
    E = np.where(M == 0, 0, E)
    emin = int(E.min(initial=0))
    shift = max(0, -emin)
    nums = np.array([int(m) << (int(e) + shift) for m, e in zip(M.ravel(), E.ravel())], dtype=object)
    return nums.reshape(A.shape), 1 << shift


def simplest_rational(lo: Fraction, hi: Fraction) -> Fraction:
    """The rational with the smallest denominator (then the smallest |numerator|) in ``[lo, hi]``.

    Found on the continued-fraction (Stern–Brocot) expansions of the two ends.

    >>> simplest_rational(Fraction(1, 3), Fraction(1, 2)), simplest_rational(Fraction(-7, 5), Fraction(-6, 5))
    (Fraction(1, 2), Fraction(-4, 3))
    >>> simplest_rational(Fraction(-1, 7), Fraction(3))
    Fraction(0, 1)
    """
    if lo > hi:
        raise InvalidArgumentError(f"empty interval [{lo}, {hi}]")
    ln, ld, hn, hd = lo.numerator, lo.denominator, hi.numerator, hi.denominator
    if ln <= 0 <= hn:
        return Fraction(0)
    if hn < 0:
        return -simplest_rational(-hi, -lo)
    terms: list[int] = []
    while True:
        fl = ln // ld
        if fl * ld == ln:
            p, q = fl, 1
            break
        if (fl + 1) * hd <= hn:
            p, q = fl + 1, 1
            break
        terms.append(fl)
        ln, ld, hn, hd = hd, hn - fl * hd, ld, ln - fl * ld
    for fl in reversed(terms):
        p, q = fl * p + q, p
    return Fraction(p, q)


def _integer_root(x: int, p: int) -> int:
    """floor(x ** (1/p)) for an integer x >= 0, by Newton's method in integers."""
    if x < 2:
        return x
    r = 1 << -(-x.bit_length() // p)  # 2^ceil(bits/p) > x^(1/p): start above the root
    while True:
        s = ((p - 1) * r + x // r ** (p - 1)) // p
        if s >= r:
            return r
        r = s


def float_root(q: Any, p: int = 2) -> float:
    """``q ** (1/p)`` as a float for an exact ``q >= 0``, within one unit in the last place.

    The root is taken in integers on a 64-bit-significant scaled copy of ``q``, so it works far
    outside float64's range for the input (``float(q)`` itself would overflow) and never rounds ``q``
    first. A root beyond float64's range is ``inf`` (the exact ``q`` is what to report then).

    >>> float_root(Fraction(9, 4)), float_root(8, 3), float_root(0)
    (1.5, 2.0, 0.0)
    >>> float_root(Fraction(10) ** 400, 4), float_root(Fraction(10) ** 700, 2)
    (1e+100, inf)
    >>> float_root(-1)
    Traceback (most recent call last):
    ...
    relugeom.exceptions.InvalidArgumentError: float_root needs q >= 0 and an integer p >= 1, got q = -1, p = 2
    """
    q = to_fraction(q, "q")
    if q < 0 or not isinstance(p, (int, np.integer)) or isinstance(p, bool) or p < 1:
        raise InvalidArgumentError(f"float_root needs q >= 0 and an integer p >= 1, got q = {q}, p = {p}")
    if q == 0:
        return 0.0
    p = int(p)
    # scale by 2^(p e) so that floor(root) has at least 64 bits, then root = floor(...) / 2^e
    bits = q.numerator.bit_length() - q.denominator.bit_length()
    e = max(0, -(-(64 * p - bits) // p) + 1)
    r = _integer_root((q.numerator << (p * e)) // q.denominator, p)
    return to_float(Fraction(r, 1 << e))


def to_float(q: Any) -> float:
    """An exact number as the nearest float64, or ±inf beyond float64's range (never an OverflowError).

    For display next to the exact value; the exact path never uses it.

    >>> to_float(Fraction(1, 3)), to_float(10 ** 400), to_float(-Fraction(10 ** 400, 3))
    (0.3333333333333333, inf, -inf)
    """
    try:
        return float(q)
    except OverflowError:
        return math.inf if q > 0 else -math.inf


def is_torch_tensor(x: Any) -> bool:
    """True for a ``torch.Tensor`` (or subclass such as ``nn.Parameter``), told without importing torch.

    >>> is_torch_tensor(np.zeros(2)), is_torch_tensor([1.0])
    (False, False)
    """
    return any(c.__module__ == "torch" and c.__name__ == "Tensor" for c in type(x).__mro__)


def as_numpy(x: Any) -> Any:
    """A torch tensor as a numpy array on the CPU holding the same numbers exactly; anything else as is.

    The tensor is detached and moved to the CPU; float16/32/64 keep their dtype, and bfloat16 and the
    float8 formats (which numpy lacks) are widened to float32, which holds each of their values
    exactly. Complex tensors are refused.

    >>> as_numpy([1, 2])
    [1, 2]
    """
    if not is_torch_tensor(x):
        return x
    t = x.detach()
    if t.is_complex():
        raise NotExactError(f"a complex tensor ({t.dtype}) cannot hold real network numbers")
    if t.device.type != "cpu":
        t = t.cpu()
    if t.is_floating_point() and str(t.dtype) not in ("torch.float16", "torch.float32", "torch.float64"):
        t = t.float()  # bfloat16, float8_*: every value is a float32
    if getattr(t, "layout", None) is not None and str(t.layout) != "torch.strided":
        t = t.to_dense()
    return t.numpy()


#: Binary floating-point formats: (significand bits p including the hidden bit, e_min, e_max).
FLOAT_FORMATS: dict[str, tuple[int, int, int]] = {
    "float64": (53, -1022, 1023),
    "float32": (24, -126, 127),
    "float16": (11, -14, 15),
    "bfloat16": (8, -126, 127),
}


def format_name(fmt: Any) -> str:
    """The name in :data:`FLOAT_FORMATS` of a float format given as a name, a numpy dtype or a torch dtype.

    >>> format_name("float32"), format_name(np.float16), format_name(np.dtype("float64"))
    ('float32', 'float16', 'float64')
    >>> format_name("int8")
    Traceback (most recent call last):
    ...
    relugeom.exceptions.InvalidArgumentError: unknown float format 'int8': choose one of float64, float32, float16, bfloat16
    """
    if isinstance(fmt, str):
        name = fmt.removeprefix("torch.")
    elif isinstance(fmt, (type, np.dtype)):
        try:
            name = np.dtype(fmt).name
        except TypeError:
            name = str(fmt)
    else:
        name = str(fmt).removeprefix("torch.")  # torch.float32 prints as "torch.float32"
    if name not in FLOAT_FORMATS:
        raise InvalidArgumentError(f"unknown float format {fmt!r}: choose one of {', '.join(FLOAT_FORMATS)}")
    return name


def _format(fmt: Any) -> tuple[int, int, int]:
    return FLOAT_FORMATS[format_name(fmt)]


def round_to_format(q: Any, fmt: str = "float64") -> Fraction:
    """``q`` rounded to the nearest number of the binary format ``fmt``, ties to even, computed exactly.

    Subnormals are rounded as IEEE 754 does; a value that rounds beyond the largest finite number of
    the format raises :class:`FloatRangeError` (relugeom never writes an infinity). For a float64 ``q``
    and ``fmt="float32"`` this is exactly numpy's ``np.float32(q)``; for a rational such as 1/3 it rounds
    once, never through float64 first (no double rounding).

    >>> round_to_format(Fraction(1, 3), "float64") == Fraction(1 / 3)
    True
    >>> round_to_format(Fraction(1, 3), "bfloat16")
    Fraction(171, 512)
    >>> round_to_format(Fraction(2**24 + 1), "float32")      # a tie: to the even neighbour
    Fraction(16777216, 1)
    >>> round_to_format(70000, "float16")
    Traceback (most recent call last):
    ...
    relugeom.exceptions.FloatRangeError: 70000 is beyond the largest finite float16 (65504)
    """
    p, emin, emax = _format(fmt)
    q = to_fraction(q)
    if q == 0:
        return q
    a = abs(q)
    n, d = a.numerator, a.denominator
    e = n.bit_length() - d.bit_length()  # floor(log2 a) is e or e - 1
    if (n if e >= 0 else n << -e) < (d << e if e >= 0 else d):
        e -= 1
    k = max(e, emin) - (p - 1)  # the spacing of the format near a is 2^k
    scaled = a / Fraction(2) ** k
    m = round(scaled)  # Fraction.__round__: ties to even
    r = m * Fraction(2) ** k
    largest = (Fraction(2) - Fraction(2) ** (1 - p)) * Fraction(2) ** emax
    if r > largest:
        name = format_name(fmt)
        raise FloatRangeError(f"{q} is beyond the largest finite {name} ({largest})")
    return r if q > 0 else -r


def representable(q: Any, fmt: str = "float64") -> bool:
    """Whether ``q`` is exactly a (finite) number of the binary format ``fmt``.

    >>> representable(Fraction(1, 4), "float16"), representable(Fraction(1, 3)), representable(2**200, "float32")
    (True, False, False)
    """
    try:
        return round_to_format(q, fmt) == to_fraction(q)
    except FloatRangeError:
        return False
