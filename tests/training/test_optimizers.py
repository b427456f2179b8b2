"""The optimizers (relugeom.training.optimizers) against hand-unrolled recursions, and the one registry.

* SGD with momentum: k steps of ``update`` equal the closed form θ_k = θ_0 − η Σ_t (Σ_{s<=t} μ^{t−s} g_s),
  in exact rationals, and ``train`` in exact arithmetic equals the recursion driven by ``loss_and_gradient``;
* Adam: three steps equal Kingma–Ba's Algorithm 1 computed in exact rationals up to the final square
  root, and ``train``'s float64 Adam equals, bit for bit, the textbook update written out with numpy;
* Path-SGD: the update is −η g / κ with κ of ``path_sgd_scale_array``, 0 where κ = 0, and the float
  underflow error names the step from the optimizer's own count;
* the registry: TrainConfig's defaults and checks come from it, and a new entry (sign-GD) trains with
  no other edit.
"""

from __future__ import annotations

import math
from fractions import Fraction as F

import numpy as np
import pytest

import relugeom as rg
from relugeom.measures.path_sgd import path_sgd_scale_array
from relugeom.training.datasets import Dataset, teacher_task
from relugeom.training.loop import TrainConfig, loss_and_gradient, train
from relugeom.training.optimizers import (
    OPTIMIZERS,
    Optimizer,
    OptimizerSpec,
    adam,
    apply_updates,
    gd,
    layer_views,
    path_sgd,
    sgd,
)


def _obj(values) -> np.ndarray:
    return np.array([F(v) for v in values], dtype=object)


def _run(opt: Optimizer, theta: np.ndarray, grads: list[np.ndarray]) -> np.ndarray:
    theta = theta.copy()
    state = opt.init(theta)
    for g in grads:
        updates, state = opt.update(g, state, theta)
        apply_updates(theta, updates)
    return theta


def _exact_data(n: int = 4) -> Dataset:
    rng = np.random.default_rng(7)
    X = rng.integers(-4, 5, (n, 2)) / 4
    Y = rng.integers(-3, 4, (n, 1)) / 2
    return Dataset("toy", X, Y, X[:0], Y[:0], "regression")


def _exact_arrays(data: Dataset):
    X = np.vectorize(F, otypes=[object])(np.asarray(data.X_train, dtype=object))
    Y = np.vectorize(F, otypes=[object])(np.asarray(data.y_train, dtype=object))
    return X, Y


def _flat(grads) -> np.ndarray:
    return np.concatenate([np.concatenate([dW.ravel(), db.ravel()]) for dW, db in grads])


# ------------------------------------------------------------------------------------------ SGD, GD
def test_sgd_momentum_equals_the_unrolled_recursion():
    eta, mu = F(1, 10), F(2, 3)
    theta0 = _obj([1, -2, F(1, 3)])
    gs = [_obj([1, 0, 2]), _obj([F(1, 2), -1, 0]), _obj([-3, 1, F(5, 7)]), _obj([2, 2, -1])]
    # v_t = Σ_{s<=t} μ^{t−s} g_s, θ_k = θ_0 − η Σ_t v_t
    expected = list(theta0)
    for t in range(len(gs)):
        for i in range(3):
            expected[i] -= eta * sum(mu ** (t - s) * gs[s][i] for s in range(t + 1))
    got = _run(sgd(eta, mu), theta0, gs)
    assert list(got) == expected and all(isinstance(v, F) for v in got)
    # no momentum: plain gradient steps, the same as gd
    plain = [theta0[i] - eta * sum(g[i] for g in gs) for i in range(3)]
    assert list(_run(sgd(eta, 0), theta0, gs)) == plain == list(_run(gd(eta), theta0, gs))


def test_exact_training_with_momentum_is_the_recursion_on_the_loss_gradient():
    data = _exact_data()
    net = rg.Network.random_rational((2, 3, 1), 5, 4, seed=2)
    cfg = TrainConfig(optimizer="sgd", lr="1/8", momentum="1/2", batch_size=4, epochs=3, arithmetic="exact")
    result = train(net, data, cfg)
    X, Y = _exact_arrays(data)
    theta, v = np.array(net.parameters(), dtype=object), None
    for _ in range(3):
        _, grads = loss_and_gradient(layer_views(theta, net.widths), X, Y)
        g = _flat(grads)
        v = g if v is None else F(1, 2) * v + g
        theta = theta - F(1, 8) * v
    assert result.final.parameters() == tuple(theta)


# ------------------------------------------------------------------------------------------ Adam
def test_adam_equals_kingma_ba_algorithm_1():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    theta0 = np.array([0.5, -1.0, 2.0])
    gs = [np.array([0.25, -2.0, 0.0]), np.array([1.0, 0.5, -0.125]), np.array([-0.75, 4.0, 0.5])]
    got = _run(adam(lr, b1, b2, eps), theta0, gs)
    # Algorithm 1 of Kingma & Ba (2015), moments in exact rationals; only √ and the last step in floats
    B1, B2 = F(b1), F(b2)
    expected = []
    for i in range(3):
        m = v = F(0)
        x = theta0[i]
        for t, g in enumerate(gs, start=1):
            gi = F(g[i])
            m = B1 * m + (1 - B1) * gi
            v = B2 * v + (1 - B2) * gi * gi
            m_hat, v_hat = m / (1 - B1**t), v / (1 - B2**t)
            x = x - lr * float(m_hat) / (math.sqrt(v_hat) + eps)
        expected.append(x)
    assert got == pytest.approx(expected, rel=1e-13, abs=1e-15)
    # step 1 is −η g / (|g| + ε): about −η·sign(g)
    first = adam(lr).update(gs[0], adam(lr).init(theta0), theta0)[0]
    assert first == pytest.approx([-lr, lr, 0.0], rel=1e-6)


def test_train_adam_is_the_textbook_update_bit_for_bit():
    data = teacher_task((2, 3, 1), n_train=10, n_test=0, seed=1)
    net = rg.Network.random_he((2, 5, 1), seed=3)
    cfg = TrainConfig(optimizer="adam", lr=0.01, batch_size=10, epochs=5, betas=(0.8, 0.99), eps=1e-6)
    result = train(net, data, cfg)
    theta = np.array([float(v) for v in net.parameters()])
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    for t in range(1, 6):
        _, grads = loss_and_gradient(layer_views(theta, net.widths), data.X_train, data.y_train)
        g = _flat(grads)
        m = 0.8 * m + (1 - 0.8) * g
        v = 0.99 * v + (1 - 0.99) * g * g
        theta = theta - 0.01 * (m / (1 - 0.8**t)) / (np.sqrt(v / (1 - 0.99**t)) + 1e-6)
    assert np.array_equal([float(x) for x in result.final.parameters()], theta)


# ------------------------------------------------------------------------------------------ Path-SGD
def test_path_sgd_update_divides_by_kappa_and_skips_dead_edges():
    widths = (2, 2, 1)
    # hidden neuron 1 has zero in- and out-weights and bias: κ = 0 on its edges
    theta = _obj([1, 2, 0, 0, F(1, 2), 0, 3, 0, 1])
    g = _obj([1, -1, 0, 0, 2, 0, 5, 0, 3])
    kappa = path_sgd_scale_array(layer_views(theta, widths))
    assert [k == 0 for k in kappa] == [False, False, True, True, False, True, False, True, False]
    updates, count = path_sgd(F(1, 10), widths).update(g, 0, theta)
    assert count == 1
    assert list(updates) == [0 if k == 0 else -F(1, 10) * gi / k for gi, k in zip(g, kappa)]


def test_path_sgd_underflow_names_the_optimizers_step():
    widths = (1, 1, 1)
    theta = np.array([1e-200, 1e-200, 1e-200, 0.0])
    opt = path_sgd(0.1, widths)
    with pytest.raises(FloatingPointError, match="at step 7: κ underflowed to 0 in float64 for 3 parameters"):
        opt.update(np.array([1.0, 1.0, 1.0, 1.0]), 7, theta)


# ------------------------------------------------------------------------------------------ the registry
def test_train_config_reads_its_defaults_and_checks_from_the_registry():
    assert list(OPTIMIZERS) == ["gd", "sgd", "adam", "path-sgd"]
    for name, spec in OPTIMIZERS.items():
        cfg = TrainConfig(optimizer=name)
        assert cfg.batch_size == spec.batch_size
        assert cfg.momentum == (0.0 if spec.momentum is None else float(spec.momentum))
        if spec.not_rational is None:
            assert TrainConfig(optimizer=name, arithmetic="exact").momentum == (spec.momentum or 0)
        else:
            with pytest.raises(ValueError, match="not rational"):
                TrainConfig(optimizer=name, arithmetic="exact")
    with pytest.raises(ValueError, match="full-batch gradient descent"):
        TrainConfig(optimizer="gd", batch_size=3)
    with pytest.raises(ValueError, match="momentum applies to optimizer='sgd' only, not 'adam'"):
        TrainConfig(optimizer="adam", momentum=0.5)


def sign_gd(lr) -> Optimizer:
    """θ ← θ − η sign(g): a new optimizer in four lines."""
    return Optimizer(lambda params: None, lambda grads, state, params: (-(lr * np.sign(grads)), None))


def test_a_new_registry_entry_trains_with_no_other_edit(monkeypatch):
    monkeypatch.setitem(OPTIMIZERS, "sign-gd", OptimizerSpec(lambda config, widths: sign_gd(config.lr)))
    with pytest.raises(ValueError, match="one of gd, sgd, adam, path-sgd, sign-gd, got 'rmsprop'"):
        TrainConfig(optimizer="rmsprop")
    data = _exact_data()
    net = rg.Network.random_rational((2, 3, 1), 5, 4, seed=4)
    cfg = TrainConfig(optimizer="sign-gd", lr="1/16", epochs=3, checkpoints=(1, 2, 3), arithmetic="exact")
    assert cfg.batch_size is None and cfg.momentum == 0
    result = train(net, data, cfg)
    X, Y = _exact_arrays(data)
    theta = np.array(net.parameters(), dtype=object)
    for _ in range(3):
        _, grads = loss_and_gradient(layer_views(theta, net.widths), X, Y)
        theta = theta - F(1, 16) * np.sign(_flat(grads))
    assert result.final.parameters() == tuple(theta)
    assert [r.step for r in result.history] == [0, 1, 2, 3]
    assert result.history[-1].loss < result.history[0].loss
    # an entry that is not rational is refused in exact arithmetic, and the message says why
    monkeypatch.setitem(
        OPTIMIZERS, "rms", OptimizerSpec(lambda config, widths: sign_gd(config.lr), not_rational="RMSProp's root")
    )
    with pytest.raises(ValueError, match="runs gd, sgd, path-sgd and sign-gd .* RMSProp's root and the cross"):
        TrainConfig(optimizer="rms", arithmetic="exact")
