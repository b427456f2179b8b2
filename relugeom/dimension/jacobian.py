"""The Jacobian of θ ↦ F_θ(X), exact and float64 (SPEC §3).

With D_k = diag(pattern of hidden layer k at x), B_{L−1} = I and B_k = B_{k+1} W[k+1] D_k:
∂F/∂W[k][i, j] = B_k[:, i] · a_k(x)_j and ∂F/∂b[k][i] = B_k[:, i]. Rows are sample-major then output
index; columns follow the parameter order of :meth:`Network.parameters`.

The exact Jacobian never holds a Fraction per entry in its hot path: with ``W[k] = W_int[k] / d_k`` and
``a_k = A_k / e_k`` (integers from :func:`~relugeom.core.forward.exact_pass`), the integer products
``B_int,k = B_int,k+1 · W_int[k+1] · D_k`` give ``J = J' · diag(1/s)`` with an integer matrix ``J'`` and
positive column scales ``s`` (``β_k e_k`` on the columns of ``W[k]``, ``β_k = d_{k+1}⋯d_{L−1}`` on those of
``b[k]``). ``J'`` is built either exactly (FLINT integer products) or directly modulo a prime (int64,
no big integers at all), which is what the rank engines use.

Examples
--------
>>> from relugeom.core.network import Network
>>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
>>> [str(v) for v in jacobian(net, [2])[0]]
['2', '2', '1', '1', '2', '1', '1']
>>> jacobian(net, [2], method="float")[0].tolist()
[2.0, 2.0, 1.0, 1.0, 2.0, 1.0, 1.0]
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable, Literal, Sequence

import numpy as np

from .._typing import EXACT_OR_FLOAT, check_choice
from ..core.forward import FloatPass, exact_pass, float_pass, forward, int_matmul
from ..core.network import Network
from ..core.patterns import AtZero, layer_patterns
from ..exceptions import ShapeError
from ..linalg.echelon import MAX_INNER, SMALL_PRIME_BITS, matmul_mod_small, reduce_mod, residues
from ..linalg.modular import matmul_mod
from ..numbers import to_fraction

__all__ = [
    "jacobian",
    "ExactJacobian",
    "exact_pass_bytes",
    "float_jacobian",
    "float_jacobian_from_pass",
    "squared_loss_gradient",
]


def exact_pass_bytes(net: Network, X: Any, probe: int = 8) -> int:
    """Estimated bytes an :class:`ExactJacobian` of the batch ``X`` holds (its exact forward pass), from a
    pass of its first ``probe`` samples: every layer's integer numerators at the size the probe shows,
    as Python integers (pointer + object), twice (the masks, the transient copies of a pass).

    >>> from relugeom.core.network import Network
    >>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
    >>> exact_pass_bytes(net, [[2], [3]])        # 2 samples × (1 + 2 + 2 + 1) small ints × 36 bytes × 2
    864
    """
    n = len(X)
    if n == 0:
        return 0
    sample = exact_pass(net, X[:probe])
    bits = max(abs(int(v)).bit_length() for A in sample.inputs + sample.pre for v in np.ravel(A))
    per_entry = 8 + 28 + 4 * max(0, -(-bits // 30) - 1)
    entries = net.input_dim + 2 * net.num_hidden + net.output_dim
    return 2 * n * entries * per_entry


def _backward_factors(
    weights: Sequence[np.ndarray],
    masks: Sequence[np.ndarray],
    n: int,
    n_out: int,
    matmul: Callable[[np.ndarray, np.ndarray], np.ndarray],
    reduce: Callable[[np.ndarray], np.ndarray],
    dtype: Any,
) -> list[np.ndarray]:
    """B_k(x_s) = ∂F/∂z_k for every map k, as n × n_L × n_{k+1} arrays: B_{L−1} = I, B_k = B_{k+1} W[k+1] D_k.

    Generic in the arithmetic: exact integers, residues mod p, or float64.
    """
    L = len(weights)
    B = np.zeros((n, n_out, n_out), dtype=dtype)
    for o in range(n_out):
        B[:, o, o] = 1
    out: list[np.ndarray] = [None] * L  # type: ignore[list-item]
    for k in range(L - 1, -1, -1):
        if k < L - 1:
            prod = matmul(B.reshape(n * n_out, weights[k + 1].shape[0]), weights[k + 1])
            B = reduce(prod.reshape(n, n_out, -1) * masks[k][:, None, :].astype(dtype))
        out[k] = B
    return out


def _assemble(
    weights: Sequence[np.ndarray],
    acts: Sequence[np.ndarray],
    masks: Sequence[np.ndarray],
    n_out: int,
    matmul: Callable[[np.ndarray, np.ndarray], np.ndarray],
    reduce: Callable[[np.ndarray], np.ndarray],
    dtype: Any,
    mix: np.ndarray | None = None,
) -> np.ndarray:
    """J (up to column scaling) from the layer weights, the layer inputs a_k and the hidden masks D_k.

    Generic in the arithmetic: exact integers, residues mod p, or float64. With ``mix`` (n × q × n_L), the
    q rows of sample s are the combinations ``mix[s] J_s`` of its n_L rows (vector–Jacobian products).
    """
    n = acts[0].shape[0]
    rows = n * (n_out if mix is None else mix.shape[1])
    blocks = []
    for k, B in enumerate(_backward_factors(weights, masks, n, n_out, matmul, reduce, dtype)):
        if mix is not None:
            B = reduce(np.matmul(mix, B))
        w_block = reduce(B[:, :, :, None] * acts[k][:, None, None, :]).reshape(rows, -1)
        blocks.append(np.concatenate([w_block, B.reshape(rows, -1)], axis=1))
    return np.concatenate(blocks, axis=1)


class ExactJacobian:
    """The exact Jacobian J(θ, X) as ``J'`` (integers) and column scales ``s``: ``J = J' diag(1/s)``.

    Parameters
    ----------
    net : Network
    X : batch of inputs
    at_zero : {None, "inactive", "active"}
        Degenerate points are refused unless a one-sided convention is given (SPEC §2).

    Examples
    --------
    >>> from relugeom.core.network import Network
    >>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
    >>> jac = ExactJacobian(net, ["1/2", 3])
    >>> jac.shape, jac.column_scale
    ((2, 7), (2, 2, 1, 1, 2, 2, 1))
    >>> jac.integer().tolist()
    [[1, 0, 1, 0, 1, 0, 1], [6, 6, 1, 1, 6, 4, 1]]
    >>> [str(v) for v in jac.fractions()[0]]
    ['1/2', '0', '1', '0', '1/2', '0', '1']
    """

    def __init__(self, net: Network, X: Any, at_zero: AtZero = None):
        self.net = net
        self.exact = exact_pass(net, X)
        self.masks = layer_patterns(self.exact.pre, at_zero)
        self.at_zero = at_zero
        n = self.exact.num_samples
        self._shape = (n * net.output_dim, net.num_params)
        dens = [layer.den for layer in net.integer_layers()]
        scales: list[int] = []
        for k in range(net.num_layers):
            beta = 1
            for d in dens[k + 1 :]:
                beta *= d
            n_out, n_in = net.widths[k + 1], net.widths[k]
            scales.extend([beta * self.exact.input_dens[k]] * (n_out * n_in) + [beta] * n_out)
        self._scale = tuple(scales)
        self._integer: np.ndarray | None = None
        self._weights: list[np.ndarray] | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return self._shape

    @property
    def column_scale(self) -> tuple[int, ...]:
        return self._scale

    @property
    def num_samples(self) -> int:
        return self.exact.num_samples

    def pattern_matrix(self) -> np.ndarray:
        """The n × H activation pattern matrix used for this Jacobian."""
        if not self.masks:
            return np.zeros((self.num_samples, 0), dtype=bool)
        return np.hstack(self.masks)

    def _int_weights(self) -> list[np.ndarray]:
        """``W_int[k]`` (n_{k+1} × n_k) as object arrays of Python ints (built once)."""
        if self._weights is None:
            self._weights = [np.array(layer.weight, dtype=object) for layer in self.net.integer_layers()]
        return self._weights

    def integer(self) -> np.ndarray:
        """``J'`` as an m × N numpy object array of Python ints (computed once)."""
        if self._integer is None:
            self._integer = _assemble(
                self._int_weights(),
                self.exact.inputs,
                self.masks,
                self.net.output_dim,
                lambda A, B: int_matmul(A, B),
                lambda A: A,
                object,
            )
        return self._integer

    def mod(self, p: int) -> np.ndarray:
        """``J' mod p`` as int64 in [0, p), built from the parameters mod p (no big integers)."""
        if p < 1 << SMALL_PRIME_BITS:
            return (np.vstack(list(self.mod_blocks(p))).astype(np.int64) % p).reshape(self.shape)
        weights = [(W % p).astype(np.int64) for W in self._int_weights()]
        acts = [(A % p).astype(np.int64) for A in self.exact.inputs]
        return _assemble(
            weights,
            acts,
            self.masks,
            self.net.output_dim,
            lambda A, B: matmul_mod(A, B, p),
            lambda A: A % p,
            np.int64,
        )

    def mod_blocks(self, p: int, samples_per_block: int | None = None, combine: int | None = None, seed: int = 0):
        """``J' mod p`` as float64 residues (|r| ≤ 1.5 p, :mod:`relugeom.linalg.echelon`), a block of rows
        for each ``samples_per_block`` samples (default: up to 512 rows); p must be below 2^21.

        The layer inputs and weights are reduced mod p once; each block is assembled on float64 BLAS from
        its samples only, so the whole J' is never held (the rank engines stream these blocks).

        ``combine=q`` (q < n_L) gives instead q random combinations of each sample's n_L rows, ``V_s J'_s``
        with V_s uniform mod p (``seed``): vector–Jacobian products, a random left projection that costs
        q/n_L of the rows. They lie in the row space of J' mod p, so their rank is a certain lower bound.

        >>> from relugeom.core.network import Network
        >>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
        >>> [b.tolist() for b in ExactJacobian(net, ["1/2", 3]).mod_blocks(1048583, samples_per_block=1)]
        [[[1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0]], [[6.0, 6.0, 1.0, 1.0, 6.0, 4.0, 1.0]]]
        >>> net2 = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1], [2, 0]], [0, 0])])   # n_L = 2
        >>> jac = ExactJacobian(net2, [3])
        >>> V = next(jac.mod_blocks(1048583, combine=1, seed=5))
        >>> v = np.random.default_rng(5).integers(0, 1048583, (1, 1, 2))[0]   # the combination drawn
        >>> bool(((V.astype(np.int64) - v @ jac.mod(1048583)) % 1048583 == 0).all())
        True
        """
        n_out = self.net.output_dim
        q = n_out if combine is None else combine
        per = samples_per_block or max(1, MAX_INNER // q)
        rng = np.random.default_rng(seed)
        weights = [residues(W, p) for W in self._int_weights()]
        acts = [residues(A, p) for A in self.exact.inputs]
        for start in range(0, self.num_samples, per):
            rows = slice(start, start + per)
            c = len(range(*rows.indices(self.num_samples)))
            mix = None if combine is None else rng.integers(0, p, (c, q, n_out)).astype(np.float64)
            yield _assemble(
                weights,
                [A[rows] for A in acts],
                [mask[rows] for mask in self.masks],
                n_out,
                lambda A, B: matmul_mod_small(A, B, p),
                lambda A: reduce_mod(A, p),
                np.float64,
                mix,
            )

    def mod_column_blocks(self, p: int, rows_per_block: int = MAX_INNER):
        """The columns of ``J' mod p`` (as rows: blocks of ``J'ᵀ``), float64 residues, p below 2^21.

        For a wide J (fewer rows than parameters) the rank engine streams these: a full row rank is then
        proven after about m columns instead of N. Column (W[k][i, j]) is ``B_k(x_s)[o, i] · a_k(x_s)_j``
        on row (s, o), column (b[k][i]) is ``B_k(x_s)[o, i]``. The bias columns of every map come first, then
        the weight columns of the maps in turn, input by input (``W[k][:, j]`` for a few j at a time): one
        neuron's columns span at most n dimensions and one map's at most Σ_s rank B_k(x_s), so this order
        reaches a full rank sooner than parameter order. The backward factors of all samples are held
        (n·n_L·H residues), never J'.

        >>> from relugeom.core.network import Network
        >>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
        >>> jac = ExactJacobian(net, ["1/2", 3])
        >>> [b.tolist() for b in jac.mod_column_blocks(1048583, rows_per_block=2)][:2]   # b[0], b[1]; W[0][:, 0]
        [[[1.0, 1.0], [0.0, 1.0], [1.0, 1.0]], [[1.0, 6.0], [0.0, 6.0]]]
        >>> cols = np.vstack(list(jac.mod_column_blocks(1048583)))   # the columns of J' mod p, reordered
        >>> sorted(map(tuple, cols.astype(np.int64).tolist())) == sorted(map(tuple, jac.mod(1048583).T.tolist()))
        True
        """
        n_out = self.net.output_dim
        weights = [residues(W, p) for W in self._int_weights()]
        Bs = _backward_factors(
            weights,
            self.masks,
            self.num_samples,
            n_out,
            lambda A, B: matmul_mod_small(A, B, p),
            lambda A: reduce_mod(A, p),
            np.float64,
        )
        m = self.shape[0]
        Bts = [B.transpose(2, 0, 1) for B in Bs]  # width × n × n_L, per map
        yield np.vstack([np.ascontiguousarray(Bt).reshape(-1, m) for Bt in Bts])  # every b[k]'s columns

        def weight_columns(k: int):
            A = residues(self.exact.inputs[k], p)  # n × n_k
            group = max(1, rows_per_block // Bts[k].shape[0])
            for first in range(0, A.shape[1], group):  # input-major: one column of each neuron per input j
                w_rows = reduce_mod(A.T[first : first + group, None, :, None] * Bts[k][None, :, :, :], p)
                yield w_rows.reshape(-1, m)  # the columns of W[k][:, j] for j in the group

        maps = [weight_columns(k) for k in range(len(Bs))]
        while maps:  # round robin over the maps: no map's columns can stall the others'
            for gen in list(maps):
                block = next(gen, None)
                if block is None:
                    maps.remove(gen)
                else:
                    yield block

    def backward_factors(self, samples: slice | None = None) -> list[np.ndarray]:
        """The integer ``B_int,k(x_s)`` for every map k: an n × n_L × n_{k+1} object array per map.

        ``B_int,L−1 = I`` and ``B_int,k = B_int,k+1 · W_int[k+1] · D_k``, so ``B_int,k = β_k B_k`` with
        ``β_k = d_{k+1}⋯d_{L−1} > 0``: these are exactly the columns of ``J'`` for ``b[k]`` on the n_L rows of
        sample s, and the columns for ``W[k][i, j]`` there are ``A_k[s, j]`` times those of ``b[k][i]``.
        Computed on each call (cheap next to ``J'``: no Kronecker factor), for all samples or a slice of them.

        >>> from relugeom.core.network import Network
        >>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, "1/2"]], [0])])
        >>> [B.tolist() for B in ExactJacobian(net, [3]).backward_factors()]
        [[[[2, 1]]], [[[1]]]]
        """
        rows = slice(None) if samples is None else samples
        masks = [mask[rows] for mask in self.masks]
        n = len(range(*rows.indices(self.num_samples)))
        return _backward_factors(self._int_weights(), masks, n, self.net.output_dim, int_matmul, lambda A: A, object)

    def fractions(self) -> np.ndarray:
        """J as an m × N object array of Fractions."""
        J = self.integer()
        out = np.empty(J.shape, dtype=object)
        for c, s in enumerate(self._scale):
            out[:, c] = [Fraction(int(v), s) for v in J[:, c]]
        return out

    def float_matrix(self) -> np.ndarray:
        """The exact J rounded entrywise to float64."""
        return np.array([[float(v) for v in row] for row in self.fractions()], dtype=np.float64).reshape(self.shape)

    def row_norm_sq_bounds(self) -> list[int]:
        """Upper bounds on the squared Euclidean norms of the rows of ``J'`` (for Hadamard bounds)."""
        net = self.net
        ints = self._int_weights()
        L = net.num_layers
        b = [0] * L
        b[L - 1] = 1
        for k in range(L - 2, -1, -1):
            col_abs = [sum(abs(int(v)) for v in col) for col in ints[k + 1].T]  # Σ_o |W_int[k+1][o, i]|
            b[k] = b[k + 1] * max(col_abs)
        total = np.zeros(self.num_samples, dtype=object)
        for k in range(L):
            A = self.exact.inputs[k]
            a_sq = (A * A).sum(axis=1) if A.shape[1] else np.zeros(self.num_samples, dtype=object)
            total = total + net.widths[k + 1] * b[k] * b[k] * (a_sq + 1)
        return [int(v) for v in np.repeat(total, net.output_dim)]


def float_jacobian(net: Network, X: Any, at_zero: AtZero = None) -> np.ndarray:
    """J in float64: float parameters, float forward pass, float signs (which can differ from exact)."""
    fp = float_pass(net, X)
    return float_jacobian_from_pass(net, fp, layer_patterns(fp.pre, at_zero))


def float_jacobian_from_pass(net: Network, fp: FloatPass, masks: Sequence[np.ndarray]) -> np.ndarray:
    """J in float64 from a float forward pass and its hidden masks (avoids a second pass)."""
    weights = [W for W, _ in net.float_layers()]
    return _assemble(weights, fp.inputs, masks, net.output_dim, np.matmul, lambda A: A, np.float64)


def jacobian(net: Network, X: Any, method: Literal["exact", "float"] = "exact", at_zero: AtZero = None) -> np.ndarray:
    """J(θ, X): m × N with m = n·n_L, rows sample-major then output, columns in parameter order.

    Parameters
    ----------
    net : Network
    X : batch of inputs
    method : {"exact", "float"}
        ``exact`` returns an object array of Fractions, ``float`` a float64 array.
    at_zero : {None, "inactive", "active"}

    Raises
    ------
    DegeneratePointError
        At a degenerate point when ``at_zero`` is None.
    """
    if check_choice("method", method, EXACT_OR_FLOAT) == "exact":
        return ExactJacobian(net, X, at_zero).fractions()
    return float_jacobian(net, X, at_zero)


def squared_loss_gradient(
    net: Network, X: Any, Y: Any, method: Literal["exact", "float"] = "exact", at_zero: AtZero = None
) -> np.ndarray:
    """∇_θ ½ Σ_i ‖F_θ(x_i) − y_i‖² = Jᵀ(F − Y), in parameter order: Fractions or float64.

    ``Y`` holds one row of n_L targets per sample (a flat list when n_L = 1). Divide by n for the mean loss.

    >>> from relugeom.core.network import Network
    >>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
    >>> [str(v) for v in squared_loss_gradient(net, [[2], ["1/3"]], [1, 0])]   # residuals 2 and 1/3
    ['37/9', '4', '7/3', '2', '37/9', '2', '7/3']
    >>> squared_loss_gradient(net, [[2]], [[1]], method="float").tolist()
    [4.0, 4.0, 2.0, 2.0, 4.0, 2.0, 2.0]
    """
    J = jacobian(net, X, method, at_zero)
    F = forward(net, X, method)
    T = np.array(Y, dtype=object)
    if T.size != F.size:
        raise ShapeError(f"targets have {T.size} entries; {F.shape[0]} samples × {F.shape[1]} outputs expected")
    T = T.reshape(F.shape)
    if method == "exact":
        T = np.vectorize(lambda v: to_fraction(v, "targets"), otypes=[object])(T)
    return J.T.dot((F - T.astype(F.dtype)).ravel())
