"""``relugeom train``: the run directory re-checked from its files, the table, the JSON, stderr, errors."""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import sys
from functools import partial

import numpy as np
import pytest
from helpers import cli_error, run_cli, write_idx

import relugeom as rg
from relugeom.cli.main import main
from relugeom.cli.train_report import TrainProgress
from relugeom.io import load_inputs, load_network
from relugeom.training.datasets import mnist, teacher_seed, teacher_task
from relugeom.training.loop import scaled_network
from relugeom.training.run_directory import recheck_run

# a teacher job that runs in well under a second: widths 2,4,1 (N = 17, H = 4, N − H = 13), 20 gd steps
TEACHER = [
    "train",
    "--data",
    "teacher",
    "--widths",
    "2,4,1",
    "--epochs",
    "20",
    "--checkpoints",
    "3",
    "--n-train",
    "20",
    "--n-test",
    "10",
    "--n-random",
    "20",
]
MOONS = [
    "train",
    "--data",
    "moons",
    "--widths",
    "2,3,2",
    "--epochs",
    "3",
    "--checkpoints",
    "3",
    "--n-train",
    "16",
    "--n-test",
    "8",
    "--n-random",
    "12",
    "--batch-size",
    "8",
]
BATCHES = ("train", "test", "random")
ROW_KEYS = {"step", "loss", "accuracy", "bfd_train", "bfd_test", "bfd_random", "num_patterns_train", "dead_neurons"}


@pytest.fixture(scope="module")
def teacher_run(tmp_path_factory):
    """One teacher run with --out: (directory, exit code, stdout, stderr, history.json)."""
    out = tmp_path_factory.mktemp("run") / "teacher"
    code, stdout, stderr = run_cli(TEACHER + ["--out", str(out)])
    with open(out / "history.json", encoding="utf-8") as fh:
        history = json.load(fh)
    return out, code, stdout, stderr, history


_error = partial(cli_error, prefix="relugeom: error: ")


def _table_rows(stdout: str) -> list[dict[str, str]]:
    """The per-checkpoint table as dicts header → cell (cells are separated by two spaces or more)."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("step  "))
    header = re.split(r"\s{2,}", lines[start].strip())
    assert set(lines[start + 1]) <= {"-", " "}
    rows = []
    for line in lines[start + 2 :]:
        cells = re.split(r"\s{2,}", line.strip())
        if not line or not cells[0].isdigit() or len(cells) != len(header):
            break
        rows.append(dict(zip(header, cells)))
    return rows


# ----------------------------------------------------------------------------------- the run directory
def test_out_directory_holds_history_checkpoints_inputs_and_picture(teacher_run):
    out, code, _, _, history = teacher_run
    assert code == 0
    assert [row["step"] for row in history] == [0, 1, 20]  # 3 log-spaced checkpoints of 20 gd steps
    for row in history:
        assert ROW_KEYS <= set(row)
        assert row["accuracy"] is None and row["n_minus_h"] == 13
        assert all(isinstance(row[f"bfd_{b}"], int) and row[f"certified_{b}"] is True for b in BATCHES)
        assert os.path.isfile(out / "checkpoints" / f"step-{row['step']}.json")
    assert sorted(os.listdir(out / "checkpoints")) == ["step-0.json", "step-1.json", "step-20.json"]
    for name, n in (("train", 20), ("test", 10), ("random", 20)):
        X = load_inputs(out / "inputs" / f"{name}.csv")
        assert len(X) == n and all(len(x) == 2 for x in X)
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    run = json.loads((out / "run.json").read_text())
    assert run["command"] == shlex.join(["relugeom", *TEACHER, "--out", str(out)])  # re-runnable as is
    assert (run["widths"], run["num_params"], run["num_hidden"], run["num_steps"]) == ([2, 4, 1], 17, 4, 20)


def test_checkpoints_and_inputs_are_the_documented_ones(teacher_run):
    out = teacher_run[0]
    # the initial network is Network.random_he(widths, seed), exactly
    assert load_network(out / "checkpoints" / "step-0.json") == rg.Network.random_he((2, 4, 1), seed=0)
    # the training inputs are the teacher task's Gaussian inputs at their exact binary values
    data = teacher_task((2, 4, 1), n_train=20, n_test=10, seed=0)
    X = load_inputs(out / "inputs" / "train.csv")
    assert [[float(v) for v in x] for x in X] == data.X_train.tolist()
    # the targets come from the teacher drawn from its own stream (not the student's seed)
    y = load_inputs(out / "inputs" / "train_targets.csv")
    teacher = rg.Network.random_he((2, 4, 1), seed=teacher_seed(0))
    assert teacher.weights[0][0] != rg.Network.random_he((2, 4, 1), seed=0).weights[0][0]
    assert [float(row[0]) for row in y] == [float(v[0]) for v in rg.forward(teacher, X)]


@pytest.mark.parametrize("batch", BATCHES)
def test_last_bfd_recomputed_from_the_files(teacher_run, batch):
    out, _, _, _, history = teacher_run
    last = history[-1]
    net = load_network(out / "checkpoints" / f"step-{last['step']}.json")
    X = load_inputs(out / "inputs" / f"{batch}.csv")
    assert rg.batch_functional_dimension(net, X) == last[f"bfd_{batch}"]
    # an independent engine (sympy's exact rank of the exact Jacobian) gives the same number
    import sympy

    assert sympy.Matrix(rg.jacobian(net, X, method="exact")).rank() == last[f"bfd_{batch}"]


def test_recheck_run_agrees_on_every_checkpoint_and_batch(teacher_run):
    out, _, _, _, history = teacher_run
    checks = recheck_run(out)
    assert len(checks) == 3 * len(history)
    assert all(c["agree"] for c in checks)
    assert {(c["step"], c["batch"]): c["recorded"] for c in checks} == {
        (row["step"], b): row[f"bfd_{b}"] for row in history for b in BATCHES
    }


# ----------------------------------------------------------------------------------- stdout
def test_json_history_equals_history_json(tmp_path, teacher_run, capsys):
    history = teacher_run[4]
    out = tmp_path / "again"
    assert main(TEACHER + ["--json", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert len(captured.out.strip().splitlines()) == 1
    doc = json.loads(captured.out)
    assert set(doc) == {"run", "history"}
    assert doc["history"] == json.loads((out / "history.json").read_text()) == history  # deterministic
    run_json = json.loads((out / "run.json").read_text())
    assert {k: v for k, v in doc["run"].items() if k not in ("seconds", "out")} == run_json
    assert doc["run"]["out"] == str(out) and doc["run"]["checkpoint_steps"] == [0, 1, 20]
    assert doc["run"]["config"]["optimizer"] == "gd" and doc["run"]["config"]["lr"] == 0.05


def test_table_last_row_shows_the_history(teacher_run):
    out, _, stdout, _, history = teacher_run
    lines = stdout.splitlines()
    assert lines[0].startswith(
        "teacher: 20 train / 10 test samples in R^2, regression; widths 2,4,1: "
        "N = 17, H = 4, N − H = 13; gd (lr 0.05), squared loss, 20 epochs = 20 steps"
    )
    rows = _table_rows(stdout)
    assert [int(r["step"]) for r in rows] == [row["step"] for row in history]
    last, row = rows[-1], history[-1]
    assert [last[f"BFD {b}"] for b in BATCHES] == [str(row[f"bfd_{b}"]) for b in BATCHES]
    assert last["loss"] == f"{row['loss']:.4g}"
    assert (last["accuracy"], last["test accuracy"]) == ("–", "–")
    assert last["patterns (train)"] == str(row["num_patterns_train"])
    assert last["dead neurons"] == str(row["dead_neurons"])
    assert last["CFFD"] == str(row["cffd"]) and last["directions"] == str(row["directions"])
    first = history[0]
    summary = "; ".join(f"{b} {first[f'bfd_{b}']} → {row[f'bfd_{b}']}" for b in BATCHES)
    assert f"BFD from step 0 to step 20: {summary} (N − H = 13)" in stdout
    assert f"final loss {row['loss']:.4g}" in stdout
    assert f"wrote {out} (history.json, checkpoints/, inputs/, curves.png)" in stdout
    assert "*" not in stdout  # every rank certified: no mark, no footnote


def test_uncertified_values_are_marked(monkeypatch, capsys):
    from relugeom.training import tracking

    real = tracking.Tracker.measure

    def measure(self, net):
        from dataclasses import replace

        row = real(self, net)  # as after a certification timeout:
        return replace(row, batches={**row.batches, "test": replace(row.batches["test"], certified=False)})

    monkeypatch.setattr(tracking.Tracker, "measure", measure)
    assert main(TEACHER + ["--quiet"]) == 0
    out = capsys.readouterr().out
    assert all(r["BFD test"].endswith("*") and not r["BFD train"].endswith("*") for r in _table_rows(out))
    assert "* not certified within --certify-timeout 60 s" in out


def test_moons_table_shows_accuracies(capsys):
    assert main(MOONS + ["--json"]) == 0
    history = json.loads(capsys.readouterr().out)["history"]
    assert main(MOONS) == 0
    out = capsys.readouterr().out
    rows = _table_rows(out)
    for cells, row in zip(rows, history, strict=True):
        assert cells["accuracy"] == f"{row['accuracy']:.3f}" and cells["test accuracy"] == f"{row['test_accuracy']:.3f}"
        assert 0 <= row["accuracy"] <= 1 and row["num_patterns_train"] >= 1
        assert [cells[f"BFD {b}"] for b in BATCHES] == [str(row[f"bfd_{b}"]) for b in BATCHES]
    assert out.splitlines()[0].startswith(
        "moons: 16 train / 8 test samples in R^2, 2 classes; widths 2,3,2: "
        "N = 17, H = 3, N − H = 14; adam (lr 0.01, batch 8)"
    )
    assert f"final accuracy {history[-1]['accuracy']:.3f}" in out


# ----------------------------------------------------------------------------------- stderr
def test_progress_goes_to_stderr_and_quiet_silences_it(capsys):
    assert main(TEACHER) == 0
    captured = capsys.readouterr()
    assert "checkpoint step 0: BFD train" in captured.err
    assert "checkpoint step 20: BFD train" in captured.err
    assert "step 20/20 (100%)" in captured.err  # not a terminal: plain lines every 10 %
    assert len([line for line in captured.err.splitlines() if line.startswith("step ")]) == 10
    assert "\r" not in captured.err
    assert "checkpoint step" not in captured.out and "steps  loss" not in captured.out
    assert main(TEACHER + ["--quiet"]) == 0
    quiet = capsys.readouterr()
    wall = re.compile(r", \d+\.\d s$", re.M)  # the first line ends with the wall time, which may differ
    assert quiet.err == "" and wall.sub("", quiet.out) == wall.sub("", captured.out)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal(monkeypatch, capsys):
    tty = _Terminal()
    monkeypatch.setattr(sys, "stderr", tty)
    assert main(TEACHER) == 0
    err = tty.getvalue()
    assert "\r[####################] 20/20 steps  loss " in err  # the bar, redrawn in place
    assert "checkpoint step 20: BFD train" in err
    assert "\r" not in capsys.readouterr().out


def test_progress_bar_is_throttled():
    tty, now = _Terminal(), [0.0]
    bar = TrainProgress(tty, 1000, clock=lambda: now[0])
    for step in range(1, 1001):
        now[0] += 0.001  # 1000 steps in one second
        bar(step, 1000, 0.5)
    bar.close()
    draws = tty.getvalue().count("\r")
    assert 2 <= draws <= 12  # about 10 a second, and the last step
    assert tty.getvalue().rstrip("\n").endswith("1000/1000 steps  loss 0.5\033[K")


# ----------------------------------------------------------------------------------- options
def test_checkpoint_options(capsys):
    assert main(TEACHER + ["--checkpoints", "2", "--json", "--quiet"]) == 0
    assert [r["step"] for r in json.loads(capsys.readouterr().out)["history"]] == [0, 20]
    assert main(TEACHER + ["--checkpoints", "5,12", "--json", "--quiet"]) == 0
    assert [r["step"] for r in json.loads(capsys.readouterr().out)["history"]] == [0, 5, 12, 20]
    assert main(TEACHER + ["--checkpoints", "3", "--spacing", "linear", "--json", "--quiet"]) == 0
    assert [r["step"] for r in json.loads(capsys.readouterr().out)["history"]] == [0, 10, 20]


def test_init_scale_track_and_float_ranks(tmp_path, capsys):
    out = tmp_path / "small"
    assert (
        main(
            TEACHER
            + [
                "--init-scale",
                "0.5",
                "--track",
                "train",
                "--float-ranks",
                "--cffd",
                "off",
                "--out",
                str(out),
                "--json",
                "--quiet",
            ]
        )
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    expected = scaled_network(rg.Network.random_he((2, 4, 1), seed=0), 0.5)
    assert load_network(out / "checkpoints" / "step-0.json") == expected
    assert doc["run"]["tracked"] == ["train"] and doc["run"]["init_scale"] == 0.5
    for row in doc["history"]:
        assert row["bfd_test"] is None and row["bfd_random"] is None and row["cffd"] is None
        assert isinstance(row["bfd_train"], int) and isinstance(row["bfd_train_float"], int)
    assert sorted(os.listdir(out / "inputs")) == ["test.csv", "test_targets.csv", "train.csv", "train_targets.csv"]


@pytest.mark.parametrize("track,tracked", [("random", ["random"]), ("random,test", ["random", "test"])])
def test_track_without_train_records_and_rechecks_only_the_tracked_batches(tmp_path, capsys, track, tracked):
    """--track without train: run.json lists the tracked batches only, the table has no train columns,
    and the run directory re-checks (it used to claim train as tracked and fail with "recorded null")."""
    out = tmp_path / "run"
    assert main(TEACHER + ["--track", track, "--checkpoints", "2", "--cffd", "off", "--out", str(out), "--quiet"]) == 0
    stdout = capsys.readouterr().out
    assert json.loads((out / "run.json").read_text())["tracked"] == tracked
    header = re.split(r"\s{2,}", next(line for line in stdout.splitlines() if line.startswith("step  ")).strip())
    columns = [f"BFD {b}" for b in BATCHES if b in tracked]  # no patterns (train), no dead neurons
    assert header == ["step", "loss", "accuracy", "test accuracy"] + columns + ["directions"]
    checks = recheck_run(out)
    assert {(c["step"], c["batch"]) for c in checks} == {(s, b) for s in (0, 20) for b in tracked}
    assert all(c["agree"] for c in checks)


@pytest.mark.parametrize("optimizer", ["path-sgd", "adam"])
def test_other_optimizers_lower_the_loss(optimizer, capsys):
    assert main(TEACHER + ["--optimizer", optimizer, "--epochs", "50", "--json", "--quiet"]) == 0
    doc = json.loads(capsys.readouterr().out)
    history = doc["history"]
    assert doc["run"]["config"]["optimizer"] == optimizer
    assert history[-1]["step"] == 50 and history[-1]["loss"] < history[0]["loss"]
    assert all(isinstance(row["bfd_train"], int) for row in history)


def test_digits_small_run(capsys):
    pytest.importorskip("sklearn")
    assert (
        main(
            [
                "train",
                "--data",
                "digits",
                "--widths",
                "64,4,10",
                "--n-train",
                "30",
                "--n-test",
                "20",
                "--n-random",
                "20",
                "--epochs",
                "2",
                "--checkpoints",
                "2",
                "--json",
                "--quiet",
            ]
        )
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    history = doc["history"]
    assert [row["step"] for row in history] == [0, 2]  # 30 samples, batches of 32: 1 step an epoch
    for row in history:
        assert ROW_KEYS <= set(row)
        assert 0 <= row["accuracy"] <= 1 and 0 <= row["test_accuracy"] <= 1
        # at most n·n_L rows; N − H = 64·4 + 4 + 4·10 + 10 − 4 = 306
        assert 0 < row["bfd_train"] <= min(300, 306) and 0 < row["bfd_random"] <= 200
    assert doc["run"]["data"]["name"] == "digits" and doc["run"]["widths"] == [64, 4, 10]


@pytest.fixture(scope="module")
def mnist_dir(tmp_path_factory):
    """A small MNIST on disk (IDX files of unsigned bytes written by hand): 30 training and 20 t10k images."""
    folder = tmp_path_factory.mktemp("mnist")
    rng = np.random.default_rng(5)
    for split, n in (("train", 30), ("t10k", 20)):
        for kind, array in (
            ("images-idx3", rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)),
            ("labels-idx1", (np.arange(n) % 10).astype(np.uint8)),
        ):
            write_idx(folder / f"{split}-{kind}-ubyte", array)
    return folder


# few samples for 16 hidden neurons: the Jacobians have full row rank, certified at once
MNIST_SMALL = ["--widths", "784,16,10", "--n-train", "6", "--n-test", "4", "--n-random", "4", "--epochs", "1"]


def test_mnist_small_run(mnist_dir, capsys):
    argv = ["train", "--data", "mnist", "--data-path", str(mnist_dir), *MNIST_SMALL, "--checkpoints", "2"]
    assert main(argv + ["--json", "--quiet"]) == 0
    doc = json.loads(capsys.readouterr().out)
    history, run = doc["history"], doc["run"]
    assert [row["step"] for row in history] == [0, 1]  # 6 samples, batches of 32: 1 step an epoch
    assert run["data"]["name"] == "mnist" and run["data"]["source"] == str(mnist_dir)
    assert (run["data"]["n_train"], run["data"]["n_test"], run["widths"]) == (6, 4, [784, 16, 10])
    # N = 784·16 + 16 + 16·10 + 10 = 12730, H = 16: the step-0 BFD is that of Network.random_he on the
    # data set's inputs: full row rank, 6 samples × 10 outputs = 60
    data = mnist(mnist_dir, 6, 4, seed=0)
    assert run["data"]["train_indices"] == data.info["train_indices"]
    net0 = rg.Network.random_he((784, 16, 10), seed=0)
    assert history[0]["bfd_train"] == rg.batch_functional_dimension(net0, data.X_train) == 60
    assert history[0]["bfd_test"] == rg.batch_functional_dimension(net0, data.X_test) == 40
    assert all(0 <= row["accuracy"] <= 1 and row["n_minus_h"] == 12714 for row in history)
    assert main(argv) == 0
    out = capsys.readouterr()
    assert out.out.splitlines()[0].startswith(
        "mnist: 6 train / 4 test samples in R^784, 10 classes; widths 784,16,10: N = 12730, H = 16, N − H = 12714; "
        "sgd (lr 0.05, momentum 0.9), cross-entropy loss, 1 epochs = 1 steps"
    )
    assert "training mnist widths 784,16,10 with sgd: 1 steps, 2 checkpoints" in out.err


def test_mnist_defaults_are_the_papers_widths(mnist_dir, capsys):
    argv = ["train", "--data", "mnist", "--data-path", str(mnist_dir), "--n-train", "2", "--n-test", "1"]
    assert main(argv + ["--n-random", "1", "--epochs", "1", "--json", "--quiet"]) == 0
    run = json.loads(capsys.readouterr().out)["run"]
    assert run["widths"] == [784, 30, 30, 30, 10] and run["num_params"] == 25720 and run["num_hidden"] == 90
    assert run["config"]["optimizer"] == "sgd" and run["config"]["lr"] == 0.05 and run["checkpoint_steps"] == [0, 1]


# ----------------------------------------------------------------------------------- errors
def test_unknown_optimizer(capsys):
    err = _error(TEACHER + ["--optimizer", "rmsprop"], capsys)
    assert "--optimizer 'rmsprop'" in err and "gd, sgd, adam, path-sgd" in err


@pytest.mark.parametrize(
    "argv,needs",
    [
        (["--data", "teacher", "--widths", "3,4,1"], "2 inputs and 1 outputs: use widths 2,…,1"),
        (["--data", "teacher", "--widths", "2,4,2"], "2 inputs and 1 outputs: use widths 2,…,1"),
        (["--data", "moons", "--widths", "2,4,1"], "2 inputs and 2 outputs: use widths 2,…,2"),
        (["--data", "teacher", "--teacher-widths", "3,2,2", "--widths", "2,4,1"], "3 inputs and 2 outputs"),
    ],
)
def test_widths_that_do_not_fit_the_data(argv, needs, capsys):
    err = _error(["train", *argv, "--epochs", "2", "--n-train", "8", "--n-test", "4"], capsys)
    assert needs in err


def test_digits_without_scikit_learn(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # import fails as if not installed
    err = _error(["train", "--data", "digits", "--epochs", "1"], capsys)
    assert "scikit-learn" in err and '".[data]"' in err


def test_mnist_needs_its_data_path_and_only_it_takes_one(mnist_dir, tmp_path, capsys):
    err = _error(["train", "--data", "mnist", "--epochs", "1"], capsys)
    assert "--data mnist reads MNIST from disk: give its folder (or mnist.npz) with --data-path" in err
    err = _error(MOONS + ["--data-path", str(mnist_dir)], capsys)
    assert "--data-path applies to --data mnist only, not --data moons" in err
    err = _error(["train", "--data", "mnist", "--data-path", str(tmp_path / "none"), "--epochs", "1"], capsys)
    assert f"{tmp_path / 'none'} does not exist: expected the IDX files train-images-idx3-ubyte" in err
    assert "t10k-labels-idx1-ubyte" in err and "mnist.npz" in err
    err = _error(["train", "--data", "mnist", "--data-path", str(mnist_dir), "--noise", "0.1"], capsys)
    assert "--noise applies to --data teacher (targets) and --data moons (points), not mnist" in err
    err = _error(["train", "--data", "mnist", "--data-path", str(mnist_dir), "--n-train", "31"], capsys)
    assert "the MNIST training files hold 30 images; n_train = 31 is too many" in err


def test_diverging_learning_rate(capsys):
    err = _error(TEACHER + ["--lr", "1000", "--quiet"], capsys)
    assert "lower the learning rate" in err and "lr=1000.0" in err
    assert main(TEACHER + ["--lr", "1000"]) == 2  # with progress: the error is the last line
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[-1].startswith("relugeom: error: the ") and "Traceback" not in "".join(lines)
    assert not any("Warning" in line for line in lines)


@pytest.mark.parametrize(
    "extra,message",
    [
        (["--loss", "hinge"], "--loss 'hinge' is not one of squared, cross-entropy"),
        (["--loss", "cross-entropy"], "teacher is a regression task: use --loss squared"),
        (["--widths", "2,x,1"], "--widths '2,x,1': give positive integers"),
        (["--checkpoints", "1"], "--checkpoints '1': give a number of checkpoints >= 2"),
        (["--checkpoints", "5,50"], "steps [50] lie beyond the last step 20"),
        (["--track", "train,valid"], "--track 'valid' is not one of train, test, random"),
        (["--lr", "-1"], "argument --lr: expected a finite number > 0, got '-1'"),
        (["--batch-size", "4"], "gd is full-batch gradient descent"),
        (["--init-scale", "0"], "argument --init-scale: expected a finite number > 0, got '0'"),
        (["--noise", "-1"], "argument --noise: expected a finite number >= 0, got '-1'"),
        (["--n-random", "0"], "argument --n-random: expected an integer >= 1, got '0'"),
        (["--cffd", "maybe"], "--cffd 'maybe' is not one of auto, exact, off"),
    ],
)
def test_bad_options(extra, message, capsys):
    assert message in _error(TEACHER + extra, capsys)


def test_options_of_other_data_sets(capsys):
    assert "--teacher-widths applies to --data teacher only" in _error(MOONS + ["--teacher-widths", "2,4,1"], capsys)
    err = _error(["train", "--data", "teacher", "--n-train", "0"], capsys)
    assert "argument --n-train: expected an integer >= 1, got '0'" in err


def test_help_lists_the_train_command(capsys):
    assert main(["train", "--help"]) == 0  # main prints the help and returns 0
    out = capsys.readouterr().out
    for option in (
        "--data",
        "--data-path",
        "--widths",
        "--optimizer",
        "--epochs",
        "--track",
        "--out",
        "--checkpoints",
        "--init-scale",
        "--cffd",
        "--float-ranks",
        "--certify-timeout",
        "--at-zero",
        "--quiet",
    ):
        assert option in out
