"""T2: the H rescaling vectors lie in the kernel of J(θ, X), so BFD ≤ N − H.

Statement
---------
For a hidden neuron h = (k, i) let u_h ∈ Q^N be +θ on its incoming weights and bias, −θ on its outgoing
weights (the column i of W[k+1]) and 0 elsewhere (:func:`relugeom.symmetry.symmetry_kernel`). At every
non-degenerate (θ, X):

(a) J(θ, X) u_h = 0 for all H hidden neurons [BMB24, GLMW22];
(b) for any θ, rank(u_1 … u_H) = H − c(θ), where c(θ) counts the *floating* groups of hidden neurons:
    the connected components of the graph on hidden neurons with an edge (k−1, j) — (k, i) whenever
    W[k][i, j] ≠ 0, that contain no neuron with a nonzero bias, no first-layer neuron with a nonzero
    input weight and no last-hidden-layer neuron with a nonzero output weight;
(c) c(θ) = 0 whenever X is non-degenerate for θ, so the H vectors are independent and
    BFD(θ, X) ≤ N − H.

With one hidden layer a floating group is a single neuron with all-zero incoming weights, bias and
outgoing weights, the exception stated in SPEC §3. With two or more hidden layers that wording is too
narrow: a neuron with zero incoming weights and bias whose only nonzero outgoing weight feeds a neuron
with no other incoming weight, zero bias and zero outgoing weights gives a dependent pair (scaling both
by the same λ changes nothing), although neither neuron has zero incoming *and* outgoing weights
(:func:`floating_groups` finds it; see the example below).

Proof (in our words)
--------------------
(a) Rescaling neuron h by λ > 0 leaves F unchanged (T1), so d/dλ F_{θ(λ)}(x) = 0 at λ = 1, and
d/dλ θ(λ) at λ = 1 is exactly u_h. Explicitly, with the SPEC §3 formulas,
J u_h = B_{k+1} W[k+1][:, i] (D_k[i] z_{k,i}(x) − relu(z_{k,i}(x))) = 0 because D_k[i] z = relu(z).
(b) Write Σ_h c_h u_h = 0 coordinate by coordinate. A bias b[k][i], an input weight W[0][i, j] and an
output weight W[L−1][o, i] each meet one vector only, so c_h = 0 wherever such a parameter of h is
nonzero; a weight W[k][i, j] between hidden neurons meets exactly two vectors, with coefficients +W and
−W, so c_(k,i) = c_(k−1,j) when it is nonzero. Hence the dependencies are the c that are constant on
components and zero on anchored ones: a space of dimension c(θ).
(c) In a floating group take a neuron of the lowest layer: its incoming weights from earlier hidden
neurons would be edges into the group (impossible: it is the lowest), its input weights (first layer)
and its bias are zero, so its pre-activation is 0 on every input and every sample is degenerate.
Then BFD = rank J ≤ N − dim span(u_h) = N − H.

References
----------
.. [BMB24] Bona-Pellissier, Malgouyres, Bachoc, arXiv 2402.08269 (2024).
.. [GLMW22] Grigsby, Lindsey, Meyerhoff, Wu, *Functional dimension of feedforward ReLU neural networks*,
   arXiv 2209.04036 (2022).

Examples
--------
>>> import relugeom as rg
>>> from relugeom.search.families import Case
>>> net = rg.Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
>>> out = check(Case(net, ((-1,), ("-1/2",), ("1/2",), ("7/10",), (2,), (3,))))
>>> out.status, out.quantities["bfd"], out.quantities["rank_rescalings"], out.quantities["bound"]
('ok', 5, 2, 5)

A dependent pair in a (1, 1, 1, 1) network that SPEC §3's wording misses (degenerate everywhere):

>>> chain = rg.Network.from_layers([([[0]], [0]), ([[2]], [0]), ([[0]], [1])])
>>> floating_groups(chain), exact_rank(rg.symmetry.symmetry_kernel(chain))
([[(0, 0), (1, 0)]], 1)
"""

from __future__ import annotations

from fractions import Fraction
from typing import Sequence

from relugeom.core.network import Network
from relugeom.dimension.bfd import batch_functional_dimension
from relugeom.dimension.jacobian import jacobian
from relugeom.search.families import Case, GridFamily, Outcome, default_batch
from relugeom.symmetry import symmetry_kernel

from .toy_families import DEEP_SHAPES, grids, random_nets

__all__ = ["NAME", "TITLE", "check", "families", "exact_rank", "floating_groups", "kernel_residuals"]

NAME = "T2"
TITLE = "the H rescaling vectors lie in ker J and are independent, so BFD <= N - H [BMB24, GLMW22]"


def exact_rank(rows: Sequence[Sequence]) -> int:
    """Rank over Q by Gaussian elimination on Fractions (small matrices; independent of relugeom.linalg).

    >>> exact_rank([[1, 2, 3], [2, 4, 6], [0, "1/3", 1]])
    2
    """
    M = [[Fraction(v) for v in row] for row in rows]
    rank, ncols = 0, len(M[0]) if M else 0
    for c in range(ncols):
        pivot = next((r for r in range(rank, len(M)) if M[r][c] != 0), None)
        if pivot is None:
            continue
        M[rank], M[pivot] = M[pivot], M[rank]
        for r in range(rank + 1, len(M)):
            if M[r][c] != 0:
                f = M[r][c] / M[rank][c]
                M[r] = [a - f * b for a, b in zip(M[r], M[rank])]
        rank += 1
    return rank


def floating_groups(net: Network) -> list[list[tuple[int, int]]]:
    """The floating groups of hidden neurons of statement (b) (each a sorted list of (layer, neuron))."""
    L = net.num_layers
    neurons = [(k, i) for k in range(L - 1) for i in range(net.widths[k + 1])]
    parent = {h: h for h in neurons}

    def find(h):
        while parent[h] != h:
            parent[h] = parent[parent[h]]
            h = parent[h]
        return h

    for k in range(1, L - 1):
        for i, row in enumerate(net.weights[k]):
            for j, w in enumerate(row):
                if w != 0:
                    parent[find((k, i))] = find((k - 1, j))
    anchored = set()
    for k, i in neurons:
        if (
            net.biases[k][i] != 0
            or (k == 0 and any(w != 0 for w in net.weights[0][i]))
            or (k == L - 2 and any(row[i] != 0 for row in net.weights[L - 1]))
        ):
            anchored.add(find((k, i)))
    groups: dict = {}
    for h in neurons:
        groups.setdefault(find(h), []).append(h)
    return [sorted(g) for root, g in groups.items() if root not in anchored]


def kernel_residuals(J, vectors: Sequence[Sequence[Fraction]]) -> list[int]:
    """For each vector u, the number of rows r of J with (J u)_r ≠ 0 (exact Fraction arithmetic)."""
    out = []
    for u in vectors:
        support = [(c, v) for c, v in enumerate(u) if v != 0]
        out.append(sum(1 for row in J if sum((row[c] * v for c, v in support), Fraction(0)) != 0))
    return out


def check(case: Case) -> Outcome:
    """J u_h = 0 exactly for every rescaling vector, rank(u) = H − c(θ) = H, BFD ≤ N − rank(u)."""
    net, X = case.net, case.inputs
    J = jacobian(net, X)  # exact Fractions; raises DegeneratePointError
    U = symmetry_kernel(net)
    residuals = kernel_residuals(J, U)
    H, N = net.num_hidden, net.num_params
    rank_u = exact_rank(U) if U else 0
    floating = floating_groups(net)
    bfd = batch_functional_dimension(net, X, seed=case.seed)
    q = {
        "bfd": bfd,
        "num_params": N,
        "num_hidden": H,
        "rank_rescalings": rank_u,
        "floating_groups": len(floating),
        "bound": N - rank_u,
        "vectors_not_in_kernel": sum(1 for r in residuals if r),
    }
    problems = []
    if any(residuals):
        problems.append(f"{q['vectors_not_in_kernel']} rescaling vector(s) not in ker J")
    if rank_u != H - len(floating):
        problems.append(f"rank of the rescaling vectors {rank_u} != H - floating groups = {H - len(floating)}")
    if floating:
        problems.append(f"floating groups {floating} at a non-degenerate point")
    if bfd > N - rank_u:
        problems.append(f"BFD {bfd} > N - rank = {N - rank_u}")
    if problems:
        return Outcome("violation", q, "; ".join(problems))
    return Outcome("ok", q)


def families(exhaustive: bool) -> list:
    """Same grids as T1 (n = N − H + 1 samples, so that N − H can bind) plus random rational nets.

    Default: (1,1,1) over {−1,0,1} (81 nets, 9 degenerate), (1,2,1) over {−1,1}, (2,1,1) over {−1,0,1}
    (243 nets, 9 degenerate), (2,2,1) over {−1,1} on 8 samples (512 nets, none degenerate) and 30 random
    (2,3,3,1) nets.
    """
    if exhaustive:
        return grids(True) + random_nets(11, 200)
    return grids(False) + [GridFamily((2, 2, 1), (-1, 1), default_batch(2, 8))] + random_nets(11, 30, DEEP_SHAPES[:1])
