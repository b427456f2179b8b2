"""Training curves: the loss and the exact BFD on shared checkpoints (SPEC §7).

Two panels over the same step axis (symmetric-log, so step 0 shows next to log-spaced checkpoints):

* top: training and test loss (log scale), with accuracy on a second axis when there is one;
* bottom: BFD on train / test / random inputs, the constant N − H (dashed) and the exact CFFD when the
  history has it. Uncertified values (modular lower bounds) are drawn as open markers.

Figures are built with :class:`matplotlib.figure.Figure` (no ``pyplot``, no display needed).

The rows are :class:`relugeom.training.rows.CheckpointRow` s (read as ``row.step``, ``row.bfd("train")``,
``row.certified("train")`` …); objects of a ``history.json`` become rows by ``CheckpointRow.from_dict`` (or
``relugeom.training.run_directory.read_rows``), the one place that knows the file's keys.

Examples
--------
>>> from relugeom.training.rows import BatchMeasure as M, CheckpointRow
>>> rows = [CheckpointRow(step=0, loss=1.0, test_loss=1.1, n_minus_h=10,
...                       batches={"train": M(9, True), "test": M(9, True), "random": M(9, True)}),
...         CheckpointRow(step=10, loss=0.1, test_loss=0.2, n_minus_h=10,
...                       batches={"train": M(7, True), "test": M(8, True), "random": M(9, True)})]
>>> fig = plot_history(rows, title="toy")
>>> [ax.get_ylabel() for ax in fig.axes]
['loss', 'BFD (exact)']
>>> sorted(line.get_label() for line in fig.axes[1].lines)
['BFD on random', 'BFD on test', 'BFD on train', 'N − H = 10']
"""

from __future__ import annotations

import os
from typing import Any, Callable, Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..exceptions import InvalidArgumentError
from ..io.atomic import atomic_savefig

__all__ = ["plot_history", "plot_saddle_run"]

_COLOURS = {"train": "#1f77b4", "test": "#ff7f0e", "random": "#2ca02c"}


def _series(rows: Sequence[Any], value: Callable[[Any], Any]) -> tuple[list[float], list[float]]:
    pts = [(r.step, value(r)) for r in rows if value(r) is not None]
    return [p[0] for p in pts], [p[1] for p in pts]


def _finish(fig: Figure, title: str | None, path: str | os.PathLike | None, dpi: int) -> Figure:
    """Grids, title, layout, and the PNG when a path is given."""
    for ax in fig.axes:
        ax.grid(True, alpha=0.3)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    if path is not None:
        atomic_savefig(fig, path, dpi=dpi)
    return fig


def plot_history(
    rows: Sequence[Any],
    path: str | os.PathLike | None = None,
    title: str | None = None,
    dpi: int = 120,
) -> Figure:
    """Draw the loss and BFD curves of a training history.

    Parameters
    ----------
    rows : the ``history`` of :class:`relugeom.training.loop.TrainResult` (CheckpointRows), or the objects
        of ``history.json``
    path : optional PNG path to write
    title : optional figure title
    dpi : resolution of the PNG

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not rows:
        raise InvalidArgumentError("the history is empty: nothing to draw")
    fig = Figure(figsize=(7.5, 6.5))
    FigureCanvasAgg(fig)
    top, bottom = fig.subplots(2, 1, sharex=True)
    for value, label, style in ((lambda r: r.loss, "train loss", "-"), (lambda r: r.test_loss, "test loss", "--")):
        xs, ys = _series(rows, value)
        ys_pos = [(x, y) for x, y in zip(xs, ys) if y > 0]
        if ys_pos:
            top.plot([p[0] for p in ys_pos], [p[1] for p in ys_pos], style, marker="o", ms=3, color="k", label=label)
    top.set_yscale("log")
    top.set_ylabel("loss")
    xs, acc = _series(rows, lambda r: r.accuracy)
    handles, labels = top.get_legend_handles_labels()
    if acc:
        twin = top.twinx()
        twin.plot(xs, acc, ":", marker="s", ms=3, color="#9467bd", label="train accuracy")
        xt, acc_t = _series(rows, lambda r: r.test_accuracy)
        if acc_t:
            twin.plot(xt, acc_t, ":", marker="^", ms=3, color="#8c564b", label="test accuracy")
        twin.set_ylim(0, 1.02)
        twin.set_ylabel("accuracy")
        h2, l2 = twin.get_legend_handles_labels()
        handles, labels = handles + h2, labels + l2
    top.legend(handles, labels, fontsize=8, loc="center left")
    for name, colour in _COLOURS.items():
        xs, ys = _series(rows, lambda r: r.bfd(name))
        if not ys:
            continue
        bottom.plot(xs, ys, "-", color=colour, marker="o", ms=4, label=f"BFD on {name}")
        loose = [(r.step, r.bfd(name)) for r in rows if r.bfd(name) is not None and r.certified(name) is False]
        if loose:
            bottom.plot([p[0] for p in loose], [p[1] for p in loose], "o", mfc="white", color=colour, ms=7)
    nh = next((r.n_minus_h for r in rows if r.n_minus_h is not None), None)
    if nh is not None:
        bottom.axhline(nh, ls="--", color="grey", lw=1, label=f"N − H = {nh}")
    xs, cf = _series(rows, lambda r: r.cffd)
    if cf:
        bottom.plot(xs, cf, "-.", color="#d62728", marker="x", label="CFFD (exact)")
    bottom.set_ylabel("BFD (exact)")
    bottom.set_xlabel("step")
    bottom.set_xscale("symlog", linthresh=1)
    last_step = max(r.step for r in rows)
    bottom.set_xlim(0, max(1, last_step) * 1.15)
    bottom.legend(fontsize=8, loc="best")
    return _finish(fig, title, path, dpi)


def plot_saddle_run(
    run: Any, path: str | os.PathLike | None = None, title: str | None = None, dpi: int = 120
) -> Figure:
    """The loss of every step with the detected plateaus shaded (top), and at the checkpoints the exact
    BFD next to what float64 reports (SVD rank, effective rank at ``run.rtol``) and the number of
    distinct activation patterns (bottom); both on a log step axis.

    ``run`` is a :class:`relugeom.training.saddles.SaddleRun`.
    """
    fig = Figure(figsize=(7.5, 6.5))
    FigureCanvasAgg(fig)
    top, bottom = fig.subplots(2, 1, sharex=True)
    trace = run.result.loss_trace
    steps = list(range(1, len(trace)))
    top.plot(steps, [trace[s] for s in steps], color="k", lw=1.2, label="training loss")
    for k, p in enumerate(run.plateaus):
        for ax in (top, bottom):
            ax.axvspan(
                p.start, p.end, color="#ffd27f", alpha=0.4, lw=0, label="plateau" if (k == 0 and ax is top) else None
            )
    top.set_xscale("log")
    top.set_yscale("log")
    top.set_ylabel("loss")
    top.legend(fontsize=8, loc="upper right")
    rows = [r for r in run.rows if r.step >= 1]
    xs = [r.step for r in rows]
    bottom.plot(xs, [r.bfd("train") for r in rows], "-o", ms=3, color="#1f77b4", label="BFD (exact)")
    bottom.plot(xs, [r.float_rank("train") for r in rows], "x", ms=5, color="#ff7f0e", label="float64 SVD rank")
    bottom.plot(
        xs,
        [r.extra["effective_rank"] for r in rows],
        "--",
        color="#2ca02c",
        label=f"effective rank (σ > {run.rtol:g} σ_max)",
    )
    bottom.plot(xs, [r.num_patterns("train") for r in rows], ":", color="#9467bd", label="distinct patterns")
    nh = rows[0].n_minus_h if rows else None
    if nh is not None:
        bottom.axhline(nh, ls="--", color="grey", lw=1, label=f"N − H = {nh}")
    bottom.set_xlabel("step")
    bottom.set_ylabel("on the training inputs")
    bottom.legend(fontsize=7, loc="upper right")
    return _finish(fig, title, path, dpi)
