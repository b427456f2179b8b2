"""Forward passes: exact (integer numerators over common denominators) and float64.

The exact pass writes every layer of the batch as integers over one positive denominator per layer:
``x = X_int / d_X``, ``z_k = Z_k / e_k`` with ``Z_k = A_k · W_int[k]^T + e_{k-1} b_int[k]``,
``a_{k+1} = relu(z_k) = relu(Z_k) / e_k``. Signs (hence activation patterns) are read off the integer
numerators, so they are exact; the integer products run in FLINT.

Examples
--------
>>> from relugeom.core.network import Network
>>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
>>> [str(v) for v in forward(net, [[2], ["1/2"]])[:, 0]]
['3', '1/2']
>>> forward(net, [[2], [0.5]], method="float")
array([[3. ],
       [0.5]])
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

import flint
import numpy as np

from .._typing import EXACT_OR_FLOAT, check_choice
from ..exceptions import FloatRangeError, ShapeError
from ..numbers import Matrix, as_numpy, dyadic_scaling, exact_matrix, integer_scaling
from .network import Network

__all__ = ["forward", "as_batch", "exact_pass", "float_pass", "ExactPass", "FloatPass", "int_matmul"]


def as_batch(net: Network, X: Any) -> Matrix:
    """Validate a batch of inputs and convert it exactly: n samples × n0 Fractions.

    ``X`` may be a nested sequence, a 2-D numpy array or torch tensor (floats by their exact value), or,
    for a network with one input, a flat sequence of numbers (one sample each).

    >>> from relugeom.core.network import Network
    >>> as_batch(Network.random_integer((1, 2, 1)), [1, "1/2"])
    ((Fraction(1, 1),), (Fraction(1, 2),))
    >>> as_batch(Network.random_integer((2, 2, 1)), [[1, 2, 3]])
    Traceback (most recent call last):
    ...
    relugeom.exceptions.ShapeError: inputs row 0 has 3 entries, expected 2
    """
    n0 = net.input_dim
    X = as_numpy(X)
    if (
        isinstance(X, np.ndarray)
        and X.ndim == 1
        or (
            not isinstance(X, np.ndarray)
            and isinstance(X, (list, tuple))
            and X
            and all(not isinstance(v, (list, tuple, np.ndarray)) for v in X)
        )
    ):
        if n0 != 1:
            raise ShapeError(
                f"inputs are a flat list but the network has {n0} inputs; give one row of {n0} numbers "
                f"per sample, e.g. [[...], [...]]"
            )
        X = [[v] for v in (X.tolist() if isinstance(X, np.ndarray) else X)]
    batch = exact_matrix(X, "inputs", ncols=n0)
    if not batch:
        raise ShapeError("the batch of inputs is empty; give at least one sample")
    return batch


def _float_batch(net: Network, X: Any) -> np.ndarray | None:
    """A non-empty float array (or tensor) of inputs as an n × n0 float64 array (shape checked); None otherwise."""
    X = as_numpy(X)
    if not (isinstance(X, np.ndarray) and X.dtype.kind == "f" and X.size):
        return None
    F = X[:, None] if X.ndim == 1 and net.input_dim == 1 else X
    if F.ndim != 2 or F.shape[1] != net.input_dim:
        raise ShapeError(f"inputs must be n x {net.input_dim}, got an array of shape {X.shape}")
    return np.asarray(F, dtype=np.float64)


@dataclass(frozen=True)
class ExactPass:
    """Integer numerators of a batch's exact forward pass.

    ``inputs[k]`` is ``A_k`` (n × n_k, numpy object array of ints; ``A_0 = X_int``) with denominator
    ``input_dens[k]``; ``pre[k]`` is ``Z_k`` (n × n_{k+1}) with denominator ``pre_dens[k]``. Activations
    are taken with ``relu`` (a zero pre-activation gives a zero activation, whatever the convention).
    """

    inputs: tuple[np.ndarray, ...]
    input_dens: tuple[int, ...]
    pre: tuple[np.ndarray, ...]
    pre_dens: tuple[int, ...]

    @property
    def num_samples(self) -> int:
        return self.inputs[0].shape[0]

    def outputs(self) -> np.ndarray:
        """Exact outputs as an n × n_L object array of Fractions."""
        den = self.pre_dens[-1]
        return np.array([[Fraction(int(v), den) for v in row] for row in self.pre[-1]], dtype=object).reshape(
            self.pre[-1].shape
        )


_SMALL_PRODUCT = 20_000  # below this many multiplications numpy's object dot beats FLINT's conversions


def int_matmul(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Exact product of two integer object arrays (FLINT ``fmpz_mat`` unless tiny)."""
    m, k = A.shape
    k2, n = B.shape
    assert k == k2
    if m * k * n <= _SMALL_PRODUCT:
        return np.asarray(A, dtype=object).dot(np.asarray(B, dtype=object)).reshape(m, n)
    prod = flint.fmpz_mat(m, k, [int(v) for v in A.ravel()]) * flint.fmpz_mat(k, n, [int(v) for v in B.ravel()])
    return np.array([int(v) for v in prod.entries()], dtype=object).reshape(m, n)


def exact_pass(net: Network, X: Any) -> ExactPass:
    """The exact forward pass of a batch, in integers (see the module docstring)."""
    F = _float_batch(net, X)
    if F is not None:
        A, dX = dyadic_scaling(F)  # floats by their exact binary value, without a Fraction each
    else:
        batch = as_batch(net, X)
        nums, dX = integer_scaling([v for row in batch for v in row])
        A = np.array(nums, dtype=object).reshape(len(batch), net.input_dim)
    inputs, input_dens, pre, pre_dens = [A], [dX], [], []
    den = dX
    for k, layer in enumerate(net.integer_layers()):
        WT = np.array(layer.weight, dtype=object).T
        Z = int_matmul(A, WT) + np.array([den * b for b in layer.bias], dtype=object)[None, :]
        den = den * layer.den
        pre.append(Z)
        pre_dens.append(den)
        if k < net.num_layers - 1:
            A = np.where(Z > 0, Z, 0).astype(object)
            inputs.append(A)
            input_dens.append(den)
    return ExactPass(tuple(inputs), tuple(input_dens), tuple(pre), tuple(pre_dens))


@dataclass(frozen=True)
class FloatPass:
    """float64 forward pass: ``inputs[k]`` is a_k (n × n_k), ``pre[k]`` is z_k (n × n_{k+1})."""

    inputs: tuple[np.ndarray, ...]
    pre: tuple[np.ndarray, ...]


def float_pass(net: Network, X: Any) -> FloatPass:
    """The float64 forward pass (parameters and inputs rounded to float64)."""
    A = _float_batch(net, X)
    if A is not None:
        if not np.all(np.isfinite(A)):
            dyadic_scaling(A)  # raises NotExactError naming the first NaN or infinity
    else:
        try:
            A = np.array([[float(v) for v in row] for row in as_batch(net, X)], dtype=np.float64)
        except OverflowError:
            raise FloatRangeError("an input is too large for float64; use method='exact'") from None
    inputs, pre = [A], []
    for k, (W, b) in enumerate(net.float_layers()):
        with np.errstate(over="ignore", invalid="ignore"):
            Z = A @ W.T + b
        if not np.all(np.isfinite(Z)):
            raise FloatRangeError(f"float64 overflow in the forward pass at layer {k}; use method='exact'")
        pre.append(Z)
        if k < net.num_layers - 1:
            A = np.maximum(Z, 0.0)
            inputs.append(A)
    return FloatPass(tuple(inputs), tuple(pre))


def forward(net: Network, X: Any, method: Literal["exact", "float"] = "exact") -> np.ndarray:
    """F_θ(X): exact outputs (object array of Fractions) or float64 outputs, n × n_L.

    Parameters
    ----------
    net : Network
    X : batch of inputs (see :func:`as_batch`)
    method : {"exact", "float"}

    Examples
    --------
    >>> from relugeom.core.network import Network
    >>> net = Network.from_layers([([[1, -1]], [0]), ([[2]], ["1/3"])])
    >>> forward(net, [[1, 0], [0, 1]]).tolist()
    [[Fraction(7, 3)], [Fraction(1, 3)]]
    """
    if check_choice("method", method, EXACT_OR_FLOAT) == "exact":
        return exact_pass(net, X).outputs()
    return float_pass(net, X).pre[-1]
