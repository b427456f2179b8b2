"""Teaching demo 8: your own PyTorch training loop, with relugeom's exact BFD at the checkpoints.

Run: python examples/08_pytorch.py   (about 30 s; needs the 'torch' and 'data' extras:
pip install -e ".[torch,data]"; writes pytorch_bfd.png in the current folder)

The workflow researchers actually have: a model in PyTorch, trained by their own loop with
``torch.optim.SGD``. relugeom does not take over the loop; at each checkpoint one call,
``tracker.measure(model)``, reads the model exactly (``rg.from_torch``: every float32 parameter is a
dyadic rational, taken at its exact value) and returns the certified batch functional dimension on the
training, test and random Gaussian inputs. The recipe, in full::

    tracker = rg.Tracker.for_dataset(data, cffd="off")         # train / test / random batches
    for step in range(steps):
        ...                                                     # your forward, loss.backward(), opt.step()
        if step in checkpoints:
            row = tracker.measure(model)                        # exact: rg.from_torch(model) inside
            row.bfd("train"), row.bfd("random"), row.certified("train")

The network is 64-8-8-10 (N = 682 parameters, N − H = 666) on 200 of scikit-learn's 8×8 digits
(pixels / 16: exact in float32), trained in float32 by minibatch SGD with momentum on the cross-entropy of
the logits (no softmax layer: relugeom differentiates the logits, as [BMB24] recommends). The inputs the
BFD is taken at are the float32 pixels themselves, so the ranks are those of the model torch trained, not
of a rounded copy. The table also shows the float64 SVD rank of the same Jacobian (numpy's tolerance), for
comparison.

Reference: [BMB24] Bona-Pellissier, Malgouyres, Bachoc, *Geometry-induced implicit regularization in
deep ReLU neural networks*, arXiv 2402.08269 (2024).
"""

from __future__ import annotations

import dataclasses
import os
import time

import numpy as np

import relugeom as rg
from relugeom.plots.training import plot_history
from relugeom.training.datasets import digits
from relugeom.training.tracking import Tracker

WIDTHS = (64, 8, 8, 10)
N_TRAIN = N_TEST = N_RANDOM = 200
EPOCHS, BATCH, LR, MOMENTUM = 50, 20, 0.05, 0.9  # 200 / 20 = 10 steps an epoch: 500 steps
CHECKPOINTS = (0, 1, 10, 100, 500)  # optimizer steps (log-spaced, as in example 06)


def build_model(torch):
    """The MLP: He-initialised by relugeom (seed 0) and handed to torch with ``rg.to_torch`` in float32,
    each parameter rounded once to the nearest float32; Flatten first, and a Dropout(0) that eval mode
    reads as the identity, as a user's model might have."""
    net = rg.Network.random_he(WIDTHS, seed=0)
    body = rg.to_torch(net, dtype=torch.float32, rounding="nearest")
    layers = [torch.nn.Flatten()]
    for module in body:
        layers.append(module)
        if isinstance(module, torch.nn.ReLU):
            layers.append(torch.nn.Dropout(0.0))
    return torch.nn.Sequential(*layers)


def evaluate(torch, model, X, y) -> tuple[float, float]:
    with torch.no_grad():
        logits = model(X)
        return float(torch.nn.functional.cross_entropy(logits, y)), float((logits.argmax(1) == y).float().mean())


def _cell(v) -> str:
    return "–" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)


def _bfd(row, batch: str) -> str:
    """The certified BFD, or its certified lower bound marked * when no certificate came in time."""
    return _cell(row.bfd(batch)) + ("" if row.certified(batch) in (True, None) else "*")


def table(rows: list) -> None:
    cols = [
        ("step", lambda r: r.step),
        ("loss", lambda r: r.loss),
        ("train acc", lambda r: r.accuracy),
        ("test acc", lambda r: r.test_accuracy),
        ("BFD train", lambda r: _bfd(r, "train")),
        ("BFD test", lambda r: _bfd(r, "test")),
        ("BFD random", lambda r: _bfd(r, "random")),
        ("float64 rank train", lambda r: r.float_rank("train")),
        ("patterns", lambda r: r.num_patterns("train")),
        ("dead", lambda r: r.dead_neurons),
    ]
    print("  " + "  ".join(f"{title:>10}" for title, _ in cols))
    for row in rows:
        print("  " + "  ".join(f"{_cell(value(row)):>10}" for _, value in cols))


def main(out_dir: str | None = None) -> dict:
    import torch  # the 'torch' extra
    from threadpoolctl import threadpool_limits  # installed with scikit-learn (the 'data' extra)

    # one thread for torch and for numpy's BLAS: on 2 busy cores a multithreaded float SVD of a 2000 x 870
    # Jacobian was measured 17 times slower than a single-threaded one (threads waiting for each other)
    torch.set_num_threads(1)
    with threadpool_limits(1):
        return _run(torch, out_dir)


def _run(torch, out_dir: str | None) -> dict:
    start = time.perf_counter()
    data = digits(N_TRAIN, N_TEST, seed=0)
    X, y = torch.tensor(data.X_train, dtype=torch.float32), torch.tensor(data.y_train)
    Xt, yt = torch.tensor(data.X_test, dtype=torch.float32), torch.tensor(data.y_test)
    # the tracked batches are the float32 inputs torch sees (pixels / 16 are exact in float32 anyway)
    tracker = Tracker.for_dataset(data, n_random=N_RANDOM, seed=0, cffd="off", certify_timeout=30, float_ranks=True)
    tracker = dataclasses.replace(tracker, inputs={**tracker.inputs, "train": X, "test": Xt})
    model = build_model(torch)
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    gen = torch.Generator().manual_seed(0)

    rows, step = [], 0
    for epoch in range(EPOCHS):
        for idx in torch.randperm(N_TRAIN, generator=gen).split(BATCH):
            if step in CHECKPOINTS:
                rows.append(checkpoint(torch, model, tracker, step, epoch, X, y, Xt, yt))
            model.train()
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(X[idx]), y[idx]).backward()
            opt.step()
            step += 1
    if step in CHECKPOINTS:
        rows.append(checkpoint(torch, model, tracker, step, EPOCHS, X, y, Xt, yt))

    net = rg.from_torch(model)
    print(
        f"{data.summary()}; torch {torch.__version__}, float32; widths {'-'.join(map(str, WIDTHS))}: "
        f"N = {net.num_params}, N − H = {rows[0].n_minus_h}; SGD lr {LR}, momentum {MOMENTUM}, batch {BATCH}"
    )
    table(rows)
    if any(row.certified(b) is False for row in rows for b in ("train", "test", "random")):
        print("  * no certificate within the time budget: a certified lower bound")
    first, last = rows[0], rows[-1]
    for b in ("train", "test", "random"):
        print(f"  BFD on {b:<6}: {first.bfd(b)} → {last.bfd(b)}   (N − H = {last.n_minus_h})")
    out_dir = out_dir or os.getcwd()
    png = os.path.join(out_dir, "pytorch_bfd.png")
    plot_history(rows, png, title=f"PyTorch SGD on digits, {'-'.join(map(str, WIDTHS))}: exact BFD per checkpoint")
    print(f"wrote {png}   ({time.perf_counter() - start:.1f} s)")
    return {"rows": rows, "model": model, "data": data, "tracker": tracker, "png": png}


def checkpoint(torch, model, tracker, step, epoch, X, y, Xt, yt):
    """One row: the loop's own loss and accuracies, and relugeom's exact measurements of the model."""
    model.eval()  # Dropout off: the function relugeom reads is the one evaluated here
    loss, acc = evaluate(torch, model, X, y)
    test_loss, test_acc = evaluate(torch, model, Xt, yt)
    row = tracker.measure(model)
    return dataclasses.replace(
        row, step=step, epoch=float(epoch), loss=loss, accuracy=acc, test_loss=test_loss, test_accuracy=test_acc
    )


if __name__ == "__main__":
    np.set_printoptions(linewidth=120)
    main()
