"""Exact activation regions, the region graph and the regions a batch perceives (SPEC §6).

The flow inside this package, left to right::

    lp, simplex ─▶ parsing ─▶ feasibility ─▶ facets ─▶ affine ─▶ cells ─▶ enumeration ─▶ graph, perceived ─▶ cffd

* ``lp``, ``simplex``: the float LP that guides (HiGHS) and the exact simplex that decides when it cannot;
* ``parsing``: exact entries and coprime-integer rows of a system ``A x < b`` (floats refused);
* ``feasibility``: exact strict feasibility with a point or a certificate, and boundedness;
* ``facets``: the irredundant facets of an open polyhedron, and its restriction to a hyperplane;
* ``affine``: every pre-activation as an exact affine map of x, once the earlier patterns are fixed;
* ``cells``: interval, polygon and polyhedron cells, cut exactly by one neuron at a time;
* ``enumeration``: the regions of R^n0 or of a box, layer by layer, and the degenerate cells;
* ``graph``, ``perceived``: regions sharing a facet; the regions a batch meets;
* ``cffd``: the exact computable full functional dimension from the regions (theorem T6), and the
  sampling estimate of [BMB24].

The pictures of regions live in :mod:`relugeom.plots.regions` (matplotlib, imported on use).

Examples
--------
>>> import relugeom as rg
>>> net = rg.Network.from_layers([([[1, 0], [0, 1]], [0, 0]), ([[1, 1]], [0])])
>>> [r.pattern_string for r in rg.linear_regions(net)]
['11', '10', '01', '00']
>>> rg.region_graph(net).number_of_edges()
4
"""

from .cffd import CFFDEstimate, CFFDReport, cffd_report, computable_full_functional_dimension, estimate_cffd
from .enumeration import (
    GEOMETRIES,
    DegenerateCell,
    DegenerateCellWarning,
    Facet,
    Region,
    RegionDecomposition,
    compare_enumerations,
    geometry_applies,
    linear_regions,
    parse_box,
    region_decomposition,
    region_of_pattern,
)
from .graph import region_graph
from .perceived import RegionsPerceived, regions_perceived

__all__ = [
    "GEOMETRIES",
    "geometry_applies",
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
    "computable_full_functional_dimension",
    "cffd_report",
    "CFFDReport",
    "estimate_cffd",
    "CFFDEstimate",
]
