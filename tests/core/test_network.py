"""`Network`: validation, shape facts, immutability, parameter order, constructors, dict round trip."""

from __future__ import annotations

import dataclasses
import json
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import relugeom as rg
from relugeom.core.network import Network


# ------------------------------------------------------------------------------------ validation
@pytest.mark.parametrize(
    "layers, message",
    [
        ([], r"at least one affine map"),
        ([([[1, 2]], [0, 1])], r"b\[0\] has 2 entries but W\[0\] has 1 rows"),
        ([([[1], [1]], [0])], r"b\[0\] has 1 entries but W\[0\] has 2 rows"),
        ([([[1, 2], [3]], [0, 1])], r"W\[0\] row 1 has 1 entries but row 0 has 2"),
        ([([[1]], [0]), ([[1, 2]], [0])], r"W\[1\] has 2 columns but layer 1 has 1 neurons"),
        ([([[1, 2], [3, 4]], [0, 0]), ([[1]], [0])], r"W\[1\] has 1 columns but layer 1 has 2 neurons"),
        ([([[1], [1]], [0, 0]), ([[1, 1]], [0]), ([[1, 1]], [0])], r"W\[2\] has 2 columns but layer 2 has 1"),
        ([([[]], [])], r"W\[0\] is empty"),
        ([([], [])], r"W\[0\] is empty"),
        ([(1,)], r"layer 0 must be a pair"),
        ([([[1]], [0], [1])], r"layer 0 must be a pair"),
        ([([[1]], [[0]])], r"b\[0\]"),
        ([([[1]], 0)], r"b\[0\]"),
        ([([1, 2], [0])], r"W\[0\]"),
    ],
)
def test_from_layers_shape_errors_say_what_is_wrong(layers, message):
    with pytest.raises(rg.ShapeError, match=message):
        Network.from_layers(layers)


def test_from_layers_refuses_non_exact_entries_and_names_them():
    with pytest.raises(rg.NotExactError, match=r"W\[1\]\[0\]\[1\]"):
        Network.from_layers([([[1], [1]], [0, 0]), ([[1, float("nan")]], [0])])
    with pytest.raises(rg.NotExactError, match=r"b\[0\]\[0\]"):
        Network.from_layers([([[1]], ["x"])])


def test_direct_construction_requires_fractions():
    with pytest.raises(rg.ShapeError):
        Network((((1,),),), ((0,),))


def test_from_layers_accepts_numpy_and_mixed_syntax():
    net = Network.from_layers([(np.array([[1, 2], [3, 4]]), np.array([0.5, -1.0])), ([["1/3", "0.1"]], ["2"])])
    assert net.weights[0] == ((Fraction(1), Fraction(2)), (Fraction(3), Fraction(4)))
    assert net.biases[0] == (Fraction(1, 2), Fraction(-1))
    assert net.weights[1] == ((Fraction(1, 3), Fraction(1, 10)),)
    assert net.biases[1] == (Fraction(2),)


# ------------------------------------------------------------------------------------ shape facts
@pytest.mark.parametrize(
    "widths, N, H",
    [
        ((1, 2, 1), 7, 2),  # SPEC hand example
        ((3, 2), 8, 0),  # no hidden layer: an affine map
        ((3, 4, 2), 4 * 4 + 2 * 5, 4),
        ((2, 3, 3, 1), 3 * 3 + 3 * 4 + 1 * 4, 6),
        ((784, 30, 30, 30, 10), 30 * 785 + 30 * 31 * 2 + 10 * 31, 90),  # [BMB24]'s MNIST widths
    ],
)
def test_widths_num_params_num_hidden(widths, N, H):
    params = list(range(N))
    net = Network.from_parameters(widths, params)
    assert net.widths == widths
    assert net.num_params == N
    assert net.num_hidden == H
    assert net.num_layers == len(widths) - 1
    assert net.hidden_widths == widths[1:-1]
    assert (net.input_dim, net.output_dim) == (widths[0], widths[-1])


def test_hand_network_facts(hand_net):
    assert hand_net.widths == (1, 2, 1)
    assert (hand_net.num_params, hand_net.num_hidden) == (7, 2)
    assert hand_net.parameters() == tuple(Fraction(v) for v in (1, 1, 0, -1, 1, 1, 0))


def test_parameter_order_is_spec_order():
    # SPEC §1: map by map; within a map W[k] row-major, then b[k].
    net = Network.from_layers([([[1, 2], [3, 4]], [5, 6]), ([[7, 8]], [9])])
    assert net.parameters() == tuple(Fraction(v) for v in range(1, 10))
    assert net.parameter_offsets() == [(0, 4), (6, 8)]
    net3 = Network.from_layers([([[1], [2], [3]], [4, 5, 6]), ([[7, 8, 9], [10, 11, 12]], [13, 14])])
    assert net3.parameters() == tuple(Fraction(v) for v in range(1, 15))
    assert net3.parameter_offsets() == [(0, 3), (6, 12)]


# ------------------------------------------------------------------------------------ immutability
def test_network_is_immutable(hand_net):
    with pytest.raises(dataclasses.FrozenInstanceError):
        hand_net.weights = ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        hand_net.biases = ()
    with pytest.raises(AttributeError):
        hand_net.extra = 1
    with pytest.raises(TypeError):
        hand_net.weights[0] = ((Fraction(2),), (Fraction(2),))  # tuples all the way down
    with pytest.raises(TypeError):
        hand_net.weights[0][0][0] = Fraction(5)
    W, b = hand_net.float_layers()[0]
    with pytest.raises(ValueError):
        W[0, 0] = 3.0  # the cached float arrays are read-only
    assert hand_net.parameters() == tuple(Fraction(v) for v in (1, 1, 0, -1, 1, 1, 0))


def test_equal_networks_are_equal_and_hash_equal(hand_net):
    twin = Network.from_layers([([["1"], [1.0]], ["0", "-1"]), ([[1, "2/2"]], [0])])
    assert twin == hand_net
    assert hash(twin) == hash(hand_net)
    other = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 2]], [0])])
    assert other != hand_net


# ------------------------------------------------------------------------------------ parameters round trip
widths_strategy = st.lists(st.integers(1, 4), min_size=2, max_size=5).map(tuple)


@settings(max_examples=50)
@given(widths_strategy, st.data())
def test_from_parameters_inverts_parameters(widths, data):
    N = sum(widths[k + 1] * (widths[k] + 1) for k in range(len(widths) - 1))
    params = data.draw(st.lists(st.fractions(max_denominator=50), min_size=N, max_size=N))
    net = Network.from_parameters(widths, params)
    assert net.widths == widths
    assert net.num_params == N
    assert list(net.parameters()) == params
    assert Network.from_parameters(net.widths, net.parameters()) == net
    # and the offsets point where the parameters are
    for k, (w_start, b_start) in enumerate(net.parameter_offsets()):
        assert net.parameters()[w_start] == net.weights[k][0][0]
        assert net.parameters()[b_start : b_start + widths[k + 1]] == net.biases[k]


def test_from_parameters_wrong_count():
    with pytest.raises(rg.ShapeError, match="need 7 parameters, got 3"):
        Network.from_parameters((1, 2, 1), [1, 2, 3])


# ------------------------------------------------------------------------------------ random constructors
@pytest.mark.parametrize("ctor", [Network.random_integer, Network.random_rational, Network.random_he])
def test_random_constructors_are_deterministic_by_seed(ctor):
    widths = (3, 4, 2, 2)
    assert ctor(widths, seed=7) == ctor(widths, seed=7)
    nets = {ctor(widths, seed=s) for s in range(5)}
    assert len(nets) == 5  # different seeds give different networks
    assert ctor(widths, seed=7).widths == widths


def test_random_integer_range():
    net = Network.random_integer((4, 6, 3), low=-2, high=5, seed=3)
    values = net.parameters()
    assert all(v.denominator == 1 and -2 <= v <= 5 for v in values)
    assert min(values) == -2 and max(values) == 5  # 51 draws of 8 values: both ends appear (fixed seed)


def test_random_rational_bounds():
    net = Network.random_rational((3, 5, 2), max_numerator=4, max_denominator=6, seed=11)
    values = net.parameters()
    assert all(abs(v.numerator) <= 4 and 1 <= v.denominator <= 6 for v in values)
    assert any(v.denominator > 1 for v in values)


def test_random_he_values_are_dyadic_and_he_scaled():
    net = Network.random_he((50, 400, 1), seed=2)
    values = net.parameters()
    assert all(v.denominator & (v.denominator - 1) == 0 for v in values)  # powers of two
    W0 = np.array([[float(v) for v in row] for row in net.weights[0]])
    # He initialisation: variance 2 / n_in = 0.04, so std 0.2; 20000 draws, a fixed seed
    assert abs(W0.std() - math.sqrt(2 / 50)) < 0.01
    assert abs(W0.mean()) < 0.01
    b0 = np.array([float(v) for v in net.biases[0]])
    assert abs(b0.std() - 0.1) < 0.02


def test_random_he_without_bias():
    net = Network.random_he((3, 4, 2), seed=1, bias_std=0)
    assert all(v == 0 for b in net.biases for v in b)


# ------------------------------------------------------------------------------------ dict round trip
def test_to_dict_is_the_documented_json_format(hand_net):
    d = hand_net.to_dict()
    assert d == {
        "format": "relugeom-network",
        "version": 1,
        "layers": [
            {"weight": [["1"], ["1"]], "bias": ["0", "-1"]},
            {"weight": [["1", "1"]], "bias": ["0"]},
        ],
    }
    assert json.loads(json.dumps(d)) == d


@settings(max_examples=30)
@given(widths_strategy, st.integers(0, 2**32 - 1), st.sampled_from(["integer", "rational", "he"]))
def test_dict_round_trip(widths, seed, kind):
    net = {"integer": Network.random_integer, "rational": Network.random_rational, "he": Network.random_he}[kind](
        widths, seed=seed
    )
    again = Network.from_dict(json.loads(json.dumps(net.to_dict())))
    assert again == net
    assert again.parameters() == net.parameters()


@pytest.mark.parametrize(
    "data",
    [
        [],
        "network",
        {"version": 1, "layers": [{"weight": [[1]], "bias": [0]}]},
        {"format": "other", "version": 1, "layers": [{"weight": [[1]], "bias": [0]}]},
        {"format": "relugeom-network", "version": 2, "layers": [{"weight": [[1]], "bias": [0]}]},
        {"format": "relugeom-network", "layers": [{"weight": [[1]], "bias": [0]}]},
        {"format": "relugeom-network", "version": 1},
        {"format": "relugeom-network", "version": 1, "layers": []},
        {"format": "relugeom-network", "version": 1, "layers": {"weight": [[1]], "bias": [0]}},
        {"format": "relugeom-network", "version": 1, "layers": [{"weight": [[1]]}]},
        {"format": "relugeom-network", "version": 1, "layers": [{"bias": [0]}]},
        {"format": "relugeom-network", "version": 1, "layers": [[[[1]], [0]]]},
    ],
)
def test_from_dict_refuses_malformed_dicts(data):
    with pytest.raises(rg.FormatError):
        Network.from_dict(data)


# ------------------------------------------------------------------------------------ forward (hand values)
def test_forward_on_the_hand_network(hand_net):
    # F(x) = relu(x) + relu(x - 1)
    X = ["-1", "1/2", "7/10", "2", "3"]
    expected = [Fraction(0), Fraction(1, 2), Fraction(7, 10), Fraction(3), Fraction(5)]
    out = rg.forward(hand_net, X)
    assert out.shape == (5, 1)
    assert [v for v in out[:, 0]] == expected
    assert all(isinstance(v, Fraction) for v in out[:, 0])
    np.testing.assert_allclose(rg.forward(hand_net, X, method="float")[:, 0], [float(v) for v in expected])


def test_forward_refuses_wrong_input_width(hand_net):
    with pytest.raises(rg.ShapeError):
        rg.forward(hand_net, [[1, 2]])
    with pytest.raises(rg.ShapeError):
        rg.forward(hand_net, [])
    two_in = Network.random_integer((2, 2, 1))
    with pytest.raises(rg.ShapeError):
        rg.forward(two_in, [1, 2])  # a flat list is one sample per entry: only for n0 = 1


def test_float_forward_overflow_is_an_error_not_inf():
    # parameters and inputs fit in float64, but the second layer overflows: 1e300 * 1e300
    net = Network.from_layers([([[10**300]], [0]), ([[10**300]], [0])])
    with pytest.raises(rg.FloatRangeError, match="layer 1"):
        rg.forward(net, [[1]], method="float")
    assert rg.forward(net, [[1]])[0, 0] == 10**600  # the exact path has no range limit
