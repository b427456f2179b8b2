"""Exact linear regions: counts derived by hand, independent computations, and laws.

Independent computations used as oracles:

* n0 = 1: breakpoints found layer by layer from exact forward passes only (each pre-activation is affine
  between consecutive breakpoints of the earlier layers, so two exact evaluations give its root);
* n0 = 2: the polygon route against the general polyhedron route (exact LPs), and polygon adjacency
  from shared polygon edges against the region graph's hyperplane test;
* every route against the float-LP enumeration (``method="float"``) on generic networks.
"""

from __future__ import annotations

import warnings
from fractions import Fraction
from itertools import combinations

import networkx as nx
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import relugeom as rg
from relugeom.core.forward import exact_pass, forward
from relugeom.regions import (
    DegenerateCellWarning,
    compare_enumerations,
    linear_regions,
    region_decomposition,
    region_graph,
    region_of_pattern,
    regions_perceived,
)

BOX2 = [(-2, 2), (-2, 2)]


def lines(rows, biases):
    """One hidden layer in R^2: neuron i is the line rows[i]·x + biases[i] = 0."""
    return rg.Network.from_layers([(rows, biases), ([[1] * len(rows)], [0])])


# ------------------------------------------------------------------------------ n0 = 1, independent
def pre_activation(net, k, i, x):
    res = exact_pass(net, [[x]])
    return Fraction(int(res.pre[k][0, i]), int(res.pre_dens[k]))


def independent_breakpoints(net):
    """Breakpoints of a 1-D network from exact forward passes only (see the module docstring)."""
    points: list[Fraction] = []
    for k, width in enumerate(net.hidden_widths):
        cuts = sorted(set(points))
        ends = [None] + cuts + [None]
        found = []
        for lo, hi in zip(ends[:-1], ends[1:]):
            # two points strictly inside (lo, hi), where layer k's pre-activations are affine
            if lo is None and hi is None:
                u, v = Fraction(0), Fraction(1)
            elif lo is None:
                u, v = hi - 2, hi - 1
            elif hi is None:
                u, v = lo + 1, lo + 2
            else:
                u, v = lo + (hi - lo) / 3, lo + 2 * (hi - lo) / 3
            for i in range(width):
                zu, zv = pre_activation(net, k, i, u), pre_activation(net, k, i, v)
                if zu == zv:
                    continue
                root = u - zu * (v - u) / (zv - zu)
                if (lo is None or root > lo) and (hi is None or root < hi):
                    found.append(root)
        points += found
    return sorted(set(points))


@pytest.mark.parametrize("widths,seed", [((1, 3, 1), 0), ((1, 4, 3, 1), 1), ((1, 5, 4, 3, 2), 2), ((1, 8, 8, 1), 3)])
def test_one_input_breakpoints_and_pieces_match_an_independent_computation(widths, seed):
    net = rg.Network.random_rational(widths, seed=seed)
    regions = linear_regions(net)
    ends = [r.interval for r in regions]
    breaks = [hi for _, hi in ends[:-1]]
    assert ends[0][0] is None and ends[-1][1] is None
    assert all(ends[j][1] == ends[j + 1][0] for j in range(len(ends) - 1))  # consecutive pieces
    # the independent breakpoints include points where the pattern changes but F does not bend;
    # the regions' breakpoints are exactly the pattern changes
    indep = independent_breakpoints(net)
    assert set(breaks) <= set(indep)
    for t in indep:
        left = rg.activation_patterns(net, [[t - Fraction(1, 10**30)]], at_zero="inactive")
        right = rg.activation_patterns(net, [[t + Fraction(1, 10**30)]], at_zero="inactive")
        assert (t in breaks) == bool((left != right).any())
    # F is affine on each piece: three exact points per piece agree with the region's map
    for r in regions:
        lo, hi = r.interval
        lo = hi - 3 if lo is None else lo
        hi = lo + 3 if hi is None else hi
        for x in (lo + (hi - lo) / 4, (lo + hi) / 2, lo + 3 * (hi - lo) / 4):
            assert tuple(forward(net, [[x]])[0]) == r.output([x])


def test_spec_hand_example_regions_are_exact():
    net = rg.Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
    regions = linear_regions(net)
    assert [r.interval for r in regions] == [(None, 0), (0, 1), (1, None)]
    assert [r.pattern for r in regions] == [(False, False), (True, False), (True, True)]
    assert [r.bounded for r in regions] == [False, True, False]
    assert [(r.output_weight, r.output_bias) for r in regions] == [(((0,),), (0,)), (((1,),), (0,)), (((2,),), (-1,))]
    boxed = linear_regions(net, box=[("-1/2", 3)])
    assert [r.interval for r in boxed] == [(Fraction(-1, 2), 0), (0, 1), (1, 3)]
    assert sum(r.volume for r in boxed) == Fraction(7, 2)


# ------------------------------------------------------------------------- one hidden layer, R^2
def test_lines_in_general_position_give_1_plus_m_plus_m_choose_2_regions():
    rng = np.random.default_rng(7)
    for m in range(1, 7):
        rows = rng.integers(-9, 10, size=(m, 2)).tolist()
        biases = rng.integers(-9, 10, size=m).tolist()
        net = lines(rows, biases)
        count = len(linear_regions(net))
        general = all(r[0] * s[1] != r[1] * s[0] for r, s in combinations(rows, 2)) and all(
            np.linalg.det(np.array([rows[i] + [biases[i]], rows[j] + [biases[j]], rows[k] + [biases[k]]], float)) != 0
            for i, j, k in combinations(range(m), 3)
        )
        if general:
            assert count == 1 + m + m * (m - 1) // 2


@pytest.mark.parametrize(
    "rows,biases,expected",
    [
        ([[1, 0], [0, 1], [1, 1]], [0, 0, -1], 7),  # general position
        ([[1, 0], [0, 1], [1, 1]], [0, 0, 0], 6),  # three lines through the origin
        ([[1, 0], [1, 0], [0, 1]], [0, -1, 0], 6),  # two parallel lines and a transversal
        ([[1, 0], [2, 0], [1, 0]], [0, -1, 1], 4),  # three parallel lines
        ([[1, 1], [2, 2]], [1, 2], 2),  # the same line twice (one hyperplane)
        ([[1, 1], [-1, -1]], [1, -1], 2),  # ... with opposite orientations: patterns 10, 01
    ],
)
def test_degenerate_arrangements_have_the_exact_smaller_counts(rows, biases, expected):
    net = lines(rows, biases)
    assert len(linear_regions(net)) == expected
    assert len(linear_regions(net, box=BOX2)) == expected  # every region meets [-2, 2]^2 here


def test_polygon_route_equals_polyhedron_route_and_areas_cover_the_box():
    for seed, widths in enumerate([(2, 6, 1), (2, 5, 4, 1), (2, 4, 4, 3, 2)]):
        net = rg.Network.random_rational(widths, seed=seed)
        a = region_decomposition(net, BOX2)
        b = region_decomposition(net, BOX2, geometry="polyhedron")
        assert a.geometry == "PolygonCell" and b.geometry == "PolyhedronCell"
        facets = lambda dec: {r.pattern: {(f.normal, f.offset, f.sources) for f in r.inequalities} for r in dec}  # noqa: E731
        assert facets(a) == facets(b)
        assert sum(r.volume for r in a) == 16  # exact areas tile the box
        for r in a:
            assert r.contains(r.interior_point) and all(r.contains(v) is False for v in r.vertices)


def test_interior_points_have_their_pattern_and_patterns_are_distinct():
    for widths, box in [
        ((2, 5, 4, 1), BOX2),
        ((3, 4, 3, 1), None),
        ((3, 4, 3, 1), [(-1, 1)] * 3),
        ((1, 4, 4, 2), None),
    ]:
        net = rg.Network.random_rational(widths, seed=3)
        regions = linear_regions(net, box=box)
        P = rg.activation_patterns(net, [r.interior_point for r in regions])
        assert [tuple(bool(v) for v in row) for row in P] == [r.pattern for r in regions]
        assert len({r.pattern for r in regions}) == len(regions)
        for r in regions:  # F is the region's affine map at its point
            assert tuple(forward(net, [r.interior_point])[0]) == r.output(r.interior_point)


def test_exact_and_float_enumerations_agree_on_generic_networks():
    for widths in [(2, 8, 6, 1), (3, 6, 5, 1)]:
        net = rg.Network.random_he(widths, seed=2)
        exact = region_decomposition(net, (-1, 1))
        flt = region_decomposition(net, (-1, 1), method="float")
        assert compare_enumerations(exact, flt)["agree"]


def test_unbounded_regions_are_flagged():
    net = lines([[1, 0], [0, 1], [1, 1]], [0, 0, -1])
    regions = linear_regions(net)
    assert sorted(r.bounded for r in regions) == [False] * 6 + [True]
    bounded = next(r for r in regions if r.bounded)
    assert bounded.pattern == (True, True, False)  # the triangle x > 0, y > 0, x + y < 1
    net3 = rg.Network.from_layers(
        [([[1, 0, 0], [0, 1, 0], [0, 0, 1], [-1, -1, -1]], [0, 0, 0, 1]), ([[1, 1, 1, 1]], [0])]
    )
    regions3 = linear_regions(net3)  # a tetrahedron and 14 unbounded cells
    assert sum(r.bounded for r in regions3) == 1 and len(regions3) == 15
    for widths in [(1, 1), (2, 2), (3, 1)]:  # no hidden layer: one region, R^n0 itself
        affine = rg.Network.random_rational(widths, seed=0)
        (whole,) = linear_regions(affine)
        assert whole.pattern == () and whole.bounded is False and whole.inequalities == ()
        assert rg.computable_full_functional_dimension(affine) == affine.num_params  # F = Wx + b


def test_region_of_pattern_equals_the_enumerated_region():
    net = rg.Network.random_rational((2, 4, 3, 1), seed=5)
    for box in (None, BOX2):
        for r in linear_regions(net, box=box):
            s = region_of_pattern(net, r.pattern, box)
            assert set(s.inequalities) == set(r.inequalities) and s.bounded == r.bounded
            assert s.contains(r.interior_point)
    missing = [p for p in ((True,) * 7, (False,) * 7) if p not in {r.pattern for r in linear_regions(net)}]
    for p in missing:
        assert region_of_pattern(net, p) is None


def test_degenerate_cells_are_reported_and_at_zero_keeps_them():
    # neuron (1, 0) computes relu(−x): identically zero on (0, ∞), positive on (−∞, 0)
    net = rg.Network.from_layers([([[1], [-1]], [0, 0]), ([[0, 1]], [0]), ([[1]], [0])])
    with pytest.warns(DegenerateCellWarning, match="layer 1, neuron 0"):
        regions = linear_regions(net)
    assert [r.interval for r in regions] == [(None, 0)]
    dec = region_decomposition(net)
    assert [(c.layer, c.neuron) for c in dec.degenerate] == [(1, 0)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kept = linear_regions(net, at_zero="inactive")
    assert [r.interval for r in kept] == [(None, 0), (0, None)]


# ------------------------------------------------------------------------------------- the graph
def polygon_edges(region):
    v = region.vertices
    return [(v[i], v[(i + 1) % len(v)]) for i in range(len(v))]


def share_segment(r, s):
    """Independent test: two polygons share an edge piece of positive length."""
    for p, q in polygon_edges(r):
        for u, w in polygon_edges(s):
            cross = lambda a, b, c: (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])  # noqa: E731
            if cross(p, q, u) == 0 and cross(p, q, w) == 0:  # collinear edges
                d = (q[0] - p[0], q[1] - p[1])
                t = lambda z: (z[0] - p[0]) * d[0] + (z[1] - p[1]) * d[1]  # noqa: E731
                lo, hi = max(0, min(t(u), t(w))), min(t(q), max(t(u), t(w)))
                if lo < hi:
                    return True
    return False


@pytest.mark.parametrize("widths,seed", [((2, 4, 1), 0), ((2, 4, 3, 1), 1), ((2, 3, 3, 3, 1), 2)])
def test_region_graph_equals_shared_polygon_edges(widths, seed):
    net = rg.Network.random_rational(widths, seed=seed)
    dec = region_decomposition(net, BOX2)
    g = region_graph(dec)
    expected = {(r.index, s.index) for r, s in combinations(dec.regions, 2) if share_segment(r, s)}
    assert {tuple(sorted(e)) for e in g.edges} == expected
    assert nx.is_connected(g)
    for i, j, data in g.edges(data=True):  # adjacent regions differ in their pattern
        assert data["flipped"] and g.nodes[i]["pattern"] != g.nodes[j]["pattern"]


@pytest.mark.parametrize(
    "widths,seed,at_zero",
    [
        ((2, 3, 3, 1), 31, "active"),
        ((2, 3, 3, 1), 40, "inactive"),
        ((2, 3, 3, 1), 91, "inactive"),
        ((2, 2, 2, 2, 1), 51, "inactive"),
        ((2, 2, 2, 2, 1), 118, "active"),
        ((1, 4, 4, 2), 0, "active"),
    ],
)
def test_region_graph_under_a_convention_matches_independent_adjacency(widths, seed, at_zero):
    # integer nets with cells where a neuron is identically 0: under the convention that neuron's bit can
    # change across a facet although its pre-activation does not vanish there (each case here lost an
    # edge before the graph let such neurons flip)
    net = rg.Network.random_integer(widths, -1, 1, seed=seed)
    box = BOX2 if widths[0] == 2 else None
    assert region_decomposition(net, box).degenerate  # the case this test is about
    dec = region_decomposition(net, box, at_zero=at_zero)
    if widths[0] == 2:
        expected = {(r.index, s.index) for r, s in combinations(dec.regions, 2) if share_segment(r, s)}
    else:  # intervals left to right: a path
        expected = {(i, i + 1) for i in range(len(dec.regions) - 1)}
    assert {tuple(sorted(e)) for e in region_graph(dec).edges} == expected


def test_region_graph_in_three_dimensions_is_symmetric_and_connected():
    net = rg.Network.random_rational((3, 4, 3, 1), seed=4)
    g = region_graph(net)
    assert nx.is_connected(g) and g.number_of_nodes() == len(linear_regions(net))
    # the 3 coordinate planes: 8 octants, each adjacent to 3 others
    octants = region_graph(rg.Network.from_layers([([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [0, 0, 0]), ([[1, 1, 1]], [0])]))
    assert octants.number_of_nodes() == 8 and sorted(d for _, d in octants.degree) == [3] * 8


def test_regions_perceived_maps_samples_to_their_regions():
    net = rg.Network.random_rational((2, 4, 3, 1), seed=5)
    X = [[Fraction(4 * i + 1, 19) - 2, Fraction(2 * j + 1, 17) - 1] for i in range(10) for j in range(9)]
    seen = regions_perceived(net, X, at_zero=None)
    for x, r in zip(X, seen.sample_region):
        assert seen.regions[r].contains(x)
    assert sum(seen.counts) == len(X)
    assert seen.num_regions == rg.dimension_report(net, X).num_patterns


# ---------------------------------------------------------------------------------------- CFFD
@pytest.mark.parametrize("widths,seed", [((1, 3, 1), 0), ((2, 3, 1), 1), ((2, 2, 2, 1), 2), ((1, 2, 2, 2), 3)])
def test_cffd_equals_the_max_bfd_of_large_random_batches(widths, seed):
    net = rg.Network.random_rational(widths, seed=seed)
    rep = rg.cffd_report(net)
    est = rg.estimate_cffd(net, sizes=(8, 64, 512), seed=seed, scale=4.0, exact=rep.cffd)
    assert max(est.bfds) <= rep.cffd <= rep.upper_bound
    assert est.bfds[-1] == rep.cffd


@settings(max_examples=15)
@given(seed=st.integers(0, 10**6))
def test_cffd_is_invariant_under_random_symmetries(seed):
    net = rg.Network.random_rational((2, 3, 2, 1), seed=seed)
    other = rg.random_symmetry(net, seed=seed + 1)
    try:
        expected = rg.computable_full_functional_dimension(net)
    except rg.RelugeomError:  # a neuron identically zero (e.g. seed 1085): no CFFD, nothing to compare
        assume(False)
    assert rg.computable_full_functional_dimension(other) == expected


def test_cffd_hand_values():
    # SPEC §3 hand example: 3 regions, CFFD = N − H = 5
    hand = rg.Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
    assert rg.computable_full_functional_dimension(hand) == 5
    # W1 = 0: the incoming columns vanish; only the outgoing weight and the bias remain: 2
    assert rg.computable_full_functional_dimension(rg.Network.from_layers([([[1]], [0]), ([[0]], [0])])) == 2
    # twin neurons act as one: CFFD = 3 < 5
    twins = rg.Network.from_layers([([[-1], [-1]], [-1, -1]), ([[-1, -1]], [0])])
    assert rg.computable_full_functional_dimension(twins) == 3


@settings(max_examples=25)
@given(seed=st.integers(0, 10**6), half=st.fractions(min_value=Fraction(1, 4), max_value=4, max_denominator=8))
def test_regions_tile_the_box_and_locate_every_point(seed, half):
    """Law: exact areas add up to the box's, and each random point of the box lies in exactly the one
    region whose pattern it has (or on a boundary, where some pre-activation is exactly zero)."""
    net = rg.Network.random_rational((2, 3, 2, 1), seed=seed)
    box = [(-half, half), (-half, half)]
    dec = region_decomposition(net, box, at_zero="inactive")
    assert sum(r.volume for r in dec) == (2 * half) ** 2
    rng = np.random.default_rng(seed)
    pts = [[Fraction(int(v), 97) * half for v in rng.integers(-96, 97, size=2)] for _ in range(20)]
    for x in pts:
        inside = [r for r in dec if r.contains(x)]
        if len(inside) == 1:
            P = rg.activation_patterns(net, [x], at_zero="inactive")
            assert tuple(bool(v) for v in P[0]) == inside[0].pattern
        else:
            assert not inside  # on a facet: degenerate for the network
            with pytest.raises(rg.DegeneratePointError):
                rg.activation_patterns(net, [x])


def test_boxes_as_numpy_arrays_and_samples_outside_a_box():
    net = lines([[1, 0], [0, 1]], [0, 0])
    as_lists = [r.pattern for r in linear_regions(net, box=[[-1, 1], [-2, 2]])]
    assert [r.pattern for r in linear_regions(net, box=np.array([[-1, 1], [-2, 2]]))] == as_lists
    assert [r.pattern for r in linear_regions(net, box=[np.array([-1, 1]), np.array([-2, 2])])] == as_lists
    assert len(as_lists) == 4
    seen = regions_perceived(net, [["1/2", "1/2"], ["-1/2", "3/2"]], box=[(-1, 1), (-2, 2)])
    assert [r.pattern for r in seen.regions] == [(True, True), (False, True)]
    with pytest.raises(rg.ShapeError, match="sample 1 lies outside the open box"):
        regions_perceived(net, [["1/2", "1/2"], [5, 5]], box=(-1, 1))


GEOMETRY_CASES = [  # (widths, box): each geometry runs on every case it applies to
    ((1, 5, 3, 1), None),
    ((1, 4, 4, 2), [(-3, 3)]),
    ((2, 6, 1), BOX2),
    ((2, 4, 4, 3, 2), BOX2),
    ((2, 5, 1), None),
    ((3, 4, 3, 1), [(-1, 1)] * 3),
]


def test_every_geometry_agrees_with_the_general_route(geometry):
    """Each exact route of rg.regions.GEOMETRIES finds the polyhedron route's regions, facets and points.

    A new geometry added to GEOMETRIES (with its geometry_applies rule) is checked here by that alone.
    """
    ran = 0
    for seed, (widths, box) in enumerate(GEOMETRY_CASES):
        if not rg.regions.geometry_applies(geometry, widths[0], boxed=box is not None):
            with pytest.raises(rg.RelugeomError):
                region_decomposition(rg.Network.random_rational(widths, seed=seed), box, geometry=geometry)
            continue
        net = rg.Network.random_rational(widths, seed=seed)
        got = region_decomposition(net, box, geometry=geometry)
        ref = region_decomposition(net, box, geometry="polyhedron")
        facets = lambda dec: {r.pattern: {(f.normal, f.offset) for f in r.inequalities} for r in dec}  # noqa: E731
        assert facets(got) == facets(ref)
        assert {r.pattern: r.bounded for r in got} == {r.pattern: r.bounded for r in ref}
        for r in got:  # every interior point is inside its own region and has its pattern
            assert r.contains(r.interior_point)
            assert tuple(bool(v) for v in rg.activation_patterns(net, [r.interior_point])[0]) == r.pattern
        ran += 1
    assert ran >= 1
