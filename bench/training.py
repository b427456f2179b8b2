#!/usr/bin/env python
"""Benchmark of the training-dynamics measurements against float64 and sympy, in the same run.

Run from the repository root::

    python bench/training.py            # all cases (about two minutes; digits rows need scikit-learn)
    python bench/training.py --quick    # the smaller cases

* **checkpoint BFD**: the exact certified BFD of a trained checkpoint (``dimension_report``) against the
  float64 SVD rank of the float Jacobian (numpy), on the training inputs of a digits network and of a
  teacher-task network; it also prints whether the two ranks agree.
* **exact Hessian**: ``loss_hessian`` (integer block products) against sympy: the fixed-pattern
  polynomial loss in N symbols differentiated by ``sympy.hessian`` and evaluated at θ; both give the
  same matrix (checked).
* **trainer**: float64 training steps per second, and what one exact checkpoint costs in steps.

It prints one table per part with the time ratios. Nothing is asserted about times.
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

import relugeom as rg  # noqa: E402
from relugeom.core.patterns import activation_patterns  # noqa: E402
from relugeom.training.datasets import MissingExtraError, digits, teacher_task  # noqa: E402
from relugeom.training.hessian import loss_hessian  # noqa: E402
from relugeom.training.loop import TrainConfig, train  # noqa: E402


def _timed(fn, repeat: int = 1):
    best, value = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t0)
    return best, value


def _ms(t: float) -> str:
    return f"{t * 1e3:.1f} ms" if t < 1 else f"{t:.2f} s"


def checkpoint_rows(quick: bool) -> list[tuple[str, ...]]:
    cases = [("teacher", (2, 16, 16, 1), 200, TrainConfig(lr=0.05, epochs=500))]
    if not quick:
        cases += [("teacher", (4, 32, 32, 1), 400, TrainConfig(lr=0.02, epochs=500))]
    try:
        digits(10, 0)
        cases += [
            ("digits", (64, 10, 10, 10), 200, TrainConfig(optimizer="sgd", lr=0.05, epochs=50, loss="cross-entropy"))
        ]
        if not quick:
            cases += [
                (
                    "digits",
                    (64, 16, 16, 10),
                    300,
                    TrainConfig(optimizer="sgd", lr=0.05, epochs=50, loss="cross-entropy"),
                )
            ]
    except MissingExtraError:
        print('(scikit-learn not installed: the digits rows are skipped; pip install -e ".[data]")')
    rows = []
    for name, widths, n, cfg in cases:
        data = digits(n, 0) if name == "digits" else teacher_task((widths[0], 4, 1), n_train=n, n_test=0)
        result = train(rg.Network.random_he(widths, seed=0), data, cfg)
        net, X = result.final, data.X_train
        t_exact, rep = _timed(lambda: rg.dimension_report(net, X))
        t_float, frank = _timed(lambda: int(np.linalg.matrix_rank(rg.jacobian(net, X, method="float"))), 3)
        rows.append(
            (
                f"{name} {'-'.join(map(str, widths))}, n={n}",
                f"{n * widths[-1]} × {net.num_params}",
                _ms(t_exact),
                _ms(t_float),
                f"{t_exact / t_float:.1f}×",
                str(rep.bfd),
                str(frank),
                "yes" if frank == rep.bfd else "NO",
            )
        )
    return rows


def _sympy_hessian(net: rg.Network, X, Y) -> sympy.Matrix:
    """The fixed-pattern polynomial loss Σ‖F − y‖² in N symbols, differentiated by sympy, at θ."""
    P = activation_patterns(net, X)
    theta = sympy.symbols(f"t0:{net.num_params}")
    offsets = net.parameter_offsets()
    widths = net.widths
    loss = 0
    for s, x in enumerate(X):
        h = [sympy.Rational(v) for v in x]
        col = 0
        for k, (w_start, b_start) in enumerate(offsets):
            n_in, n_out = widths[k], widths[k + 1]
            z = [
                sum(theta[w_start + i * n_in + j] * h[j] for j in range(n_in)) + theta[b_start + i]
                for i in range(n_out)
            ]
            if k < len(offsets) - 1:
                h = [z[i] if P[s, col + i] else 0 for i in range(n_out)]
                col += n_out
            else:
                h = z
        loss += sum((h[i] - sympy.Rational(Y[s][i])) ** 2 for i in range(len(h)))
    H = sympy.hessian(sympy.expand(loss), theta)
    return H.subs(dict(zip(theta, [sympy.Rational(v) for v in net.parameters()])))


def hessian_rows(quick: bool) -> list[tuple[str, ...]]:
    cases = [((2, 4, 1), 6), ((2, 4, 3, 1), 8)] + ([] if quick else [((3, 8, 2), 10)])
    rows = []
    for widths, n in cases:
        rng = np.random.default_rng(1)
        net = rg.Network.random_he(widths, seed=2)  # dyadic parameters: no exact zero pre-activation
        X = [
            [sympy.Rational(int(rng.integers(-6, 7)), int(rng.integers(1, 4))) for _ in range(widths[0])]
            for _ in range(n)
        ]
        Y = [[sympy.Rational(int(rng.integers(-3, 4))) for _ in range(widths[-1])] for _ in range(n)]
        Xf = [[str(v) for v in x] for x in X]
        Yf = [[str(v) for v in y] for y in Y]
        t_exact, H = _timed(lambda: loss_hessian(net, Xf, Yf), 3)
        t_sympy, Hs = _timed(lambda: _sympy_hessian(net, X, Y))
        same = all(sympy.Rational(str(H[i, j])) == Hs[i, j] for i in range(H.shape[0]) for j in range(H.shape[1]))
        rows.append(
            (
                f"{'-'.join(map(str, widths))}, n={n}",
                f"{net.num_params} × {net.num_params}",
                _ms(t_exact),
                _ms(t_sympy),
                f"{t_sympy / t_exact:.0f}×",
                "yes" if same else "NO",
            )
        )
    return rows


def trainer_rows(quick: bool) -> list[tuple[str, ...]]:
    data = teacher_task((8, 8, 1), n_train=500, n_test=0)
    rows = []
    for widths in [(8, 32, 32, 1)] + ([] if quick else [(8, 64, 64, 1)]):
        net = rg.Network.random_he(widths, seed=0)
        for opt in ("gd", "adam", "path-sgd"):
            cfg = TrainConfig(
                optimizer=opt, lr=0.001, epochs=200, batch_size=None if opt != "adam" else 500, checkpoints=2
            )
            t, result = _timed(lambda: train(net, data, cfg))
            per_step = t / result.num_steps
            t_ck, _ = _timed(lambda: rg.dimension_report(result.final, data.X_train))
            rows.append(
                (f"{'-'.join(map(str, widths))}, n=500", opt, f"{1 / per_step:,.0f}", f"{t_ck / per_step:,.0f}")
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(
        f"relugeom {getattr(rg, '__version__', '')} on {platform.machine()}, python "
        f"{platform.python_version()}, one BLAS thread\n"
    )
    print("exact BFD of a trained checkpoint against the float64 SVD rank of its Jacobian:")
    print(
        format_table(
            (
                "network, training inputs",
                "J",
                "exact (certified)",
                "float64 SVD",
                "exact / float",
                "exact BFD",
                "float rank",
                "agree",
            ),
            checkpoint_rows(args.quick),
        )
    )
    print("\nexact Hessian of Σ‖F − y‖² (integer blocks) against sympy.hessian of the fixed-pattern loss:")
    print(
        format_table(("network", "H", "relugeom", "sympy", "sympy / relugeom", "same matrix"), hessian_rows(args.quick))
    )
    print("\nfloat64 trainer (200 full-batch steps on a teacher task) and the cost of one exact checkpoint:")
    print(format_table(("network", "optimizer", "steps / s", "exact checkpoint = steps"), trainer_rows(args.quick)))


if __name__ == "__main__":
    main()
