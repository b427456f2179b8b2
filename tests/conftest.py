"""Shared fixtures for the relugeom test suite.

* ``hand_net`` / ``hand_cases``: the hand example of SPEC §3 (widths (1, 2, 1)) with its BFD values.
* ``draw_batch``: draws a batch of small rational inputs on which the network is *not* degenerate,
  redrawing a sample only when :class:`relugeom.DegeneratePointError` says it is degenerate (nothing
  else is caught).
* ``network_paths`` / ``brute_path_norm``: every path of a network (from an input or a bias unit to an
  output) listed one by one, the oracle for path-norms and Path-SGD's κ.
* ``rank_method``: each rank engine of the package (:data:`relugeom._typing.RANK_METHODS`) in turn, so a
  new engine runs through every test that takes this fixture.
* ``geometry``: each exact cell geometry of region enumeration (:data:`relugeom.regions.GEOMETRIES`) in
  turn, likewise.
* Hypothesis profiles: exact arithmetic has no meaningful per-example deadline, so every profile sets
  ``deadline=None``. ``HYPOTHESIS_PROFILE=ci`` additionally derandomizes (reproducible runs).
"""

from __future__ import annotations

import itertools
import os
from fractions import Fraction

import numpy as np
import pytest
from helpers import HAND_LAYERS
from hypothesis import HealthCheck, settings

import relugeom as rg
from relugeom._typing import RANK_METHODS
from relugeom.regions import GEOMETRIES

settings.register_profile("relugeom", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True)
settings.register_profile(
    "ci", deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True, print_blob=True
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "relugeom"))


# SPEC §3 hand example (HAND_LAYERS, from helpers): the batches and their BFD values.
HAND_CASES = [
    (["-1", "-1/2", "1/2", "7/10", "2", "3"], 5),
    (["1/2", "7/10", "2", "3"], 4),
    (["2", "3", "4", "5"], 2),
    (["-3", "-2", "-1"], 1),
    (["-1", "1/2", "2"], 3),
]


@pytest.fixture(scope="session")
def hand_net() -> rg.Network:
    return rg.Network.from_layers(HAND_LAYERS)


@pytest.fixture(scope="session")
def hand_cases() -> list[tuple[list[str], int]]:
    return list(HAND_CASES)


def random_rational_point(rng: np.random.Generator, n0: int, max_num: int = 9, max_den: int = 5) -> list[Fraction]:
    """One input in Q^{n0} with entries p/q, |p| <= max_num, 1 <= q <= max_den."""
    return [Fraction(int(rng.integers(-max_num, max_num + 1)), int(rng.integers(1, max_den + 1))) for _ in range(n0)]


def draw_nondegenerate_batch(
    net: rg.Network, n: int, rng: np.random.Generator, max_num: int = 9, max_den: int = 5, tries: int = 60
) -> list[list[Fraction]] | None:
    """``n`` rational samples, each non-degenerate for ``net``; None if some sample cannot be found.

    None happens for networks that are degenerate everywhere (e.g. a neuron with zero incoming weights
    and zero bias); callers skip such networks (``hypothesis.assume``).
    """
    batch: list[list[Fraction]] = []
    for _ in range(n):
        for _ in range(tries):
            x = random_rational_point(rng, net.input_dim, max_num, max_den)
            try:
                rg.activation_patterns(net, [x])
            except rg.DegeneratePointError:
                continue
            batch.append(x)
            break
        else:
            return None
    return batch


@pytest.fixture(scope="session")
def draw_batch():
    """The function :func:`draw_nondegenerate_batch` (a session fixture, so hypothesis tests can use it)."""
    return draw_nondegenerate_batch


@pytest.fixture(scope="session")
def rational_point():
    """The function :func:`random_rational_point`."""
    return random_rational_point


def list_network_paths(net: rg.Network) -> list[list[int]]:
    """Every path (from an input or a bias unit to an output) as the flat parameter indices of its edges."""
    offsets = net.parameter_offsets()
    widths, L = net.widths, net.num_layers
    out = []
    for start in range(L):  # the path's first edge belongs to map `start`
        sources = [("x", j) for j in range(widths[0])] if start == 0 else []
        sources.append(("b", None))
        for kind, j in sources:
            for units in itertools.product(*[range(widths[k + 1]) for k in range(start, L)]):
                w_off, b_off = offsets[start]
                edges = [w_off + units[0] * widths[start] + j if kind == "x" else b_off + units[0]]
                for k in range(start + 1, L):
                    v, u = units[k - start], units[k - start - 1]
                    edges.append(offsets[k][0] + v * widths[k] + u)
                out.append(edges)
    return out


def path_norm_by_paths(net: rg.Network, p: int) -> Fraction:
    """φ_p^p = Σ over the listed paths of Π |θ_e|^p."""
    theta = net.parameters()
    total = Fraction(0)
    for path in list_network_paths(net):
        prod = Fraction(1)
        for e in path:
            prod *= abs(theta[e]) ** p
        total += prod
    return total


@pytest.fixture(scope="session")
def network_paths():
    """The function :func:`list_network_paths`."""
    return list_network_paths


@pytest.fixture(scope="session")
def brute_path_norm():
    """The function :func:`path_norm_by_paths`."""
    return path_norm_by_paths


@pytest.fixture(params=RANK_METHODS)
def rank_method(request) -> str:
    """Each ``method=`` of :func:`relugeom.rank` and the BFD (the package's RANK_METHODS), one per test run."""
    return request.param


@pytest.fixture(params=GEOMETRIES)
def geometry(request) -> str:
    """Each exact cell geometry of :func:`relugeom.regions.region_decomposition`, one per test run."""
    return request.param
