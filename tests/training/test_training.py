"""The trainer (relugeom.training.loop), its tracker and run directory, against independent computations.

* gradients: the trainer's back-propagation, run on exact Fractions, equals the exact central difference
  quotient of the loss computed with relugeom.core.forward (an independent exact forward pass). Within one
  activation region the squared loss is a polynomial of degree <= 2 in each single parameter, so the
  central difference (L(a+h) − L(a−h)) / 2h is its derivative *exactly*; the test checks that the
  patterns do not change at a ± h;
* Path-SGD: the trajectories from θ and from a rescaled, permuted θ are equivalent at every step —
  exactly in exact arithmetic (rational learning rate), and exactly also in float64 when the rescaling
  factors are powers of two (then every rounding is the same); plain GD breaks it;
* tracker: every recorded BFD equals batch_functional_dimension recomputed from the saved files.
"""

from __future__ import annotations

import json
import os
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import relugeom as rg
from relugeom.core.patterns import activation_patterns
from relugeom.plots.training import plot_history
from relugeom.symmetry import are_equivalent, permute_neurons, rescale_neurons
from relugeom.training.datasets import Dataset, teacher_task, two_moons
from relugeom.training.loop import TrainConfig, checkpoint_steps, loss_and_gradient, scaled_network, train
from relugeom.training.optimizers import layer_views
from relugeom.training.rows import CheckpointRow
from relugeom.training.run_directory import read_history, recheck_run, write_run
from relugeom.training.tracking import Tracker


def _object(A) -> np.ndarray:
    A = np.asarray(A, dtype=object)
    return np.vectorize(Fraction, otypes=[object])(A)


def _exact_loss(net: rg.Network, X, Y) -> Fraction:
    F = rg.forward(net, X)
    R = F - _object(Y)
    return sum((r * r for r in R.ravel()), Fraction(0)) / len(X)


def _regression(X, Y) -> Dataset:
    X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float).reshape(len(X), -1)
    return Dataset("toy", X, Y, X[:0], Y[:0], "regression")


# ------------------------------------------------------------------------------------------ gradients
@settings(max_examples=25)
@given(seed=st.integers(0, 10_000), shape=st.sampled_from([(2, 3, 1), (1, 2, 2, 1), (2, 3, 2, 2), (3, 2, 2)]))
def test_gradient_equals_exact_difference_quotients(seed, shape, rational_point):
    rng = np.random.default_rng(seed)
    net = rg.Network.random_rational(shape, 7, 5, seed=seed)
    X = [rational_point(rng, shape[0]) for _ in range(4)]
    try:
        P0 = activation_patterns(net, X)
    except rg.DegeneratePointError:
        return
    Y = [[Fraction(int(rng.integers(-5, 6)), int(rng.integers(1, 4))) for _ in range(shape[-1])] for _ in X]
    layers = layer_views(np.array(net.parameters(), dtype=object), net.widths)
    value, grads = loss_and_gradient(layers, _object(X), _object(Y), "squared")
    assert value == _exact_loss(net, X, Y)
    flat = [v for dW, db in grads for v in list(dW.ravel()) + list(db)]
    theta = list(net.parameters())
    h = Fraction(1, 10**6)
    for a in range(len(theta)):
        plus, minus = list(theta), list(theta)
        plus[a] += h
        minus[a] -= h
        up, down = rg.Network.from_parameters(shape, plus), rg.Network.from_parameters(shape, minus)
        if not ((activation_patterns(up, X) == P0).all() and (activation_patterns(down, X) == P0).all()):
            continue  # a ± h crosses a pattern boundary: the quotient is not the derivative there
        assert flat[a] == (_exact_loss(up, X, Y) - _exact_loss(down, X, Y)) / (2 * h)


def test_gradient_is_twice_the_mean_of_squared_loss_gradient(hand_net):
    """An independent formula: ∇ (1/n) Σ ‖F − y‖² = (2/n) Jᵀ(F − Y) (relugeom.dimension.jacobian)."""
    X, Y = [[Fraction(-1, 2)], [Fraction(3, 2)], [Fraction(2)]], [[1], [0], [Fraction(5, 3)]]
    layers = layer_views(np.array(hand_net.parameters(), dtype=object), hand_net.widths)
    _, grads = loss_and_gradient(layers, _object(X), _object(Y))
    flat = [v for dW, db in grads for v in list(dW.ravel()) + list(db)]
    expected = rg.jacobian(hand_net, X).T.dot((rg.forward(hand_net, X) - _object(Y)).ravel())
    assert flat == [Fraction(2, 3) * v for v in expected]


def test_float_gradient_is_the_exact_gradient_rounded():
    data = teacher_task((3, 4, 2), n_train=30, n_test=0, seed=3)
    net = rg.Network.random_he((3, 5, 4, 2), seed=2)
    float_layers = [(W.copy(), b.copy()) for W, b in net.float_layers()]
    _, g_float = loss_and_gradient(float_layers, data.X_train, data.y_train)
    exact_layers = layer_views(np.array(net.parameters(), dtype=object), net.widths)
    _, g_exact = loss_and_gradient(exact_layers, _object(data.X_train.tolist()), _object(data.y_train.tolist()))
    for (dWf, dbf), (dWe, dbe) in zip(g_float, g_exact):
        exact = np.concatenate([dWe.ravel(), dbe]).astype(float)
        got = np.concatenate([dWf.ravel(), dbf])
        assert np.allclose(got, exact, rtol=1e-10, atol=1e-12 * np.abs(exact).max())


def test_cross_entropy_gradient_matches_central_differences():
    data = two_moons(20, 0, seed=1)
    net = rg.Network.random_he((2, 6, 2), seed=0)
    layers = [(W.copy(), b.copy()) for W, b in net.float_layers()]
    value, grads = loss_and_gradient(layers, data.X_train, data.y_train, "cross-entropy")
    F = data.X_train @ layers[0][0].T + layers[0][1]
    F = np.maximum(F, 0) @ layers[1][0].T + layers[1][1]
    direct = np.mean(np.log(np.exp(F).sum(axis=1)) - F[np.arange(20), data.y_train])
    assert value == pytest.approx(direct, rel=1e-12)
    h = 1e-6
    for k, (W, b) in enumerate(layers):
        for arr, g in ((W, grads[k][0]), (b, grads[k][1])):
            flat, gflat = arr.reshape(-1), g.reshape(-1)
            for i in range(flat.size):
                old = flat[i]
                flat[i] = old + h
                up = loss_and_gradient(layers, data.X_train, data.y_train, "cross-entropy")[0]
                flat[i] = old - h
                down = loss_and_gradient(layers, data.X_train, data.y_train, "cross-entropy")[0]
                flat[i] = old
                assert gflat[i] == pytest.approx((up - down) / (2 * h), abs=1e-7)


def test_exact_refuses_cross_entropy_and_adam():
    with pytest.raises(ValueError, match="not rational"):
        TrainConfig(optimizer="adam", arithmetic="exact")
    with pytest.raises(ValueError, match="no exact form"):
        loss_and_gradient(
            [(np.array([[Fraction(1)]], dtype=object), np.array([Fraction(0)], dtype=object))],
            np.array([[Fraction(1)]], dtype=object),
            np.array([0]),
            "cross-entropy",
        )


# ------------------------------------------------------------------------------------------ training
@pytest.mark.parametrize("optimizer,lr", [("gd", 0.05), ("sgd", 0.02), ("adam", 0.01), ("path-sgd", 0.05)])
def test_loss_decreases_on_the_teacher_task(optimizer, lr):
    data = teacher_task((2, 4, 1), n_train=64, n_test=16, seed=0)
    net = rg.Network.random_he((2, 16, 1), seed=1)
    cfg = TrainConfig(optimizer=optimizer, lr=lr, epochs=150, batch_size=16 if optimizer in ("sgd", "adam") else None)
    result = train(net, data, cfg)
    first, last = result.history[0].loss, result.history[-1].loss
    assert last < first / 4
    assert result.history[0].loss == pytest.approx(float(_exact_loss(result.initial, data.X_train, data.y_train)))
    assert result.history[-1].loss == pytest.approx(float(_exact_loss(result.final, data.X_train, data.y_train)))


def test_gd_trace_is_the_training_loss_and_decreases():
    data = teacher_task((2, 3, 1), n_train=40, n_test=0, seed=4)
    result = train(rg.Network.random_he((2, 8, 1), seed=0), data, TrainConfig(lr=0.02, epochs=300))
    trace = result.loss_trace
    assert len(trace) == 301  # one per step plus the final parameters
    assert np.all(np.diff(trace) <= 1e-15)  # small-step GD on a smooth piece: monotone
    assert trace[-1] == pytest.approx(result.history[-1].loss)


def test_training_is_deterministic_and_seeded():
    data = two_moons(40, 10, seed=0)
    net = rg.Network.random_he((2, 6, 2), seed=0)
    cfg = TrainConfig(optimizer="sgd", lr=0.05, epochs=5, batch_size=8, loss="cross-entropy", seed=3)
    a, b = train(net, data, cfg), train(net, data, cfg)
    assert all(x[1] == y[1] for x, y in zip(a.checkpoints, b.checkpoints))
    c = train(net, data, TrainConfig(optimizer="sgd", lr=0.05, epochs=5, batch_size=8, loss="cross-entropy", seed=4))
    assert c.final != a.final


def test_exact_and_float_gd_follow_the_same_trajectory():
    """From a dyadic start, float64 GD is exact GD rounded: the losses agree to rounding."""
    data = teacher_task((2, 3, 1), n_train=5, n_test=0, seed=5)
    net = rg.Network.random_he((2, 3, 1), seed=5)
    fl = train(net, data, TrainConfig(lr=0.0625, epochs=4, checkpoints=(2, 4)))
    ex = train(net, data, TrainConfig(lr="1/16", epochs=4, checkpoints=(2, 4), arithmetic="exact"))
    assert [r.step for r in ex.history] == [0, 2, 4]
    assert ex.history[0].loss == _exact_loss(net, data.X_train, data.y_train)
    for rf, re_ in zip(fl.history, ex.history):
        assert rf.loss == pytest.approx(float(re_.loss), rel=1e-12)
    assert ex.final != fl.final and np.allclose(
        [float(v) for v in ex.final.parameters()], [float(v) for v in fl.final.parameters()], rtol=1e-12
    )


@settings(max_examples=10)
@given(seed=st.integers(0, 1000))
def test_path_sgd_trajectories_stay_equivalent_exactly(seed):
    rng = np.random.default_rng(seed)
    net = rg.Network.random_rational((2, 3, 2, 1), 5, 4, seed=seed)
    if any(v == 0 for v in net.parameters()):
        return
    data = _regression([[float(v) for v in rng.integers(-4, 5, 2) / 4] for _ in range(5)], rng.integers(-3, 4, 5) / 2)
    scales0 = [Fraction(int(rng.integers(1, 9)), int(rng.integers(1, 9))) for _ in range(3)]
    scales1 = [Fraction(int(rng.integers(1, 9)), int(rng.integers(1, 9))) for _ in range(2)]
    other = permute_neurons(rescale_neurons(rescale_neurons(net, 0, scales0), 1, scales1), 0, [2, 0, 1])
    cfg = TrainConfig(optimizer="path-sgd", lr="1/10", epochs=3, checkpoints=(1, 2, 3), arithmetic="exact")
    try:
        a, b = train(net, data, cfg), train(other, data, cfg)
    except rg.DegeneratePointError:
        return
    assert all(are_equivalent(x, y) for (_, x), (_, y) in zip(a.checkpoints, b.checkpoints))
    assert [r.loss for r in a.history] == [r.loss for r in b.history]


def test_plain_gd_is_not_rescaling_equivariant():
    data = _regression([[1.0, 0.5], [-0.5, 1.0], [0.25, -1.0]], [1.0, -0.5, 0.25])
    net = rg.Network.from_layers([([[1, 2], [-1, 1]], [1, 1]), ([[1, -1]], [0])])
    other = rescale_neurons(net, 0, [3, Fraction(1, 2)])
    for optimizer, expected in (("path-sgd", True), ("gd", False)):
        cfg = TrainConfig(optimizer=optimizer, lr="1/10", epochs=2, checkpoints=(1, 2), arithmetic="exact")
        a, b = train(net, data, cfg), train(other, data, cfg)
        assert are_equivalent(a.final, b.final) is expected


def test_float_path_sgd_is_exactly_equivariant_under_power_of_two_rescalings():
    """Scaling by 2^k changes no rounding in float64, so the *float* trainer's trajectories from θ and
    from a power-of-two rescaling of θ are exactly equivalent, step after step. (A permutation would
    reorder float sums, and float addition is not associative: it is left out here.)"""
    data = teacher_task((2, 3, 1), n_train=20, n_test=0, seed=1)
    net = rg.Network.random_he((2, 4, 3, 1), seed=2)
    other = rescale_neurons(rescale_neurons(net, 0, [8, "1/4", 2, "1/2"]), 1, [4, "1/8", 2])
    cfg = TrainConfig(optimizer="path-sgd", lr=0.05, epochs=40, checkpoints=5)
    a, b = train(net, data, cfg), train(other, data, cfg)
    assert len(a.checkpoints) == 5
    assert all(are_equivalent(x, y) for (_, x), (_, y) in zip(a.checkpoints, b.checkpoints))
    assert a.history[-1].loss < a.history[0].loss


def test_errors_say_what_to_do():
    data = teacher_task((2, 3, 1), n_train=10, n_test=0, seed=0)
    with pytest.raises(rg.ShapeError, match="use widths 2,…,1"):
        train(rg.Network.random_he((3, 4, 1)), data)
    with pytest.raises(FloatingPointError, match="lower the learning rate"):
        train(rg.Network.random_he((2, 8, 1)), data, TrainConfig(lr=1e6, epochs=50))
    with pytest.raises(ValueError, match="full-batch"):
        TrainConfig(optimizer="gd", batch_size=4)
    with pytest.raises(ValueError, match="regression"):
        train(rg.Network.random_he((2, 4, 1)), data, TrainConfig(loss="cross-entropy"))


def test_checkpoint_schedule():
    assert checkpoint_steps(0, 5) == (0,)
    assert checkpoint_steps(3, 10) == (0, 1, 2, 3)
    steps = checkpoint_steps(10_000, 12)
    assert steps[0] == 0 and steps[-1] == 10_000 and len(steps) == 12
    ratios = np.diff(np.log(steps[1:]))
    assert np.allclose(ratios[3:], np.log(10_000) / 10, rtol=0.01)  # geometric once rounding is small
    with pytest.raises(ValueError, match="0 … 10"):
        checkpoint_steps(10, [11])


def test_scaled_network_is_an_exact_float_rescaling():
    net = rg.Network.random_he((2, 4, 1), seed=0)
    small = scaled_network(net, 2.0**-10)
    assert small.parameters() == tuple(v / 1024 for v in net.parameters())


# ------------------------------------------------------------------------------------------ tracker
def test_recorded_bfd_equals_recomputation_from_saved_parameters(tmp_path):
    data = teacher_task((2, 4, 1), n_train=30, n_test=20, seed=2)
    tracker = Tracker.for_dataset(data, n_random=25, seed=1)
    result = train(
        rg.Network.random_he((2, 6, 5, 1), seed=0), data, TrainConfig(lr=0.05, epochs=60, checkpoints=4), tracker
    )
    write_run(tmp_path, result, data, tracker)
    history = read_history(tmp_path)
    assert [r["step"] for r in history] == [0, 1, 8, 60]
    for row in history:
        net = rg.load_network(tmp_path / "checkpoints" / f"step-{row['step']}.json")
        for name in ("train", "test", "random"):
            X = rg.load_inputs(tmp_path / "inputs" / f"{name}.csv")
            assert row[f"bfd_{name}"] == rg.batch_functional_dimension(net, X)
        P = activation_patterns(net, rg.load_inputs(tmp_path / "inputs" / "train.csv"))
        assert row["num_patterns_train"] == len({tuple(p) for p in P.astype(int).tolist()})
        assert row["dead_neurons"] == int((~P.any(axis=0)).sum())
        assert row["n_minus_h"] == 6 * 3 + 5 * 7 + 6 - 11
        assert row["cffd"] == rg.computable_full_functional_dimension(net)
    assert all(r["agree"] for r in recheck_run(tmp_path)) and len(recheck_run(tmp_path)) == 12
    assert np.array_equal(
        rg.load_inputs(tmp_path / "inputs" / "train.csv"), [[Fraction(v) for v in row] for row in data.X_train]
    )
    assert (tmp_path / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["n_minus_h"] == history[0]["n_minus_h"] and run["num_steps"] == 60


@pytest.fixture
def small_run(tmp_path):
    """A 5-step teacher run written to ``tmp_path`` (2-4-1 on 12 train, 5 test, 12 random inputs)."""
    data = teacher_task((2, 3, 1), n_train=12, n_test=5, seed=0)
    tracker = Tracker.for_dataset(data, cffd="off")
    result = train(
        rg.Network.random_he((2, 4, 1), seed=0), data, TrainConfig(lr=0.05, epochs=5, checkpoints=2), tracker
    )
    write_run(tmp_path, result, data, tracker)
    return tmp_path


def test_recheck_notices_a_tampered_history(small_run):
    history = read_history(small_run)
    history[-1]["bfd_train"] -= 1
    (small_run / "history.json").write_text(json.dumps(history))
    rows = recheck_run(small_run)
    assert [(r["step"], r["batch"]) for r in rows if not r["agree"]] == [(5, "train")]


def test_write_run_lists_only_the_tracked_batches_and_recheck_checks_only_them(tmp_path):
    """A tracker without the train batch: run.json's "tracked" is its batches, and recheck_run re-checks
    those alone (write_run used to list train and test as tracked, and recheck_run then reported a false
    "recorded null" for the untracked train batch)."""
    data = teacher_task((2, 3, 1), n_train=12, n_test=5, seed=0)
    tracker = Tracker.for_dataset(data, track=("random",), cffd="off")
    result = train(
        rg.Network.random_he((2, 4, 1), seed=0), data, TrainConfig(lr=0.05, epochs=5, checkpoints=2), tracker
    )
    write_run(tmp_path, result, data, tracker, picture=False)
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["tracked"] == ["random"]
    assert [r["bfd_train"] for r in read_history(tmp_path)] == [None, None]  # the column is there, null
    checks = recheck_run(tmp_path)
    assert [(c["step"], c["batch"], c["agree"]) for c in checks] == [(0, "random", True), (5, "random", True)]
    # a directory written before the fix (run.json claiming train and test) re-checks the same way
    run["tracked"] = ["random", "test", "train"]
    (tmp_path / "run.json").write_text(json.dumps(run))
    assert recheck_run(tmp_path) == checks
    # the data set's inputs are kept next to their targets, tracked or not
    assert sorted(os.listdir(tmp_path / "inputs")) == [
        "random.csv",
        "test.csv",
        "test_targets.csv",
        "train.csv",
        "train_targets.csv",
    ]


def test_tracker_columns_on_a_hand_network(hand_net):
    X = np.array([[-1.0], [-0.5], [0.5], [0.75], [2.0], [3.0]])
    row = Tracker({"train": X, "random": np.array([[2.0], [3.0], [4.0], [5.0]])}, float_ranks=True).measure(hand_net)
    assert (row.bfd("train"), row.bfd("random"), row.bfd("test")) == (5, 2, None)  # SPEC §3 hand cases
    assert row.float_rank("train") == 5 and row.num_patterns("train") == 3
    assert (row.n_minus_h, row.cffd, row.directions, row.float_directions) == (5, 5, 2, 2)


def test_tracker_reports_degenerate_batches(hand_net):
    row = Tracker({"train": np.array([[1.0], [2.0]])}, cffd="off").measure(hand_net)
    assert row.bfd("train") is None and "sample 0" in row.notes and "neuron 1" in row.notes
    row = Tracker({"train": np.array([[1.0], [2.0]])}, cffd="off", at_zero="inactive").measure(hand_net)
    assert row.bfd("train") == 2 and row.notes == ""


def test_tracker_falls_back_to_a_certified_lower_bound_on_timeout():
    """Sparse non-negative inputs (like digits) leave a rank deficit that no structural kernel vector
    explains; with no time to compute a kernel, the row keeps the certified lower bound and says so."""
    rng = np.random.default_rng(0)
    X = rng.integers(0, 17, (20, 16)) * (rng.random((20, 16)) < 0.5) / 16
    net = rg.Network.random_he((16, 4, 4, 3), seed=0)
    exact = rg.batch_functional_dimension(net, X)
    row = Tracker({"train": X}, certify_timeout=0, cffd="off").measure(net)
    assert row.certified("train") is False and row.bfd("train") == exact
    assert f"certified {exact} <= BFD <= " in row.notes
    assert Tracker({"train": X}, cffd="off").measure(net).certified("train") is True


def test_plot_history_draws_accuracy_and_uncertified_points(tmp_path):
    rows = [
        {
            "step": s,
            "loss": 1.0 / (s + 1),
            "test_loss": 1.2 / (s + 1),
            "accuracy": 0.1 * s,
            "test_accuracy": 0.08 * s,
            "bfd_train": 10 - s,
            "certified_train": s != 2,
            "n_minus_h": 12,
            "cffd": 11,
        }
        for s in range(4)
    ]
    fig = plot_history([CheckpointRow.from_dict(r) for r in rows], tmp_path / "c.png", title="t")
    assert [ax.get_ylabel() for ax in fig.axes] == ["loss", "BFD (exact)", "accuracy"]
    labels = [line.get_label() for line in fig.axes[1].lines]
    assert "BFD on train" in labels and "CFFD (exact)" in labels and "N − H = 12" in labels
    open_markers = [line for line in fig.axes[1].lines if line.get_markerfacecolor() == "white"]
    assert len(open_markers) == 1 and open_markers[0].get_xydata().tolist() == [[2.0, 8.0]]
    assert os.path.getsize(tmp_path / "c.png") > 1000


def test_exact_sgd_with_default_momentum_stays_exact():
    """The default momentum is 9/10 in exact arithmetic (0.9 as a float would turn θ into floats)."""
    data = teacher_task((1, 2, 1), n_train=4, n_test=0, seed=0)
    net = rg.Network.random_rational((1, 2, 1), 5, 4, seed=3)
    cfg = TrainConfig(optimizer="sgd", batch_size=2, lr="1/10", epochs=2, arithmetic="exact", checkpoints=(2,))
    assert cfg.momentum == Fraction(9, 10)
    result = train(net, data, cfg)
    assert all(isinstance(v, Fraction) for v in result.loss_trace)
    assert all(isinstance(v, Fraction) for v in result.final.parameters())
    assert any(v.denominator % 5 == 0 for v in result.final.parameters())  # lr 1/10: not dyadic
    floats = train(net, data, TrainConfig(optimizer="sgd", batch_size=2, lr=0.1, epochs=2, checkpoints=(2,)))
    assert np.allclose(
        [float(v) for v in result.final.parameters()], [float(v) for v in floats.final.parameters()], rtol=1e-12
    )


def test_float_path_sgd_refuses_an_underflowed_kappa():
    data = teacher_task((2, 4, 1), n_train=20, n_test=0, seed=0)
    net = scaled_network(rg.Network.random_he((2, 5, 1), seed=0), 1e-200)
    with pytest.raises(FloatingPointError, match="κ underflowed to 0 in float64"):
        train(net, data, TrainConfig(optimizer="path-sgd", epochs=5))


def test_tracker_dead_neurons_are_counted_on_training_inputs_only(hand_net):
    row = Tracker({"random": np.array([[2.0], [3.0]])}, cffd="off").measure(hand_net)
    assert row.dead_neurons is None and row.bfd("random") == 2
    with pytest.raises(ValueError, match="no test samples"):
        Tracker.for_dataset(teacher_task((2, 3, 1), n_train=5, n_test=0), track=("train", "test"))


def test_recheck_reports_every_kind_of_tampering(small_run):
    tmp_path = small_run
    assert [r["agree"] for r in recheck_run(tmp_path)] == [True] * 6
    history = read_history(tmp_path)
    history[0]["certified_test"], history[0]["bfd_test"] = False, history[0]["bfd_test"] + 1  # a false bound
    history[0]["num_patterns_random"] += 1
    history[0]["dead_neurons"] = 3
    history[1]["bfd_test"] = None
    (tmp_path / "history.json").write_text(json.dumps(history))
    # a checkpoint edited so that sample 0 of the training batch is degenerate
    X0 = rg.load_inputs(tmp_path / "inputs" / "train.csv")[0]
    net = rg.load_network(tmp_path / "checkpoints" / "step-5.json")
    W0, b0 = net.layers()[0]
    b0 = list(b0)
    b0[0] = -sum(w * x for w, x in zip(W0[0], X0))
    rg.save_network(rg.Network.from_layers([(W0, b0)] + net.layers()[1:]), tmp_path / "checkpoints" / "step-5.json")
    rows = {(r["step"], r["batch"]): r for r in recheck_run(tmp_path)}
    assert not rows[0, "test"]["agree"] and "exceeds the rank" in rows[0, "test"]["reason"]
    assert not rows[0, "random"]["agree"] and "patterns recorded" in rows[0, "random"]["reason"]
    assert not rows[0, "train"]["agree"] and "3 dead neurons recorded" in rows[0, "train"]["reason"]
    assert not rows[5, "train"]["agree"] and "degenerate" in rows[5, "train"]["reason"]
    assert not rows[5, "test"]["agree"] and "recorded null" in rows[5, "test"]["reason"]
    assert len(rows) == 6  # (the edited bias also moves patterns of the random batch: flagged too)
