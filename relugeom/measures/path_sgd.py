"""Path-SGD [NSS15]: a gradient step preconditioned by the path geometry, exact with rational steps.

For the edge ``u → v`` (the weight ``W_k[v][u]``, or the bias ``b_k[v]`` as an edge from the constant
unit) the step is (SPEC §8, p = 2)

    w ← w − η · g / κ,   κ = γ_in(u) · γ_out(v),

where ``γ_in(u)`` sums Π w² over the paths into u (inputs and the bias unit: 1) and ``γ_out(v)`` over
the paths from v to the outputs (:func:`relugeom.measures.norms.path_sums`). If a hidden neuron is rescaled by
λ > 0, its incoming edges' g scale by 1/λ and their κ by 1/λ², its outgoing edges' g by λ and κ by
λ², so the step commutes with the rescaling: iterates from θ and from a rescaled θ stay equivalent.
Plain gradient descent does not have this property.

**κ = 0.** Then every path through the edge has a zero weight, and the true gradient of any loss
through F is 0 there too (0/0); the weight is left unchanged. A nonzero g with κ = 0 cannot be a
gradient of F and is refused.

Examples
--------
>>> from relugeom.core.network import Network
>>> net = Network.from_layers([([[2]], [0]), ([[3]], [0])])
>>> [str(k) for k in path_sgd_scales(net)]           # κ of W0, b0, W1, b1
['9', '9', '4', '1']
>>> new = path_sgd_step(net, [9, 0, 4, 1], "1/2")     # every w moves by η·g/κ = 1/2
>>> [str(v) for v in new.parameters()]
['3/2', '0', '5/2', '-1/2']
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Literal, Sequence

import numpy as np

from .._typing import EXACT_OR_FLOAT, check_choice
from ..core.network import Network
from ..exceptions import InvalidArgumentError, ShapeError
from ..numbers import exact_vector, to_fraction
from .norms import path_sums

__all__ = ["path_sgd_scales", "path_sgd_scale_array", "path_sgd_step", "flat_gradient"]


def path_sgd_scales(net: Network, method: Literal["exact", "float"] = "exact") -> tuple:
    """κ for every parameter, in the parameter order of :meth:`Network.parameters` (Fractions or floats).

    >>> from relugeom.core.network import Network
    >>> net = Network.from_layers([([[1, 1]], [1]), ([[2]], [0])])
    >>> path_sgd_scales(net, method="float")
    (4.0, 4.0, 4.0, 3.0, 1.0)
    """
    if check_choice("method", method, EXACT_OR_FLOAT) == "float":
        return tuple(float(v) for v in path_sgd_scale_array(net.float_layers()))
    g_in, g_out = path_sums(net, 2)
    scales: list[Fraction] = []
    for k in range(net.num_layers):
        for v in range(net.widths[k + 1]):
            scales.extend(g_out[k + 1][v] * g_in[k][u] for u in range(net.widths[k]))
        scales.extend(g_out[k + 1])
    return tuple(scales)


def path_sgd_scale_array(layers: Sequence[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """κ for layers given as arrays ``[(W0, b0), …]``, as a flat array in parameter order: the same
    γ_in / γ_out recursions as :func:`path_sgd_scales`, in the arrays' own arithmetic (float64, or exact
    for object arrays of Fractions). The trainer (:mod:`relugeom.training.loop`) holds its parameters as
    arrays, not as a Network, and calls this at every Path-SGD step.

    >>> path_sgd_scale_array([(np.array([[1.0, 1.0]]), np.array([1.0])), (np.array([[2.0]]), np.zeros(1))])
    array([4., 4., 4., 3., 1.])
    """
    dtype = layers[0][0].dtype
    g_in = [np.ones(layers[0][0].shape[1], dtype=dtype)]
    for W, b in layers:
        g_in.append((W * W) @ g_in[-1] + b * b)
    g_out = [np.ones(layers[-1][0].shape[0], dtype=dtype)]
    for W, _ in reversed(layers):
        g_out.insert(0, (W * W).T @ g_out[0])
    parts: list[np.ndarray] = []
    for k in range(len(layers)):
        parts.append(np.outer(g_out[k + 1], g_in[k]).ravel())
        parts.append(g_out[k + 1])
    return np.concatenate(parts)


def flat_gradient(net: Network, grads: Any, exact: bool = True) -> list:
    """A gradient as a flat list in parameter order, from a flat sequence of N numbers (or an N × 1
    array), a list of ``(dW, db)`` pairs, or a Network holding the gradient; exact Fractions or floats.

    >>> from relugeom.core.network import Network
    >>> net = Network.from_layers([([[1, 1]], [1]), ([[2]], [0])])
    >>> flat_gradient(net, [([[1, 2]], [3]), ([[4]], ["1/2"])])
    [Fraction(1, 1), Fraction(2, 1), Fraction(3, 1), Fraction(4, 1), Fraction(1, 2)]
    """
    if isinstance(grads, np.ndarray) and grads.ndim == 2 and 1 in grads.shape:
        grads = grads.ravel()  # a column or row vector, e.g. J.T @ r
    if isinstance(grads, Network):
        flat: list = list(grads.parameters())
        if grads.widths != net.widths:
            raise ShapeError(f"the gradient network has widths {grads.widths}, the network {net.widths}")
    elif (
        isinstance(grads, np.ndarray)
        and grads.ndim == 1
        or (isinstance(grads, (list, tuple)) and grads and not isinstance(grads[0], (list, tuple, np.ndarray)))
    ):
        flat = list(grads.tolist() if isinstance(grads, np.ndarray) else grads)
    else:
        try:
            pairs = list(grads)
            flat = []
            for k, (dW, db) in enumerate(pairs):
                dW = np.asarray(dW, dtype=object)
                shape = (net.widths[k + 1], net.widths[k])
                if dW.shape != shape or len(db) != net.widths[k + 1]:
                    raise ShapeError(
                        f"gradient of layer {k} must be ({shape[0]}x{shape[1]}, {shape[0]}); "
                        f"got {dW.shape} and {len(db)}"
                    )
                flat.extend(dW.ravel().tolist())
                flat.extend(list(np.asarray(db, dtype=object).ravel()))
            if len(pairs) != net.num_layers:
                raise ShapeError(f"{len(pairs)} gradient layers for {net.num_layers} layers")
        except (TypeError, ValueError, IndexError) as err:
            if isinstance(err, ShapeError):
                raise
            raise ShapeError(
                "grads must be a flat sequence of N numbers (parameter order), a list of (dW, db) pairs, or a Network"
            ) from None
    if len(flat) != net.num_params:
        raise ShapeError(f"the gradient has {len(flat)} entries; the network has N = {net.num_params} parameters")
    if exact:
        return list(exact_vector(flat, "gradient"))
    out = np.asarray([float(v) for v in flat], dtype=np.float64)
    if not np.all(np.isfinite(out)):
        raise InvalidArgumentError("the gradient has a NaN or infinite entry")
    return out.tolist()


def path_sgd_step(net: Network, grads: Any, lr: Any, method: Literal["exact", "float"] = "exact") -> Network:
    """One Path-SGD step ``θ − lr · g / κ`` (see the module docstring).

    Parameters
    ----------
    net : Network
    grads : gradient of the loss at ``net`` (see :func:`flat_gradient` for the accepted forms)
    lr : learning rate η > 0 (exact: int, Fraction, ``"p/q"`` or a float by its exact value)
    method : {"exact", "float"}
        ``exact``: every step is exact rational arithmetic. ``float``: float64 arithmetic; the result's
        parameters are the float64 values (kept exactly as dyadic rationals).

    Raises
    ------
    InvalidArgumentError
        If κ = 0 for a parameter whose gradient entry is nonzero (not a gradient of F).

    Examples
    --------
    >>> from relugeom.core.network import Network
    >>> from relugeom.symmetry import are_equivalent, rescale_neurons
    >>> net = Network.from_layers([([[1], [-2]], [1, 1]), ([[1, 1]], [0])])
    >>> g = [1, 1, 1, 1, 2, 3, 1]
    >>> scaled = rescale_neurons(net, 0, [3, "1/2"])
    >>> g_scaled = [Fraction(1, 3), 2, Fraction(1, 3), 2, 6, Fraction(3, 2), 1]   # the chain rule
    >>> are_equivalent(path_sgd_step(net, g, "1/10"), path_sgd_step(scaled, g_scaled, "1/10"))
    True
    """
    exact = check_choice("method", method, EXACT_OR_FLOAT) == "exact"
    eta = to_fraction(lr, "lr")
    if eta <= 0:
        raise InvalidArgumentError(f"the learning rate must be positive, got {eta}")
    g = flat_gradient(net, grads, exact=exact)
    kappa = path_sgd_scales(net, method)
    theta = net.parameters() if exact else [float(v) for v in net.parameters()]
    step = eta if exact else float(eta)
    new = []
    for i, (w, gi, k) in enumerate(zip(theta, g, kappa)):
        if k == 0:
            if gi != 0:
                why = (
                    "every path through it has a zero weight"
                    if exact
                    else "in float64: every path through it has a zero weight, or the product of squares "
                    "underflowed; method='exact' tells which"
                )
                raise InvalidArgumentError(
                    f"parameter {i} has κ = 0 ({why}) but gradient {gi} != 0; a gradient of F is 0 where "
                    f"κ = 0. Check the gradient's parameter order (Network.parameters)."
                )
            new.append(w)
        else:
            new.append(w - step * gi / k)
    if not exact and not np.all(np.isfinite(new)):
        raise InvalidArgumentError("the float Path-SGD step overflowed; use a smaller learning rate or method='exact'")
    return Network.from_parameters(net.widths, new)
