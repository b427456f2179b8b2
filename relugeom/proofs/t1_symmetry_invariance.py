"""T1: the batch functional dimension is invariant under neuron permutations and positive rescalings.

Statement
---------
Let θ' be obtained from θ by permuting the neurons of hidden layers and rescaling hidden neurons by
positive rationals λ (SPEC §5). Then F_θ' = F_θ as functions, X is degenerate for θ' iff it is for θ,
the activation patterns of θ' on X are those of θ with the neurons of each hidden layer permuted, and
BFD(θ', X) = BFD(θ, X) [BMB24].

Proof (in our words)
--------------------
relu(λz) = λ relu(z) for λ > 0, so scaling a neuron's incoming weights and bias by λ scales its
pre-activation and its output by λ, and dividing its outgoing weights by λ undoes that in the next layer;
a permutation only reorders the terms of the next layer's sums. So F is unchanged, the pre-activations
of θ' are those of θ permuted and multiplied by positive numbers (same signs, same zeros), and the
symmetry is a linear bijection φ of parameter space with F_{φ(θ)} = F_θ for all θ. Differentiating,
J(φ(θ), X) · Dφ = J(θ, X) with Dφ invertible, hence equal ranks.

References
----------
.. [BMB24] Bona-Pellissier, Malgouyres, Bachoc, *Geometry-induced implicit regularization in deep ReLU
   neural networks*, arXiv 2402.08269 (2024).

Examples
--------
>>> import relugeom as rg
>>> from relugeom.search.families import Case
>>> net = rg.Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
>>> out = check(Case(net, ((-1,), ("1/2",), (2,)), seed=4))
>>> out.status, out.quantities["bfd"], out.quantities["bfd_transformed"]
('ok', 3, 3)

A *negative* scale is not a symmetry: :func:`compare` catches it.

>>> flipped = rg.Network.from_layers([([[-1], [1]], [0, -1]), ([[-1, 1]], [0])])
>>> bad = compare(net, flipped, [[-1], ["1/2"], [2]])
>>> bad.status, bad.quantities["outputs_equal"]
('violation', False)
"""

from __future__ import annotations

from typing import Any

from relugeom.core.forward import forward
from relugeom.core.network import Network
from relugeom.core.patterns import activation_patterns
from relugeom.dimension.bfd import batch_functional_dimension
from relugeom.exceptions import DegeneratePointError
from relugeom.search.families import Case, Outcome
from relugeom.symmetry import random_symmetry

from .toy_families import DEEP_SHAPES, grids, random_nets

__all__ = ["NAME", "TITLE", "check", "compare", "families"]

NAME = "T1"
TITLE = "BFD is invariant under neuron permutations and positive rescalings [BMB24]"


def _layer_column_multisets(net: Network, X: Any) -> list[list[tuple[bool, ...]]]:
    """For each hidden layer, the sorted list of its neurons' pattern columns (a multiset)."""
    P = activation_patterns(net, X)
    out, pos = [], 0
    for w in net.hidden_widths:
        out.append(sorted(tuple(bool(v) for v in P[:, j]) for j in range(pos, pos + w)))
        pos += w
    return out


def compare(net: Network, other: Network, X: Any, seed: int = 0) -> Outcome:
    """Judge whether ``other`` behaves like a symmetric image of ``net`` on the batch ``X``.

    Violation when the exact outputs differ, when ``other`` is degenerate on X while ``net`` is not,
    when the BFDs differ, or when the pattern columns of some hidden layer differ as multisets.

    Raises
    ------
    DegeneratePointError
        if X is degenerate for ``net`` (the case is outside the statement).
    """
    bfd = batch_functional_dimension(net, X, seed=seed)
    outputs_equal = bool((forward(net, X) == forward(other, X)).all())
    q: dict = {"bfd": bfd, "outputs_equal": outputs_equal}
    try:
        bfd_t = batch_functional_dimension(other, X, seed=seed)
    except DegeneratePointError as err:
        q.update(bfd_transformed=None, transformed_degenerate=True)
        return Outcome("violation", q, f"the transformed network is degenerate on X: {err}")
    q["bfd_transformed"] = bfd_t
    patterns_ok = _layer_column_multisets(net, X) == _layer_column_multisets(other, X)
    q["patterns_equal_up_to_permutation"] = patterns_ok
    problems = [
        text
        for bad, text in (
            (not outputs_equal, "outputs differ"),
            (bfd != bfd_t, f"BFD {bfd} != {bfd_t}"),
            (not patterns_ok, "patterns differ beyond a permutation"),
        )
        if bad
    ]
    if problems:
        return Outcome("violation", q, "; ".join(problems))
    return Outcome("ok", q)


def check(case: Case) -> Outcome:
    """Apply :func:`relugeom.symmetry.random_symmetry` (seeded by ``case.seed``) and :func:`compare`."""
    other = random_symmetry(case.net, seed=case.seed)
    return compare(case.net, other, case.inputs, seed=case.seed)


def families(exhaustive: bool) -> list:
    """Exhaustive: every (1,2,1) and (2,2,1) net over {−1,0,1} plus random rational nets; default: a slice.

    Default: the (1,1,1) grid over {−1,0,1} on 3 samples (81 nets, 9 degenerate), the (1,2,1) grid over
    {−1,1} on 6 samples (128 nets, none degenerate), the (2,1,1) grid over {−1,0,1} on 6 samples (243
    nets, 9 degenerate) and 30 random (2,3,3,1) nets.
    """
    if exhaustive:
        return grids(True) + random_nets(1, 200)
    return grids(False) + random_nets(1, 30, DEEP_SHAPES[:1])
