"""State dicts ↔ networks: exact reading of float arrays, layer order, every refusal, exact writing."""

from __future__ import annotations

from collections import OrderedDict
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import relugeom as rg
from relugeom.core.network import Network
from relugeom.io.state_dict import (
    exact_float_array,
    natural_key,
    network_from_state_dict,
    sequential_names,
    state_dict_from_network,
)
from relugeom.numbers import round_to_format


def _state(widths, dtype=np.float32, seed=0, prefix=lambda k: str(2 * k)):
    rng = np.random.default_rng(seed)
    state = OrderedDict()
    for k, (i, o) in enumerate(zip(widths[:-1], widths[1:])):
        state[f"{prefix(k)}.weight"] = rng.normal(size=(o, i)).astype(dtype)
        state[f"{prefix(k)}.bias"] = rng.normal(size=o).astype(dtype)
    return state


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_float_arrays_enter_at_their_exact_binary_value(dtype):
    state = _state((3, 4, 2), dtype)
    net = network_from_state_dict(state)
    assert net.widths == (3, 4, 2)
    W0, b0 = net.layers()[0]
    assert W0[1][2] == Fraction(float(state["0.weight"][1, 2]))  # float16/32 widen to float64 exactly
    assert b0[3] == Fraction(float(state["0.bias"][3]))
    # the forward pass equals numpy's float64 forward on the same (widened) arrays, bit for bit
    X = np.random.default_rng(1).normal(size=(5, 3))
    A = np.maximum(X @ state["0.weight"].astype(np.float64).T + state["0.bias"].astype(np.float64), 0)
    Y = A @ state["2.weight"].astype(np.float64).T + state["2.bias"].astype(np.float64)
    assert np.array_equal(rg.forward(net, X, method="float"), Y)


def test_given_order_is_kept_and_natural_order_sorts_numbers_as_numbers():
    widths = tuple(range(2, 14))  # 11 layers: prefixes 0, 2, …, 20 ("10" < "2" as text)
    state = _state(widths, np.float64)
    shuffled = OrderedDict(sorted(state.items()))  # text order: 0, 10, 12, …, 2, 20, 4, …
    assert list(shuffled)[2] == "10.bias"
    with pytest.raises(rg.ShapeError, match="must chain"):
        network_from_state_dict(shuffled)
    assert network_from_state_dict(shuffled, order="natural") == network_from_state_dict(state)
    assert network_from_state_dict(state).widths == widths


def test_natural_key():
    names = ["layer10", "layer2", "fc", "layer1.sub3", "layer1.sub20"]
    assert sorted(names, key=natural_key) == ["fc", "layer1.sub3", "layer1.sub20", "layer2", "layer10"]


def test_a_bare_linear_state_dict_has_no_prefix():
    net = network_from_state_dict({"weight": np.array([[2.0, -1.0]]), "bias": np.array([0.5])})
    assert net.widths == (2, 1) and net.parameters() == (2, -1, Fraction(1, 2))


@pytest.mark.parametrize(
    "state, error, words",
    [
        (
            {"0.weight": np.ones((2, 1)), "0.bias": np.zeros(2), "1.running_mean": np.zeros(2)},
            rg.UnsupportedModelError,
            ["1.running_mean", "BatchNorm"],
        ),
        (
            {"0.weight": np.ones((2, 1, 3, 3)), "0.bias": np.zeros(2)},
            rg.UnsupportedModelError,
            ["0.weight", "convolution"],
        ),
        ({"0.weight": np.ones((2, 1))}, rg.UnsupportedModelError, ["no bias", "bias_free='zero'"]),
        ({"0.bias": np.zeros(2)}, rg.UnsupportedModelError, ["0.bias", "0.weight"]),
        ({}, rg.UnsupportedModelError, ["no tensors"]),
        (
            {"0.weight": np.ones((2, 1)), "0.bias": np.zeros(2), "2.weight": np.ones((1, 3)), "2.bias": np.zeros(1)},
            rg.ShapeError,
            ["'2.weight' takes 3 inputs", "'0.weight' gives 2"],
        ),
        ({"0.weight": np.ones((2, 1)), "0.bias": np.zeros(3)}, rg.ShapeError, []),
        ({"0.weight": np.array([[np.inf]]), "0.bias": np.zeros(1)}, rg.NotExactError, ["0.weight"]),
    ],
)
def test_refusals_name_the_key_and_say_what_to_do(state, error, words):
    with pytest.raises(error) as info:
        network_from_state_dict(state)
    for word in words:
        assert word in str(info.value)


def test_bias_free_zero_reads_a_missing_bias_as_zero():
    state = OrderedDict([("0.weight", np.ones((2, 1))), ("2.weight", np.array([[1.0, 2.0]])), ("2.bias", np.ones(1))])
    net = network_from_state_dict(state, bias_free="zero")
    assert net.biases[0] == (0, 0) and net.biases[1] == (1,)


def test_writing_names_and_values():
    net = Network.random_he((3, 5, 4, 2), seed=3)  # float64 weights: exact in float64
    state = state_dict_from_network(net)
    assert list(state) == [n for pair in sequential_names(3) for n in pair]
    assert network_from_state_dict(state) == net
    with pytest.raises(rg.NotExactError, match="not a float32 number"):
        state_dict_from_network(net, "float32")


@settings(max_examples=40)
@given(st.integers(0, 10**6), st.sampled_from(["float32", "float16", "bfloat16"]))
def test_nearest_rounding_writes_each_parameter_rounded_once(seed, fmt):
    net = Network.random_rational((2, 3, 1), seed=seed)
    state = state_dict_from_network(net, fmt, rounding="nearest")
    got = [Fraction(float(v)) for name in state for v in np.ravel(state[name])]
    W, b = net.layers()[0]
    expected_first = [round_to_format(q, fmt) for row in W for q in row]
    assert got[: len(expected_first)] == expected_first


def test_exact_float_array_messages_and_choices():
    with pytest.raises(rg.NotExactError, match=r"layer 0 weight\[0, 1\] = 1/3 is not a float16"):
        exact_float_array([[1, Fraction(1, 3)]], "float16", where="layer 0 weight")
    with pytest.raises(rg.FloatRangeError):
        exact_float_array([70000], "float16")
    with pytest.raises(rg.RelugeomError, match="unknown float format"):
        exact_float_array([1], "float8")
    assert exact_float_array([Fraction(1, 3)], "bfloat16", rounding="nearest").dtype == np.float32
