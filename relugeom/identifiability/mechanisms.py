"""The candidate mechanisms of :mod:`relugeom.identifiability.deficit` and the exact linear algebra they share.

A mechanism *instance* is a set V of parameter coordinates (a coordinate subspace of R^N, in the
Jacobian's column order); its subspace is S = ker J ∩ V, the kernel directions that move only those
coordinates: exactly the null space of J restricted to the columns V, embedded in R^N
(:func:`restricted_kernel`). This module finds the instances of the five structural mechanisms whose V
is read off the network and the domain (:func:`neuron_instances`), gives the explicit input-span vectors
(:func:`input_span_vectors`), keeps a growing exact basis (:func:`extend_basis`: how much a subspace adds
beyond the ones before, exactly), and checks ``J v = 0`` in integers (:func:`check_kernel`).

Coordinates: every vector here is an integer vector in J's own coordinates (the parameters θ). The
integer matrix ``J'`` of :class:`~relugeom.dimension.jacobian.ExactJacobian` has ``J = J' diag(1/s)``, so
v ∈ ker J iff ``(v_c / s_c)_c`` ∈ ker J'; :func:`relugeom.linalg.exact.complete_kernel` does that
conversion and returns J-coordinates.

Examples
--------
>>> from relugeom.core.network import Network
>>> net = Network.from_layers([([[1], [2]], [-1, -2]), ([[1, 1]], [0])])     # twins: 2 relu(x − 1)
>>> [(name, neurons) for name, neurons, _ in neuron_instances(net, [np.ones((1, 2), dtype=bool)])[1:]]
[('twins', ((0, 0), (0, 1)))]
>>> extend_basis([(1, 0, 0)], [(2, 0, 0), (0, 1, 1), (0, 2, 2)], np.random.default_rng(0))
[(0, 1, 1)]
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import flint
import numpy as np

from ..core.network import Network
from ..linalg.exact import complete_kernel
from ..linalg.modular import random_prime
from ..symmetry import incoming_vector, ray

__all__ = [
    "MECHANISMS",
    "Vector",
    "ColumnSource",
    "neuron_columns",
    "neuron_instances",
    "input_span_vectors",
    "restricted_kernel",
    "extend_basis",
    "check_kernel",
    "primitive",
]

#: The mechanisms in the order they are attributed (``unexplained`` is what remains after them).
MECHANISMS = (
    "dead",
    "always-active",
    "unseen-kink",
    "twins",
    "opposite",
    "input-span",
    "silent-edges",
    "neuron-support",
    "sample-rows",
    "pattern-rows",
)

Vector = tuple[int, ...]

#: Primes for the greedy selection: 62 bits (FLINT's ``nmod_mat`` takes moduli below 2^64).
SELECTION_PRIME_BITS = 62


def primitive(vec: Sequence[int]) -> Vector:
    """The integer vector divided by the gcd of its entries, first nonzero entry made positive.

    >>> primitive([0, -4, 6])
    (0, 2, -3)
    """
    g = 0
    for v in vec:
        g = math.gcd(g, int(v))
    if g == 0:
        return tuple(int(v) for v in vec)
    first = next(int(v) for v in vec if v != 0)
    g = g if first > 0 else -g
    return tuple(int(v) // g for v in vec)


def neuron_columns(net: Network, layer: int, neuron: int, outgoing: bool = True) -> list[int]:
    """The columns of neuron (layer, neuron) of map ``layer``: incoming weights, bias, and (``outgoing``, hidden
    neurons only) outgoing weights.

    >>> neuron_columns(Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])]), 0, 1)
    [1, 3, 5]
    """
    offsets = net.parameter_offsets()
    w_start, b_start = offsets[layer]
    n_in, n_k = net.widths[layer], net.widths[layer + 1]
    cols = [w_start + neuron * n_in + j for j in range(n_in)] + [b_start + neuron]
    if outgoing:
        w_next = offsets[layer + 1][0]
        cols += [w_next + o * n_k + neuron for o in range(net.widths[layer + 2])]
    return cols


def _bias_columns(net: Network, k: int) -> list[int]:
    b_start = net.parameter_offsets()[k][1]
    return list(range(b_start, b_start + net.widths[k + 1]))


def output_matters(jac: Any) -> list[np.ndarray]:
    """For each hidden layer k, the n × n_{k+1} booleans: does the output of neuron (k, i) reach F at x_s?

    That is (B_{k+1}(x_s) W[k+1])[:, i] ≠ 0, exactly (integer backward factors of
    :meth:`relugeom.dimension.jacobian.ExactJacobian.backward_factors`; cancellations are seen).

    >>> from relugeom.dimension.jacobian import ExactJacobian
    >>> net = Network.from_layers([([[1]], [0]), ([[1]], [-1]), ([[1]], [0])])   # relu(relu(x) − 1)
    >>> [m.ravel().tolist() for m in output_matters(ExactJacobian(net, ["1/2", 2]))]
    [[False, True], [True, True]]
    """
    net = jac.net
    B = jac.backward_factors()
    layers = net.integer_layers()
    out = []
    for k in range(net.num_layers - 1):
        W = np.array(layers[k + 1].weight, dtype=object)
        reach = np.array([Bs.dot(W) for Bs in B[k + 1]], dtype=object).reshape(jac.num_samples, -1, W.shape[1])
        out.append((reach != 0).any(axis=1))
    return out


def neuron_instances(
    net: Network, masks: Sequence[np.ndarray], matters: Sequence[np.ndarray] | None = None
) -> list[tuple[str, tuple[tuple[int, int], ...], list[int]]]:
    """The instances of mechanisms 1–5 as ``(name, neurons, columns V)``, in the attribution order.

    ``masks[k]`` is the n × n_{k+1} derivative pattern of hidden layer k on the domain batch; ``matters[k]``
    (:func:`output_matters`; None: not used) says where each neuron's output reaches F.

    * ``dead``: each neuron inactive on every sample; V = its incoming, bias and outgoing columns.
    * ``always-active``: per layer, the set A_k of neurons active on every sample; V = their incoming and
      outgoing columns and the next map's bias.
    * ``unseen-kink``: per layer, the set U_k of neurons, neither dead nor always active, that are active
      on every sample where their output matters: their kink is never seen, and where it could be they act
      affinely. V = the incoming and outgoing columns of A_k ∪ U_k and the next map's bias.
    * ``twins``: per layer, each class (size ≥ 2) of neurons whose incoming vectors (weights and bias) are
      nonzero and positively collinear; V = their incoming and outgoing columns.
    * ``opposite``: per layer, each line through 0 holding incoming vectors of both signs; V = the incoming
      and outgoing columns of every neuron on it and the next map's bias.
    """
    dead: list = []
    active: list = []
    unseen: list = []
    twins: list = []
    opposite: list = []
    for k, mask in enumerate(masks):
        on = mask.any(axis=0)
        always = mask.all(axis=0) if mask.shape[0] else np.zeros(mask.shape[1], dtype=bool)
        for i in np.flatnonzero(~on):
            dead.append(("dead", ((k, int(i)),), neuron_columns(net, k, int(i))))
        A = [int(i) for i in np.flatnonzero(always & on)]
        if A:
            cols = [c for i in A for c in neuron_columns(net, k, i)] + _bias_columns(net, k + 1)
            active.append(("always-active", tuple((k, i) for i in A), cols))
        if matters is not None:
            seen_off = (matters[k] & ~mask).any(axis=0)
            U = [int(i) for i in np.flatnonzero(on & ~always & ~seen_off)]
            if U:
                cols = [c for i in A + U for c in neuron_columns(net, k, i)] + _bias_columns(net, k + 1)
                unseen.append(("unseen-kink", tuple((k, i) for i in U), cols))
        rays: dict[tuple, list[int]] = {}
        lines: dict[tuple, list[tuple[int, int]]] = {}
        for i in range(net.widths[k + 1]):
            key = ray(incoming_vector(net, k, i))
            if key is None:
                continue  # a zero incoming vector: no direction (and degenerate unless at_zero is given)
            rays.setdefault(key, []).append(i)
            sign = 1 if next(x for x in key if x != 0) > 0 else -1  # the line through 0: ±key
            lines.setdefault(tuple(sign * x for x in key), []).append((i, sign))
        for members in rays.values():
            if len(members) >= 2:
                cols = [c for i in members for c in neuron_columns(net, k, i)]
                twins.append(("twins", tuple((k, i) for i in members), cols))
        for members in lines.values():
            if {s for _, s in members} == {1, -1}:
                neurons = sorted(i for i, _ in members)
                cols = [c for i in neurons for c in neuron_columns(net, k, i)] + _bias_columns(net, k + 1)
                opposite.append(("opposite", tuple((k, i) for i in neurons), cols))
    return dead + active + unseen + twins + opposite


def input_span_vectors(net: Network, X_int: np.ndarray, den: int) -> list[Vector]:
    """The vectors c ⊗ e_i: c in the null space of [X | 1] (the batch X = X_int / den), on the incoming weights
    and bias of each neuron i of map 0 (the first hidden layer, or the outputs when L = 1). They are kernel
    vectors: no pre-activation of map 0 moves on X.

    >>> net = Network.from_layers([([[1, 0]], [0]), ([[1]], [0])])
    >>> input_span_vectors(net, np.array([[1, 1], [2, 2]], dtype=object), 1)    # samples on the line x = y
    [(1, -1, 0, 0, 0)]
    """
    n, n0 = X_int.shape
    if n == 0:
        return []
    null, nullity = flint.fmpz_mat([[int(v) for v in row] + [int(den)] for row in X_int]).nullspace()
    basis = [[int(null[r, t]) for r in range(n0 + 1)] for t in range(int(nullity))]
    out = []
    for i in range(net.widths[1]):
        cols = neuron_columns(net, 0, i, outgoing=False)
        for c in basis:
            vec = [0] * net.num_params
            for col, v in zip(cols, c):
                vec[col] = v
            out.append(primitive(vec))
    return out


class ColumnSource:
    """The columns V of ``J'`` (rows that vanish on V left out) as a :class:`~relugeom.linalg.MatrixSource`."""

    def __init__(self, integer: np.ndarray, column_scale: Sequence[int], columns: Sequence[int]):
        sub = integer[:, list(columns)]
        keep = np.flatnonzero((sub != 0).any(axis=1)) if sub.size else np.zeros(0, dtype=int)
        self._M = sub[keep]
        self.shape = self._M.shape
        self.column_scale = tuple(int(column_scale[c]) for c in columns)

    def integer(self) -> np.ndarray:
        return self._M

    def row_norm_sq_bounds(self) -> list[int]:
        return [sum(int(v) * int(v) for v in row) for row in self._M]


def restricted_kernel(
    integer: np.ndarray,
    column_scale: Sequence[int],
    columns: Sequence[int],
    rng: np.random.Generator,
    timeout: float,
) -> list[Vector]:
    """A basis of ker J ∩ V: the null space of J restricted to ``columns``, embedded in R^N, exactly checked.

    >>> J = np.array([[1, 1, 0], [0, 0, 1]], dtype=object)
    >>> restricted_kernel(J, (1, 2, 1), [0, 1], np.random.default_rng(0), 60.0)   # J = J' diag(1/s)
    [(1, -2, 0)]
    """
    N = integer.shape[1]
    sub = ColumnSource(integer, column_scale, columns)
    out = []
    for vec in complete_kernel(sub, (), rng, timeout=timeout):
        full = [0] * N
        for c, v in zip(columns, vec):
            full[c] = v
        out.append(primitive(full))
    return out


def _greedy(vectors: Sequence[Vector], p: int) -> list[int]:
    """Indices of the vectors that raise the rank modulo p, taken in order (pivots of the transposed rref)."""
    n = len(vectors[0])
    A = flint.nmod_mat(n, len(vectors), [int(vec[c]) % p for c in range(n) for vec in vectors], p)
    R, rank = A.rref()
    out = []
    for i in range(int(rank)):
        out.append(next(j for j in range(len(vectors)) if int(R[i, j]) != 0))
    return out


def extend_basis(
    basis: Sequence[Vector], candidates: Sequence[Vector], rng: np.random.Generator, max_primes: int = 4
) -> list[Vector]:
    """The candidates that extend ``basis`` (independent over Q) to a basis of span(basis ∪ candidates).

    The greedy choice is made modulo a random 62-bit prime (vectors independent mod p are independent
    over Q); the number chosen is then checked against the exact rank over Q of basis ∪ candidates
    (FLINT ``fmpz_mat.rank``) whenever some candidate was left out, so the count is exact. A prime that
    makes ``basis`` itself dependent, or misses a direction, is replaced.

    Raises
    ------
    RuntimeError
        If ``max_primes`` primes all fail (a bug, or ``basis`` not independent).
    """
    if not candidates:
        return []
    stack = list(basis) + list(candidates)
    exact: int | None = None
    tried: list[int] = []
    for _ in range(max_primes):
        p = random_prime(rng, exclude=tried, bits=SELECTION_PRIME_BITS)
        tried.append(p)
        chosen = _greedy(stack, p)
        if sum(1 for i in chosen if i < len(basis)) < len(basis):
            continue
        new = [stack[i] for i in chosen if i >= len(basis)]
        if len(new) == len(candidates):
            return new
        if exact is None:
            exact = int(flint.fmpz_mat([list(v) for v in stack]).rank())
        if len(basis) + len(new) == exact:
            return new
    raise RuntimeError(f"no prime of {len(tried)} gave the exact rank of {len(stack)} vectors: basis not independent?")


def check_kernel(integer: np.ndarray, column_scale: Sequence[int], vectors: Sequence[Vector]) -> bool:
    """Whether J v = 0 for every vector, in exact integer arithmetic: ``J' (v_c L / s_c)_c = 0`` with L = lcm(s).

    >>> J_int = np.array([[1, 1]], dtype=object)          # J = J' diag(1/s) = [[1, 1/2]] with s = (1, 2)
    >>> check_kernel(J_int, (1, 2), [(1, -2)]), check_kernel(J_int, (1, 2), [(1, -1)])
    (True, False)
    """
    if not vectors:
        return True
    m, N = integer.shape
    if m == 0:
        return True
    L = 1
    for s in set(column_scale):
        L = math.lcm(L, int(s))
    factors = [L // int(s) for s in column_scale]
    V = flint.fmpz_mat(N, len(vectors), [int(vec[c]) * factors[c] for c in range(N) for vec in vectors])
    J = flint.fmpz_mat(m, N, [int(v) for v in np.ravel(integer)])
    return bool((J * V).is_zero())
