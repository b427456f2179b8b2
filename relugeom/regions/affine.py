"""Exact affine maps of the pre-activations on one activation region.

Fix the patterns of hidden layers 0 … k−1. Then every pre-activation of map k is an affine function of
the input: z_k(x) = (G_k [x; 1]) / δ_k with an integer matrix G_k (n_{k+1} × (n0 + 1)) and an integer
δ_k > 0 (SPEC §6: "the pattern fixes every pre-activation as an affine function of x"). With D_k the 0/1
diagonal of layer k's pattern,

    G_{k+1} = weight_{k+1} · D_k · G_k   (constant column plus δ_k · bias_{k+1}),
    δ_{k+1} = den_{k+1} · δ_k,

where map k+1 is ``weight / den`` and ``bias / den`` in integers (:meth:`Network.integer_layers`). Both
are divided by the gcd of all their entries, so they stay as small as the maps allow. Only signs and
ratios matter to the geometry; :func:`as_fractions` gives the exact rational map back.

Examples
--------
>>> from relugeom.core.network import Network
>>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
>>> G, den = first_map(net)
>>> G.tolist(), den
([[1, 0], [1, -1]], 1)
>>> G1, den1 = next_map(net, 0, G, den, (True, False))     # neuron 0 active, neuron 1 inactive
>>> G1.tolist(), den1                                        # F(x) = x on that region
([[1, 0]], 1)
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Sequence

import numpy as np

from ..core.network import Network
from ..exceptions import InvalidArgumentError

__all__ = ["first_map", "next_map", "maps_of_pattern", "as_fractions", "split_pattern", "coprime_row"]


def coprime_row(a: Sequence, c) -> tuple[tuple[int, ...], int]:
    """The integer affine form a·x + c divided by the gcd of its entries (unchanged if all are 0).

    >>> coprime_row([4, -6], 10)
    ((2, -3), 5)
    """
    g = math.gcd(*[int(v) for v in a], int(c)) or 1
    return tuple(int(v) // g for v in a), int(c) // g


def _reduced(G: np.ndarray, den: int) -> tuple[np.ndarray, int]:
    g = den
    for v in G.flat:
        if g == 1:
            break
        g = math.gcd(g, int(v))
    if g > 1:
        G = np.array([int(v) // g for v in G.flat], dtype=object).reshape(G.shape)
        den //= g
    return G, den


def first_map(net: Network) -> tuple[np.ndarray, int]:
    """``(G_0, δ_0)`` with z_0(x) = (G_0 [x; 1]) / δ_0: the first map as integers."""
    layer = net.integer_layers()[0]
    G = np.array([list(row) + [b] for row, b in zip(layer.weight, layer.bias)], dtype=object)
    return _reduced(G, layer.den)


def next_map(net: Network, k: int, G: np.ndarray, den: int, active: Sequence[bool]) -> tuple[np.ndarray, int]:
    """``(G_{k+1}, δ_{k+1})`` from ``(G_k, δ_k)`` and the pattern ``active`` of hidden layer k."""
    layer = net.integer_layers()[k + 1]
    mask = np.array([bool(a) for a in active], dtype=bool)
    W = np.array(layer.weight, dtype=object)[:, mask]
    H = G[mask, :]
    n0 = G.shape[1] - 1
    out = W.dot(H) if H.shape[0] else np.zeros((W.shape[0], n0 + 1), dtype=object)
    out = np.asarray(out, dtype=object).reshape(W.shape[0], n0 + 1)
    out[:, n0] = out[:, n0] + np.array([den * b for b in layer.bias], dtype=object)
    return _reduced(out, den * layer.den)


def split_pattern(pattern: Sequence[bool], hidden_widths: Sequence[int]) -> list[tuple[bool, ...]]:
    """A flat pattern over all H hidden neurons cut into one tuple per hidden layer."""
    out, start = [], 0
    for w in hidden_widths:
        out.append(tuple(bool(v) for v in pattern[start : start + w]))
        start += w
    if start != len(pattern):
        raise InvalidArgumentError(f"a pattern needs {start} entries (one per hidden neuron), got {len(pattern)}")
    return out


def maps_of_pattern(net: Network, pattern: Sequence[bool]) -> list[tuple[np.ndarray, int]]:
    """``[(G_0, δ_0), …, (G_{L−1}, δ_{L−1})]`` on the region of a flat pattern (the last is F itself)."""
    layers = split_pattern(pattern, net.hidden_widths)
    maps = [first_map(net)]
    for k, active in enumerate(layers):
        maps.append(next_map(net, k, *maps[-1], active))
    return maps


def as_fractions(G: np.ndarray, den: int) -> tuple[tuple[tuple[Fraction, ...], ...], tuple[Fraction, ...]]:
    """``(weight, bias)`` as Fractions: the map x ↦ weight·x + bias equal to ``G [x; 1] / den``."""
    n0 = G.shape[1] - 1
    weight = tuple(tuple(Fraction(int(v), den) for v in row[:n0]) for row in G)
    bias = tuple(Fraction(int(row[n0]), den) for row in G)
    return weight, bias
