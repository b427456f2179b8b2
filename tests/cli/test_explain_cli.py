"""``relugeom dim … --explain`` and ``relugeom cffd … --explain``: the deficit table and the JSON fields."""

from __future__ import annotations

import json

import pytest
from helpers import HAND_LAYERS, cli_error, write_files

import relugeom as rg
from relugeom.cli.main import main

HAND = rg.Network.from_layers(HAND_LAYERS)
TWINS = rg.Network.from_layers([([[1], [2]], [-1, -2]), ([[1, 1]], [0])])  # relu(2x − 2) = 2 relu(x − 1)


@pytest.fixture
def files(tmp_path):
    return write_files(tmp_path, {"hand": HAND, "twins": TWINS}, {"line": [[2], [3], [4], [5]]})


def test_dim_explain_prints_the_table_after_the_report(files, capsys):
    assert main(["dim", files["hand"], "--inputs", files["line"], "--explain"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["BFD", "2"]
    start = next(i for i, line in enumerate(out) if line.startswith("deficit"))
    assert any(line.startswith("certificate") for line in out[:start])  # the usual report comes first
    assert out[start] == "deficit 3 = (N − H) − BFD = 5 − 2 on the batch (4 samples)"
    assert out[start + 3].split() == ["always-active", "(0,0)", "(0,1)", "3"]
    assert out[start + 4].split() == ["unexplained", "0"]
    assert out[start + 5].split() == ["sum", "3", "=", "3", "+", "0"]


def test_dim_explain_json(files, capsys):
    assert main(["dim", files["hand"], "--inputs", files["line"], "--explain", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    ex = d["explanation"]
    assert d["bfd"] == ex["rank"] == 2
    assert (ex["domain"], ex["deficit"], ex["explained"], ex["unexplained_dimension"]) == ("batch", 3, 3, 0)
    (mech,) = ex["mechanisms"]
    assert (mech["name"], mech["neurons"], mech["dimension"]) == ("always-active", [[0, 0], [0, 1]], 3)
    J = rg.jacobian(HAND, [[2], [3], [4], [5]])
    for v in mech["vectors"]:  # exact kernel vectors, as JSON integers
        assert all(sum(J[r, c] * v[c] for c in range(7)) == 0 for r in range(4))
    assert ex["unexplained"] == []


def test_dim_without_explain_has_no_explanation(files, capsys):
    assert main(["dim", files["hand"], "--inputs", files["line"], "--json"]) == 0
    assert "explanation" not in json.loads(capsys.readouterr().out)


def test_dim_explain_is_exact_whatever_the_method(files, capsys):
    assert main(["dim", files["hand"], "--inputs", files["line"], "--method", "float", "--explain", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["method"] == "float" and d["explanation"]["rank"] == 2


def test_cffd_explain_twins(files, capsys):
    assert main(["cffd", files["twins"], "--sizes", "1,2", "--explain"]) == 0
    out = capsys.readouterr().out.splitlines()
    start = next(i for i, line in enumerate(out) if line.startswith("deficit"))
    assert any(line.startswith("sampling estimate") for line in out[:start])
    assert out[start] == "deficit 2 = (N − H) − CFFD = 5 − 3 on R^1 (2 regions, 4 samples)"
    assert out[start + 3].split() == ["twins", "(0,0)", "(0,1)", "2"]
    assert out[-1].split() == ["sum", "2", "=", "2", "+", "0"]


def test_cffd_explain_json(files, capsys):
    assert main(["cffd", files["twins"], "--sizes", "1,2", "--explain", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    ex = d["explanation"]
    assert d["cffd"] == ex["rank"] == 3 and d["deficit"] == ex["deficit"] == 2
    assert (ex["domain"], ex["num_regions"], ex["num_samples"]) == ("R^n0", 2, 4)
    assert [(m["name"], m["dimension"], len(m["vectors"])) for m in ex["mechanisms"]] == [("twins", 2, 2)]
    assert main(["cffd", files["hand"], "--sizes", "1", "--json"]) == 0
    assert "explanation" not in json.loads(capsys.readouterr().out)


def test_dim_explain_degenerate_batch_is_one_error_line(files, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("2\n1\n")  # x = 1: neuron (0, 1) of the hand network is exactly 0
    cli_error(["dim", files["hand"], "--inputs", str(bad), "--explain"], capsys)
