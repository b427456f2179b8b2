"""The exact Hessian of the squared loss in θ, and what it says about flatness (SPEC §7).

The loss is the plain sum L(θ) = Σ_i ‖F_θ(x_i) − y_i‖² (no ½, no mean). Near a non-degenerate point
(no hidden pre-activation exactly 0 on X) every activation pattern on X stays fixed, so F_θ(x_i) is a
polynomial in θ there, L is a polynomial, and its Hessian is an exact rational matrix:

    ∇²L = 2 JᵀJ + 2 Σ_i Σ_k r_ik ∇²_θ F_k(x_i),    r = F_θ(X) − Y,

with J = J(θ, X) the Jacobian of SPEC §3. The first term is the *Gauss–Newton* matrix; the second is
weighted by the residuals.

The second-order term
---------------------
Fix one sample and its residual r (a constant vector), and let φ(θ) = r·F_θ(x). Write h_0 = x,
z_k = W_k h_k + b_k and h_{k+1} = D_k z_k, where D_k is the 0/1 diagonal pattern of hidden layer k (a
constant on the region), so F = z_{L−1}. Two families of vectors carry the whole computation:

* the residual pulled back to z_l, g_l = ∂φ/∂z_l: g_{L−1} = r and g_l = D_l W_{l+1}ᵀ g_{l+1}. It depends
  only on the parameters of the maps *after* l;
* the sensitivities M_{l,k} = ∂h_l/∂z_k (l > k): M_{k+1,k} = D_k and M_{l,k} = D_{l−1} W_{l−1} M_{l−1,k}.
  Together with h_k they carry all the dependence of h_l on the maps *up to* l − 1.

The first derivatives are ∂φ/∂W_l[p, q] = g_l[p] h_l[q] and ∂φ/∂b_l[p] = g_l[p]. Differentiate them
once more in a parameter of an earlier map k < l. The factor g_l does not move (it only sees maps after
l), and h_l moves by ∂h_l[q]/∂W_k[i, j] = M_{l,k}[q, i] h_k[j] (chain rule through z_k[i]), or by
M_{l,k}[q, i] for b_k[i]. Hence, for k < l,

    ∂²φ / ∂W_k[i, j] ∂W_l[p, q] = g_l[p] · M_{l,k}[q, i] · h_k[j],
    ∂²φ / ∂b_k[i]    ∂W_l[p, q] = g_l[p] · M_{l,k}[q, i],

while a bias of the later map l gives 0 (∂φ/∂b_l = g_l sees no earlier map), and so do two parameters
of one map (φ is affine in each map's parameters: g_l sees only later maps, h_l only earlier ones). The
Hessian is symmetric, so these blocks and their transposes fill it.

Exact arithmetic
----------------
Nothing goes through floats. The exact forward pass gives every h_k as integers over one denominator per
layer, the weights are integers over one denominator per map, and the residuals are put over one common
denominator; so g_l and M_{l,k} are integer arrays over known denominators, and each block (k, l) is one
integer matrix product (FLINT) summed over the samples, divided once. The Gauss–Newton term is
``J'ᵀJ'`` of the integer Jacobian ``J'`` (:class:`~relugeom.dimension.jacobian.ExactJacobian`) rescaled by its
column scales.

Flatness at an interpolating minimum
------------------------------------
**Theorem** (SPEC §7). At an interpolating point (F_θ(X) = Y, i.e. L(θ) = 0, a global minimum) every
residual vanishes, so ∇²L = 2 JᵀJ and, over the reals, ker JᵀJ = ker J. Hence

    nullity ∇²L = N − rank J = N − BFD(θ, X),

the dimension of the directions that keep F(X) fixed to first order. Away from an interpolating point
the residual term changes the Hessian, and its nullity need not equal N − BFD (on the hand example
below it is smaller). The Gauss–Newton matrix always has rank BFD.

The *inertia* (numbers of positive, negative and zero eigenvalues) is computed exactly without any
eigenvalue: the characteristic polynomial p of the real symmetric Hessian has only real roots, and for a
real-rooted polynomial Descartes' rule of signs is exact, so #positive = sign changes of the
coefficients of p(λ), #negative = sign changes of p(−λ), #zero = multiplicity of the root 0.

A neuron permutation or positive rescaling is a linear map T of θ with F_{Tθ} = F_θ, so L∘T = L and
∇²L(Tθ) = T^{-T} ∇²L(θ) T^{-1}: a congruence. Rank and inertia are therefore invariant under these
symmetries at every non-degenerate point, interpolating or not.

Examples
--------
The hand example of SPEC §3, F(x) = relu(x) + relu(x − 1), on X = {−1, 1/2, 2} (BFD 3, N = 7). With the
targets Y = F(X) = (0, 1/2, 3) the point is an interpolating minimum:

>>> from relugeom.core.network import Network
>>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
>>> X = [-1, "1/2", 2]
>>> rep = flatness_report(net, X, [0, "1/2", 3], seed=0)
>>> rep.loss, rep.hessian_rank, rep.hessian_nullity, rep.bfd, rep.inertia
(Fraction(0, 1), 3, 4, 3, (3, 0, 4))
>>> print("\\n".join(rep.lines()))
loss 0 (interpolating minimum), 3 samples, N = 7 parameters, H = 2 hidden neurons
Hessian rank 3, nullity 4 = N − BFD (interpolating minimum: the Hessian is 2JᵀJ)
inertia: 3 positive, 0 negative, 4 zero eigenvalues

With the targets Y = (0, 1/2, 2) instead the residuals are (0, 0, 1): the residual term couples each
neuron's incoming and outgoing weights at x = 2 (∂²F/∂w_i∂v_i = x, ∂²F/∂b_i∂v_i = 1), which raises the
Hessian's rank to 6, far above the Gauss–Newton rank 3, and makes it indefinite. The one flat direction
left moves (w1, b1) along (−1/2, 1): neuron 1 is active only at x = 2, where 2·w1 + b1 stays fixed.

>>> rep = flatness_report(net, X, [0, "1/2", 2], seed=0)
>>> rep.loss, rep.hessian_rank, rep.gauss_newton_rank, rep.inertia
(Fraction(1, 1), 6, 3, (4, 2, 1))
>>> H = loss_hessian(net, X, [0, "1/2", 2])
>>> [str(v) for v in H[0]]   # the row of w0; at v0: 2·(1/4 + 4) from 2JᵀJ, plus 2·r·x = 4
['17/2', '8', '5', '4', '25/2', '4', '5']
>>> bool((gauss_newton(net, X) == loss_hessian(net, X, [0, "1/2", 3])).all())
True
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any

import flint
import numpy as np

from ..core.forward import int_matmul
from ..core.network import Network
from ..core.patterns import AtZero
from ..dimension.bfd import batch_functional_dimension
from ..dimension.jacobian import ExactJacobian
from ..exceptions import ShapeError
from ..io import json_ready
from ..linalg import rank
from ..numbers import to_fraction

__all__ = ["loss_hessian", "gauss_newton", "FlatnessReport", "flatness_report", "symmetric_inertia"]


# ------------------------------------------------------------------------------------ the pieces
def _targets(net: Network, Y: Any, n: int) -> list[list[Fraction]]:
    """``Y`` as n rows of n_L exact targets; a flat list of n numbers is accepted when n_L = 1."""
    nL = net.output_dim
    T = np.array(Y, dtype=object)
    expected = f"pass one row of n_L = {nL} targets per sample ({n} × {nL})" + (
        f", or a flat list of {n} numbers" if nL == 1 else ""
    )
    if T.ndim == 1 and nL == 1 and T.shape[0] == n:
        T = T.reshape(n, 1)
    if T.shape != (n, nL):
        raise ShapeError(f"targets Y have shape {T.shape} but there are {n} samples and {nL} outputs; {expected}")
    return [[to_fraction(T[s, o], f"targets[{s}][{o}]") for o in range(nL)] for s in range(n)]


def _residuals(jac: ExactJacobian, Y: Any) -> tuple[np.ndarray, int]:
    """r = F(X) − Y as integers ``R`` (n × n_L object array) over one denominator ``rho``."""
    ex = jac.exact
    n = ex.num_samples
    T = _targets(jac.net, Y, n)
    Z, den = ex.pre[-1], ex.pre_dens[-1]
    rho = math.lcm(den, *(t.denominator for row in T for t in row))
    R = np.empty(Z.shape, dtype=object)
    for s in range(n):
        for o in range(Z.shape[1]):
            R[s, o] = int(Z[s, o]) * (rho // den) - int(T[s][o] * rho)
    return R, rho


def _gauss_newton(jac: ExactJacobian) -> np.ndarray:
    """2 JᵀJ as Fractions: ``2 diag(1/s) J'ᵀJ' diag(1/s)`` from the integer Jacobian ``J'``."""
    Ji = jac.integer()
    JtJ = int_matmul(np.ascontiguousarray(Ji.T), Ji)
    s = jac.column_scale
    N = len(s)
    out = np.empty((N, N), dtype=object)
    for a in range(N):
        for b in range(N):
            out[a, b] = Fraction(2 * int(JtJ[a, b]), s[a] * s[b])
    return out


def _residual_term(jac: ExactJacobian, R: np.ndarray, rho: int) -> np.ndarray:
    """Σ_i Σ_k r_ik ∇²_θ F_k(x_i) as Fractions (N × N), by the block formula of the module docstring."""
    net, ex, masks = jac.net, jac.exact, jac.masks
    L, widths, N = net.num_layers, net.widths, net.num_params
    n = ex.num_samples
    W = [np.array(layer.weight, dtype=object) for layer in net.integer_layers()]
    d = [layer.den for layer in net.integer_layers()]
    offsets = net.parameter_offsets()
    D = [m.astype(int).astype(object) for m in masks]

    # g_l = D_l W_{l+1}ᵀ g_{l+1} as integer rows G[l] (n × n_{l+1}) over gden[l]
    G: list[np.ndarray] = [None] * L  # type: ignore[list-item]
    gden = [0] * L
    G[L - 1], gden[L - 1] = R, rho
    for l in range(L - 2, -1, -1):
        G[l] = D[l] * int_matmul(G[l + 1], W[l + 1])
        gden[l] = gden[l + 1] * d[l + 1]

    S = np.full((N, N), Fraction(0), dtype=object)
    for k in range(L - 1):
        n_in, n_out = widths[k], widths[k + 1]
        e = ex.input_dens[k]
        Htil = np.hstack([ex.inputs[k], np.full((n, 1), e, dtype=object)])  # (h_k, 1) over e
        M = np.zeros((n, n_out, n_out), dtype=object)  # M_{k+1,k} = D_k
        for i in range(n_out):
            M[:, i, i] = D[k][:, i]
        mden = 1
        for l in range(k + 1, L):
            n_l, n_next = widths[l], widths[l + 1]
            # block[(i, j), (p, q)] = Σ_s Htil[s, j] G[l][s, p] M[s, q, i]: one product over the samples
            A = Htil.T[None, :, None, :] * M.transpose(2, 1, 0)[:, None, :, :]  # (i, j, q, s)
            C = int_matmul(A.reshape(-1, n), G[l])  # ((i, j, q), p)
            C = C.reshape(n_out, n_in + 1, n_l, n_next).transpose(0, 1, 3, 2)  # (i, j, p, q)
            den = e * gden[l] * mden
            block = np.array([Fraction(int(v), den) for v in C.ravel()], dtype=object).reshape(C.shape)
            w_k, b_k = offsets[k]
            w_l, b_l = offsets[l]
            S[w_k:b_k, w_l:b_l] = block[:, :n_in].reshape(n_out * n_in, n_next * n_l)
            S[b_k : b_k + n_out, w_l:b_l] = block[:, n_in].reshape(n_out, n_next * n_l)
            if l < L - 1:  # M_{l+1,k} = D_l W_l M_{l,k}
                M = D[l][:, :, None] * np.matmul(W[l][None, :, :], M)
                mden *= d[l]
    return S + S.T


def _hessian(jac: ExactJacobian, Y: Any) -> tuple[np.ndarray, np.ndarray, Fraction]:
    """(∇²L, 2JᵀJ, L(θ)) at the point of ``jac``."""
    R, rho = _residuals(jac, Y)
    loss = Fraction(sum(int(v) * int(v) for v in R.ravel()), rho * rho)
    gn = _gauss_newton(jac)
    return gn + 2 * _residual_term(jac, R, rho), gn, loss


# ------------------------------------------------------------------------------------ public
def loss_hessian(net: Network, X: Any, Y: Any, *, at_zero: AtZero = None) -> np.ndarray:
    """The exact Hessian in θ of L(θ) = Σ_i ‖F_θ(x_i) − y_i‖².

    Parameters
    ----------
    net : Network
    X : batch of inputs (as for :func:`~relugeom.core.forward.forward`)
    Y : targets
        One row of n_L numbers per sample (a flat list of n numbers when n_L = 1), converted exactly.
    at_zero : {None, "inactive", "active"}
        At a degenerate point L is not twice differentiable; with a one-sided convention the result is
        the Hessian of the polynomial of that activation pattern (ReLU'(0) := 0 or 1), evaluated at θ.

    Returns
    -------
    numpy.ndarray
        N × N symmetric object array of Fractions, rows and columns in parameter order.

    Raises
    ------
    DegeneratePointError
        At a degenerate point when ``at_zero`` is None.
    ShapeError
        When ``Y`` does not hold n × n_L targets.

    Examples
    --------
    F(x) = v·relu(w x + b) + c at (w, b, v, c) = (2, 0, 3, 1), one sample x = 1 with target 0, so
    F = 7 is also the residual r:

    >>> from relugeom.core.network import Network
    >>> net = Network.from_layers([([[2]], [0]), ([[3]], [1])])
    >>> loss_hessian(net, [1], [0]).tolist() == [[18, 18, 26, 6], [18, 18, 26, 6], [26, 26, 8, 4], [6, 6, 4, 2]]
    True

    Here J = (v x, v, wx + b, 1) = (3, 3, 2, 1), so 2JᵀJ gives e.g. 2·3·2 = 12 at (w, v), and the
    residual r = 7 adds 2·r·∂²F/∂w∂v = 2·7·x = 14: 26.
    """
    return _hessian(ExactJacobian(net, X, at_zero), Y)[0]


def gauss_newton(net: Network, X: Any, *, at_zero: AtZero = None) -> np.ndarray:
    """The Gauss–Newton matrix 2 JᵀJ of the squared loss, exact (N × N object array of Fractions).

    It is the Hessian of L at an interpolating point, and its rank is BFD(θ, X) everywhere.

    >>> from relugeom.core.network import Network
    >>> net = Network.from_layers([([[2]], [0]), ([[3]], [1])])
    >>> gauss_newton(net, [1]).tolist() == [[18, 18, 12, 6], [18, 18, 12, 6], [12, 12, 8, 4], [6, 6, 4, 2]]
    True
    """
    return _gauss_newton(ExactJacobian(net, X, at_zero))


def _sign_changes(coeffs: list[int]) -> int:
    signs = [c > 0 for c in coeffs if c != 0]
    return sum(a != b for a, b in zip(signs, signs[1:]))


def symmetric_inertia(A: Any) -> tuple[int, int, int]:
    """(positive, negative, zero) eigenvalue counts of a real symmetric rational matrix, exactly.

    The characteristic polynomial (FLINT ``fmpz_mat.charpoly`` of the matrix times a common denominator,
    which scales the eigenvalues by a positive number) has only real roots, so Descartes' rule of signs
    counts its positive and negative roots exactly; the zero count is the multiplicity of the root 0.
    Symmetry is the caller's promise (it is what makes the rule exact); it is not checked.

    >>> symmetric_inertia([[2, 1], [1, "-1/2"]])
    (1, 1, 0)
    >>> symmetric_inertia([[1, 1], [1, 1]])
    (1, 0, 1)
    """
    rows = [[to_fraction(v) for v in row] for row in (A.tolist() if isinstance(A, np.ndarray) else A)]
    N = len(rows)
    if N == 0:
        return (0, 0, 0)
    den = math.lcm(*(v.denominator for row in rows for v in row))
    P = flint.fmpz_mat(N, N, [int(v * den) for row in rows for v in row])
    coeffs = [int(c) for c in P.charpoly().coeffs()]  # ascending: c_0 + c_1 λ + … + λ^N
    zero = next(i for i, c in enumerate(coeffs) if c != 0)
    positive = _sign_changes(coeffs)
    negative = _sign_changes([c if i % 2 == 0 else -c for i, c in enumerate(coeffs)])
    return (positive, negative, zero)


@dataclass(frozen=True)
class FlatnessReport:
    """The exact Hessian of the squared loss summarised: ranks, nullity, inertia, and the BFD.

    Attributes
    ----------
    num_params, num_hidden, num_samples : int
        N, H and n.
    loss : Fraction
        L(θ) = Σ_i ‖F_θ(x_i) − y_i‖².
    interpolating : bool
        ``loss == 0`` exactly: θ is an interpolating (global) minimum.
    hessian_rank, hessian_nullity : int
        Certified exact rank of ∇²L and N − rank.
    gauss_newton_rank : int
        Rank of 2JᵀJ, which equals rank J = BFD (over the reals, JᵀJ v = 0 ⇔ ‖Jv‖² = 0).
    bfd : int
        BFD(θ, X), certified.
    inertia : tuple of int or None
        (positive, negative, zero) eigenvalue counts of ∇²L, exact; None when not computed.
    """

    num_params: int
    num_hidden: int
    num_samples: int
    loss: Fraction
    interpolating: bool
    hessian_rank: int
    hessian_nullity: int
    gauss_newton_rank: int
    bfd: int
    inertia: tuple[int, int, int] | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (Fractions as ``"p/q"`` strings, the inertia as a list or None)."""
        return json_ready(asdict(self))

    def lines(self) -> list[str]:
        """A short human-readable summary."""
        N, H = self.num_params, self.num_hidden
        head = "loss 0 (interpolating minimum)" if self.interpolating else f"loss {self.loss} (not interpolating)"
        out = [f"{head}, {self.num_samples} samples, N = {N} parameters, H = {H} hidden neurons"]
        if self.interpolating:
            out.append(
                f"Hessian rank {self.hessian_rank}, nullity {self.hessian_nullity} = N − BFD "
                f"(interpolating minimum: the Hessian is 2JᵀJ)"
            )
        else:
            out.append(
                f"Hessian rank {self.hessian_rank}, nullity {self.hessian_nullity}; Gauss–Newton rank "
                f"{self.gauss_newton_rank} = BFD, N − BFD = {N - self.bfd} (away from an interpolating "
                f"minimum the nullity need not equal N − BFD)"
            )
        if self.inertia is not None:
            pos, neg, zero = self.inertia
            out.append(f"inertia: {pos} positive, {neg} negative, {zero} zero eigenvalues")
        return out


def flatness_report(
    net: Network,
    X: Any,
    Y: Any,
    *,
    at_zero: AtZero = None,
    inertia: bool = True,
    seed: int | None = None,
    certify_timeout: float = 60.0,
) -> FlatnessReport:
    """Ranks, nullity and inertia of the exact Hessian of L(θ) = Σ_i ‖F_θ(x_i) − y_i‖², next to BFD.

    Parameters
    ----------
    net : Network
    X : batch of inputs
    Y : targets, one row of n_L numbers per sample (a flat list when n_L = 1)
    at_zero : {None, "inactive", "active"}
        One-sided convention at degenerate points (see :func:`loss_hessian`); None refuses them.
    inertia : bool
        Compute the exact inertia (a characteristic polynomial: the costliest step for large N).
    seed : int, optional
        Seeds the primes of the certified rank engine (the ranks do not depend on it).
    certify_timeout : float
        Budget in seconds for each rank certificate.

    Returns
    -------
    FlatnessReport

    Raises
    ------
    DegeneratePointError, ShapeError, CertificationTimeout

    Notes
    -----
    At an interpolating minimum ``hessian_nullity == num_params − bfd`` (module docstring); elsewhere
    the two can differ in either direction.
    """
    jac = ExactJacobian(net, X, at_zero)
    hess, _, loss = _hessian(jac, Y)
    h_rank = rank(hess, "exact", seed=seed, certify_timeout=certify_timeout).rank
    bfd = batch_functional_dimension(net, X, "exact", at_zero=at_zero, seed=seed, certify_timeout=certify_timeout)
    N = net.num_params
    return FlatnessReport(
        num_params=N,
        num_hidden=net.num_hidden,
        num_samples=jac.num_samples,
        loss=loss,
        interpolating=loss == 0,
        hessian_rank=h_rank,
        hessian_nullity=N - h_rank,
        gauss_newton_rank=bfd,
        bfd=bfd,
        inertia=symmetric_inertia(hess) if inertia else None,
    )
