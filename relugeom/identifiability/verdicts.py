"""Local identifiability of θ from a finite sample X, decided exactly with [BBM22]'s two conditions.

θ is *locally identifiable* from X when every θ' close enough to θ with F_θ'(X) = F_θ(X) is θ up to the
network's symmetries (positive rescalings; permutations are discrete and do not act locally). [BBM22] fix,
for each hidden neuron, one outgoing weight (here: its largest in absolute value, the first of equals),
which removes the rescalings and leaves N − H free parameters, and compare two ranks:

* R_Γ, the rank of the Jacobian of θ ↦ F_θ(X) in the N − H free parameters;
* R_A = n_L · rank α(X, θ), with α the path-activation matrix (:mod:`.paths`): every output is linear in
  the columns of α, so R_Γ ≤ BFD ≤ R_A.

Let S be the set of θ with a hidden neuron whose outgoing weights are all 0 or whose incoming weights and
bias are all 0. Off S, R_Γ = BFD (theorem T8, :mod:`relugeom.proofs.t8_identifiability`: the rescaling
vectors are triangular on the fixed edges, so the fixed columns are combinations of the free ones), so R_Γ
is computed as the certified BFD; on S it is computed directly from the free columns. The verdict, at a
non-degenerate (θ, X) (a degenerate X is refused, naming sample, layer and neuron):

1. θ ∈ S → **not identifiable** (a neuron with zero outgoing weights can move its incoming weights and bias
   freely, a neuron with zero incoming weights and bias its outgoing weights): the report names it;
2. R_Γ = N − H → **identifiable** (the sufficient condition C_S);
3. R_Γ = R_A < N − H → **not identifiable** (the necessary condition C_N fails: θ ↦ F_θ(X) has constant
   rank R_A < N − H near θ, so its fibres are bigger than the symmetry orbits);
4. otherwise **undecided**.

With ``method="exact"`` both ranks are certified, so the verdict is a theorem about (θ, X); ``"modular"``
and ``"float"`` give the same report faster, flagged uncertified.

Examples
--------
The SPEC's (1, 2, 1) network: six samples identify it, four on one side of both kinks do not.

>>> from relugeom.core.network import Network
>>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
>>> rep = local_identifiability(net, [-1, "-1/2", "1/2", "7/10", 2, 3])
>>> rep.verdict, rep.rank_gamma, rep.rank_alpha, rep.n_minus_h
('identifiable', 5, 5, 5)
>>> rep = local_identifiability(net, [2, 3, 4, 5])
>>> rep.verdict, rep.rank_gamma, rep.rank_alpha, rep.n_minus_h
('not identifiable', 2, 2, 5)
>>> print(rep.reason)
R_Γ = R_A = 2 < N − H = 5: the necessary condition C_N fails, so θ is not locally identifiable from X

References
----------
[BBM22] Bona-Pellissier, Bachoc, Malgouyres, *Local identifiability of deep ReLU neural networks: the
theory*, NeurIPS 2022 (arXiv 2206.07424); SPEC §9.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from .._typing import RANK_METHODS, AtZero, RankMethod, check_choice
from ..core.forward import as_batch
from ..core.network import Network
from ..dimension.bfd import dimension_report
from ..dimension.jacobian import jacobian
from ..linalg import rank
from .paths import num_paths, path_rank

__all__ = ["IdentifiabilityReport", "SetNeuron", "local_identifiability", "fixed_edges", "degenerate_set"]

Verdict = Literal["identifiable", "not identifiable", "undecided"]


@dataclass(frozen=True)
class SetNeuron:
    """A hidden neuron that puts θ in [BBM22]'s set S: ``why`` is ``"outgoing"`` or ``"incoming"``."""

    layer: int
    index: int
    why: Literal["outgoing", "incoming"]

    def describe(self) -> str:
        what = "outgoing weights" if self.why == "outgoing" else "incoming weights and bias"
        return f"neuron ({self.layer}, {self.index}) has all {what} 0"


def degenerate_set(net: Network) -> tuple[SetNeuron, ...]:
    """The hidden neurons that put θ in S (all outgoing weights 0, or all incoming weights and bias 0).

    >>> from relugeom.core.network import Network
    >>> degenerate_set(Network.from_layers([([[1], [0]], [0, 0]), ([[1, 0]], [0])]))
    (SetNeuron(layer=0, index=1, why='outgoing'), SetNeuron(layer=0, index=1, why='incoming'))
    """
    out = []
    for k, width in enumerate(net.hidden_widths):
        W_in, b_in, W_out = net.weights[k], net.biases[k], net.weights[k + 1]
        for i in range(width):
            if all(row[i] == 0 for row in W_out):
                out.append(SetNeuron(k, i, "outgoing"))
            if all(v == 0 for v in W_in[i]) and b_in[i] == 0:
                out.append(SetNeuron(k, i, "incoming"))
    return tuple(out)


def fixed_edges(net: Network) -> tuple[int, ...]:
    """For each hidden neuron (layers in order), the parameter index of its fixed outgoing weight.

    The fixed weight is the neuron's largest outgoing weight in absolute value (the first of equals); the
    other N − H parameters are [BBM22]'s free parameters.

    >>> from relugeom.core.network import Network
    >>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, -3]], [0])])
    >>> fixed_edges(net)   # W1[0][0] is parameter 4, W1[0][1] parameter 5
    (4, 5)
    """
    out = []
    offsets = net.parameter_offsets()
    for k, width in enumerate(net.hidden_widths):
        W_out = net.weights[k + 1]
        start = offsets[k + 1][0]
        for i in range(width):
            column = [abs(row[i]) for row in W_out]
            o = column.index(max(column))
            out.append(start + o * width + i)
    return tuple(out)


@dataclass(frozen=True)
class IdentifiabilityReport:
    """The verdict of :func:`local_identifiability` and the ranks behind it.

    Attributes
    ----------
    verdict : {"identifiable", "not identifiable", "undecided"}
    reason : str
        One sentence: which condition decided, with the numbers.
    rank_gamma : int
        R_Γ, the Jacobian's rank in the N − H free parameters.
    rank_alpha : int
        R_A = n_L · ``path_rank``.
    path_rank : int
        rank α(X, θ).
    n_minus_h : int
        N − H.
    bfd : int
        BFD(θ, X) (= R_Γ off S).
    condition_s : bool
        C_S: R_Γ = N − H (sufficient for identifiability).
    condition_n : bool
        C_N in our reading: False exactly when R_Γ = R_A < N − H (then θ is not identifiable).
    in_s : tuple of SetNeuron
        The neurons that put θ in S (empty off S).
    gamma_from : str
        How R_Γ was obtained: the certified BFD (theorem T8, off S) or the free columns directly (on S).
    method : str
    certified : bool
        True when every rank behind the verdict is certified (``method="exact"``).
    num_samples, num_paths : int
    """

    verdict: Verdict
    reason: str
    rank_gamma: int
    rank_alpha: int
    path_rank: int
    n_minus_h: int
    bfd: int
    condition_s: bool
    condition_n: bool
    in_s: tuple[SetNeuron, ...]
    gamma_from: str
    method: str
    certified: bool
    num_samples: int
    num_paths: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        d = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "in_s"}
        d["in_s"] = [{"layer": s.layer, "index": s.index, "why": s.why} for s in self.in_s]
        return d


def _decide(
    in_s: tuple[SetNeuron, ...], rank_gamma: int, rank_alpha: int, n_minus_h: int
) -> tuple[Verdict, str, bool, bool]:
    """The verdict logic (SPEC §9), from the set S and the three numbers."""
    condition_s = rank_gamma == n_minus_h
    condition_n = not (rank_gamma == rank_alpha < n_minus_h)
    if in_s:
        names = "; ".join(s.describe() for s in in_s)
        return "not identifiable", f"θ is in S: {names}", condition_s, condition_n
    if condition_s:
        why = f"R_Γ = N − H = {n_minus_h}: the sufficient condition C_S holds, so θ is locally identifiable from X"
        return "identifiable", why, condition_s, condition_n
    if not condition_n:
        why = (
            f"R_Γ = R_A = {rank_gamma} < N − H = {n_minus_h}: the necessary condition C_N fails, "
            "so θ is not locally identifiable from X"
        )
        return "not identifiable", why, condition_s, condition_n
    why = f"R_Γ = {rank_gamma} < R_A = {rank_alpha} and R_Γ < N − H = {n_minus_h}: neither condition decides"
    return "undecided", why, condition_s, condition_n


def local_identifiability(
    net: Network,
    X: Any,
    method: RankMethod = "exact",
    *,
    at_zero: AtZero = None,
    seed: int | None = None,
    certify_timeout: float = 60.0,
) -> IdentifiabilityReport:
    """Is θ locally identifiable from the batch X? [BBM22]'s conditions, decided exactly (module docstring).

    Parameters
    ----------
    net : Network
    X : batch of inputs
    method : {"exact", "modular", "float"}
        How the ranks are computed (:func:`relugeom.rank`); ``exact`` (default) certifies them.
    at_zero : {None, "inactive", "active"}
        None (default) refuses a degenerate sample (the network is not differentiable there).
    seed : int, optional
        Seeds the random primes.
    certify_timeout : float
        Seconds each exact certificate may spend computing kernel vectors.

    Returns
    -------
    IdentifiabilityReport

    Raises
    ------
    DegeneratePointError
        A hidden pre-activation is exactly zero and ``at_zero`` is None.
    CertificationTimeout
        ``exact`` only, when a rank could not be certified in time.

    Examples
    --------
    A neuron with zero outgoing weights puts θ in S, whatever the batch:

    >>> from relugeom.core.network import Network
    >>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 0]], [0])])
    >>> rep = local_identifiability(net, [-1, "1/2", 2, 3])
    >>> rep.verdict, rep.reason
    ('not identifiable', 'θ is in S: neuron (0, 1) has all outgoing weights 0')
    """
    check_choice("method", method, RANK_METHODS)
    X = as_batch(net, X) if not hasattr(X, "dtype") else X
    N, H = net.num_params, net.num_hidden
    rep = dimension_report(net, X, method, at_zero=at_zero, seed=seed, certify_timeout=certify_timeout)
    alpha = path_rank(net, X, method, at_zero=at_zero, seed=seed, certify_timeout=certify_timeout)
    in_s = degenerate_set(net)
    if in_s:
        fixed = set(fixed_edges(net))
        free = [c for c in range(N) if c not in fixed]
        J = jacobian(net, X, "float" if method == "float" else "exact", at_zero)
        sub = np.ascontiguousarray(J[:, free]) if free else np.zeros((J.shape[0], 1), dtype=J.dtype)
        rank_gamma = rank(sub, method, seed=seed, certify_timeout=certify_timeout).rank
        gamma_from = "the N − H free columns of J (θ is in S, where theorem T8 does not apply)"
    else:
        rank_gamma = rep.bfd
        gamma_from = "the BFD (theorem T8: R_Γ = BFD off S)"
    rank_alpha = net.output_dim * alpha.rank
    verdict, reason, c_s, c_n = _decide(in_s, rank_gamma, rank_alpha, N - H)
    return IdentifiabilityReport(
        verdict=verdict,
        reason=reason,
        rank_gamma=rank_gamma,
        rank_alpha=rank_alpha,
        path_rank=alpha.rank,
        n_minus_h=N - H,
        bfd=rep.bfd,
        condition_s=c_s,
        condition_n=c_n,
        in_s=in_s,
        gamma_from=gamma_from,
        method=method,
        certified=method == "exact",
        num_samples=rep.num_samples,
        num_paths=num_paths(net.widths),
    )
