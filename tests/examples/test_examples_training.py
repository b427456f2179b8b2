"""examples/06 and 07 run and their printed numbers are the exact values, recomputed here.

Example 06 needs scikit-learn (the ``data`` extra) and skips without it; ``.ci/run`` installs the extra
and runs it.
"""

from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pytest

import relugeom as rg
from relugeom.io import json_ready
from relugeom.training.hessian import loss_hessian
from relugeom.training.run_directory import read_history, recheck_run

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_example_07_saddle_to_saddle(tmp_path, capsys):
    out = runpy.run_path(str(EXAMPLES / "07_saddle_to_saddle.py"))["main"](out_dir=str(tmp_path))
    printed = capsys.readouterr().out
    run = out["run"]
    assert len(run.plateaus) >= 2 and Path(out["png"]).read_bytes()[:8] == PNG_MAGIC
    # the phase table is what the checkpoints say
    for ph in out["phases"]:
        rows = [r for r in run.rows if ph["start"] <= r.step <= ph["end"]]
        assert ph["bfd_values"] == [r.bfd("train") for r in rows]
        assert f"{ph['start']}–{ph['end']}" in printed
    # the reading's numbers are the rows' numbers
    facts, rows = out["reading"], run.rows
    assert facts["bfd_init"] == rows[0].bfd("train") and facts["final"] == rows[-1].bfd("train")
    assert facts["low"][1] == min(r.bfd("train") for r in rows if r.step >= run.plateaus[0].end)
    assert f"the exact BFD goes {facts['plateau1'][0]} → {facts['plateau1'][1]}" in printed
    # first and last checkpoint BFDs recomputed from the networks, on each tracked batch
    assert sorted(run.inputs) == ["random", "test", "train"]
    ends = (0, -1)  # the first and the last checkpoint
    for k, ((step, net), row) in enumerate(zip([run.result.checkpoints[i] for i in ends], [run.rows[i] for i in ends])):
        assert row.step == step
        for b, Xb in run.inputs.items():
            assert row.bfd(b) == rg.batch_functional_dimension(net, Xb) == facts["first_last"][b][k]
    # flatness: the teacher is an exact interpolating minimum, nullity = N − BFD and no negative eigenvalue
    teacher = out["flatness"]["teacher"]
    assert teacher.interpolating and teacher.hessian_nullity == teacher.num_params - teacher.bfd
    assert teacher.inertia[1] == 0
    student = out["flatness"]["student"]
    X = run.data.X_train
    assert not student.interpolating
    assert student.bfd == student.gauss_newton_rank == rg.batch_functional_dimension(run.result.final, X)
    H = loss_hessian(run.result.final, X, run.data.y_train)
    assert student.hessian_rank == rg.rank(H).rank
    assert f"Hessian rank {student.hessian_rank}" in printed


def test_example_06_implicit_regularization(tmp_path, capsys):
    pytest.importorskip("sklearn")
    out = runpy.run_path(str(EXAMPLES / "06_implicit_regularization.py"))["main"](out_dir=str(tmp_path))
    printed = capsys.readouterr().out
    history = out["result"].history
    assert [r.step for r in history] == [0, 1, 10, 103, 1050]
    assert read_history(out["run_dir"]) == json_ready([r.to_dict() for r in history])
    first, last = history[0], history[-1]
    for b in ("train", "test", "random"):
        assert f"{first.bfd(b)} → {last.bfd(b)}" in printed
        assert all(r.bfd(b) <= r.n_minus_h == 850 for r in history)
    assert last.accuracy > 0.9 and 0 <= last.test_accuracy <= 1
    # the first and last checkpoints' ranks recomputed from the files alone
    checks = recheck_run(out["run_dir"], steps=[0, 1050])
    assert len(checks) == 6 and all(c["agree"] for c in checks)
    assert Path(out["png"]).read_bytes()[:8] == PNG_MAGIC
    # the random batch sees more of the parameter space than the data do
    assert np.all([r.bfd("random") > r.bfd("train") for r in history])
