"""Teaching demo 6: geometry-induced implicit regularization on real data, with exact ranks.

Run: python examples/06_implicit_regularization.py   (about 30 s; needs the 'data' extra for the digits:
pip install -e ".[data]"; writes implicit_regularization.png in the current folder)

[BMB24] train ReLU networks and watch the *batch functional dimension* BFD(θ, X), the rank of the
Jacobian of θ ↦ F_θ(X): the number of independent ways the outputs on the batch X can move when the
parameters move. They report that it falls during training ("geometry-induced implicit
regularization"), that it is lower on the training and test inputs than on random Gaussian inputs, and
that it stays below N − H, the dimension left after the H neuron rescalings. Their code thresholds
singular values in float; here every rank is certified: each checkpoint's float64 parameters are exact
dyadic rationals, the digits' pixels (0 … 16, divided by 16) are exact, and so is the rank.

The script trains a 64-10-10-10 network on 200 of scikit-learn's 8×8 digits (balanced classes) with
minibatch SGD and momentum on the cross-entropy of the logits (no softmax layer, SPEC §7), and measures
at five log-spaced checkpoints: loss and accuracy, the exact BFD on 200 training, 200 test and 200
random Gaussian inputs, the number of distinct activation patterns and the dead neurons (inactive on
every training input). It prints the table, writes the whole run (checkpoints, inputs, history) so that
``relugeom.training.run_directory.recheck_run`` can recompute every rank from the files, and saves the curves.
(The exact Hessian is shown in example 07: for N = 870 parameters its certified rank is out of reach.)

What the numbers show is reported as measured; this small network on 200 images need not behave like
[BMB24]'s MNIST networks (784-30-30-30-10 on 60,000 images), and the closing note of the issue compares.

Reference: [BMB24] Bona-Pellissier, Malgouyres, Bachoc, *Geometry-induced implicit regularization in
deep ReLU neural networks*, arXiv 2402.08269 (2024).
"""

from __future__ import annotations

import os
import time

import relugeom as rg
from relugeom.plots.training import plot_history
from relugeom.training.datasets import digits
from relugeom.training.loop import TrainConfig, train
from relugeom.training.run_directory import write_run
from relugeom.training.tracking import Tracker

WIDTHS = (64, 10, 10, 10)
N_TRAIN = N_TEST = N_RANDOM = 200
CONFIG = TrainConfig(
    optimizer="sgd", lr=0.05, momentum=0.9, batch_size=32, epochs=150, loss="cross-entropy", checkpoints=5, seed=0
)


def _cell(v) -> str:
    return "–" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)


def _bfd(row, batch: str) -> str:
    return _cell(row.bfd(batch)) + ("" if row.certified(batch) in (True, None) else "*")


def table(history: list) -> None:
    cols = [
        (lambda r: _cell(r.step), "step"),
        (lambda r: _cell(r.loss), "loss"),
        (lambda r: _cell(r.accuracy), "train acc"),
        (lambda r: _cell(r.test_accuracy), "test acc"),
        (lambda r: _bfd(r, "train"), "BFD train"),
        (lambda r: _bfd(r, "test"), "BFD test"),
        (lambda r: _bfd(r, "random"), "BFD random"),
        (lambda r: _cell(r.num_patterns("train")), "patterns"),
        (lambda r: _cell(r.dead_neurons), "dead"),
    ]
    print("  " + "  ".join(f"{title:>10}" for _, title in cols))
    for row in history:
        cells = [cell(row) for cell, _ in cols]
        print("  " + "  ".join(f"{c:>10}" for c in cells))


def main(out_dir: str | None = None) -> dict:
    start = time.perf_counter()
    data = digits(N_TRAIN, N_TEST, seed=0)
    net = rg.Network.random_he(WIDTHS, seed=0)
    tracker = Tracker.for_dataset(data, n_random=N_RANDOM, seed=0, cffd="off", certify_timeout=30)
    result = train(net, data, CONFIG, tracker)
    history = result.history
    nh = history[0].n_minus_h
    print(
        f"{data.summary()}; widths {'-'.join(map(str, WIDTHS))}: N = {net.num_params}, N − H = {nh}; "
        f"SGD lr {CONFIG.lr}, momentum {CONFIG.momentum}, batch {CONFIG.batch_size}, {CONFIG.epochs} epochs "
        f"= {result.num_steps} steps"
    )
    table(history)
    if any(row.certified(b) is False for row in history for b in ("train", "test", "random")):
        print("  * not certified within the time budget: a certified lower bound (see the notes column)")
    first, last = history[0], history[-1]
    for b in ("train", "test", "random"):
        print(f"  BFD on {b:<6}: {first.bfd(b)} → {last.bfd(b)}   (N − H = {nh})")
    print(f"  final accuracy: train {last.accuracy:.3f}, test {last.test_accuracy:.3f}")

    out_dir = out_dir or os.getcwd()
    run_dir = os.path.join(out_dir, "implicit_regularization_run")
    write_run(run_dir, result, data, tracker, info={"example": "examples/06_implicit_regularization.py"})
    png = os.path.join(out_dir, "implicit_regularization.png")
    plot_history(history, png, title=f"digits, {'-'.join(map(str, WIDTHS))}, SGD: exact BFD per checkpoint")
    print(f"wrote {png} and {run_dir}/   ({time.perf_counter() - start:.1f} s)")
    return {"result": result, "data": data, "tracker": tracker, "png": png, "run_dir": run_dir}


if __name__ == "__main__":
    main()
