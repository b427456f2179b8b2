"""``relugeom recheck DIR``: a real ``relugeom train --out`` run re-checked, corrupted, and refused when incomplete."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from helpers import cli_error, run_cli

import relugeom.training.run_directory as run_directory
from relugeom.cli.main import main
from relugeom.exceptions import CertificationTimeout

# 5 gd steps of a 2-3-1 student on a teacher task, checkpoints at steps 0 and 5: about a second
TRAIN = [
    "train",
    "--data",
    "teacher",
    "--widths",
    "2,3,1",
    "--epochs",
    "5",
    "--checkpoints",
    "2",
    "--n-train",
    "8",
    "--n-test",
    "4",
    "--n-random",
    "6",
    "--cffd",
    "off",
    "--quiet",
]
BATCHES = ["train", "test", "random"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A run directory written by ``relugeom train --out`` (every batch tracked) and its history.json."""
    out = tmp_path_factory.mktemp("recheck") / "run"
    code, _, _ = run_cli(TRAIN + ["--out", str(out)])
    assert code == 0
    return out, json.loads((out / "history.json").read_text())


@pytest.fixture
def run_copy(trained, tmp_path):
    """A copy of the trained run directory to corrupt."""
    return shutil.copytree(trained[0], tmp_path / "run")


def _recheck_json(directory, *options) -> tuple[int, dict]:
    """Exit code and the one JSON object; stderr holds one line exactly when the exit code is not 0."""
    code, out, err = run_cli(["recheck", str(directory), *options, "--json"])
    assert len(out.strip().splitlines()) == 1
    assert len(err.splitlines()) == (code != 0) and "Traceback" not in err
    return code, json.loads(out)


def _table(stdout: str) -> list[list[str]]:
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("step  "))
    rows = []
    for line in lines[start + 2 :]:
        if not line[:1].isdigit():
            break
        rows.append(re.split(r"\s{2,}", line.strip()))
    return rows


# ---------------------------------------------------------------------------------------- a clean run
def test_a_fresh_run_rechecks_every_recorded_bfd(trained):
    out, history = trained
    code, stdout, stderr = run_cli(["recheck", str(out)])
    assert code == 0 and stderr == ""
    assert stdout.startswith(f"run {out}: teacher, widths 2,3,1 (N = 13, H = 3, N − H = 10), gd, 5 steps; tracked: ")
    expected = [
        [str(row["step"]), b, str(row[f"bfd_{b}"]), str(row[f"bfd_{b}"]), "agrees"] for row in history for b in BATCHES
    ]
    assert [r["step"] for r in history] == [0, 5]
    assert _table(stdout) == expected
    assert stdout.rstrip().endswith(
        "re-checked 6 recorded BFDs at 2 checkpoints on train, test, random, exactly from checkpoints/ and inputs/: "
        "6 agree"
    )


def test_json_is_one_object_with_every_check(trained):
    out, history = trained
    code, doc = _recheck_json(out)
    assert code == 0
    assert doc["summary"] == {"checked": 6, "agree": 6, "contradicted": 0, "timed_out": 0, "checkpoints": 2, "ok": True}
    assert {(c["step"], c["batch"]): (c["recorded"], c["recomputed"]) for c in doc["checks"]} == {
        (row["step"], b): (row[f"bfd_{b}"], row[f"bfd_{b}"]) for row in history for b in BATCHES
    }
    assert doc["run"]["tracked"] == sorted(BATCHES) and doc["run"]["widths"] == [2, 3, 1]
    assert doc["run"]["command"].startswith("relugeom train --data teacher --widths 2,3,1")


def test_steps_selects_checkpoints(trained, capsys):
    out, history = trained
    code, doc = _recheck_json(out, "--steps", "5")
    assert code == 0 and [(c["step"], c["batch"]) for c in doc["checks"]] == [(5, b) for b in BATCHES]
    err = cli_error(["recheck", str(out), "--steps", "3"], capsys, prefix="relugeom: error: ")
    assert "no checkpoint at step 3" in err and "steps 0, 5" in err


# ------------------------------------------------------------------------------------------ violations
def test_a_corrupted_bfd_is_a_violation_exit_1(run_copy):
    history = json.loads((run_copy / "history.json").read_text())
    true_bfd = history[-1]["bfd_test"]
    history[-1]["bfd_test"] = true_bfd + 1
    (run_copy / "history.json").write_text(json.dumps(history))
    code, stdout, stderr = run_cli(["recheck", str(run_copy)])
    assert code == 1
    assert stderr == (
        f"relugeom: violation: at step 5 on test, BFD {true_bfd + 1} recorded, {true_bfd} recomputed "
        "(1 of 6 recorded values contradicted)\n"
    )
    rows = {(r[0], r[1]): r for r in _table(stdout)}
    assert rows["5", "test"] == [
        "5",
        "test",
        str(true_bfd + 1),
        str(true_bfd),
        f"CONTRADICTED: BFD {true_bfd + 1} recorded, {true_bfd} recomputed",
    ]
    assert sum(r[-1] == "agrees" for r in rows.values()) == 5
    assert "5 agree, 1 contradicted (a violation)" in stdout
    code, doc = _recheck_json(run_copy)
    assert code == 1 and doc["summary"]["contradicted"] == 1 and doc["summary"]["ok"] is False
    assert [(c["step"], c["batch"]) for c in doc["checks"] if c["agree"] is False] == [(5, "test")]


def test_a_false_null_and_a_false_dead_neuron_count_are_violations(run_copy):
    history = json.loads((run_copy / "history.json").read_text())
    history[0]["bfd_random"] = None
    history[0]["dead_neurons"] = history[0]["dead_neurons"] + 2
    (run_copy / "history.json").write_text(json.dumps(history))
    code, doc = _recheck_json(run_copy)
    assert code == 1
    bad = {(c["step"], c["batch"]): c["reason"] for c in doc["checks"] if c["agree"] is False}
    assert bad.keys() == {(0, "random"), (0, "train")}
    assert bad[0, "random"] == "recorded null, but the batch is not degenerate"
    assert "dead neurons recorded" in bad[0, "train"]


def test_a_timed_out_recomputation_exits_3(trained, monkeypatch, capsys):
    real = run_directory.dimension_report

    def slow_on_test(net, X, **kwargs):
        if len(X) == 4:  # the test batch
            raise CertificationTimeout(3, 2, 4, kwargs["certify_timeout"])
        return real(net, X, **kwargs)

    monkeypatch.setattr(run_directory, "dimension_report", slow_on_test)
    code, stdout, stderr = run_cli(["recheck", str(trained[0]), "--certify-timeout", "0.5"])
    assert code == 3
    assert stderr == (
        "relugeom: limit: 2 of 6 recomputations ran out of --certify-timeout 0.5 s and were not judged; raise it\n"
    )
    assert [r[-1] for r in _table(stdout)].count("timed out (not judged)") == 2
    assert "4 agree, 2 timed out (raise --certify-timeout)" in stdout


# ------------------------------------------------------------------------------------------ not a run
@pytest.mark.parametrize(
    "damage,message",
    [
        ("run.json", "is not a run directory: it has no run.json"),
        ("history.json", "is not a run directory: it has no history.json"),
        ("checkpoints/step-5.json", "is incomplete: checkpoints/step-5.json is missing"),
        ("inputs/random.csv", "is incomplete: inputs/random.csv is missing"),
    ],
)
def test_a_missing_file_is_one_error_line_exit_2(run_copy, damage, message, capsys):
    (run_copy / damage).unlink()
    err = cli_error(["recheck", str(run_copy)], capsys, prefix="relugeom: error: ")
    assert message in err


def test_other_directories_and_files_are_refused(run_copy, tmp_path, capsys):
    assert "does not exist" in cli_error(["recheck", str(tmp_path / "nowhere")], capsys)
    assert "is a file" in cli_error(["recheck", str(run_copy / "run.json")], capsys)
    (run_copy / "run.json").write_text(json.dumps({"format": "relugeom-network"}))
    assert "is not a relugeom run: 'format' is 'relugeom-network'" in cli_error(["recheck", str(run_copy)], capsys)
    (run_copy / "run.json").write_text("{")
    assert "run.json is not valid JSON" in cli_error(["recheck", str(run_copy)], capsys)
    (tmp_path / "empty").mkdir()
    assert "it has no run.json" in cli_error(["recheck", str(tmp_path / "empty")], capsys)


def test_a_malformed_history_is_refused(run_copy, capsys):
    (run_copy / "history.json").write_text(json.dumps({"step": 0}))
    assert "expected a list of per-checkpoint objects" in cli_error(["recheck", str(run_copy)], capsys)
    assert "--certify-timeout" in cli_error(["recheck", str(run_copy), "--certify-timeout", "0"], capsys)


# ----------------------------------------------------------------------------------- --help and drift
def _help(argv: list[str], capsys) -> str:
    """The ``--help`` text, whitespace normalised (main returns 0 after it, or argparse exits with 0)."""
    try:
        code = main(argv + ["--help"])
    except SystemExit as exit_:
        code = exit_.code or 0
    assert code == 0
    return " ".join(capsys.readouterr().out.split())


def test_help_names_the_exit_codes(capsys):
    text = _help(["recheck"], capsys)
    for words in ("--steps", "--certify-timeout", "--json", "Exit code 0", "1: a recorded value is contradicted"):
        assert words in text


def test_check_help_names_every_theorem(capsys):
    from relugeom.proofs import THEOREMS

    text = _help(["check"], capsys)
    assert f"default: all, {' '.join(THEOREMS)}" in text and "T7: " in text
