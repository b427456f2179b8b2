"""Small data sets for the training experiments of SPEC §7, split and subsampled deterministically.

* :func:`digits`: scikit-learn's 8×8 handwritten digits (1,797 images, 10 classes), which ship inside
  scikit-learn, so nothing is downloaded. scikit-learn is the optional extra ``data``
  (``pip install -e ".[data]"``). Pixels (integers 0 … 16) are divided by 16: every input is an exact
  dyadic rational, so the float64 inputs the trainer sees are the exact inputs the ranks are taken at.
* :func:`teacher_task`: regression on the outputs of a fixed *teacher* network at Gaussian inputs,
  the setting of the saddle-to-saddle experiments.
* :func:`two_moons`: two interleaved half circles with Gaussian noise (written here; no scikit-learn).
* :func:`gaussian_inputs`: the "random inputs" on which [BMB24] compares the batch functional
  dimension with the one on data.

Every function takes a ``seed`` and returns the same arrays for the same arguments on every machine
(numpy's ``default_rng``, a PCG64 stream, is platform independent). Splits are a seeded permutation
cut into train and test, so train and test never share a sample.

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

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from ..core.forward import forward
from ..core.network import Network
from ..exceptions import InvalidArgumentError, MissingExtraError, ShapeError

__all__ = [
    "Dataset",
    "digits",
    "teacher_task",
    "two_moons",
    "gaussian_inputs",
    "load_dataset",
    "teacher_seed",
    "DATASETS",
    "MissingExtraError",
]

#: The names :func:`load_dataset` (and ``relugeom train --data``) accepts.
DATASETS = ("digits", "teacher", "moons")


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
    order = rng.permutation(len(X))
    # round-robin over classes along the permutation: balanced and deterministic
    queues = [list(order[y[order] == c]) for c in range(10)]
    picked: list[int] = []
    while len(picked) < n_train + n_test:
        for q in queues:
            if q and len(picked) < n_train + n_test:
                picked.append(int(q.pop(0)))
    train, test = np.array(picked[:n_train]), np.array(picked[n_train:], dtype=int)
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
    """One of :data:`DATASETS` by name (``options`` go to the loader, e.g. ``widths`` for the teacher).

    >>> load_dataset("moons", 10, 10).name
    'moons'
    >>> load_dataset("mnist", 10, 10)
    Traceback (most recent call last):
    ...
    relugeom.exceptions.InvalidArgumentError: unknown data set 'mnist': choose one of digits, teacher, moons
    """
    if name == "digits":
        return digits(n_train, n_test, seed)
    if name == "teacher":
        return teacher_task(n_train=n_train, n_test=n_test, seed=seed, **options)
    if name == "moons":
        return two_moons(n_train, n_test, seed=seed, **options)
    raise InvalidArgumentError(f"unknown data set {name!r}: choose one of {', '.join(DATASETS)}")
