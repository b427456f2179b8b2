"""Exact conversion of user numbers: the one place where numbers enter relugeom.

Accepted: ``int``, :class:`fractions.Fraction`, :class:`decimal.Decimal`, strings ``"p/q"`` or decimals
(``"0.1"`` is exactly 1/10, ``"1e-3"`` exactly 1/1000), numpy integers, and floats (Python or numpy),
which are taken at their *exact binary value*: ``to_fraction(0.1)`` is 3602879701896397/2**55, not 1/10.
NaN and ±infinity are refused, as are booleans and other types. Numbers given as text or as
:class:`~decimal.Decimal` (what files hold) are refused beyond :data:`DEFAULT_MAX_DIGITS` digits, before
they are expanded: see :func:`number_size` and :func:`digit_limit`. Torch tensors (any float dtype,
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
import re
import sys
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from decimal import Decimal
from fractions import Fraction
from numbers import Rational
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from .exceptions import FloatRangeError, InvalidArgumentError, NotExactError, ShapeError

__all__ = [
    "to_fraction",
    "DEFAULT_MAX_DIGITS",
    "max_digits",
    "digit_limit",
    "number_size",
    "parse_json_int",
    "parse_json_decimal",
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


#: The default cap on the size of a number read from text or a Decimal (:func:`number_size`): Python's own
#: limit on the digits of an ``int`` read from a string, so the two never disagree.
DEFAULT_MAX_DIGITS = 4300
_MAX_EXPONENT = 20  # exponents of more digits are refused without converting them to an int
_LIMIT: ContextVar[int | None] = ContextVar("relugeom_max_digits", default=DEFAULT_MAX_DIGITS)
# the syntax of fractions.Fraction(str), its parts named for number_size
_NUMBER_TEXT = re.compile(
    r"\A[-+]?(?=\d|\.\d)(?P<num>\d*|\d+(?:_\d+)*)(?:/(?P<denom>\d+(?:_\d+)*)|"
    r"(?:\.(?P<decimal>\d*|\d+(?:_\d+)*))?(?:[eE](?P<exp>[-+]?\d+(?:_\d+)*))?)\Z"
)


def max_digits() -> int | None:
    """The cap in force on the size of numbers read from text or Decimals (None: no cap).

    >>> max_digits() == DEFAULT_MAX_DIGITS
    True
    """
    return _LIMIT.get()


@contextmanager
def digit_limit(n: int | None) -> Iterator[None]:
    """The cap on the size of numbers read from text or Decimals (:func:`number_size`) for a ``with`` block.

    ``n`` is the largest size accepted; None or 0 lifts the cap (as ``--max-digits 0`` does). The cap is a
    :class:`contextvars.ContextVar`: it holds for this thread or task only. Lifting it above
    :data:`DEFAULT_MAX_DIGITS` also lifts Python's process-wide limit on int-string conversions
    (:func:`sys.set_int_max_str_digits`) until the block ends, so that such numbers, and the longer results
    computed from them, can be read and printed.

    >>> to_fraction("1e400000000")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    relugeom.exceptions.NotExactError: '1e400000000' would have 400000001 digits, more than the limit of 4300; ...
    >>> with digit_limit(None):
    ...     max_digits(), len(str(to_fraction("7e6000")))
    (None, 6001)
    """
    if n is not None and (isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0):
        raise InvalidArgumentError(f"digit_limit needs a number of digits >= 0 or None (no limit), got {n!r}")
    limit = int(n) if n else None
    token, previous = _LIMIT.set(limit), sys.get_int_max_str_digits()
    lift = previous != 0 and (limit is None or limit > DEFAULT_MAX_DIGITS)
    try:
        if lift:
            sys.set_int_max_str_digits(0)
        yield
    finally:
        if lift:
            sys.set_int_max_str_digits(previous)
        _LIMIT.reset(token)


def _show(text: str) -> str:
    """A number's text for an error message: short, on one line."""
    return repr(text) if len(text) <= 40 else f"{text[:20]!r}… ({len(text)} characters)"


def _is_zero(m: re.Match) -> bool:
    """Whether a decimal's text (a match of _NUMBER_TEXT) is 0, whatever its exponent."""
    return m["denom"] is None and not (m["num"] + (m["decimal"] or "")).strip("0_")


def number_size(x: str | Decimal) -> int | None:
    """The size of a number written as text or as a Decimal, in digits, found without expanding it.

    For a decimal ``[sign]digits[.digits][e[sign]exp]``: the number of mantissa digits plus ``|exp|`` (a
    bound on the digits of the numerator and denominator); for ``p/q``: the longer of ``p`` and ``q``; for
    a zero mantissa: its digits, whatever the exponent. A Decimal is measured alike (by ``as_tuple()``).
    An exponent of more than 20 digits is never converted: the size is then a lower bound, above 10**20.
    None for text that is not a number, and for NaN and infinite Decimals.

    >>> number_size("-12.50e-3"), number_size("1/1000"), number_size(Decimal("1E+400")), number_size("0e99999")
    (7, 4, 401, 1)
    """
    if isinstance(x, Decimal):
        if not x.is_finite():
            return None
        _, digits, exp = x.as_tuple()
        return len(digits) + (abs(int(exp)) if any(digits) else 0)
    m = _NUMBER_TEXT.match(x.strip())
    if m is None:
        return None
    digits = [0 if not g else len(g) - g.count("_") for g in m.group("num", "denom", "decimal")]
    if m["denom"] is not None:
        return max(digits[:2])
    exp = "" if m["exp"] is None or _is_zero(m) else m["exp"].lstrip("+-").replace("_", "").lstrip("0")
    big = len(exp) > _MAX_EXPONENT  # never converted: the size is then a lower bound, len(exp) * 10**20
    return digits[0] + digits[2] + (len(exp) * 10**_MAX_EXPONENT if big else int(exp or 0))


def _check_size(x: str | Decimal, where: str | None = None) -> None:
    """Refuse (NotExactError) a number whose size exceeds the cap in force, before anything expands it."""
    limit, size = _LIMIT.get(), number_size(x)
    if limit is None or size is None or size <= limit:
        return
    text = x.strip() if isinstance(x, str) else str(x)
    what = f"{size} digits" if size < 10**_MAX_EXPONENT else f"an exponent of {size // 10**_MAX_EXPONENT} digits"
    raise NotExactError(
        f"{_show(text)}{_where(where)} would have {what}, more than the limit of {limit}; the limit is a guard "
        f"against numbers that take minutes or all memory to expand: pass --max-digits N (0: no limit; "
        f"library: relugeom.numbers.digit_limit(N)) to read it"
    )


def _text_to_fraction(x: str, where: str | None) -> Fraction:
    """A number's text as a Fraction: its syntax and size checked before Fraction expands it."""
    m = _NUMBER_TEXT.match(x.strip())
    if m is not None:
        _check_size(x, where)
        if _is_zero(m):
            return Fraction(0)  # never expand the exponent of 0
        with suppress(ValueError, ZeroDivisionError):  # q = 0, or a sys.set_int_max_str_digits below the cap
            return Fraction(x.strip())
    raise NotExactError(
        f"cannot read {_show(x)}{_where(where)} as an exact number; write an integer, 'p/q' with q != 0 "
        f"or a finite decimal such as '0.25' or '1e-3'"
    )


def parse_json_int(text: str) -> int:
    """``json.loads``'s ``parse_int`` that refuses (NotExactError) an integer beyond the cap in force.

    >>> import json
    >>> json.loads("[12, -3]", parse_int=parse_json_int)
    [12, -3]
    """
    _check_size(text)
    try:
        return int(text)
    except ValueError:  # beyond a sys.set_int_max_str_digits below the cap
        raise NotExactError(f"{_show(text)} has more digits than sys.get_int_max_str_digits() allows") from None


def parse_json_decimal(text: str) -> Decimal:
    """``json.loads``'s ``parse_float`` for exact numbers: the Decimal a JSON number spells, refused
    (NotExactError) beyond the cap in force.

    >>> import json
    >>> json.loads("[0.1, 2e3, 0e99999999999999999999]", parse_float=parse_json_decimal)
    [Decimal('0.1'), Decimal('2E+3'), Decimal('0')]
    """
    _check_size(text)
    m = _NUMBER_TEXT.match(text.strip())
    try:
        return Decimal(0) if m is not None and _is_zero(m) else Decimal(text)
    except ArithmeticError:  # decimal.InvalidOperation: an exponent beyond what a Decimal holds
        raise NotExactError(f"{_show(text)} has an exponent beyond the range of a decimal.Decimal") from None


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
        For NaN, ±infinity, booleans, unparsable strings and unsupported types, and for a string or Decimal
        larger than the cap in force (:func:`number_size` above :func:`max_digits`; see :func:`digit_limit`).

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
        _check_size(x, where)
        return Fraction(0) if x.is_zero() else Fraction(x)
    if isinstance(x, Rational):
        return Fraction(x.numerator, x.denominator)
    if isinstance(x, str):
        return _text_to_fraction(x, where)
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
