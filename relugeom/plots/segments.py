"""A picture of F along a segment: the exact polyline, its breakpoints and the secant (SPEC §8).

The flow::

    Network, x_a, x_b ──segment_profile──▶ SegmentProfile ──plot_segment──▶ matplotlib Figure ──▶ PNG
                                           (exact Fractions:               (floats, only for drawing)
                                            knots, values, gaps)

On the segment x(t) = (1 − t) x_a + t x_b, F is affine between consecutive knots 0, t_1, …, t_m, 1, so
the polyline through the exact knots and the exact values F(x(t_j)) *is* the graph of F: nothing is
sampled, and the numbers become floats only when handed to matplotlib. The picture shows

* F (one line per output) through the knots;
* every breakpoint t_j as a vertical dotted line: dark where the slope really changes (a *kink*,
  gradient gap g_j ≠ 0), light where the activation pattern changes but F does not bend (g_j = 0);
* the secant from F(x_a) to F(x_b), dashed: the gradient deflection measures how far the slopes stray
  from it, the gradient gap deviation how hard F bends at its breakpoints;
* a title with the number of breakpoints, the GGD and the deflection (3 significant digits).

As in :mod:`relugeom.plots.regions`, the figure is a :class:`matplotlib.figure.Figure` built
directly, never through ``pyplot``. Pass ``ax=`` to draw into an existing Axes, e.g. two profiles side
by side in one Figure.

Examples
--------
>>> import os, tempfile
>>> from relugeom.core.network import Network
>>> from relugeom.measures.segments import segment_profile
>>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])   # F = relu(x) + relu(x − 1)
>>> prof = segment_profile(net, [-1], [3])                                 # x = −1 + 4t
>>> [str(t) for t in prof.knots], [str(v[0]) for v in prof.values]
(['0', '1/4', '1/2', '1'], ['0', '0', '1', '5'])
>>> fig = plot_segment(prof)
>>> ax = fig.axes[0]
>>> ax.lines[0].get_xydata().tolist()                    # F: exactly through the knots
[[0.0, 0.0], [0.25, 0.0], [0.5, 1.0], [1.0, 5.0]]
>>> ax.lines[0].get_xydata().tolist() == [[float(t), float(v[0])] for t, v in zip(prof.knots, prof.values)]
True
>>> ax.lines[1].get_xydata().tolist(), ax.lines[1].get_linestyle()     # the secant
([[0.0, 0.0], [1.0, 5.0]], '--')
>>> [line.get_xdata()[0] for line in ax.lines[2:]]      # the two breakpoints (both kinks here)
[0.25, 0.5]
>>> ax.get_title(), ax.get_xlabel()
('2 breakpoints (2 kinks), GGD 4, deflection 3', 't')
>>> path = os.path.join(tempfile.mkdtemp(), "segment.png")
>>> _ = plot_segment(net, [-1], [3], path=path)          # from the network and the two endpoints
>>> open(path, "rb").read(8) == b"\\x89PNG\\r\\n\\x1a\\n"
True
"""

from __future__ import annotations

from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..core.network import Network
from ..core.patterns import AtZero
from ..exceptions import InvalidArgumentError
from ..io.atomic import atomic_savefig
from ..measures.segments import SegmentProfile, segment_profile

__all__ = ["plot_segment", "segment_title"]

_KINK_COLOUR = "#222222"  # a breakpoint where F bends (gradient gap ≠ 0)
_SWITCH_COLOUR = "#b0b0b0"  # a breakpoint where only the pattern changes (gradient gap = 0)


def segment_title(profile: SegmentProfile) -> str:
    """The default title: breakpoints (and kinks), GGD and deflection to 3 significant digits.

    >>> from relugeom.core.network import Network
    >>> from relugeom.measures.segments import segment_profile
    >>> segment_title(segment_profile(Network.from_layers([([[1]], [0]), ([[1]], [0])]), [1], [2]))
    '0 breakpoints, GGD 0, deflection 0'
    """
    m, k = profile.num_breakpoints, len(profile.kinks)
    count = f"{m} breakpoint{'s' if m != 1 else ''}"
    if m:
        count += f" ({k} kink{'s' if k != 1 else ''})"
    return f"{count}, GGD {profile.gradient_gap_deviation:.3g}, deflection {profile.gradient_deflection:.3g}"


def _profile(profile_or_net: SegmentProfile | Network, xa: Any, xb: Any, at_zero: AtZero) -> SegmentProfile:
    if isinstance(profile_or_net, SegmentProfile):
        if xa is not None or xb is not None:
            raise InvalidArgumentError(
                "plot_segment got a SegmentProfile and endpoints; pass either a profile alone, "
                "or a Network with xa and xb"
            )
        return profile_or_net
    if isinstance(profile_or_net, Network):
        if xa is None or xb is None:
            raise InvalidArgumentError("plot_segment needs both endpoints with a Network: plot_segment(net, xa, xb)")
        return segment_profile(profile_or_net, xa, xb, at_zero=at_zero)
    raise TypeError(f"plot_segment needs a SegmentProfile or a Network, got {type(profile_or_net).__name__}")


def plot_segment(
    profile_or_net: SegmentProfile | Network,
    xa: Any = None,
    xb: Any = None,
    *,
    path: str | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    label: str | None = None,
    dpi: int = 150,
    at_zero: AtZero = None,
) -> Figure:
    """Draw F along a segment exactly: polyline through the knots, breakpoints, dashed secant.

    Parameters
    ----------
    profile_or_net : SegmentProfile or Network
        An existing profile (exact or float), or a network whose exact profile from ``xa`` to ``xb`` is
        computed with :func:`~relugeom.measures.segments.segment_profile`.
    xa, xb : endpoints, only with a Network
    path : str, optional
        Also save the figure there (PNG unless the extension says otherwise).
    ax : matplotlib Axes, optional
        Draw into this Axes (its Figure is returned and, with ``path``, saved); otherwise a new Figure
        with one Axes is made.
    title : str, optional
        Replaces the default title (:func:`segment_title`).
    label : str, optional
        Legend label of F (with several outputs, each line gets ``label`` and its output index).
    dpi : int
        Resolution used when saving.
    at_zero : {None, "inactive", "active"}
        With a Network: the one-sided convention for a segment that runs inside a neuron's hyperplane.

    Returns
    -------
    matplotlib.figure.Figure
        In the Axes, ``lines[:n_L]`` are F (one per output, through the knots), the next ``n_L`` the
        secants, then one vertical line per breakpoint in increasing t.

    Raises
    ------
    InvalidArgumentError
        If a profile comes with endpoints, or a network without both (and as
        :func:`~relugeom.measures.segments.segment_profile` for a degenerate segment).
    """
    prof = _profile(profile_or_net, xa, xb, at_zero)
    if ax is None:
        fig = Figure(figsize=(7.0, 4.5))
        ax = fig.add_subplot(1, 1, 1)
        own = True
    else:
        fig, own = getattr(ax.figure, "figure", None) or ax.figure, False  # the root Figure of a subfigure
    knots = [float(t) for t in prof.knots]
    n_out = len(prof.values[0])
    colours = []
    for j in range(n_out):
        name = label if label is not None else "F"
        if n_out > 1:
            name = f"{name} (output {j + 1})"
        (line,) = ax.plot(knots, [float(v[j]) for v in prof.values], "-", linewidth=1.6, label=name)
        colours.append(line.get_color())
    for j in range(n_out):
        first, last = float(prof.values[0][j]), float(prof.values[-1][j])
        ax.plot(
            [0.0, 1.0],
            [first, last],
            "--",
            color=colours[j],
            linewidth=1.0,
            alpha=0.7,
            label="secant" if j == 0 else None,
        )
    kinks = set(prof.kinks)
    for t in prof.breakpoints:
        bend = t in kinks
        ax.axvline(
            float(t),
            linestyle=":",
            linewidth=1.0 if bend else 0.8,
            color=_KINK_COLOUR if bend else _SWITCH_COLOUR,
            zorder=0,
        )
    ax.set_xlim(0.0, 1.0)
    ax.set_xlabel("t")
    ax.set_ylabel("F(x(t))")
    ax.set_title(title if title is not None else segment_title(prof))
    if label is not None or n_out > 1:
        ax.legend(loc="best", fontsize="small")
    if own:
        fig.tight_layout()
    if path is not None:
        atomic_savefig(fig, path, dpi=dpi)
    return fig
