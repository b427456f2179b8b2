"""T4 (ours): BFD ≤ n_L Σ_r min(n_r, n0 + 1) over the distinct activation patterns r of the batch.

Statement
---------
Let X be non-degenerate for θ, and group its samples by activation pattern: pattern r is shown by the
n_r samples X_r. Then

    BFD(θ, X) ≤ n_L Σ_r rank[X_r 1] ≤ n_L Σ_r min(n_r, n0 + 1),

where [X_r 1] is the n_r × (n0 + 1) matrix of the samples of pattern r with a column of ones appended.
This is our statement (SPEC §3 lists the right-hand bound); it refines the row count n·n_L when several
samples share a pattern and have more of them than n0 + 1, or when they are affinely dependent.

Proof (in our words)
--------------------
Fix a pattern r. With the masks D_k fixed, a_k(x) = D_{k−1}(W[k−1] a_{k−1}(x) + b[k−1]) is affine in x
(induction from a_0 = x), and the B_k do not depend on x at all. So the row of J for sample x and output
o, whose entries are B_k[o, i] a_k(x)_j and B_k[o, i], is an affine function of x: row_o(x) = M_o x + c_o
for a fixed matrix M_o and vector c_o, i.e. row_o(x) = [M_o c_o] (x, 1). The n_r rows (x, o) with x in
X_r therefore lie in the image of [M_o c_o] restricted to the span of the vectors (x, 1), x ∈ X_r, a
space of dimension rank[X_r 1] ≤ min(n_r, n0 + 1). J's rows are the union over r and o of these groups,
and the rank of a union of row sets is at most the sum of their ranks.

Examples
--------
SPEC §3's hand network on 6 samples with 3 patterns of sizes 2, 2, 2 (n0 + 1 = 2): bound 6, BFD 5.

>>> import relugeom as rg
>>> from relugeom.search.families import Case
>>> net = rg.Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
>>> X = ((-1,), ("-1/2",), ("1/2",), ("7/10",), (2,), (3,))
>>> pattern_bound(net, X)
(6, 6, [2, 2, 2])
>>> out = check(Case(net, X))
>>> out.status, out.quantities["bfd"], out.quantities["bound"]
('ok', 5, 6)

On 4 samples of one pattern the bound is n_L (n0 + 1) = 2, and it is attained:

>>> check(Case(net, ((2,), (3,), (4,), (5,)))).quantities["bfd"], pattern_bound(net, [2, 3, 4, 5])[0]
(2, 2)
"""

from __future__ import annotations

from typing import Any

from relugeom.core.forward import as_batch
from relugeom.core.network import Network
from relugeom.core.patterns import activation_patterns
from relugeom.dimension.bfd import dimension_report
from relugeom.search.families import Case, GridFamily, Outcome, default_batch

from .t2_rescaling_kernel import exact_rank
from .toy_families import DEEP_SHAPES, grids, random_nets

__all__ = ["NAME", "TITLE", "check", "families", "pattern_bound"]

NAME = "T4"
TITLE = "BFD <= n_L * sum over patterns r of min(n_r, n0 + 1) (ours)"


def pattern_bound(net: Network, X: Any) -> tuple[int, int, list[int]]:
    """(n_L Σ_r min(n_r, n0 + 1), n_L Σ_r rank[X_r 1], [n_r …]) from the exact activation patterns.

    Raises
    ------
    DegeneratePointError
        if X is degenerate for ``net``.
    """
    P = activation_patterns(net, X)
    batch = as_batch(net, X)
    groups: dict[tuple[bool, ...], list[int]] = {}
    for s, row in enumerate(P.tolist()):
        groups.setdefault(tuple(row), []).append(s)
    n0, nL = net.input_dim, net.output_dim
    counts = [len(g) for g in groups.values()]
    bound = nL * sum(min(c, n0 + 1) for c in counts)
    affine = nL * sum(exact_rank([list(batch[s]) + [1] for s in g]) for g in groups.values())
    return bound, affine, counts


def check(case: Case) -> Outcome:
    """Exact BFD against the bound computed here from the patterns (and against relugeom's own report)."""
    net, X = case.net, case.inputs
    bound, affine, counts = pattern_bound(net, X)  # raises DegeneratePointError
    rep = dimension_report(net, X, seed=case.seed)
    q = {
        "bfd": rep.bfd,
        "bound": bound,
        "bound_affine": affine,
        "pattern_sizes": counts,
        "num_patterns": len(counts),
        "tight": rep.bfd == bound,
        "report_bound": rep.bound_patterns,
    }
    problems = []
    if rep.bfd > affine:
        problems.append(f"BFD {rep.bfd} > n_L Σ rank[X_r 1] = {affine}")
    if rep.bfd > bound:
        problems.append(f"BFD {rep.bfd} > n_L Σ min(n_r, n0 + 1) = {bound}")
    if rep.bound_patterns != bound:
        problems.append(f"relugeom's DimensionReport.bound_patterns = {rep.bound_patterns} != {bound}")
    if problems:
        return Outcome("violation", q, "; ".join(problems))
    return Outcome("ok", q)


def families(exhaustive: bool) -> list:
    """Grids on more samples than n0 + 1 per pattern can hold, so the bound often binds.

    Exhaustive: (1,2,1) over {−1,0,1} on 6 samples, (2,2,1) over {−1,0,1} on 8 samples, random nets with
    n0 + 1 small against the number of samples. Default: (1,1,1) over {−1,0,1} on 3 samples (9 of 81
    degenerate), (1,2,1) over {−1,1} on 6 samples, (2,1,1) over {−1,0,1} on 6 samples (9 of 243
    degenerate), (2,2,1) over {−1,1} on 8 samples (512, none degenerate), 30 random (1,3,3,2) nets on 8
    samples.
    """
    if exhaustive:
        return grids(True) + random_nets(31, 200, DEEP_SHAPES[:2] + (((1, 3, 3, 2), 8),))
    return (
        grids(False) + [GridFamily((2, 2, 1), (-1, 1), default_batch(2, 8))] + random_nets(33, 30, (((1, 3, 3, 2), 8),))
    )
