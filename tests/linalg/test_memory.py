"""Bounded memory: the certified BFD of a tall Jacobian never forms J, and a certificate out of the memory
budget fails at once with its bounds."""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
import pytest

from relugeom.core.network import Network
from relugeom.dimension.bfd import dimension_report
from relugeom.exceptions import CertificationTimeout
from relugeom.linalg import rank
from relugeom.linalg.memory import stream_rank_bytes
from relugeom.linalg.source import DenseRational


def test_a_tall_certified_bfd_stays_far_below_the_float_jacobian():
    """16-32-32-10 on 3,000 inputs: J is 30,000 × 1,930 (442 MB in float64, twice that for its SVD). The
    exact path streams it mod p; tracemalloc (which sees numpy's buffers) stays under a quarter of J."""
    net = Network.random_he((16, 32, 32, 10), seed=0)
    X = np.random.default_rng(1).normal(0.5, 1.0, (3000, 16))
    m, N = 3000 * 10, net.num_params
    tracemalloc.start()
    try:
        rep = dimension_report(net, X, seed=0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rep.certified and rep.bfd <= rep.bound_params
    assert peak < 8 * m * N / 4
    assert peak < stream_rank_bytes(m, N) + 8 * m * N / 8  # the model's basis and blocks, plus the exact pass


def test_a_computed_kernel_over_the_memory_budget_is_refused_at_once_with_the_bounds():
    rng = np.random.default_rng(0)
    A = rng.integers(-9, 9, (80, 40)) @ rng.integers(-9, 9, (40, 80))  # rank 40, no structure to use
    start = time.monotonic()
    with pytest.raises(CertificationTimeout, match="over the memory budget") as err:
        rank(DenseRational(A.tolist()), "exact", seed=0, memory_budget=1000)
    assert time.monotonic() - start < 5
    assert err.value.lower_bound == err.value.modular_rank == 40 and err.value.upper_bound == 80
    assert "Use method='modular'" in str(err.value)
