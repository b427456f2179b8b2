"""The region graph: activation regions as nodes, an edge where two regions share a facet (SPEC §6).

Two regions R and S share a facet when their closures meet in a set of dimension n0 − 1. That set lies in
a hyperplane Hyp that is a facet hyperplane of both, with R and S on opposite sides; conversely, for two
such regions the shared part is the intersection, inside Hyp, of the relative interiors of their facets on
Hyp: {x ∈ Hyp : every other facet inequality of R and of S holds strictly}. So the test is exact: restrict
the two regions' other facets to Hyp (eliminating one coordinate) and decide strict feasibility there;
in one dimension (n0 = 2) that is an exact interval intersection. A region may meet several regions
across one facet (where a deeper neuron's bent hyperplane ends on it), which is why every pair on
opposite sides of a common facet hyperplane is tested rather than one point per facet.

Examples
--------
>>> from relugeom.network import Network
>>> net = Network.from_layers([([[1, 0], [0, 1]], [0, 0]), ([[1, 1]], [0])])     # the two axes
>>> g = region_graph(net, box=[(-1, 1), (-1, 1)])
>>> g.number_of_nodes(), g.number_of_edges()                    # four quadrants in a cycle
(4, 4)
>>> sorted(d["neurons"] for _, _, d in g.edges(data=True))
[((0, 0),), ((0, 0),), ((0, 1),), ((0, 1),)]
"""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction
from typing import Any, Sequence

import networkx as nx

from ..network import Network
from ..patterns import AtZero
from .enumeration import Facet, Region, RegionDecomposition, hyperplane_key, region_decomposition
from .polyhedra import restrict_to_hyperplane, strict_feasibility

__all__ = ["region_graph", "share_facet"]


def _interval_feasible(A: Sequence[Sequence[Fraction]], b: Sequence[Fraction]) -> bool:
    """Exact strict feasibility of a·y < b in one variable."""
    lo = hi = None
    for (a,), beta in zip(A, b):
        if a == 0:
            if not beta > 0:
                return False
        elif a > 0:
            v = Fraction(beta) / a
            hi = v if hi is None or v < hi else hi
        else:
            v = Fraction(beta) / a
            lo = v if lo is None or v > lo else lo
    return lo is None or hi is None or lo < hi


def share_facet(R: Region, S: Region, key: tuple[int, ...]) -> bool:
    """Whether R and S (on opposite sides of the hyperplane ``key``) meet in a set of dimension n0 − 1.

    ``key`` is the hyperplane a·x + c = 0 as returned by :func:`hyperplane_key`.
    """
    n0 = len(key) - 1
    if n0 == 1:
        return True
    others: list[Facet] = [
        f for f in R.inequalities + S.inequalities if hyperplane_key(f.normal, -f.offset) != key
    ]
    A = [list(f.normal) for f in others]
    b = [f.offset for f in others]
    A2, b2, _lift = restrict_to_hyperplane(A, b, list(key[:n0]), -key[n0])
    if n0 == 2:
        return _interval_feasible(A2, b2)
    return strict_feasibility(A2, b2).feasible


def region_graph(
    net: Network | RegionDecomposition,
    box: Any = None,
    *,
    at_zero: AtZero = None,
) -> nx.Graph:
    """The adjacency graph of the activation regions (in ``box``, or all of R^{n0}).

    Parameters
    ----------
    net : Network or RegionDecomposition
        A network (its regions are enumerated exactly first) or an existing decomposition.
    box, at_zero
        As in :func:`~relugeom.regions.region_decomposition` (ignored for a decomposition).

    Returns
    -------
    networkx.Graph
        Nodes are region indices with attributes ``pattern`` (a 0/1 string), ``point`` (an exact
        interior point) and ``region`` (the :class:`Region`). Edges carry ``hyperplane`` (the shared
        facet's hyperplane a·x + c = 0 as coprime integers ``(a…, c)``), ``neurons`` (the hidden
        neurons whose pre-activation vanishes on it) and ``flipped`` (the neurons whose activation
        differs between the two regions).

    Notes
    -----
    Box sides are not shared facets. Adjacent regions always differ in their pattern (a region is the
    set of one pattern, and it is convex).
    """
    dec = net if isinstance(net, RegionDecomposition) else region_decomposition(net, box, at_zero=at_zero)
    if dec.method != "exact":
        raise ValueError("region_graph needs an exact decomposition (method='exact')")
    g = nx.Graph()
    sides: dict[tuple[int, ...], tuple[list, list]] = defaultdict(lambda: ([], []))
    for r in dec.regions:
        g.add_node(r.index, pattern=r.pattern_string, point=r.interior_point, region=r)
        for f in r.inequalities:
            hidden = tuple(s[1:] for s in f.sources if s[0] == "neuron")
            if not hidden:
                continue
            key = hyperplane_key(f.normal, -f.offset)
            # r lies where normal·x − offset < 0: on key's negative side iff key has normal's sign
            below = next(v for v in f.normal if v) > 0
            sides[key][0 if below else 1].append((r, hidden))
    labels = [(k, i) for k, w in enumerate(dec.network.hidden_widths) for i in range(w)]
    for key, (below, above) in sides.items():
        for R, r_neurons in below:
            for S, s_neurons in above:
                if share_facet(R, S, key):
                    flipped = tuple(labels[j] for j, (u, v) in enumerate(zip(R.pattern, S.pattern)) if u != v)
                    neurons = tuple(sorted(set(r_neurons) | set(s_neurons)))
                    g.add_edge(R.index, S.index, hyperplane=key, neurons=neurons, flipped=flipped)
    return g
