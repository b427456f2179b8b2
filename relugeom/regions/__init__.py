"""Exact activation regions, the region graph and the regions a batch perceives (SPEC §6).

The flow inside this package, left to right::

    polyhedra ──▶ affine ──▶ cells ──▶ enumeration ──▶ graph, perceived ──▶ picture
    (exact strict   (pre-activations  (interval,   (regions of R^n0   (adjacency;       (PNG of
    feasibility,    as exact affine   polygon,     or a box, layer    patterns of a     2-D regions,
    certificates)   maps of x)        polyhedron)  by layer)          batch → regions)  1-D graphs)

``picture`` needs matplotlib and is imported on use: ``from relugeom.regions.picture import plot_regions``.

Examples
--------
>>> import relugeom as rg
>>> net = rg.Network.from_layers([([[1, 0], [0, 1]], [0, 0]), ([[1, 1]], [0])])
>>> [r.pattern_string for r in rg.linear_regions(net)]
['11', '10', '01', '00']
>>> rg.region_graph(net).number_of_edges()
4
"""

from .enumeration import (
    DegenerateCell,
    DegenerateCellWarning,
    Facet,
    Region,
    RegionDecomposition,
    compare_enumerations,
    linear_regions,
    parse_box,
    region_decomposition,
    region_of_pattern,
)
from .graph import region_graph
from .perceived import RegionsPerceived, regions_perceived

__all__ = [
    "Facet",
    "Region",
    "DegenerateCell",
    "DegenerateCellWarning",
    "RegionDecomposition",
    "region_decomposition",
    "linear_regions",
    "region_of_pattern",
    "compare_enumerations",
    "parse_box",
    "region_graph",
    "RegionsPerceived",
    "regions_perceived",
]
