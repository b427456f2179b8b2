"""The command line: outputs, JSON keys, and one-line errors with exit code 2."""

import json
import subprocess
import sys

import pytest
from helpers import HAND_LAYERS, cli_error, write_files

import relugeom as rg
from relugeom.cli.main import main

HAND = rg.Network.from_layers(HAND_LAYERS)


@pytest.fixture
def files(tmp_path):
    net = write_files(tmp_path, {"net": HAND})["net"]
    X = tmp_path / "x.csv"
    X.write_text("-1\n-1/2\n0.5\n0.7\n2\n3\n")
    return net, X, tmp_path


def test_dim_json_has_the_documented_keys_and_values(files, capsys):
    net, X, _ = files
    assert main(["dim", str(net), "--inputs", str(X), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["bfd"] == 5 and out["method"] == "exact" and out["certified"] is True
    assert (out["num_params"], out["num_hidden"], out["upper_bound"], out["num_patterns"]) == (7, 2, 5, 3)


@pytest.mark.parametrize("method,certified", [("modular", False), ("float", False)])
def test_dim_other_methods(files, capsys, method, certified):
    net, X, _ = files
    assert main(["dim", str(net), "--inputs", str(X), "--method", method, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["bfd"] == 5 and out["method"] == method and out["certified"] is certified


def test_dim_threads_sets_flint_and_blas_for_the_run_only(files, capsys, monkeypatch):
    import flint

    from relugeom.linalg import threads as threads_module

    seen = []
    real = threads_module.set_blas_threads
    monkeypatch.setattr(threads_module, "set_blas_threads", lambda k: seen.append((k, flint.ctx.threads)) or real(k))
    before = flint.ctx.threads
    net, X, _ = files
    assert main(["dim", str(net), "--inputs", str(X), "--threads", "2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["bfd"] == 5
    assert seen[0] == (2, 2) and flint.ctx.threads == before
    cli_error(["dim", str(net), "--inputs", str(X), "--threads", "0"], capsys)


def test_dim_human_table_and_compare(files, capsys):
    net, X, _ = files
    assert main(["dim", str(net), "--inputs", str(X), "--compare"]) == 0
    out = capsys.readouterr().out
    assert "BFD" in out and " 5" in out.splitlines()[0]
    assert "float64 agrees with the exact BFD 5" in out


def test_missing_file(files, capsys):
    _, X, tmp = files
    assert "not found" in cli_error(["dim", str(tmp / "nope.json"), "--inputs", str(X)], capsys)


def test_malformed_json(files, capsys):
    _, X, tmp = files
    bad = tmp / "bad.json"
    bad.write_text("{not json")
    assert "not valid JSON" in cli_error(["dim", str(bad), "--inputs", str(X)], capsys)


def test_malformed_csv(files, capsys):
    net, _, tmp = files
    bad = tmp / "bad.csv"
    bad.write_text("1\nfoo\n")
    assert "'foo'" in cli_error(["dim", str(net), "--inputs", str(bad)], capsys)


def test_wrong_input_width(files, capsys):
    net, _, tmp = files
    wide = tmp / "wide.csv"
    wide.write_text("1,2\n3,4\n")
    assert "expected 1" in cli_error(["dim", str(net), "--inputs", str(wide)], capsys)


def test_degenerate_point_and_its_convention(files, capsys):
    net, _, tmp = files
    deg = tmp / "deg.csv"
    deg.write_text("2\n1\n")
    err = cli_error(["dim", str(net), "--inputs", str(deg)], capsys)
    assert "sample 1" in err and "layer 0" in err and "neuron 1" in err
    assert main(["dim", str(net), "--inputs", str(deg), "--at-zero", "inactive", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["bfd"] == 2


def test_python_dash_m_runs_the_demo():
    proc = subprocess.run([sys.executable, "-m", "relugeom", "demo"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "exact BFD      = 6" in proc.stdout and "float64 BFD    = 5" in proc.stdout


def test_check_prints_a_table_with_zero_violations(capsys):
    assert main(["check", "T2", "t4"]) == 0
    out = capsys.readouterr().out
    lines = [l for l in out.splitlines() if l.startswith(("T2", "T4"))]
    assert len(lines) == 2 and all(l.split()[-2] == "0" for l in lines)  # violations column
    assert "default run, 1 job(s)" in out


def test_check_json_matches_run_checks(capsys):
    from relugeom.proofs import run_checks

    assert main(["check", "T5", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    (row,) = run_checks(["T5"])
    assert out["theorems"][0]["checked"] == row.checked > 0
    assert out["theorems"][0]["violations"] == 0 and out["theorems"][0]["degenerate"] == row.degenerate


def test_check_unknown_theorem_is_a_one_line_error(capsys):
    assert main(["check", "T99"]) == 2
    assert capsys.readouterr().err.startswith("relugeom: error: unknown theorem 'T99'")


def test_search_writes_a_counterexample_that_dim_rechecks(tmp_path, capsys):
    out_file = tmp_path / "ce.json"
    assert main(["search", "no-dead-full-rank", "--out", str(out_file), "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["written_to"] == str(out_file) and found["conjecture"] == "no-dead-full-rank"
    saved = json.loads(out_file.read_text())
    assert saved["format"] == "relugeom-counterexample"
    assert main(["dim", str(out_file), "--json"]) == 0  # the batch comes from the file
    rechecked = json.loads(capsys.readouterr().out)
    assert rechecked["bfd"] == saved["quantities"]["bfd"]
    # the claim is violated: no dead neuron, yet BFD < min(n·n_L, N − H)
    assert rechecked["dead_neurons"] == [] and rechecked["bfd"] < min(
        rechecked["bound_rows"], rechecked["bound_params"]
    )


def test_search_list_and_errors(capsys):
    assert main(["search", "--list"]) == 0
    listing = capsys.readouterr().out
    for name in ("float-rank", "no-dead-full-rank", "patterns-determine-bfd", "symmetry-invariance"):
        assert name in listing
    assert main(["search", "no-such-thing"]) == 2
    assert "unknown conjecture" in capsys.readouterr().err
    assert main(["search"]) == 2


def test_dim_without_inputs_on_a_plain_network_file_is_an_error(files, capsys):
    net, _, _ = files
    assert main(["dim", str(net)]) == 2
    assert "--inputs is required" in capsys.readouterr().err
