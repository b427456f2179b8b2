"""Kernel vectors of the Jacobian known from theory, and the Jacobian as a rank-engine source.

Right kernel (vectors u with J u = 0), SPEC §3 and §5:

* **rescaling vectors**: for each hidden neuron (k, i), +θ on its incoming weights and bias, −θ on its
  outgoing weights. For any pattern consistent with the signs (including the one-sided conventions at
  zero) J u = B_{k+1}W[k+1][:, i] · (D_k[i] z_k[i] − relu(z_k[i])) = 0.
* **structural zero columns**: a column is exactly zero when a boolean propagation of "possibly nonzero"
  through the backward products B_k (masks and the zero pattern of the weights) says so, or when the
  corresponding layer input is zero on every sample.

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

import math
from fractions import Fraction

import flint
import numpy as np

from .jacobian import ExactJacobian
from .linalg.source import Hints
from .network import Network

__all__ = [
    "rescaling_vectors",
    "structural_zero_columns",
    "affine_left_kernel",
    "JacobianSource",
]


def _integer_vector(values: list[Fraction]) -> tuple[int, ...]:
    den = math.lcm(*(v.denominator for v in values)) if values else 1
    return tuple(int(v * den) for v in values)


def rescaling_vectors(net: Network) -> tuple[tuple[int, ...], ...]:
    """The H rescaling vectors (integer multiples of them) in the Jacobian's column order."""
    offsets = net.parameter_offsets()
    N = net.num_params
    out = []
    for k in range(net.num_layers - 1):
        w_start, b_start = offsets[k]
        w_next, _ = offsets[k + 1]
        n_in = net.widths[k]
        n_next = net.widths[k + 1]
        for i in range(net.widths[k + 1]):
            vec = [Fraction(0)] * N
            for j in range(n_in):
                vec[w_start + i * n_in + j] = net.weights[k][i][j]
            vec[b_start + i] = net.biases[k][i]
            for o in range(net.widths[k + 2]):
                vec[w_next + o * n_next + i] = -net.weights[k + 1][o][i]
            out.append(_integer_vector(vec))
    return tuple(out)


def structural_zero_columns(jac: ExactJacobian) -> tuple[int, ...]:
    """Indices of columns of J that are zero for structural reasons (hence exactly zero)."""
    net = jac.net
    n, L, n_out = jac.num_samples, net.num_layers, net.output_dim
    nonzero_w = [np.array([[v != 0 for v in row] for row in W], dtype=np.int64) for W in net.weights]
    B = np.broadcast_to(np.eye(n_out, dtype=np.int64), (n, n_out, n_out)).copy()
    zero_cols: list[int] = []
    offsets = net.parameter_offsets()
    for k in range(L - 1, -1, -1):
        if k < L - 1:
            B = ((B @ nonzero_w[k + 1]) > 0).astype(np.int64) * jac.masks[k][:, None, :]
        b_live = B.any(axis=1)  # n × n_{k+1}: column i of B_k possibly nonzero on sample s
        a_live = np.asarray(jac.exact.inputs[k] != 0, dtype=bool)  # n × n_k
        w_live = (b_live[:, :, None] & a_live[:, None, :]).any(axis=0)  # n_{k+1} × n_k
        w_start, b_start = offsets[k]
        zero_cols.extend(w_start + int(c) for c in np.flatnonzero(~w_live.ravel()))
        zero_cols.extend(b_start + int(i) for i in np.flatnonzero(~b_live.any(axis=0)))
    return tuple(sorted(zero_cols))


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
        N = self.jac.net.num_params
        units = tuple(tuple(1 if c == z else 0 for c in range(N)) for z in structural_zero_columns(self.jac))
        return ("rescalings and zero columns", rescaling_vectors(self.jac.net) + units)

    def left_hints(self) -> Hints:
        return ("affine dependencies within patterns", affine_left_kernel(self.jac))
