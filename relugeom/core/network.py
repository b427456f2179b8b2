"""`Network`: a frozen, validated, exactly rational fully connected ReLU network.

Widths ``(n0, n1, …, nL)``; affine map ``k`` (0-based) has ``W[k]`` of shape ``n_{k+1} × n_k`` and
``b[k]`` of length ``n_{k+1}``; ReLU after every map but the last (SPEC §1). Parameters are ordered map
by map, ``W[k]`` row-major then ``b[k]``: the column order of every Jacobian in relugeom.

Examples
--------
>>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
>>> net.widths, net.num_params, net.num_hidden
((1, 2, 1), 7, 2)
>>> [str(p) for p in net.parameters()]
['1', '1', '0', '-1', '1', '1', '0']
>>> Network.from_dict(net.to_dict()) == net
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Iterable, Sequence

import numpy as np

from ..exceptions import FloatRangeError, FormatError, ShapeError
from ..numbers import Matrix, exact_matrix, exact_vector, integer_scaling

__all__ = ["Network", "FORMAT_NAME", "FORMAT_VERSION", "num_parameters", "random_fractions"]

FORMAT_NAME = "relugeom-network"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class IntegerLayer:
    """``W = weight / den`` and ``b = bias / den`` with integer ``weight``, ``bias`` and ``den > 0``."""

    weight: tuple[tuple[int, ...], ...]
    bias: tuple[int, ...]
    den: int


@dataclass(frozen=True)
class Network:
    """An immutable ReLU network with exact rational parameters.

    Build one with :meth:`from_layers` (or the ``random_*`` constructors); the fields hold tuples of
    :class:`~fractions.Fraction` and are validated on construction.

    Attributes
    ----------
    weights : tuple of matrices
        ``weights[k]`` is ``W[k]``, a tuple of rows.
    biases : tuple of vectors
        ``biases[k]`` is ``b[k]``.
    """

    weights: tuple[Matrix, ...]
    biases: tuple[tuple[Fraction, ...], ...]
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if len(self.weights) == 0:
            raise ShapeError("a network needs at least one affine map (L >= 1)")
        if len(self.weights) != len(self.biases):
            raise ShapeError(f"{len(self.weights)} weight matrices but {len(self.biases)} bias vectors")
        prev = None
        for k, (W, b) in enumerate(zip(self.weights, self.biases)):
            rows = len(W)
            cols = len(W[0]) if rows else 0
            if rows == 0 or cols == 0:
                raise ShapeError(f"W[{k}] is empty; every layer needs at least one neuron and one input")
            if any(len(r) != cols for r in W):
                raise ShapeError(f"W[{k}] has rows of different lengths")
            if len(b) != rows:
                raise ShapeError(f"b[{k}] has {len(b)} entries but W[{k}] has {rows} rows")
            if prev is not None and cols != prev:
                raise ShapeError(
                    f"W[{k}] has {cols} columns but layer {k} has {prev} neurons (rows of W[{k - 1}]); "
                    f"W[{k}] must be n_{k + 1} x n_{k}"
                )
            if not all(isinstance(v, Fraction) for r in W for v in r) or not all(isinstance(v, Fraction) for v in b):
                raise ShapeError("Network fields must hold Fractions; build networks with Network.from_layers")
            prev = rows

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_layers(cls, layers: Iterable[tuple[Any, Any]]) -> "Network":
        """Build a network from ``[(W0, b0), (W1, b1), …]``.

        Entries may be ints, Fractions, ``"p/q"`` or decimal strings, floats (exact binary value) or
        numpy arrays of these. Shapes are checked layer against layer.

        Examples
        --------
        >>> Network.from_layers([([[1, "1/2"]], ["0.1"])]).biases
        ((Fraction(1, 10),),)
        >>> Network.from_layers([([[1, 2]], [0]), ([[1, 2]], [0])])
        Traceback (most recent call last):
        ...
        relugeom.exceptions.ShapeError: W[1] has 2 columns but layer 1 has 1 neurons (rows of W[0]); W[1] must be n_2 x n_1
        """
        weights, biases = [], []
        layers = list(layers)
        for k, layer in enumerate(layers):
            try:
                W, b = layer
            except (TypeError, ValueError):
                raise ShapeError(f"layer {k} must be a pair (W, b)") from None
            weights.append(exact_matrix(W, f"W[{k}]"))
            biases.append(exact_vector(b, f"b[{k}]"))
        return cls(tuple(weights), tuple(biases))  # __post_init__ checks the shapes

    @classmethod
    def from_parameters(cls, widths: Sequence[int], params: Sequence[Any]) -> "Network":
        """Inverse of :meth:`parameters`: rebuild a network from widths and a flat parameter vector.

        >>> net = Network.random_integer((2, 3, 1), seed=1)
        >>> Network.from_parameters(net.widths, net.parameters()) == net
        True
        """
        widths = tuple(int(w) for w in widths)
        expected = num_parameters(widths)
        if len(params) != expected:
            raise ShapeError(f"widths {widths} need {expected} parameters, got {len(params)}")
        layers, pos = [], 0
        for n_in, n_out in zip(widths[:-1], widths[1:]):
            W = [list(params[pos + i * n_in : pos + (i + 1) * n_in]) for i in range(n_out)]
            pos += n_in * n_out
            layers.append((W, list(params[pos : pos + n_out])))
            pos += n_out
        return cls.from_layers(layers)

    @classmethod
    def random_integer(cls, widths: Sequence[int], low: int = -3, high: int = 3, seed: int = 0) -> "Network":
        """Integer weights and biases drawn uniformly from ``low … high`` (inclusive).

        >>> Network.random_integer((2, 2, 1), seed=0) == Network.random_integer((2, 2, 1), seed=0)
        True
        """
        rng = np.random.default_rng(seed)
        return cls.from_parameters(widths, [int(v) for v in rng.integers(low, high + 1, num_parameters(widths))])

    @classmethod
    def random_rational(
        cls, widths: Sequence[int], max_numerator: int = 5, max_denominator: int = 5, seed: int = 0
    ) -> "Network":
        """Rationals ``p/q`` with ``|p| <= max_numerator`` and ``1 <= q <= max_denominator``.

        >>> all(abs(p) <= 2 for p in Network.random_rational((1, 2, 1), 2, 3, seed=4).parameters())
        True
        """
        rng = np.random.default_rng(seed)
        return cls.from_parameters(
            widths, random_fractions(rng, num_parameters(widths), max_numerator, max_denominator)
        )

    @classmethod
    def random_he(cls, widths: Sequence[int], seed: int = 0, bias_std: float = 0.1) -> "Network":
        """He-initialised float64 weights (normal, variance 2/n_in), normal biases of std ``bias_std``.

        The float64 values are kept at their exact binary value (dyadic rationals).

        >>> net = Network.random_he((4, 16, 2), seed=3)
        >>> all(p.denominator & (p.denominator - 1) == 0 for p in net.parameters())  # powers of two
        True
        """
        rng = np.random.default_rng(seed)
        layers = []
        for n_in, n_out in zip(widths[:-1], widths[1:]):
            W = rng.normal(0.0, math.sqrt(2.0 / n_in), (n_out, n_in))
            b = rng.normal(0.0, bias_std, n_out) if bias_std > 0 else np.zeros(n_out)
            layers.append((W, b))
        return cls.from_layers(layers)

    # ------------------------------------------------------------------ surgery
    def hidden_layer(self, layer: Any) -> int:
        """``layer`` checked as a hidden layer index ``0 … L−2`` (the output of affine map ``layer``).

        >>> Network.from_layers([([[1]], [0]), ([[1]], [0])]).hidden_layer(1)
        Traceback (most recent call last):
        ...
        relugeom.exceptions.ShapeError: layer must be a hidden layer index 0 … 0 (the output of affine map k), got 1
        """
        hidden = self.num_layers - 1
        if not isinstance(layer, (int, np.integer)) or not 0 <= layer < hidden:
            raise ShapeError(
                f"layer must be a hidden layer index 0 … {hidden - 1} (the output of affine map k), got {layer!r}"
                if hidden
                else "this network has no hidden layer, so it has no hidden neurons"
            )
        return int(layer)

    def without_neuron(self, layer: int, neuron: int) -> "Network":
        """The network with hidden neuron ``(layer, neuron)`` removed (its row, bias and outgoing column).

        On a batch where the neuron is inactive on every sample, the result computes the same outputs and
        has the same BFD (theorem T5 in ``proofs/``).

        >>> net = Network.from_layers([([[1], [2]], [0, -1]), ([[3, 4]], [5])])
        >>> [str(v) for v in net.without_neuron(0, 1).parameters()]
        ['1', '0', '3', '5']
        """
        layer = self.hidden_layer(layer)
        width = self.widths[layer + 1]
        if not 0 <= neuron < width:
            raise ShapeError(f"hidden layer {layer} has neurons 0 … {width - 1}, got {neuron}")
        if width == 1:
            raise ShapeError(f"hidden layer {layer} has one neuron; a layer cannot be emptied")
        weights = list(self.weights)
        biases = list(self.biases)
        weights[layer] = weights[layer][:neuron] + weights[layer][neuron + 1 :]
        biases[layer] = biases[layer][:neuron] + biases[layer][neuron + 1 :]
        weights[layer + 1] = tuple(row[:neuron] + row[neuron + 1 :] for row in weights[layer + 1])
        return Network(tuple(weights), tuple(biases))

    # ------------------------------------------------------------------ shape facts
    @property
    def widths(self) -> tuple[int, ...]:
        """``(n0, n1, …, nL)``."""
        if "widths" not in self._cache:
            self._cache["widths"] = (len(self.weights[0][0]),) + tuple(len(W) for W in self.weights)
        return self._cache["widths"]

    @property
    def num_layers(self) -> int:
        """L, the number of affine maps."""
        return len(self.weights)

    @property
    def hidden_widths(self) -> tuple[int, ...]:
        """``(n1, …, n_{L-1})``."""
        return self.widths[1:-1]

    @property
    def num_params(self) -> int:
        """N = Σ n_{k+1}(n_k + 1)."""
        return num_parameters(self.widths)

    @property
    def num_hidden(self) -> int:
        """H = n1 + … + n_{L-1}."""
        return sum(self.hidden_widths)

    @property
    def input_dim(self) -> int:
        return self.widths[0]

    @property
    def output_dim(self) -> int:
        return self.widths[-1]

    def layers(self) -> list[tuple[Matrix, tuple[Fraction, ...]]]:
        """``[(W0, b0), …]`` as tuples of Fractions."""
        return list(zip(self.weights, self.biases))

    def parameters(self) -> tuple[Fraction, ...]:
        """The flat parameter vector θ in SPEC order (map by map, ``W[k]`` row-major, then ``b[k]``)."""
        out: list[Fraction] = []
        for W, b in zip(self.weights, self.biases):
            for row in W:
                out.extend(row)
            out.extend(b)
        return tuple(out)

    def parameter_offsets(self) -> list[tuple[int, int]]:
        """For each map k, ``(start of W[k], start of b[k])`` in the flat parameter vector.

        >>> Network.random_integer((2, 3, 1)).parameter_offsets()
        [(0, 6), (9, 12)]
        """
        out, pos = [], 0
        for W in self.weights:
            n_out, n_in = len(W), len(W[0])
            out.append((pos, pos + n_out * n_in))
            pos += n_out * (n_in + 1)
        return out

    # ------------------------------------------------------------------ derived representations
    def integer_layers(self) -> tuple[IntegerLayer, ...]:
        """Each map as integers over one common denominator (cached)."""
        if "int" not in self._cache:
            out = []
            for W, b in zip(self.weights, self.biases):
                flat = [v for row in W for v in row] + list(b)
                nums, den = integer_scaling(flat)
                n_out, n_in = len(W), len(W[0])
                weight = tuple(tuple(nums[i * n_in : (i + 1) * n_in]) for i in range(n_out))
                out.append(IntegerLayer(weight, tuple(nums[n_out * n_in :]), den))
            self._cache["int"] = tuple(out)
        return self._cache["int"]

    def float_layers(self) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
        """Each map as float64 arrays ``(W, b)`` (rounded to nearest; cached, read-only)."""
        if "float" not in self._cache:
            out = []
            for k, (W, b) in enumerate(zip(self.weights, self.biases)):
                try:
                    Wf = np.array([[float(v) for v in row] for row in W], dtype=np.float64)
                    bf = np.array([float(v) for v in b], dtype=np.float64)
                except OverflowError:
                    raise FloatRangeError(
                        f"a parameter of layer {k} is too large for float64; use method='exact'"
                    ) from None
                Wf.setflags(write=False)
                bf.setflags(write=False)
                out.append((Wf, bf))
            self._cache["float"] = tuple(out)
        return self._cache["float"]

    # ------------------------------------------------------------------ JSON dict round trip
    def to_dict(self) -> dict:
        """The JSON-ready dict of DESIGN.md, numbers as exact strings ``"p/q"``."""
        return {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "layers": [
                {"weight": [[str(v) for v in row] for row in W], "bias": [str(v) for v in b]}
                for W, b in zip(self.weights, self.biases)
            ],
        }

    @classmethod
    def from_dict(cls, data: Any) -> "Network":
        """Read the dict of :meth:`to_dict`; raises :class:`FormatError` on anything else."""
        if not isinstance(data, dict):
            raise FormatError("a network file must hold a JSON object with keys 'format', 'version', 'layers'")
        if data.get("format") != FORMAT_NAME:
            raise FormatError(f"'format' must be {FORMAT_NAME!r}, got {data.get('format')!r}")
        if type(data.get("version")) is not int or data.get("version") != FORMAT_VERSION:
            raise FormatError(f"unsupported 'version' {data.get('version')!r}; this relugeom reads version 1")
        layers = data.get("layers")
        if not isinstance(layers, list) or not layers:
            raise FormatError("'layers' must be a non-empty list of {'weight': [[...]], 'bias': [...]}")
        pairs = []
        for k, layer in enumerate(layers):
            if not isinstance(layer, dict) or "weight" not in layer or "bias" not in layer:
                raise FormatError(f"layers[{k}] must be an object with keys 'weight' and 'bias'")
            pairs.append((layer["weight"], layer["bias"]))
        return cls.from_layers(pairs)

    def __repr__(self) -> str:
        return f"Network(widths={self.widths}, num_params={self.num_params})"


def num_parameters(widths: Sequence[int]) -> int:
    """N = Σ n_{k+1}(n_k + 1) for widths (n0, …, nL).

    >>> num_parameters((2, 3, 1))
    13
    """
    return sum(int(widths[k + 1]) * (int(widths[k]) + 1) for k in range(len(widths) - 1))


def random_fractions(rng: np.random.Generator, size: int, max_numerator: int, max_denominator: int) -> list[Fraction]:
    """``size`` rationals ``p/q``, ``|p| <= max_numerator``, ``1 <= q <= max_denominator`` (numerators drawn
    first, then denominators).

    >>> [str(v) for v in random_fractions(np.random.default_rng(0), 3, 5, 5)]
    ['2', '1', '0']
    """
    nums = rng.integers(-max_numerator, max_numerator + 1, size)
    dens = rng.integers(1, max_denominator + 1, size)
    return [Fraction(int(p), int(q)) for p, q in zip(nums, dens)]
