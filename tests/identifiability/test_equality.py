"""Exact functional equality (``functionally_equal``) against independent oracles.

Oracles: plain-Fraction forward passes (``helpers.naive_forward``) at hundreds of exact rational points of
the domain (a grid and random points); for one-input, one-hidden-layer networks an exact breakpoint oracle
(F is linear between consecutive breakpoints −b/w, so equality at the breakpoints and one point beyond each
end decides it); and hand-derived cases (twins, opposite pairs, constant and dead neurons, depths).
"""

from __future__ import annotations

import itertools
import json
from fractions import Fraction

import numpy as np
import pytest
from helpers import naive_forward, naive_pre_activations
from hypothesis import given, settings
from hypothesis import strategies as st

import relugeom as rg
from relugeom.exceptions import InvalidArgumentError, RegionLimitReached, ShapeError, TimeLimitReached
from relugeom.identifiability import equality
from relugeom.identifiability.equality import (
    Equality,
    functionally_equal,
    lengthen,
    probe_points,
    side_by_side,
    simplify_network,
)
from relugeom.limits import bounds
from relugeom.regions import region_decomposition
from relugeom.regions.cffd import region_points
from relugeom.symmetry import are_equivalent, random_symmetry

F = Fraction
net = rg.Network.from_layers

# ------------------------------------------------------------------------------------------ oracles


def dense_points(n0: int, box, seed: int) -> list[list[Fraction]]:
    """A grid (step 1/2 on [−3, 3], or 9 steps across each side of the box) and 150 random rationals."""
    rng = np.random.default_rng(seed)
    if box is None:
        axis = [[F(k, 2) for k in range(-6, 7)]] * n0
        lo_hi = [(F(-20), F(20))] * n0
    else:
        axis = [[lo + (hi - lo) * F(k, 8) for k in range(9)] for lo, hi in box]
        lo_hi = list(box)
    grid = [list(p) for p in itertools.product(*axis)] if n0 <= 2 else [list(p) for p in zip(*axis)]
    rand = [[lo + (hi - lo) * F(int(rng.integers(0, 1001)), 1000) for lo, hi in lo_hi] for _ in range(150)]
    return grid + rand


def sample_equal(a, b, points) -> list[list[Fraction]]:
    """The sampled points where F_a ≠ F_b (plain Fractions)."""
    return [x for x in points if naive_forward(a, x) != naive_forward(b, x)]


def joint_signs(a, b, x) -> tuple:
    """Signs of every hidden pre-activation of a and b at x (0 on a hyperplane)."""
    out = []
    for n in (a, b):
        for z in naive_pre_activations(n, x)[:-1]:
            out += [(v > 0) - (v < 0) for v in z]
    return tuple(out)


def breakpoint_oracle(a, b, box=None) -> bool:
    """F_a = F_b for one-input one-hidden-layer networks, exactly: both are linear between the sorted
    breakpoints −b/w of their neurons, so agreeing at every breakpoint, at the midpoints and one step
    beyond the ends (or at the ends of the box) decides it."""
    kinks = set()
    for n in (a, b):
        assert n.input_dim == 1 and n.num_layers == 2
        kinks |= {-bi / row[0] for row, bi in zip(n.weights[0], n.biases[0]) if row[0] != 0}
    if box is not None:
        (lo, hi) = box[0]
        kinks = {k for k in kinks if lo < k < hi} | {F(lo), F(hi)}
    pts = sorted(kinks) or [F(0)]
    pts = pts + [(p + q) / 2 for p, q in zip(pts, pts[1:])]
    if box is None:
        pts += [min(pts) - 1, max(pts) + 1]
    return all(naive_forward(a, [x]) == naive_forward(b, [x]) for x in pts)


def split_twin(n: rg.Network, layer: int, i: int, lam, t) -> rg.Network:
    """Neuron (layer, i) split into twins: a copy with incoming vector × λ; outgoing column c becomes t·c
    on the old neuron and (1 − t)·c / λ on the copy. Same function; not equivalent unless t ∈ {0, 1}."""
    lam, t = F(lam), F(t)
    layers = [([list(r) for r in W], list(bv)) for W, bv in n.layers()]
    W, bv = layers[layer]
    W.append([lam * v for v in W[i]])
    bv.append(lam * bv[i])
    W_next = layers[layer + 1][0]
    for row in W_next:
        row.append((1 - t) * row[i] / lam)
        row[i] = t * row[i]
    return rg.Network.from_layers(layers)


def with_dead_neuron(n: rg.Network, layer: int, outgoing) -> rg.Network:
    """An extra neuron in hidden layer ``layer`` with incoming weights 0 and bias −1 (outputs 0)."""
    layers = [([list(r) for r in W], list(bv)) for W, bv in n.layers()]
    W, bv = layers[layer]
    W.append([F(0)] * len(W[0]))
    bv.append(F(-1))
    for row, o in zip(layers[layer + 1][0], outgoing):
        row.append(F(o))
    return rg.Network.from_layers(layers)


def changed(n: rg.Network, index: int, step) -> rg.Network:
    p = list(n.parameters())
    p[index] += F(step)
    return rg.Network.from_parameters(n.widths, p)


def assert_against_sampling(a, b, box=None, seed=0) -> Equality:
    """The dense-sampling oracle: "equal" ⇒ no sampled difference; "not equal" ⇒ the witness separates
    and, near it in its own region of the common refinement, sampled points differ too."""
    res = functionally_equal(a, b, box)
    n0 = a.input_dim
    if res.equal:
        assert res.witness is None and res.value_a is None
        assert sample_equal(a, b, dense_points(n0, res.box, seed)) == []
        return res
    w = list(res.witness)
    assert naive_forward(a, w) != naive_forward(b, w)
    assert tuple(naive_forward(a, w)) == res.value_a and tuple(naive_forward(b, w)) == res.value_b
    if res.box is not None:
        assert all(lo <= v <= hi for v, (lo, hi) in zip(w, res.box))
    signs = joint_signs(a, b, w)
    near = [
        [v + F(s, 10**6) * d for v, d in zip(w, direction)]
        for direction in itertools.product((-1, 0, 1), repeat=n0)
        for s in (1, 3)
    ]
    if 0 not in signs:  # the witness is inside a region of the common refinement: sample that region
        same = [x for x in near if joint_signs(a, b, x) == signs]
        assert same and sample_equal(a, b, same)
    else:  # a prefilter point on a hyperplane: F_a − F_b is continuous and nonzero at w
        assert len(sample_equal(a, b, near)) == len(near)
    return res


# ------------------------------------------------------------------------------------------ dense sampling


SHAPES = [(1, 2, 1), (1, 3, 1), (2, 2, 1), (2, 3, 2), (1, 2, 2, 1), (2, 2, 2, 1)]


@pytest.mark.parametrize("widths", SHAPES)
@pytest.mark.parametrize("seed", range(3))
def test_variants_against_dense_sampling(widths, seed, monkeypatch):
    if seed == 2:  # without the prefilter: the regions' affine maps alone must find every difference
        monkeypatch.setattr(equality, "probe_points", lambda n0, box: [])
    a = rg.Network.random_rational(widths, 4, 3, seed=seed)
    variants = {
        "symmetry": random_symmetry(a, seed),
        "twin": split_twin(a, 0, seed % widths[1], F(seed + 2, 3), F(1, 3)),
        "dead": with_dead_neuron(a, len(widths) - 3, [seed + 1] * widths[-1]),
        "deeper": lengthen(a, a.num_layers + 1),
        "changed": changed(a, seed % a.num_params, F(1, 2)),
        "other": rg.Network.random_rational(widths[:1] + (2,) + widths[-1:], 4, 3, seed=100 + seed),
    }
    answers = {}
    for name, b in variants.items():
        answers[name] = assert_against_sampling(a, b, seed=seed).equal
        assert_against_sampling(a, b, box=[(-1, 2)] * widths[0], seed=seed)
    assert answers["symmetry"] and answers["twin"] and answers["dead"] and answers["deeper"]
    assert not answers["other"]


@pytest.mark.parametrize("seed", range(40))
def test_one_hidden_layer_against_the_breakpoint_oracle(seed, monkeypatch):
    rng = np.random.default_rng(seed)
    a = rg.Network.random_integer((1, int(rng.integers(1, 4)), 1), -2, 2, seed=seed)
    b = rg.Network.random_integer((1, int(rng.integers(1, 4)), 1), -2, 2, seed=1000 + seed)
    if seed % 3 == 0:  # make equal pairs common: b = a with a twin split and one output weight moved
        b = split_twin(a, 0, 0, 2, F(1, 4))
    if seed % 3 == 1:
        b = changed(a, seed % a.num_params, -1)
    if seed % 2:  # half of them without the prefilter: the regions alone must find every difference
        monkeypatch.setattr(equality, "probe_points", lambda n0, box: [])
    for box in (None, ((F(-1), F(1, 2)),)):
        res = functionally_equal(a, b, box)
        assert res.equal == breakpoint_oracle(a, b, box), (a.parameters(), b.parameters(), box)
        assert functionally_equal(a, b, box, merge_twins=False).equal == res.equal
        if not res.equal:
            assert naive_forward(a, res.witness) != naive_forward(b, res.witness)


@pytest.mark.parametrize("prefilter", [True, False])
def test_exhaustive_one_one_one_grid_against_the_oracle(prefilter, monkeypatch):
    """Every pair of (1,1,1) networks over {−1, 0, 1} with the same output bias (81 × 27 = 2187 pairs), with
    and without the prefilter (without it every difference must be found by the regions' affine maps)."""
    if not prefilter:
        monkeypatch.setattr(equality, "probe_points", lambda n0, box: [])
    values = (-1, 0, 1)
    nets = [rg.Network.from_parameters((1, 1, 1), p) for p in itertools.product(values, repeat=4)]
    equal_pairs = 0
    for i, a in enumerate(nets):
        for b in nets[i % 3 :: 3]:  # same output bias c
            truth = breakpoint_oracle(a, b)
            res = functionally_equal(a, b)
            assert res.equal == truth
            assert truth or naive_forward(a, res.witness) != naive_forward(b, res.witness)
            assert prefilter or truth or res.regions >= 1
            equal_pairs += truth
    # by hand: F = v relu(w x + b) + c. For each c, the 27 (w, b, v) fall into classes of equal functions:
    # the constant c (v = 0: 9; w = 0 with b ∈ {−1, 0} and v = ±1: 4), the constants c + 1 and c − 1
    # (w = 0, b = 1, v = ±1: one each), and 12 distinct kinks v relu(±x + b) (w = ±1, b ∈ {−1, 0, 1}).
    assert equal_pairs == 3 * (13 * 13 + 1 + 1 + 12)


# ------------------------------------------------------------------------------------------ hand cases


TWINS = net([([[1], [1]], [0, 0]), ([[1, 2]], [0])])  # relu(x) + 2 relu(x)
SPLIT = net([([[1], [1]], [0, 0]), ([["3/2", "3/2"]], [0])])  # the same 3 relu(x), split otherwise
MERGED = net([([[1]], [0]), ([[3]], [0])])


def test_twin_neurons_equal_but_not_equivalent():
    assert functionally_equal(TWINS, SPLIT) and functionally_equal(TWINS, MERGED)
    assert not are_equivalent(TWINS, SPLIT)  # outgoing (1, 2) vs (3/2, 3/2): not proportional
    full = functionally_equal(TWINS, SPLIT, merge_twins=False)
    assert full.equal and full.regions == 2  # x < 0 and x > 0
    assert functionally_equal(TWINS, SPLIT).regions == 1  # merged, G is the constant 0
    other = net([([[1], [1]], [0, -1]), ([[1, 2]], [0])])  # relu(x) + 2 relu(x − 1)
    assert not functionally_equal(other, MERGED)


OPPOSITE = net([([[1], [-1]], [0, 0]), ([[1, -1]], [0])])  # relu(x) − relu(−x) = x
SHIFTED = net([([[1]], [10]), ([[1]], [-10])])  # relu(x + 10) − 10 = x for x ≥ −10


def test_opposite_pair_equal_on_a_box_not_on_r():
    on_box = functionally_equal(OPPOSITE, SHIFTED, box=[(-5, 5)])
    assert on_box.equal and on_box.regions == 2 and on_box.domain == "[-5, 5]"
    assert functionally_equal(OPPOSITE, SHIFTED, box=[(-10, 5)])  # F_b = x down to −10
    res = functionally_equal(OPPOSITE, SHIFTED)
    assert not res.equal and res.regions >= 1
    (w,) = res.witness
    assert w < -10 and res.value_a == (w,) and res.value_b == (F(-10),)
    edge = functionally_equal(OPPOSITE, SHIFTED, box=[(-11, 5)])
    assert not edge.equal and -11 <= edge.witness[0] < -10


def test_different_depths_and_widths():
    relu = net([([[1]], [0]), ([[1]], [0])])
    deep = net([([[1]], [0]), ([[1]], [0]), ([[1]], [0])])  # relu(relu(x))
    halved = net([([[2]], [0]), (([["1/4"]]), [0]), ([[2]], [0])])  # 2 relu(relu(2x)/4) = relu(x)
    shifted = net([([[1]], [0]), ([[1]], [-1]), ([[1]], [0])])  # relu(relu(x) − 1)
    assert functionally_equal(relu, deep) and functionally_equal(deep, relu) and functionally_equal(relu, halved)
    res = functionally_equal(relu, shifted)
    assert not res.equal and naive_forward(relu, res.witness) != naive_forward(shifted, res.witness)
    absolute = net([([[1], [-1]], [0, 0]), ([[1, 1]], [0])])  # |x|
    wider = net([([[1], [-2], [1]], [0, 0, -100]), ([[1, "1/2", 0]], [0])])  # relu(x) + relu(−2x)/2 + 0
    assert functionally_equal(absolute, wider)
    affine = net([([[2]], [1])])  # no hidden layer: 2x + 1
    as_relus = net([([[2], [-2]], [1, -1]), ([[1, -1]], [0])])
    assert functionally_equal(affine, as_relus) and not functionally_equal(affine, absolute)


def test_constant_and_dead_neurons():
    plus3 = net([([[0], [1]], [3, 0]), ([[1, 1]], [0])])  # relu(3) + relu(x)
    assert functionally_equal(plus3, net([([[1]], [0]), ([[1]], [3])]))
    zero_constant = net([([[0], [1]], [0, 0]), ([[5, 1]], [0])])  # relu(0) = 0 everywhere: degenerate
    assert functionally_equal(zero_constant, net([([[1]], [0]), ([[1]], [0])]))
    # a second-layer neuron identically 0 on x < 0 (its only input inactive, bias 0): a degenerate cell
    chain = net([([[1]], [0]), ([[1]], [0]), ([[1]], [0])])
    assert region_decomposition(chain).degenerate  # the enumeration alone would lose x < 0
    assert functionally_equal(chain, net([([[1]], [0]), ([[1]], [0])]), merge_twins=False)
    dead_on_box = net([([[1], [1]], [0, -10]), ([[1, 1]], [0])])  # relu(x − 10) dead on [−5, 5]
    relu = net([([[1]], [0]), ([[1]], [0])])
    assert functionally_equal(dead_on_box, relu, box=[(-5, 5)])
    res = assert_against_sampling(dead_on_box, relu)
    assert not res.equal and res.witness[0] > 10


def test_two_inputs_two_outputs():
    a = net([([[1, 0], [0, 1]], [0, 0]), ([[1, 0], [0, 1]], [0, 0])])  # (relu(x1), relu(x2))
    b = net([([[1, 0], [0, 1], [1, 1]], [0, 0, -1]), ([[1, 0, 0], [0, 1, 1]], [0, 0])])  # + relu(x1 + x2 − 1)
    res = assert_against_sampling(a, b)
    assert not res.equal and res.value_a[0] == res.value_b[0] and res.value_a[1] != res.value_b[1]
    x1, x2 = res.witness
    assert x1 + x2 > 1
    assert assert_against_sampling(a, b, box=[(-1, F(1, 4))] * 2).equal  # x1 + x2 − 1 ≤ −1/2 there
    c = rg.Network.random_rational((2, 3, 2, 2), 4, 3, seed=7)
    assert assert_against_sampling(c, random_symmetry(c, 5)).equal


def test_the_regions_alone_find_differences_the_degenerate_cells_and_second_outputs_would_hide(monkeypatch):
    monkeypatch.setattr(equality, "probe_points", lambda n0, box: [])
    chain = net([([[1]], [0]), ([[1]], [0]), ([[1]], [0])])  # relu(relu(x)): layer 2 identically 0 on x < 0
    absolute = net([([[1], [-1]], [0, 0]), ([[1, 1]], [0])])
    res = functionally_equal(chain, absolute, merge_twins=False)
    assert not res.equal and res.witness[0] < 0 and res.value_a == (0,) and res.value_b == (-res.witness[0],)
    a = net([([[1, 0], [0, 1]], [0, 0]), ([[1, 0], [0, 1]], [0, 0])])  # (relu(x1), relu(x2))
    b = net([([[1, 0], [0, 1]], [0, 0]), ([[1, 0], [0, 2]], [0, 0])])  # (relu(x1), 2 relu(x2))
    res = functionally_equal(a, b)  # F_a − F_b = (0, −x2) on x2 > 0: zero bias, zero first row
    assert not res.equal and res.witness[1] > 0 and res.value_a[0] == res.value_b[0]


# ------------------------------------------------------------------------------------------ the pieces


@pytest.mark.parametrize("seed", range(4))
def test_side_by_side_lengthen_and_simplify_keep_the_function(seed):
    a = rg.Network.random_rational((2, 3, 1), 3, 2, seed=seed)
    b = rg.Network.random_rational((2, 2, 2, 1), 3, 2, seed=50 + seed)
    G = side_by_side(a, b)
    assert G.widths == (2, 3 + 2, 2 + 2, 1)  # a lengthened by one identity layer of 2 n_L neurons
    for x in dense_points(2, None, seed)[::9]:
        assert naive_forward(G, x) == [p - q for p, q in zip(naive_forward(a, x), naive_forward(b, x))]
        assert naive_forward(lengthen(a, 4), x) == naive_forward(a, x)
        assert naive_forward(simplify_network(G), x) == naive_forward(G, x)
    assert lengthen(a, 4).widths == (2, 3, 2, 2, 1)


def test_simplify_network_by_hand():
    twin_pair = net([([[1], [2], [0]], [-1, -2, 5]), ([[1, 1, 1], [0, 2, 0]], [0, 1])])
    small = simplify_network(twin_pair)  # 2 relu(x − 1) merges into relu(x − 1); relu(5) folds in
    assert small.widths == (1, 1, 2)
    assert [str(v) for v in small.parameters()] == ["1", "-1", "3", "4", "5", "1"]
    cancel = simplify_network(side_by_side(TWINS, MERGED))
    assert cancel.widths == (1, 1, 1) and cancel.weights[-1] == ((0,),)  # G = 0: one inert neuron


def test_points_are_inside_their_regions():
    n = rg.Network.random_rational((2, 4, 1), 4, 3, seed=2)
    for r in region_decomposition(n):
        pts = region_points(r)
        assert len(pts) == 3 and all(r.contains(p) for p in pts)
        M = [[q - p for q, p in zip(pt, pts[0])] for pt in pts[1:]]
        assert M[0][0] * M[1][1] - M[0][1] * M[1][0] != 0  # affinely independent
    box = ((F(0), F(4)), (F(-1), F(1)))
    assert all(all(lo < v < hi for v, (lo, hi) in zip(p, box)) for p in probe_points(2, box))
    assert len(probe_points(2, box)) == 5 and len(probe_points(2, None)) == 7


# ------------------------------------------------------------------------------------------ laws


small_nets = st.builds(
    lambda w, seed: rg.Network.random_rational(w, 3, 2, seed=seed),
    st.sampled_from([(1, 1, 1), (1, 2, 1), (2, 2, 1), (1, 1, 2, 1), (2, 3, 1)]),
    st.integers(0, 10_000),
)


@settings(max_examples=30, deadline=None)
@given(small_nets, st.integers(0, 10_000), st.integers(0, 10_000))
def test_symmetric_and_implied_by_equivalence(a, seed, other_seed):
    assert functionally_equal(a, random_symmetry(a, seed))
    assert functionally_equal(random_symmetry(a, seed), a, box=[(-1, 1)] * a.input_dim)
    b = rg.Network.random_rational((a.input_dim, 2, 1), 3, 2, seed=other_seed)
    ab, ba = functionally_equal(a, b), functionally_equal(b, a)
    assert ab.equal == ba.equal
    c = changed(a, other_seed % a.num_params, 1)
    assert functionally_equal(a, c).equal == functionally_equal(c, a).equal


# ------------------------------------------------------------------------------------------ the API


def test_result_api_and_json():
    res = functionally_equal(OPPOSITE, SHIFTED)
    assert bool(res) is False and bool(functionally_equal(TWINS, MERGED)) is True
    d = json.loads(json.dumps(res.to_dict()))
    assert d["equal"] is False and d["domain"] == "R^1" and d["box"] is None
    assert d["witness"] == [str(res.witness[0])] and d["value_b"] == ["-10"]
    on_box = functionally_equal(OPPOSITE, SHIFTED, box=("-5", "5")).to_dict()
    assert on_box["box"] == [["-5", "5"]] and on_box["witness"] is None and on_box["regions"] == 2
    with pytest.raises(AttributeError):
        res.equal = True  # frozen


def test_prefilter_decides_without_regions():
    res = functionally_equal(MERGED, net([([[1]], [0]), ([[2]], [0])]))
    assert not res.equal and res.regions == 0 and res.witness == (F(1),) and "prefilter" in res.method


def test_refusals_and_limits():
    with pytest.raises(ShapeError, match=r"\(1, 2, 1\).*\(2, 1, 1\)"):
        functionally_equal(TWINS, net([([[1, 1]], [0]), ([[1]], [0])]))
    with pytest.raises(ShapeError):
        functionally_equal(TWINS, net([([[1]], [0]), ([[1], [1]], [0, 0])]))
    with pytest.raises(InvalidArgumentError):
        functionally_equal(TWINS, MERGED, max_regions=0)
    with pytest.raises(ShapeError):
        functionally_equal(TWINS, MERGED, box=[(1, 0)])
    with pytest.raises(RegionLimitReached):
        functionally_equal(OPPOSITE, SHIFTED, box=[(-5, 5)], max_regions=1)
    a = rg.Network.random_rational((2, 6, 6, 1), 4, 3, seed=1)
    with bounds(timeout=1e-6), pytest.raises(TimeLimitReached):
        functionally_equal(a, random_symmetry(a, 1), merge_twins=False)
