"""Path-SGD (SPEC §8): κ against explicit path enumeration, and exact rescaling-equivariance of the step.

The gradients are exact: ∇ ½‖F_θ(X) − Y‖² = Jᵀ(F − Y) with the exact Jacobian of θ ↦ F_θ(X).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import relugeom as rg
from relugeom.dimension.jacobian import squared_loss_gradient as loss_gradient
from relugeom.measures.path_sgd import flat_gradient, path_sgd_scales, path_sgd_step
from relugeom.symmetry import are_equivalent, random_symmetry, rescale_neurons


def kappa_by_enumeration(net: rg.Network, paths: list[list[int]]) -> list[Fraction]:
    """κ_e = Σ over the paths through edge e of Π of the other edges' squares."""
    theta = net.parameters()
    kappa = [Fraction(0)] * net.num_params
    for path in paths:
        for i in path:
            prod = Fraction(1)
            for j in path:
                if j != i:
                    prod *= theta[j] ** 2
            kappa[i] += prod
    return kappa


def squared_loss_gradient(net, X, Y) -> list[Fraction]:
    """Jᵀ(F − Y) as a list (the exact gradient of ½ Σ ‖F_θ(x) − y‖²)."""
    return list(loss_gradient(net, X, Y))


@pytest.mark.parametrize("widths", [(1, 1), (2, 3, 1), (1, 2, 2, 1), (2, 2, 3, 2)])
def test_kappa_equals_sum_over_paths_through_each_edge(widths, network_paths):
    for seed in range(3):
        net = rg.Network.random_rational(widths, 4, 3, seed=seed)
        want = kappa_by_enumeration(net, network_paths(net))
        assert list(path_sgd_scales(net)) == want
        assert path_sgd_scales(net, method="float") == pytest.approx([float(v) for v in want], rel=1e-12)


def test_chain_rule_of_a_rescaling_is_what_path_sgd_undoes():
    # the gradient at a rescaled θ is the rescaled gradient: incoming entries / λ, outgoing · λ
    net = rg.Network.from_layers([([[1], [-2]], [1, 1]), ([[1, 1]], [0])])
    X, Y = [[1], [Fraction(1, 3)]], [[2], [-1]]
    g = squared_loss_gradient(net, X, Y)
    scaled = rescale_neurons(net, 0, [3, Fraction(1, 2)])
    g2 = squared_loss_gradient(scaled, X, Y)
    lam = [3, Fraction(1, 2), 3, Fraction(1, 2), Fraction(1, 3), 2, 1]  # θ' = λ ⊙ θ in parameter order
    assert g2 == [gi / l for gi, l in zip(g, lam)]


@settings(max_examples=25)
@given(seed=st.integers(0, 100_000), widths=st.sampled_from([(1, 2, 1), (2, 3, 1), (2, 2, 2, 1), (1, 2, 2, 2)]))
def test_exact_path_sgd_iterates_stay_equivalent_under_symmetries(seed, widths, draw_batch):
    rng = np.random.default_rng(seed)
    net = rg.Network.random_rational(widths, 4, 3, seed=seed)
    assume(all(any(row) for W in net.weights for row in W))
    other = random_symmetry(net, seed=seed + 1)
    X = draw_batch(net, 3, rng)
    assume(X is not None)
    Y = [[Fraction(int(v)) for v in rng.integers(-3, 4, widths[-1])] for _ in range(3)]
    lr = Fraction(1, 20)
    a, b = net, other
    for _ in range(2):
        try:
            ga, gb = squared_loss_gradient(a, X, Y), squared_loss_gradient(b, X, Y)
        except rg.DegeneratePointError:
            assume(False)
        try:
            a, b = path_sgd_step(a, ga, lr), path_sgd_step(b, gb, lr)
        except ValueError as err:  # κ = 0 with g ≠ 0 cannot happen for a true gradient
            raise AssertionError(err)
        assert are_equivalent(a, b)
        assert (rg.forward(a, X) == rg.forward(b, X)).all()


def test_plain_sgd_is_not_rescaling_equivariant_but_path_sgd_is():
    net = rg.Network.from_layers([([[1], [-2]], [1, 1]), ([[1, 1]], [0])])
    scaled = rescale_neurons(net, 0, [3, Fraction(1, 2)])
    X, Y = [[1], [Fraction(1, 3)]], [[2], [-1]]
    g, g2 = squared_loss_gradient(net, X, Y), squared_loss_gradient(scaled, X, Y)
    lr = Fraction(1, 10)
    assert are_equivalent(path_sgd_step(net, g, lr), path_sgd_step(scaled, g2, lr))
    plain = rg.Network.from_parameters(net.widths, [w - lr * gi for w, gi in zip(net.parameters(), g)])
    plain2 = rg.Network.from_parameters(net.widths, [w - lr * gi for w, gi in zip(scaled.parameters(), g2)])
    assert not are_equivalent(plain, plain2)
    probe = [[Fraction(k, 3)] for k in range(-6, 7)]
    assert (rg.forward(plain, probe) != rg.forward(plain2, probe)).any()


def test_step_decreases_the_loss_on_a_small_problem():
    net = rg.Network.from_layers([([[1], [-1]], ["1/2", "1/2"]), ([[1, 1]], [0])])
    X, Y = [[1], [-1], [Fraction(1, 4)]], [[3], [2], [1]]

    def loss(n):
        return sum((f - y) ** 2 for f, y in zip(rg.forward(n, X)[:, 0], [y[0] for y in Y])) / 2

    new = path_sgd_step(net, squared_loss_gradient(net, X, Y), Fraction(1, 100))
    assert loss(new) < loss(net)


def test_zero_kappa_keeps_the_weight_and_refuses_a_nonzero_gradient():
    net = rg.Network.from_layers([([[1], [2]], [1, 1]), ([[0, 1]], [0])])  # neuron 0 has no way out
    kappa = path_sgd_scales(net)
    assert kappa[0] == kappa[2] == 0  # W0[0], b0[0]
    g = squared_loss_gradient(net, [[1]], [[5]])
    assert g[0] == g[2] == 0
    new = path_sgd_step(net, g, 1)
    assert new.parameters()[0] == 1 and new.parameters()[2] == 1
    bad = list(g)
    bad[0] = Fraction(1)
    with pytest.raises(ValueError, match="parameter 0 has κ = 0"):
        path_sgd_step(net, bad, 1)


def test_gradient_forms_and_errors():
    net = rg.Network.from_layers([([[1, 1]], [1]), ([[2]], [0])])
    flat = [1, 2, 3, 4, Fraction(1, 2)]
    pairs = [([[1, 2]], [3]), ([[4]], ["1/2"])]
    as_net = rg.Network.from_layers(pairs)
    assert (
        flat_gradient(net, flat)
        == flat_gradient(net, pairs)
        == flat_gradient(net, as_net)
        == flat_gradient(net, np.array([1.0, 2.0, 3.0, 4.0, 0.5]))
        == flat_gradient(net, np.array([[1.0], [2.0], [3.0], [4.0], [0.5]]))
    )
    assert path_sgd_step(net, flat, "1/4") == path_sgd_step(net, pairs, Fraction(1, 4))
    with pytest.raises(rg.ShapeError, match="N = 5"):
        path_sgd_step(net, [1, 2], 1)
    with pytest.raises(rg.ShapeError, match="gradient of layer 0"):
        path_sgd_step(net, [([[1]], [3]), ([[4]], [0])], 1)
    with pytest.raises(ValueError, match="positive"):
        path_sgd_step(net, flat, 0)
    with pytest.raises(rg.NotExactError):
        path_sgd_step(net, flat, float("inf"))


def test_float_step_matches_exact_step():
    net = rg.Network.random_rational((2, 3, 2), 4, 4, seed=3)
    g = [Fraction(int(v), 7) for v in np.random.default_rng(0).integers(-5, 6, net.num_params)]
    ex = path_sgd_step(net, g, Fraction(1, 8))
    fl = path_sgd_step(net, g, 0.125, method="float")
    assert [float(v) for v in fl.parameters()] == pytest.approx([float(v) for v in ex.parameters()], rel=1e-12)
