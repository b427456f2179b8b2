"""Cells counted as the enumeration creates them: the region cap, the deadline and the memory bound.

:func:`~relugeom.regions.region_decomposition` refines cells layer by layer, and one cell may split into
many inside a layer; :class:`CellCount` sees every piece as it is cut, so ``max_regions`` stops the work
within one cut of the cap (not after a whole layer), every cut is a :func:`~relugeom.limits.checkpoint`
(deadline and progress), and the cells in flight are held to the ``max_memory`` bound of
:func:`~relugeom.limits.bounds` by the estimate :func:`cell_bytes`.

Examples
--------
>>> count = CellCount(layer=0, max_regions=3, per_cell=100)
>>> count.check(3)
>>> count.check(4)
Traceback (most recent call last):
...
relugeom.exceptions.RegionLimitReached: region limit reached: more than 3 cells at hidden layer 0; enumerate inside a smaller box, or raise max_regions (CLI: --max-regions)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.network import Network
from ..exceptions import RegionLimitReached
from ..limits import checkpoint, require_memory

__all__ = ["CellCount", "cell_bytes"]


def cell_bytes(G: Any, net: Network) -> int:
    """An estimate of the bytes one cell in flight holds: its affine map ``G`` (a row per neuron of the
    widest layer) and as many constraint rows again plus two per input (box sides), each entry counted as
    a pointer and an integer object of ``G``'s size. Calibrated with tracemalloc: the estimate is 1.1× the
    measured peak per region on 2-16-16-1 (450 regions) and 2× on 3-20-20-1 (8,182 regions).

    >>> from relugeom.core.network import Network
    >>> from relugeom.regions.affine import first_map
    >>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
    >>> cell_bytes(first_map(net)[0], net)      # (2 + 2 + 2) rows × 2 columns × 36 bytes
    432
    """
    n0 = net.input_dim
    if np.asarray(G).dtype.kind == "f":  # method="float": 8-byte entries
        per_entry = 8
    else:
        bits = max((abs(int(v)).bit_length() for v in np.ravel(G)), default=1)
        per_entry = 8 + 28 + 4 * max(0, -(-bits // 30) - 1)
    entries = (2 * max(net.hidden_widths + (net.output_dim,)) + 2 * n0) * (n0 + 1)
    return entries * per_entry


class CellCount:
    """The cells of one hidden layer, counted as they are created; the cap, the deadline and memory."""

    def __init__(self, layer: int, max_regions: int | None, per_cell: int) -> None:
        self.layer, self.cap, self.per_cell = layer, max_regions, per_cell
        self.settled = 0  # cells finished at this layer
        self.next_memory_check = 1

    def settle(self, n: int) -> None:
        """``n`` cells are finished at this layer."""
        self.settled = n
        self.check(0)

    def check(self, in_flight: int) -> None:
        """``in_flight`` pieces of the cell being cut exist beside the finished ones: cap, memory, deadline."""
        total = self.settled + in_flight
        if self.cap is not None and total > self.cap:
            raise RegionLimitReached(self.cap, self.layer, total)
        if total >= self.next_memory_check:  # at 1, 2, 4, … cells: cheap, and never late by more than 2x
            self.next_memory_check = 2 * total
            require_memory(2 * total * self.per_cell, f"{total:,}+ cells at hidden layer {self.layer}")
        checkpoint(f"hidden layer {self.layer}: {total:,} cells")
