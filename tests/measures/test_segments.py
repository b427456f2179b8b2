"""F along a segment (SPEC §8): breakpoints, slopes, gradient gap deviation and deflection.

The main oracle is independent of the region enumeration that `segment_profile` uses: a fixpoint that
only evaluates the network exactly (its own Fraction forward pass). On a piece (u, v) it linearises the
network at the pattern of the midpoint and adds every root of a linearised pre-activation inside the piece;
linearisation is exact up to the first true pattern change on either side of the midpoint, so when no piece
gets a new root, every piece has one pattern. Breakpoints are then the points where the midpoint patterns
of the two neighbouring pieces differ. F is checked affine with the reported slope at three points per piece.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from helpers import segment_point
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import relugeom as rg
from relugeom.measures.segments import (
    compare_segment_methods,
    restrict_to_segment,
    segment_profile,
    segment_statistics,
)
from relugeom.symmetry import random_symmetry


# ------------------------------------------------------------------ the independent oracle
def pre_activations(net, x, masks=None):
    """Exact hidden pre-activations at x (lists per layer) and the output; with ``masks`` the network is
    linearised: neuron i of layer k passes z if masks[k][i] else 0, whatever the sign of z."""
    a, pres = list(x), []
    for k, (W, b) in enumerate(net.layers()):
        z = [sum((w * v for w, v in zip(row, a)), Fraction(0)) + bi for row, bi in zip(W, b)]
        if k == net.num_layers - 1:
            return pres, z
        pres.append(z)
        m = [v > 0 for v in z] if masks is None else masks[k]
        a = [v if on else Fraction(0) for v, on in zip(z, m)]


def pattern_at(net, x):
    pres, _ = pre_activations(net, x)
    assert all(v != 0 for z in pres for v in z), "oracle hit a degenerate point"
    return tuple(v > 0 for z in pres for v in z)


def oracle_breakpoints(net, xa, xb):
    knots = [Fraction(0), Fraction(1)]
    while True:
        new = set()
        for u, v in zip(knots, knots[1:]):
            mid = (u + v) / 2
            pres, _ = pre_activations(net, segment_point(xa, xb, mid))
            masks = [[z > 0 for z in layer] for layer in pres]
            z0, _ = pre_activations(net, segment_point(xa, xb, 0), masks)
            z1, _ = pre_activations(net, segment_point(xa, xb, 1), masks)
            for l0, l1 in zip(z0, z1):
                for p, q in zip(l0, l1):
                    if p != q:
                        r = p / (p - q)  # the root of (1 − t) p + t q
                        if u < r < v:
                            new.add(r)
        if not new:
            break
        knots = sorted(set(knots) | new)
    pats = [pattern_at(net, segment_point(xa, xb, (u + v) / 2)) for u, v in zip(knots, knots[1:])]
    return [t for t, p, q in zip(knots[1:-1], pats, pats[1:]) if p != q]


def check_profile_against_oracle(net, xa, xb):
    prof = segment_profile(net, xa, xb)
    assert list(prof.breakpoints) == oracle_breakpoints(net, xa, xb)
    knots = prof.knots
    for j, (u, v) in enumerate(zip(knots, knots[1:])):
        assert pattern_at(net, segment_point(xa, xb, (u + v) / 2)) == prof.patterns[j]
        for s in (Fraction(1, 4), Fraction(1, 2), Fraction(3, 4)):  # affine with the reported slope
            t = u + s * (v - u)
            _, out = pre_activations(net, segment_point(xa, xb, t))
            assert tuple(out) == tuple(f + sl * (t - u) for f, sl in zip(prof.values[j], prof.slopes[j]))
        assert prof.patterns[j] != (prof.patterns[j + 1] if j + 1 < len(prof.patterns) else None)
    _, out1 = pre_activations(net, segment_point(xa, xb, 1))
    assert tuple(out1) == prof.values[-1]
    return prof


def two_points(rational_point, rng, n0):
    """Two distinct rational points, entries p/q with |p| <= 36, q <= 9 (a segment needs distinct ends)."""
    while True:
        xa, xb = rational_point(rng, n0, 36, 9), rational_point(rng, n0, 36, 9)
        if xa != xb:
            return xa, xb


# ------------------------------------------------------------------ tests
@pytest.mark.parametrize("widths", [(1, 3, 1), (2, 4, 3, 1), (3, 3, 3, 2), (2, 5, 1), (2, 3, 3, 3, 2)])
def test_breakpoints_equal_the_independent_fixpoint(widths, rational_point):
    for seed in range(4):
        net = rg.Network.random_rational(widths, 5, 4, seed=seed)
        rng = np.random.default_rng(seed)
        try:
            check_profile_against_oracle(net, *two_points(rational_point, rng, widths[0]))
        except rg.DegenerateSegmentError:
            pass


@settings(max_examples=40)
@given(seed=st.integers(0, 10**6), widths=st.sampled_from([(2, 3, 3, 1), (2, 6, 2), (4, 3, 2, 2), (1, 2, 3, 1)]))
def test_breakpoints_oracle_hypothesis(seed, widths, rational_point):
    net = rg.Network.random_rational(widths, 5, 3, seed=seed)
    rng = np.random.default_rng(seed)
    xa, xb = two_points(rational_point, rng, widths[0])
    try:
        prof = segment_profile(net, xa, xb)
    except rg.DegenerateSegmentError:
        assume(False)
    assert check_profile_against_oracle(net, xa, xb) == prof


def test_he_network_breakpoints_match_the_oracle():
    net = rg.Network.random_he((2, 8, 8, 1), seed=2)
    X = np.random.default_rng(0).normal(size=(4, 2))
    for i in range(1, 4):
        xa, xb = [Fraction(float(v)) for v in X[0]], [Fraction(float(v)) for v in X[i]]  # exact binary values
        prof = check_profile_against_oracle(net, xa, xb)
        assert prof.num_breakpoints >= 1


def test_one_kink_by_hand():
    net = rg.Network.from_layers([([[1]], [0]), ([[1]], [0])])  # F = relu(x), x = −1 + 4t
    prof = segment_profile(net, [-1], [3])
    assert prof.breakpoints == (Fraction(1, 4),)
    assert prof.slopes == ((0,), (4,)) and prof.gaps == ((4,),) and prof.kinks == (Fraction(1, 4),)
    assert prof.secant == (3,)
    assert prof.gradient_gap_deviation_sq == 16 and prof.gradient_gap_deviation == 4.0
    assert prof.gradient_deflection == 1.5  # (1/4)·|0 − 3| + (3/4)·|4 − 3|
    assert prof.value("1/8") == (0,) and prof.value("1/2") == (1,)


def test_two_outputs_by_hand():
    # F = (relu(x), relu(−x)) on x = −2 + 3t: break at t = 2/3, slopes (0, −3) then (3, 0)
    net = rg.Network.from_layers([([[1], [-1]], [0, 0]), ([[1, 0], [0, 1]], [0, 0])])
    prof = segment_profile(net, [-2], [1])
    assert prof.breakpoints == (Fraction(2, 3),)
    assert prof.slopes == ((0, -3), (3, 0))
    assert prof.gradient_gap_deviation_sq == 18  # ‖(3, 3)‖²
    # secant (1, −2): ‖(−1, −1)‖ for 2/3 and ‖(2, 2)‖ for 1/3
    assert prof.gradient_deflection == pytest.approx(2 / 3 * math.sqrt(2) + 1 / 3 * math.sqrt(8), rel=1e-15)


def test_affine_on_the_segment_gives_zero():
    net = rg.Network.from_layers([([[1, 1], [2, -1]], [5, 7]), ([[1, 3]], [0])])  # both active near 0
    prof = segment_profile(net, [-1, 0], [1, 1])
    assert prof.breakpoints == () and prof.gradient_gap_deviation_sq == 0
    assert prof.gradient_gap_deviation == 0.0 and prof.gradient_deflection == 0.0
    # a pattern change with no change of slope: a neuron with zero outgoing weight switches
    dead_out = rg.Network.from_layers([([[1], [1]], [5, 0]), ([[1, 0]], [0])])
    prof = segment_profile(dead_out, [-1], [1])
    assert prof.breakpoints == (Fraction(1, 2),) and prof.kinks == ()
    assert prof.gradient_gap_deviation_sq == 0 and prof.gradient_deflection == 0.0


@settings(max_examples=40)
@given(seed=st.integers(0, 10**6))
def test_deflection_is_zero_iff_straight_and_reversal_laws(seed, rational_point):
    net = rg.Network.random_rational((2, 3, 2), 3, 2, seed=seed)
    rng = np.random.default_rng(seed)
    xa, xb = two_points(rational_point, rng, 2)
    try:
        prof = segment_profile(net, xa, xb)
    except rg.DegenerateSegmentError:
        assume(False)
    straight = all(s == prof.secant for s in prof.slopes)
    assert (prof.gradient_deflection == 0) == straight
    # reversing the segment: breakpoints 1 − t in reverse order, slopes negated, same measures
    back = segment_profile(net, xb, xa)
    assert back.breakpoints == tuple(1 - t for t in reversed(prof.breakpoints))
    assert back.slopes == tuple(tuple(-v for v in s) for s in reversed(prof.slopes))
    assert back.gradient_gap_deviation_sq == prof.gradient_gap_deviation_sq
    assert back.gradient_deflection == pytest.approx(prof.gradient_deflection, rel=1e-12, abs=0)


@settings(max_examples=25)
@given(seed=st.integers(0, 10**6))
def test_profile_is_invariant_under_symmetries(seed, rational_point):
    net = rg.Network.random_rational((2, 3, 3, 1), 4, 3, seed=seed)
    other = random_symmetry(net, seed=seed + 7)
    rng = np.random.default_rng(seed)
    xa, xb = two_points(rational_point, rng, 2)
    try:
        p, q = segment_profile(net, xa, xb), segment_profile(other, xa, xb)
    except rg.DegenerateSegmentError:
        assume(False)
    assert (p.breakpoints, p.slopes, p.values) == (q.breakpoints, q.slopes, q.values)
    assert sorted(map(sum, p.patterns)) == sorted(map(sum, q.patterns))  # patterns up to permutation


def test_restriction_is_the_network_on_the_line():
    net = rg.Network.random_rational((3, 4, 2), 5, 5, seed=1)
    xa, xb = [1, Fraction(-1, 2), 2], [0, 3, Fraction(1, 3)]
    line = restrict_to_segment(net, xa, xb)
    for t in (Fraction(0), Fraction(2, 7), Fraction(1), Fraction(-3, 2)):
        assert (rg.forward(line, [[t]]) == rg.forward(net, [segment_point(xa, xb, t)])).all()


def test_degenerate_segment_is_reported_and_conventions_agree_on_F():
    net = rg.Network.from_layers([([[1, 0], [0, 1]], [0, 0]), ([[1, 1]], [0])])  # relu(x) + relu(y)
    with pytest.raises(rg.DegenerateSegmentError, match="hidden layer 0, neuron 1") as info:
        segment_profile(net, [-1, 0], [1, 0])
    assert (info.value.layer, info.value.neuron) == (0, 1)
    with pytest.raises(rg.DegenerateSegmentError, match="in float64|is 0 in float64"):
        segment_profile(net, [-1, 0], [1, 0], method="float")
    # half of the segment inside y = 0: conventions give the same F, not the same breakpoints
    xa, xb = [-1, 0], [1, 0]
    inactive = segment_profile(net, xa, xb, at_zero="inactive")
    active = segment_profile(net, xa, xb, at_zero="active")
    for t in (Fraction(k, 16) for k in range(17)):
        assert inactive.value(t) == active.value(t) == tuple(rg.forward(net, [segment_point(xa, xb, t)])[0])
    bent = rg.Network.from_layers(
        [
            ([[1, 0], [0, 1]], [0, 0]),
            ([[1, 1]], [0]),
        ]
    )
    ya, yb = [-1, 0], [1, 1]  # leaves y = 0 at once: fine
    assert segment_profile(bent, ya, yb).breakpoints == (Fraction(1, 2),)


def test_degenerate_on_part_of_the_segment_in_a_deeper_layer():
    # layer 1 neuron: relu(x) − relu(x) ≡ 0 ... built as z = relu(x) − relu(x) on x > 0 and 0 elsewhere
    net = rg.Network.from_layers([([[1], [1]], [0, 0]), ([[1, -1]], [0]), ([[1]], [0])])
    with pytest.raises(rg.DegenerateSegmentError, match="hidden layer 1, neuron 0"):
        segment_profile(net, [-1], [1])
    prof = segment_profile(net, [-1], [1], at_zero="inactive")
    assert prof.breakpoints == (Fraction(1, 2),) and prof.slopes == ((0,), (0,))


def test_float_route_agrees_on_random_networks():
    rng = np.random.default_rng(3)
    total = 0
    for seed in range(10):
        net = rg.Network.random_he((3, 8, 8, 2), seed=seed)
        xa, xb = rng.normal(size=3), rng.normal(size=3)
        cmp = compare_segment_methods(net, xa, xb)
        assert cmp.agree and cmp.exact.num_breakpoints == cmp.float.num_breakpoints
        total += cmp.exact.num_breakpoints
        assert cmp.max_breakpoint_error < 1e-12 and cmp.max_slope_error < 1e-9
        assert cmp.gradient_gap_deviation_error < 1e-9 and cmp.gradient_deflection_error < 1e-9
    assert total >= 20


def test_float_route_misses_roots_closer_than_its_tolerance():
    eps = Fraction(1, 10**14)
    net = rg.Network.from_layers([([[1], [1]], [0, eps]), ([[1, 1]], [0])])  # kinks at x = 0 and −eps
    cmp = compare_segment_methods(net, [-1], [1])
    assert cmp.exact.breakpoints == (Fraction(1, 2) - eps / 2, Fraction(1, 2))
    assert not cmp.agree and cmp.float.num_breakpoints == 1 and math.isnan(cmp.max_breakpoint_error)


def test_segment_statistics_pairs_and_summary():
    net = rg.Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
    st = segment_statistics(net, [[-1], [3], [2], [0.5]])
    assert st.pairs == ((0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3))
    by_pair = {(r["i"], r["j"]): r for r in st.rows}
    assert by_pair[(0, 1)]["gradient_gap_deviation_sq"] == 16 and by_pair[(1, 2)]["breakpoints"] == 0
    s = st.summary()
    counts = [r["breakpoints"] for r in st.rows]
    assert s["breakpoints"] == {"mean": sum(counts) / 6, "median": float(np.median(counts)), "max": max(counts)}
    sample = segment_statistics(net, [[-1], [3], [2], [0.5]], pairs=3, seed=5)
    again = segment_statistics(net, [[-1], [3], [2], [0.5]], pairs=3, seed=5)
    assert len(sample.pairs) == 3 == len(set(sample.pairs)) and sample == again
    assert set(sample.pairs) <= set(st.pairs)
    assert segment_statistics(net, [[-1], [3]], pairs=10).pairs == ((0, 1),)
    with pytest.raises(ValueError, match="pairs"):
        segment_statistics(net, [[-1], [3]], pairs="some")
    with pytest.raises(rg.ShapeError, match="two samples"):
        segment_statistics(net, [[-1]])


def test_segment_statistics_lists_degenerate_pairs_apart():
    net = rg.Network.from_layers([([[1, 0], [0, 1]], [0, 0]), ([[1, 1]], [0])])
    st = segment_statistics(net, [[-1, 0], [1, 0], [1, 1]])
    assert [(i, j) for i, j, _ in st.degenerate] == [(0, 1)]
    assert [(r["i"], r["j"]) for r in st.rows] == [(0, 2), (1, 2)]
    assert "degenerate segment" in st.degenerate[0][2]
    st2 = segment_statistics(net, [[-1, 0], [1, 0], [1, 1]], at_zero="active")
    assert st2.degenerate == () and len(st2.rows) == 3
    assert st.to_dict()["degenerate"][0]["i"] == 0


def test_endpoint_validation():
    net = rg.Network.random_integer((2, 2, 1))
    with pytest.raises(rg.ShapeError, match="x_b has 3 entries"):
        segment_profile(net, [0, 0], [1, 2, 3])
    with pytest.raises(rg.NotExactError):
        segment_profile(net, [0, float("nan")], [1, 2])
    with pytest.raises(ValueError, match="at_zero"):
        segment_profile(net, [0, 0], [1, 1], at_zero="left")
    with pytest.raises(rg.ShapeError, match="two distinct endpoints"):
        segment_profile(net, [1, "1/2"], ["2/2", 0.5])
    st = segment_statistics(net, [[1, 2], [1, 2], [0, 0]])
    assert st.degenerate[0][:2] == (0, 1) and "equal" in st.degenerate[0][2] and len(st.rows) == 2


def test_float_route_on_short_segments_and_badly_scaled_layers():
    # "identically 0" is judged against the terms each coefficient was summed from, not the layer's
    # largest coefficient: a neuron crossing a 2e-13 segment is not flat (review finding)
    net = rg.Network.from_layers([([[1], [1]], [0, 1]), ([[1, 1]], [0])])  # relu(x) + relu(x + 1)
    cmp = compare_segment_methods(net, [-1e-13], [1e-13])
    assert cmp.agree and cmp.float.breakpoints == (0.5,) and cmp.exact.breakpoints == (Fraction(1, 2),)
    scaled = rg.Network.from_layers([([[1], [10**13]], ["-1/2", 0]), ([[1, 1]], [0])])
    assert compare_segment_methods(scaled, [0], [1]).agree
    # a true cancellation is still flat in float64: 0.1 + 0.2 − 0.3 is 5.6e-17, not 0
    cancel = rg.Network.from_layers([([[0.1, 0.2, -0.3]], [0]), ([[1]], [0])])
    with pytest.raises(rg.DegenerateSegmentError, match="in float64"):
        segment_profile(cancel, [-1, -1, -1], [1, 1, 1], method="float")


def test_float_route_failures_are_reported_not_raised_by_the_comparison():
    # roots 1e-300 apart: the float route merges them; then a float-only failure (overflow) is a reason
    net = rg.Network.from_layers([([[1]], [0]), ([[1]], [0])])
    with pytest.raises(rg.FloatRangeError, match="use method='exact'"):
        segment_profile(net, ["-1e400"], ["1e400"], method="float")
    cmp = compare_segment_methods(net, ["-1e400"], ["1e400"])
    assert not cmp.agree and cmp.float is None and "too large for float64" in cmp.float_error
    assert cmp.exact.breakpoints == (Fraction(1, 2),) and math.isnan(cmp.max_slope_error)
    he = rg.Network.random_he((2, 3, 1), seed=1)
    with pytest.raises(rg.FloatRangeError):
        segment_profile(he, [1e308, -1e308], [-1e308, 1e308], method="float")
    assert segment_profile(he, [1e308, -1e308], [-1e308, 1e308]).num_breakpoints == 3


def test_huge_exact_values_keep_their_json_strict():
    import json

    big = rg.Network.from_layers([([["1e200"]], [0]), ([["1e200"]], [0])])
    prof = segment_profile(big, [-1], [1])
    assert prof.slopes == ((0,), (Fraction(10) ** 400 * 2,)) and prof.gradient_gap_deviation == math.inf
    data = json.loads(json.dumps(prof.to_dict()), parse_constant=lambda c: pytest.fail(f"non-JSON {c}"))
    assert data["gradient_gap_deviation"] is None and data["gradient_gap_deviation_sq"] == str(4 * 10**800)


def test_plot_segment_passes_the_convention_on():
    from relugeom.plots.segments import plot_segment

    net = rg.Network.from_layers([([[1, 0], [0, 1]], [0, 0]), ([[1, 1]], [0])])
    with pytest.raises(rg.DegenerateSegmentError):
        plot_segment(net, [-1, 0], [1, 0])
    fig = plot_segment(net, [-1, 0], [1, 0], at_zero="inactive")
    assert fig.axes[0].lines[0].get_xydata().tolist() == [[0.0, 0.0], [0.5, 0.0], [1.0, 1.0]]
