"""Exact parsing of open polyhedra ``P = {x ∈ Q^d : A x < b}``: shapes, exact entries, primitive rows.

``A`` (m × d) and ``b`` (length m) hold exact rationals (``int`` or :class:`~fractions.Fraction`, as
nested lists, tuples or integer/object numpy arrays). Floats are refused: convert them first with
:func:`relugeom.numbers.to_fraction`. Every row is first rewritten with coprime integers
(:func:`primitive_inequality`), which changes neither the set nor the sign of anything.

:func:`parse_system` gives the :class:`PrimitiveSystem` that :mod:`relugeom.regions.feasibility` and
:mod:`relugeom.regions.facets` decide on; :func:`int_dot`, :func:`common_denominator` and
:func:`strictly_inside` test a rational point against its integer rows exactly.

Examples
--------
>>> sys = parse_system([[Fraction(1, 2), -1], [0, 0]], [Fraction(3, 4), -5])
>>> sys.rows, sys.rhs, sys.d
([(2, -4), (0, 0)], [3, -1], 2)
>>> strictly_inside(sys.rows[:1], sys.rhs[:1], *common_denominator([(1, 3), (0, 1)]))
True
"""

from __future__ import annotations

import math
import operator
from fractions import Fraction
from typing import Any, Iterable, NamedTuple, Sequence

import numpy as np

from ..exceptions import InexactInputError, ShapeError

__all__ = [
    "primitive_inequality",
    "PrimitiveSystem",
    "parse_system",
    "fraction_system",
    "exact_entry",
    "int_dot",
    "common_denominator",
    "strictly_inside",
]

_EXACT_TYPES = frozenset((int, Fraction))


# ------------------------------------------------------------------------------------- input parsing
def exact_entry(x: Any, where: str) -> int | Fraction:
    """One exact entry: ``int`` or ``Fraction`` (numpy integers become ``int``); floats are refused."""
    t = type(x)
    if t is int or t is Fraction:
        return x
    if isinstance(x, (bool, np.bool_)):
        raise InexactInputError(f"boolean {x!r} at {where} is not accepted as a number; use 0 or 1")
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, Fraction):
        return x
    if isinstance(x, (float, np.floating)):
        raise InexactInputError(
            f"float {x!r} at {where}: polyhedra are decided exactly and take int or Fraction entries; "
            f"convert floats first, e.g. with relugeom.numbers.to_fraction (exact binary value)"
        )
    raise InexactInputError(f"unsupported number type {type(x).__name__} at {where}; use int or fractions.Fraction")


def _rows_of(A: Any) -> tuple[list, int | None]:
    """The rows of ``A`` as a list, and the width when it is known without rows (numpy shape)."""
    if isinstance(A, np.ndarray):
        if A.ndim != 2:
            if A.size == 0:
                return [], None
            raise ShapeError(f"A must be 2-dimensional, got an array of shape {A.shape}")
        return (A.tolist() if A.dtype != object else [list(r) for r in A]), A.shape[1]
    if isinstance(A, (str, bytes)) or not isinstance(A, Iterable):
        raise ShapeError(f"A must be a 2-D nested sequence, got {type(A).__name__}")
    return list(A), None


def _vector_of(b: Any, name: str) -> list:
    if isinstance(b, np.ndarray):
        if b.ndim != 1:
            raise ShapeError(f"{name} must be 1-dimensional, got an array of shape {b.shape}")
        return b.tolist() if b.dtype != object else list(b)
    if isinstance(b, (str, bytes)) or not isinstance(b, Iterable):
        raise ShapeError(f"{name} must be a sequence of numbers, got {type(b).__name__}")
    return list(b)


def _shaped(A: Any, b: Any) -> tuple[list[list], list, int]:
    """Rows, right-hand sides and dimension, with the shapes checked (entries not yet converted)."""
    rows, width = _rows_of(A)
    rhs = _vector_of(b, "b")
    if len(rhs) != len(rows):
        raise ShapeError(f"A has {len(rows)} rows but b has {len(rhs)} entries; they must match")
    d = width
    out = []
    for i, row in enumerate(rows):
        if isinstance(row, (str, bytes)) or not isinstance(row, (Sequence, np.ndarray)):
            raise ShapeError(f"A row {i} is not a sequence; A must be 2-dimensional")
        row = list(row)
        if d is None:
            d = len(row)
        elif len(row) != d:
            raise ShapeError(f"A row {i} has {len(row)} entries but row 0 has {d}; rows must all have the same length")
        out.append(row)
    return out, rhs, (d or 0)


def _primitive(a: Sequence, beta: Any, where: str) -> tuple[tuple[int, ...], int, int, int]:
    """``(p, q, num, den)`` with ``(a, beta) = num/den · (p, q)``, ``num, den > 0``, ``(p, q)`` coprime.

    For ``a = 0`` the result is ``((0, …, 0), sign(beta))`` with ``num/den = |beta|`` (1 if beta = 0).
    """
    vals = list(a)
    types = set(map(type, vals))
    types.add(type(beta))
    if not types <= _EXACT_TYPES:  # slow path: convert (numpy integers) or refuse (floats, …)
        vals = [exact_entry(x, f"{where}[{j}]") for j, x in enumerate(vals)]
        beta = exact_entry(beta, f"b at {where}")
        types = set(map(type, vals)) | {type(beta)}
    if Fraction not in types:
        ints, bi, den = vals, beta, 1
    else:  # int and Fraction both have .numerator and .denominator
        den = math.lcm(*[v.denominator for v in vals], beta.denominator)
        ints = [v.numerator * (den // v.denominator) for v in vals]
        bi = beta.numerator * (den // beta.denominator)
    if not any(ints):
        sgn = (bi > 0) - (bi < 0)
        return (0,) * len(ints), sgn, (abs(bi) or den), den
    g = math.gcd(*ints, bi)
    if g != 1:
        ints = [v // g for v in ints]
        bi //= g
    return tuple(ints), bi, g, den


class PrimitiveSystem(NamedTuple):
    """A system ``A x < b`` with every row rewritten as coprime integers (:func:`parse_system`)."""

    rows: list[tuple[int, ...]]  # primitive integer normals
    rhs: list[int]
    scale: list[tuple[int, int]]  # (num, den): original row = num/den · primitive row
    d: int


def parse_system(A: Any, b: Any) -> PrimitiveSystem:
    """``A x < b`` with its shapes checked, its entries exact and every row primitive (as :func:`primitive_inequality`)."""
    rows, rhs, d = _shaped(A, b)
    prim_rows, prim_rhs, scale = [], [], []
    for i, (row, beta) in enumerate(zip(rows, rhs)):
        p, q, num, den = _primitive(row, beta, f"A[{i}]")
        prim_rows.append(p)
        prim_rhs.append(q)
        scale.append((num, den))
    return PrimitiveSystem(prim_rows, prim_rhs, scale, d)


def fraction_system(A: Any, b: Any) -> tuple[list[list[Fraction]], list[Fraction], int]:
    """``A``, ``b`` and ``d`` as plain Fractions (shapes checked, floats refused), without rescaling."""
    rows, rhs, d = _shaped(A, b)
    fr = [[Fraction(exact_entry(x, f"A[{i}][{j}]")) for j, x in enumerate(r)] for i, r in enumerate(rows)]
    return fr, [Fraction(exact_entry(v, f"b[{i}]")) for i, v in enumerate(rhs)], d


# ---------------------------------------------------------------------------------- small exact tools
def primitive_inequality(a: Sequence, beta: Any) -> tuple[tuple[int, ...], int]:
    """Rewrite ``a·x < beta`` with coprime integers, scaling by a positive number only.

    Parameters
    ----------
    a : sequence of int or Fraction
        The normal vector.
    beta : int or Fraction
        The right-hand side.

    Returns
    -------
    (tuple of int, int)
        ``(p, q)`` with ``gcd(p…, q) = 1`` and ``(p, q)`` a positive multiple of ``(a, beta)``. When
        ``a = 0`` the result is ``((0, …, 0), sign(beta))``.

    Examples
    --------
    >>> primitive_inequality([Fraction(1, 2), -1], Fraction(3, 4))
    ((2, -4), 3)
    >>> primitive_inequality([0, 0], -5)
    ((0, 0), -1)
    """
    p, q, _, _ = _primitive(list(a), beta, "a")
    return p, q


def int_dot(row: Sequence[int], x: Sequence[int]) -> int:
    """The integer dot product ``row · x``."""
    return sum(map(operator.mul, row, x))


def common_denominator(point: Sequence[tuple[int, int]]) -> tuple[list[int], int]:
    """A point given as ``(p, q)`` pairs, as integer numerators over one common denominator ``den > 0``."""
    den = 1
    for _, q in point:
        den = math.lcm(den, q)
    return [p * (den // q) for p, q in point], den


def strictly_inside(rows: Sequence[Sequence[int]], rhs: Sequence[int], nums: list[int], den: int) -> bool:
    """``A (nums/den) < b`` exactly, all in integers (den > 0)."""
    return all(int_dot(r, nums) < q * den for r, q in zip(rows, rhs))
