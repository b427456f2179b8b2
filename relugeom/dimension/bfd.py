"""The batch functional dimension BFD(θ, X) = rank J(θ, X), its bounds, and method comparison (SPEC §3).

Bounds, valid at every non-degenerate point:

* ``n·n_L`` (rows of J);
* ``N − H`` (the H rescaling vectors lie in the kernel of J);
* ``n_L Σ_r min(n_r, n0 + 1)`` over the distinct patterns r of the batch (rows of one pattern are affine
  in x).

References
----------
.. [BMB24] Bona-Pellissier, Malgouyres, Bachoc, *Geometry-induced implicit regularization in deep ReLU
   neural networks*, arXiv 2402.08269 (2024).
.. [GLMW22] Grigsby, Lindsey, Meyerhoff, Wu, *Functional dimension of feedforward ReLU neural
   networks*, arXiv 2209.04036 (2022).
.. [BBM22] Bona-Pellissier, Bachoc, Malgouyres, *Local identifiability of deep ReLU neural networks:
   the theory*, NeurIPS 2022: with θ outside degenerate sets, θ is locally identifiable from X when
   BFD = N − H.

Examples
--------
The hand example of SPEC §3: widths (1, 2, 1), W0 = [[1], [1]], b0 = [0, −1], W1 = [[1, 1]], b1 = [0].

>>> from relugeom.core.network import Network
>>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
>>> batch_functional_dimension(net, [-1, "-1/2", "1/2", "7/10", 2, 3])
5
>>> batch_functional_dimension(net, [2, 3, 4, 5])
2
>>> rep = dimension_report(net, [-1, "1/2", 2])
>>> rep.bfd, rep.upper_bound, rep.num_patterns, rep.certified
(3, 3, 3, True)
>>> compare_methods(net, [2, 3, 4, 5]).agree
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._typing import RANK_METHODS, check_choice
from ..core.forward import float_pass
from ..core.network import Network
from ..core.patterns import AtZero, layer_patterns, pattern_statistics
from ..exceptions import DegeneratePointError
from ..limits import require_memory
from ..linalg import Method, RankResult, rank
from ..linalg.certificate import Certificate
from ..linalg.memory import float_pipeline_bytes, stream_rank_bytes
from .jacobian import ExactJacobian, exact_pass_bytes, float_jacobian_from_pass
from .kernels import JacobianSource

__all__ = ["DimensionReport", "batch_functional_dimension", "dimension_report", "compare_methods", "MethodComparison"]


#: The report's fields in the order of its repr and of :meth:`DimensionReport.to_dict` (rank ones included).
_REPORTED = (
    "bfd",
    "method",
    "certified",
    "certificate",
    "error_bound",
    "num_samples",
    "num_outputs",
    "num_params",
    "num_hidden",
    "bound_rows",
    "bound_params",
    "bound_patterns",
    "num_patterns",
    "dead_neurons",
    "singular_value_gap",
    "tolerance",
    "primes",
)


@dataclass(frozen=True, repr=False)
class DimensionReport:
    """BFD(θ, X) with how it was obtained and the SPEC §3 bounds.

    Attributes
    ----------
    rank_result : RankResult
        The rank of the Jacobian and how it was obtained; ``bfd``, ``method``, ``certified``,
        ``certificate``, ``error_bound``, ``singular_value_gap``, ``tolerance`` and ``primes`` are read
        from it (read-only properties).
    bfd : int
        ``rank_result.rank``.
    method : {"exact", "modular", "float"}
    certified : bool
        True iff ``method="exact"`` (the rank is then a theorem, see ``certificate``).
    certificate : Certificate or None
    error_bound : float or None
        ``modular``: bound on the probability that ``bfd`` is too low. ``exact``: 0.
    num_samples, num_outputs, num_params, num_hidden : int
    bound_rows : int
        n·n_L.
    bound_params : int
        N − H.
    bound_patterns : int
        n_L Σ_r min(n_r, n0 + 1).
    num_patterns : int
        Distinct activation patterns in the batch.
    dead_neurons : tuple of (layer, neuron)
        Hidden neurons inactive on the whole batch.
    singular_value_gap, tolerance : float or None
        ``float`` only.
    primes : tuple of int
        The primes used (``exact``, ``modular``).
    sample_patterns : tuple of tuples of int
        The 0/1 activation pattern of every sample (exact signs, or float64 signs for ``float``).
    """

    rank_result: RankResult
    num_samples: int
    num_outputs: int
    num_params: int
    num_hidden: int
    bound_rows: int
    bound_params: int
    bound_patterns: int
    num_patterns: int
    dead_neurons: tuple[tuple[int, int], ...]
    sample_patterns: tuple[tuple[int, ...], ...] = field(default=(), repr=False)

    @property
    def bfd(self) -> int:
        return self.rank_result.rank

    @property
    def method(self) -> str:
        return self.rank_result.method

    @property
    def certified(self) -> bool:
        return self.rank_result.certified

    @property
    def certificate(self) -> Certificate | None:
        return self.rank_result.certificate

    @property
    def error_bound(self) -> float | None:
        return self.rank_result.error_bound

    @property
    def singular_value_gap(self) -> float | None:
        return self.rank_result.singular_value_gap

    @property
    def tolerance(self) -> float | None:
        return self.rank_result.tolerance

    @property
    def primes(self) -> tuple[int, ...]:
        return self.rank_result.primes

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in _REPORTED)
        return f"{type(self).__name__}({fields})"

    @property
    def upper_bound(self) -> int:
        """The smallest of the three bounds."""
        return min(self.bound_rows, self.bound_params, self.bound_patterns)

    def explain(self) -> list[str]:
        """Short sentences on where the rank deficit comes from."""
        lines = []
        if self.bfd == self.upper_bound:
            tight = [
                name
                for name, v in (
                    ("n·n_L", self.bound_rows),
                    ("N − H", self.bound_params),
                    ("per-pattern", self.bound_patterns),
                )
                if v == self.bfd
            ]
            lines.append(f"BFD attains the bound ({', '.join(tight)}).")
        else:
            lines.append(
                f"BFD is {self.upper_bound - self.bfd} below the smallest general bound: "
                f"a data- or parameter-dependent deficit."
            )
        if self.dead_neurons:
            lines.append(
                f"{len(self.dead_neurons)} neuron(s) inactive on the whole batch contribute "
                f"nothing: {list(self.dead_neurons)}."
            )
        if self.certificate is not None:
            lines.append("certificate: " + self.certificate.describe())
        return lines

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (keys of the CLI's ``--json`` output)."""
        d = {name: getattr(self, name) for name in _REPORTED if name != "certificate"}
        d["upper_bound"] = self.upper_bound
        d["dead_neurons"] = [list(x) for x in self.dead_neurons]
        d["primes"] = list(self.primes)
        d["certificate"] = (
            None
            if self.certificate is None
            else {
                "side": self.certificate.side,
                "kind": self.certificate.kind,
                "prime": self.certificate.prime,
                "kernel_vectors": len(self.certificate.kernel),
            }
        )
        return d


def dimension_report(
    net: Network,
    X: Any,
    method: Method = "exact",
    *,
    at_zero: AtZero = None,
    seed: int | None = None,
    certify_timeout: float = 60.0,
    tol: float | None = None,
) -> DimensionReport:
    """BFD(θ, X) with its certificate or error bound, the SPEC §3 bounds and pattern statistics.

    Parameters
    ----------
    net : Network
    X : batch of inputs
    method : {"exact", "modular", "float"}
        ``exact`` (default) is certified and never silently downgraded; see :mod:`relugeom.linalg`.
    at_zero : {None, "inactive", "active"}
        Convention at degenerate points; None refuses them.
    seed : int, optional
        Seeds the random primes.
    certify_timeout : float
        Budget in seconds for computing a certificate (``exact``).
    tol : float, optional
        SVD tolerance (``float``).

    Raises
    ------
    DegeneratePointError, CertificationTimeout
    """
    if check_choice("method", method, RANK_METHODS) == "float":
        fp = float_pass(net, X)
        masks = layer_patterns(fp.pre, at_zero)
        n = fp.inputs[0].shape[0]
        m, N = n * net.output_dim, net.num_params
        require_memory(float_pipeline_bytes(m, N), f"the float64 Jacobian ({m:,} × {N:,}) and its SVD")
        result: RankResult = rank(float_jacobian_from_pass(net, fp, masks), "float", tol=tol)
    else:
        X = X if hasattr(X, "__len__") else list(X)
        n = len(X)
        m, N = n * net.output_dim, net.num_params
        need = exact_pass_bytes(net, X) + stream_rank_bytes(m, N)
        require_memory(need, f"the exact forward pass of {n:,} samples and the streamed rank of J ({m:,} × {N:,})")
        jac = ExactJacobian(net, X, at_zero)
        masks = jac.masks
        result = rank(JacobianSource(jac), method, seed=seed, certify_timeout=certify_timeout)
        n = jac.num_samples
    P = np.hstack(masks) if masks else np.zeros((n, 0), dtype=bool)
    stats = pattern_statistics(P, net.hidden_widths)
    n0, nL = net.input_dim, net.output_dim
    return DimensionReport(
        rank_result=result,
        num_samples=n,
        num_outputs=nL,
        num_params=net.num_params,
        num_hidden=net.num_hidden,
        bound_rows=n * nL,
        bound_params=net.num_params - net.num_hidden,
        bound_patterns=nL * sum(min(c, n0 + 1) for c in stats.counts),
        num_patterns=stats.num_patterns,
        dead_neurons=stats.dead_neurons,
        sample_patterns=tuple(stats.patterns[i] for i in stats.sample_pattern),
    )


def batch_functional_dimension(
    net: Network,
    X: Any,
    method: Method = "exact",
    *,
    at_zero: AtZero = None,
    seed: int | None = None,
    certify_timeout: float = 60.0,
    tol: float | None = None,
) -> int:
    """BFD(θ, X) = rank of the Jacobian of θ ↦ F_θ(X); exact and certified by default.

    Same parameters as :func:`dimension_report`, of which this returns ``.bfd``.
    """
    return dimension_report(net, X, method, at_zero=at_zero, seed=seed, certify_timeout=certify_timeout, tol=tol).bfd


@dataclass(frozen=True)
class MethodComparison:
    """Exact and float BFD side by side; ``agree`` says whether float64 got the rank right.

    ``float_note`` is set when float64 rounding produced a zero hidden pre-activation that is not zero
    exactly; the float report then uses ``at_zero="inactive"`` there (and ``patterns_agree`` is False).
    """

    exact: DimensionReport
    float: DimensionReport
    patterns_agree: bool
    float_note: str | None = None

    @property
    def agree(self) -> bool:
        return self.exact.bfd == self.float.bfd

    def message(self) -> str:
        note = f" ({self.float_note})" if self.float_note else ""
        if self.agree:
            return f"float64 agrees with the exact BFD {self.exact.bfd}{note}"
        direction = "too high" if self.float.bfd > self.exact.bfd else "too low"
        why = "" if self.patterns_agree else " (its activation patterns also differ from the exact ones)"
        gap = self.float.singular_value_gap
        gap_text = f"; singular-value gap {gap:.3g}" if gap is not None else ""
        return (
            f"float64 says {self.float.bfd} but the exact BFD is {self.exact.bfd}: float is "
            f"{direction}{why}{gap_text}{note}"
        )


def compare_methods(
    net: Network,
    X: Any,
    *,
    at_zero: AtZero = None,
    seed: int | None = None,
    certify_timeout: float = 60.0,
    tol: float | None = None,
    exact: DimensionReport | None = None,
) -> MethodComparison:
    """Compute BFD exactly and in float64 and say whether they agree (and whether the patterns do).

    ``exact`` is the exact report when the caller has it already (it is then not computed again).
    Raises :class:`DegeneratePointError` only when the *exact* point is degenerate (and ``at_zero`` is
    None); a zero that only float64 rounding produced is reported in ``float_note``.
    """
    ex = exact or dimension_report(net, X, "exact", at_zero=at_zero, seed=seed, certify_timeout=certify_timeout)
    note = None
    try:
        fl = dimension_report(net, X, "float", at_zero=at_zero, tol=tol)
    except DegeneratePointError as err:
        note = (
            f"float64 rounding made sample {err.sample}, layer {err.layer}, neuron {err.neuron} "
            f"exactly 0.0; float counted it inactive"
        )
        fl = dimension_report(net, X, "float", at_zero="inactive", tol=tol)
    return MethodComparison(ex, fl, ex.sample_patterns == fl.sample_patterns, note)
