"""T3: BFD is constant for generic θ' in an activation region of parameter space, and BFD(θ) is at most that.

Statement
---------
Fix a batch X and a non-degenerate θ, and let R = {θ' : θ' is non-degenerate on X and has the same
activation pattern as θ on every sample}, θ's activation region of parameter space. There is an integer
r_R such that BFD(θ', X) = r_R for every θ' ∈ R outside a proper algebraic subset (so for Lebesgue-almost
every θ' ∈ R, on an open dense subset of R), and BFD(θ', X) ≤ r_R for *every* θ' ∈ R, in particular
BFD(θ, X) ≤ r_R [BMB24]. The inequality can be strict: "almost every" cannot be dropped
(:func:`non_generic_example`).

Proof (in our words)
--------------------
R is open: it is cut out by finitely many strict inequalities on pre-activations, which are continuous
in θ'. With the patterns fixed, every a_k(x) and every B_k is a polynomial in θ' (ReLU becomes the fixed
diagonal mask D_k), so on R the Jacobian equals J_P(θ'), a matrix of polynomials defined on all of
parameter space. Let r_R be its rank over the field of rational functions in θ': the largest r such
that some r × r minor m is not the zero polynomial. Minors of size > r_R vanish identically, so
rank J ≤ r_R everywhere on R; and rank J = r_R wherever m ≠ 0, that is off the zero set of a nonzero
polynomial, a proper algebraic subset with empty interior and measure zero, hence on an open dense
subset of R. (So r_R is also the same on every connected component of R.) θ itself is in R, so
BFD(θ) ≤ r_R; rank is lower semicontinuous, so BFD is at least BFD(θ) near θ, and on R it takes the
value r_R generically.

How it is checked
-----------------
:func:`relugeom.search.perturbation.perturb_within_region` draws θ' = θ + 2^-j δ with δ_i uniform integers in
[−2^30, 2^30] and the least j ≥ 30 that keeps every pattern on X (so |θ'_i − θ_i| ≤ 1). Two independent
draws (seeds derived from ``case.seed``) must give the same BFD, the generic value, and BFD(θ) must not
exceed it. For a fixed j, a nonzero minor m of degree d ≤ r_R (L − 1) vanishes at θ + 2^-j δ with
probability at most d / (2^31 + 1) (Schwartz–Zippel), so even with a union bound over the 171 possible
exponents j (30 … 200) a draw misses the generic value with probability below 171 d / 2^31 (< 2·10^-6
for the families here, d ≤ 24); the draws are deterministic in ``case.seed``, so any violation can be
rebuilt and examined.

Notes
-----
Non-generic cases (BFD(θ) < r_R) are common on integer grids, rare for random rationals. Measured with
:func:`count_non_generic` (non-generic / non-degenerate cases): exhaustive run, the (1,2,1) grid over
{−1, 0, 1} on 6 samples 609 / 1728, the (2,2,1) grid on 8 samples 8304 / 18252, random (2,3,3,1)
8 / 186, (3,4,2) 0 / 195, (1,3,3,2) 1 / 176; default run, the (1,1,1) grid 12 / 72 (derived by hand in
``tests/test_proofs.py``), (1,2,1) over {−1, 1} 0 / 128, (2,1,1) over {−1, 0, 1} 60 / 234, random 3 / 30.

References
----------
.. [BMB24] Bona-Pellissier, Malgouyres, Bachoc, *Geometry-induced implicit regularization in deep ReLU
   neural networks*, arXiv 2402.08269 (2024).

Examples
--------
>>> net, X, bfd, generic = non_generic_example()
>>> bfd, generic
(1, 2)
>>> from relugeom.search.families import Case
>>> out = check(Case(net, tuple((x,) for x in X), seed=3))
>>> out.status, out.quantities["bfd"], out.quantities["bfd_generic"], out.quantities["non_generic"]
('ok', 1, [2, 2], True)
"""

from __future__ import annotations

from fractions import Fraction
from typing import Sequence

from relugeom.core.network import Network
from relugeom.dimension.bfd import batch_functional_dimension
from relugeom.search.families import Case, Family, Outcome
from relugeom.search.perturbation import perturb_within_region

from .toy_families import DEEP_SHAPES, count_flagged, grids, random_nets

__all__ = ["NAME", "TITLE", "check", "families", "generic_perturbation", "non_generic_example", "count_non_generic"]

NAME = "T3"
TITLE = "within a parameter-space activation region BFD is generically constant and BFD(θ) <= it [BMB24]"

DRAWS = 2
_SCALE = 30  # δ_i uniform in [−2^30, 2^30], step 2^-j with j ≥ 30: perturbations of size ≤ 1


def generic_perturbation(net: Network, X, seed: int) -> Network:
    """A random point of θ's region (see "How it is checked"), deterministic in ``seed``."""
    return perturb_within_region(net, X, seed=seed, max_numerator=2**_SCALE, max_denominator=1, min_exponent=_SCALE)


def _seeds(seed: int) -> list[int]:
    return [seed * (DRAWS + 1) + j + 1 for j in range(DRAWS)]


def check(case: Case) -> Outcome:
    """Two generic perturbations within the region must agree, and BFD(θ) must not exceed them."""
    net, X = case.net, case.inputs
    bfd = batch_functional_dimension(net, X, seed=case.seed)  # raises DegeneratePointError
    generic = [
        batch_functional_dimension(generic_perturbation(net, X, s), X, seed=case.seed) for s in _seeds(case.seed)
    ]
    q = {"bfd": bfd, "bfd_generic": generic, "non_generic": bfd < max(generic)}
    problems = []
    if len(set(generic)) > 1:
        problems.append(f"two generic points of one region have different BFDs {generic}")
    if bfd > max(generic):
        problems.append(f"BFD(θ) = {bfd} exceeds the generic value {max(generic)}")
    if problems:
        return Outcome("violation", q, "; ".join(problems))
    return Outcome("ok", q)


def non_generic_example() -> tuple[Network, tuple[Fraction, ...], int, int]:
    """A hand example where BFD(θ) is below the generic value of its region: (net, X, bfd, generic bfd).

    Widths (1, 1, 1), W0 = [[0]], b0 = [1], W1 = [[0]], b1 = [0], X = (1, 2); the hidden neuron is
    active on both samples. In parameter order (W0, b0, W1, b1) the row of J at x is
    (W1·x, W1, W0·x + b0, 1): here (0, 0, 1, 1) for both samples, rank 1. For θ' in the region with
    W0' ≠ 0 the last two columns give the independent rows (W0' + b0', 1) and (2 W0' + b0', 1): rank
    2 = n·n_L. So BFD(θ) = 1 < 2 = the generic value, with the same pattern.
    """
    net = Network.from_layers([([[0]], [1]), ([[0]], [0])])
    X = (Fraction(1), Fraction(2))
    bfd = batch_functional_dimension(net, X, seed=0)
    generic = [batch_functional_dimension(generic_perturbation(net, X, s), X, seed=0) for s in _seeds(0)]
    assert len(set(generic)) == 1
    return net, X, bfd, generic[0]


def _non_generic(quantities: dict) -> bool:
    return bool(quantities["non_generic"])


def count_non_generic(
    exhaustive: bool = False, jobs: int = 1, only: Sequence[Family] | None = None
) -> dict[str, tuple[int, int]]:
    """For each family: (non-generic cases, non-degenerate cases), non-generic meaning BFD(θ) < generic.

    ``only`` replaces ``families(exhaustive)`` by the given families. Raises RuntimeError if a case
    violates T3 (then run the check itself to see it).
    """
    return count_flagged(NAME, check, _non_generic, families(exhaustive) if only is None else only, jobs)


def families(exhaustive: bool) -> list:
    """Exhaustive: the (1,2,1) and (2,2,1) grids over {−1,0,1} and random rational nets; default: a slice.

    Default: (1,1,1) over {−1,0,1} (81 nets, 9 degenerate), (1,2,1) over {−1,1}, (2,1,1) over {−1,0,1}
    (243 nets, 9 degenerate) and 30 random (2,3,3,1) nets.
    """
    if exhaustive:
        return grids(True) + random_nets(21, 200)
    return grids(False) + random_nets(21, 30, DEEP_SHAPES[:1])
