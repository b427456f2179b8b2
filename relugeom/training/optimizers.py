"""The trainer's optimizers as pure ``(init, update)`` pairs, in the spirit of optax, and their one registry.

An :class:`Optimizer` works on the flat parameter vector θ (float64, or an object array of Fractions)::

    state = opt.init(θ)                                  # once, before the first step
    updates, state = opt.update(g, state, θ)             # every step: g = ∇L(θ) on the step's batch
    θ = apply_updates(θ, updates)                        # θ + updates, in place

``update`` is a pure function of its arguments (the state carries the step count where it matters), and
``updates`` is what is *added*: −η·(direction). In float64, θ + (−x) is bit for bit θ − x, and with
Fractions every operation is exact.

The factories (``lr`` = η):

* :func:`gd`: θ ← θ − η g (full batch);
* :func:`sgd`: heavy-ball momentum μ: v ← μ v + g, θ ← θ − η v (v = g when μ = 0);
* :func:`adam`: Adam (β1, β2, ε; bias corrected at step t = 1, 2, …);
* :func:`path_sgd`: θ_e ← θ_e − η g_e / κ_e with κ_e = γ_in(u)·γ_out(v) [NSS15], from
  :func:`relugeom.measures.path_sgd.path_sgd_scale_array`. Exactly, κ = 0 forces g = 0 (every path through
  the edge has a zero weight) and the edge is left alone; in float64 κ can also underflow to 0 (tiny
  initialisations), and a nonzero gradient there stops the run with an error instead of freezing the
  edge silently.

:data:`OPTIMIZERS` maps each name to an :class:`OptimizerSpec`: how to build the optimizer from a
:class:`~relugeom.training.loop.TrainConfig`, and what the configuration checks need to know (default
batch size, momentum, exact arithmetic). :class:`~relugeom.training.loop.TrainConfig`, the loop and the
CLI all read it, so a new optimizer is one factory and one entry.

References
----------
.. [NSS15] Neyshabur, Salakhutdinov, Srebro, *Path-SGD: path-normalized optimization in deep neural
   networks*, NeurIPS 2015.

Examples
--------
Two steps of heavy ball, exactly:

>>> from fractions import Fraction as Fr
>>> opt = sgd(Fr(1, 10), Fr(1, 2))
>>> theta = np.array([Fr(1)], dtype=object)
>>> state = opt.init(theta)
>>> for _ in range(2):
...     updates, state = opt.update(np.array([Fr(2)], dtype=object), state, theta)
...     theta = apply_updates(theta, updates)
>>> theta                                    # 1 − (1/10)·2 − (1/10)·(1/2·2 + 2)
array([Fraction(1, 2)], dtype=object)
>>> list(OPTIMIZERS)
['gd', 'sgd', 'adam', 'path-sgd']
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from ..measures.path_sgd import path_sgd_scale_array

__all__ = [
    "Optimizer",
    "OptimizerSpec",
    "OPTIMIZERS",
    "gd",
    "sgd",
    "adam",
    "path_sgd",
    "apply_updates",
    "layer_views",
]

Params = np.ndarray


class Optimizer(NamedTuple):
    """A pure optimizer: ``init(params) -> state`` and ``update(grads, state, params) -> (updates, state)``.

    ``params`` and ``grads`` are flat vectors in the parameter order of
    :meth:`relugeom.core.network.Network.parameters`; ``updates`` is added to ``params``
    (:func:`apply_updates`).
    """

    init: Callable[[Params], Any]
    update: Callable[[Params, Any, Params], tuple[Params, Any]]


def apply_updates(params: Params, updates: Params) -> Params:
    """``params + updates``, in place (the trainer's layer views see the new values); returns ``params``.

    >>> apply_updates(np.array([1.0, 2.0]), np.array([-0.5, 0.0]))
    array([0.5, 2. ])
    """
    params += updates
    return params


def layer_views(theta: Params, widths: Sequence[int]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Layer views ``(W, b)`` into the flat vector (parameter order of :meth:`Network.parameters`).

    >>> [(W.shape, b.shape) for W, b in layer_views(np.arange(9.0), (2, 2, 1))]
    [((2, 2), (2,)), ((1, 2), (1,))]
    """
    out, pos = [], 0
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        W = theta[pos : pos + n_in * n_out].reshape(n_out, n_in)
        pos += n_in * n_out
        out.append((W, theta[pos : pos + n_out]))
        pos += n_out
    return out


# ---------------------------------------------------------------------------------------- the factories
def gd(lr: Any) -> Optimizer:
    """Gradient descent: updates −η g; no state.

    >>> gd(0.5).update(np.array([2.0, -4.0]), None, np.zeros(2))[0]
    array([-1.,  2.])
    """

    def init(params: Params) -> None:
        return None

    def update(grads: Params, state: None, params: Params) -> tuple[Params, None]:
        return -(lr * grads), None

    return Optimizer(init, update)


def sgd(lr: Any, momentum: Any = 0) -> Optimizer:
    """Heavy-ball momentum: v ← μ v + g (v = g when μ = 0), updates −η v; the state is v.

    >>> opt = sgd(1.0, 0.5)
    >>> u, v = opt.update(np.array([1.0]), opt.init(np.zeros(1)), np.zeros(1))
    >>> u, v = opt.update(np.array([1.0]), v, np.zeros(1))
    >>> u, v                                      # v = 0.5·1 + 1
    (array([-1.5]), array([1.5]))
    """

    def init(params: Params) -> Params:
        return params * 0

    def update(grads: Params, velocity: Params, params: Params) -> tuple[Params, Params]:
        velocity = momentum * velocity + grads if momentum else grads
        return -(lr * velocity), velocity

    return Optimizer(init, update)


class AdamState(NamedTuple):
    """Adam's state: steps taken, first and second moment estimates."""

    count: int
    mu: Params
    nu: Params


def adam(lr: Any, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> Optimizer:
    """Adam: m ← β1 m + (1 − β1) g, v ← β2 v + (1 − β2) g², updates −η m̂ / (√v̂ + ε) with
    m̂ = m / (1 − β1^t), v̂ = v / (1 − β2^t) at step t = 1, 2, … (float64 only: √ is not rational).

    >>> opt = adam(0.1)
    >>> opt.update(np.array([3.0, -0.5]), opt.init(np.zeros(2)), np.zeros(2))[0]   # step 1: −η sign(g)
    array([-0.1,  0.1])
    """

    def init(params: Params) -> AdamState:
        return AdamState(0, params * 0, params * 0)

    def update(grads: Params, state: AdamState, params: Params) -> tuple[Params, AdamState]:
        t = state.count + 1
        mu = b1 * state.mu + (1 - b1) * grads
        nu = b2 * state.nu + (1 - b2) * grads * grads
        m_hat = mu / (1 - b1**t)
        v_hat = nu / (1 - b2**t)
        return -(lr * m_hat / (np.sqrt(v_hat) + eps)), AdamState(t, mu, nu)

    return Optimizer(init, update)


def path_sgd(lr: Any, widths: Sequence[int]) -> Optimizer:
    """Path-SGD [NSS15]: updates −η g_e / κ_e where κ ≠ 0, 0 where κ = 0; the state is the step count.

    ``widths`` gives the layers of the flat parameter vector (:func:`layer_views`). In float64 a
    nonzero gradient on an edge whose κ underflowed to 0 raises FloatingPointError.

    >>> opt = path_sgd(1.0, (1, 1, 1))           # θ = (w0, b0, w1, b1) = (1, 1, 2, 0): κ = (4, 4, 2, 1)
    >>> opt.update(np.array([4.0, 4.0, 2.0, 1.0]), opt.init(None), np.array([1.0, 1.0, 2.0, 0.0]))
    (array([-1., -1., -1., -1.]), 1)
    """

    def init(params: Params) -> int:
        return 0

    def update(grads: Params, count: int, params: Params) -> tuple[Params, int]:
        kappa = path_sgd_scale_array(layer_views(params, widths))
        live = kappa != 0
        if params.dtype != object and np.any(grads[~live] != 0):
            raise FloatingPointError(
                f"Path-SGD at step {count}: κ underflowed to 0 in float64 for "
                f"{int(np.sum(grads[~live] != 0))} parameters with a nonzero gradient (products of "
                f"tiny squared weights): use a larger initial scale, optimizer='gd', or "
                f"arithmetic='exact'"
            )
        updates = grads * 0
        updates[live] = -(lr * grads[live] / kappa[live])
        return updates, count + 1

    return Optimizer(init, update)


# ---------------------------------------------------------------------------------------- the registry
@dataclass(frozen=True)
class OptimizerSpec:
    """A registry entry: how to build an optimizer from a configuration, and what it accepts.

    Attributes
    ----------
    make : callable(config, widths) -> Optimizer
        ``config`` is the validated :class:`~relugeom.training.loop.TrainConfig` (``lr``, ``momentum``,
        ``betas``, ``eps`` in the run's arithmetic), ``widths`` the network's layer widths.
    batch_size : int or None
        The default minibatch size; None: full batch.
    full_batch_only : str or None
        When set, ``batch_size`` must stay None and this is the error message.
    momentum : Fraction or None
        The default momentum (as a float in float arithmetic); None: the optimizer takes no momentum.
    not_rational : str or None
        What has no exact rational form (e.g. "Adam's square root"); None: runs with ``arithmetic="exact"``.
    """

    make: Callable[[Any, Sequence[int]], Optimizer]
    batch_size: int | None = None
    full_batch_only: str | None = None
    momentum: Fraction | None = None
    not_rational: str | None = None


#: Every optimizer of the trainer by name (insertion order is the order error messages and the CLI list).
OPTIMIZERS: dict[str, OptimizerSpec] = {
    "gd": OptimizerSpec(
        lambda config, widths: gd(config.lr),
        full_batch_only="gd is full-batch gradient descent; for minibatches use optimizer='sgd'",
    ),
    "sgd": OptimizerSpec(
        lambda config, widths: sgd(config.lr, config.momentum), batch_size=32, momentum=Fraction(9, 10)
    ),
    "adam": OptimizerSpec(
        lambda config, widths: adam(config.lr, *config.betas, config.eps),
        batch_size=32,
        not_rational="Adam's square root",
    ),
    "path-sgd": OptimizerSpec(lambda config, widths: path_sgd(config.lr, widths)),
}
