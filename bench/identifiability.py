#!/usr/bin/env python
"""Benchmark: rank α(X, θ) from the layer-by-layer Gram matrix against building α path by path, same run.

Run from the repository root::

    python bench/identifiability.py            # all cases (a few minutes)
    python bench/identifiability.py --quick    # the smaller cases

Every network is ``Network.random_he(widths, seed=0)`` on n Gaussian samples (seed 0), one BLAS thread.

* **gram**: :func:`relugeom.identifiability.paths.path_rank`, exact and certified: the n × n integer Gram
  matrix (cost independent of the number of paths) and its certified rank.
* **explicit exact**: α built path by path (:func:`relugeom.proofs.t8_identifiability.path_activation_matrix`,
  n × (paths + 1) Fractions) and its certified rank (:func:`relugeom.rank`).
* **explicit float**: α built path by path in numpy float64 (masks and inputs, one column per path) and
  ``numpy.linalg.matrix_rank``: what one would write without the factorisation.

Explicit routes are skipped when α would have more than ``--max-entries`` entries (default 2·10^6); the
table then prints the memory α would need. Each route is timed alone, then run again under tracemalloc
for its peak memory. Ratios are
explicit / gram. ``local_identifiability`` (both ranks and the verdict) is timed too. Nothing is asserted.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import itertools  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from table import format_table  # noqa: E402  (bench/table.py)

import relugeom as rg  # noqa: E402
from relugeom.core.patterns import activation_patterns  # noqa: E402
from relugeom.identifiability.paths import num_paths, path_rank  # noqa: E402
from relugeom.linalg.threads import threads  # noqa: E402
from relugeom.proofs.t8_identifiability import path_activation_matrix  # noqa: E402

CASES = (((2, 8, 8, 1), 100), ((3, 10, 10, 1), 200), ((2, 16, 16, 1), 300), ((8, 16, 16, 16, 2), 300))
LARGE = (((784, 30, 30, 30, 10), 200), ((784, 30, 30, 30, 10), 1000))


def measured(fn):
    """(result, seconds, peak bytes): timed on its own, then run again under tracemalloc for the peak."""
    t0 = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - t0
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return out, seconds, peak


def float_alpha_rank(net, X) -> int:
    """α in float64, one column per path (numpy), and matrix_rank."""
    P = activation_patterns(net, X, method="float")
    hidden = net.hidden_widths
    starts = np.cumsum((0,) + hidden)
    masks = [P[:, starts[k] : starts[k + 1]].astype(np.float64) for k in range(len(hidden))]
    cols = []
    for j in range(net.input_dim):
        for path in itertools.product(*(range(w) for w in hidden)):
            col = X[:, j].copy()
            for k, i in enumerate(path):
                col *= masks[k][:, i]
            cols.append(col)
    for h in range(len(hidden)):
        for path in itertools.product(*(range(w) for w in hidden[h:])):
            col = np.ones(X.shape[0])
            for k, i in enumerate(path, start=h):
                col *= masks[k][:, i]
            cols.append(col)
    cols.append(np.ones(X.shape[0]))
    return int(np.linalg.matrix_rank(np.column_stack(cols)))


def mb(b: float) -> str:
    return f"{b / 2**20:,.1f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--quick", action="store_true", help="only the small cases")
    parser.add_argument("--max-entries", type=float, default=2e6, help="largest explicit α built (entries)")
    args = parser.parse_args(argv)
    print(f"python {platform.python_version()}, {platform.machine()}, one BLAS and one FLINT thread")
    rows, verdicts = [], []
    cases = CASES if args.quick else CASES + LARGE
    with threads(1):
        for widths, n in cases:
            net = rg.Network.random_he(widths, seed=0)
            X = np.random.default_rng(0).standard_normal((n, widths[0]))
            paths = num_paths(widths)
            gram, t_gram, m_gram = measured(lambda: path_rank(net, X).rank)
            entries = n * (paths + 1)
            if entries <= args.max_entries:
                exact, t_exact, m_exact = measured(lambda: rg.rank(path_activation_matrix(net, X)).rank)
                flt, t_float, m_float = measured(lambda: float_alpha_rank(net, X))
                explicit = [
                    f"{t_exact:.2f} s ({t_exact / t_gram:.1f}×)",
                    mb(m_exact),
                    f"{t_float:.2f} s ({t_float / t_gram:.1f}×)",
                    mb(m_float),
                    "yes" if exact == flt == gram else f"no: exact {exact}, float {flt}",
                ]
            else:
                need = entries * 8
                explicit = ["skipped", f"α needs {mb(need)} in float64", "skipped", "", "-"]
            rows.append(
                ["-".join(map(str, widths)), str(n), f"{paths:,}", str(gram), f"{t_gram:.2f} s", mb(m_gram)] + explicit
            )
            t0 = time.perf_counter()
            rep = rg.local_identifiability(net, X)
            t_rep = time.perf_counter() - t0
            verdicts.append(
                ["-".join(map(str, widths)), str(n), rep.verdict, str(rep.rank_gamma), str(rep.rank_alpha)]
                + [str(rep.n_minus_h), f"{t_rep:.2f} s"]
            )
            print(f"  done {widths} n={n}", file=sys.stderr, flush=True)
    header = ["network", "n", "paths", "rank α", "gram", "gram peak", "explicit exact", "peak"]
    header += ["explicit float64", "peak", "agree"]
    print(format_table(header, rows))
    print()
    print(format_table(["network", "n", "verdict", "R_Γ", "R_A", "N − H", "local_identifiability"], verdicts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
