"""Plateau detection on traces with known plateaus, and the saddle-to-saddle run's exact measurements."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import relugeom as rg
from relugeom.training.saddles import detect_plateaus, effective_rank, saddle_to_saddle


def _staircase(edges: list[int], levels: list[float], total: int) -> list[float]:
    """Loss ``levels[k]`` on steps [edges[k], edges[k+1]): flat pieces and sudden drops."""
    out = []
    for s in range(total + 1):
        k = max(i for i, e in enumerate(edges) if e <= s)
        out.append(levels[k])
    return out


@settings(max_examples=40)
@given(a=st.integers(50, 200), ratio=st.floats(4, 20), drop=st.floats(5, 1000))
def test_plateaus_of_a_staircase_are_found_where_they_are(a, ratio, drop):
    b = int(a * ratio)
    total = int(b * ratio)
    trace = _staircase([0, a, b], [1.0, 1.0 / drop, 1.0 / drop**2], total)
    plateaus = detect_plateaus(trace, grid=400)
    assert len(plateaus) == 3
    # each detected plateau lies inside a true flat stretch, and covers most of it (grid resolution)
    for p, (lo, hi) in zip(plateaus, [(1, a - 1), (a, b - 1), (b, total)]):
        assert lo <= p.start and p.end <= hi
        assert np.log(p.end / p.start) >= 0.9 * np.log(hi / lo) - 0.05
        assert p.loss_start == p.loss_end == trace[p.start]


def test_power_laws_are_not_plateaus_and_constants_are():
    assert detect_plateaus([1.0 / (s + 1) for s in range(10_000)]) == []
    assert detect_plateaus([1.0 / (s + 1) ** 0.01 for s in range(10_000)])[0].end == 9_999  # exponent 0.01 < 0.05
    (p,) = detect_plateaus([3.0] * 1000)
    assert (p.start, p.end, p.level) == (1, 999, 3.0)
    assert detect_plateaus([1.0, 1.0]) == []
    # a stretch flatter than the threshold but shorter than min_ratio is not a plateau
    trace = [1.0 / (s + 1) for s in range(1000)]
    trace[100:120] = [trace[100]] * 20
    assert detect_plateaus(trace, min_ratio=1.5) == []
    assert [(p.start, p.end) for p in detect_plateaus(trace, min_ratio=1.1, grid=1000)] == [(100, 119)]


def test_zero_loss_is_a_plateau_not_an_error():
    first, last = detect_plateaus([1.0] * 10 + [0.0] * 990, grid=300)
    assert (first.start, first.end, first.level) == (1, 9, 1.0)
    assert last.start >= 10 and last.end == 999 and last.loss_end == 0.0


@pytest.fixture(scope="module")
def run():
    return saddle_to_saddle(
        (2, 3, 1), (2, 6, 1), init_scale=2.0**-20, lr=0.05, steps=8000, n_train=30, seed=0, checkpoints=30
    )


def test_the_run_has_plateaus_and_phases_cover_it(run):
    assert len(run.plateaus) >= 2
    levels = [p.level for p in run.plateaus]
    assert levels == sorted(levels, reverse=True)  # the loss steps down from plateau to plateau
    phases = run.phases()
    assert phases[0].start == 0 and phases[-1].end == run.result.num_steps
    assert all(a.end == b.start for a, b in zip(phases, phases[1:]))
    assert [ph.kind for ph in phases].count("plateau") == len(run.plateaus)
    for ph in phases:
        inside = [r.bfd("train") for r in run.rows if ph.start <= r.step <= ph.end]
        assert ph.bfd_values == tuple(inside)


def test_every_checkpoint_bfd_is_the_exact_rank(run):
    X = run.data.X_train
    for (step, net), row in zip(run.result.checkpoints[::5], run.rows[::5]):
        assert row.step == step
        assert row.bfd("train") == rg.batch_functional_dimension(net, X)
        assert row.float_rank("train") == rg.batch_functional_dimension(net, X, method="float")
        s = np.linalg.svd(rg.jacobian(net, X, method="float"), compute_uv=False)
        assert row.extra["effective_rank"] == int((s > run.rtol * s[0]).sum()) == effective_rank(net, X, run.rtol)
        # the per-pattern bound of SPEC §3 holds at every checkpoint
        rep = rg.dimension_report(net, X)
        assert row.bfd("train") <= rep.bound_patterns and row.num_patterns("train") == rep.num_patterns


def test_small_initialisation_starts_with_a_tiny_effective_rank(run):
    """At scale 2^-20 float64 sees one direction (the output bias) above 1e-3 σ_max, while the exact
    rank is generic; the effective rank grows as neurons leave the origin."""
    first, last = run.rows[0], run.rows[-1]
    assert first.extra["effective_rank"] == 1 and first.bfd("train") > 1
    assert last.extra["effective_rank"] > first.extra["effective_rank"]
