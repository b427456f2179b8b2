"""Activation patterns, degeneracy detection and pattern statistics (SPEC §2).

Oracles: hand-computed patterns, and an independent naive forward pass in Fractions (tests/helpers.py).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from helpers import naive_pre_activations
from hypothesis import given, settings
from hypothesis import strategies as st

import relugeom as rg
from relugeom.core.network import Network
from relugeom.core.patterns import pattern_statistics

F = Fraction


# ------------------------------------------------------------------------------------ hand values
def test_hand_example_patterns(hand_net):
    # neuron 0 is relu(x) (active iff x > 0), neuron 1 is relu(x - 1) (active iff x > 1)
    P = rg.activation_patterns(hand_net, ["-1", "-1/2", "1/2", "7/10", "2", "3"])
    assert P.dtype == bool
    assert P.astype(int).tolist() == [[0, 0], [0, 0], [1, 0], [1, 0], [1, 1], [1, 1]]


def test_two_inputs_two_hidden_layers_by_hand():
    # z0 = (x1 - x2, x1 + x2 - 1); a1 = relu(z0); z1 = (a1_0 - a1_1 + 1/2)
    net = Network.from_layers([([[1, -1], [1, 1]], [0, -1]), ([[1, -1]], ["1/2"]), ([[1]], [0])])
    X = [[2, 0], [0, 2], [3, 3], [1, "-1/2"]]
    # [2,0]: z0 = (2, 1) -> a = (2,1), z1 = 3/2   -> 1 1 1
    # [0,2]: z0 = (-2, 1) -> a = (0,1), z1 = -1/2 -> 0 1 0
    # [3,3]: z0 = (0, 5)  degenerate! use [3, 5/2] below instead
    X[2] = [3, "5/2"]  # z0 = (1/2, 9/2) -> a = (1/2, 9/2), z1 = -7/2 -> 1 1 0
    # [1,-1/2]: z0 = (3/2, -1/2) -> a = (3/2, 0), z1 = 2 -> 1 0 1
    assert rg.activation_patterns(net, X).astype(int).tolist() == [[1, 1, 1], [0, 1, 0], [1, 1, 0], [1, 0, 1]]


# ------------------------------------------------------------------------------------ degeneracy
# widths (1, 2, 2, 1): z0 = (x, x + 1); z1 = (a0 + 1, 2 a0 - a1 - 1)
DEEP = Network.from_layers([([[1], [1]], [0, 1]), ([[1, 0], [2, -1]], [1, -1]), ([[1, 1]], [0])])


def test_degenerate_point_in_second_hidden_layer_of_sample_2():
    # x = -3: z0 = (-3, -2), a = (0, 0), z1 = (1, -1)        fine
    # x =  5: z0 = (5, 6),   a = (5, 6), z1 = (6, 3)         fine
    # x =  2: z0 = (2, 3),   a = (2, 3), z1 = (3, 0)         zero at layer 1, neuron 1
    # x =  0: z0 = (0, 1)                                    zero at layer 0, neuron 0 (a later sample)
    with pytest.raises(rg.DegeneratePointError) as info:
        rg.activation_patterns(DEEP, [-3, 5, 2, 0])
    err = info.value
    assert (err.sample, err.layer, err.neuron) == (2, 1, 1)
    assert "sample 2" in str(err) and "hidden layer 1" in str(err) and "neuron 1" in str(err)
    assert "at_zero" in str(err)  # the message says what to do
    assert isinstance(err, rg.RelugeomError)


def test_degenerate_point_in_first_layer_of_a_later_sample():
    with pytest.raises(rg.DegeneratePointError) as info:
        rg.activation_patterns(DEEP, [-3, 5, "-1/2", 0])
    assert (info.value.sample, info.value.layer, info.value.neuron) == (3, 0, 0)


def test_first_zero_neuron_is_named():
    net = Network.from_layers([([[1], [2], [-1]], [1, 0, 0]), ([[1, 1, 1]], [0])])
    with pytest.raises(rg.DegeneratePointError) as info:
        rg.activation_patterns(net, [1, 0])  # x = 0: neurons 1 and 2 are both zero
    assert (info.value.sample, info.value.layer, info.value.neuron) == (1, 0, 1)


def test_degeneracy_reaches_the_jacobian_and_the_dimension():
    for call in (
        lambda: rg.jacobian(DEEP, [-3, 5, 2]),
        lambda: rg.jacobian(DEEP, [-3, 5, 2], method="float"),
        lambda: rg.batch_functional_dimension(DEEP, [-3, 5, 2]),
    ):
        with pytest.raises(rg.DegeneratePointError) as info:
            call()
        assert (info.value.sample, info.value.layer, info.value.neuron) == (2, 1, 1)


def test_at_zero_conventions():
    act = rg.activation_patterns(DEEP, [-3, 5, 2], at_zero="active").astype(int).tolist()
    ina = rg.activation_patterns(DEEP, [-3, 5, 2], at_zero="inactive").astype(int).tolist()
    assert act == [[0, 0, 1, 0], [1, 1, 1, 1], [1, 1, 1, 1]]
    assert ina == [[0, 0, 1, 0], [1, 1, 1, 1], [1, 1, 1, 0]]


def test_at_zero_on_the_hand_example(hand_net):
    # x = 1 is the kink of neuron 1 (z = x - 1 = 0); x = 0 the kink of neuron 0
    assert rg.activation_patterns(hand_net, [1], at_zero="active").astype(int).tolist() == [[1, 1]]
    assert rg.activation_patterns(hand_net, [1], at_zero="inactive").astype(int).tolist() == [[1, 0]]
    assert rg.activation_patterns(hand_net, [0], at_zero="active").astype(int).tolist() == [[1, 0]]
    assert rg.activation_patterns(hand_net, [0], at_zero="inactive").astype(int).tolist() == [[0, 0]]


def test_invalid_at_zero_is_refused(hand_net):
    with pytest.raises(ValueError):
        rg.activation_patterns(hand_net, [2], at_zero="half")


def test_output_pre_activations_are_never_degenerate():
    net = Network.from_layers([([[1]], [1]), ([[1]], [-2])])  # output z = relu(x + 1) - 2, zero at x = 1
    assert rg.activation_patterns(net, [1]).astype(int).tolist() == [[1]]
    assert rg.forward(net, [1])[0, 0] == 0


def test_float_signs_can_differ_from_exact_signs():
    # z = x - 1/3 with x = 1/3 + 10^-30: exactly positive, but 0.0 in float64 (x rounds to float(1/3))
    net = Network.from_layers([([[1]], [F(-1, 3)]), ([[1]], [0])])
    x = F(1, 3) + F(1, 10**30)
    assert rg.activation_patterns(net, [x]).tolist() == [[True]]
    assert rg.activation_patterns(net, [x], at_zero="inactive").tolist() == [[True]]
    assert rg.activation_patterns(net, [x], method="float", at_zero="inactive").tolist() == [[False]]
    assert rg.activation_patterns(net, [x], method="float", at_zero="active").tolist() == [[True]]


# ------------------------------------------------------------------------------------ laws
nets = st.builds(
    lambda n0, hidden, nL, seed: Network.random_integer((n0, *hidden, nL), low=-2, high=2, seed=seed),
    st.integers(1, 3),
    st.lists(st.integers(1, 3), min_size=1, max_size=3),
    st.integers(1, 2),
    st.integers(0, 2**32 - 1),
)


@settings(max_examples=60)
@given(nets, st.data())
def test_patterns_and_degeneracy_match_a_naive_forward_pass(net, data):
    n = data.draw(st.integers(1, 5))
    X = data.draw(
        st.lists(st.lists(st.integers(-3, 3), min_size=net.input_dim, max_size=net.input_dim), min_size=n, max_size=n)
    )
    zs = [naive_pre_activations(net, x)[:-1] for x in X]  # the hidden layers
    zeros = [(s, k, i) for s, z in enumerate(zs) for k, layer in enumerate(z) for i, v in enumerate(layer) if v == 0]
    expected_active = [[v > 0 for layer in z for v in layer] for z in zs]
    expected_zero = [[v == 0 for layer in z for v in layer] for z in zs]
    if zeros:
        with pytest.raises(rg.DegeneratePointError) as info:
            rg.activation_patterns(net, X)
        assert (info.value.sample, info.value.layer, info.value.neuron) == zeros[0]  # lexicographic first
    else:
        assert rg.activation_patterns(net, X).tolist() == expected_active
    act = rg.activation_patterns(net, X, at_zero="active")
    ina = rg.activation_patterns(net, X, at_zero="inactive")
    assert ina.tolist() == expected_active
    assert (act ^ ina).tolist() == expected_zero  # they differ exactly at the zeros, nowhere downstream
    assert act.shape == (n, net.num_hidden)


# ------------------------------------------------------------------------------------ statistics
def test_pattern_statistics_on_the_hand_example(hand_net):
    P = rg.activation_patterns(hand_net, ["-1", "-1/2", "1/2", "7/10", "2", "3"])
    st_ = pattern_statistics(P, hand_net.hidden_widths)
    assert st_.patterns == ((0, 0), (1, 0), (1, 1))
    assert st_.counts == (2, 2, 2)
    assert st_.sample_pattern == (0, 0, 1, 1, 2, 2)
    assert st_.dead_neurons == ()
    assert st_.num_patterns == 3


@pytest.mark.parametrize(
    "X, patterns, counts, dead",
    [
        (["-3", "-2", "-1"], ((0, 0),), (3,), ((0, 0), (0, 1))),
        (["1/2", "7/10"], ((1, 0),), (2,), ((0, 1),)),
        (["2", "1/2", "3", "-1"], ((1, 1), (1, 0), (0, 0)), (2, 1, 1), ()),
    ],
)
def test_pattern_statistics_dead_neurons(hand_net, X, patterns, counts, dead):
    P = rg.activation_patterns(hand_net, X)
    stats = pattern_statistics(P, hand_net.hidden_widths)
    assert (stats.patterns, stats.counts, stats.dead_neurons) == (patterns, counts, dead)


def test_pattern_statistics_dead_neurons_in_deeper_layers():
    P = np.array([[1, 0, 0, 1, 0], [1, 0, 1, 1, 0], [1, 0, 0, 1, 0]], dtype=bool)
    stats = pattern_statistics(P, (2, 3))
    assert stats.dead_neurons == ((0, 1), (1, 2))
    assert stats.patterns == ((1, 0, 0, 1, 0), (1, 0, 1, 1, 0))
    assert stats.counts == (2, 1) and stats.sample_pattern == (0, 1, 0)


@settings(max_examples=50)
@given(st.integers(0, 6), st.lists(st.integers(1, 3), min_size=1, max_size=3), st.data())
def test_pattern_statistics_laws(n, widths, data):
    H = sum(widths)
    P = np.array(
        data.draw(st.lists(st.lists(st.booleans(), min_size=H, max_size=H), min_size=n, max_size=n)), dtype=bool
    ).reshape(n, H)
    stats = pattern_statistics(P, widths)
    assert sum(stats.counts) == n
    assert len(set(stats.patterns)) == len(stats.patterns)
    for s in range(n):
        assert stats.patterns[stats.sample_pattern[s]] == tuple(int(v) for v in P[s])
    # first-appearance order
    firsts = [stats.sample_pattern.index(i) for i in range(stats.num_patterns)]
    assert firsts == sorted(firsts)
    assert stats.sample_pattern[:1] in ((), (0,))
    flat_index = [(k, i) for k, w in enumerate(widths) for i in range(w)]
    assert stats.dead_neurons == tuple(flat_index[c] for c in range(H) if not P[:, c].any())
