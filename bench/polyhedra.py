#!/usr/bin/env python
"""Benchmark of the exact strict-feasibility test against a bare float LP, in the same run.

Run from the repository root::

    python bench/polyhedra.py              # 200 systems per row (about a minute)
    python bench/polyhedra.py --count 50   # quicker

Each row draws random systems ``A x < b`` of one kind and size (seeded):

* ``feasible``: random rows around a random point, plus a box;
* ``infeasible``: the same plus one cut that misses the polyhedron (chosen by an LP);
* ``strip``: random rows plus the strip 0 < x_1 < 2^-40.

The float systems are turned into exact integers (entries scaled by 2^200, plus random low bits, so every
entry has about 260 bits, as for exact He-initialised networks). It times ``scipy.optimize.linprog`` on
the float Chebyshev-centre LP (the baseline) and ``relugeom.regions.feasibility.strict_feasibility`` on the
exact system (a float guide through the direct HiGHS binding, then an exact point check or an exact
Farkas certificate, or the exact simplex), and counts the routes taken. Every exact answer is
re-verified (``Feasibility.verify``). Nothing is asserted about times.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

import numpy as np  # noqa: E402
from scipy.optimize import linprog  # noqa: E402
from table import format_table  # noqa: E402  (bench/table.py)

from relugeom.regions.feasibility import strict_feasibility  # noqa: E402

SIZES = ((2, 10), (3, 30), (8, 60), (16, 200))


def _around_point(rng, d, m):
    A = rng.standard_normal((m - 2 * d, d))
    x0 = rng.standard_normal(d)
    b = A @ x0 + np.abs(rng.standard_normal(m - 2 * d)) * 0.5
    box_A = np.vstack([np.eye(d), -np.eye(d)])
    return np.vstack([A, box_A]), np.concatenate([b, np.full(2 * d, 10.0) + np.concatenate([x0, -x0])])


def feasible(rng, d, m):
    return _around_point(rng, d, m)


def infeasible(rng, d, m):
    A, b = _around_point(rng, d, m - 1)
    a = rng.standard_normal(d)
    low = linprog(a, A_ub=A, b_ub=b, bounds=[(None, None)] * d, method="highs").fun
    return np.vstack([A, a]), np.append(b, low - abs(rng.standard_normal()) * 0.3 - 1e-3)


def strip(rng, d, m):
    A = rng.standard_normal((m - 2, d))
    x0 = rng.standard_normal(d)
    x0[0] = 2.0**-41
    e = np.zeros(d)
    e[0] = 1.0
    b = A @ x0 + np.abs(rng.standard_normal(m - 2))
    return np.vstack([A, e, -e]), np.concatenate([b, [2.0**-40, 0.0]])


def exact_integers(A, b, seed):
    """Exact integer rows: each float by its exact value times 2^200, plus random low bits."""
    r = random.Random(seed)
    scale = 2**200
    rows = [[int(Fraction(float(v)) * scale) + r.randrange(2**60) for v in row] for row in A]
    rhs = [int(Fraction(float(v)) * scale) + r.randrange(2**60) for v in b]
    return rows, rhs


def chebyshev_linprog(A, b):
    d = A.shape[1]
    M = np.abs(A).max(axis=1)
    A, b = A / M[:, None], b / M
    c = np.zeros(d + 1)
    c[-1] = -1.0
    return linprog(
        c,
        A_ub=np.column_stack([A, np.linalg.norm(A, axis=1)]),
        b_ub=b,
        bounds=[(None, None)] * d + [(None, 1.0)],
        method="highs",
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--count", type=int, default=200, help="systems per row (default 200)")
    args = ap.parse_args(argv)
    rows = []
    for d, m in SIZES:
        for k, kind in enumerate((feasible, infeasible, strip)):
            rng = np.random.default_rng(1000 * d + 10 * m + k)  # fixed seeds: the same systems every run
            floats = [kind(rng, d, m) for _ in range(args.count)]
            exact = [exact_integers(A, b, i) for i, (A, b) in enumerate(floats)]
            t0 = time.perf_counter()
            for A, b in floats:
                chebyshev_linprog(A, b)
            t_lp = (time.perf_counter() - t0) / args.count
            routes: dict[str, int] = {}
            answers = []
            t0 = time.perf_counter()
            for A, b in exact:
                res = strict_feasibility(A, b)
                routes[res.route] = routes.get(res.route, 0) + 1
                answers.append(res)
            t_ex = (time.perf_counter() - t0) / args.count
            verified = all(res.verify(A, b) for res, (A, b) in zip(answers, exact))
            rows.append(
                (
                    kind.__name__,
                    f"{d}",
                    f"{m}",
                    f"{t_lp * 1e3:.3f}",
                    f"{t_ex * 1e3:.3f}",
                    f"{t_ex / t_lp:.2f}x",
                    str(sum(r.feasible for r in answers)),
                    ", ".join(f"{k} {v}" for k, v in sorted(routes.items())),
                    "yes" if verified else "NO",
                )
            )
            print(f"... {kind.__name__} d={d} m={m}", file=sys.stderr, flush=True)
    header = ("kind", "d", "m", "linprog ms", "exact ms", "exact / linprog", "feasible", "routes", "verified")
    print(format_table(header, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
