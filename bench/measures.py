#!/usr/bin/env python
"""Benchmark of the exact complexity measures against float64 and sympy, in the same run.

Run from the repository root::

    python bench/measures.py            # all cases (about a minute)
    python bench/measures.py --quick    # the smaller cases

Every network is ``Network.random_he(widths, seed=0)`` (float64 weights used by their exact binary
values, so every exact number is a dyadic rational with ~60-bit numerators).

* **path-norms**: ``path_norm(net, p)`` exactly (integer recursion) against the same recursion in
  numpy float64 and against sympy (``Matrix.applyfunc(abs(x)**p)`` products on ``Rational`` entries);
  the relative error of the float value is printed next to the ratio.
* **margins**: ``exact_percentile(margins(net, X, y), 5)`` (exact forward pass and percentile) against numpy
  (float forward pass, ``np.percentile``) on n Gaussian samples with labels from a second network.
* **segments**: per segment, ``segment_profile`` exactly against its float route (``method="float"``)
  and against what float code usually does: a float forward pass on a grid of G values of t, counting
  the pattern changes between grid points. It prints how many segments the float route and the grid
  got wrong (a different pattern sequence, or a different number of breakpoints).

It prints one table per part with the time ratios exact / float. Nothing is asserted about times.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import sympy  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from table import format_table  # noqa: E402  (bench/table.py)

import relugeom  # noqa: E402
from relugeom.core.forward import float_pass  # noqa: E402
from relugeom.measures.norms import exact_percentile, margins, path_norm  # noqa: E402
from relugeom.measures.segments import segment_profile  # noqa: E402


def timed(fn, repeat: int = 1):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return out, best


def sympy_path_norm(net, p: int):
    g = sympy.ones(net.input_dim, 1)
    for W, b in net.layers():
        Wp = sympy.Matrix([[sympy.Rational(v.numerator, v.denominator) for v in row] for row in W]).applyfunc(
            lambda x: abs(x) ** p
        )
        bp = sympy.Matrix([sympy.Rational(v.numerator, v.denominator) for v in b]).applyfunc(lambda x: abs(x) ** p)
        g = Wp * g + bp
    return sum(g)


def path_norm_rows(cases):
    rows = []
    for name in cases:
        widths = tuple(int(v) for v in name.split("-"))
        net = relugeom.Network.random_he(widths, seed=0)
        net.integer_layers(), net.float_layers()  # conversions cached outside the timings
        for p in (1, 2):
            exact, t_exact = timed(lambda: path_norm(net, p), 3)
            flt, t_float = timed(lambda: path_norm(net, p, method="float"), 3)
            if net.num_params <= 20_000:
                sym, t_sym = timed(lambda: sympy_path_norm(net, p))
                sym_ok = "equal" if sympy.Rational(exact.numerator, exact.denominator) == sym else "DIFFERS"
                sym_cell, ratio_sym = f"{t_sym * 1e3:.1f}", f"{t_sym / t_exact:.0f}x"
            else:
                sym_ok, sym_cell, ratio_sym = "skipped", "-", "-"
            rel = abs(flt - float(exact)) / float(exact)
            rows.append(
                (
                    name,
                    str(p),
                    f"{len(str(exact.denominator))}",
                    f"{t_exact * 1e3:.2f}",
                    f"{t_float * 1e3:.3f}",
                    f"{t_exact / t_float:.0f}x",
                    sym_cell,
                    ratio_sym,
                    sym_ok,
                    f"{rel:.1e}",
                )
            )
    header = (
        "network",
        "p",
        "digits of den",
        "exact ms",
        "float ms",
        "exact/float",
        "sympy ms",
        "sympy/exact",
        "sympy value",
        "float rel. error",
    )
    return header, rows


def margin_rows(cases, n: int):
    rows = []
    for name in cases:
        widths = tuple(int(v) for v in name.split("-"))
        net = relugeom.Network.random_he(widths, seed=0)
        teacher = relugeom.Network.random_he(widths, seed=1)
        X = np.random.default_rng(1).standard_normal((n, widths[0]))
        y = (
            np.argmax(float_pass(teacher, X).pre[-1], axis=1)
            if widths[-1] > 1
            else (float_pass(teacher, X).pre[-1][:, 0] > 0).astype(int)
        )
        margin, t_exact = timed(lambda: exact_percentile(margins(net, X, y), 5))

        def float_margin():
            F = float_pass(net, X).pre[-1]
            if F.shape[1] == 1:
                mg = np.where(y == 1, F[:, 0], -F[:, 0])
            else:
                other = F.copy()
                other[np.arange(n), y] = -np.inf
                mg = F[np.arange(n), y] - other.max(axis=1)
            return float(np.percentile(mg, 5))

        fm, t_float = timed(float_margin, 3)
        rows.append(
            (
                name,
                str(n),
                f"{float(margin):.6g}",
                f"{abs(fm - float(margin)):.1e}",
                f"{t_exact * 1e3:.1f}",
                f"{t_float * 1e3:.2f}",
                f"{t_exact / t_float:.0f}x",
            )
        )
    header = ("network", "n", "margin (exact)", "|float - exact|", "exact ms", "float ms", "exact/float")
    return header, rows


def grid_breakpoints(net, xa, xb, grid: int) -> int:
    t = np.linspace(0.0, 1.0, grid)
    fp = float_pass(net, np.outer(1 - t, xa) + np.outer(t, xb))
    P = np.hstack([z > 0 for z in fp.pre[:-1]])
    return int(np.any(P[1:] != P[:-1], axis=1).sum())


def segment_rows(cases, pairs: int, grid: int):
    rows = []
    for name in cases:
        widths = tuple(int(v) for v in name.split("-"))
        net = relugeom.Network.random_he(widths, seed=0)
        X = np.random.default_rng(1).standard_normal((2 * pairs, widths[0]))
        t_exact = t_float = t_grid = 0.0
        total = wrong_float = wrong_grid = 0
        for i in range(pairs):
            xa, xb = X[2 * i], X[2 * i + 1]
            ex, dt = timed(lambda: segment_profile(net, xa, xb))
            t_exact += dt
            fl, dt = timed(lambda: segment_profile(net, xa, xb, method="float"))
            t_float += dt
            gr, dt = timed(lambda: grid_breakpoints(net, xa, xb, grid))
            t_grid += dt
            total += ex.num_breakpoints
            wrong_float += fl.patterns != ex.patterns
            wrong_grid += gr != ex.num_breakpoints
        rows.append(
            (
                name,
                str(pairs),
                f"{total / pairs:.1f}",
                f"{t_exact / pairs * 1e3:.2f}",
                f"{t_float / pairs * 1e3:.2f}",
                f"{t_exact / t_float:.1f}x",
                f"{wrong_float}",
                f"{t_grid / pairs * 1e3:.2f}",
                f"{wrong_grid}",
            )
        )
    header = (
        "network",
        "segments",
        "breakpoints/segment",
        "exact ms",
        "float ms",
        "exact/float",
        "float wrong",
        f"grid ({grid}) ms",
        "grid wrong",
    )
    return header, rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--pairs", type=int, default=50, help="segments per network (default 50)")
    ap.add_argument("--grid", type=int, default=1000, help="grid points of the sampling baseline (default 1000)")
    args = ap.parse_args(argv)
    print(
        f"relugeom {relugeom.__version__}, Python {platform.python_version()}, {platform.machine()}, "
        f"sympy {sympy.__version__}; He init, seed 0; times are the best of 3 (sympy: 1 run)"
    )
    nets = ["8-32-32-4", "64-64-64-10"] + ([] if args.quick else ["784-128-128-10"])
    print("\npath-norms φ_p^p")
    print(format_table(*path_norm_rows(nets)))
    print("\nmargins (5th percentile) on n samples, labels from a teacher network")
    print(format_table(*margin_rows(["8-32-32-4", "64-64-64-10"], 200 if args.quick else 1000)))
    seg = ["2-32-32-1", "8-32-32-4"] + ([] if args.quick else ["64-32-32-10", "2-64-64-64-1"])
    print(f"\nsegment profiles (per segment; grid = pattern changes between {args.grid} float grid points)")
    print(format_table(*segment_rows(seg, 10 if args.quick else args.pairs, args.grid)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
