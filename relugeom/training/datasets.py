"""Small data sets for the training experiments of SPEC §7, split and subsampled deterministically.

* :func:`digits`: scikit-learn's 8×8 handwritten digits (1,797 images, 10 classes), which ship inside
  scikit-learn, so nothing is downloaded. scikit-learn is the optional extra ``data``
  (``pip install -e ".[data]"``). Pixels (integers 0 … 16) are divided by 16: every input is an exact
  dyadic rational, so the float64 inputs the trainer sees are the exact inputs the ranks are taken at.
* :func:`mnist`: MNIST's 28×28 handwritten digits, read from the user's disk (IDX files in torchvision's
  layout or keras' ``mnist.npz``; see :mod:`relugeom.io.idx`), nothing downloaded. Pixels (0 … 255)
  are divided by 256, so these inputs are exact dyadic rationals too.
* :func:`teacher_task`: regression on the outputs of a fixed *teacher* network at Gaussian inputs,
  the setting of the saddle-to-saddle experiments.
* :func:`two_moons`: two interleaved half circles with Gaussian noise (written here; no scikit-learn).
* :func:`gaussian_inputs`: the "random inputs" on which [BMB24] compares the batch functional
  dimension with the one on data.

Every function takes a ``seed`` and returns the same arrays for the same arguments on every machine
(numpy's ``default_rng``, a PCG64 stream, is platform independent). Splits are a seeded permutation
cut into train and test, so train and test never share a sample (mnist takes its train samples from
MNIST's training files and its test samples from the t10k files).

References
----------
.. [BMB24] Bona-Pellissier, Malgouyres, Bachoc, *Geometry-induced implicit regularization in deep ReLU
   neural networks*, arXiv 2402.08269 (2024).

Examples
--------
>>> data = two_moons(n_train=40, n_test=20, seed=0)
>>> data.X_train.shape, data.X_test.shape, data.task, data.num_classes
((40, 2), (20, 2), 'classification', 2)
>>> bool((two_moons(40, 20, seed=0).X_train == data.X_train).all())     # deterministic
True
>>> t = teacher_task((2, 3, 1), n_train=10, n_test=5, seed=1)
>>> t.y_train.shape, t.output_dim, t.teacher.widths
((10, 1), 1, (2, 3, 1))
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from ..core.forward import forward
from ..core.network import Network
from ..exceptions import InvalidArgumentError, MissingExtraError, ShapeError
from ..io.idx import read_mnist

__all__ = [
    "Dataset",
    "digits",
    "mnist",
    "teacher_task",
    "two_moons",
    "gaussian_inputs",
    "load_dataset",
    "teacher_seed",
    "DATASETS",
    "MissingExtraError",
]

#: The names :func:`load_dataset` (and ``relugeom train --data``) accepts.
DATASETS = ("digits", "teacher", "moons", "mnist")


@dataclass(frozen=True)
class Dataset:
    """A train/test split as float64 arrays (samples in rows).

    ``y_train``/``y_test`` hold integer class labels (``task="classification"``) or rows of real
    targets (``task="regression"``). ``teacher`` is the network that made the targets of a teacher task.
    """

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    task: Literal["classification", "regression"]
    num_classes: int | None = None
    teacher: Network | None = None
    description: str = ""
    info: dict = field(default_factory=dict)

    @property
    def input_dim(self) -> int:
        return int(self.X_train.shape[1])

    @property
    def output_dim(self) -> int:
        """Outputs a network needs: one logit per class, or the width of the targets."""
        return int(self.num_classes) if self.task == "classification" else int(self.y_train.shape[1])

    def summary(self) -> str:
        kind = f"{self.num_classes} classes" if self.task == "classification" else "regression"
        return f"{self.name}: {len(self.X_train)} train / {len(self.X_test)} test samples in R^{self.input_dim}, {kind}"


def _check_sizes(n_train: int, n_test: int, available: int | None = None) -> None:
    if n_train < 1 or n_test < 0:
        raise ShapeError(f"n_train must be >= 1 and n_test >= 0, got {n_train} and {n_test}")
    if available is not None and n_train + n_test > available:
        raise ShapeError(
            f"the data set has {available} samples; n_train + n_test = {n_train + n_test} "
            f"is too many: lower n_train or n_test"
        )


def _balanced_pick(y: np.ndarray, order: np.ndarray, n: int, num_classes: int = 10) -> np.ndarray:
    """The first ``n`` indices of a round-robin over the classes along ``order``.

    Round k takes the k-th index of ``order`` of each class 0, 1, …, ``num_classes`` − 1 in turn,
    skipping the classes that have run out: balanced and deterministic.

    >>> _balanced_pick(np.array([0, 0, 0, 1, 2]), np.array([4, 2, 0, 1, 3]), 4, num_classes=3).tolist()
    [2, 3, 4, 0]
    """
    y_order = np.asarray(y)[order]
    rank = np.zeros(len(order), dtype=np.int64)  # the position of each index within its class
    for c in range(num_classes):
        members = y_order == c
        rank[members] = np.arange(int(members.sum()))
    keep = (y_order >= 0) & (y_order < num_classes)
    ordered = np.lexsort((y_order[keep], rank[keep]))  # by round, then by class
    return np.asarray(order)[keep][ordered[:n]].astype(int)


def digits(n_train: int = 500, n_test: int = 500, seed: int = 0) -> Dataset:
    """scikit-learn's 8×8 digits, pixels divided by 16 (exact dyadics in [0, 1]), a seeded split.

    The classes are balanced as far as the data allow: the split takes the samples of a seeded
    permutation class by class in turn, so every class has ``n_train // 10`` or one more training
    samples (the test set likewise, until a class runs out of its 174 … 183 images).

    Raises
    ------
    MissingExtraError
        When scikit-learn is not installed: install the extra with ``pip install -e ".[data]"``.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise MissingExtraError(
            "the digits data set ships with scikit-learn, which is not installed: run "
            'pip install -e ".[data]" (or pip install scikit-learn), or use --data teacher or --data moons'
        ) from None
    X, y = load_digits(return_X_y=True)
    _check_sizes(n_train, n_test, len(X))
    rng = np.random.default_rng(seed)
    picked = _balanced_pick(y, rng.permutation(len(X)), n_train + n_test)
    train, test = picked[:n_train], picked[n_train:]
    Xs = np.asarray(X, dtype=np.float64) / 16.0
    return Dataset(
        "digits",
        Xs[train],
        y[train].astype(int),
        Xs[test],
        y[test].astype(int),
        "classification",
        10,
        description="scikit-learn 8x8 digits (UCI optical recognition), pixels / 16",
        info={
            "seed": seed,
            "source": "sklearn.datasets.load_digits",
            "train_indices": train.tolist(),
            "test_indices": test.tolist(),
        },
    )


def mnist(path: str | os.PathLike, n_train: int = 1000, n_test: int = 1000, seed: int = 0) -> Dataset:
    """MNIST read from ``path`` on disk (nothing is downloaded), pixels divided by 256, a seeded subsample.

    ``path`` is a folder in torchvision's layout (the four IDX files ``train-images-idx3-ubyte``,
    ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``, plain or
    ``.gz``, in ``path/MNIST/raw``, ``path/raw`` or ``path``), or keras' ``mnist.npz`` (the file, or a
    folder holding it); see :func:`relugeom.io.idx.find_mnist_files`.

    The training samples are drawn from MNIST's training files (``x_train``) and the test samples from
    its t10k files (``x_test``), MNIST's own split. Each is a class-balanced subsample, as in
    :func:`digits`: a round-robin over the classes along a seeded permutation (first the training
    set's permutation, then the test set's, from one ``default_rng(seed)``), so every class has
    ``n_train // 10`` or one more training samples (as far as the files allow). ``info`` holds the
    seed, the source path and the picked indices into the training (``train_indices``) and t10k
    (``test_indices``) files.

    Images are flattened row by row to 784 columns. The pixels (bytes 0 … 255) are divided by 256, not
    255: every value k/256 is an exact dyadic rational, so the float64 inputs the trainer sees are
    exactly the rationals the exact ranks are taken at (k/255 would be rounded by float64).

    Raises
    ------
    FormatError
        When the files are missing (the message says which files are expected where) or malformed.
    ShapeError
        When ``n_train`` (``n_test``) exceeds the images of the training (t10k) files.

    >>> import os, struct, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> def write(base, sizes, data):
    ...     header = bytes([0, 0, 0x08, len(sizes)]) + struct.pack(f">{len(sizes)}I", *sizes)
    ...     with open(os.path.join(folder, base), "wb") as fh:
    ...         _ = fh.write(header + bytes(data))
    >>> write("train-images-idx3-ubyte", (20, 28, 28), [k for k in range(20) for _ in range(784)])
    >>> write("train-labels-idx1-ubyte", (20,), [k % 10 for k in range(20)])
    >>> write("t10k-images-idx3-ubyte", (10, 28, 28), [255] * 10 * 784)
    >>> write("t10k-labels-idx1-ubyte", (10,), range(10))
    >>> data = mnist(folder, n_train=10, n_test=5, seed=0)
    >>> data.X_train.shape, data.X_test.shape, data.num_classes, sorted(data.y_train.tolist())
    ((10, 784), (5, 784), 10, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    >>> float(data.X_test[0, 0]), float(data.X_test.max())             # 255 / 256
    (0.99609375, 0.99609375)
    """
    _check_sizes(n_train, n_test)
    arrays = read_mnist(path)
    for what, n, images, files in (
        ("n_train", n_train, arrays.x_train, "training"),
        ("n_test", n_test, arrays.x_test, "t10k (test)"),
    ):
        if n > len(images):
            raise ShapeError(
                f"the MNIST {files} files hold {len(images)} images; {what} = {n} is too many: lower {what}"
            )
    rng = np.random.default_rng(seed)
    train = _balanced_pick(arrays.y_train, rng.permutation(len(arrays.x_train)), n_train)
    test = _balanced_pick(arrays.y_test, rng.permutation(len(arrays.x_test)), n_test)

    def inputs(images: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return images[rows].reshape(len(rows), 784).astype(np.float64) / 256.0  # exact: k / 2^8

    return Dataset(
        "mnist",
        inputs(arrays.x_train, train),
        arrays.y_train[train].astype(int),
        inputs(arrays.x_test, test),
        arrays.y_test[test].astype(int),
        "classification",
        10,
        description="MNIST 28x28 digits (train from the training files, test from t10k), pixels / 256",
        info={
            "seed": seed,
            "source": arrays.source,
            "train_indices": train.tolist(),
            "test_indices": test.tolist(),
        },
    )


def gaussian_inputs(n: int, dim: int, seed: int = 0, scale: float = 1.0) -> np.ndarray:
    """``n`` standard Gaussian points of R^dim (times ``scale``), float64.

    >>> gaussian_inputs(3, 2, seed=0).shape
    (3, 2)
    """
    if n < 0 or dim < 1:
        raise ShapeError(f"need n >= 0 and dim >= 1, got n={n}, dim={dim}")
    return np.random.default_rng(seed).normal(0.0, scale, (n, dim))


def teacher_task(
    widths: tuple[int, ...] = (2, 4, 1),
    n_train: int = 100,
    n_test: int = 100,
    seed: int = 0,
    noise: float = 0.0,
    teacher: Network | None = None,
) -> Dataset:
    """Regression on a teacher network's outputs at standard Gaussian inputs.

    The teacher is ``teacher`` or a He-initialised network of the given widths (``Network.random_he``
    with seed :func:`teacher_seed` (``seed``), a stream of its own: a student drawn with ``seed`` does
    not share the teacher's weights). Targets are its exact outputs rounded to float64, plus ``noise`` times standard
    Gaussian noise.

    >>> t = teacher_task((1, 2, 1), n_train=3, n_test=0, seed=0)
    >>> exact = forward(t.teacher, t.X_train)                  # Fractions at the float64 inputs
    >>> bool((t.y_train == exact.astype(float)).all())
    True
    """
    _check_sizes(n_train, n_test)
    # the teacher's own random stream: a student drawn with Network.random_he(..., seed=seed) must not
    # start with the teacher's first-layer weights
    net = teacher if teacher is not None else Network.random_he(widths, seed=teacher_seed(seed))
    rng = np.random.default_rng([seed, 1])
    X = rng.normal(0.0, 1.0, (n_train + n_test, net.input_dim))
    Y = np.array(forward(net, X), dtype=np.float64)
    if noise:
        Y = Y + noise * rng.normal(0.0, 1.0, Y.shape)
    return Dataset(
        "teacher",
        X[:n_train],
        Y[:n_train],
        X[n_train:],
        Y[n_train:],
        "regression",
        None,
        net,
        description=f"teacher network {net.widths}, Gaussian inputs, noise {noise:g}",
        info={
            "seed": seed,
            "noise": noise,
            "teacher_widths": list(net.widths),
            "teacher_seed": None if teacher is not None else teacher_seed(seed),
        },
    )


def teacher_seed(seed: int) -> int:
    """The seed of the teacher network of :func:`teacher_task` (a stream independent of ``seed``'s).

    >>> teacher_seed(0) != 0
    True
    """
    return int(np.random.SeedSequence([seed, 3]).generate_state(1)[0])


def two_moons(n_train: int = 200, n_test: int = 200, noise: float = 0.1, seed: int = 0) -> Dataset:
    """Two interleaved half circles in R^2 (labels 0 and 1, alternating), with Gaussian noise.

    Class 0 lies on (cos t, sin t) and class 1 on (1 − cos t, 1/2 − sin t), t uniform in [0, π].
    """
    _check_sizes(n_train, n_test)
    n = n_train + n_test
    rng = np.random.default_rng([seed, 2])
    y = np.arange(n) % 2
    t = rng.uniform(0.0, np.pi, n)
    X = np.where(
        y[:, None] == 0, np.stack([np.cos(t), np.sin(t)], axis=1), np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    )
    X = X + noise * rng.normal(0.0, 1.0, X.shape)
    order = rng.permutation(n)
    X, y = X[order], y[order]
    return Dataset(
        "moons",
        X[:n_train],
        y[:n_train],
        X[n_train:],
        y[n_train:],
        "classification",
        2,
        description=f"two moons, noise {noise:g}",
        info={"seed": seed, "noise": noise},
    )


def load_dataset(name: str, n_train: int, n_test: int, seed: int = 0, **options) -> Dataset:
    """One of :data:`DATASETS` by name (``options`` go to the loader, e.g. ``widths`` for the teacher,
    ``path`` for mnist, which it needs).

    >>> load_dataset("moons", 10, 10).name
    'moons'
    >>> load_dataset("mnist", 10, 10)
    Traceback (most recent call last):
    ...
    relugeom.exceptions.InvalidArgumentError: the mnist data set is read from disk: pass path= (the folder of the MNIST files; on the command line --data-path DIR)
    >>> load_dataset("cifar10", 10, 10)
    Traceback (most recent call last):
    ...
    relugeom.exceptions.InvalidArgumentError: unknown data set 'cifar10': choose one of digits, teacher, moons, mnist
    """
    if name == "digits":
        return digits(n_train, n_test, seed)
    if name == "teacher":
        return teacher_task(n_train=n_train, n_test=n_test, seed=seed, **options)
    if name == "moons":
        return two_moons(n_train, n_test, seed=seed, **options)
    if name == "mnist":
        path = options.pop("path", None)
        if path is None:
            raise InvalidArgumentError(
                "the mnist data set is read from disk: pass path= (the folder of the MNIST files; "
                "on the command line --data-path DIR)"
            )
        return mnist(path, n_train, n_test, seed, **options)
    raise InvalidArgumentError(f"unknown data set {name!r}: choose one of {', '.join(DATASETS)}")
