"""The data sets: deterministic, disjoint splits, the promised shapes and values."""

from __future__ import annotations

import os
import sys
from fractions import Fraction

import numpy as np
import pytest
from helpers import write_idx

import relugeom as rg
from relugeom.exceptions import InvalidArgumentError
from relugeom.training.datasets import (
    MissingExtraError,
    digits,
    gaussian_inputs,
    load_dataset,
    mnist,
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


# ----------------------------------------------------------------------------------- MNIST from disk
def _round_robin(y, order, n: int) -> list[int]:
    """The oracle: queues per class along ``order``, popped in turn (digits' original loop)."""
    queues = [[int(i) for i in order if y[i] == c] for c in range(10)]
    picked: list[int] = []
    while len(picked) < n:
        for q in queues:
            if q and len(picked) < n:
                picked.append(q.pop(0))
    return picked


@pytest.fixture(scope="module")
def mnist_dir(tmp_path_factory):
    """30 training images (3 of each class) and 20 t10k images (2 of each), random bytes, in torchvision's
    ``raw/`` layout. Pixel (0, 0) marks the file: 0 in the training images, 255 in the t10k ones."""
    folder = tmp_path_factory.mktemp("mnist")
    rng = np.random.default_rng(11)
    files = {}
    for split, n, mark in (("train", 30, 0), ("t10k", 20, 255)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        images[:, 0, 0] = mark
        labels = rng.permutation(np.arange(n) % 10).astype(np.uint8)
        os.makedirs(folder / "raw", exist_ok=True)
        write_idx(folder / "raw" / f"{split}-images-idx3-ubyte", images)
        write_idx(folder / "raw" / f"{split}-labels-idx1-ubyte", labels)
        files[split] = (images, labels)
    return folder, files


def test_mnist_shapes_and_exact_scaling(mnist_dir):
    folder, files = mnist_dir
    data = mnist(folder, n_train=20, n_test=10, seed=0)
    assert (data.name, data.task, data.num_classes, data.output_dim) == ("mnist", "classification", 10, 10)
    assert data.X_train.shape == (20, 784) and data.X_test.shape == (10, 784)
    assert data.X_train.dtype == np.float64 and data.y_train.dtype.kind == "i"
    images, labels = files["train"]
    train = data.info["train_indices"]
    # pixels are the bytes divided by 256 (row-major flattening), labels the file's labels
    assert np.array_equal(data.X_train * 256, images[train].reshape(20, 784).astype(float))
    assert np.array_equal(data.y_train, labels[train].astype(int))
    k = train[0]
    assert data.X_train[0, 28 * 5 + 7] == images[k, 5, 7] / 256
    # every float64 input is exactly the rational byte/256: times 256 it is an integer in 0 … 255
    for x in (*data.X_train.ravel().tolist(), *data.X_test.ravel().tolist()):
        v = Fraction(x) * 256
        assert v.denominator == 1 and 0 <= v <= 255
    # 255/256 is 0.99609375, not 1: the t10k marker pixel
    assert data.X_test[:, 0].tolist() == [0.99609375] * 10 and data.X_test.max() == 0.99609375


def test_mnist_train_from_training_files_test_from_t10k(mnist_dir):
    folder, files = mnist_dir
    data = mnist(folder, n_train=30, n_test=20, seed=4)  # every image of both files
    assert data.X_train[:, 0].tolist() == [0.0] * 30 and data.X_test[:, 0].tolist() == [255 / 256] * 20
    assert sorted(data.info["train_indices"]) == list(range(30)) and sorted(data.info["test_indices"]) == list(
        range(20)
    )
    images, labels = files["t10k"]
    test = data.info["test_indices"]
    assert np.array_equal(data.X_test, images[test].reshape(20, 784) / 256.0)
    assert np.array_equal(data.y_test, labels[test])
    assert data.info["seed"] == 4 and data.info["source"] == str(folder / "raw")


def test_mnist_balanced_round_robin_and_seeds(mnist_dir):
    folder, files = mnist_dir
    data = mnist(folder, n_train=20, n_test=10, seed=2)
    assert np.bincount(data.y_train, minlength=10).tolist() == [2] * 10  # 3 of each class in the file
    assert np.bincount(data.y_test, minlength=10).tolist() == [1] * 10  # 2 of each class in the file
    # round k takes the k-th sample of each class 0 … 9 along the permutations of default_rng(seed)
    assert data.y_train.tolist() == list(range(10)) * 2 and data.y_test.tolist() == list(range(10))
    rng = np.random.default_rng(2)
    train_order, test_order = rng.permutation(30), rng.permutation(20)
    assert data.info["train_indices"] == _round_robin(files["train"][1], train_order, 20)
    assert data.info["test_indices"] == _round_robin(files["t10k"][1], test_order, 10)
    odd = mnist(folder, n_train=25, n_test=0, seed=2)
    assert np.bincount(odd.y_train).tolist() == [3] * 5 + [2] * 5 and odd.X_test.shape == (0, 784)
    again = mnist(folder, n_train=20, n_test=10, seed=2)
    assert np.array_equal(again.X_train, data.X_train) and again.info == data.info
    other = mnist(folder, n_train=20, n_test=10, seed=3)
    assert other.info["train_indices"] != data.info["train_indices"]
    assert not np.array_equal(other.X_train, data.X_train)


def test_mnist_gzip_and_npz_give_the_same_data(mnist_dir, tmp_path):
    folder, files = mnist_dir
    raw = tmp_path / "gz" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for split in ("train", "t10k"):
        images, labels = files[split]
        write_idx(raw / f"{split}-images-idx3-ubyte.gz", images, gz=True)
        write_idx(raw / f"{split}-labels-idx1-ubyte.gz", labels, gz=True)
    np.savez(
        tmp_path / "mnist.npz",
        x_train=files["train"][0],
        y_train=files["train"][1],
        x_test=files["t10k"][0],
        y_test=files["t10k"][1],
    )
    plain = mnist(folder, 12, 7, seed=5)
    for path in (tmp_path / "gz", tmp_path / "mnist.npz"):
        again = mnist(path, 12, 7, seed=5)
        assert np.array_equal(again.X_train, plain.X_train) and np.array_equal(again.y_test, plain.y_test)
        assert again.info["test_indices"] == plain.info["test_indices"]


def test_mnist_errors_and_load_dataset(mnist_dir, tmp_path):
    folder, _ = mnist_dir
    with pytest.raises(rg.ShapeError, match="the MNIST training files hold 30 images; n_train = 31 is too many"):
        mnist(folder, 31, 5)
    with pytest.raises(rg.ShapeError, match=r"the MNIST t10k \(test\) files hold 20 images; n_test = 21"):
        mnist(folder, 5, 21)
    with pytest.raises(rg.ShapeError, match="n_train must be >= 1"):
        mnist(folder, 0, 5)
    with pytest.raises(rg.FormatError, match="no MNIST files found in .*: expected the IDX files train-images"):
        mnist(tmp_path, 5, 5)
    data = load_dataset("mnist", 10, 10, seed=1, path=folder)
    assert data.name == "mnist" and data.info == mnist(folder, 10, 10, seed=1).info
    with pytest.raises(InvalidArgumentError, match="pass path=.*--data-path DIR"):
        load_dataset("mnist", 10, 10)
    assert rg.mnist is mnist and rg.training.mnist is mnist and "mnist" in rg.__all__


def test_digits_picks_are_the_round_robin_of_its_permutation():
    pytest.importorskip("sklearn")
    from sklearn.datasets import load_digits

    _, y = load_digits(return_X_y=True)
    data = digits(n_train=95, n_test=40, seed=3)
    picked = _round_robin(y, np.random.default_rng(3).permutation(len(y)), 135)
    assert data.info["train_indices"] + data.info["test_indices"] == picked
