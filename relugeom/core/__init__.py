"""The core of the flow: an exact, frozen :class:`Network`, its forward passes and activation patterns.

    numbers ─▶ network ─▶ forward ─▶ patterns
               (frozen,    (exact      (0/1 per sample,
               validated)  integers)   degeneracy named)

Everything above this layer (Jacobians, ranks of dimension, regions, measures, training) starts from a
``Network`` and the patterns of a batch. Imports only the foundation (:mod:`relugeom.numbers`,
:mod:`relugeom.exceptions`, :mod:`relugeom._typing`).

>>> from relugeom.core import Network, activation_patterns
>>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
>>> activation_patterns(net, [-1, 2]).astype(int).tolist()
[[0, 0], [1, 1]]
"""

from .forward import as_batch, forward
from .network import Network
from .patterns import AtZero, PatternStatistics, activation_patterns, layer_patterns, pattern_statistics

__all__ = [
    "Network",
    "forward",
    "as_batch",
    "AtZero",
    "activation_patterns",
    "layer_patterns",
    "pattern_statistics",
    "PatternStatistics",
]
