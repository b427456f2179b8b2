"""A small float64 trainer for :class:`~relugeom.core.network.Network`, with exact checkpoints (SPEC §7).

The flow::

    Network ─▶ float64 arrays θ ─▶ steps of an optimizer (optimizers.py) ─▶ checkpoint: Network
    (exact)     (one flat vector,    GD / SGD+momentum / Adam / Path-SGD;    (the float64 values,
                 layers are views)   numpy only; seeded minibatches)          exactly: dyadics)
                                                                                  │
              CheckpointRow (rows.py) ◀─ Tracker (tracking.py): exact BFD, patterns … ◀┘

Every float64 is a dyadic rational, so a checkpoint *is* an exact network and everything measured on it
(BFD, patterns, Hessian) is exact: the only floating-point part is the trajectory itself.

Losses, as a mean over the n samples of a batch:

* ``"squared"``: L = (1/n) Σ_i ‖F(x_i) − y_i‖² (classification: y_i one-hot), gradient 2(F − Y)/n;
* ``"cross-entropy"`` on logits (no softmax layer, which would remove directions, SPEC §7):
  L = (1/n) Σ_i (log Σ_c e^{F_c(x_i)} − F_{y_i}(x_i)), gradient (softmax(F) − onehot(y))/n.

Optimizers (``lr`` = η), the entries of :data:`relugeom.training.optimizers.OPTIMIZERS`:

* ``"gd"``: full-batch gradient descent θ ← θ − η g;
* ``"sgd"``: minibatch SGD with heavy-ball momentum μ (default 0.9): v ← μ v + g, θ ← θ − η v;
* ``"adam"``: Adam (β1 = 0.9, β2 = 0.999, ε = 1e-8, bias corrected);
* ``"path-sgd"``: θ_e ← θ_e − η g_e / κ_e with κ_e = γ_in(u)·γ_out(v) from the same recursions as
  :func:`relugeom.measures.path_sgd.path_sgd_scales` (full batch unless ``batch_size`` is given; κ = 0
  leaves the edge alone, a float64 κ underflowed to 0 under a nonzero gradient is an error).

The back-propagation (:func:`loss_and_gradient`) is written with numpy operations only, so it runs on
float64 arrays (training) and on object arrays of Fractions (tests compare it with exact difference
quotients of the loss at rational points).

References
----------
.. [BMB24] Bona-Pellissier, Malgouyres, Bachoc, *Geometry-induced implicit regularization in deep ReLU
   neural networks*, arXiv 2402.08269 (2024).

Examples
--------
>>> from relugeom.training.datasets import teacher_task
>>> data = teacher_task((2, 3, 1), n_train=40, n_test=10, seed=0)
>>> net = Network.random_he((2, 8, 1), seed=1)
>>> result = train(net, data, TrainConfig(optimizer="gd", lr=0.05, epochs=200, checkpoints=4))
>>> [row.step for row in result.history]
[0, 1, 14, 200]
>>> result.history[-1].loss < result.history[0].loss
True
>>> result.final == result.network_at(200)          # checkpoints are exact Networks
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, Callable, Literal, Mapping, Sequence

import numpy as np

from ..core.network import Network
from ..exceptions import InvalidArgumentError, ShapeError
from ..io import json_ready
from ..limits import checkpoint as bounded
from ..numbers import to_fraction
from .datasets import Dataset
from .optimizers import OPTIMIZERS, apply_updates, layer_views
from .rows import CheckpointRow

__all__ = [
    "TrainConfig",
    "TrainResult",
    "train",
    "loss_and_gradient",
    "evaluate",
    "checkpoint_steps",
    "scaled_network",
    "OPTIMIZERS",
    "LOSSES",
]

Loss = Literal["squared", "cross-entropy"]
LOSSES = ("squared", "cross-entropy")
Layers = Sequence[tuple[np.ndarray, np.ndarray]]


def _and(words: Sequence[str]) -> str:
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)


def _exact_refusal() -> str:
    exact = [name for name, spec in OPTIMIZERS.items() if spec.not_rational is None]
    why = [spec.not_rational for spec in OPTIMIZERS.values() if spec.not_rational] + ["the cross-entropy's exp/log"]
    return f"exact arithmetic runs {_and(exact)} on the squared loss ({' and '.join(why)} are not rational)"


# ---------------------------------------------------------------------------------------- configuration
@dataclass(frozen=True)
class TrainConfig:
    """How to train; validated on construction, with defaults resolved per optimizer.

    ``optimizer`` names an entry of :data:`~relugeom.training.optimizers.OPTIMIZERS`, which also gives
    the defaults: ``batch_size`` None means full batch for ``gd`` and ``path-sgd`` and 32 for ``sgd`` and
    ``adam``; ``momentum`` None means 0.9 for ``sgd`` (9/10 with ``arithmetic="exact"``) and 0 otherwise
    (``gd`` takes no momentum: use ``sgd`` with ``batch_size`` = n for full-batch heavy ball).
    ``checkpoints`` is a count of log-spaced checkpoints (always including step 0 and the last step) or an
    explicit sequence of steps.

    >>> TrainConfig(optimizer="sgd").batch_size, TrainConfig(optimizer="sgd").momentum
    (32, 0.9)
    >>> TrainConfig(optimizer="rmsprop")
    Traceback (most recent call last):
    ...
    relugeom.exceptions.InvalidArgumentError: optimizer must be one of gd, sgd, adam, path-sgd, got 'rmsprop'
    """

    optimizer: str = "gd"
    lr: float = 0.1
    epochs: int = 100
    batch_size: int | None = None
    momentum: float | None = None
    loss: Loss = "squared"
    seed: int = 0
    checkpoints: int | tuple[int, ...] = 10
    spacing: Literal["log", "linear"] = "log"
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    arithmetic: Literal["float", "exact"] = "float"

    def __post_init__(self) -> None:
        if self.arithmetic not in ("float", "exact"):
            raise InvalidArgumentError(f"arithmetic must be 'float' or 'exact', got {self.arithmetic!r}")
        exact = self.arithmetic == "exact"
        spec = OPTIMIZERS.get(self.optimizer) if isinstance(self.optimizer, str) else None
        if exact:
            if (spec is not None and spec.not_rational) or self.loss == "cross-entropy":
                raise InvalidArgumentError(_exact_refusal())
            object.__setattr__(self, "lr", to_fraction(self.lr, "lr"))
            if self.momentum is not None:
                object.__setattr__(self, "momentum", to_fraction(self.momentum, "momentum"))
        if spec is None:
            raise InvalidArgumentError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {self.optimizer!r}")
        if self.loss not in LOSSES:
            raise InvalidArgumentError(f"loss must be one of {', '.join(LOSSES)}, got {self.loss!r}")
        if not (isinstance(self.lr, (int, float, Fraction)) and math.isfinite(self.lr) and self.lr > 0):
            raise InvalidArgumentError(f"lr must be a positive finite number, got {self.lr!r}")
        if not isinstance(self.epochs, int) or self.epochs < 0:
            raise InvalidArgumentError(f"epochs must be an integer >= 0, got {self.epochs!r}")
        if self.spacing not in ("log", "linear"):
            raise InvalidArgumentError(f"spacing must be 'log' or 'linear', got {self.spacing!r}")
        batch = spec.batch_size if self.batch_size is None else self.batch_size
        if batch is not None and (not isinstance(batch, int) or batch < 1):
            raise InvalidArgumentError(f"batch_size must be a positive integer or None (full batch), got {batch!r}")
        if spec.full_batch_only and batch is not None:
            raise InvalidArgumentError(spec.full_batch_only)
        mom = self.momentum
        if mom is None:
            mom = Fraction(spec.momentum or 0)
            mom = mom if exact else float(mom)
        if not 0 <= mom < 1:
            raise InvalidArgumentError(f"momentum must be in [0, 1), got {mom!r}")
        if mom and spec.momentum is None:
            takes = " or ".join(f"optimizer={name!r}" for name, s in OPTIMIZERS.items() if s.momentum is not None)
            raise InvalidArgumentError(f"momentum applies to {takes} only, not {self.optimizer!r}")
        if isinstance(self.checkpoints, int):
            if self.checkpoints < 2:
                raise InvalidArgumentError("checkpoints must be >= 2 (the first and the last step) or a list of steps")
        else:
            object.__setattr__(self, "checkpoints", tuple(int(s) for s in self.checkpoints))
        object.__setattr__(self, "batch_size", batch)
        object.__setattr__(self, "momentum", mom if exact else float(mom))

    def steps_per_epoch(self, n: int) -> int:
        """Steps in one pass over n training samples (1 for full batch).

        >>> TrainConfig(optimizer="sgd", batch_size=32).steps_per_epoch(100), TrainConfig().steps_per_epoch(100)
        (4, 1)
        """
        batch = n if self.batch_size is None else self.batch_size
        return 1 if batch >= n else math.ceil(n / batch)

    def to_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["checkpoints"] = list(out["checkpoints"]) if isinstance(out["checkpoints"], tuple) else out["checkpoints"]
        out["betas"] = list(self.betas)
        return json_ready(out)


def checkpoint_steps(total: int, count: int | Sequence[int], spacing: str = "log") -> tuple[int, ...]:
    """The checkpoint steps: 0, ``total`` and ``count − 2`` more, log- or evenly spaced (deduplicated).

    An explicit sequence is checked against ``total`` and returned sorted (0 and ``total`` added).

    >>> checkpoint_steps(1000, 5)
    (0, 1, 10, 100, 1000)
    >>> checkpoint_steps(1000, 2)
    (0, 1000)
    >>> checkpoint_steps(10, 4, "linear")
    (0, 3, 7, 10)
    >>> checkpoint_steps(10, [5, 2])
    (0, 2, 5, 10)
    """
    if not isinstance(count, int):
        steps = {int(s) for s in count}
        bad = [s for s in steps if not 0 <= s <= total]
        if bad:
            raise InvalidArgumentError(f"checkpoint steps must lie in 0 … {total}, got {sorted(bad)}")
        return tuple(sorted(steps | {0, total}))
    if total == 0:
        return (0,)
    if spacing == "linear":
        inner = np.linspace(0, total, count)
    elif count > 2:
        inner = np.concatenate([[0], np.geomspace(1, total, count - 1)])
    else:
        inner = np.array([0, total])
    return tuple(sorted({int(round(v)) for v in inner} | {0, total}))


# ---------------------------------------------------------------------------------------- the maths
def _flat(layers: Layers) -> np.ndarray:
    return np.concatenate([np.concatenate([W.ravel(), b.ravel()]) for W, b in layers])


def _forward(layers: Layers, X: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Inputs of every map and the hidden masks; works for float64 and object (Fraction) arrays."""
    acts, masks = [X], []
    for k, (W, b) in enumerate(layers):
        z = acts[-1] @ W.T + b
        if k == len(layers) - 1:
            acts.append(z)
        else:
            mask = z > 0
            masks.append(mask)
            acts.append(np.where(mask, z, z * 0))
    return acts, masks


def _softmax(F: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    shifted = F - F.max(axis=1, keepdims=True)
    lse = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return np.exp(shifted - lse), lse[:, 0] + F.max(axis=1)


def _loss_and_output_gradient(F: np.ndarray, targets: np.ndarray, loss: Loss) -> tuple[Any, np.ndarray]:
    """The mean loss of the outputs F and its gradient with respect to F."""
    n = F.shape[0]
    exact = F.dtype == object
    if loss == "squared":
        R = F - targets
        return (R * R).sum() * (Fraction(1, n) if exact else 1.0 / n), R * (Fraction(2, n) if exact else 2.0 / n)
    if loss == "cross-entropy":
        if exact:
            raise InvalidArgumentError(
                "the cross-entropy involves exp and log: it has no exact form; use float64 arrays"
            )
        labels = np.asarray(targets, dtype=int)
        P, lse = _softmax(F)
        value = float(np.mean(lse - F[np.arange(n), labels]))
        P[np.arange(n), labels] -= 1.0
        return value, P / n
    raise InvalidArgumentError(f"loss must be one of {', '.join(LOSSES)}, got {loss!r}")


def loss_and_gradient(layers: Layers, X: np.ndarray, targets: np.ndarray, loss: Loss = "squared"):
    """The mean loss over the batch and its gradient ``[(dW0, db0), …]`` by back-propagation.

    ``targets`` is an n × n_L array for ``"squared"`` and a vector of integer labels for
    ``"cross-entropy"``. With object arrays of Fractions (``"squared"`` only) every operation is exact.
    The gradient is that of the polynomial of the current activation patterns (ReLU'(0) := 0).

    >>> from fractions import Fraction as Fr
    >>> W0, b0 = np.array([[Fr(1)], [Fr(1)]], dtype=object), np.array([Fr(0), Fr(-1)], dtype=object)
    >>> W1, b1 = np.array([[Fr(1), Fr(1)]], dtype=object), np.array([Fr(0)], dtype=object)
    >>> value, grads = loss_and_gradient([(W0, b0), (W1, b1)], np.array([[Fr(2)]], dtype=object),
    ...                                  np.array([[Fr(1)]], dtype=object))
    >>> value, [str(v) for v in grads[1][0].ravel()]          # F(2) = 3: residual 2, loss 4
    (Fraction(4, 1), ['8', '4'])
    """
    acts, masks = _forward(layers, X)
    value, delta = _loss_and_output_gradient(acts[-1], targets, loss)
    grads: list[tuple[np.ndarray, np.ndarray]] = []
    for k in range(len(layers) - 1, -1, -1):
        W = layers[k][0]
        grads.append((delta.T @ acts[k], delta.sum(axis=0)))
        if k:
            delta = (delta @ W) * masks[k - 1]
    return value, grads[::-1]


def _targets(data: Dataset, y: np.ndarray, loss: Loss) -> np.ndarray:
    if data.task == "classification":
        if loss == "cross-entropy":
            return np.asarray(y, dtype=int)
        return np.eye(data.num_classes)[np.asarray(y, dtype=int)]
    if loss == "cross-entropy":
        raise InvalidArgumentError(f"{data.name} is a regression task: use loss='squared'")
    return np.asarray(y, dtype=np.float64).reshape(len(y), -1)


def evaluate(layers: Layers, X: np.ndarray, y: np.ndarray, data: Dataset, loss: Loss) -> tuple[Any, float | None]:
    """(mean loss, accuracy) of the layers on ``(X, y)``; accuracy is None for regression.

    The loss is a float, or a Fraction when the layers and ``X`` are object arrays of Fractions.
    """
    if len(X) == 0:
        return None, None
    T = _targets(data, y, loss)
    if X.dtype == object:
        T = _exact_array(T)
    F = _forward(layers, X)[0][-1]
    value, _ = _loss_and_output_gradient(F, T, loss)
    acc = None
    if data.task == "classification":
        acc = float(np.mean(np.argmax(F, axis=1) == np.asarray(y, dtype=int)))
    return (value if X.dtype == object else float(value)), acc


def _exact_array(A: np.ndarray) -> np.ndarray:
    """A float (or int) array as an object array of exact Fractions (binary values of the floats)."""
    A = np.asarray(A)
    return np.array([to_fraction(v, "data") for v in A.ravel().tolist()], dtype=object).reshape(A.shape)


def scaled_network(net: Network, scale: float) -> Network:
    """``net`` with every weight and bias multiplied by ``scale`` in float64 (small initialisations).

    >>> scaled_network(Network.from_layers([([[2]], [1]), ([[4]], [0])]), 0.5).parameters()
    (Fraction(1, 1), Fraction(1, 2), Fraction(2, 1), Fraction(0, 1))
    """
    return Network.from_layers([(W * scale, b * scale) for W, b in net.float_layers()])


# ---------------------------------------------------------------------------------------- the loop
@dataclass(frozen=True)
class TrainResult:
    """What :func:`train` returns: the per-checkpoint table, the checkpoints and the loss of every step.

    ``history`` is a list of :class:`~relugeom.training.rows.CheckpointRow` (one per checkpoint: ``step``,
    ``epoch``, ``loss``, ``accuracy``, ``test_loss``, ``test_accuracy`` and the tracker's measurements, if
    any; ``row.to_dict()`` is the row of ``history.json``); ``loss_trace[s]`` is the loss of
    the batch used at step s (the full training loss for full-batch optimizers), with one more entry for
    the final parameters when the run is full batch.
    """

    config: TrainConfig
    history: list[CheckpointRow]
    checkpoints: tuple[tuple[int, Network], ...]
    loss_trace: np.ndarray
    steps_per_epoch: int
    num_steps: int
    dataset: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def initial(self) -> Network:
        return self.checkpoints[0][1]

    @property
    def final(self) -> Network:
        return self.checkpoints[-1][1]

    def network_at(self, step: int) -> Network:
        for s, net in self.checkpoints:
            if s == step:
                return net
        raise KeyError(f"no checkpoint at step {step}; checkpoints: {[s for s, _ in self.checkpoints]}")


Progress = Callable[[int, int, float], None]


def train(
    net: Network,
    data: Dataset,
    config: TrainConfig = TrainConfig(),
    tracker: Any = None,
    progress: Progress | None = None,
) -> TrainResult:
    """Train ``net`` (rounded to float64) on ``data.X_train`` and measure it at every checkpoint.

    Parameters
    ----------
    net : Network
        The initial network; its parameters are rounded to the nearest float64 (exact for float-made
        networks such as ``Network.random_he``), and checkpoint 0 is that float network exactly.
    data : Dataset
        Training and test sets (:mod:`relugeom.training.datasets`); widths must match its input and output sizes.
    config : TrainConfig
    tracker : optional
        An object with ``measure(net) -> CheckpointRow`` (e.g. :class:`relugeom.training.tracking.Tracker`),
        called on the exact network at each checkpoint; the history row is its row with the training
        columns filled in. (A dict in the layout of ``history.json`` is read with ``CheckpointRow.from_dict``.)
    progress : callable(step, total, loss), optional
        Called after every step (the CLI draws its progress bar with it).

    Raises
    ------
    ShapeError
        When the widths do not fit the data.
    FloatingPointError
        When the loss becomes NaN or infinite (lower the learning rate).
    """
    if net.input_dim != data.input_dim or net.output_dim != data.output_dim:
        raise ShapeError(
            f"the network has widths {net.widths} but {data.name} needs {data.input_dim} inputs and "
            f"{data.output_dim} outputs: use widths {data.input_dim},…,{data.output_dim}"
        )
    cfg = config
    exact = cfg.arithmetic == "exact"
    X, T = data.X_train, _targets(data, data.y_train, cfg.loss)
    if exact:
        X, T = _exact_array(X), _exact_array(T)
        theta = np.array(net.parameters(), dtype=object)
    else:
        theta = _flat(net.float_layers()).astype(np.float64).copy()
    n = len(X)
    per_epoch = cfg.steps_per_epoch(n)
    full = per_epoch == 1
    batch = n if full else cfg.batch_size
    total = cfg.epochs * per_epoch
    marks = set(checkpoint_steps(total, cfg.checkpoints, cfg.spacing))
    widths = net.widths
    layers = layer_views(theta, widths)
    rng = np.random.default_rng(cfg.seed)
    optimizer = OPTIMIZERS[cfg.optimizer].make(cfg, widths)
    state = optimizer.init(theta)
    trace: list[Any] = []
    history: list[CheckpointRow] = []
    checkpoints: list[tuple[int, Network]] = []

    def checkpoint(step: int) -> None:
        current = Network.from_parameters(widths, theta.tolist())
        with np.errstate(over="ignore", invalid="ignore"):
            loss, acc = evaluate(layers, X, data.y_train, data, cfg.loss)
        if not exact and not math.isfinite(loss):
            raise FloatingPointError(f"the loss became {loss} at step {step}: lower the learning rate (lr={cfg.lr})")
        test_loss, test_acc = evaluate(
            layers, _exact_array(data.X_test) if exact else data.X_test, data.y_test, data, cfg.loss
        )
        measured = CheckpointRow() if tracker is None else tracker.measure(current)
        if isinstance(measured, Mapping):
            measured = CheckpointRow.from_dict(measured)
        history.append(
            replace(
                measured,
                step=step,
                epoch=step / per_epoch,
                loss=loss,
                accuracy=acc,
                test_loss=test_loss,
                test_accuracy=test_acc,
            )
        )
        checkpoints.append((step, current))

    step = 0
    if 0 in marks:
        checkpoint(0)
    for _epoch in range(cfg.epochs):
        order = np.arange(n) if full else rng.permutation(n)
        for start in range(0, n, batch):
            idx = order[start : start + batch]
            with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported just below
                value, grads = loss_and_gradient(layers, X[idx], T[idx], cfg.loss)
            if not exact and not math.isfinite(value):
                raise FloatingPointError(
                    f"the loss became {value} at step {step}: lower the learning rate (lr={cfg.lr})"
                )
            trace.append(value if exact else float(value))
            updates, state = optimizer.update(_flat(grads), state, theta)
            apply_updates(theta, updates)  # in place: ``layers`` are views of θ
            step += 1
            if not exact and not np.all(np.isfinite(theta)):
                raise FloatingPointError(
                    f"the parameters overflowed at step {step}: lower the learning rate (lr={cfg.lr})"
                )
            if progress is not None:
                progress(step, total, float(trace[-1]))
            bounded()  # the deadline of relugeom.limits.bounds (CLI: --timeout)
            if step in marks:
                checkpoint(step)
    if full:
        trace.append(loss_and_gradient(layers, X, T, cfg.loss)[0])
    trace_array = np.array(trace, dtype=object if exact else np.float64)
    return TrainResult(replace(cfg), history, tuple(checkpoints), trace_array, per_epoch, total, data.name)
