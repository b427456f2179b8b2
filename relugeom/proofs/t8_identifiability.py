"""T8 (ours, after [BBM22]): R_Γ = BFD off the set S, R_Γ ≤ BFD ≤ R_A, and the verdicts that follow.

Statement
---------
Let θ have widths (n0, …, nL), X be non-degenerate for θ, J = J(θ, X), and fix for each hidden neuron v one
outgoing weight e(v) ≠ 0 (relugeom fixes the largest in absolute value). Let J_free be J without the H
fixed columns, R_Γ = rank J_free, and α = α(X, θ) the path-activation matrix (SPEC §9).

(a) If no hidden neuron has all its outgoing weights 0 (θ ∉ S; the other half of S, a neuron with zero
    incoming weights and bias, makes every X degenerate), then R_Γ = BFD(θ, X) = rank J.
(b) Always R_Γ ≤ BFD(θ, X) ≤ R_A = n_L · rank α.
(c) rank α = rank α αᵀ, and α αᵀ is the layer-by-layer product of :mod:`relugeom.identifiability.paths`.
(d) :func:`relugeom.local_identifiability` says "identifiable" iff θ ∉ S and R_Γ = N − H; "not identifiable"
    iff θ ∈ S or R_Γ = R_A < N − H; "undecided" otherwise.

Proof (in our words)
--------------------
(a) For each hidden neuron v the rescaling vector ρ_v (+θ on v's incoming weights and bias, −θ on its
outgoing weights) lies in ker J (theorem T2). On the fixed coordinates, ρ_v is −θ_{e(v)} ≠ 0 at e(v) and
can be nonzero elsewhere only at fixed edges e(u) that are incoming edges of v, i.e. of neurons u one layer
before v. Ordering the neurons from the last hidden layer to the first makes the H × H matrix T = (ρ_v at
e(u)) triangular with a nonzero diagonal, hence invertible. So for each fixed coordinate e there is a
combination κ_e = Σ_v c_v ρ_v ∈ ker J that is 1 at e and 0 at every other fixed coordinate:
0 = J κ_e = J[:, e] + J_free κ_e,free, so every fixed column is a combination of free columns and
rank J_free = rank J.
(b) R_Γ ≤ rank J: J_free is a column selection of J. At a non-degenerate point the patterns are constant
near θ, so F_o(x) = Σ_p w_{p,o}(θ) α_p(x) with α locally constant in θ; the rows of J for output o are
therefore α · (∂w_{·,o}/∂θ), of rank ≤ rank α, and the n_L outputs give rank J ≤ n_L rank α.
(c) α has real entries, so α c = 0 ⇔ cᵀαᵀα c = 0 and rank α = rank αᵀα = rank α αᵀ. The formula for α αᵀ:
a sum over paths of a product over a path's layers of per-layer factors is the product over layers of the
per-layer sums, and the per-layer sum of a_v(x_s) a_v(x_t) is c_l(s, t).
(d) is the definition, checked against the report field by field: the set S is recomputed from the
weights, the ranks from J and the explicit α. ∎

The check computes R_Γ from J's free columns (not from the BFD), and rank α from α built path by path (not
from the Gram matrix): the two computations :func:`relugeom.local_identifiability` does not do.

Examples
--------
>>> import relugeom as rg
>>> from relugeom.search.families import Case
>>> net = rg.Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
>>> out = check(Case(net, ((2,), (3,), (4,), (5,))))
>>> out.status, out.quantities["rank_gamma"], out.quantities["rank_alpha"], out.quantities["verdict"]
('ok', 2, 2, 'not identifiable')
>>> path_activation_matrix(net, [["1/2"], [2]])   # rows (x·a0, x·a1, a0, a1, 1)
[[Fraction(1, 2), Fraction(0, 1), 1, 0, 1], [Fraction(2, 1), Fraction(2, 1), 1, 1, 1]]
"""

from __future__ import annotations

import itertools
from typing import Any

from relugeom.core.forward import as_batch
from relugeom.core.network import Network
from relugeom.core.patterns import activation_patterns
from relugeom.dimension.bfd import batch_functional_dimension
from relugeom.dimension.jacobian import jacobian
from relugeom.identifiability.paths import path_rank
from relugeom.identifiability.verdicts import degenerate_set, fixed_edges, local_identifiability
from relugeom.linalg import rank
from relugeom.search.families import Case, Outcome

from .toy_families import grids, random_nets

__all__ = ["NAME", "TITLE", "check", "families", "path_activation_matrix", "expected_verdict", "verdict_counts"]

NAME = "T8"
TITLE = "R_Γ = BFD off S, R_Γ ≤ BFD ≤ R_A, and the identifiability verdicts (ours, after [BBM22])"


def path_activation_matrix(net: Network, X: Any) -> list[list[Any]]:
    """α(X, θ) built path by path (one column per path, then the constant 1): the oracle for the Gram route.

    Columns: the paths from input 0, 1, …, then from the neurons of hidden layer 0, 1, …; each path's later
    neurons in lexicographic order. Degenerate samples are refused.
    """
    batch = as_batch(net, X)
    P = activation_patterns(net, batch)
    hidden = net.hidden_widths
    starts = [sum(hidden[:k]) for k in range(len(hidden))]
    rows = []
    for s, x in enumerate(batch):

        def active(k: int, i: int) -> int:
            return int(P[s, starts[k] + i])

        row: list[Any] = []
        for j in range(net.input_dim):
            for path in itertools.product(*(range(w) for w in hidden)):
                value = x[j]
                for k, i in enumerate(path):
                    value *= active(k, i)
                row.append(value)
        for h in range(len(hidden)):
            for path in itertools.product(*(range(w) for w in hidden[h:])):
                value = 1
                for k, i in enumerate(path, start=h):
                    value *= active(k, i)
                row.append(value)
        rows.append(row + [1])
    return rows


def expected_verdict(in_s: bool, rank_gamma: int, rank_alpha: int, n_minus_h: int) -> str:
    """Statement (d)'s table, written independently of the library's."""
    if in_s:
        return "not identifiable"
    if rank_gamma == n_minus_h:
        return "identifiable"
    if rank_gamma == rank_alpha and rank_gamma < n_minus_h:
        return "not identifiable"
    return "undecided"


def check(case: Case) -> Outcome:
    """Statements (a)–(d) on one (θ, X) (raises DegeneratePointError on a degenerate X)."""
    net, X = case.net, case.inputs
    J = jacobian(net, X)  # DegeneratePointError: degenerate
    N, H = net.num_params, net.num_hidden
    bfd = batch_functional_dimension(net, X, seed=case.seed)
    fixed = set(fixed_edges(net))
    free = [c for c in range(N) if c not in fixed]
    rank_gamma = rank(J[:, free].tolist(), seed=case.seed).rank if free else 0
    alpha = path_activation_matrix(net, X)
    path_rank_explicit = rank(alpha, seed=case.seed).rank
    rank_alpha = net.output_dim * path_rank_explicit
    gram_rank = path_rank(net, X, seed=case.seed).rank
    s_neurons = degenerate_set(net)
    in_s = bool(s_neurons)
    outgoing_zero = any(s.why == "outgoing" for s in s_neurons)
    rep = local_identifiability(net, X, seed=case.seed)
    problems = []
    if not outgoing_zero and rank_gamma != bfd:
        problems.append(f"(a) off S, R_Γ = {rank_gamma} but BFD = {bfd}")
    if not rank_gamma <= bfd <= rank_alpha:
        problems.append(f"(b) R_Γ = {rank_gamma}, BFD = {bfd}, R_A = {rank_alpha} are not in order")
    if gram_rank != path_rank_explicit:
        problems.append(f"(c) the Gram route gives rank α = {gram_rank}, the explicit α {path_rank_explicit}")
    want = expected_verdict(in_s, rank_gamma, rank_alpha, N - H)
    got = (rep.verdict, rep.rank_gamma, rep.rank_alpha, bool(rep.in_s))
    if got != (want, rank_gamma, rank_alpha, in_s):
        problems.append(f"(d) the report says {got}, expected {(want, rank_gamma, rank_alpha, in_s)}")
    q = {
        "bfd": bfd,
        "rank_gamma": rank_gamma,
        "rank_alpha": rank_alpha,
        "n_minus_h": N - H,
        "verdict": want,
        "in_s": in_s,
        "num_paths": len(alpha[0]) - 1,
    }
    return Outcome("violation", q, "; ".join(problems)) if problems else Outcome("ok", q)


def verdict_counts(results: list[Outcome]) -> dict[str, int]:
    """How many cases got each verdict (the families must reach all three)."""
    counts: dict[str, int] = {}
    for out in results:
        if out.status == "ok":
            counts[out.quantities["verdict"]] = counts.get(out.quantities["verdict"], 0) + 1
    return counts


def families(exhaustive: bool) -> list:
    """The shared toy grids and random nets (:mod:`.toy_families`); deeper random shapes when exhaustive.

    The (1,1,1) grid contains networks in S (W1 = 0), the (1,2,1) grid over {−1, 1} on 6 samples all
    three verdicts; random deeper nets exercise the Gram route's layer products.
    """
    if exhaustive:
        return grids(True) + random_nets(81, 200)
    return grids(False) + random_nets(83, 15, (((2, 3, 3, 1), 8), ((1, 2, 2, 2), 5)))
