"""T7: path-norms are rescaling-invariant, and a Path-SGD step commutes with neuron symmetries.

Statement
---------
Let φ permute the neurons of hidden layers and rescale hidden neurons by positive rationals λ (SPEC §5),
so that φ(θ) = P·μ ⊙ θ for a permutation P of the parameters and positive factors μ. Then

(a) φ_p(φ(θ))^p = φ_p(θ)^p for every integer p ≥ 1 [NSS15];
(b) for the squared loss L(θ) = ½ Σ_i ‖F_θ(x_i) − y_i‖² at a point where no pre-activation on X is 0,
    PathSGD_η(φ(θ)) = φ(PathSGD_η(θ)) exactly, for every step η > 0 (SPEC §8).

Plain gradient descent does not commute with φ in general; the check records whether it did
(``gd_commutes``) without calling it a violation.

Proof (in our words)
--------------------
(a) Along a path, a hidden neuron u that the path crosses contributes λ_u on the edge into it and 1/λ_u on
the edge out of it, so every path product is unchanged; a permutation only relabels paths.
(b) F_{φ(θ)} = F_θ for every θ, so L∘φ = L and, φ being linear, ∇L(φ(θ)) = (Dφ)^{−T} ∇L(θ): the entry of
edge e moves to φ(e) divided by μ_e. For the edge u → v, μ_e = λ_v/λ_u (λ = 1 for inputs, outputs and
the bias unit). The sum of Π w² over paths into u scales by λ_u² and over paths out of v by 1/λ_v² (the
factors of the neurons in between cancel as in (a)), so κ_{φ(e)} = κ_e / μ_e². Hence
μ_e θ_e − η (g_e/μ_e)(μ_e²/κ_e) = μ_e (θ_e − η g_e/κ_e): the step from φ(θ) is φ of the step from θ.
When κ_e = 0 every path through e has a zero weight, g_e = 0, and both sides leave the weight alone.
For plain GD the same computation gives μ_e θ_e − η g_e/μ_e, which is μ_e(θ_e − η g_e) only if μ_e² = 1
or g_e = 0.

References
----------
.. [NSS15] Neyshabur, Salakhutdinov, Srebro, *Path-SGD: path-normalized optimization in deep neural
   networks*, NeurIPS 2015.

Examples
--------
>>> import relugeom as rg
>>> from relugeom.search.families import Case
>>> net = rg.Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
>>> out = check(Case(net, ((-1,), ("1/2",), (2,)), seed=4))
>>> out.status, out.quantities["path_norms_equal"], out.quantities["path_sgd_commutes"]
('ok', True, True)
>>> out.quantities["gd_commutes"]
False
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Sequence

import numpy as np

from relugeom.core.network import Network
from relugeom.dimension.jacobian import squared_loss_gradient
from relugeom.exceptions import DegeneratePointError
from relugeom.measures.norms import path_norm
from relugeom.measures.path_sgd import path_sgd_step
from relugeom.search.families import Case, Outcome
from relugeom.symmetry import permute_neurons, rescale_neurons

from .toy_families import DEEP_SHAPES, grids, random_nets

__all__ = ["NAME", "TITLE", "check", "symmetry_of_seed", "apply_symmetry", "families"]

NAME = "T7"
TITLE = "path-norms are rescaling-invariant and Path-SGD commutes with neuron symmetries [NSS15]"

STEP = Fraction(1, 8)


def symmetry_of_seed(net: Network, seed: int) -> tuple[list[list[int]], list[list[Fraction]]]:
    """A permutation and positive scales p/q (1 ≤ p, q ≤ 9) for every hidden layer, drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    perms, scales = [], []
    for width in net.hidden_widths:
        perms.append([int(v) for v in rng.permutation(width)])
        scales.append(
            [Fraction(int(p), int(q)) for p, q in zip(rng.integers(1, 10, width), rng.integers(1, 10, width))]
        )
    return perms, scales


def apply_symmetry(net: Network, perms: Sequence[Sequence[int]], scales: Sequence[Sequence[Any]]) -> Network:
    """Permute, then rescale, every hidden layer."""
    for k, (perm, lam) in enumerate(zip(perms, scales)):
        net = rescale_neurons(permute_neurons(net, k, perm), k, lam)
    return net


def check(case: Case) -> Outcome:
    """Check (a) for p = 1, 2, 3 and (b) with η = 1/8 and integer targets drawn from ``case.seed``.

    The gradient at φ(θ) is computed afresh from its own exact Jacobian, not transported from θ.
    """
    net, X = case.net, case.inputs
    rng = np.random.default_rng(case.seed + 1)
    Y = [[Fraction(int(v)) for v in rng.integers(-2, 3, net.output_dim)] for _ in X]
    perms, scales = symmetry_of_seed(net, case.seed)
    other = apply_symmetry(net, perms, scales)
    norms = [(path_norm(net, p), path_norm(other, p)) for p in (1, 2, 3)]
    q: dict = {"path_norms": [str(a) for a, _ in norms], "path_norms_equal": all(a == b for a, b in norms)}
    try:
        g = squared_loss_gradient(net, X, Y)
    except DegeneratePointError as err:
        return Outcome("degenerate", q, str(err))
    try:
        g_other = squared_loss_gradient(other, X, Y)
    except DegeneratePointError as err:
        return Outcome("violation", q, f"the symmetric image is degenerate on X while θ is not: {err}")
    try:
        stepped, stepped_other = path_sgd_step(net, g, STEP), path_sgd_step(other, g_other, STEP)
    except ValueError as err:
        return Outcome("violation", q, f"Path-SGD refused a true gradient: {err}")
    q["path_sgd_commutes"] = stepped_other == apply_symmetry(stepped, perms, scales)
    gd = Network.from_parameters(net.widths, [w - STEP * gi for w, gi in zip(net.parameters(), g)])
    gd_other = Network.from_parameters(net.widths, [w - STEP * gi for w, gi in zip(other.parameters(), g_other)])
    q["gd_commutes"] = gd_other == apply_symmetry(gd, perms, scales)
    problems = [
        text
        for bad, text in (
            (not q["path_norms_equal"], "path-norms differ"),
            (not q["path_sgd_commutes"], "the Path-SGD steps do not commute"),
        )
        if bad
    ]
    if problems:
        return Outcome("violation", q, "; ".join(problems))
    return Outcome("ok", q)


def families(exhaustive: bool) -> list:
    """Exhaustive: every (1,2,1) and (2,2,1) net over {−1,0,1} and 200 random nets per deep shape;
    default: a slice.

    Default: the grids of :func:`~proofs.toy_families.grids` (452 networks) and 30 random (2,3,3,1) nets.
    """
    if exhaustive:
        return grids(True) + random_nets(1, 200)
    return grids(False) + random_nets(1, 30, DEEP_SHAPES[:1])
