"""Kernel vectors of the Jacobian known from theory, and the Jacobian as a rank-engine source.

Right kernel (vectors u with J u = 0), SPEC §3 and §5:

* **rescaling vectors**: for each hidden neuron (k, i), +θ on its incoming weights and bias, −θ on its
  outgoing weights. For any pattern consistent with the signs (including the one-sided conventions at
  zero) J u = B_{k+1}W[k+1][:, i] · (D_k[i] z_k[i] − relu(z_k[i])) = 0.
* **incoming null vectors**: the columns of one neuron's incoming weights and bias factor through the
  rows (a_k(x_s), 1) of the samples on which the neuron can matter; their linear dependencies are kernel
  vectors. Zero columns (dead neurons, inputs zero on the whole batch) are the simplest case.
* **always-active translations**: for a hidden neuron (k, i) whose derivative pattern D_k[i] is 1 on
  every sample of the batch, +1 on b[k][i] and −W[k+1][:, i] on b[k+1] (z_{k+1} does not move, since
  relu(z + t) = relu(z) + t on the whole batch); see :func:`always_active_translations`.

Beyond explicit vectors, :meth:`JacobianSource.block_ranks` gives the certified engine the per-sample
ranks of the column blocks of the affine maps (rank B_k(x_s) for each sample), from which
:mod:`relugeom.linalg.certificate`'s block-rank bound proves kernels too large to list cheaply.

Left kernel (vectors y with yᵀ J = 0): within one activation pattern the rows of J are affine in x, so
every affine dependency Σ_s c_s (x_s, 1) = 0 among samples of one pattern gives, for each output o, the
left kernel vector with entries c_s on the rows (s, o). Their span has dimension
n_L Σ_r (n_r − rank[X_r, 1]), which is the per-pattern bound of SPEC §3. When the first layers' backward
factors vanish on a pattern, x is replaced by the input of the first map that matters (see
:func:`affine_left_kernel`), which gives more of them.

Examples
--------
>>> from relugeom.core.network import Network
>>> from relugeom.dimension.jacobian import ExactJacobian
>>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
>>> rescaling_vectors(net)
((1, 0, 0, 0, -1, 0, 0), (0, 1, 0, -1, 0, -1, 0))
>>> jac = ExactJacobian(net, [2, 3, 4, 5])
>>> len(affine_left_kernel(jac))   # 4 samples of one pattern in R^1: 4 - 2 dependencies
2
"""

from __future__ import annotations

from fractions import Fraction

import flint
import numpy as np

from ..core.network import Network
from ..linalg.certificate import BlockRanks
from ..linalg.echelon import rank_mod_small_prime, residues
from ..linalg.source import Hints
from ..numbers import integer_scaling
from .jacobian import ExactJacobian

__all__ = [
    "symmetry_kernel",
    "rescaling_vectors",
    "incoming_null_vectors",
    "always_active_translations",
    "affine_left_kernel",
    "JacobianSource",
]


def symmetry_kernel(net: Network) -> tuple[tuple[Fraction, ...], ...]:
    """The H exact rescaling vectors, in the Jacobian's column order (SPEC §1, §5).

    Vector ``h`` (hidden neurons in layer order) is the derivative at λ = 1 of rescaling neuron ``(k, i)``
    by λ: the neuron's incoming weights and bias, and minus its outgoing weights; zero elsewhere.

    Examples
    --------
    >>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
    >>> [[str(v) for v in u] for u in symmetry_kernel(net)]
    [['1', '0', '0', '0', '-1', '0', '0'], ['0', '1', '0', '-1', '0', '-1', '0']]
    """
    offsets = net.parameter_offsets()
    N = net.num_params
    zero = Fraction(0)
    out = []
    for k in range(net.num_layers - 1):
        w_start, b_start = offsets[k]
        w_next, _ = offsets[k + 1]
        n_in, n_k = net.widths[k], net.widths[k + 1]
        for i in range(n_k):
            vec = [zero] * N
            vec[w_start + i * n_in : w_start + (i + 1) * n_in] = net.weights[k][i]
            vec[b_start + i] = net.biases[k][i]
            for o, row in enumerate(net.weights[k + 1]):
                vec[w_next + o * n_k + i] = -row[i]
            out.append(tuple(vec))
    return tuple(out)


def rescaling_vectors(net: Network) -> tuple[tuple[int, ...], ...]:
    """The H rescaling vectors (:func:`symmetry_kernel`) as integer multiples (each scaled by the least
    common denominator of its nonzero entries, which are the only ones converted)."""
    offsets = net.parameter_offsets()
    out = []
    for k in range(net.num_layers - 1):
        w_start, b_start = offsets[k]
        w_next, _ = offsets[k + 1]
        n_in, n_k = net.widths[k], net.widths[k + 1]
        nxt = net.weights[k + 1]
        for i in range(n_k):
            support = list(range(w_start + i * n_in, w_start + (i + 1) * n_in)) + [b_start + i]
            support += [w_next + o * n_k + i for o in range(len(nxt))]
            values = list(net.weights[k][i]) + [net.biases[k][i]] + [-row[i] for row in nxt]
            nums, _ = integer_scaling(values)
            vec = [0] * net.num_params
            for c, v in zip(support, nums):
                vec[c] = v
            out.append(tuple(vec))
    return tuple(out)


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


_CHECK_PRIME = 2097143  # the largest prime below 2^21; a full rank mod p proves a full rank over Q

#: Hints are dense vectors (length N on the right, m on the left): at most this many entries are listed.
HINT_MAX_ENTRIES = 1 << 25

#: A neuron's null space is computed exactly only when its sample matrix has at most this many entries;
#: beyond, only its zero columns give kernel vectors (the block-rank bound covers the rest).
NULLSPACE_MAX_ENTRIES = 1 << 16


def incoming_null_vectors(jac: ExactJacobian) -> tuple[tuple[int, ...], ...]:
    """Kernel vectors of J supported on the incoming parameters of one neuron (any layer, outputs too).

    The columns of J for the weights and bias of neuron (k, i) factor as U V, where V has one row
    (a_k(x_s), 1) per sample s on which column i of B_k may be nonzero (on the others those columns
    vanish exactly). Every c with V c = 0 therefore gives J c = 0. This covers zero columns (a neuron
    inactive on the whole batch, an input coordinate zero on every sample) and neurons active on fewer
    samples than they have incoming parameters.

    Full column rank of V is recognised modulo a prime (streamed, :mod:`relugeom.linalg.echelon`); the
    null space of a rank-deficient V is computed exactly (FLINT) when V has at most
    :data:`NULLSPACE_MAX_ENTRIES` entries, and otherwise only V's zero columns are returned (unit
    vectors): the null space of a large V has entries of thousands of bits, and the certified engine's
    block-rank bound accounts for it without listing it. At most ``HINT_MAX_ENTRIES // N`` vectors are
    returned in all (each is a dense tuple of length N).
    """
    net = jac.net
    N = net.num_params
    offsets = net.parameter_offsets()
    out: list[tuple[int, ...]] = []
    room = max(0, HINT_MAX_ENTRIES // max(N, 1))  # dense vectors of length N: at most this many
    for k, live in enumerate(_live_columns(jac)):
        if len(out) >= room:
            break
        A, e = jac.exact.inputs[k], jac.exact.input_dens[k]
        n_in = net.widths[k]
        w_start, b_start = offsets[k]
        residue_rows = np.hstack([residues(A, _CHECK_PRIME), np.full((A.shape[0], 1), float(e % _CHECK_PRIME))])
        nonzero = A != 0
        for i in range(net.widths[k + 1]):
            cols = [w_start + i * n_in + j for j in range(n_in)] + [b_start + i]
            S = np.flatnonzero(live[:, i])
            if len(S) == 0:
                basis = [[int(r == t) for r in range(n_in + 1)] for t in range(n_in + 1)]
            elif len(S) >= n_in + 1 and rank_mod_small_prime(residue_rows[S], _CHECK_PRIME) == n_in + 1:
                continue
            elif len(S) * (n_in + 1) <= NULLSPACE_MAX_ENTRIES:
                null, nullity = flint.fmpz_mat([[int(v) for v in A[s]] + [e] for s in S]).nullspace()
                basis = [[int(null[r, t]) for r in range(n_in + 1)] for t in range(int(nullity))]
            else:
                zero_inputs = np.flatnonzero(~nonzero[S].any(axis=0))
                basis = [[int(r == t) for r in range(n_in + 1)] for t in zero_inputs]
            for vec in basis[: room - len(out)]:
                full = [0] * N
                for c, v in zip(cols, vec):
                    full[c] = v
                out.append(tuple(full))
    return tuple(out)


def always_active_translations(jac: ExactJacobian) -> tuple[tuple[int, ...], ...]:
    """Kernel vectors of J from hidden neurons active on every sample of the batch.

    For hidden neuron (k, i) with D_k(x_s)[i] = 1 for every sample s (the Jacobian's own derivative
    pattern: with ``at_zero="active"`` this includes samples where z_k[i] is exactly 0), the vector u with
    u[b[k][i]] = 1, u[b[k+1][o]] = −W[k+1][o, i] (o = 0 … n_{k+2}−1) and zeros elsewhere has J u = 0,
    scaled here to integers: ``(d_{k+1}, −W_int[k+1][:, i])`` with ``W[k+1] = W_int[k+1] / d_{k+1}``.

    *Proof.* On sample s the column of b[k][i] is B_k[:, i] = B_{k+1} W[k+1][:, i] D_k[i] =
    B_{k+1} W[k+1][:, i] because D_k[i] = 1, and the column of b[k+1][o] is B_{k+1}[:, o]. Hence
    J u = B_{k+1} W[k+1][:, i] − Σ_o W[k+1][o, i] B_{k+1}[:, o] = 0 on the rows of s, for every s. This is
    an identity between the columns of the matrix J built from the masks, so it holds whatever convention
    produced the masks; it is the derivative of translating b[k][i] by t and b[k+1] by −t W[k+1][:, i],
    which leaves z_{k+1} unchanged on the batch since relu(z + t) = relu(z) + t when z > 0 (and for t ≥ 0
    when z = 0, the one-sided derivative ``at_zero="active"`` takes). ∎

    >>> from relugeom.core.network import Network
    >>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, "1/2"]], [0])])
    >>> always_active_translations(ExactJacobian(net, [2, 3]))   # both neurons active on 2 and 3
    ((0, 0, 2, 0, 0, 0, -2), (0, 0, 0, 2, 0, 0, -1))
    >>> always_active_translations(ExactJacobian(net, ["1/2", 3]))   # neuron 1 inactive at 1/2
    ((0, 0, 2, 0, 0, 0, -2),)
    """
    net = jac.net
    N = net.num_params
    offsets = net.parameter_offsets()
    layers = net.integer_layers()
    out: list[tuple[int, ...]] = []
    for k, mask in enumerate(jac.masks):
        b_here, b_next = offsets[k][1], offsets[k + 1][1]
        nxt = layers[k + 1]
        for i in np.flatnonzero(mask.all(axis=0)):
            vec = [0] * N
            vec[b_here + int(i)] = int(nxt.den)
            for o, row in enumerate(nxt.weight):
                vec[b_next + o] = -int(row[int(i)])
            out.append(tuple(vec))
    return tuple(out)


_BLOCK_RANK_SAMPLES = 256


def sample_block_ranks(jac: ExactJacobian) -> BlockRanks:
    """For each affine map k: its columns and ρ_k = Σ_s rank_Q B_k(x_s), the block-rank bound's data.

    The n_L rows of sample s and the N_k = n_{k+1}(n_k + 1) columns of map k (W[k] row-major, then b[k])
    form the matrix whose column for W[k][i, j] is a_k(x_s)_j B_k(x_s)[:, i] and for b[k][i] is
    B_k(x_s)[:, i]: up to the order of its columns, B_k(x_s) ⊗ (a_k(x_s), 1)ᵀ. Its column space is that of
    B_k(x_s): each column is a multiple of a column of B_k, and the bias columns are all of them (the
    factor (a_k, 1) is never 0). So its rank is rank B_k(x_s), and also for ``J'``, whose columns are
    positive multiples of J's and whose bias columns there are ``B_int,k(x_s) = β_k B_k(x_s)``
    (:meth:`ExactJacobian.backward_factors`). The ranks are exact (FLINT ``fmpz_mat.rank``) on these
    n_L × n_{k+1} integer matrices.
    """
    net = jac.net
    offsets = net.parameter_offsets()
    rho = [0] * net.num_layers
    for start in range(0, jac.num_samples, _BLOCK_RANK_SAMPLES):  # a slice at a time: bounded memory
        for k, B in enumerate(jac.backward_factors(slice(start, start + _BLOCK_RANK_SAMPLES))):
            for Bs in B:
                live = np.flatnonzero(Bs.any(axis=0))
                if live.size:
                    rho[k] += int(flint.fmpz_mat([[int(v) for v in row[live]] for row in Bs]).rank())
    blocks = []
    for k in range(net.num_layers):
        w_start, b_start = offsets[k]
        blocks.append((w_start, b_start + net.widths[k + 1], rho[k]))
    return BlockRanks(net.output_dim, tuple(blocks))


def affine_left_kernel(jac: ExactJacobian) -> tuple[tuple[int, ...], ...]:
    """Left kernel vectors from affine dependencies among samples sharing a pattern (see module doc).

    Within one pattern the rows of sample s are an affine function of ``a_k(x_s)`` for the first map k
    whose backward factor B_k can be nonzero on that pattern (the columns of the maps before it vanish,
    and every later a_j is affine in a_k): usually k = 0 (the input itself), but k > 0 when, e.g., every
    neuron of the first hidden layer is inactive (then a_1 = 0 and the rows do not depend on x at all).
    So every dependency Σ_s c_s (a_k(x_s), 1) = 0 among the pattern's samples is a left kernel vector.

    >>> from relugeom.core.network import Network
    >>> net = Network.from_layers([([[1]], [0]), ([[1]], [0])])   # F(x) = relu(x)
    >>> len(affine_left_kernel(ExactJacobian(net, [-1, -2, -3])))   # all dead: the 3 rows are equal
    2
    """
    P = jac.pattern_matrix()
    n, n_out = jac.num_samples, jac.net.output_dim
    live = _live_columns(jac)
    groups: dict[bytes, list[int]] = {}
    for s in range(n):
        groups.setdefault(P[s].tobytes(), []).append(s)
    out = []
    for samples in groups.values():
        if len(samples) < 2:
            continue
        k = next(k for k in range(len(live)) if live[k][samples[0]].any())  # B_{L−1} = I: always found
        A, den = jac.exact.inputs[k], jac.exact.input_dens[k]
        # columns (a_k(x_s), 1) scaled to integers: the null space of this (n_k + 1) × n_r matrix
        M = flint.fmpz_mat([[int(A[s, j]) for s in samples] for j in range(A.shape[1])] + [[den] * len(samples)])
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
        self.mod_blocks = jac.mod_blocks
        self.mod_column_blocks = jac.mod_column_blocks
        self.group_size = jac.net.output_dim
        self.integer = jac.integer
        self.row_norm_sq_bounds = jac.row_norm_sq_bounds
        self.float_matrix = jac.float_matrix

    def right_hints(self) -> Hints:
        return (
            "rescalings, incoming null vectors and always-active translations",
            rescaling_vectors(self.jac.net) + incoming_null_vectors(self.jac) + always_active_translations(self.jac),
        )

    def block_ranks(self) -> BlockRanks:
        return sample_block_ranks(self.jac)

    def left_hints(self) -> Hints:
        jac = self.jac
        P = jac.pattern_matrix()
        _, counts = np.unique(P, axis=0, return_counts=True) if P.shape[1] else (None, np.array([P.shape[0]]))
        most = jac.net.output_dim * int(np.maximum(counts - 1, 0).sum())  # ≥ the number of vectors
        if most * jac.shape[0] > HINT_MAX_ENTRIES:
            return (f"affine dependencies within patterns: up to {most}, too many to list", ())
        return ("affine dependencies within patterns", affine_left_kernel(jac))
