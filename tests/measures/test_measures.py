"""Path-norms, norm products and margins (SPEC §8) against independent computations.

Oracles: the path-norm by explicit enumeration of every input→output path (and every path from a bias
unit), numpy's percentile and SVD, hand-derived margins, and the rescaling/permutation laws.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import relugeom as rg
from relugeom.measures.norms import exact_percentile, margins, norm_measures, path_norm, path_norm_root, path_sums
from relugeom.numbers import float_root
from relugeom.symmetry import permute_neurons, random_symmetry, rescale_neurons

SHAPES = [(1, 1), (2, 3, 1), (1, 2, 2, 1), (2, 3, 2, 2), (3, 2, 2, 2, 1)]


@pytest.mark.parametrize("widths", SHAPES)
@pytest.mark.parametrize("p", [1, 2, 3])
def test_path_norm_equals_explicit_path_enumeration(widths, p, brute_path_norm):
    for seed in range(3):
        net = rg.Network.random_rational(widths, 5, 4, seed=seed)
        want = brute_path_norm(net, p)
        assert path_norm(net, p) == want
        assert path_norm(net, p, method="float") == pytest.approx(float(want), rel=1e-12)
        g_in, g_out = path_sums(net, p)
        assert sum(g_in[-1]) == want
        assert path_norm_root(net, p) == pytest.approx(float(want) ** (1 / p), rel=1e-15)


def test_path_norm_hand_values():
    # F = 2 relu(x1 − 2 x2 + 3) − 1: paths x1 (1·2), x2 (2·2), bias 3 (3·2), bias −1 (1)
    net = rg.Network.from_layers([([[1, -2]], [3]), ([[2]], [-1])])
    assert path_norm(net, 1) == 13 and path_norm(net, 2) == 57 and path_norm(net, 3) == 8 + 64 + 216 + 1
    assert path_norm_root(net, 2) == math.sqrt(57)


def test_path_norm_refuses_non_integer_p():
    net = rg.Network.random_integer((1, 2, 1))
    for bad in (0, 1.5, "2", True, -1):
        with pytest.raises(ValueError, match="integer p >= 1"):
            path_norm(net, bad)


@settings(max_examples=40)
@given(seed=st.integers(0, 10_000), shape=st.sampled_from(SHAPES[1:]))
def test_path_norm_invariant_under_symmetries_frobenius_not(seed, shape):
    net = rg.Network.random_rational(shape, 5, 5, seed=seed)
    other = random_symmetry(net, seed=seed + 1)
    for p in (1, 2, 3):
        assert path_norm(other, p) == path_norm(net, p)
    # the Frobenius product changes under a rescaling by 2 of a neuron with nonzero in- and out-weights
    if any(net.weights[0][0]) and any(row[0] for row in net.weights[1]):
        scaled = rescale_neurons(net, 0, [2] + [1] * (shape[1] - 1))
        a, b = norm_measures(net), norm_measures(scaled)
        assert path_norm(scaled) == path_norm(net)
        # ‖W0‖² gains 3‖w_in‖², ‖W1‖² loses (3/4)‖w_out‖²: the product moves unless they cancel exactly
        in_sq = sum(v * v for v in net.weights[0][0])
        out_sq = sum(row[0] ** 2 for row in net.weights[1])
        f0 = sum(v * v for row in net.weights[0] for v in row)
        f1 = sum(v * v for row in net.weights[1] for v in row)
        rest = math.prod(a.frobenius_sq[2:], start=Fraction(1))
        assert b.frobenius_sq_product == (f0 + 3 * in_sq) * (f1 - out_sq * Fraction(3, 4)) * rest


def test_frobenius_product_changes_under_rescaling_hand():
    net = rg.Network.from_layers([([[1], [1]], [0, 1]), ([[1, 1]], [0])])
    scaled = rescale_neurons(net, 0, [3, 1])
    assert path_norm(scaled) == path_norm(net) == 3  # paths x→h0, x→h1, b0[1]→h1
    assert norm_measures(net).frobenius_sq_product == 2 * 2
    assert norm_measures(scaled).frobenius_sq_product == 10 * (Fraction(1, 9) + 1)
    assert permute_neurons(net, 0, [1, 0]) != net and path_norm(permute_neurons(net, 0, [1, 0])) == 3


def test_norm_products_against_numpy():
    net = rg.Network.random_rational((3, 4, 5, 2), 7, 3, seed=4)
    m = norm_measures(net)
    mats = [np.array([[float(v) for v in row] for row in W]) for W in net.weights]
    assert [float(v) for v in m.frobenius_sq] == pytest.approx([np.linalg.norm(W, "fro") ** 2 for W in mats])
    assert m.spectral == pytest.approx([np.linalg.norm(W, 2) for W in mats])
    assert [float(v) for v in m.l1_inf] == pytest.approx([np.abs(W).sum(axis=1).max() for W in mats])
    # exact ℓ_{1,∞}: the largest row ℓ1 norm, by hand
    assert m.l1_inf == tuple(max(sum(abs(v) for v in row) for row in W) for W in net.weights)
    assert m.frobenius_product == float_root(m.frobenius_sq_product, 2)
    assert m.path_l1 == path_norm(net, 1) and m.path_l2_sq == path_norm(net, 2)


@settings(max_examples=60)
@given(
    values=st.lists(st.fractions(min_value=-100, max_value=100, max_denominator=50), min_size=1, max_size=30),
    q=st.integers(0, 100),
)
def test_exact_percentile_matches_numpy(values, q):
    got = exact_percentile(values, q)
    assert float(got) == pytest.approx(float(np.percentile([float(v) for v in values], q)), abs=1e-9)
    assert min(values) <= got <= max(values)


def test_margins_by_hand():
    # three logits (x, 2 − x, 0); sample x = 3: logits 3, −1, 0
    net = rg.Network.from_layers([([[1], [-1], [0]], [0, 2, 0])])
    assert margins(net, [[3], [1]], [0, 1]) == [3 - 0, 1 - 1]
    assert margins(net, [[3]], [2]) == [0 - 3]
    # one output: labels 0/1 or −1/1 give ±f
    single = rg.Network.from_layers([([[2]], [-1])])
    assert margins(single, [[1], [0]], [1, 0]) == [1, 1]
    assert margins(single, [[1], [0]], [-1, -1]) == [-1, 1]


def test_margin_is_the_fifth_percentile_and_normalises():
    net = rg.Network.from_layers([([[1], [-1]], [0, 0])])  # logits (x, −x)
    X = [[Fraction(k, 2)] for k in range(1, 21)]  # margins 2x = 1 … 20
    m = norm_measures(net, X, [0] * 20)
    assert m.margin == 1 + Fraction(19 * 5, 100)  # h = 19·0.05
    rows = {r["name"]: r for r in m.rows()}
    assert rows["l1 path-norm"]["over_margin_exact"] == Fraction(2) / m.margin
    assert rows["l2 path-norm"]["over_margin_exact"] == Fraction(2) / m.margin**2
    assert rows["frobenius product"]["over_margin"] == pytest.approx(math.sqrt(2) / float(m.margin))
    assert rows["spectral product"]["over_margin"] == pytest.approx(math.sqrt(2) / float(m.margin))


def test_nonpositive_margin_leaves_measures_unnormalised():
    net = rg.Network.from_layers([([[1], [-1]], [0, 0])])
    m = norm_measures(net, [[1], [2]], [1, 1])  # both misclassified
    assert m.margin < 0
    assert all("over_margin" not in r for r in m.rows())
    assert m.to_dict()["margin"] == str(m.margin)


def test_label_errors():
    net = rg.Network.from_layers([([[1], [-1]], [0, 0])])
    with pytest.raises(rg.ShapeError, match="2 labels for 1 samples"):
        norm_measures(net, [[1]], [0, 1])
    with pytest.raises(rg.ShapeError, match="labels must be 0 … 1"):
        norm_measures(net, [[1]], [2])
    with pytest.raises(rg.ShapeError, match="not an integer"):
        norm_measures(net, [[1]], ["1/2"])
    with pytest.raises(ValueError, match="give both"):
        norm_measures(net, [[1]])
    with pytest.raises(rg.NotExactError):
        norm_measures(net, [[1]], [float("nan")])
    single = rg.Network.from_layers([([[2]], [-1])])
    with pytest.raises(rg.ShapeError, match=r"all in \{0, 1\} or all in \{-1, 1\}"):
        margins(single, [[1], [0]], [0, -1])  # two conventions mixed


@settings(max_examples=200)
@given(num=st.integers(0, 10**60), den=st.integers(1, 10**60), p=st.integers(1, 6))
def test_float_root_within_one_ulp(num, den, p):
    q = Fraction(num, den)
    r = float_root(q, p)
    lo, hi = Fraction(math.nextafter(r, 0)), Fraction(math.nextafter(r, math.inf))
    assert lo**p <= q <= hi**p


def test_measures_beyond_float64_stay_exact_and_json_strict():
    import json

    big = rg.Network.from_layers([([["1e200"]], [0]), ([["1e200"]], [0])])
    m = norm_measures(big)
    assert m.path_l2_sq == Fraction(10) ** 800 and path_norm_root(big) == math.inf
    data = json.loads(json.dumps(m.to_dict()), parse_constant=lambda c: pytest.fail(f"non-JSON {c}"))
    assert data["path_l2"] is None and data["path_l2_sq"] == str(10**800)
    # a positive margin below float64's smallest number: ratios stay finite where they are
    tiny = rg.Network.from_layers([([[Fraction(1, 2**1100)]], [0])])
    rows = {r["name"]: r for r in norm_measures(tiny, [[1], [2]], [1, 1]).rows()}
    # margins 2^-1100 and 2^-1099, 5th percentile (21/20)·2^-1100; φ_1 = ℓ_{1,∞} = 2^-1100
    assert rows["l1 path-norm"]["over_margin_exact"] == rows["l1,inf product"]["over_margin_exact"] == Fraction(20, 21)
    assert rows["l1 path-norm"]["over_margin"] == 20 / 21
