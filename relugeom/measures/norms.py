"""Complexity measures: exact ℓ_p path-norms, the [NBMS17] norm products, and margins (SPEC §8).

**Path-norms** [NSS15]. Every bias is an edge from a constant unit, so a path starts at an input or at
a bias unit and ends at an output. The ℓ_p path-norm to the p-th power is

    φ_p(θ)^p = Σ over paths Π_{edges e on it} |w_e|^p,

computed without listing paths: with ``γ_0 = (1, …, 1)`` on the inputs and
``γ_{k+1} = |W_k|^p γ_k + |b_k|^p`` (entrywise powers), ``γ_k[u]`` is the sum over the paths that
end at unit ``u``, and φ_p^p = Σ_outputs γ_L. For integer p this is an exact rational. A positive
rescaling of a hidden neuron (incoming weights and bias times λ, outgoing times 1/λ) leaves every path
product unchanged, so the path-norm is invariant; the norm products below are not.

**[NBMS17] products.** ``Π_k ‖W_k‖`` for the Frobenius norm (reported exactly as ``Π ‖W_k‖_F²``), the
spectral norm (float: a singular value is not rational in general) and the ℓ_{1,∞} norm (the largest
ℓ1 norm of a row, i.e. of one neuron's incoming weights; exact). Biases do not enter these products (the
networks of [NBMS17] have none); they do enter the path-norms.

**Margins.** Given samples X and labels y, the margin of sample i is ``f_y(x_i) − max_{j≠y} f_j(x_i)``
(for one output, labels in {0, 1} or {−1, 1} and margin ``±f(x_i)``); the network's margin is the 5th
percentile of these, taken exactly with numpy's default ("linear") percentile rule, so it equals
``numpy.percentile`` up to rounding. Each measure divided by the margin is then reported: squares
divided by the squared margin exactly, roots as floats.

Examples
--------
>>> from relugeom.core.network import Network
>>> net = Network.from_layers([([[1, -2]], [3]), ([[2]], [-1])])      # paths: x1, x2 and the two biases
>>> path_norm(net, p=1), path_norm(net, p=2)                           # 2+4+6+1 and 4+16+36+1
(Fraction(13, 1), Fraction(57, 1))
>>> m = norm_measures(net, X=[[1, 0], [0, 1]], y=[1, 0])
>>> m.frobenius_sq_product, m.l1_inf_product, m.margin
(Fraction(20, 1), Fraction(6, 1), Fraction(-3, 5))
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal, Sequence

import numpy as np

from .._typing import EXACT_OR_FLOAT, check_choice
from ..core.forward import forward
from ..core.network import Network
from ..exceptions import InvalidArgumentError, ShapeError
from ..io import json_ready
from ..numbers import exact_vector, float_root, to_float

__all__ = [
    "path_norm",
    "path_norm_root",
    "path_sums",
    "exact_percentile",
    "margins",
    "NormMeasures",
    "norm_measures",
]


def _check_p(p: Any) -> int:
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or p < 1:
        raise InvalidArgumentError(f"the path-norm needs an integer p >= 1 for an exact value, got p = {p!r}")
    return int(p)


def path_sums(net: Network, p: int = 2) -> tuple[list[list[Fraction]], list[list[Fraction]]]:
    """``(γ_in, γ_out)``: per layer of units, the sums over paths into and out of each unit of Π|w|^p.

    ``γ_in[k][u]`` sums over the paths from an input or a bias unit to unit ``u`` of layer ``k``
    (``γ_in[0]`` is all ones: inputs start paths); ``γ_out[k][u]`` sums over the paths from ``u`` to an
    output (``γ_out[L]`` is all ones). For p = 2 these are Path-SGD's γ_in and γ_out (SPEC §8), and
    ``Σ_u γ_in[L][u] = Σ_u γ_out[0][u] + Σ_k Σ_v |b_k[v]|^p γ_out[k+1][v] = φ_p^p``.

    >>> from relugeom.core.network import Network
    >>> net = Network.from_layers([([[1], [2]], [0, 1]), ([[3, -1]], [2])])
    >>> g_in, g_out = path_sums(net)
    >>> [[str(v) for v in layer] for layer in g_in]
    [['1'], ['1', '5'], ['18']]
    >>> [[str(v) for v in layer] for layer in g_out]
    [['13'], ['9', '1'], ['1']]
    """
    p = _check_p(p)
    return (
        [[Fraction(v, d) for v in V] for V, d in _sums_in(net, p)],
        [[Fraction(v, d) for v in U] for U, d in _sums_out(net, p)],
    )


def _sums_in(net: Network, p: int) -> list[tuple[list[int], int]]:
    """γ_in layer by layer in integers, ``(numerators V_k, denominator D_k)``: with W_k = W_int / den_k,
    V_{k+1} = |W_int|^p V_k + |b_int|^p D_k and D_{k+1} = D_k den_k^p."""
    ins = [([1] * net.input_dim, 1)]
    for layer in net.integer_layers():
        V, D = ins[-1]
        ins.append(
            (
                [
                    sum(abs(w) ** p * v for w, v in zip(row, V)) + abs(b) ** p * D
                    for row, b in zip(layer.weight, layer.bias)
                ],
                D * layer.den**p,
            )
        )
    return ins


def _sums_out(net: Network, p: int) -> list[tuple[list[int], int]]:
    """γ_out layer by layer in integers: U_k = |W_int|^pᵀ U_{k+1}, E_k = E_{k+1} den_k^p."""
    outs = [([1] * net.output_dim, 1)]
    for layer in reversed(net.integer_layers()):
        U, E = outs[0]
        outs.insert(0, ([sum(abs(w) ** p * u for w, u in zip(col, U)) for col in zip(*layer.weight)], E * layer.den**p))
    return outs


def path_norm(net: Network, p: int = 2, *, method: Literal["exact", "float"] = "exact") -> Fraction | float:
    """φ_p(θ)^p, the ℓ_p path-norm to the p-th power: exact (a Fraction) or in float64.

    The root φ_p itself is :func:`path_norm_root`.

    Examples
    --------
    >>> from relugeom.core.network import Network
    >>> from relugeom.symmetry import rescale_neurons
    >>> net = Network.from_layers([([[1], [2]], [0, 1]), ([[3, -1]], [2])])
    >>> path_norm(net), path_norm(rescale_neurons(net, 0, ["1/7", 5]))   # rescaling-invariant
    (Fraction(18, 1), Fraction(18, 1))
    >>> path_norm(net, p=3, method="float")
    44.0
    """
    p = _check_p(p)
    if check_choice("method", method, EXACT_OR_FLOAT) == "exact":
        V, D = _sums_in(net, p)[-1]
        return Fraction(sum(V), D)
    g = np.ones(net.input_dim)
    for W, b in net.float_layers():
        g = np.abs(W) ** p @ g + np.abs(b) ** p
    return float(g.sum())


def path_norm_root(net: Network, p: int = 2) -> float:
    """φ_p(θ), the p-th root of the exact :func:`path_norm`, as a float (within one ulp).

    >>> from relugeom.core.network import Network
    >>> path_norm_root(Network.from_layers([([[3]], [0]), ([[1]], [0])]), p=2)
    3.0
    """
    return float_root(path_norm(net, p), p)


def exact_percentile(values: Sequence[Any], q: Any) -> Fraction:
    """The q-th percentile of exact values by numpy's default ("linear") rule, exactly.

    With the values sorted as v_0 ≤ … ≤ v_{n−1} and h = (n − 1)·q/100: v_⌊h⌋ + (h − ⌊h⌋)(v_⌊h⌋+1 − v_⌊h⌋).

    >>> exact_percentile([Fraction(1, 3), 2, 5, -1], 5)
    Fraction(-4, 5)
    >>> float(exact_percentile([3, 1, 2], 50)) == float(np.percentile([3, 1, 2], 50))
    True
    """
    vals = sorted(exact_vector(list(values), "values"))
    if not vals:
        raise InvalidArgumentError("the percentile of an empty list is undefined; give at least one value")
    q = exact_vector([q], "q")[0]
    if not 0 <= q <= 100:
        raise InvalidArgumentError(f"q must be between 0 and 100, got {q}")
    h = (len(vals) - 1) * q / 100
    lo = math.floor(h)
    if lo == len(vals) - 1:
        return vals[lo]
    return vals[lo] + (h - lo) * (vals[lo + 1] - vals[lo])


def _labels(y: Any, n: int, n_out: int) -> list[int]:
    """Labels as ints checked against the number of samples and outputs."""
    arr = np.asarray(y, dtype=object)
    if arr.ndim == 2 and arr.shape[1] == 1:  # one column, e.g. read from a CSV file
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ShapeError(f"labels must be one number per sample (a flat list or one column), got shape {arr.shape}")
    vals = exact_vector(list(arr), "labels")
    if len(vals) != n:
        raise ShapeError(f"{len(vals)} labels for {n} samples; give one label per sample")
    out = []
    for i, v in enumerate(vals):
        if v.denominator != 1:
            raise ShapeError(f"label {i} is {v}, not an integer class index")
        out.append(int(v))
    allowed = set(range(n_out))
    if n_out == 1:
        allowed = {-1, 1} if -1 in out else {0, 1}  # one convention per file, not a mixture
    bad = [(i, v) for i, v in enumerate(out) if v not in allowed]
    if bad:
        i, v = bad[0]
        expect = (
            "all in {0, 1} or all in {-1, 1} (one output: the sign of f is the class)"
            if n_out == 1
            else f"0 … {n_out - 1}"
        )
        raise ShapeError(f"label {i} is {v}; labels must be {expect}")
    return out


def margins(net: Network, X: Any, y: Any) -> list[Fraction]:
    """The exact margin of every sample: ``f_y(x) − max_{j≠y} f_j(x)`` (one output: ``±f(x)``).

    >>> from relugeom.core.network import Network
    >>> net = Network.from_layers([([[1], [-1]], [0, 0])])         # two logits x and −x
    >>> [str(m) for m in margins(net, [[2], ["-1/2"]], [0, 0])]
    ['4', '-1']
    """
    F = forward(net, X)
    labels = _labels(y, F.shape[0], net.output_dim)
    out = []
    for row, c in zip(F, labels):
        if net.output_dim == 1:
            out.append(row[0] if c == 1 else -row[0])
        else:
            out.append(row[c] - max(v for j, v in enumerate(row) if j != c))
    return out


@dataclass(frozen=True)
class NormMeasures:
    """The norm-based capacity measures of one network (see the module docstring).

    Exact quantities are Fractions (squares where the measure is a root); floats are computed from
    them (roots within one ulp) except the spectral norms, which are float64 SVDs. Per layer:
    ``frobenius_sq`` (‖W_k‖_F²), ``spectral`` and ``l1_inf``; ``path_l1`` = φ_1, ``path_l2_sq`` = φ_2²;
    with samples and labels, ``margin`` (the ``margin_percentile``-th percentile of the
    ``num_samples`` margins) and ``nonpositive_margins`` (misclassified or tied samples).
    """

    frobenius_sq: tuple[Fraction, ...]
    spectral: tuple[float, ...]
    l1_inf: tuple[Fraction, ...]
    path_l1: Fraction
    path_l2_sq: Fraction
    margin: Fraction | None = None
    num_samples: int = 0
    margin_percentile: int = 5
    nonpositive_margins: int = 0

    @property
    def frobenius_sq_product(self) -> Fraction:
        return math.prod(self.frobenius_sq, start=Fraction(1))

    @property
    def frobenius_product(self) -> float:
        return float_root(self.frobenius_sq_product, 2)

    @property
    def spectral_product(self) -> float:
        return math.prod(self.spectral)

    @property
    def l1_inf_product(self) -> Fraction:
        return math.prod(self.l1_inf, start=Fraction(1))

    @property
    def path_l2(self) -> float:
        return float_root(self.path_l2_sq, 2)

    def rows(self) -> list[dict[str, Any]]:
        """One dict per measure: ``name``, ``exact`` (Fraction or None), ``value`` (float), and, with a
        positive margin, ``over_margin`` (float) and ``over_margin_exact`` (the exact square or value)."""
        items = [
            ("frobenius product", self.frobenius_sq_product, 2, None),
            ("spectral product", None, 1, self.spectral_product),
            ("l1,inf product", self.l1_inf_product, 1, None),
            ("l1 path-norm", self.path_l1, 1, None),
            ("l2 path-norm", self.path_l2_sq, 2, None),
        ]
        rows = []
        for name, exact, power, fl in items:
            value = float_root(exact, power) if exact is not None else fl
            row: dict[str, Any] = {"name": name, "exact": exact, "power": power, "value": value}
            if self.margin is not None and self.margin > 0:
                if exact is not None:
                    ratio = exact / self.margin**power
                    row["over_margin_exact"] = ratio
                    row["over_margin"] = float_root(ratio, power)
                else:
                    row["over_margin_exact"] = None
                    row["over_margin"] = to_float(Fraction(fl) / self.margin) if math.isfinite(fl) else fl
            rows.append(row)
        return rows

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: exact numbers as strings ``"p/q"``, floats as floats (None beyond float64)."""
        return json_ready(
            {
                "frobenius_sq": self.frobenius_sq,
                "spectral": self.spectral,
                "l1_inf": self.l1_inf,
                "path_l1": self.path_l1,
                "path_l2_sq": self.path_l2_sq,
                "path_l2": self.path_l2,
                "margin": self.margin,
                "margin_percentile": self.margin_percentile,
                "num_samples": self.num_samples,
                "nonpositive_margins": self.nonpositive_margins,
                "measures": self.rows(),
            }
        )


def norm_measures(net: Network, X: Any = None, y: Any = None, *, percentile: int = 5) -> NormMeasures:
    """The [NBMS17] products, the ℓ1/ℓ2 path-norms and, given samples and labels, the margin.

    Parameters
    ----------
    net : Network
    X, y : optional
        Samples and their labels (class indices ``0 … n_L − 1``; for one output ``0/1`` or ``−1/1``).
        Give both or neither.
    percentile : int
        Which percentile of the per-sample margins is the network's margin (5 in [NBMS17]).

    Examples
    --------
    >>> from relugeom.core.network import Network
    >>> net = Network.from_layers([([[3, 4], [0, 1]], [1, 1]), ([[1, -1]], [0])])
    >>> m = norm_measures(net)
    >>> [str(v) for v in m.frobenius_sq], [str(v) for v in m.l1_inf], m.spectral_product
    (['26', '2'], ['7', '2'], 7.16227766016838)
    >>> [(r["name"], r["value"]) for r in m.rows()][:2]
    [('frobenius product', 7.211102550927978), ('spectral product', 7.16227766016838)]
    """
    if (X is None) != (y is None):
        raise InvalidArgumentError(
            "margins need both samples X and labels y; give both, or neither for the "
            "label-free measures (segment statistics of X: relugeom.measures.segments.segment_statistics)"
        )
    frob = tuple(sum((v * v for row in W for v in row), Fraction(0)) for W in net.weights)
    spec = tuple(float(np.linalg.norm(W, 2)) for W, _ in net.float_layers())
    l1inf = tuple(max(sum(abs(v) for v in row) for row in W) for W in net.weights)
    margin, n, wrong = None, 0, 0
    if X is not None:
        ms = margins(net, X, y)
        n, wrong = len(ms), sum(1 for m in ms if m <= 0)
        margin = exact_percentile(ms, percentile)
    return NormMeasures(frob, spec, l1inf, path_norm(net, 1), path_norm(net, 2), margin, n, percentile, wrong)
