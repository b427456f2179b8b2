"""The three exact cell geometries the enumeration refines, and the float baseline.

A *cell* is an open convex set of inputs on which the patterns found so far are constant. Enumeration
(:mod:`relugeom.regions.enumeration`) cuts cells by one neuron at a time: ``cell.split(a, c)`` returns the
two open pieces where ``a·x + c > 0`` and ``a·x + c < 0`` (``None`` for an empty piece), with integer
``a ≠ 0`` and ``c``. Every cell knows an exact interior point. Which geometry is used:

* :class:`IntervalCell` (n0 = 1): an open interval with exact rational ends, ``None`` for ±∞; the cut is
  the exact root −c/a.
* :class:`PolygonCell` (n0 = 2, inside a box): a convex polygon with exact vertices in homogeneous
  integer coordinates (X, Y, W), W > 0, counter-clockwise. Cutting evaluates the sign of a·v + c at each
  vertex (integers only) and clips, so no linear program is needed.
* :class:`PolyhedronCell` (any n0, also unbounded): strict inequalities, cut by the exact
  feasibility test of :mod:`relugeom.regions.feasibility` (a float LP proposes, exact arithmetic decides).
  A constraint is stored only when it really cuts the cell, so the stored list stays short and contains
  every facet. An outer bounding box, inherited from the parent, answers many cuts without any LP.
* :class:`FloatPolyhedronCell`: the same in float64 with a tolerance: the plain float-LP enumeration
  (``method="float"``), kept as the baseline the benchmark compares against.

Examples
--------
>>> cell = IntervalCell(None, None)
>>> pos, neg = cell.split((2,), -1)        # 2x − 1 > 0 on (1/2, ∞), < 0 on (−∞, 1/2)
>>> pos.lo, pos.hi, neg.lo, neg.hi
(Fraction(1, 2), None, None, Fraction(1, 2))
>>> square = PolygonCell.box((0, 0), (1, 1))
>>> pos, neg = square.split((1, 1), -1)    # x + y > 1: the upper-right triangle
>>> pos.area(), neg.area()
(Fraction(1, 2), Fraction(1, 2))
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Sequence

import numpy as np

from ..numbers import simplest_rational
from .affine import coprime_row
from .feasibility import float_strict_feasibility, strict_feasibility

__all__ = ["IntervalCell", "PolygonCell", "PolyhedronCell", "FloatPolyhedronCell"]

Inequality = tuple[tuple[int, ...], int]  # (a, b): a·x < b


def _sign(v: int | Fraction) -> int:
    return (v > 0) - (v < 0)


# ---------------------------------------------------------------------------------------------- n0 = 1
@dataclass(frozen=True)
class IntervalCell:
    """The open interval (lo, hi); ``None`` is −∞ for ``lo`` and +∞ for ``hi``."""

    lo: Fraction | None
    hi: Fraction | None

    @property
    def point(self) -> tuple[Fraction]:
        lo, hi = self.lo, self.hi
        if lo is None and hi is None:
            return (Fraction(0),)
        if lo is None:
            return (Fraction(math.floor(hi) - 1),)
        if hi is None:
            return (Fraction(math.ceil(lo) + 1),)
        quarter = (hi - lo) / 4  # the simplest rational well inside (small denominators)
        return (simplest_rational(lo + quarter, hi - quarter),)

    def split(self, a: Sequence[int], c: int) -> tuple["IntervalCell | None", "IntervalCell | None"]:
        (a0,) = a
        a0, c = int(a0), int(c)
        # the signs of a0·x + c at the two ends, in integers (an end at ±∞ takes the sign of ∓a0 / a0)
        lo, hi = self.lo, self.hi
        s_lo = -_sign(a0) if lo is None else _sign(a0 * lo.numerator + c * lo.denominator)
        s_hi = _sign(a0) if hi is None else _sign(a0 * hi.numerator + c * hi.denominator)
        if s_lo * s_hi < 0:  # the root −c/a0 lies strictly inside
            r = Fraction(-c, a0)
            left, right = IntervalCell(lo, r), IntervalCell(r, hi)
            return (right, left) if a0 > 0 else (left, right)
        return (self, None) if (s_lo or s_hi) > 0 else (None, self)

    @property
    def bounded(self) -> bool:
        return self.lo is not None and self.hi is not None

    def inequalities(self) -> list[Inequality]:
        """The irredundant constraints (−x < −lo, x < hi) as coprime integers."""
        out = []
        if self.lo is not None:
            out.append(((-self.lo.denominator,), -self.lo.numerator))
        if self.hi is not None:
            out.append(((self.hi.denominator,), self.hi.numerator))
        return out


# ---------------------------------------------------------------------------------------------- n0 = 2
Vertex = tuple[int, int, int]  # homogeneous (X, Y, W) with W > 0 and gcd 1: the point (X/W, Y/W)


def _vertex(X: int, Y: int, W: int) -> Vertex:
    if W < 0:
        X, Y, W = -X, -Y, -W
    g = math.gcd(math.gcd(X, Y), W)
    return (X // g, Y // g, W // g) if g > 1 else (X, Y, W)


@dataclass(frozen=True)
class PolygonCell:
    """An open convex polygon with exact vertices (homogeneous integers, counter-clockwise)."""

    vertices: tuple[Vertex, ...]

    @classmethod
    def box(cls, low: Sequence, high: Sequence) -> "PolygonCell":
        (x0, y0), (x1, y1) = [Fraction(v) for v in low], [Fraction(v) for v in high]
        corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        verts = []
        for x, y in corners:
            W = math.lcm(x.denominator, y.denominator)
            verts.append(_vertex(x.numerator * (W // x.denominator), y.numerator * (W // y.denominator), W))
        return cls(tuple(verts))

    @property
    def point(self) -> tuple[Fraction, Fraction]:
        """The mean of the vertices (interior: the polygon is convex and not flat)."""
        pts = self.fraction_vertices()
        n = len(pts)
        return (sum(p[0] for p in pts) / n, sum(p[1] for p in pts) / n)

    def fraction_vertices(self) -> list[tuple[Fraction, Fraction]]:
        return [(Fraction(X, W), Fraction(Y, W)) for X, Y, W in self.vertices]

    def split(self, a: Sequence[int], c: int) -> tuple["PolygonCell | None", "PolygonCell | None"]:
        a0, a1 = a
        verts = self.vertices
        vals = [a0 * X + a1 * Y + c * W for X, Y, W in verts]
        if min(vals) >= 0:
            return (self, None)  # a·x + c > 0 on the open polygon (not identically 0: a ≠ 0)
        if max(vals) <= 0:
            return (None, self)
        pos: list[Vertex] = []
        neg: list[Vertex] = []
        n = len(verts)
        for i in range(n):
            v, hv = verts[i], vals[i]
            if hv >= 0:
                pos.append(v)
            if hv <= 0:
                neg.append(v)
            w, hw = verts[(i + 1) % n], vals[(i + 1) % n]
            if (hv > 0 > hw) or (hv < 0 < hw):
                # R = h(v)·w − h(w)·v lies on the line: h(R) = h(v)h(w) − h(w)h(v) = 0.
                r = _vertex(hv * w[0] - hw * v[0], hv * w[1] - hw * v[1], hv * w[2] - hw * v[2])
                pos.append(r)
                neg.append(r)
        return PolygonCell(tuple(pos)), PolygonCell(tuple(neg))

    def corners(self) -> list[tuple[Fraction, Fraction]]:
        """The vertices without the collinear ones (each kept vertex is a real corner)."""
        pts = self.fraction_vertices()
        out = []
        n = len(pts)
        for i in range(n):
            p, q, r = pts[i - 1], pts[i], pts[(i + 1) % n]
            if (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]) != 0:
                out.append(q)
        return out

    def area(self) -> Fraction:
        """The exact area (shoelace formula)."""
        pts = self.fraction_vertices()
        n = len(pts)
        return sum(pts[i][0] * pts[(i + 1) % n][1] - pts[(i + 1) % n][0] * pts[i][1] for i in range(n)) / 2

    def inequalities(self) -> list[Inequality]:
        """One coprime integer constraint a·x < b per edge (the polygon's facets)."""
        pts = self.corners()
        out = []
        n = len(pts)
        for i in range(n):
            (px, py), (qx, qy) = pts[i], pts[(i + 1) % n]
            # interior is to the left of p → q: (q − p) × (x − p) > 0  ⇔  (qy − py)·x − (qx − px)·y < …
            a = (qy - py, -(qx - px))
            b = a[0] * px + a[1] * py
            den = math.lcm(a[0].denominator, a[1].denominator, b.denominator)
            ints = [int(v * den) for v in (a[0], a[1], b)]
            g = math.gcd(*ints)
            out.append(((ints[0] // g, ints[1] // g), ints[2] // g))
        return out


# ------------------------------------------------------------------------------------------- any n0
@dataclass(frozen=True)
class PolyhedronCell:
    """An open polyhedron {x : a_i·x < b_i}, an exact interior point and an outer bounding box.

    ``constraints`` holds only constraints that cut the cell when they were added, so it contains every
    facet (a constraint that did not cut is implied by the others and is never stored). ``bbox`` is an
    outer box (exact ``(lo, hi)`` per coordinate) or ``None`` when the cell may be unbounded.
    """

    constraints: tuple[Inequality, ...]
    point: tuple[Fraction, ...]
    bbox: tuple[tuple[Fraction, Fraction], ...] | None = None
    stats: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def whole_space(cls, n0: int, stats: dict | None = None) -> "PolyhedronCell":
        return cls((), tuple(Fraction(0) for _ in range(n0)), None, stats if stats is not None else {})

    @classmethod
    def box(cls, low: Sequence, high: Sequence, stats: dict | None = None) -> "PolyhedronCell":
        lo = [Fraction(v) for v in low]
        hi = [Fraction(v) for v in high]
        n0 = len(lo)
        cons = []
        for j in range(n0):
            e = [0] * n0
            e[j] = -lo[j].denominator
            cons.append((tuple(e), -lo[j].numerator))
            e = [0] * n0
            e[j] = hi[j].denominator
            cons.append((tuple(e), hi[j].numerator))
        point = tuple((l + h) / 2 for l, h in zip(lo, hi))
        return cls(tuple(cons), point, tuple(zip(lo, hi)), stats if stats is not None else {})

    def _range_sign(self, a: Sequence[int], c: int) -> int:
        """+1 / −1 when a·x + c is positive / negative on the whole bounding box, else 0."""
        if self.bbox is None:
            return 0
        low = high = Fraction(c)
        for aj, (lo, hi) in zip(a, self.bbox):
            if aj > 0:
                low += aj * lo
                high += aj * hi
            elif aj < 0:
                low += aj * hi
                high += aj * lo
        return 1 if low >= 0 else (-1 if high <= 0 else 0)

    def split(self, a: Sequence[int], c: int) -> tuple["PolyhedronCell | None", "PolyhedronCell | None"]:
        a, c = coprime_row(a, c)  # one form per constraint
        side = self._range_sign(a, c)
        if side:
            self.stats["bbox"] = self.stats.get("bbox", 0) + 1
            return (self, None) if side > 0 else (None, self)
        s = _sign(sum(aj * xj for aj, xj in zip(a, self.point)) + c)
        pos_con = (tuple(-v for v in a), c)  # a·x + c > 0
        neg_con = (a, -c)  # a·x + c < 0
        pieces: list[PolyhedronCell | None] = []
        for con, sign in ((pos_con, 1), (neg_con, -1)):
            if s == sign:
                pieces.append(None)  # filled below: the current point is on this side
                continue
            A = [list(r) for r, _ in self.constraints] + [list(con[0])]
            b = [v for _, v in self.constraints] + [con[1]]
            res = strict_feasibility(A, b)
            self.stats[res.route] = self.stats.get(res.route, 0) + 1
            pieces.append(res.point if res.feasible else False)
        pos_pt, neg_pt = pieces
        if s > 0:
            pos_pt = self.point
        elif s < 0:
            neg_pt = self.point
        if neg_pt is False:
            return (self, None)
        if pos_pt is False:
            return (None, self)
        return (
            PolyhedronCell(self.constraints + (pos_con,), tuple(pos_pt), self.bbox, self.stats),
            PolyhedronCell(self.constraints + (neg_con,), tuple(neg_pt), self.bbox, self.stats),
        )

    def inequalities(self) -> list[Inequality]:
        return list(self.constraints)


@dataclass(frozen=True)
class FloatPolyhedronCell:
    """The float64 twin of :class:`PolyhedronCell`: signs with a tolerance, float LPs (a baseline)."""

    A: np.ndarray
    b: np.ndarray
    point: np.ndarray
    tol: float = 1e-9

    @classmethod
    def whole_space(cls, n0: int, tol: float = 1e-9) -> "FloatPolyhedronCell":
        return cls(np.zeros((0, n0)), np.zeros(0), np.zeros(n0), tol)

    @classmethod
    def box(cls, low: Sequence, high: Sequence, tol: float = 1e-9) -> "FloatPolyhedronCell":
        lo = np.array([float(v) for v in low])
        hi = np.array([float(v) for v in high])
        n0 = len(lo)
        A = np.vstack([-np.eye(n0), np.eye(n0)])
        return cls(A, np.concatenate([-lo, hi]), (lo + hi) / 2, tol)

    def split(self, a: np.ndarray, c: float) -> tuple["FloatPolyhedronCell | None", "FloatPolyhedronCell | None"]:
        a = np.asarray(a, dtype=float)
        scale = max(float(np.abs(a).max()), abs(c), 1e-300)
        a, c = a / scale, c / scale
        v = float(a @ self.point + c)
        s = 1 if v > self.tol else (-1 if v < -self.tol else 0)
        out = []
        for con_a, con_b, sign in ((-a, c, 1), (a, -c, -1)):
            A = np.vstack([self.A, con_a])
            b = np.append(self.b, con_b)
            if s == sign:
                out.append(FloatPolyhedronCell(A, b, self.point, self.tol))
                continue
            p = float_strict_feasibility(A, b, self.tol)
            out.append(None if p is None else FloatPolyhedronCell(A, b, np.asarray(p), self.tol))
        pos, neg = out
        if pos is None:
            return (None, self) if neg is not None or v < 0 else (self, None)
        if neg is None:
            return self, None
        return pos, neg
