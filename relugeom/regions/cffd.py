"""The computable full functional dimension (CFFD), exactly, and its sampling estimate (SPEC §6).

CFFD(θ) = max over non-degenerate finite batches X of BFD(θ, X) [BMB24]. **Exact algorithm** (ours;
theorem T6 in ``proofs/``): on an activation region the Jacobian rows of a sample are affine functions of
the sample, so the rows at n0 + 1 affinely independent interior points of a region span the rows at
every point of it. Stacking such points for every region of R^{n0} gives one batch whose BFD is the
maximum: CFFD(θ) = BFD(θ, X*) with X* = ⋃_R {p_R, p_R + ε e_1, …, p_R + ε e_{n0}}.

The points are chosen for small exact denominators: the region's interior point (the simplest rational
in a ball inside it) and steps ε = 2^-k just below the distance to the region's boundary along each
axis. That keeps the stacked Jacobian's integers short: on a He-initialised 2-16-16-1 network (450
regions, 1,350 points) exact slack-based steps made the certified rank take 79 s, powers of two 0.84 s.

[BMB24]'s sampling theorem estimates the CFFD instead as BFD(θ, X_n) for random batches of growing size
n; :func:`estimate_cffd` returns that curve next to the exact value, and for every n the number of
regions the batch perceives and the SPEC §3 per-pattern bound n_L Σ_r min(n_r, n0 + 1) (for one hidden
layer, [BMB24] bound the BFD of a batch by the regions it perceives).

Upper bound: CFFD ≤ N − H ([GLMW22]); equality fails exactly when the parametrisation has degeneracies
beyond the rescalings (hidden symmetries, [GLR23]).

References
----------
.. [BMB24] Bona-Pellissier, Malgouyres, Bachoc, arXiv 2402.08269.
.. [GLMW22] Grigsby, Lindsey, Meyerhoff, Wu, arXiv 2209.04036.
.. [GLR23] Grigsby, Lindsey, Rolnick, ICML 2023.

Examples
--------
>>> from relugeom.core.network import Network
>>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])      # SPEC §3's hand example
>>> rep = cffd_report(net)
>>> rep.cffd, rep.upper_bound, rep.num_regions
(5, 5, 3)
>>> always_on = Network.from_layers([([[1]], [0]), ([[1]], [1]), ([[1]], [0])])  # 2nd neuron never off
>>> computable_full_functional_dimension(always_on), always_on.num_params - always_on.num_hidden
(3, 4)
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal, Sequence

import numpy as np

from .._typing import check_choice
from ..core.forward import exact_pass
from ..core.network import Network
from ..core.patterns import AtZero
from ..dimension.bfd import dimension_report
from ..exceptions import InvalidArgumentError, RelugeomError
from .enumeration import Region, RegionDecomposition, region_decomposition

__all__ = [
    "region_points",
    "CFFDReport",
    "CFFDEstimate",
    "computable_full_functional_dimension",
    "cffd_report",
    "cffd_batch",
    "estimate_cffd",
]


@dataclass(frozen=True)
class CFFDReport:
    """The exact CFFD with what it was computed from.

    Attributes
    ----------
    cffd : int
        The exact computable full functional dimension.
    upper_bound : int
        N − H.
    num_regions : int
        Activation regions of R^{n0}.
    num_samples : int
        Size of the stacked batch X* (``(n0 + 1)`` per region).
    degenerate_cells : int
        Open sets where a hidden neuron is identically zero (no regions there; see
        :class:`~relugeom.regions.RegionDecomposition`).
    certified : bool
        Whether the exact rank carries a certificate (always, for ``method="exact"``).
    """

    cffd: int
    upper_bound: int
    num_regions: int
    num_samples: int
    degenerate_cells: int
    certified: bool

    @property
    def deficit(self) -> int:
        """N − H − CFFD: degeneracies beyond the rescaling symmetries (0 when none)."""
        return self.upper_bound - self.cffd

    def to_dict(self) -> dict[str, Any]:
        return {
            "cffd": self.cffd,
            "N_minus_H": self.upper_bound,
            "deficit": self.deficit,
            "num_regions": self.num_regions,
            "num_samples": self.num_samples,
            "degenerate_cells": self.degenerate_cells,
            "certified": self.certified,
        }


def region_points(region: Region) -> list[tuple[Fraction, ...]]:
    """n0 + 1 affinely independent points of an open region: its interior point p and p + ε_j e_j.

    Each ε_j is a power of two below the distance from p to the region's boundary along e_j (from the
    region's strict inequalities), so every point stays inside and the denominators stay small.

    Examples
    --------
    >>> from relugeom.core.network import Network
    >>> from relugeom.regions.enumeration import region_decomposition
    >>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
    >>> middle = region_decomposition(net).regions[1]                   # the interval (0, 1)
    >>> pts = region_points(middle)
    >>> [str(x[0]) for x in pts], all(middle.contains(p) for p in pts)
    (['1/2', '5/8'], True)
    """
    p = tuple(Fraction(v) for v in region.interior_point)
    pts = [p]
    slacks = [(normal, offset - sum(a * v for a, v in zip(normal, p))) for normal, offset in region.constraints]
    for j in range(len(p)):
        bound = Fraction(1)
        for normal, slack in slacks:
            if normal[j] > 0:
                bound = min(bound, slack / normal[j])  # p + ε e_j keeps normal·x < offset iff ε < this
        eps = Fraction(1, 2 ** (1 + (1 / bound).__ceil__().bit_length()))  # a power of two below the bound:
        pts.append(tuple(v + eps if i == j else v for i, v in enumerate(p)))  # small exact denominators
    return pts


def cffd_batch(dec: RegionDecomposition) -> list[tuple[Fraction, ...]]:
    """The batch X* of the exact algorithm: n0 + 1 affinely independent points in every region."""
    if dec.box is not None:
        raise InvalidArgumentError("the CFFD needs the regions of all of R^n0: enumerate with box=None")
    return [pt for r in dec.regions for pt in region_points(r)]


def cffd_report(
    net: Network, *, at_zero: AtZero = None, seed: int | None = 0, max_regions: int | None = 200_000
) -> CFFDReport:
    """The exact CFFD of ``net`` (see the module docstring), with region and batch counts.

    Parameters
    ----------
    net : Network
    at_zero : {None, "inactive", "active"}
        Convention for neurons identically zero on an open set (None: such sets hold no region and add
        nothing, since every batch meeting them is degenerate).
    seed : int, optional
        Seeds the exact rank engine's primes.
    max_regions : int or None
        The cap of the region enumeration (:func:`~relugeom.regions.region_decomposition`), counted as
        cells are created: beyond it :class:`~relugeom.exceptions.RegionLimitReached`.

    Raises
    ------
    RelugeomError
        When every input is degenerate (there is no non-degenerate batch, so no CFFD).
    """
    dec = region_decomposition(net, None, at_zero=at_zero, max_regions=max_regions)
    X = cffd_batch(dec)
    if not X:
        raise RelugeomError(
            "every input is degenerate for this network (a hidden neuron is identically zero everywhere): "
            "the CFFD is a maximum over an empty set. Pass at_zero='inactive' or 'active' to use a "
            "one-sided convention."
        )
    rep = dimension_report(net, X, "exact", at_zero=at_zero, seed=seed)
    return CFFDReport(
        rep.bfd, net.num_params - net.num_hidden, len(dec.regions), len(X), len(dec.degenerate), rep.certified
    )


def computable_full_functional_dimension(net: Network, *, at_zero: AtZero = None) -> int:
    """CFFD(θ) = max over non-degenerate batches X of BFD(θ, X), exactly (``cffd_report(net).cffd``)."""
    return cffd_report(net, at_zero=at_zero).cffd


@dataclass(frozen=True)
class CFFDEstimate:
    """The sampling curve n ↦ BFD(θ, X_n) on nested random batches, next to the exact CFFD.

    ``rows`` holds one dict per size: ``n``, ``bfd``, ``regions_perceived`` (distinct patterns of X_n)
    and ``pattern_bound`` (n_L Σ_r min(n_r, n0 + 1)). ``first_reached`` is the first size whose BFD
    equals ``exact`` (None if none does). ``degenerate_dropped`` counts random samples that were
    exactly degenerate and left out.
    """

    rows: tuple[dict[str, int], ...]
    exact: int | None
    first_reached: int | None
    distribution: str
    seed: int
    degenerate_dropped: int

    @property
    def sizes(self) -> tuple[int, ...]:
        return tuple(r["n"] for r in self.rows)

    @property
    def bfds(self) -> tuple[int, ...]:
        return tuple(r["bfd"] for r in self.rows)

    def to_dict(self) -> dict[str, Any]:
        return {
            "exact": self.exact,
            "first_reached": self.first_reached,
            "distribution": self.distribution,
            "seed": self.seed,
            "degenerate_dropped": self.degenerate_dropped,
            "rows": list(self.rows),
        }


def default_sizes(net: Network) -> tuple[int, ...]:
    """Powers of two up to 4 (N − H) / n_L (at most 1024): enough samples to reach the CFFD."""
    top = min(1024, max(2, 4 * (net.num_params - net.num_hidden) // net.output_dim))
    sizes, n = [], 1
    while n < top:
        sizes.append(n)
        n *= 2
    return tuple(sizes + [top])


def estimate_cffd(
    net: Network,
    sizes: Sequence[int] | None = None,
    distribution: Literal["gaussian", "uniform"] = "gaussian",
    seed: int = 0,
    *,
    scale: float = 1.0,
    exact: int | None | Literal["compute"] = "compute",
) -> CFFDEstimate:
    """BFD(θ, X_n) for nested random batches X_1 ⊂ X_2 ⊂ …, as [BMB24] estimate the CFFD.

    Parameters
    ----------
    net : Network
    sizes : increasing batch sizes (default :func:`default_sizes`).
    distribution : {"gaussian", "uniform"}
        N(0, scale²) per coordinate, or uniform on [−scale, scale]^{n0}; samples are float64 and used by
        their exact value.
    seed : int
    exact : int, None or "compute"
        The exact CFFD to compare with ("compute": :func:`computable_full_functional_dimension`).

    Examples
    --------
    >>> from relugeom.core.network import Network
    >>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
    >>> est = estimate_cffd(net, sizes=(1, 2, 4, 8, 16), seed=0, scale=2.0)
    >>> est.bfds, est.exact, est.first_reached
    ((1, 2, 4, 5, 5), 5, 8)
    >>> [row["regions_perceived"] for row in est.rows], [row["pattern_bound"] for row in est.rows]
    ([1, 2, 3, 3, 3], [1, 2, 4, 6, 6])
    """
    sizes = tuple(default_sizes(net) if sizes is None else sorted(int(n) for n in sizes))
    if not sizes or sizes[0] < 1:
        raise InvalidArgumentError("sizes must be positive batch sizes")
    rng = np.random.default_rng(seed)
    n0, want = net.input_dim, sizes[-1]
    if check_choice("distribution", distribution, ("gaussian", "uniform")) == "gaussian":
        draw = lambda m: rng.standard_normal((m, n0)) * scale  # noqa: E731
    else:
        draw = lambda m: rng.uniform(-scale, scale, (m, n0))  # noqa: E731
    kept: list[np.ndarray] = []
    dropped, tries = 0, 0
    while sum(len(k) for k in kept) < want and tries < 100:
        tries += 1
        batch = draw(want)
        pre = exact_pass(net, batch).pre[:-1]
        bad = np.zeros(len(batch), dtype=bool)
        for Z in pre:
            bad |= (Z == 0).any(axis=1)
        dropped += int(bad.sum())
        kept.append(batch[~bad])
    X = np.vstack(kept)[:want]
    if len(X) < want:
        raise RelugeomError("almost every random input is degenerate for this network; no estimate possible")
    if exact == "compute":
        exact = computable_full_functional_dimension(net)
    rows, first = [], None
    for n in sizes:
        rep = dimension_report(net, X[:n], "exact", seed=seed)
        rows.append(
            {"n": n, "bfd": rep.bfd, "regions_perceived": rep.num_patterns, "pattern_bound": rep.bound_patterns}
        )
        if first is None and exact is not None and rep.bfd == exact:
            first = n
    return CFFDEstimate(tuple(rows), exact, first, distribution, seed, dropped)
