"""Activation patterns of a batch, exact degeneracy detection, and pattern statistics (SPEC §2).

Hidden neuron (k, i) is *active* on x iff z_k(x)_i > 0. A zero hidden pre-activation makes x degenerate:
by default that is refused with :class:`~relugeom.exceptions.DegeneratePointError` naming the sample,
layer and neuron; ``at_zero="inactive"`` or ``"active"`` instead fixes the one-sided derivative
(ReLU'(0) := 0 or 1), and the choice is carried through to the Jacobian.

Examples
--------
>>> from relugeom.core.network import Network
>>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
>>> activation_patterns(net, [-1, "1/2", 2]).astype(int).tolist()
[[0, 0], [1, 0], [1, 1]]
>>> activation_patterns(net, [1])
Traceback (most recent call last):
...
relugeom.exceptions.DegeneratePointError: degenerate point: sample 0 has pre-activation exactly 0 at hidden layer 0, neuron 1; the network is not differentiable in its parameters there. Move the sample, or pass at_zero='inactive' or at_zero='active' (CLI: --at-zero) to use a one-sided derivative.
>>> activation_patterns(net, [1], at_zero="active").astype(int).tolist()
[[1, 1]]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Sequence

import numpy as np

from .._typing import AT_ZERO, EXACT_OR_FLOAT, check_choice
from ..exceptions import DegeneratePointError
from .forward import exact_pass, float_pass
from .network import Network

__all__ = [
    "AtZero",
    "activation_patterns",
    "layer_patterns",
    "PatternStatistics",
    "pattern_statistics",
]

AtZero = Literal["inactive", "active"] | None


def layer_patterns(pre: Sequence[np.ndarray], at_zero: AtZero = None) -> tuple[np.ndarray, ...]:
    """Boolean activation arrays (n × n_{k+1}) of the hidden layers from their pre-activations.

    ``pre`` holds the pre-activations of *all* maps (exact numerators over positive denominators, or
    floats); the last (output) map is ignored. Raises :class:`DegeneratePointError` on the first zero
    (lowest sample, then layer, then neuron) unless ``at_zero`` is given.
    """
    check_choice("at_zero", at_zero, AT_ZERO)
    hidden = pre[:-1]
    if at_zero is None and hidden:
        zeros = [np.asarray(Z == 0, dtype=bool) for Z in hidden]
        bad_samples = np.zeros(zeros[0].shape[0], dtype=bool)
        for z in zeros:
            bad_samples |= z.any(axis=1)
        if bad_samples.any():
            s = int(np.argmax(bad_samples))
            for k, z in enumerate(zeros):
                if z[s].any():
                    in_float = hidden[k].dtype.kind == "f"
                    raise DegeneratePointError(s, k, int(np.argmax(z[s])), in_float)
    out = []
    for Z in hidden:
        active = np.asarray(Z > 0, dtype=bool)
        if at_zero == "active":
            active |= np.asarray(Z == 0, dtype=bool)
        out.append(active)
    return tuple(out)


def activation_patterns(
    net: Network, X: Any, at_zero: AtZero = None, method: Literal["exact", "float"] = "exact"
) -> np.ndarray:
    """The n × H boolean pattern matrix of a batch (hidden layers left to right).

    Parameters
    ----------
    net : Network
    X : batch of inputs (nested list, array, or flat list when n0 = 1)
    at_zero : {None, "inactive", "active"}
        What a zero pre-activation means; None (default) refuses degenerate points.
    method : {"exact", "float"}
        Exact signs, or the signs of the float64 forward pass (which may differ near zero).

    Returns
    -------
    numpy.ndarray of bool, shape (n, H)

    Raises
    ------
    DegeneratePointError
        When a hidden pre-activation is exactly zero and ``at_zero`` is None.
    """
    check_choice("method", method, EXACT_OR_FLOAT)
    pre = exact_pass(net, X).pre if method == "exact" else float_pass(net, X).pre
    layers = layer_patterns(pre, at_zero)
    n = pre[0].shape[0]
    return np.hstack(layers) if layers else np.zeros((n, 0), dtype=bool)


@dataclass(frozen=True)
class PatternStatistics:
    """Distinct patterns of a batch and the neurons inactive on all of it.

    Attributes
    ----------
    patterns : tuple of tuples of int
        The distinct 0/1 patterns, in order of first appearance.
    counts : tuple of int
        How many samples show each pattern.
    sample_pattern : tuple of int
        Index into ``patterns`` for every sample.
    dead_neurons : tuple of (layer, neuron)
        Hidden neurons inactive on every sample (0-based).
    """

    patterns: tuple[tuple[int, ...], ...]
    counts: tuple[int, ...]
    sample_pattern: tuple[int, ...]
    dead_neurons: tuple[tuple[int, int], ...]

    @property
    def num_patterns(self) -> int:
        return len(self.patterns)


def pattern_statistics(P: np.ndarray, hidden_widths: Sequence[int]) -> PatternStatistics:
    """Statistics of an n × H pattern matrix (see :class:`PatternStatistics`).

    >>> P = np.array([[1, 0], [1, 0], [0, 0]], dtype=bool)
    >>> st = pattern_statistics(P, (2,))
    >>> st.patterns, st.counts, st.sample_pattern, st.dead_neurons
    (((1, 0), (0, 0)), (2, 1), (0, 0, 1), ((0, 1),))
    """
    index: dict[tuple[int, ...], int] = {}
    counts: list[int] = []
    sample_pattern = []
    for row in P.astype(int).tolist():
        key = tuple(row)
        if key not in index:
            index[key] = len(index)
            counts.append(0)
        counts[index[key]] += 1
        sample_pattern.append(index[key])
    never = ~P.any(axis=0) if P.shape[0] else np.ones(P.shape[1], dtype=bool)
    dead, pos = [], 0
    for k, w in enumerate(hidden_widths):
        dead.extend((k, i) for i in range(w) if never[pos + i])
        pos += w
    return PatternStatistics(tuple(index), tuple(counts), tuple(sample_pattern), tuple(dead))
