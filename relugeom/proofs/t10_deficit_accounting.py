"""T10 (ours): the deficit accounting of ``explain_deficit`` is exact.

Statement
---------
Let (θ, X) be non-degenerate, J = J(θ, X), r = BFD(θ, X) = rank J, and let R be the H rescaling vectors.
Let ``ex = explain_deficit(θ, X)`` (:mod:`relugeom.identifiability.deficit`), with mechanism vectors
M_1, …, M_t (in attribution order) and unexplained vectors U. Then

(a) every reported vector v (all M_j and U) has J v = 0;
(b) R ∪ M_1 ∪ … ∪ M_t ∪ U is linearly independent and has N − r vectors, so it is a basis of ker J;
(c) Σ_j dim M_j + |U| = (N − H) − r, the deficit, and each mechanism reports as many vectors as its
    dimension.

The same holds with X None: then X is the CFFD batch X* of the regions of R^n0 (n0 + 1 affinely
independent interior points per region) and r = CFFD(θ) (theorem T6).

Proof (in our words)
--------------------
R lies in ker J and is independent at a non-degenerate point (T2 (a), (c)); write B_0 = R. For each
mechanism instance the algorithm takes a basis of S_m = ker J ∩ V_m (an exactly checked null space of J
restricted to the columns V_m, padded with zeros; for input-span, explicit vectors c ⊗ e_i with
[X | 1] c = 0, which leave every first-layer pre-activation and so F unchanged on X; for silent-edges, the
unit vectors of columns of J that are exactly zero) and appends to
B_{m−1} a set M_m of its vectors independent of B_{m−1}, as many as dim(B_{m−1} + S_m) − |B_{m−1}| (exact
ranks). By induction B_m is an independent subset of ker J spanning R + S_1 + … + S_m. Let B be the last
of them and d = |B|. The remaining u = (N − r) − d vectors are a completion of B to a basis of ker J,
computed from the certified rank r and checked J v = 0 (the first min(u, max(0, N − d − ρ_pat)) are
labelled pattern-rows, the rest unexplained). So R ∪ M ∪ U = B ∪ completion is an independent set of
N − r vectors of ker J, which has dimension N − r: a basis ((a), (b)). Counting it,
H + Σ_j |M_j| + |U| = N − r, which is (c) since |M_j| = dim M_j. ∎

The proof rests on what the algorithm computes, so the check recomputes everything it can independently:
J from the Fraction Jacobian (:func:`relugeom.dimension.jacobian.jacobian`, not the integer J' used by the
accounting) multiplied by every vector, the BFD by :func:`relugeom.dimension.bfd.batch_functional_dimension`
(a fresh certified rank), X* by the region enumeration, and the independence of the whole stack by a
certified rank of its own.

Examples
--------
>>> import relugeom as rg
>>> from relugeom.search.families import Case
>>> net = rg.Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
>>> out = check(Case(net, ((2,), (3,), (4,), (5,))))
>>> out.status, out.quantities["bfd"], out.quantities["deficit"], out.quantities["dimensions"]
('ok', 2, 3, {'always-active': 3})
>>> check(Case(net, ())).quantities["bfd"]                      # an empty batch: the domain R^n0 (CFFD)
5

The check can fail: an explanation that reports a vector outside the kernel, or one that repeats a
direction already counted (here the first rescaling vector).

>>> from dataclasses import replace
>>> ex = explain_deficit(net, [2, 3, 4, 5])
>>> outside = judge(net, [2, 3, 4, 5], replace(ex, unexplained=((1, 0, 0, 0, 0, 0, 0),)))
>>> repeated = judge(net, [2, 3, 4, 5], replace(ex, unexplained=(rescaling_vectors(net)[0],)))
>>> for text in outside + ["--"] + repeated:
...     print(text)
unexplained vector 0 is not in ker J
the stack R + mechanisms + unexplained has 6 vectors, N − BFD = 5
explained 3 + unexplained 1 ≠ deficit 3
--
the stack R + mechanisms + unexplained has 6 vectors, N − BFD = 5
the stack R + mechanisms + unexplained has rank 5 < 6 vectors: dependent
explained 3 + unexplained 1 ≠ deficit 3
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from relugeom.dimension.bfd import batch_functional_dimension
from relugeom.dimension.jacobian import jacobian
from relugeom.dimension.kernels import rescaling_vectors
from relugeom.exceptions import RelugeomError
from relugeom.identifiability.deficit import DeficitExplanation, explain_deficit
from relugeom.linalg import rank
from relugeom.regions import region_decomposition
from relugeom.regions.cffd import cffd_batch
from relugeom.search.families import Case, Family, GridFamily, Outcome, default_batch

from .t5_inactive_neuron import POSITIVE_BATCH
from .toy_families import RANDOM_PARAMETERS

__all__ = ["NAME", "TITLE", "check", "judge", "families", "OnDomain"]

NAME = "T10"
TITLE = "explain_deficit: R + mechanism + unexplained vectors are a basis of ker J; they add up to the deficit (ours)"


@dataclass(frozen=True)
class OnDomain:
    """The cases of ``base`` with an empty batch: T10 then checks the domain R^n0 (X None, the CFFD batch).

    >>> fam = OnDomain(GridFamily((1, 1, 1), (-1, 1), default_batch(1, 2)))
    >>> len(fam), fam.case(3).inputs, fam.name
    (16, (), 'grid 1-1-1 {-1,1} n=2 on R^n0')
    """

    base: Any

    @property
    def name(self) -> str:
        return f"{self.base.name} on R^n0"

    def __len__(self) -> int:
        return len(self.base)

    def case(self, index: int) -> Case:
        c = self.base.case(index)
        return Case(c.net, (), c.seed, self.name, c.index)


def judge(net, batch: Any, ex: DeficitExplanation, seed: int = 0) -> list[str]:
    """The problems with statements (a)–(c) for the explanation ``ex`` of (θ, batch) (the domain batch)."""
    problems = []
    J = jacobian(net, batch)
    zero = np.zeros(J.shape[0], dtype=object)
    labelled = [(f"{m.name} vector {j}", v) for m in ex.mechanisms for j, v in enumerate(m.vectors)]
    labelled += [(f"unexplained vector {j}", v) for j, v in enumerate(ex.unexplained)]
    for label, v in labelled:
        if not (J.dot(np.array(v, dtype=object)) == zero).all():
            problems.append(f"{label} is not in ker J")
    bfd = batch_functional_dimension(net, batch, seed=seed)
    N, H = net.num_params, net.num_hidden
    if ex.rank != bfd:
        problems.append(f"the explanation's rank {ex.rank} ≠ BFD {bfd}")
    stack = [list(v) for v in rescaling_vectors(net)] + [list(v) for _, v in labelled]
    if len(stack) != N - bfd:
        problems.append(f"the stack R + mechanisms + unexplained has {len(stack)} vectors, N − BFD = {N - bfd}")
    r = rank(stack, seed=seed).rank if stack else 0
    if r != len(stack):
        problems.append(f"the stack R + mechanisms + unexplained has rank {r} < {len(stack)} vectors: dependent")
    for m in ex.mechanisms:
        if m.dimension <= 0 or len(m.vectors) != m.dimension:
            problems.append(f"{m.name} reports dimension {m.dimension} with {len(m.vectors)} vectors")
    if ex.explained + ex.unexplained_dimension != N - H - bfd:
        problems.append(f"explained {ex.explained} + unexplained {ex.unexplained_dimension} ≠ deficit {N - H - bfd}")
    return problems


def check(case: Case) -> Outcome:
    """Statements (a)–(c) on (θ, X), or on (θ, X*) when the case's batch is empty (the domain R^n0)."""
    net = case.net
    if case.inputs:
        batch = case.inputs
        ex = explain_deficit(net, batch, seed=case.seed)  # raises DegeneratePointError
    else:
        dec = region_decomposition(net)
        if not dec.regions:
            return Outcome("degenerate", {"regions": 0}, "every input is degenerate: no CFFD")
        batch = cffd_batch(dec)
        try:
            ex = explain_deficit(net, seed=case.seed)
        except RelugeomError as err:  # pragma: no cover - the enumeration above found regions
            return Outcome("violation", {}, f"error: {err}")
    problems = judge(net, batch, ex, case.seed)
    dims: dict[str, int] = {}
    for m in ex.mechanisms:
        dims[m.name] = dims.get(m.name, 0) + m.dimension
    q = {
        "bfd": ex.rank,
        "deficit": ex.deficit,
        "dimensions": dims,
        "unexplained": ex.unexplained_dimension,
        "domain": ex.domain,
    }
    return Outcome("violation", q, "; ".join(problems)) if problems else Outcome("ok", q)


def _random(widths, n: int, count: int, seed: int):
    from relugeom.search.families import RandomFamily

    return RandomFamily(widths, num_samples=n, count=count, seed=seed, **RANDOM_PARAMETERS)


_SMALL = {"max_numerator": 3, "max_denominator": 2}  # small entries: dead, always-active and twins are common


def families(exhaustive: bool) -> list[Family]:
    """Grids of one-hidden-layer nets and random deeper nets, each on a batch and on R^n0 (:class:`OnDomain`).

    Default: (1,2,1) over {−1, 1} on 6 points and on T5's positive batch (dead and always-active neurons
    are common there), (2,1,1) over {−1, 0, 1} on 6 points, and random (2,3,1), (1,2,2,1), (2,3,2,1) nets
    (10 each, small entries); every family also on R^n0. Exhaustive: (1,2,1) over {−1, 0, 1} on 6 points
    (2187), (2,1,1) over {−1, 0, 1} (243), and 100 random nets of each shape, each on a batch and on R^n0.
    """
    from relugeom.search.families import RandomFamily

    count = 100 if exhaustive else 10
    shapes = (((2, 3, 1), 5), ((1, 2, 2, 1), 6), ((2, 3, 2, 1), 8))
    rand = [RandomFamily(w, num_samples=n, count=count, seed=101 + i, **_SMALL) for i, (w, n) in enumerate(shapes)]
    if exhaustive:
        rand += [_random(w, n, count, 111 + i) for i, (w, n) in enumerate(shapes)]
        grid = [
            GridFamily((1, 2, 1), (-1, 0, 1), default_batch(1, 6)),
            GridFamily((2, 1, 1), (-1, 0, 1), default_batch(2, 6)),
            GridFamily((1, 2, 1), (-1, 1), POSITIVE_BATCH),
        ]
    else:
        grid = [
            GridFamily((1, 2, 1), (-1, 1), default_batch(1, 6)),
            GridFamily((1, 2, 1), (-1, 1), POSITIVE_BATCH),
            GridFamily((2, 1, 1), (-1, 0, 1), default_batch(2, 6)),
        ]
    on_batch = grid + rand
    return on_batch + [OnDomain(f) for f in on_batch]
