"""The data sets: deterministic, disjoint splits, the promised shapes and values."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import relugeom as rg
from relugeom.training.datasets import (
    MissingExtraError,
    digits,
    gaussian_inputs,
    load_dataset,
    teacher_seed,
    teacher_task,
    two_moons,
)


def _rows(X) -> set[tuple[float, ...]]:
    return {tuple(x) for x in np.asarray(X).tolist()}


def test_digits_are_balanced_exact_and_disjoint():
    pytest.importorskip("sklearn")
    from sklearn.datasets import load_digits

    data = digits(n_train=95, n_test=40, seed=3)
    assert data.X_train.shape == (95, 64) and data.X_test.shape == (40, 64) and data.output_dim == 10
    counts = np.bincount(data.y_train, minlength=10)
    assert counts.max() - counts.min() <= 1  # balanced: 9 or 10 per class
    # pixels are integers 0 … 16 divided by 16: exact dyadics, and the images are the scikit-learn ones
    assert set(np.unique(data.X_train * 16)) <= set(range(17))
    X, y = load_digits(return_X_y=True)
    train, test = data.info["train_indices"], data.info["test_indices"]
    assert not set(train) & set(test)  # no image in both
    assert np.array_equal(data.X_train, X[train] / 16.0) and np.array_equal(data.y_test, y[test])
    again = digits(n_train=95, n_test=40, seed=3)
    assert np.array_equal(again.X_train, data.X_train) and np.array_equal(again.y_test, data.y_test)
    assert not np.array_equal(digits(95, 40, seed=4).X_train, data.X_train)
    with pytest.raises(rg.ShapeError, match="1797 samples"):
        digits(1500, 500)


def test_digits_without_scikit_learn_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(MissingExtraError, match=r'pip install -e "\.\[data\]"'):
        digits(10, 10)


def test_teacher_targets_are_the_teachers_outputs():
    data = teacher_task((3, 5, 2), n_train=30, n_test=12, seed=7)
    assert data.teacher == rg.Network.random_he((3, 5, 2), seed=teacher_seed(7))
    for X, Y in ((data.X_train, data.y_train), (data.X_test, data.y_test)):
        exact = rg.forward(data.teacher, X)
        assert np.array_equal(Y, exact.astype(float))  # float64 rounding of the exact outputs
    assert not (_rows(data.X_train) & _rows(data.X_test))
    noisy = teacher_task((3, 5, 2), n_train=30, n_test=12, seed=7, noise=0.5)
    assert np.array_equal(noisy.X_train, data.X_train) and not np.array_equal(noisy.y_train, data.y_train)
    # a student drawn with the same seed does not share the teacher's first layer
    assert rg.Network.random_he((3, 5, 2), seed=7).weights[0] != data.teacher.weights[0]


def test_two_moons_lie_on_their_half_circles():
    data = two_moons(n_train=60, n_test=40, noise=0.0, seed=1)
    X = np.vstack([data.X_train, data.X_test])
    y = np.concatenate([data.y_train, data.y_test])
    outer, inner = X[y == 0], X[y == 1]
    assert np.allclose(np.hypot(outer[:, 0], outer[:, 1]), 1) and (outer[:, 1] >= -1e-12).all()
    assert np.allclose(np.hypot(inner[:, 0] - 1, inner[:, 1] - 0.5), 1) and (inner[:, 1] <= 0.5 + 1e-12).all()
    assert abs(len(outer) - len(inner)) <= 1
    assert np.array_equal(two_moons(60, 40, seed=1).X_test, two_moons(60, 40, seed=1).X_test)


def test_gaussian_inputs_and_load_dataset():
    X = gaussian_inputs(2000, 3, seed=5)
    assert X.shape == (2000, 3) and abs(X.mean()) < 0.1 and abs(X.std() - 1) < 0.05
    assert np.array_equal(gaussian_inputs(4, 3, seed=5), X[:4])  # a prefix of the same stream
    assert load_dataset("teacher", 5, 2, widths=(2, 3, 1)).teacher.widths == (2, 3, 1)
    with pytest.raises(ValueError, match="choose one of digits, teacher, moons"):
        load_dataset("cifar", 5, 5)
    with pytest.raises(rg.ShapeError, match="n_train must be >= 1"):
        two_moons(0, 5)
