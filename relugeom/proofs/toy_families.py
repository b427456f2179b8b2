"""The toy families the theorems of ``proofs/`` are checked on, and a counter of flagged cases.

* :func:`grids`: exhaustive — every (1,2,1) network over {−1, 0, 1} on 6 samples (3^7 = 2187) and every
  (2,2,1) network on 8 samples (3^9 = 19683); default — the (1,1,1) grid over {−1, 0, 1} on 3 samples
  (81), the (1,2,1) grid over {−1, 1} on 6 samples (128) and the (2,1,1) grid over {−1, 0, 1} on 6
  samples (243). Batches are :func:`relugeom.search.families.default_batch`.
* :func:`random_nets`: random rational networks of deeper shapes, parameters p/q with |p| ≤ 20, q ≤ 7
  (smaller ranges make 25–40 % of the deep networks degenerate on the batch).
* :func:`count_flagged`: how many non-degenerate cases of some families have a boolean quantity set
  (e.g. T3's ``non_generic``, T5's substantive cases), through the same work units as the checks.

Examples
--------
>>> [len(f) for f in grids(False)]
[81, 128, 243]
>>> [f.widths for f in random_nets(1, 5)]
[(2, 3, 3, 1), (3, 4, 2), (1, 3, 3, 2)]
"""

from __future__ import annotations

from functools import partial
from typing import Callable, Sequence

from relugeom.search.families import Case, Family, GridFamily, Outcome, RandomFamily, default_batch
from relugeom.search.workunits import run_units, split, summarize

__all__ = ["RANDOM_PARAMETERS", "DEEP_SHAPES", "grids", "random_nets", "count_flagged"]

RANDOM_PARAMETERS = {"max_numerator": 20, "max_denominator": 7}

#: (widths, number of samples) of the random families
DEEP_SHAPES: tuple[tuple[tuple[int, ...], int], ...] = (((2, 3, 3, 1), 8), ((3, 4, 2), 6), ((1, 3, 3, 2), 6))


def grids(exhaustive: bool) -> list[GridFamily]:
    """The small-integer grids (see the module docstring)."""
    if exhaustive:
        return [
            GridFamily((1, 2, 1), (-1, 0, 1), default_batch(1, 6)),
            GridFamily((2, 2, 1), (-1, 0, 1), default_batch(2, 8)),
        ]
    return [
        GridFamily((1, 1, 1), (-1, 0, 1), default_batch(1, 3)),
        GridFamily((1, 2, 1), (-1, 1), default_batch(1, 6)),
        GridFamily((2, 1, 1), (-1, 0, 1), default_batch(2, 6)),
    ]


def random_nets(
    seed: int, count: int, shapes: Sequence[tuple[tuple[int, ...], int]] = DEEP_SHAPES
) -> list[RandomFamily]:
    """One :class:`RandomFamily` of ``count`` cases per shape, seeded ``seed``, ``seed + 1``, …"""
    return [
        RandomFamily(w, num_samples=n, count=count, seed=seed + i, **RANDOM_PARAMETERS)
        for i, (w, n) in enumerate(shapes)
    ]


def _flag(check: Callable[[Case], Outcome], flag: Callable[[dict], bool], name: str, case: Case) -> Outcome:
    out = check(case)
    if out.status == "violation":
        raise RuntimeError(f"{name} is violated on {case.family} case {case.index}: {out.note}")
    if out.status == "degenerate":
        return out
    return Outcome("violation" if flag(out.quantities) else "ok", out.quantities)


def count_flagged(
    name: str, check: Callable[[Case], Outcome], flag: Callable[[dict], bool], families: Sequence[Family], jobs: int = 1
) -> dict[str, tuple[int, int]]:
    """For each family: (flagged cases, non-degenerate cases), where ``flag(quantities)`` is true.

    ``check`` and ``flag`` must be module-level functions (they travel to worker processes). Raises
    RuntimeError if a case violates the theorem (then run its check on that case to see why).
    """
    prefix = f"{name} flagged "
    judge = partial(_flag, check, flag, name)
    units = [u for fam in families for u in split(prefix + fam.name, judge, fam, 250)]
    totals = summarize(run_units(units, jobs=jobs))
    return {task.removeprefix(prefix): (t["violations"], t["checked"]) for task, t in totals.items()}
