"""Kernel vectors known from theory (relugeom.dimension.kernels): each really is one, checked in exact arithmetic."""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import relugeom as rg
from relugeom.dimension.jacobian import ExactJacobian
from relugeom.dimension.kernels import JacobianSource, affine_left_kernel, incoming_null_vectors, rescaling_vectors

CASES = [((2, 3, 1), 1, 6), ((3, 4, 3, 2), 2, 5), ((1, 2, 2, 2, 1), 3, 7), ((2, 5, 2), 4, 12)]


def _exact(net, X):
    jac = ExactJacobian(net, X)
    return jac, sympy.Matrix(jac.fractions().tolist())


@pytest.mark.parametrize("widths, seed, n", CASES)
def test_rescaling_vectors_are_kernel_vectors(widths, seed, n, draw_batch):
    net = rg.Network.random_rational(widths, seed=seed)
    X = draw_batch(net, n, np.random.default_rng(seed))
    _, J = _exact(net, X)
    vecs = rescaling_vectors(net)
    assert len(vecs) == net.num_hidden
    for u in vecs:
        assert J * sympy.Matrix(u) == sympy.zeros(J.rows, 1)


def test_rescaling_vector_is_the_derivative_of_a_rescaling():
    # d/dt at t = 0 of (λ w_in, λ b, w_out / λ) with λ = e^t is (+w_in, +b, −w_out)
    net = rg.Network.from_layers([([[2, -3]], ["1/2"]), ([[5]], [1])])
    (u,) = rescaling_vectors(net)
    assert u == (4, -6, 1, -10, 0)  # 2 × (2, -3, 1/2, -5, 0)


@pytest.mark.parametrize("widths, seed, n", CASES)
def test_incoming_null_vectors_are_kernel_vectors(widths, seed, n, draw_batch):
    net = rg.Network.random_rational(widths, seed=seed)
    X = draw_batch(net, n, np.random.default_rng(seed))
    jac, J = _exact(net, X)
    for u in incoming_null_vectors(jac):
        assert J * sympy.Matrix(u) == sympy.zeros(J.rows, 1)


def test_a_neuron_active_on_one_sample_gives_incoming_null_vectors():
    # neuron 0 is active only on x = (3, 0): its 3 incoming columns (2 weights, bias) have rank 1
    net = rg.Network.from_layers([([[1, 0], [0, 1]], [-2, 5]), ([[1, 1]], [0])])
    X = [[3, 0], [1, 1], [0, 2]]
    jac, J = _exact(net, X)
    vecs = incoming_null_vectors(jac)
    on_neuron0 = [u for u in vecs if any(u[c] for c in (0, 1, 4))]
    assert len(on_neuron0) == 2  # 3 columns − rank 1
    for u in vecs:
        assert J * sympy.Matrix(u) == sympy.zeros(J.rows, 1)


def test_dead_neuron_columns_are_unit_null_vectors():
    net = rg.Network.from_layers([([[1], [1]], [0, -10]), ([[1, 1]], [0])])
    jac = ExactJacobian(net, [1, 2, 3])  # neuron 1 is dead: pre-activations -9, -8, -7
    vecs = set(incoming_null_vectors(jac))
    unit = lambda c: tuple(int(i == c) for i in range(net.num_params))  # noqa: E731
    assert {unit(1), unit(3)} <= vecs  # W0[1, 0] and b0[1]
    assert unit(5) in vecs  # W1[0, 1]: its layer input a_1[1] is zero on every sample


@pytest.mark.parametrize("widths, seed, n", CASES)
def test_affine_left_kernel_vectors_are_left_kernel_vectors(widths, seed, n, draw_batch):
    net = rg.Network.random_rational(widths, seed=seed)
    X = draw_batch(net, n, np.random.default_rng(seed))
    jac, J = _exact(net, X)
    for y in affine_left_kernel(jac):
        assert sympy.Matrix([y]) * J == sympy.zeros(1, J.cols)


def test_affine_left_kernel_has_the_dimension_of_the_per_pattern_deficit(hand_net):
    # samples 2, 3, 4, 5 share one pattern in R^1: 4 − rank[x, 1] = 4 − 2 = 2 dependencies
    jac = ExactJacobian(hand_net, [2, 3, 4, 5])
    vecs = affine_left_kernel(jac)
    assert sympy.Matrix(vecs).rank() == 2
    # collinear points in R^2 of one pattern: 3 − rank[x, 1] = 3 − 2 = 1
    net = rg.Network.from_layers([([[1, 1]], [0]), ([[1]], [0])])
    assert len(affine_left_kernel(ExactJacobian(net, [[1, 1], [2, 2], [3, 3]]))) == 1


@settings(max_examples=25)
@given(seed=st.integers(0, 10**6), n_dead=st.integers(2, 6), n_live=st.integers(0, 4))
def test_left_kernel_past_a_dead_first_layer_is_exact_and_as_large_as_the_equal_rows(seed, n_dead, n_live):
    """Inputs in the negative quadrant kill every first-layer neuron (nonnegative weights, zero biases):
    their rows are equal whatever x, so n_L (n_dead − 1) dependencies; every vector is checked by sympy."""
    rng = np.random.default_rng(seed)
    W0 = rng.integers(0, 4, (3, 2)).tolist()
    net = rg.Network.from_layers(
        [(W0, [0, 0, 0]), (rng.integers(-3, 4, (2, 3)).tolist(), rng.integers(-3, 4, 2).tolist())]
    )
    dead = [[-int(rng.integers(1, 9)), -int(rng.integers(1, 9))] for _ in range(n_dead)]
    X = dead + [[int(rng.integers(1, 9)), int(rng.integers(1, 9))] for _ in range(n_live)]
    assume(all(any(row) for row in W0))  # else a live sample can be degenerate
    jac, J = _exact(net, X)
    vecs = affine_left_kernel(jac)
    assert all(sympy.Matrix([y]) * J == sympy.zeros(1, J.cols) for y in vecs)
    dead_part = [y for y in vecs if not any(y[2 * n_dead :])]
    assert sympy.Matrix(dead_part).rank() == 2 * (n_dead - 1)


@pytest.mark.parametrize("widths, n, side", [((4, 16, 16, 2), 200, "right"), ((2, 8, 8, 1), 10, "left")])
def test_structural_kernels_certify_he_networks_without_computation(widths, n, side):
    net = rg.Network.random_he(widths, seed=1)
    X = np.random.default_rng(1).normal(size=(n, widths[0]))
    res = rg.rank(JacobianSource(ExactJacobian(net, X)), "exact", seed=0)
    assert res.certificate.side in (side, "full")
    assert "computed" not in res.certificate.kind
    assert res.rank == rg.rank(JacobianSource(ExactJacobian(net, X)), "modular", seed=5).rank
