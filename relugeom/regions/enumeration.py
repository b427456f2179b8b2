"""Exact enumeration of the activation regions of a network, in R^{n0} or in a box (SPEC §6).

An activation region is a non-empty open set of inputs on which every hidden pre-activation is nonzero
and the pattern is constant; it is a convex polyhedron, and distinct regions have distinct patterns.
The enumeration refines layer by layer: on a cell where the patterns of layers 0 … k−1 are fixed, the
pre-activations of layer k are exact affine maps (:mod:`relugeom.regions.affine`), and each neuron cuts
the cell by its hyperplane (:mod:`relugeom.regions.cells`). Three exact geometries, chosen here:

* n0 = 1: intervals with exact breakpoints (R or a box);
* n0 = 2 inside a box: exact rational polygon clipping, with vertices and exact areas;
* otherwise: strict inequalities cut by exact feasibility tests (a float LP guides, exact arithmetic
  decides: :mod:`relugeom.regions.feasibility`).

``method="float"`` is the plain float-LP enumeration with a tolerance (the baseline of
``bench/regions.py``); compare it with the exact one through :func:`compare_enumerations`.

**Degenerate cells.** A neuron whose pre-activation is *identically zero* on a cell (zero weights and
bias after the earlier patterns are applied) leaves no region there: every point of the cell is
degenerate (SPEC §2). Such cells are not regions; they are returned in
:attr:`RegionDecomposition.degenerate` and :func:`linear_regions` warns about them, naming the layer
and neuron. ``at_zero="inactive"`` or ``"active"`` applies the one-sided convention instead and keeps
the cell.

Examples
--------
>>> from relugeom.core.network import Network
>>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])   # breakpoints at 0 and 1
>>> [(r.pattern, r.interval) for r in linear_regions(net)]
[((False, False), (None, Fraction(0, 1))), ((True, False), (Fraction(0, 1), Fraction(1, 1))), ((True, True), (Fraction(1, 1), None))]
>>> net2 = Network.from_layers([([[1, 0], [0, 1], [1, 1]], [0, 0, -1]), ([[1, 1, 1]], [0])])
>>> regions = linear_regions(net2, box=[(-2, 2), (-2, 2)])
>>> len(regions), sum(r.volume for r in regions)                         # 7 = 1 + 3 + 3 regions
(7, Fraction(16, 1))
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import cached_property
from typing import Any, Iterator, Literal, Sequence

import numpy as np

from .._typing import AT_ZERO, EXACT_OR_FLOAT, check_choice
from ..core.network import Network
from ..core.patterns import AtZero
from ..exceptions import DegenerateCellWarning, InvalidArgumentError, ShapeError
from ..numbers import exact_vector, to_fraction
from .affine import as_fractions, coprime_row, first_map, maps_of_pattern, next_map
from .cells import FloatPolyhedronCell, IntervalCell, PolygonCell, PolyhedronCell
from .counting import CellCount, cell_bytes
from .facets import irredundant
from .feasibility import is_bounded, strict_feasibility

__all__ = [
    "Facet",
    "Region",
    "DegenerateCell",
    "RegionDecomposition",
    "DegenerateCellWarning",
    "region_decomposition",
    "linear_regions",
    "region_of_pattern",
    "parse_box",
    "hyperplane_key",
    "compare_enumerations",
]

Box = tuple[tuple[Fraction, Fraction], ...]
Method = Literal["exact", "float"]


@dataclass(frozen=True)
class Facet:
    """One irredundant constraint ``normal · x < offset`` of a region (coprime integers).

    ``sources`` names what bounds the region there: ``("neuron", layer, i)`` for a hidden neuron whose
    pre-activation vanishes on the facet's hyperplane (several when neurons share it), or
    ``("box", coordinate, "low" | "high")`` for a side of the box.
    """

    normal: tuple[int, ...]
    offset: int
    sources: tuple[tuple, ...] = ()

    def holds(self, x: Sequence[Fraction]) -> bool:
        return sum(a * v for a, v in zip(self.normal, x)) < self.offset


@dataclass(frozen=True, kw_only=True)
class Region:
    """An activation region: its pattern, an exact interior point, facets, and F restricted to it.

    Attributes
    ----------
    index : int
        Position in the enumeration (node name in :func:`~relugeom.regions.region_graph`).
    pattern : tuple of bool
        The activation of all H hidden neurons (layer by layer) on the region.
    interior_point : tuple of Fraction
        A point of the open region (floats for ``method="float"``).
    constraints : tuple of (normal, offset)
        Strict inequalities ``normal·x < offset`` (coprime integers) whose intersection is the region:
        every facet is among them, some may be redundant. :attr:`inequalities` reduces them.
    output_weight, output_bias
        F(x) = output_weight · x + output_bias on the region, exactly.
    interval : (lo, hi) or None
        n0 = 1: the region as an open interval (``None`` ends are ±∞).
    vertices : tuple of points or None
        n0 = 2 inside a box: the polygon's corners, counter-clockwise.
    volume : Fraction or None
        Exact length (n0 = 1, bounded) or area (n0 = 2 inside a box).

    Notes
    -----
    :attr:`inequalities` (the irredundant facets, with the neurons that bound the region there) and
    :attr:`bounded` are computed exactly on first use and cached: in dimension 3 and up each costs
    linear programs, and many uses (the CFFD, interior points, patterns) do not need them.
    """

    index: int
    pattern: tuple[bool, ...]
    interior_point: tuple
    constraints: tuple[tuple[tuple, Any], ...]
    output_weight: tuple[tuple, ...]
    output_bias: tuple
    interval: tuple | None = None
    vertices: tuple | None = None
    volume: Fraction | None = None
    reduced: bool = field(default=False, repr=False)
    known_bounded: bool | None = field(default=None, repr=False)
    network: Network | None = field(default=None, repr=False, compare=False)
    box: Box | None = field(default=None, repr=False, compare=False)

    @cached_property
    def inequalities(self) -> tuple[Facet, ...]:
        """Irredundant strict inequalities defining the region (inside the box, if one was given)."""
        rows = list(self.constraints)
        if self.network is None:  # float regions: the constraints as found
            return tuple(Facet(tuple(a), b) for a, b in rows)
        if not self.reduced and rows:
            keep = irredundant([list(a) for a, _ in rows], [v for _, v in rows], point=self.interior_point)
            rows = [rows[i] for i in keep]
        sources = _facet_sources(self.network, self.pattern, rows, self.box)
        return tuple(Facet(a, off, src) for (a, off), src in zip(rows, sources))

    @cached_property
    def bounded(self) -> bool | None:
        """Whether the region is bounded (True inside a box; None for ``method="float"``)."""
        if self.known_bounded is not None or self.network is None:
            return self.known_bounded
        if not self.constraints:  # all of R^n0
            return len(self.interior_point) == 0
        return is_bounded([list(a) for a, _ in self.constraints], [v for _, v in self.constraints])

    @property
    def pattern_string(self) -> str:
        return "".join("1" if v else "0" for v in self.pattern)

    def contains(self, x: Any) -> bool:
        """True iff x lies in the open region (exact)."""
        pt = exact_vector(x, "point")
        return all(sum(a * v for a, v in zip(normal, pt)) < off for normal, off in self.constraints)

    def output(self, x: Any) -> tuple[Fraction, ...]:
        """F(x) by the region's affine map (equal to the network's output for x in the region)."""
        pt = exact_vector(x, "point")
        return tuple(sum(w * v for w, v in zip(row, pt)) + b for row, b in zip(self.output_weight, self.output_bias))


@dataclass(frozen=True)
class DegenerateCell:
    """An open set of inputs on which hidden neuron (``layer``, ``neuron``) is identically zero."""

    layer: int
    neuron: int
    point: tuple
    partial_pattern: tuple[bool, ...]

    def message(self) -> str:
        pt = ", ".join(str(v) for v in self.point)
        return (
            f"hidden layer {self.layer}, neuron {self.neuron} has pre-activation identically 0 on an open "
            f"set of inputs around ({pt}): no activation region there (every point is degenerate). Pass "
            f"at_zero='inactive' or at_zero='active' (CLI: --at-zero) to use a one-sided convention."
        )


@dataclass(frozen=True)
class RegionDecomposition:
    """All activation regions of ``network`` in ``box`` (None: all of R^{n0}) and the degenerate cells."""

    network: Network
    box: Box | None
    regions: tuple[Region, ...]
    degenerate: tuple[DegenerateCell, ...]
    method: str
    at_zero: AtZero = None
    geometry: str = ""
    stats: dict = field(default_factory=dict, compare=False)

    def __len__(self) -> int:
        return len(self.regions)

    def __iter__(self) -> Iterator[Region]:
        return iter(self.regions)

    def by_pattern(self) -> dict[tuple[bool, ...], Region]:
        return {r.pattern: r for r in self.regions}


# ------------------------------------------------------------------------------------------ helpers
def parse_box(box: Any, n0: int) -> Box | None:
    """A box as exact ``((low, high), …)``, one pair per input coordinate; one pair is used for all.

    >>> parse_box([(-1, "1/2")], 1)
    ((Fraction(-1, 1), Fraction(1, 2)),)
    >>> parse_box((0, 1), 2)
    ((Fraction(0, 1), Fraction(1, 1)), (Fraction(0, 1), Fraction(1, 1)))
    >>> parse_box(np.array([[-1, 1], [0, 2]]), 2)
    ((Fraction(-1, 1), Fraction(1, 1)), (Fraction(0, 1), Fraction(2, 1)))
    """
    if box is None:
        return None
    pairs = list(box)  # lists, tuples or numpy arrays of exact-convertible numbers
    if len(pairs) == 2 and not isinstance(pairs[0], (list, tuple, np.ndarray)):
        pairs = [tuple(pairs)] * n0
    if len(pairs) != n0:
        raise ShapeError(f"the box needs one (low, high) pair per input coordinate: {n0}, got {len(pairs)}")
    out = []
    for j, pair in enumerate(pairs):
        if len(pair) != 2:
            raise ShapeError(f"box coordinate {j}: expected a (low, high) pair, got {pair!r}")
        lo, hi = to_fraction(pair[0], f"box[{j}] low"), to_fraction(pair[1], f"box[{j}] high")
        if not lo < hi:
            raise ShapeError(f"box coordinate {j}: low {lo} must be < high {hi}")
        out.append((lo, hi))
    return tuple(out)


def hyperplane_key(a: Sequence[int], c: int) -> tuple[int, ...] | None:
    """The hyperplane a·x + c = 0 as coprime integers with a positive leading entry (None if a = 0)."""
    if not any(a):
        return None
    a, c = coprime_row(a, c)
    key = (*a, c)
    lead = next(v for v in key if v != 0)
    return key if lead > 0 else tuple(-v for v in key)


Geometry = Literal["interval", "polygon", "polyhedron"]
#: The exact cell geometries, special routes first; ``"polyhedron"`` applies everywhere.
GEOMETRIES: tuple[str, ...] = ("interval", "polygon", "polyhedron")


def geometry_applies(geometry: str, n0: int, boxed: bool) -> bool:
    """Whether the exact route ``geometry`` can enumerate an ``n0``-input network (in a box or not).

    >>> [g for g in GEOMETRIES if geometry_applies(g, 2, boxed=True)]
    ['polygon', 'polyhedron']
    >>> [g for g in GEOMETRIES if geometry_applies(g, 1, boxed=False)]
    ['interval', 'polyhedron']
    """
    check_choice("geometry", geometry, GEOMETRIES)
    return {"interval": n0 == 1, "polygon": n0 == 2 and boxed, "polyhedron": True}[geometry]


def _initial_cell(n0: int, box: Box | None, method: str, stats: dict, geometry: Geometry | None = None):
    if geometry is not None and method == "exact":
        if geometry not in GEOMETRIES or not geometry_applies(geometry, n0, box is not None):
            raise InvalidArgumentError(f"geometry {geometry!r} does not apply to n0 = {n0} with box {box}")
        if geometry == "polyhedron":
            if box is None:
                return PolyhedronCell.whole_space(n0, stats)
            return PolyhedronCell.box([lo for lo, _ in box], [hi for _, hi in box], stats)
    if method == "float":
        if box is None:
            return FloatPolyhedronCell.whole_space(n0)
        return FloatPolyhedronCell.box([lo for lo, _ in box], [hi for _, hi in box])
    if n0 == 1:
        return IntervalCell(*box[0]) if box is not None else IntervalCell(None, None)
    if n0 == 2 and box is not None:
        return PolygonCell.box([lo for lo, _ in box], [hi for _, hi in box])
    if box is None:
        return PolyhedronCell.whole_space(n0, stats)
    return PolyhedronCell.box([lo for lo, _ in box], [hi for _, hi in box], stats)


def _float_maps(net: Network):
    layers = net.float_layers()

    def first():
        W, b = layers[0]
        return np.hstack([W, b[:, None]]), 1

    def nxt(k, G, _den, active):
        W, b = layers[k + 1]
        out = W[:, np.asarray(active, dtype=bool)] @ G[np.asarray(active, dtype=bool), :]
        out = out.reshape(W.shape[0], G.shape[1]).copy()
        out[:, -1] += b
        return out, 1

    return first, nxt


# ------------------------------------------------------------------------------------- enumeration
def region_decomposition(
    net: Network,
    box: Any = None,
    *,
    at_zero: AtZero = None,
    method: Method = "exact",
    max_regions: int | None = 200_000,
    geometry: Geometry | None = None,
) -> RegionDecomposition:
    """Every activation region of ``net`` in ``box`` (or R^{n0}), exactly, with the degenerate cells.

    Parameters
    ----------
    net : Network
    box : sequence of (low, high), optional
        One pair per input coordinate (one pair alone is used for every coordinate). None: all of R^{n0};
        unbounded regions then have ``bounded=False``.
    at_zero : {None, "inactive", "active"}
        What a neuron identically zero on a cell counts as. None: the cell is degenerate (not a region)
        and is reported in ``.degenerate``.
    method : {"exact", "float"}
        ``exact`` decides every sign exactly; ``float`` is the plain float-LP enumeration with tolerance
        1e-9 (interior points are floats; facets are not reduced; boundedness is not decided).
    max_regions : int or None
        Stop with :class:`~relugeom.exceptions.RegionLimitReached` as soon as more than this many cells
        exist at one hidden layer: cells are counted as the cuts create them, inside a layer too, so the
        stop comes within one cut of the cap (a box or a smaller network helps).
    geometry : {None, "interval", "polygon", "polyhedron"}
        Force one exact route (default: the fastest that applies, see the module docstring). The
        general "polyhedron" route works everywhere, so tests compare it with the special ones.

    Returns
    -------
    RegionDecomposition

    Notes
    -----
    Every cut is counted (:mod:`relugeom.regions.counting`): the cap, the deadline and progress of
    :func:`relugeom.limits.bounds`, and its ``max_memory`` against an estimate of the cells' bytes.
    """
    check_choice("method", method, EXACT_OR_FLOAT)
    if max_regions is not None and not (type(max_regions) is int and max_regions >= 1):
        raise InvalidArgumentError(f"max_regions must be an integer >= 1 or None, got {max_regions!r}")
    check_choice("at_zero", at_zero, AT_ZERO)
    n0 = net.input_dim
    B = parse_box(box, n0)
    stats: dict = {}
    cell0 = _initial_cell(n0, B, method, stats, geometry)
    geometry = type(cell0).__name__
    if method == "float":
        first, nxt = _float_maps(net)
        is_zero = lambda v: abs(v) <= 1e-12  # noqa: E731  (the baseline's tolerance on a coefficient)
    else:
        first, nxt = (lambda: first_map(net)), (lambda k, G, den, act: next_map(net, k, G, den, act))
        is_zero = lambda v: v == 0  # noqa: E731
    G0, den0 = first()
    # a cell in flight: (geometry, pattern so far, G of the current map, its denominator)
    cells: list[tuple[Any, tuple[bool, ...], Any, int]] = [(cell0, (), G0, den0)]
    degenerate: list[DegenerateCell] = []
    for k, width in enumerate(net.hidden_widths):
        done: list = []
        count = CellCount(k, max_regions, cell_bytes(cells[0][2], net) if cells else 0)
        for cell, pattern, G, den in cells:
            for geom, bits in _refine(cell, G, n0, width, k, pattern, at_zero, is_zero, degenerate, count):
                done.append((geom, pattern + bits, *nxt(k, G, den, bits)))
            count.settle(len(done))
        cells = done
    # a deterministic order whatever the route: left to right for n0 = 1, else by pattern
    if n0 == 1 and method == "exact":
        cells.sort(key=lambda c: c[0].point[0])
    else:
        cells.sort(key=lambda c: tuple(not v for v in c[1]))
    regions = tuple(
        _make_region(net, index, cell, pattern, G, den, B, method)
        for index, (cell, pattern, G, den) in enumerate(cells)
    )
    return RegionDecomposition(net, B, regions, tuple(degenerate), method, at_zero, geometry, stats)


def _refine(
    cell,
    G,
    n0: int,
    width: int,
    k: int,
    pattern: tuple,
    at_zero: AtZero,
    is_zero,
    degenerate: list,
    count: CellCount | None = None,
) -> list[tuple[Any, tuple[bool, ...]]]:
    """Cut one cell by the neurons of hidden layer k: ``[(piece, layer-k pattern), …]``.

    Each neuron is first tested against the whole cell; only the neurons that really cut it are then
    applied piece by piece (a neuron that misses the cell misses every piece of it). ``count`` sees the
    pieces as they are created (cap, deadline, memory).
    """
    fixed: dict[int, bool] = {}
    cutting: list[int] = []
    for i in range(width):
        a, c = G[i, :n0], G[i, n0]
        if all(is_zero(v) for v in a):
            if is_zero(c):
                if at_zero is None:
                    degenerate.append(DegenerateCell(k, i, tuple(cell.point), pattern))
                    return []
                fixed[i] = at_zero == "active"
            else:
                fixed[i] = c > 0
            continue
        pos, neg = cell.split(a, c)
        if count is not None:
            count.check(1)
        if neg is None:
            fixed[i] = True
        elif pos is None:
            fixed[i] = False
        else:
            cutting.append(i)
    pieces: list[tuple[Any, dict[int, bool]]] = [(cell, {})]
    for i in cutting:
        a, c = G[i, :n0], G[i, n0]
        nxt_pieces = []
        for j, (geom, bits) in enumerate(pieces):
            pos, neg = geom.split(a, c)
            if pos is not None:
                nxt_pieces.append((pos, {**bits, i: True}))
            if neg is not None:
                nxt_pieces.append((neg, {**bits, i: False}))
            if count is not None:  # the pieces cut by neuron i so far, and those still to cut
                count.check(len(nxt_pieces) + len(pieces) - j - 1)
        pieces = nxt_pieces
    return [(geom, tuple(fixed[i] if i in fixed else bits[i] for i in range(width))) for geom, bits in pieces]


def linear_regions(
    net: Network,
    box: Any = None,
    *,
    at_zero: AtZero = None,
    method: Method = "exact",
    max_regions: int | None = 200_000,
) -> list[Region]:
    """The activation regions of ``net`` (see :func:`region_decomposition`), as a list.

    Warns with :class:`DegenerateCellWarning` when part of the input space is degenerate (those cells
    are not regions).
    """
    dec = region_decomposition(net, box, at_zero=at_zero, method=method, max_regions=max_regions)
    if dec.degenerate:
        warnings.warn(
            f"{len(dec.degenerate)} degenerate cell(s) left out; the first: {dec.degenerate[0].message()}",
            DegenerateCellWarning,
            stacklevel=2,
        )
    return list(dec.regions)


def _make_region(net: Network, index: int, cell: Any, pattern, G, den, box: Box | None, method: str) -> Region:
    n0 = net.input_dim
    if method == "float":
        weight = tuple(tuple(float(v) for v in row[:n0]) for row in G)
        bias = tuple(float(row[n0]) for row in G)
        cons = tuple((tuple(float(v) for v in a), float(b)) for a, b in zip(cell.A, cell.b))
        return Region(
            index=index,
            pattern=pattern,
            interior_point=tuple(float(v) for v in cell.point),
            constraints=cons,
            output_weight=weight,
            output_bias=bias,
        )
    weight, bias = as_fractions(G, den)
    interval = vertices = volume = None
    reduced, bounded = True, True if box is not None else None
    if isinstance(cell, IntervalCell):
        bounded = cell.bounded
        interval = (cell.lo, cell.hi)
        volume = cell.hi - cell.lo if bounded else None
    elif isinstance(cell, PolygonCell):
        vertices = tuple(cell.corners())
        volume = cell.area()
    else:
        reduced = False
    return Region(
        index=index,
        pattern=pattern,
        interior_point=tuple(cell.point),
        constraints=tuple(cell.inequalities()),
        output_weight=weight,
        output_bias=bias,
        interval=interval,
        vertices=vertices,
        volume=volume,
        reduced=reduced,
        known_bounded=bounded,
        network=net,
        box=box,
    )


def _facet_sources(net: Network, pattern, rows, box: Box | None) -> list[tuple[tuple, ...]]:
    """For each facet ``(a, offset)`` in ``rows``: the neurons and box sides whose hyperplane it lies on."""
    wanted = {hyperplane_key(a, -off): [] for a, off in rows}
    for k, (G, _den) in enumerate(maps_of_pattern(net, pattern)[:-1]):
        n0 = G.shape[1] - 1
        for i in range(G.shape[0]):
            key = hyperplane_key([int(v) for v in G[i, :n0]], int(G[i, n0]))
            if key in wanted:
                wanted[key].append(("neuron", k, i))
    if box is not None:
        for j, (lo, hi) in enumerate(box):
            for value, side in ((lo, "low"), (hi, "high")):
                e = [0] * len(box)
                e[j] = value.denominator
                key = hyperplane_key(e, -value.numerator)
                if key in wanted:
                    wanted[key].append(("box", j, side))
    return [tuple(wanted[hyperplane_key(a, -off)]) for a, off in rows]


def region_of_pattern(net: Network, pattern: Sequence[bool], box: Any = None) -> Region | None:
    """The activation region of one pattern (None when no open set of inputs has it), exactly.

    Builds the region directly from the pattern's sign conditions, without enumerating the others.

    >>> from relugeom.core.network import Network
    >>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
    >>> region_of_pattern(net, (True, False)).interval
    (Fraction(0, 1), Fraction(1, 1))
    >>> region_of_pattern(net, (False, True)) is None
    True
    """
    n0 = net.input_dim
    B = parse_box(box, n0)
    pattern = tuple(bool(v) for v in pattern)
    maps = maps_of_pattern(net, pattern)
    A: list[list[int]] = []
    b: list[int] = []
    if B is not None:
        cell = PolyhedronCell.box([lo for lo, _ in B], [hi for _, hi in B])
        A += [list(r) for r, _ in cell.constraints]
        b += [v for _, v in cell.constraints]
    flat = iter(pattern)
    for G, _den in maps[:-1]:
        for i in range(G.shape[0]):
            active = next(flat)
            a, c = coprime_row(G[i, :n0], G[i, n0])
            if active:  # a·x + c > 0
                A.append([-v for v in a])
                b.append(c)
            else:  # a·x + c < 0
                A.append(list(a))
                b.append(-c)
    res = strict_feasibility(A, b)
    if not res.feasible:
        return None
    G, den = maps[-1]
    weight, bias = as_fractions(G, den)
    rows = tuple((tuple(a), off) for a, off in zip(A, b))
    region = Region(
        index=-1,
        pattern=pattern,
        interior_point=tuple(res.point),
        constraints=rows,
        output_weight=weight,
        output_bias=bias,
        reduced=False,
        known_bounded=True if B is not None else None,
        network=net,
        box=B,
    )
    if n0 == 1:
        facets = region.inequalities
        lo = max((Fraction(f.offset, f.normal[0]) for f in facets if f.normal[0] < 0), default=None)
        hi = min((Fraction(f.offset, f.normal[0]) for f in facets if f.normal[0] > 0), default=None)
        region = replace(region, interval=(lo, hi), volume=None if lo is None or hi is None else hi - lo)
    return region


def compare_enumerations(exact: RegionDecomposition, other: RegionDecomposition) -> dict[str, Any]:
    """Patterns found by one enumeration and not the other (e.g. exact against ``method="float"``)."""
    a = {r.pattern for r in exact.regions}
    b = {r.pattern for r in other.regions}
    return {
        "exact_regions": len(a),
        "other_regions": len(b),
        "missed_by_other": sorted("".join("1" if v else "0" for v in p) for p in a - b),
        "extra_in_other": sorted("".join("1" if v else "0" for v in p) for p in b - a),
        "agree": a == b,
    }
