"""T6 (ours): the CFFD is the BFD of n0 + 1 affinely independent points per activation region.

Statement
---------
Let R_1, …, R_m be the activation regions of θ in R^{n0} (SPEC §6) and, in each R_r, let
p_{r,0}, …, p_{r,n0} be affinely independent points. Let X* be the batch of all of them. Then for every
non-degenerate finite batch X,

    rowspace J(θ, X) ⊆ rowspace J(θ, X*),   so   BFD(θ, X) ≤ BFD(θ, X*),

and since X* is itself non-degenerate and finite, CFFD(θ) = BFD(θ, X*) ≤ N − H.

Proof (in our words)
--------------------
Fix a region R with pattern P. On R every mask D_k is constant, so every B_k (SPEC §3) is a constant
matrix and every activation a_k(x) is an affine function of x (a composition of affine maps and fixed
masks). The Jacobian block of a sample x ∈ R is therefore J_x = [B_k[:, i] a_k(x)_j, B_k[:, i]]_{k,i,j},
an affine function of x: J_x = M_0 + Σ_j x_j M_j. Any x ∈ R is an affine combination
x = Σ_i λ_i p_{r,i} (Σ λ_i = 1) of the affinely independent points (they span R^{n0} affinely), so
J_x = Σ_i λ_i J_{p_{r,i}}: the rows of J_x lie in the span of the rows at the p_{r,i}. A non-degenerate
sample has every hidden pre-activation nonzero, so it lies in the open region of its own pattern, one of
the R_r. Hence the rows of J(θ, X) lie in the row space of J(θ, X*). The bound N − H holds for every
non-degenerate batch (SPEC §3), X* included. ∎

The algorithm (``relugeom.regions.cffd``) takes p_{r,0} = the region's exact interior point and
p_{r,j} = p_{r,0} + ε e_j with ε small enough to stay inside (exactly, from the region's facets).

What the check tests, exactly, on each case (θ, X): the regions of R^{n0} are enumerated exactly, X* is
built, and (i) BFD(θ, X) ≤ CFFD(θ); (ii) BFD(θ, X* ∪ X) = CFFD(θ) (X adds no direction: the inclusion
of row spaces, which fails if a region were missing or an ε step left its region); (iii) CFFD ≤ N − H;
(iv) every point of X* has the pattern of its region. A network for which every input is degenerate (a
hidden neuron identically zero everywhere) has no CFFD and is counted as degenerate, as is a degenerate X.

Examples
--------
>>> import relugeom as rg
>>> from relugeom.search.families import Case
>>> net = rg.Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
>>> out = check(Case(net, (("-1",), ("1/2",), ("2",))))
>>> out.status, out.quantities["cffd"], out.quantities["bfd"], out.quantities["regions"]
('ok', 5, 3, 3)

The check can fail: with one region left out, the batch X sees a direction X* misses.

>>> problems = judge(net, (("-1",), ("1/2",), ("2",)), drop_region=2)
>>> problems
['BFD(X* ∪ X) = 4 exceeds CFFD 3: X* misses a direction']
"""

from __future__ import annotations

from typing import Any

from relugeom.core.patterns import activation_patterns
from relugeom.dimension.bfd import batch_functional_dimension
from relugeom.exceptions import DegeneratePointError, RelugeomError
from relugeom.regions import region_decomposition
from relugeom.regions.cffd import cffd_batch
from relugeom.search.families import Case, GridFamily, Outcome, default_batch

from .t5_inactive_neuron import POSITIVE_BATCH
from .toy_families import random_nets

__all__ = ["NAME", "TITLE", "check", "judge", "families"]

NAME = "T6"
TITLE = "CFFD = BFD of n0 + 1 affinely independent points per activation region (ours)"


def judge(net, X: Any, drop_region: int | None = None, seed: int = 0) -> list[str]:
    """The problems found with statements (i)–(iv) on (θ, X); ``drop_region`` removes one region's
    points from X* (to show that the check can fail)."""
    dec = region_decomposition(net)
    if not dec.regions:
        raise DegeneratePointError(0, dec.degenerate[0].layer, dec.degenerate[0].neuron)
    regions = [r for r in dec.regions if r.index != drop_region]
    kept = type(dec)(dec.network, dec.box, tuple(regions), dec.degenerate, dec.method)
    star = cffd_batch(kept)
    problems = []
    P = activation_patterns(net, star)
    per = net.input_dim + 1
    for j, r in enumerate(regions):
        if any(tuple(bool(v) for v in P[j * per + t]) != r.pattern for t in range(per)):
            problems.append(f"a point of X* left region {r.index}")
    cffd = batch_functional_dimension(net, star, seed=seed)
    bfd = batch_functional_dimension(net, X, seed=seed)
    both = batch_functional_dimension(net, list(star) + [tuple(x) for x in X], seed=seed)
    if bfd > cffd:
        problems.append(f"BFD(X) = {bfd} exceeds CFFD {cffd}")
    if both != cffd:
        problems.append(f"BFD(X* ∪ X) = {both} exceeds CFFD {cffd}: X* misses a direction")
    if cffd > net.num_params - net.num_hidden:
        problems.append(f"CFFD {cffd} exceeds N − H = {net.num_params - net.num_hidden}")
    return problems


def check(case: Case) -> Outcome:
    """Statements (i)–(iv) on (θ, X); degenerate X or an everywhere-degenerate θ are skipped."""
    net, X = case.net, case.inputs
    bfd = batch_functional_dimension(net, X, seed=case.seed)  # raises DegeneratePointError
    dec = region_decomposition(net)
    if not dec.regions:
        return Outcome("degenerate", {"regions": 0}, "every input is degenerate: no CFFD")
    star = cffd_batch(dec)
    cffd = batch_functional_dimension(net, star, seed=case.seed)
    q = {
        "cffd": cffd,
        "bfd": bfd,
        "regions": len(dec.regions),
        "N_minus_H": net.num_params - net.num_hidden,
        "degenerate_cells": len(dec.degenerate),
    }
    try:
        problems = judge(net, X, seed=case.seed)
    except RelugeomError as err:  # pragma: no cover - would be a bug in the enumeration
        problems = [f"error: {err}"]
    return Outcome("violation", q, "; ".join(problems)) if problems else Outcome("ok", q)


def families(exhaustive: bool) -> list:
    """Grids of one-input networks (exact breakpoints) and of two-input ones, and random deeper nets.

    Exhaustive: (1,2,1) over {−1, 0, 1} (2187), (1,2,2,1) over {−1, 1} on T5's positive batch (8192),
    (2,2,1) over {−1, 1} (512), and 100 random nets of each deep shape. Default: (1,1,1) over {−1, 0, 1} (81), (1,2,1) over
    {−1, 1} (128), (2,1,1) over {−1, 0, 1} (243), and 10 random nets of each deep shape.
    """
    if exhaustive:
        return [
            GridFamily((1, 2, 1), (-1, 0, 1), default_batch(1, 6)),
            GridFamily((1, 2, 2, 1), (-1, 1), POSITIVE_BATCH),
            GridFamily((2, 2, 1), (-1, 1), default_batch(2, 8)),
        ] + random_nets(61, 100)
    return [
        GridFamily((1, 1, 1), (-1, 0, 1), default_batch(1, 3)),
        GridFamily((1, 2, 1), (-1, 1), default_batch(1, 6)),
        GridFamily((2, 1, 1), (-1, 0, 1), default_batch(2, 6)),
    ] + random_nets(63, 10)
