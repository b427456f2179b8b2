"""Kernel vectors of the Jacobian known from theory, and the Jacobian as a rank-engine source.

Right kernel (vectors u with J u = 0), SPEC §3 and §5:

* **rescaling vectors**: for each hidden neuron (k, i), +θ on its incoming weights and bias, −θ on its
  outgoing weights. For any pattern consistent with the signs (including the one-sided conventions at
  zero) J u = B_{k+1}W[k+1][:, i] · (D_k[i] z_k[i] − relu(z_k[i])) = 0.
* **incoming null vectors**: the columns of one neuron's incoming weights and bias factor through the
  rows (a_k(x_s), 1) of the samples on which the neuron can matter; their linear dependencies are kernel
  vectors. Zero columns (dead neurons, inputs zero on the whole batch) are the simplest case.

Left kernel (vectors y with yᵀ J = 0): within one activation pattern the rows of J are affine in x, so
every affine dependency Σ_s c_s (x_s, 1) = 0 among samples of one pattern gives, for each output o, the
left kernel vector with entries c_s on the rows (s, o). Their span has dimension
n_L Σ_r (n_r − rank[X_r, 1]), which is the per-pattern bound of SPEC §3.

Examples
--------
>>> from relugeom.network import Network
>>> from relugeom.jacobian import ExactJacobian
>>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
>>> rescaling_vectors(net)
((1, 0, 0, 0, -1, 0, 0), (0, 1, 0, -1, 0, -1, 0))
>>> jac = ExactJacobian(net, [2, 3, 4, 5])
>>> len(affine_left_kernel(jac))   # 4 samples of one pattern in R^1: 4 - 2 dependencies
2
"""

from __future__ import annotations


import flint
import numpy as np

from .jacobian import ExactJacobian
from .linalg.source import Hints
from .network import Network
from .numbers import integer_scaling
from .symmetry import symmetry_kernel

__all__ = [
    "rescaling_vectors",
    "incoming_null_vectors",
    "affine_left_kernel",
    "JacobianSource",
]


def rescaling_vectors(net: Network) -> tuple[tuple[int, ...], ...]:
    """The H rescaling vectors (:func:`relugeom.symmetry.symmetry_kernel`) as integer multiples."""
    return tuple(tuple(integer_scaling(u)[0]) for u in symmetry_kernel(net))


def _live_columns(jac: ExactJacobian) -> list[np.ndarray]:
    """For each map k, an n × n_{k+1} boolean array: may column i of B_k be nonzero on sample s?

    A boolean propagation of "possibly nonzero" through B_k = B_{k+1} W[k+1] D_k (masks and the zero
    pattern of the weights): False is certain (the column is exactly zero), True is not.
    """
    net = jac.net
    n, L, n_out = jac.num_samples, net.num_layers, net.output_dim
    nonzero_w = [np.array([[v != 0 for v in row] for row in W], dtype=np.int64) for W in net.weights]
    B = np.broadcast_to(np.eye(n_out, dtype=np.int64), (n, n_out, n_out)).copy()
    live: list[np.ndarray] = [None] * L  # type: ignore[list-item]
    for k in range(L - 1, -1, -1):
        if k < L - 1:
            B = ((B @ nonzero_w[k + 1]) > 0).astype(np.int64) * jac.masks[k][:, None, :]
        live[k] = B.any(axis=1)
    return live


_CHECK_PRIME = 2147483647  # 2^31 - 1; a full rank mod p proves a full rank over Q


def incoming_null_vectors(jac: ExactJacobian) -> tuple[tuple[int, ...], ...]:
    """Kernel vectors of J supported on the incoming parameters of one neuron (any layer, outputs too).

    The columns of J for the weights and bias of neuron (k, i) factor as U V, where V has one row
    (a_k(x_s), 1) per sample s on which column i of B_k may be nonzero (on the others those columns
    vanish exactly). Every c with V c = 0 therefore gives J c = 0. This covers zero columns (a neuron
    inactive on the whole batch, an input coordinate zero on every sample) and neurons active on fewer
    samples than they have incoming parameters.
    """
    net = jac.net
    N = net.num_params
    offsets = net.parameter_offsets()
    out: list[tuple[int, ...]] = []
    for k, live in enumerate(_live_columns(jac)):
        A, e = jac.exact.inputs[k], jac.exact.input_dens[k]
        n_in = net.widths[k]
        w_start, b_start = offsets[k]
        for i in range(net.widths[k + 1]):
            cols = [w_start + i * n_in + j for j in range(n_in)] + [b_start + i]
            S = np.flatnonzero(live[:, i])
            if len(S) == 0:
                basis = [[int(r == t) for r in range(n_in + 1)] for t in range(n_in + 1)]
            else:
                rows = [[int(v) for v in A[s]] + [e] for s in S]
                if len(S) >= n_in + 1 and flint.nmod_mat(rows, _CHECK_PRIME).rank() == n_in + 1:
                    continue
                null, nullity = flint.fmpz_mat(rows).nullspace()
                basis = [[int(null[r, t]) for r in range(n_in + 1)] for t in range(int(nullity))]
            for vec in basis:
                full = [0] * N
                for c, v in zip(cols, vec):
                    full[c] = v
                out.append(tuple(full))
    return tuple(out)


def affine_left_kernel(jac: ExactJacobian) -> tuple[tuple[int, ...], ...]:
    """Left kernel vectors from affine dependencies among samples sharing a pattern (see module doc)."""
    P = jac.pattern_matrix()
    n, n_out = jac.num_samples, jac.net.output_dim
    X = jac.exact.inputs[0]
    dX = jac.exact.input_dens[0]
    groups: dict[bytes, list[int]] = {}
    for s in range(n):
        groups.setdefault(P[s].tobytes(), []).append(s)
    out = []
    for samples in groups.values():
        if len(samples) < 2:
            continue
        # columns (x_s, 1) scaled to integers: the null space of this (n0 + 1) × n_r matrix
        M = flint.fmpz_mat([[int(X[s, j]) for s in samples] for j in range(X.shape[1])] + [[dX] * len(samples)])
        basis, nullity = M.nullspace()
        for t in range(int(nullity)):
            coeffs = [int(basis[i, t]) for i in range(len(samples))]
            for o in range(n_out):
                vec = [0] * (n * n_out)
                for s, c in zip(samples, coeffs):
                    vec[s * n_out + o] = c
                out.append(tuple(vec))
    return tuple(out)


class JacobianSource:
    """An :class:`ExactJacobian` with its structural kernels, as a rank-engine source."""

    def __init__(self, jac: ExactJacobian):
        self.jac = jac
        self.shape = jac.shape
        self.column_scale = jac.column_scale
        self.mod = jac.mod
        self.integer = jac.integer
        self.row_norm_sq_bounds = jac.row_norm_sq_bounds
        self.float_matrix = jac.float_matrix

    def right_hints(self) -> Hints:
        return ("rescalings and incoming null vectors",
                rescaling_vectors(self.jac.net) + incoming_null_vectors(self.jac))

    def left_hints(self) -> Hints:
        return ("affine dependencies within patterns", affine_left_kernel(self.jac))
