"""The path-activation matrix α(X, θ) of [BBM22], through its Gram matrix: never one column per path.

A *path* starts at an input coordinate j or at a hidden neuron (k, i) (through its bias) and runs through
exactly one neuron of every later hidden layer. Its *activation* at a sample x is

* x_j · Π a_v(x) over the hidden neurons v of the path, for a path from input j;
* Π a_v(x) over the hidden neurons v of the path (neuron (k, i) included), for a path from a bias;

where a_v(x) ∈ {0, 1} says whether v is active at x (the derivative pattern: ``at_zero`` decides a zero
pre-activation, as everywhere). α(X, θ) has one row per sample and one column per path, plus a constant
column 1 (the paths from the output bias). Every output is linear in α: F_o(x) = Σ_p w_{p,o} α_p(x) with
w_{p,o} the product of the weights along p and on to output o (and the bias it starts from), so the rows of
J(θ, X) for output o are α(X, θ) times a matrix, and ``R_A = n_L · rank α(X, θ)`` bounds the BFD.

The number of paths is a product of widths (``n0·n1·…·n_{L−1}`` from the inputs alone), so α is never
built. Its Gram matrix factors layer by layer: with c_l(s, t) the number of neurons of hidden layer l
(1-based, l = 1 … L−1) active at both x_s and x_t,

    (α αᵀ)[s, t] = 1 + (x_s · x_t) Π_{l=1}^{L−1} c_l(s, t) + Σ_{h=1}^{L−1} Π_{l=h}^{L−1} c_l(s, t),

because a sum over paths of a product over their neurons is the product over layers of sums over one
layer's neurons. Over Q (inside R), rank α = rank α αᵀ, an n × n matrix whose cost does not depend on the
number of paths. :func:`path_gram` returns it in integers, scaled by d² where d is the batch's common
denominator (a positive scaling: the rank is unchanged).

Examples
--------
The SPEC's (1, 2, 1) network: on X = {2, 3, 4, 5} both neurons are active, α = [x, x, 1, 1, 1] has rank 2.

>>> from relugeom.core.network import Network
>>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
>>> num_paths(net.widths)
4
>>> G, scale = path_gram(net, [2, 3, 4, 5])
>>> G.tolist()[0], scale
([11, 15, 19, 23], 1)
>>> path_rank(net, [2, 3, 4, 5]).rank, path_rank(net, [-1, 2, 3]).rank
(2, 3)

References
----------
[BBM22] Bona-Pellissier, Bachoc, Malgouyres, *Local identifiability of deep ReLU neural networks: the
theory*, NeurIPS 2022 (arXiv 2206.07424).
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import flint
import numpy as np

from .._typing import AtZero, RankMethod
from ..core.forward import ExactPass, exact_pass, int_matmul
from ..core.network import Network
from ..core.patterns import layer_patterns
from ..limits import checkpoint, require_memory
from ..linalg import RankResult, rank

__all__ = ["num_paths", "path_gram", "path_rank", "gram_bytes", "gram_of_pass", "pattern_dependencies", "GramSource"]


def num_paths(widths: Sequence[int]) -> int:
    """The number of paths (columns of α without the constant column) of a network of these widths.

    Σ over the starting layer h = 0 … L−1 (the inputs, then each hidden layer) of n_h · n_{h+1} ⋯ n_{L−1}.

    >>> num_paths((784, 30, 30, 30, 10))   # the [BMB24] MNIST network: 784·30³ + 30³ + 30² + 30
    21195930
    """
    w = tuple(int(v) for v in widths)
    hidden = w[1:-1]
    return sum(w[h] * math.prod(hidden[h:]) for h in range(len(w) - 1))


def gram_bytes(num_samples: int) -> int:
    """A generous estimate of the memory :func:`path_gram` and its exact rank use (Python ints, 3 copies)."""
    return 3 * 100 * num_samples * num_samples


def path_gram(net: Network, X: Any, at_zero: AtZero = None) -> tuple[np.ndarray, int]:
    """The Gram matrix α αᵀ of the path-activation matrix, as integers: ``(G, scale)`` with α αᵀ = G / scale.

    Parameters
    ----------
    net : Network
    X : batch of inputs (as :func:`relugeom.forward` takes them)
    at_zero : {None, "inactive", "active"}
        None (default) refuses a sample where a hidden pre-activation is exactly zero.

    Returns
    -------
    G : numpy.ndarray (n × n, object array of ints)
    scale : int
        d², where d is the common denominator of the batch.

    Raises
    ------
    DegeneratePointError
        When a hidden pre-activation is exactly zero and ``at_zero`` is None.

    Examples
    --------
    >>> from relugeom.core.network import Network
    >>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
    >>> G, scale = path_gram(net, ["1/2", 2])   # rows (1/2, 0, 1, 0, 1) and (2, 2, 1, 1, 1)
    >>> G.tolist(), scale
    ([[9, 12], [12, 44]], 4)
    """
    ep = exact_pass(net, X)
    return gram_of_pass(ep, layer_patterns(ep.pre, at_zero))


def gram_of_pass(ep: ExactPass, masks: Sequence[np.ndarray]) -> tuple[np.ndarray, int]:
    """:func:`path_gram` from an exact forward pass and its hidden layers' activation masks."""
    n = ep.num_samples
    require_memory(gram_bytes(n), f"the {n:,} × {n:,} Gram matrix of the path activations")
    A, d = ep.inputs[0], int(ep.input_dens[0])
    checkpoint("path Gram: inner products of the inputs")
    inner = int_matmul(A, np.ascontiguousarray(A.T))
    suffix = np.ones((n, n), dtype=object)  # Π_{l=h}^{L−1} c_l, built from the last hidden layer down
    bias_paths = np.zeros((n, n), dtype=object)
    for M in reversed(masks):
        checkpoint("path Gram: co-activation counts")
        m = M.astype(np.int64)
        suffix = suffix * (m @ m.T).astype(object)
        bias_paths = bias_paths + suffix
    G = d * d * (1 + bias_paths) + inner * suffix
    return G, d * d


def path_rank(
    net: Network,
    X: Any,
    method: RankMethod = "exact",
    *,
    at_zero: AtZero = None,
    seed: int | None = None,
    certify_timeout: float = 60.0,
) -> RankResult:
    """rank α(X, θ), from the Gram matrix (:func:`path_gram`) by :func:`relugeom.rank` with ``method``.

    ``method="exact"`` certifies it (a modular lower bound and exact kernel vectors of the Gram matrix).
    Degenerate samples are refused as in :func:`path_gram`.

    >>> from relugeom.core.network import Network
    >>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
    >>> path_rank(net, [-1, "-1/2", "1/2", "7/10", 2, 3]).rank   # all 4 paths and the constant
    5
    """
    ep = exact_pass(net, X)
    masks = layer_patterns(ep.pre, at_zero)
    G, _ = gram_of_pass(ep, masks)
    checkpoint("path Gram: kernel hints")
    hints = pattern_dependencies(ep.inputs[0], int(ep.input_dens[0]), masks)
    checkpoint("path Gram: rank")
    return rank(GramSource(G, hints), method, seed=seed, certify_timeout=certify_timeout)


def pattern_dependencies(A: np.ndarray, den: int, masks: Sequence[np.ndarray]) -> tuple[tuple[int, ...], ...]:
    """Kernel vectors of α αᵀ known in advance: affine dependencies among samples with one pattern.

    Within one activation pattern every row of α is linear in (x, 1) (the input paths carry x_j times a fixed
    0/1 product, the bias paths fixed 0/1 products), so each c with Σ_s c_s (x_s, 1) = 0 over the samples of
    one pattern has cᵀα = 0, hence (α αᵀ) c = 0. ``A`` holds the batch's integer numerators over ``den``.

    >>> import numpy as np
    >>> masks = [np.array([[True], [True], [True], [False]])]
    >>> pattern_dependencies(np.array([[1], [2], [3], [-1]], dtype=object), 1, masks)   # 1, 2, 3 on a line
    ((1, -2, 1, 0),)
    """
    n = A.shape[0]
    P = np.hstack(masks) if masks else np.zeros((n, 0), dtype=bool)
    groups: dict[bytes, list[int]] = {}
    for s in range(n):
        groups.setdefault(P[s].tobytes(), []).append(s)
    out = []
    for samples in groups.values():
        if len(samples) <= 1:
            continue
        M = flint.fmpz_mat([[int(A[s, j]) for s in samples] for j in range(A.shape[1])] + [[den] * len(samples)])
        null, nullity = M.nullspace()
        for t in range(int(nullity)):
            vec = [0] * n
            for i, s in enumerate(samples):
                vec[s] = int(null[i, t])
            out.append(tuple(vec))
    return tuple(out)


class GramSource:
    """The integer Gram matrix α αᵀ as a :class:`relugeom.linalg.MatrixSource`, with its known kernel vectors.

    Symmetric, so its right and left hints are the same :func:`pattern_dependencies`; no Fraction is built.
    """

    def __init__(self, G: np.ndarray, hints: Sequence[Sequence[int]]):
        self._G = G
        self._hints = tuple(tuple(int(v) for v in h) for h in hints)

    @property
    def shape(self) -> tuple[int, int]:
        return self._G.shape

    @property
    def column_scale(self) -> tuple[int, ...]:
        return (1,) * self._G.shape[1]

    def mod(self, p: int) -> np.ndarray:
        return (self._G % p).astype(np.int64)

    def integer(self) -> np.ndarray:
        return self._G

    def right_hints(self) -> tuple[str, tuple[tuple[int, ...], ...]]:
        return ("affine dependencies among samples of one pattern", self._hints)

    def left_hints(self) -> tuple[str, tuple[tuple[int, ...], ...]]:
        return self.right_hints()

    def row_norm_sq_bounds(self) -> list[int]:
        return [sum(int(v) * int(v) for v in row) for row in self._G]

    def float_matrix(self) -> np.ndarray:
        return self._G.astype(np.float64)
