"""The regions a batch perceives: its distinct activation patterns, each mapped to its region (SPEC §6).

A region is the set of inputs with one pattern, so the distinct patterns of a non-degenerate batch are
exactly the regions it meets. Each region is built from its pattern alone
(:func:`~relugeom.regions.region_of_pattern`), without enumerating the others, so this works for
networks whose full enumeration would be too large.

Examples
--------
>>> from relugeom.core.network import Network
>>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
>>> seen = regions_perceived(net, [-1, "1/2", "7/10", 2])
>>> seen.num_regions, seen.sample_region
(3, (0, 1, 1, 2))
>>> [r.interval for r in seen.regions]
[(None, Fraction(0, 1)), (Fraction(0, 1), Fraction(1, 1)), (Fraction(1, 1), None)]
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..core.forward import as_batch
from ..core.network import Network
from ..core.patterns import AtZero, activation_patterns, pattern_statistics
from ..exceptions import ShapeError
from .enumeration import Region, parse_box, region_of_pattern

__all__ = ["RegionsPerceived", "regions_perceived"]


@dataclass(frozen=True)
class RegionsPerceived:
    """The regions met by a batch.

    Attributes
    ----------
    regions : tuple of Region
        One per distinct pattern, in order of first appearance (``index`` is the position here).
    counts : tuple of int
        Samples in each region.
    sample_region : tuple of int
        The region of every sample (an index into ``regions``).
    """

    regions: tuple[Region, ...]
    counts: tuple[int, ...]
    sample_region: tuple[int, ...]

    @property
    def num_regions(self) -> int:
        return len(self.regions)


def regions_perceived(net: Network, X: Any, box: Any = None, *, at_zero: AtZero = None) -> RegionsPerceived:
    """The distinct patterns of the batch X, each with its exact region (inside ``box`` if given).

    Raises :class:`~relugeom.exceptions.DegeneratePointError` on a degenerate sample unless ``at_zero``
    is given; a pattern found only through that convention may have no open region: its entry is then
    ``None``. With a box, every sample must lie in the open box (else ``ShapeError``): its region then
    meets the box around it.
    """
    B = parse_box(box, net.input_dim)
    if B is not None:
        for j, x in enumerate(as_batch(net, X)):
            if not all(lo < v < hi for v, (lo, hi) in zip(x, B)):
                raise ShapeError(
                    f"sample {j} lies outside the open box {[(str(lo), str(hi)) for lo, hi in B]}: "
                    f"drop it, enlarge the box, or call regions_perceived without a box"
                )
    P = activation_patterns(net, X, at_zero=at_zero)
    stats = pattern_statistics(P, net.hidden_widths)
    regions = []
    for j, pattern in enumerate(stats.patterns):
        r = region_of_pattern(net, [bool(v) for v in pattern], B)
        regions.append(None if r is None else replace(r, index=j))
    return RegionsPerceived(tuple(regions), stats.counts, stats.sample_pattern)
