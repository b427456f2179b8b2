"""A training run on disk: everything needed to re-check it, and the re-check (``relugeom train --out``).

Layout of ``DIR``::

    history.json             list of per-checkpoint objects: step, loss, accuracy, bfd_train, bfd_test,
                             bfd_random, num_patterns_train, dead_neurons, … (JSON; null where absent;
                             CheckpointRow.to_dict of relugeom.training.rows, read back by read_rows)
    history.csv              the same table as CSV
    run.json                 configuration, data set, widths, N, H, N − H, number of steps, "tracked": the
                             batches whose BFD each measured checkpoint records (the tracker's batches)
    loss_trace.csv           the loss of every step (step,loss)
    checkpoints/step-<s>.json  the network at step s, exactly (relugeom network JSON, numbers "p/q")
    inputs/train.csv, test.csv                 the data set's inputs, exactly (one sample a row), tracked or not
    inputs/train_targets.csv, test_targets.csv the labels or regression targets
    inputs/<batch>.csv                         every other tracked batch, e.g. random.csv
    curves.png               loss and BFD curves

Because checkpoints and inputs are written as exact rationals (the float64 values' binary values),
:func:`recheck_run` recomputes every recorded BFD (with the patterns and dead neurons) from the files
alone and says whether they agree (``relugeom recheck DIR`` prints it). A directory that lacks one of
those files is refused first, with a :class:`~relugeom.exceptions.FormatError` naming the file.

Examples
--------
>>> import tempfile
>>> from relugeom.training.datasets import teacher_task
>>> from relugeom.core.network import Network
>>> from relugeom.training.tracking import Tracker
>>> from relugeom.training.loop import TrainConfig, train
>>> data = teacher_task((2, 3, 1), n_train=12, n_test=6, seed=0)
>>> tracker = Tracker.for_dataset(data, cffd="off")
>>> result = train(Network.random_he((2, 4, 1), seed=0), data, TrainConfig(lr=0.05, epochs=20, checkpoints=3),
...                tracker)
>>> out = tempfile.mkdtemp()
>>> write_run(out, result, data, tracker)
>>> [r.step for r in read_rows(out)]
[0, 1, 20]
>>> all(r["agree"] for r in recheck_run(out))
True
>>> read_run_info(out)["tracked"], [(r["step"], r["batch"]) for r in recheck_run(out, steps=[20])]
(['random', 'test', 'train'], [(20, 'train'), (20, 'test'), (20, 'random')])
"""

from __future__ import annotations

import csv
import json
import os
from typing import Any, Iterable

import numpy as np

from ..dimension.bfd import dimension_report
from ..exceptions import CertificationTimeout, DegeneratePointError, FormatError, InvalidArgumentError
from ..io import json_ready, load_inputs, load_json, load_network, save_inputs, save_network
from ..io.atomic import atomic_write
from .datasets import Dataset
from .loop import TrainResult
from .rows import CheckpointRow

__all__ = [
    "write_run",
    "run_info",
    "read_run_info",
    "read_history",
    "read_rows",
    "recheck_run",
    "checkpoint_path",
    "RUN_FORMAT",
]

#: The ``"format"`` of ``run.json``.
RUN_FORMAT = "relugeom-run"
_WRITTEN_BY = "relugeom train --out DIR writes history.json, run.json, checkpoints/ and inputs/"


def checkpoint_path(directory: str | os.PathLike, step: int) -> str:
    return os.path.join(os.fspath(directory), "checkpoints", f"step-{step}.json")


def _write_csv(path: str, rows: list[dict[str, Any]]) -> None:
    keys: list[str] = []
    for row in rows:
        keys.extend(k for k in row if k not in keys)
    with atomic_write(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=keys)
        writer.writeheader()
        for row in json_ready(rows):
            writer.writerow({k: ("" if v is None else v) for k, v in row.items()})


def write_run(
    directory: str | os.PathLike,
    result: TrainResult,
    data: Dataset,
    tracker: Any = None,
    info: dict[str, Any] | None = None,
    picture: bool = True,
) -> None:
    """Write the run's files (layout in the module docstring) into ``directory`` (created if needed).

    ``tracker`` supplies the tracked batches (its ``inputs``, listed as ``"tracked"`` in ``run.json``);
    the data set's train and test inputs are written as well, tracked or not, next to their targets.
    ``info`` is merged into ``run.json``.
    """
    root = os.fspath(directory)
    os.makedirs(os.path.join(root, "checkpoints"), exist_ok=True)
    os.makedirs(os.path.join(root, "inputs"), exist_ok=True)
    rows = [r.to_dict() for r in result.history]
    with atomic_write(os.path.join(root, "history.json"), "w", encoding="utf-8") as fh:
        json.dump(json_ready(rows), fh, indent=1)
        fh.write("\n")
    _write_csv(os.path.join(root, "history.csv"), rows)
    with atomic_write(os.path.join(root, "loss_trace.csv"), "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["step", "loss"])
        writer.writerows([s, repr(float(v))] for s, v in enumerate(result.loss_trace))
    for step, net in result.checkpoints:
        save_network(net, checkpoint_path(root, step))
    # the data set's inputs go next to their targets whether or not they are tracked; run.json's
    # "tracked" (run_info: the tracker's batches) says which BFDs were measured
    batches = dict(getattr(tracker, "inputs", {}) or {})
    batches.setdefault("train", data.X_train)
    if len(data.X_test):
        batches.setdefault("test", data.X_test)
    for name, X in batches.items():
        save_inputs(X, os.path.join(root, "inputs", f"{name}.csv"))
    for name, y in (("train", data.y_train), ("test", data.y_test)):
        if len(y):
            save_inputs(np.asarray(y).reshape(len(y), -1), os.path.join(root, "inputs", f"{name}_targets.csv"))
    meta = run_info(result, data, tracker, info)
    with atomic_write(os.path.join(root, "run.json"), "w", encoding="utf-8") as fh:
        json.dump(json_ready(meta), fh, indent=1)
        fh.write("\n")
    if picture:
        widths = "-".join(map(str, result.initial.widths))
        from ..plots.training import plot_history  # matplotlib, loaded only when a run is written

        plot_history(
            result.history,
            os.path.join(root, "curves.png"),
            title=f"{data.name}, widths {widths}, {result.config.optimizer}",
        )


def run_info(
    result: TrainResult, data: Dataset, tracker: Any = None, info: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What ``run.json`` holds: data set, widths, N, H, N − H, configuration, steps, tracker settings."""
    net0 = result.initial
    return {
        "format": RUN_FORMAT,
        "version": 1,
        "data": {
            "name": data.name,
            "description": data.description,
            "task": data.task,
            "num_classes": data.num_classes,
            "n_train": len(data.X_train),
            "n_test": len(data.X_test),
            **data.info,
        },
        "widths": list(net0.widths),
        "num_params": net0.num_params,
        "num_hidden": net0.num_hidden,
        "n_minus_h": net0.num_params - net0.num_hidden,
        "config": result.config.to_dict(),
        "num_steps": result.num_steps,
        "steps_per_epoch": result.steps_per_epoch,
        "checkpoint_steps": [s for s, _ in result.checkpoints],
        "tracked": None if tracker is None else sorted(tracker.inputs),
        "tracker": None
        if tracker is None
        else {
            "method": tracker.method,
            "at_zero": tracker.at_zero,
            "cffd": tracker.cffd,
            "certify_timeout": tracker.certify_timeout,
        },
        **(info or {}),
    }


def read_run_info(directory: str | os.PathLike) -> dict[str, Any]:
    """``run.json`` of a run directory, after checking that ``directory`` is one.

    Raises
    ------
    FormatError
        naming what is missing or malformed: the directory, ``run.json``, ``history.json``, or a
        ``run.json`` of another format.
    """
    root = os.fspath(directory)
    if not os.path.isdir(root):
        what = "is a file" if os.path.exists(root) else "does not exist"
        raise FormatError(f"{root} {what}: give the run directory DIR of 'relugeom train --out DIR'")
    for name in ("run.json", "history.json"):
        if not os.path.isfile(os.path.join(root, name)):
            raise FormatError(f"{root} is not a run directory: it has no {name} ({_WRITTEN_BY})")
    run = load_json(os.path.join(root, "run.json"), "run", parse_float=float)
    if not isinstance(run, dict) or run.get("format") != RUN_FORMAT:
        found = run.get("format") if isinstance(run, dict) else type(run).__name__
        raise FormatError(
            f"{os.path.join(root, 'run.json')} is not a relugeom run: 'format' is {found!r}, not {RUN_FORMAT!r}"
        )
    return run


def read_history(directory: str | os.PathLike) -> list[dict[str, Any]]:
    """``history.json`` of a run directory, as written: one JSON object per checkpoint (see :func:`read_rows`).

    Raises :class:`FormatError` when the file is missing, is not JSON or is not a list of objects.
    """
    path = os.path.join(os.fspath(directory), "history.json")
    history = load_json(path, "run history", parse_float=float)
    if not isinstance(history, list) or not all(isinstance(row, dict) for row in history):
        raise FormatError(f"{path}: expected a list of per-checkpoint objects (as relugeom train --out writes)")
    return history


def read_rows(directory: str | os.PathLike) -> list[CheckpointRow]:
    """``history.json`` of a run directory as :class:`~relugeom.training.rows.CheckpointRow` s (exact
    values as written: a Fraction loss of an exact run reads back as its string ``"p/q"``)."""
    rows = []
    for i, row in enumerate(read_history(directory)):
        try:
            rows.append(CheckpointRow.from_dict(row))
        except (TypeError, ValueError, KeyError) as err:
            path = os.path.join(os.fspath(directory), "history.json")
            raise FormatError(f"{path}: checkpoint {i} is not a checkpoint row ({err})") from None
    return rows


def _rows_to_check(root: str, steps: Iterable[int] | None) -> list[CheckpointRow]:
    """The measured rows of ``steps`` (all by default), after checking that their files are there."""
    rows = read_rows(root)
    if steps is not None:
        wanted = set(steps)
        missing = sorted(wanted - {r.step for r in rows})
        if missing:
            raise InvalidArgumentError(
                f"no checkpoint at step {', '.join(map(str, missing))} in {root}; its checkpoints are at steps "
                f"{', '.join(str(r.step) for r in rows)}"
            )
        rows = [r for r in rows if r.step in wanted]
    rows = [r for r in rows if r.measured]
    for row in rows:
        if row.step is None:
            raise FormatError(f"{os.path.join(root, 'history.json')}: a measured checkpoint has no 'step'")
        needed = [checkpoint_path(root, row.step)] + [os.path.join(root, "inputs", f"{b}.csv") for b in row.batches]
        for path in needed:
            if not os.path.isfile(path):
                raise FormatError(
                    f"{root} is incomplete: {os.path.relpath(path, root)} is missing (history.json records "
                    f"a measured checkpoint at step {row.step} on {', '.join(row.batches)})"
                )
    return rows


def recheck_run(
    directory: str | os.PathLike, steps: Iterable[int] | None = None, certify_timeout: float = 60.0
) -> list[dict[str, Any]]:
    """Recompute, from the saved checkpoints and inputs alone, the exact columns of ``history.json``.

    Every batch a measured checkpoint records (its ``certified_<batch>`` column: the tracked batches, see
    ``"tracked"`` in ``run.json``) is recomputed at that checkpoint; a batch that was not tracked, whose
    ``bfd_<batch>`` column is null, is not. ``steps`` restricts the re-check to those checkpoints.

    Returns one dict per (checkpoint, recorded batch): ``step``, ``batch``, ``recorded`` and
    ``recomputed`` (the BFD), ``certified`` (as recorded), ``agree`` and ``reason`` (what disagrees).
    The distinct patterns of the batch and, for the training batch, the dead neurons are compared too. A
    BFD recorded as uncertified (a time-out lower bound) must be at most the recomputed rank; a BFD
    recorded as ``null`` must come from a degenerate batch. ``agree`` is None when the recomputation
    itself timed out.

    Raises
    ------
    FormatError
        if ``directory`` is not a run directory, or lacks a file the re-check needs (all checked first).
    InvalidArgumentError
        if ``steps`` names a step without a checkpoint.
    """
    root = os.fspath(directory)
    run = read_run_info(root)
    rows = _rows_to_check(root, steps)
    at_zero = (run.get("tracker") or {}).get("at_zero")
    inputs: dict[str, Any] = {}
    out = []
    for row in rows:
        step = row.step
        net = load_network(checkpoint_path(root, step))
        for name in row.batches:
            if name not in inputs:
                inputs[name] = load_inputs(os.path.join(root, "inputs", f"{name}.csv"))
            recorded = row.bfd(name)
            check: dict[str, Any] = {
                "step": step,
                "batch": name,
                "recorded": recorded,
                "certified": row.certified(name),
                "recomputed": None,
                "agree": False,
                "reason": "",
            }
            out.append(check)
            try:
                rep = dimension_report(net, inputs[name], at_zero=at_zero, certify_timeout=certify_timeout)
            except DegeneratePointError as err:
                check["agree"] = recorded is None
                check["reason"] = "" if recorded is None else f"the saved batch is degenerate: {err}"
                continue
            except CertificationTimeout as err:
                check["agree"], check["reason"] = None, f"recomputation timed out: {err}"
                continue
            check["recomputed"] = rep.bfd
            problems = []
            if recorded is None:
                problems.append("recorded null, but the batch is not degenerate")
            elif row.certified(name) is False:
                if recorded > rep.bfd:
                    problems.append(f"recorded lower bound {recorded} exceeds the rank {rep.bfd}")
            elif recorded != rep.bfd:
                problems.append(f"BFD {recorded} recorded, {rep.bfd} recomputed")
            patterns = row.num_patterns(name)
            if patterns is not None and patterns != rep.num_patterns:
                problems.append(f"{patterns} patterns recorded, {rep.num_patterns} recomputed")
            dead = row.dead_neurons
            if name == "train" and dead is not None and dead != len(rep.dead_neurons):
                problems.append(f"{dead} dead neurons recorded, {len(rep.dead_neurons)} recomputed")
            check["agree"], check["reason"] = not problems, "; ".join(problems)
    return out
