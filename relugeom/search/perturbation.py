"""Random rational perturbations of θ that stay in one activation region of parameter space.

For a batch X, the parameters θ with a given activation pattern on every sample form an open set (a
region of parameter space, SPEC §2). Within it J(θ, X) is a polynomial in θ, so its rank is constant
for *generic* θ and can only be lower on a proper algebraic subset ([BMB24]; theorem T3 in ``proofs/``).
:func:`perturb_within_region` draws θ' = θ + ε δ with a random rational direction δ and the largest
ε = 2^-j (j ≥ ``min_exponent``) that keeps every pattern on X, exactly: a generic point of θ's region.

References
----------
.. [BMB24] Bona-Pellissier, Malgouyres, Bachoc, arXiv 2402.08269 (2024).

Examples
--------
>>> from relugeom.core.network import Network
>>> from relugeom.core.patterns import activation_patterns
>>> from relugeom.dimension.bfd import batch_functional_dimension as bfd
>>> net = Network.from_layers([([[0]], [1]), ([[0]], [0])])      # W0 = 0, W1 = 0: non-generic
>>> X = [1, 2]
>>> other = perturb_within_region(net, X, seed=0)
>>> (activation_patterns(other, X) == activation_patterns(net, X)).all()
np.True_
>>> bfd(net, X), bfd(other, X)
(1, 2)
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from ..core.network import Network
from ..core.patterns import AtZero, activation_patterns
from ..exceptions import DegeneratePointError, RelugeomError

__all__ = ["perturb_within_region"]


def perturb_within_region(
    net: Network,
    X: Any,
    seed: int = 0,
    max_numerator: int = 5,
    max_denominator: int = 5,
    min_exponent: int = 0,
    max_exponent: int = 200,
    at_zero: AtZero = None,
) -> Network:
    """θ + 2^-j δ for a random rational δ and the least j ≥ ``min_exponent`` keeping every pattern on X.

    Parameters
    ----------
    net, X : the network and the batch; X must be non-degenerate for ``net`` (unless ``at_zero`` is
        given: then the perturbed network must reproduce the one-sided patterns *and* be non-degenerate).
    seed : int
        seeds δ (entries ``p/q``, ``|p| <= max_numerator``, ``1 <= q <= max_denominator``, not all 0).

    Raises
    ------
    DegeneratePointError
        if X is degenerate for ``net`` and ``at_zero`` is None.
    RelugeomError
        if no ε down to 2^-max_exponent keeps the patterns (only possible with ``at_zero``, where a zero
        pre-activation cannot be kept by a perturbation that must be non-degenerate).
    """
    target = activation_patterns(net, X, at_zero=at_zero)
    rng = np.random.default_rng(seed)
    theta = net.parameters()
    while True:
        num = rng.integers(-max_numerator, max_numerator + 1, len(theta))
        if num.any():
            break
    den = rng.integers(1, max_denominator + 1, len(theta))
    delta = [Fraction(int(p), int(q)) for p, q in zip(num, den)]
    for j in range(min_exponent, max_exponent + 1):
        eps = Fraction(1, 2**j)
        cand = Network.from_parameters(net.widths, [t + eps * d for t, d in zip(theta, delta)])
        try:
            pat = activation_patterns(cand, X)
        except DegeneratePointError:
            continue
        if (pat == target).all():
            return cand
    raise RelugeomError(
        f"no perturbation down to 2^-{max_exponent} keeps the activation patterns on X; with at_zero set, "
        "samples with a zero pre-activation cannot keep their one-sided pattern at a non-degenerate point"
    )
