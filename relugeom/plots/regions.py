"""Pictures of the exact activation regions: 2-D region maps and 1-D graphs of F (SPEC §6).

The flow::

    Network ──region_decomposition──▶ RegionDecomposition ──plot_regions──▶ matplotlib Figure ──▶ PNG
                                      (exact Fractions)                     (floats, only for drawing)

Everything is computed exactly first; numbers become floats only when a shape is handed to matplotlib.
The figures are built with :class:`matplotlib.figure.Figure` directly, never through ``pyplot``, so no
display or interactive backend is needed and nothing is kept in a global figure registry.

* n0 = 2 (inside a box): one filled polygon per region (``Region.vertices``), its colour a fixed
  function of its activation pattern (the same pattern gets the same colour in every run and every
  picture), thin dark edges; optional samples as black dots; optional region graph (edges between the
  regions' interior points).
* n0 = 1: the graph of F, drawn exactly piecewise from each region's affine map, with the breakpoints as
  vertical dotted lines and optional samples on the curve.

Examples
--------
>>> import os, tempfile
>>> from relugeom.core.network import Network
>>> from relugeom.regions import region_decomposition
>>> net = Network.from_layers([([[1, 0], [0, 1], [1, 1]], [0, 0, -1]), ([[1, 1, 1]], [0])])
>>> dec = region_decomposition(net, [(-2, 2), (-2, 2)])
>>> fig = plot_regions(dec, inputs=[[1, 1], ["-1/2", "3/2"]], show_graph=True)
>>> len(fig.axes[0].patches) == len(dec) == 7          # one filled polygon per region
True
>>> [float(v) for v in fig.axes[0].get_xlim()], fig.axes[0].get_title()
([-2.0, 2.0], '7 activation regions in [-2, 2] × [-2, 2]')
>>> path = os.path.join(tempfile.mkdtemp(), "regions.png")
>>> _ = plot_regions(net, [(-2, 2), (-2, 2)], path=path)
>>> open(path, "rb").read(8) == b"\\x89PNG\\r\\n\\x1a\\n"
True
>>> hand = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])   # breakpoints 0 and 1
>>> fig = plot_regions(hand)
>>> fig.axes[0].lines[0].get_xydata().tolist()          # F exactly at the window ends and breakpoints
[[-0.3, 0.0], [0.0, 0.0], [1.0, 1.0], [1.3, 1.6]]
"""

from __future__ import annotations

import colorsys
import hashlib
import math
from fractions import Fraction
from typing import Any, Sequence

from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import Polygon

from ..core.forward import as_batch, forward
from ..core.network import Network
from ..exceptions import InvalidArgumentError
from ..io.atomic import atomic_savefig
from ..regions.enumeration import RegionDecomposition, parse_box, region_decomposition
from ..regions.graph import region_graph

__all__ = ["plot_regions", "pattern_colour"]


def pattern_colour(pattern: Sequence[bool] | str) -> tuple[float, float, float]:
    """A fixed RGB colour for an activation pattern (a hash of its 0/1 string; same pattern, same colour).

    >>> pattern_colour("101") == pattern_colour((True, False, True))
    True
    >>> pattern_colour("101") != pattern_colour("100")
    True
    """
    s = pattern if isinstance(pattern, str) else "".join("1" if v else "0" for v in pattern)
    h = hashlib.blake2b(s.encode("ascii"), digest_size=8).digest()
    hue = int.from_bytes(h[:4], "big") / 2**32
    sat = 0.35 + 0.35 * h[4] / 255
    val = 0.80 + 0.18 * h[5] / 255
    return colorsys.hsv_to_rgb(hue, sat, val)


def _fmt(v: Fraction) -> str:
    return str(v)


def _decomposition(net_or_dec: Network | RegionDecomposition, box: Any) -> RegionDecomposition:
    if isinstance(net_or_dec, RegionDecomposition):
        if box is not None and parse_box(box, net_or_dec.network.input_dim) != net_or_dec.box:
            raise InvalidArgumentError(
                "plot_regions got a decomposition and a different box; pass the box to "
                "region_decomposition instead, or pass the network with the box"
            )
        return net_or_dec
    if not isinstance(net_or_dec, Network):
        raise TypeError(f"plot_regions needs a Network or a RegionDecomposition, got {type(net_or_dec).__name__}")
    n0 = net_or_dec.input_dim
    if n0 not in (1, 2):
        raise InvalidArgumentError(_n0_message(n0))
    if n0 == 2 and box is None:
        raise InvalidArgumentError(_box_message())
    return region_decomposition(net_or_dec, box)


def _n0_message(n0: int) -> str:
    return (
        f"pictures are drawn for n0 = 1 or 2; this network has n0 = {n0} inputs: list its regions "
        f"with region_decomposition (CLI: relugeom regions without --plot)"
    )


def _box_message() -> str:
    return (
        "a 2-D picture needs a box, since regions of R^2 may be unbounded: pass e.g. "
        "box=[(-3, 3), (-3, 3)] (CLI: --box=-3:3)"
    )


def plot_regions(
    net_or_decomposition: Network | RegionDecomposition,
    box: Any = None,
    *,
    inputs: Any = None,
    show_graph: bool = False,
    path: str | None = None,
    title: str | None = None,
    dpi: int = 150,
) -> Figure:
    """Draw the exact activation regions of a network with 2 inputs, or the graph of F for 1 input.

    Parameters
    ----------
    net_or_decomposition : Network or RegionDecomposition
        A network (its regions are enumerated exactly in ``box``) or an existing exact decomposition.
    box : sequence of (low, high), optional
        Required for n0 = 2 (regions of R^2 may be unbounded). For n0 = 1 the window of the plot; without
        it, an interval containing every breakpoint with a margin.
    inputs : batch of inputs, optional
        Samples drawn as black dots (n0 = 2) or on the curve at their exact outputs (n0 = 1).
    show_graph : bool
        n0 = 2: draw the region graph (an edge between regions sharing a facet), joining the regions'
        interior points.
    path : str, optional
        Also save the figure there (PNG unless the extension says otherwise).
    title : str, optional
        Replaces the default title (which states the number of regions).
    dpi : int
        Resolution used when saving.

    Returns
    -------
    matplotlib.figure.Figure
        One axes; for n0 = 2 its ``patches`` are the regions' polygons, in region order.

    Raises
    ------
    InvalidArgumentError
        For n0 other than 1 and 2, or for n0 = 2 without a box, or for a float (inexact) decomposition.
    """
    dec = _decomposition(net_or_decomposition, box)
    net = dec.network
    n0 = net.input_dim
    if n0 not in (1, 2):
        raise InvalidArgumentError(_n0_message(n0))
    if dec.method != "exact":
        raise InvalidArgumentError("plot_regions draws exact decompositions (method='exact')")
    X = None if inputs is None else as_batch(net, inputs)
    fig = Figure(figsize=(6.4, 6.0) if n0 == 2 else (7.0, 4.5))
    ax = fig.add_subplot(1, 1, 1)
    if n0 == 2:
        if dec.box is None:
            raise InvalidArgumentError(_box_message())
        _draw_2d(ax, dec, X, show_graph)
    else:
        _draw_1d(ax, dec, X)
    if title is not None:
        ax.set_title(title)
    fig.tight_layout()
    if path is not None:
        atomic_savefig(fig, path, dpi=dpi)
    return fig


def _box_string(box: Sequence[tuple[Fraction, Fraction]]) -> str:
    return " × ".join(f"[{_fmt(lo)}, {_fmt(hi)}]" for lo, hi in box)


def _draw_2d(ax: Any, dec: RegionDecomposition, X: Any, show_graph: bool) -> None:
    (xlo, xhi), (ylo, yhi) = dec.box
    for r in dec.regions:
        pts = [(float(x), float(y)) for x, y in r.vertices]
        ax.add_patch(Polygon(pts, closed=True, facecolor=pattern_colour(r.pattern), edgecolor="#222222", linewidth=0.6))
    if show_graph:
        g = region_graph(dec)
        pos = {r.index: (float(r.interior_point[0]), float(r.interior_point[1])) for r in dec.regions}
        ax.add_collection(
            LineCollection(
                [(pos[i], pos[j]) for i, j in g.edges()], colors="#333333", linewidths=0.8, alpha=0.8, zorder=3
            )
        )
        ax.plot(
            [p[0] for p in pos.values()],
            [p[1] for p in pos.values()],
            "o",
            markersize=4,
            markerfacecolor="white",
            markeredgecolor="#333333",
            markeredgewidth=0.8,
            zorder=4,
            label=f"region graph ({g.number_of_edges()} edges)",
        )
    if X is not None:
        ax.plot(
            [float(x[0]) for x in X],
            [float(x[1]) for x in X],
            "o",
            color="black",
            markersize=5.5,
            markeredgecolor="white",
            markeredgewidth=0.6,
            zorder=5,
            label=f"samples ({len(X)})",
        )
    if show_graph or X is not None:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, frameon=False)
    ax.set_xlim(float(xlo), float(xhi))
    ax.set_ylim(float(ylo), float(yhi))
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    n = len(dec.regions)
    text = f"{n} activation region{'s' if n != 1 else ''} in {_box_string(dec.box)}"
    if dec.degenerate:
        text += f"\n({len(dec.degenerate)} degenerate cell(s) left blank)"
    ax.set_title(text)


def _window(dec: RegionDecomposition, X: Any) -> tuple[Fraction, Fraction, list[Fraction]]:
    """The x-range of a 1-D plot and the breakpoints inside it (exact).

    With a box: the box. Without: the breakpoints and samples, widened by a quarter of their span on
    each side (1 when they are a single point) and rounded outwards to a round step.
    """
    ends = sorted({v for r in dec.regions for v in r.interval if v is not None})
    if dec.box is not None:
        lo, hi = dec.box[0]
        return lo, hi, [v for v in ends if lo < v < hi]
    marks = ends + ([x[0] for x in X] if X is not None else [])
    if not marks:
        return Fraction(-1), Fraction(1), []
    lo, hi = min(marks), max(marks)
    margin = (hi - lo) / 4 if hi > lo else Fraction(1)
    lo, hi = lo - margin, hi + margin
    step = Fraction(10) ** (math.floor(math.log10(hi - lo)) - 1)
    return math.floor(lo / step) * step, math.ceil(hi / step) * step, ends


def _draw_1d(ax: Any, dec: RegionDecomposition, X: Any) -> None:
    lo, hi, breaks = _window(dec, X)
    n_out = dec.network.output_dim
    xs: list[float] = []
    ys: list[list[float]] = [[] for _ in range(n_out)]
    last_end: Fraction | None = None
    for r in sorted(dec.regions, key=lambda r: r.interior_point[0]):
        a = lo if r.interval[0] is None else max(r.interval[0], lo)
        b = hi if r.interval[1] is None else min(r.interval[1], hi)
        if not a < b:
            continue
        if xs and a != last_end:  # a gap (a degenerate cell): break the line there
            xs.append(float("nan"))
            for col in ys:
                col.append(float("nan"))
        if not xs or a != last_end:
            xs.append(float(a))
            for j, col in enumerate(ys):
                col.append(float(r.output((a,))[j]))
        xs.append(float(b))
        for j, col in enumerate(ys):
            col.append(float(r.output((b,))[j]))
        last_end = b
    for j, col in enumerate(ys):
        ax.plot(xs, col, "-", linewidth=1.6, label=f"$F_{{{j + 1}}}$" if n_out > 1 else "F")
    for v in breaks:
        ax.axvline(float(v), linestyle=":", color="#555555", linewidth=1.0)
    if X is not None:
        Y = forward(dec.network, X)
        for j in range(n_out):
            ax.plot([float(x[0]) for x in X], [float(y[j]) for y in Y], "o", color="black", markersize=4, zorder=5)
    ax.set_xlim(float(lo), float(hi))
    ax.set_xlabel("x")
    ax.set_ylabel("F(x)")
    if n_out > 1:
        ax.legend(loc="best")
    n = len(dec.regions)
    shown = ", ".join(_fmt(v) for v in breaks[:6]) + (", …" if len(breaks) > 6 else "")
    ax.set_title(
        f"F on [{_fmt(lo)}, {_fmt(hi)}]: {n} region{'s' if n != 1 else ''}"
        + (f", breakpoints {shown}" if breaks else "")
    )
