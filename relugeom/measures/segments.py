"""F along a segment between two samples: exact breakpoints, slopes, gradient gaps (SPEC §8).

On the segment x(t) = (1 − t) x_a + t x_b, t ∈ [0, 1], the network is the one-input network
``t ↦ F(x_a + t (x_b − x_a))`` (:func:`restrict_to_segment`: the first layer absorbs the segment), so
the exact interval enumeration of :mod:`relugeom.regions` gives the pieces of [0, 1] where the activation
pattern is constant, their ends, and F on each piece as an exact affine map of t.

* **breakpoints** 0 < t_1 < … < t_m < 1: where the pattern changes (exact rationals);
* **slopes** s_0 … s_m ∈ Q^{n_L}: dF/dt on each piece;
* **gaps** g_j = s_j − s_{j−1}; a breakpoint with g_j = 0 (a neuron that switches without changing F)
  still counts, as the pattern changes there; :attr:`SegmentProfile.kinks` are those with g_j ≠ 0.
  So the GGD below depends on the parametrisation, not on F alone: a neuron with zero outgoing weights
  that switches on the segment adds a zero gap and lowers it (the deflection depends on F only);
* **gradient gap deviation** GGD = ((1/m) Σ ‖g_j‖²)^{1/2} (0 when m = 0): the square is exact;
* **gradient deflection** Σ_j (t_{j+1} − t_j) ‖s_j − s̄‖ with the secant s̄ = F(x_b) − F(x_a),
  t_0 = 0 and t_{m+1} = 1: 0 iff F is straight between the samples. Each term is the float root of an
  exact square.

**Degenerate segments.** If a segment runs inside a neuron's hyperplane on an interval of t, the pattern
is undefined there; :func:`segment_profile` raises :class:`~relugeom.exceptions.DegenerateSegmentError`
unless ``at_zero`` picks a one-sided convention, and :func:`segment_statistics` lists such pairs apart.

``method="float"`` runs the same refinement in float64 with a tolerance (what public code does);
:func:`compare_segment_methods` says whether it finds the exact patterns and how far its numbers are.

Examples
--------
>>> from relugeom.core.network import Network
>>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])   # F = relu(x) + relu(x − 1)
>>> prof = segment_profile(net, [-1], [3])                                 # x = −1 + 4t
>>> prof.breakpoints, [s[0] for s in prof.slopes]
((Fraction(1, 4), Fraction(1, 2)), [Fraction(0, 1), Fraction(4, 1), Fraction(8, 1)])
>>> prof.gradient_gap_deviation_sq, prof.gradient_gap_deviation, prof.secant
(Fraction(16, 1), 4.0, (Fraction(5, 1),))
>>> prof.gradient_deflection          # (1/4)·5 + (1/4)·1 + (1/2)·3
3.0
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal, Sequence

import numpy as np

from .._typing import AT_ZERO, EXACT_OR_FLOAT, check_choice
from ..core.forward import as_batch
from ..core.network import Network
from ..core.patterns import AtZero
from ..exceptions import DegenerateSegmentError, FloatRangeError, InvalidArgumentError, ShapeError
from ..io import json_ready
from ..limits import checkpoint
from ..numbers import exact_vector, float_root, integer_scaling, to_float
from ..regions.enumeration import region_decomposition

__all__ = [
    "restrict_to_segment",
    "SegmentProfile",
    "segment_profile",
    "SegmentComparison",
    "compare_segment_methods",
    "SegmentStatistics",
    "segment_statistics",
]

_FLOAT_TOL = 1e-12  # the float route: a root within this of a piece's end, or a coefficient this small, is 0


def _endpoint(net: Network, x: Any, name: str) -> tuple[Fraction, ...]:
    if isinstance(x, np.ndarray):
        x = x.tolist()
    vec = exact_vector([x] if net.input_dim == 1 and not isinstance(x, (list, tuple)) else x, name)
    if len(vec) != net.input_dim:
        raise ShapeError(f"{name} has {len(vec)} entries; the network has {net.input_dim} inputs")
    return vec


def restrict_to_segment(net: Network, xa: Any, xb: Any) -> Network:
    """The one-input network ``t ↦ F((1 − t) x_a + t x_b)``: W0 becomes W0 (x_b − x_a), b0 becomes
    b0 + W0 x_a; the other layers are unchanged, so hidden neurons keep their indices.

    >>> from relugeom.core.network import Network
    >>> net = Network.from_layers([([[1, 2]], [3]), ([[1]], [0])])
    >>> restrict_to_segment(net, [0, 1], [1, 1]).layers()[0]
    (((Fraction(1, 1),),), (Fraction(5, 1),))
    """
    a, b = _endpoint(net, xa, "x_a"), _endpoint(net, xb, "x_b")
    # in integers: x_a = A / e, x_b − x_a = D / e, W0 = V / den, b0 = c / den
    nums, e = integer_scaling(list(a) + [v - u for u, v in zip(a, b)])
    n0 = net.input_dim
    A, D = nums[:n0], nums[n0:]
    layer = net.integer_layers()[0]
    den = layer.den * e
    slope = [Fraction(sum(w * v for w, v in zip(row, D)), den) for row in layer.weight]
    offset = [Fraction(sum(w * v for w, v in zip(row, A)) + c * e, den) for row, c in zip(layer.weight, layer.bias)]
    first = (tuple((v,) for v in slope), tuple(offset))
    return Network((first[0], *net.weights[1:]), (first[1], *net.biases[1:]))


def _vsub(u: Sequence, v: Sequence) -> tuple:
    return tuple(x - y for x, y in zip(u, v))


def _sq(u: Sequence) -> Any:
    return sum((x * x for x in u), Fraction(0) if u and isinstance(u[0], Fraction) else 0.0)


def _root(q: Any) -> float:
    return float_root(q, 2) if isinstance(q, Fraction) else math.sqrt(q)


@dataclass(frozen=True)
class SegmentProfile:
    """F along the segment from ``start`` (t = 0) to ``end`` (t = 1); see the module docstring.

    Attributes
    ----------
    breakpoints : tuple
        0 < t_1 < … < t_m < 1, where the activation pattern changes.
    slopes : tuple of vectors
        s_0 … s_m, dF/dt on the m + 1 pieces.
    values : tuple of vectors
        F at t = 0, t_1, …, t_m, 1 (m + 2 points; F is affine in between).
    patterns : tuple of patterns
        The hidden activation pattern on each piece.
    method : "exact" or "float"
        Exact profiles hold Fractions; float ones float64 numbers.
    """

    start: tuple
    end: tuple
    breakpoints: tuple
    slopes: tuple[tuple, ...]
    values: tuple[tuple, ...]
    patterns: tuple[tuple[bool, ...], ...]
    method: str = "exact"
    at_zero: AtZero = None

    @property
    def num_breakpoints(self) -> int:
        return len(self.breakpoints)

    @property
    def knots(self) -> tuple:
        """0, t_1, …, t_m, 1."""
        zero, one = (Fraction(0), Fraction(1)) if self.method == "exact" else (0.0, 1.0)
        return (zero, *self.breakpoints, one)

    @property
    def gaps(self) -> tuple[tuple, ...]:
        """g_j = s_j − s_{j−1}, one per breakpoint."""
        return tuple(_vsub(s, r) for r, s in zip(self.slopes, self.slopes[1:]))

    @property
    def kinks(self) -> tuple:
        """The breakpoints where the slope really changes (g_j ≠ 0)."""
        return tuple(t for t, g in zip(self.breakpoints, self.gaps) if any(v != 0 for v in g))

    @property
    def secant(self) -> tuple:
        """s̄ = F(x_b) − F(x_a): the mean of dF/dt over [0, 1]."""
        return _vsub(self.values[-1], self.values[0])

    @property
    def gradient_gap_deviation_sq(self) -> Fraction | float:
        """(1/m) Σ_j ‖g_j‖², exactly for an exact profile (0 when m = 0)."""
        m = self.num_breakpoints
        if m == 0:
            return Fraction(0) if self.method == "exact" else 0.0
        total = sum((_sq(g) for g in self.gaps), Fraction(0) if self.method == "exact" else 0.0)
        return total / m

    @property
    def gradient_gap_deviation(self) -> float:
        """GGD, the float root of the exact :attr:`gradient_gap_deviation_sq`."""
        return _root(self.gradient_gap_deviation_sq)

    @property
    def gradient_deflection(self) -> float:
        """Σ_j (t_{j+1} − t_j) ‖s_j − s̄‖: each norm the float root of an exact square, summed with fsum."""
        knots, sbar = self.knots, self.secant
        terms = []
        for j, s in enumerate(self.slopes):
            d2 = _sq(_vsub(s, sbar))
            length = knots[j + 1] - knots[j]
            terms.append(_root(d2 * length * length))
        return math.fsum(terms)

    def value(self, t: Any) -> tuple:
        """F(x(t)) for t in [0, 1], from the piece containing t."""
        if self.method == "exact":
            t = exact_vector([t], "t")[0]
        if not 0 <= t <= 1:
            raise InvalidArgumentError(f"t must lie in [0, 1], got {t}")
        knots = self.knots
        j = max(i for i in range(len(self.slopes)) if knots[i] <= t)
        return tuple(v + s * (t - knots[j]) for v, s in zip(self.values[j], self.slopes[j]))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: exact numbers as strings ``"p/q"`` (floats beyond float64 as None)."""
        return json_ready(
            {
                "method": self.method,
                "start": self.start,
                "end": self.end,
                "breakpoints": self.breakpoints,
                "slopes": self.slopes,
                "values": self.values,
                "patterns": ["".join("1" if b else "0" for b in p) for p in self.patterns],
                "kinks": self.kinks,
                "gradient_gap_deviation_sq": self.gradient_gap_deviation_sq,
                "gradient_gap_deviation": self.gradient_gap_deviation,
                "gradient_deflection": self.gradient_deflection,
            }
        )


def segment_profile(
    net: Network,
    xa: Any,
    xb: Any,
    *,
    method: Literal["exact", "float"] = "exact",
    at_zero: AtZero = None,
) -> SegmentProfile:
    """F along the segment from ``xa`` to ``xb``: exact breakpoints, slopes, gaps, GGD and deflection.

    Parameters
    ----------
    net : Network
    xa, xb : the two endpoints (n0 exact-convertible numbers each; floats by their exact value)
    method : {"exact", "float"}
    at_zero : {None, "inactive", "active"}
        How a neuron identically 0 on part of the segment counts. None: such a segment is refused.

    Raises
    ------
    DegenerateSegmentError
        If the segment runs inside a hidden neuron's hyperplane on an interval and ``at_zero`` is None.

    Examples
    --------
    >>> from relugeom.core.network import Network
    >>> net = Network.from_layers([([[1, 0], [0, 1]], [0, 0]), ([[1, 1]], [0])])   # relu(x) + relu(y)
    >>> prof = segment_profile(net, [-1, 0], [1, 0])      # runs along the hyperplane y = 0
    Traceback (most recent call last):
    ...
    relugeom.exceptions.DegenerateSegmentError: degenerate segment: the pre-activation of hidden layer 0, neuron 1 is identically 0 on an interval of t around t = 1/2, so the segment lies in that neuron's hyperplane and the activation pattern is undefined there. Pass at_zero='inactive' or at_zero='active' (CLI: --at-zero) to count such a neuron one way (F and its slopes are the same either way; the breakpoints where the pattern changes may not be).
    >>> segment_profile(net, [-1, 0], [1, 0], at_zero="inactive").breakpoints
    (Fraction(1, 2),)
    >>> segment_profile(net, [-1, 1], [1, -1], method="float").breakpoints   # float route
    (0.5,)
    """
    check_choice("at_zero", at_zero, AT_ZERO)
    check_choice("method", method, EXACT_OR_FLOAT)
    a, b = _endpoint(net, xa, "x_a"), _endpoint(net, xb, "x_b")
    if a == b:
        raise ShapeError(
            f"x_a and x_b are the same point ({', '.join(map(str, a))}); a segment needs two distinct endpoints"
        )
    if method == "float":
        return _float_profile(net, a, b, at_zero)
    line = restrict_to_segment(net, a, b)
    dec = region_decomposition(line, [(0, 1)], at_zero=at_zero)
    if dec.degenerate:
        cell = dec.degenerate[0]
        raise DegenerateSegmentError(cell.layer, cell.neuron, cell.point[0])
    pieces = sorted(dec.regions, key=lambda r: r.interval[0])
    breakpoints = tuple(r.interval[1] for r in pieces[:-1])
    slopes = tuple(tuple(row[0] for row in r.output_weight) for r in pieces)
    values = tuple(r.output((r.interval[0],)) for r in pieces) + (pieces[-1].output((Fraction(1),)),)
    return SegmentProfile(a, b, breakpoints, slopes, values, tuple(r.pattern for r in pieces), "exact", at_zero)


def _float_profile(net: Network, a: tuple, b: tuple, at_zero: AtZero) -> SegmentProfile:
    """The float64 route: the same layer-by-layer refinement of [0, 1] with tolerance ``_FLOAT_TOL``.

    A neuron counts as identically 0 on a piece when both coefficients of its pre-activation ``a t + c``
    are within ``_FLOAT_TOL`` of the size of the terms they were summed from (``|W| |G| + |b|``, i.e.
    they cancelled); roots closer than ``_FLOAT_TOL`` in t are merged.
    """
    layers = net.float_layers()
    fa, fb = np.array([to_float(v) for v in a]), np.array([to_float(v) for v in b])
    with np.errstate(over="ignore", invalid="ignore"):
        d = fb - fa
    if not (np.all(np.isfinite(fa)) and np.all(np.isfinite(d))):
        raise FloatRangeError("a segment endpoint (or their difference) is too large for float64; use method='exact'")
    W0, b0 = layers[0]
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is refused just below
        G0 = np.stack([W0 @ d, b0 + W0 @ fa], axis=1)
        S0 = np.stack([np.abs(W0) @ np.abs(d), np.abs(b0) + np.abs(W0) @ np.abs(fa)], axis=1)
    # a piece: (lo, hi, G, S, pattern); G (width × 2) the pre-activations a t + c, S their term sizes
    pieces = [(0.0, 1.0, G0, S0, ())]
    for k in range(net.num_layers - 1):
        W, bias = layers[k + 1]
        refined = []
        for lo, hi, G, S, pattern in pieces:
            if not (np.all(np.isfinite(G)) and np.all(np.isfinite(S))):
                raise FloatRangeError(f"float64 overflow along the segment at hidden layer {k}; use method='exact'")
            slope, const = G[:, 0], G[:, 1]
            flat = (np.abs(slope) <= _FLOAT_TOL * S[:, 0]) & (np.abs(const) <= _FLOAT_TOL * S[:, 1])
            moving = np.abs(slope) > _FLOAT_TOL * S[:, 0]
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                roots = -const / slope
            cuts = sorted({float(r) for r, m in zip(roots, moving) if m and lo + _FLOAT_TOL < r < hi - _FLOAT_TOL})
            ends = [lo]
            for r in cuts:  # roots closer than the tolerance are one
                if r - ends[-1] > _FLOAT_TOL:
                    ends.append(r)
            ends.append(hi)
            for s, e in zip(ends, ends[1:]):
                z = slope * ((s + e) / 2) + const
                if flat.any():
                    if at_zero is None:
                        raise DegenerateSegmentError(k, int(np.argmax(flat)), (s + e) / 2, in_float=True)
                    mask = np.where(flat, at_zero == "active", z > 0)
                else:
                    mask = z > 0
                m = mask[:, None]
                with np.errstate(over="ignore", invalid="ignore"):  # overflow is refused above
                    Gn = W @ (G * m) + np.stack([np.zeros_like(bias), bias], axis=1)
                    Sn = np.abs(W) @ (S * m) + np.stack([np.zeros_like(bias), np.abs(bias)], axis=1)
                refined.append((s, e, Gn, Sn, pattern + tuple(bool(v) for v in mask)))
        pieces = refined
    if not all(np.all(np.isfinite(p[2])) for p in pieces):
        raise FloatRangeError("float64 overflow in the outputs along the segment; use method='exact'")
    breakpoints = tuple(p[1] for p in pieces[:-1])
    slopes = tuple(tuple(float(v) for v in p[2][:, 0]) for p in pieces)
    values = tuple(tuple(float(v) for v in p[2][:, 0] * p[0] + p[2][:, 1]) for p in pieces)
    last = pieces[-1][2]
    values += (tuple(float(v) for v in last[:, 0] + last[:, 1]),)
    return SegmentProfile(
        tuple(fa.tolist()),
        tuple(fb.tolist()),
        breakpoints,
        slopes,
        values,
        tuple(p[4] for p in pieces),
        "float",
        at_zero,
    )


@dataclass(frozen=True)
class SegmentComparison:
    """The float route against the exact one on one segment.

    ``agree`` is True iff both find the same sequence of activation patterns (so the same number of
    breakpoints); the errors are the largest absolute differences of breakpoints and slopes (NaN when the
    piece counts differ) and of the two measures. When the float route fails where the exact one does
    not (it calls the segment degenerate, or overflows), ``float`` is None, ``float_error`` says why,
    ``agree`` is False and the errors are NaN.
    """

    exact: SegmentProfile
    float: SegmentProfile | None
    agree: bool
    max_breakpoint_error: float
    max_slope_error: float
    gradient_gap_deviation_error: float
    gradient_deflection_error: float
    float_error: str | None = None


def compare_segment_methods(net: Network, xa: Any, xb: Any, at_zero: AtZero = None) -> SegmentComparison:
    """Run both routes on one segment and report where the float one departs from the exact one.

    >>> from relugeom.core.network import Network
    >>> net = Network.from_layers([([[1], [1]], [0, "-1/3"]), ([[1, -1]], [0])])
    >>> cmp = compare_segment_methods(net, [0], [1])
    >>> cmp.agree, cmp.max_breakpoint_error < 1e-15
    (True, True)
    >>> tiny = Network.from_layers([([[1], [1]], [0, "1/10000000000000000"]), ([[1, -1]], [0])])
    >>> compare_segment_methods(tiny, [-1], [1]).agree                     # two roots 1e-16 apart
    False
    """
    ex = segment_profile(net, xa, xb, at_zero=at_zero)
    nan = math.nan
    try:
        fl = segment_profile(net, xa, xb, method="float", at_zero=at_zero)
    except (DegenerateSegmentError, FloatRangeError) as err:
        return SegmentComparison(ex, None, False, nan, nan, nan, nan, str(err))
    agree = ex.patterns == fl.patterns
    if len(ex.breakpoints) == len(fl.breakpoints):
        bp = max((abs(float(u) - v) for u, v in zip(ex.breakpoints, fl.breakpoints)), default=0.0)
        sl = max((abs(to_float(u) - v) for s, r in zip(ex.slopes, fl.slopes) for u, v in zip(s, r)), default=0.0)
    else:
        bp = sl = nan
    return SegmentComparison(
        ex,
        fl,
        agree,
        bp,
        sl,
        abs(ex.gradient_gap_deviation - fl.gradient_gap_deviation),
        abs(ex.gradient_deflection - fl.gradient_deflection),
    )


def _summary(values: Sequence[float]) -> dict[str, float | None]:
    if not values:
        return {"mean": None, "median": None, "max": None}
    return {
        "mean": math.fsum(values) / len(values),
        "median": float(statistics.median(values)),
        "max": float(max(values)),
    }


@dataclass(frozen=True)
class SegmentStatistics:
    """Segment measures over pairs of samples.

    ``rows`` has one dict per non-degenerate pair: ``i``, ``j``, ``breakpoints``, ``kinks``,
    ``gradient_gap_deviation_sq`` (exact), ``gradient_gap_deviation`` and ``gradient_deflection``.
    ``degenerate`` lists ``(i, j, message)`` for the pairs whose segment runs inside a hyperplane, or whose
    samples are equal; they are left out of the statistics.
    """

    num_samples: int
    pairs: tuple[tuple[int, int], ...]
    rows: tuple[dict[str, Any], ...]
    degenerate: tuple[tuple[int, int, str], ...]
    method: str = "exact"

    def summary(self) -> dict[str, dict[str, float | None]]:
        """Mean, median and max of the breakpoints per pair, GGD and deflection over the non-degenerate
        pairs (None when there is none)."""
        return {
            key: _summary([float(r[key]) for r in self.rows])
            for key in ("breakpoints", "gradient_gap_deviation", "gradient_deflection")
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: exact numbers as strings ``"p/q"`` (floats beyond float64 as None)."""
        return json_ready(
            {
                "num_samples": self.num_samples,
                "num_pairs": len(self.pairs),
                "method": self.method,
                "summary": self.summary(),
                "pairs": list(self.rows),
                "degenerate": [{"i": i, "j": j, "message": m} for i, j, m in self.degenerate],
            }
        )


def _choose_pairs(n: int, pairs: Any, seed: int) -> list[tuple[int, int]]:
    everything = [(i, j) for i in range(n) for j in range(i + 1, n)]
    if isinstance(pairs, str):
        if pairs != "all":
            raise InvalidArgumentError(f"pairs must be 'all' or a number of pairs, got {pairs!r}")
        return everything
    if isinstance(pairs, bool) or not isinstance(pairs, (int, np.integer)) or pairs < 1:
        raise InvalidArgumentError(f"pairs must be 'all' or a positive number of pairs, got {pairs!r}")
    if pairs >= len(everything):
        return everything
    pick = np.random.default_rng(seed).choice(len(everything), size=int(pairs), replace=False)
    return [everything[i] for i in sorted(pick)]


def segment_statistics(
    net: Network,
    X: Any,
    pairs: Literal["all"] | int = "all",
    seed: int = 0,
    *,
    method: Literal["exact", "float"] = "exact",
    at_zero: AtZero = None,
) -> SegmentStatistics:
    """Segment profiles between pairs of samples, aggregated (mean, median, max).

    Parameters
    ----------
    net : Network
    X : batch of at least two samples
    pairs : "all" or int
        Every unordered pair i < j, or that many distinct pairs drawn with ``seed`` (all if fewer exist).
    seed : int
    method, at_zero : as in :func:`segment_profile`

    Examples
    --------
    >>> from relugeom.core.network import Network
    >>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
    >>> st = segment_statistics(net, [[-1], [3], [2]])
    >>> [(r["i"], r["j"], r["breakpoints"], str(r["gradient_gap_deviation_sq"])) for r in st.rows]
    [(0, 1, 2, '16'), (0, 2, 2, '9'), (1, 2, 0, '0')]
    >>> st.summary()["breakpoints"]
    {'mean': 1.3333333333333333, 'median': 2.0, 'max': 2.0}
    """
    batch = as_batch(net, X)
    if len(batch) < 2:
        raise ShapeError("segment statistics need at least two samples")
    chosen = _choose_pairs(len(batch), pairs, seed)
    rows, degenerate = [], []
    for done, (i, j) in enumerate(chosen):
        checkpoint(f"segment {done + 1:,} of {len(chosen):,} (samples {i}, {j})")
        if batch[i] == batch[j]:
            degenerate.append((i, j, f"samples {i} and {j} are equal: no segment between them"))
            continue
        try:
            prof = segment_profile(net, batch[i], batch[j], method=method, at_zero=at_zero)
        except DegenerateSegmentError as err:
            degenerate.append((i, j, str(err)))
            continue
        rows.append(
            {
                "i": i,
                "j": j,
                "breakpoints": prof.num_breakpoints,
                "kinks": len(prof.kinks),
                "gradient_gap_deviation_sq": prof.gradient_gap_deviation_sq,
                "gradient_gap_deviation": prof.gradient_gap_deviation,
                "gradient_deflection": prof.gradient_deflection,
            }
        )
    return SegmentStatistics(len(batch), tuple(chosen), tuple(rows), tuple(degenerate), method)
