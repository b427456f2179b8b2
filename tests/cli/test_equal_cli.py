"""``relugeom equal``: exit codes 0 (equal), 1 (a witness), 2 (bad input), 3 (a limit); text, --json, --box,
and the one-argument form on a counterexample file holding a pair of networks."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from helpers import cli_error, naive_forward, write_files

import relugeom as rg
from relugeom.cli.main import main
from relugeom.symmetry import random_symmetry

net = rg.Network.from_layers
TWINS = net([([[1], [1]], [0, 0]), ([[1, 2]], [0])])  # 3 relu(x)
SPLIT = net([([[1], [1]], [0, 0]), ([["3/2", "3/2"]], [0])])  # 3 relu(x), not equivalent to TWINS
MERGED = net([([[1]], [0]), ([[3]], [0])])
OPPOSITE = net([([[1], [-1]], [0, 0]), ([[1, -1]], [0])])  # x
SHIFTED = net([([[1]], [10]), ([[1]], [-10])])  # relu(x + 10) − 10
TWO_INPUTS = net([([[1, 1]], [0]), ([[1]], [0])])


@pytest.fixture
def files(tmp_path):
    nets = {"twins": TWINS, "split": SPLIT, "merged": MERGED, "opposite": OPPOSITE, "shifted": SHIFTED}
    return write_files(tmp_path, {**nets, "two": TWO_INPUTS})


def test_equal_pair_exits_0_with_the_region_count(files, capsys):
    assert main(["equal", files["opposite"], files["shifted"], "--box=-5:5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "A: network widths (1, 2, 1): N = 7, H = 2"
    assert lines[1] == "B: network widths (1, 1, 1): N = 4, H = 1"
    assert lines[2] == "equal on [-5, 5] (2 regions of the common refinement)"  # x < 0 and x > 0
    assert lines[3] == "equivalent under permutations and positive rescalings: not comparable (the widths differ)"


def test_different_pair_exits_1_with_a_separating_witness(files, capsys):
    assert main(["equal", files["opposite"], files["shifted"]]) == 1
    out = capsys.readouterr().out
    line = next(s for s in out.splitlines() if s.startswith("not equal"))
    # "not equal: at x = (w), F_a = (w) but F_b = (-10)" with w < -10
    w = Fraction(line.split("at x = (")[1].split(")")[0])
    assert w < -10 and line == f"not equal: at x = ({w}), F_a = ({w}) but F_b = (-10)"


def test_equal_but_not_equivalent_is_named(files, capsys):
    assert main(["equal", files["twins"], files["split"]]) == 0
    out = capsys.readouterr().out
    assert "equal on R^1" in out
    assert "equivalent under permutations and positive rescalings: no" in out
    assert "equal but not equivalent: a hidden symmetry" in out
    assert main(["equal", files["twins"], files["twins"]]) == 0
    out = capsys.readouterr().out
    assert "positive rescalings: yes" in out and "hidden symmetry" not in out


def test_json(files, capsys):
    assert main(["equal", files["opposite"], files["shifted"], "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    w = [Fraction(v) for v in out["witness"]]
    assert out["equal"] is False and out["domain"] == "R^1" and out["box"] is None
    assert out["value_a"] == [str(v) for v in naive_forward(OPPOSITE, w)]
    assert out["value_b"] == [str(v) for v in naive_forward(SHIFTED, w)] == ["-10"]
    assert out["widths_a"] == [1, 2, 1] and out["widths_b"] == [1, 1, 1] and out["equivalent"] is None
    assert main(["equal", files["twins"], files["split"], "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["equal"] is True and out["witness"] is None and out["regions"] == 1
    assert out["equivalent"] is False and out["equivalence"] == "no" and out["hidden_symmetry"] is True


def test_box_decides_where_r_does_not(files, capsys):
    assert main(["equal", files["opposite"], files["shifted"], "--box", "-10:3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["box"] == [["-10", "3"]] and out["domain"] == "[-10, 3]"
    assert main(["equal", files["opposite"], files["shifted"], "--box=-12:3", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert -12 <= Fraction(out["witness"][0]) < -10


def test_max_regions_is_a_limit(files, capsys):
    code = main(["equal", files["opposite"], files["shifted"], "--box=-5:5", "--max-regions", "1"])
    err = capsys.readouterr().err
    assert code == 3 and err.startswith("relugeom: limit: region limit reached") and len(err.splitlines()) == 1


def write_pair(path, a, b, **extra) -> str:
    data = {"format": "relugeom-counterexample", "version": 1, "network": a.to_dict(), **extra}
    if b is not None:
        data["other_network"] = b.to_dict()
    path.write_text(json.dumps(data))
    return str(path)


def test_one_argument_counterexample_file(tmp_path, capsys):
    pair = write_pair(tmp_path / "ce.json", TWINS, SPLIT, inputs=[["1"]])
    assert main(["equal", pair]) == 0
    out = capsys.readouterr().out
    assert "equal on R^1" in out and "hidden symmetry" in out
    other = write_pair(tmp_path / "ce2.json", OPPOSITE, SHIFTED)
    assert main(["equal", other, "--box=-5:5"]) == 0
    capsys.readouterr()
    assert main(["equal", other, "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["equal"] is False
    a = rg.Network.random_rational((2, 3, 1), seed=4)
    sym = write_pair(tmp_path / "ce3.json", a, random_symmetry(a, 2))
    assert main(["equal", sym]) == 0
    assert "positive rescalings: yes" in capsys.readouterr().out


def test_bad_input_exits_2_with_one_line(files, tmp_path, capsys):
    err = cli_error(["equal", files["twins"]], capsys)  # a plain network file: no pair
    assert "'other_network' is missing" in err
    lone = write_pair(tmp_path / "lone.json", TWINS, None, inputs=[["1"]])
    assert "'other_network' is missing" in cli_error(["equal", lone], capsys)
    assert "(2, 1, 1)" in cli_error(["equal", files["twins"], files["two"]], capsys)
    cli_error(["equal", files["twins"], str(tmp_path / "missing.json")], capsys)
    cli_error(["equal", files["twins"], files["merged"], "--box=1:0"], capsys)
    cli_error(["equal", files["twins"], files["merged"], "--box=0:1,0:1"], capsys)
    cli_error(["equal", files["twins"], files["merged"], "--max-regions", "0"], capsys)
    (tmp_path / "bad.json").write_text("{not json")
    cli_error(["equal", str(tmp_path / "bad.json")], capsys)
    cli_error(["equal"], capsys)
