"""``relugeom measures``: path-norms and margins computed by hand, segment statistics, one-line errors."""

from __future__ import annotations

import json
import math
from fractions import Fraction
from functools import partial

import numpy as np
import pytest
from helpers import HAND_LAYERS, cli_error, cli_json, write_files

import relugeom as rg
from relugeom.cli.main import main
from relugeom.measures.segments import segment_statistics

# F(x1, x2) = 2 relu(x1 − 2 x2 + 3) − 1
SMALL = rg.Network.from_layers([([[1, -2]], [3]), ([[2]], [-1])])
# F(x) = relu(x) + relu(x − 1): breakpoints 0 and 1 (SPEC §3 hand example)
HAND = rg.Network.from_layers(HAND_LAYERS)
# F(x, y) = relu(x) + relu(y): the segment from (−1, 0) to (1, 0) lies in the hyperplane y = 0
PLANES = rg.Network.from_layers([([[1, 0], [0, 1]], [0, 0]), ([[1, 1]], [0])])
# two logits relu(x) and relu(−x): the margin of x with its right class (0 iff x > 0) is |x|
LOGITS = rg.Network.from_layers([([[1], [-1]], [0, 0]), ([[1, 0], [0, 1]], [0, 0])])
# two hidden layers, rational weights and biases: its path-norms are checked against a path enumeration
DEEP = rg.Network.from_layers(
    [([[1, "-1/2"], [0, 2]], ["1/3", -1]), ([[3, 1], ["-2/5", 0], [1, 1]], [0, "1/2", 2]), ([[1, -1, "1/4"]], [-3])]
)


@pytest.fixture
def files(tmp_path):
    networks = {
        "small": SMALL,
        "hand": HAND,
        "planes": PLANES,
        "logits": LOGITS,
        "deep": DEEP,
        "random": rg.Network.random_rational((2, 4, 3, 1), seed=3),
    }
    xs = [Fraction(1, 2)] + [Fraction(k) for k in range(-10, 11) if k != 0]
    rng = np.random.default_rng(7)
    inputs = {
        "x_small": [[1, 0], [0, 1]],  # F = 7 and F = 1
        "y_right": [[1], [1]],  # both classified as 1 (F > 0)
        "y_wrong": [[1], [0]],  # the second one says class 0 but F = 1 > 0
        "y_three": [[1], [1], [1]],
        "y_two_cols": [[1, 0], [1, 0]],
        "x_hand": [[-1], [3], [2]],
        "x_one": [[5]],
        "x_planes": [[-1, 0], [1, 0]],
        "x_logits": [[x] for x in xs],
        "y_logits": [[0 if x > 0 else 1] for x in xs],
        "y_logits_bad": [[2]] + [[0]] * 20,
        "x_deep": [[0, 0], [1, 1], ["-1/2", 2]],
        "x_random": [[Fraction(int(v), 7) for v in rng.integers(-21, 22, size=2)] for _ in range(6)],
    }
    return write_files(tmp_path, networks, inputs)


_json = partial(cli_json, strict=True)  # strict JSON: no NaN / Infinity


def _text(argv, capsys) -> str:
    assert main(argv) == 0
    return capsys.readouterr().out


def _row(out: str, name: str) -> list[str]:
    """The cells of the table row starting with ``name`` (cells are separated by two spaces)."""
    line = next(line for line in out.splitlines() if line.startswith(name + "  "))
    return [c.strip() for c in line[len(name) :].split("  ") if c.strip()]


# ------------------------------------------------------------------------------------------ norms
def test_hand_path_norms_in_json(files, capsys):
    out = _json(["measures", files["small"]], capsys)
    assert out["network"] == {"widths": [2, 1, 1], "num_params": 5}
    norms = out["norms"]
    # four paths to the output: x1 (1·2), x2 (2·2), the first bias (3·2) and the second bias (1)
    # ℓ1: 2 + 4 + 6 + 1 = 13;  ℓ2 squared: 1·4 + 4·4 + 9·4 + 1 = 57
    assert (norms["path_l1"], norms["path_l2_sq"]) == ("13", "57")
    # Frobenius: (1 + 4)·4 = 20 (the square); ℓ1,∞: max row ℓ1 norms 3 and 2 → 6
    assert norms["frobenius_sq"] == ["5", "4"] and norms["l1_inf"] == ["3", "2"]
    exact = {m["name"]: m["exact"] for m in norms["measures"]}
    assert exact == {
        "frobenius product": "20",
        "spectral product": None,
        "l1,inf product": "6",
        "l1 path-norm": "13",
        "l2 path-norm": "57",
    }
    value = {m["name"]: m["value"] for m in norms["measures"]}
    assert value["l2 path-norm"] == pytest.approx(math.sqrt(57), rel=2**-52)  # roots within one ulp
    assert value["frobenius product"] == pytest.approx(math.sqrt(20), rel=2**-52)
    assert value["spectral product"] == pytest.approx(2 * math.sqrt(5))  # ‖(1, −2)‖₂ · ‖(2)‖₂
    assert norms["margin"] is None and out["segments"] is None


def test_hand_path_norms_in_the_human_table(files, capsys):
    out = _text(["measures", files["small"]], capsys)
    assert "network widths (2, 1, 1): N = 5, H = 1" in out
    assert _row(out, "l1 path-norm") == ["13", "13"]
    assert _row(out, "l2 path-norm") == ["√57", f"{math.sqrt(57):.6g}"]
    assert _row(out, "frobenius product") == ["√20", f"{math.sqrt(20):.6g}"]
    assert _row(out, "l1,inf product") == ["6", "6"]
    assert _row(out, "spectral product") == ["-", f"{2 * math.sqrt(5):.6g}"]
    assert "/ margin" not in out and "margin: none" in out and "segment" not in out.split("margin: none")[1]


def test_path_norms_of_a_deeper_network_match_a_path_enumeration(files, capsys, brute_path_norm):
    assert (brute_path_norm(SMALL, 1), brute_path_norm(SMALL, 2)) == (13, 57)  # the enumeration itself
    norms = _json(["measures", files["deep"]], capsys)["norms"]
    assert Fraction(norms["path_l1"]) == brute_path_norm(DEEP, 1)
    assert Fraction(norms["path_l2_sq"]) == brute_path_norm(DEEP, 2)
    assert Fraction(norms["path_l2_sq"]).denominator > 1  # a real fraction, kept exact


# ------------------------------------------------------------------------------------------ margins
def test_margin_with_labels_and_the_normalized_measures(files, capsys):
    argv = ["measures", files["small"], "--inputs", files["x_small"], "--labels", files["y_right"]]
    norms = _json(argv, capsys)["norms"]
    # margins F(1, 0) = 7 and F(0, 1) = 1 (both labelled 1); 5th percentile, h = (2 − 1)·0.05:
    # 1 + 0.05·(7 − 1) = 13/10
    assert (norms["margin"], norms["margin_percentile"], norms["num_samples"]) == ("13/10", 5, 2)
    by_name = {m["name"]: m for m in norms["measures"]}
    assert by_name["l1 path-norm"]["over_margin_exact"] == "10"  # 13 / (13/10)
    assert by_name["l2 path-norm"]["over_margin_exact"] == "5700/169"  # 57 / (13/10)²
    assert by_name["l2 path-norm"]["over_margin"] == pytest.approx(math.sqrt(57) / 1.3)
    out = _text(argv, capsys)
    assert "margin: 13/10 ≈ 1.3 (5th percentile of the margins of 2 samples)" in out
    assert _row(out, "l1 path-norm") == ["13", "13", "10"]
    assert "/ margin" in out and "undefined" not in out


def test_a_network_that_misclassifies_has_no_normalized_measures(files, capsys):
    argv = ["measures", files["small"], "--inputs", files["x_small"], "--labels", files["y_wrong"]]
    # margins 7 and −1 (F(0, 1) = 1 but the label is 0): −1 + 0.05·(7 − (−1)) = −3/5
    assert _json(argv, capsys)["norms"]["margin"] == "-3/5"
    out = _text(argv, capsys)
    assert "margin: -3/5 ≈ -0.6" in out
    assert "undefined" in out and "misclassified" in out and "1 of 2" in out
    assert "/ margin" not in out.splitlines()[1]


def test_multiclass_margin_is_the_exact_5th_percentile(files, capsys):
    argv = ["measures", files["logits"], "--inputs", files["x_logits"], "--labels", files["y_logits"]]
    norms = _json(argv, capsys)["norms"]
    # margins |x|: 1/2, 1, 1, 2, 2, …, 10, 10 (21 samples); h = 20·0.05 = 1 → the second smallest, 1
    xs = [0.5] + [k for k in range(-10, 11) if k != 0]
    assert norms["margin"] == "1" == str(int(np.percentile([abs(x) for x in xs], 5)))
    assert norms["num_samples"] == 21


def test_labels_need_inputs(files, capsys):
    err = cli_error(["measures", files["small"], "--labels", files["y_right"]], capsys)
    assert "--labels needs --inputs" in err


@pytest.mark.parametrize("labels,words", [("y_three", "3 labels for 2 samples"), ("y_two_cols", "one label per row")])
def test_wrong_labels_exit_2(files, capsys, labels, words):
    err = cli_error(["measures", files["small"], "--inputs", files["x_small"], "--labels", files[labels]], capsys)
    assert words in err


def test_class_index_out_of_range_exits_2(files, capsys):
    err = cli_error(
        ["measures", files["logits"], "--inputs", files["x_logits"], "--labels", files["y_logits_bad"]], capsys
    )
    assert "label 0 is 2" in err and "0 … 1" in err


def test_missing_labels_file_and_bad_pairs_exit_2(files, capsys, tmp_path):
    err = cli_error(
        ["measures", files["small"], "--inputs", files["x_small"], "--labels", str(tmp_path / "no.csv")], capsys
    )
    assert "--labels" in err and "not found" in err
    assert "--pairs" in cli_error(["measures", files["hand"], "--inputs", files["x_hand"], "--pairs", "0"], capsys)
    assert "2 entries, expected 1" in cli_error(["measures", files["hand"], "--inputs", files["x_small"]], capsys)


# ------------------------------------------------------------------------------------------ segments
def test_hand_segment_statistics(files, capsys):
    seg = _json(["measures", files["hand"], "--inputs", files["x_hand"]], capsys)["segments"]
    direct = segment_statistics(HAND, rg.load_inputs(files["x_hand"]))
    assert seg == json.loads(json.dumps(direct.to_dict()))
    # (0, 1): x = −1 + 4t crosses 0 at t = 1/4 and 1 at t = 1/2; dF/dt = 0, 4, 8 → gaps 4, 4, GGD² = 16;
    #         secant 5, deflection (1/4)·5 + (1/4)·1 + (1/2)·3 = 3
    # (0, 2): x = −1 + 3t: dF/dt = 0, 3, 6 → GGD² = 9; secant 3, deflection (1/3)(3 + 0 + 3) = 2
    # (1, 2): x from 3 to 2 stays above 1: no breakpoint
    rows = [
        (r["i"], r["j"], r["breakpoints"], r["gradient_gap_deviation_sq"], r["gradient_deflection"])
        for r in seg["pairs"]
    ]
    assert rows == [(0, 1, 2, "16", 3.0), (0, 2, 2, "9", 2.0), (1, 2, 0, "0", 0.0)]
    assert (seg["num_samples"], seg["num_pairs"], seg["method"], seg["degenerate"]) == (3, 3, "exact", [])
    assert seg["summary"]["breakpoints"] == {"mean": 4 / 3, "median": 2.0, "max": 2.0}
    assert seg["summary"]["gradient_gap_deviation"] == {"mean": 7 / 3, "median": 3.0, "max": 4.0}
    out = _text(["measures", files["hand"], "--inputs", files["x_hand"]], capsys)
    assert "3 pairs (all of them)" in out
    assert _row(out, "breakpoints per pair") == ["1.33333", "2", "2"]
    assert _row(out, "gradient gap deviation") == ["2.33333", "3", "4"]
    assert _row(out, "gradient deflection") == ["1.66667", "2", "3"]
    assert "degenerate pairs: 0" in out


def test_drawn_pairs_are_deterministic(files, capsys):
    argv = ["measures", files["hand"], "--inputs", files["x_hand"], "--pairs", "2", "--seed", "0"]
    first, second = _json(argv, capsys), _json(argv, capsys)
    assert first == second and first["segments"]["num_pairs"] == 2 and len(first["segments"]["pairs"]) == 2
    direct = segment_statistics(HAND, rg.load_inputs(files["x_hand"]), 2, 0)
    assert first["segments"] == json.loads(json.dumps(direct.to_dict()))
    assert _text(argv, capsys) == _text(argv, capsys)
    assert "2 pairs (drawn with seed 0 from 3)" in _text(argv, capsys)


def test_one_sample_has_no_segment_statistics(files, capsys):
    argv = ["measures", files["hand"], "--inputs", files["x_one"]]
    assert _json(argv, capsys)["segments"] is None
    assert "segment statistics need at least two samples" in _text(argv, capsys)


def test_degenerate_segment_is_reported_and_at_zero_resolves_it(files, capsys):
    argv = ["measures", files["planes"], "--inputs", files["x_planes"]]
    seg = _json(argv, capsys)["segments"]
    assert seg["num_pairs"] == 1 and seg["pairs"] == [] and len(seg["degenerate"]) == 1
    assert (seg["degenerate"][0]["i"], seg["degenerate"][0]["j"]) == (0, 1)
    assert "hyperplane" in seg["degenerate"][0]["message"]
    assert seg["summary"]["breakpoints"] == {"mean": None, "median": None, "max": None}  # no pair left
    out = _text(argv, capsys)
    assert "degenerate pairs: 1" in out and "(0, 1): degenerate segment" in out
    assert _row(out, "breakpoints per pair") == ["-", "-", "-"]
    seg = _json(argv + ["--at-zero", "inactive"], capsys)["segments"]
    assert seg["degenerate"] == [] and seg["pairs"][0]["breakpoints"] == 1  # relu(x) switches at t = 1/2
    assert "degenerate pairs: 0" in _text(argv + ["--at-zero", "inactive"], capsys)


def test_float_method_agrees_with_exact_on_breakpoint_counts(files, capsys):
    argv = ["measures", files["random"], "--inputs", files["x_random"]]
    exact = _json(argv, capsys)["segments"]
    flt = _json(argv + ["--method", "float"], capsys)["segments"]
    assert (exact["method"], flt["method"]) == ("exact", "float")
    assert exact["degenerate"] == [] == flt["degenerate"] and exact["num_pairs"] == 15
    counts = [(r["i"], r["j"], r["breakpoints"]) for r in exact["pairs"]]
    assert counts == [(r["i"], r["j"], r["breakpoints"]) for r in flt["pairs"]]
    assert sum(c for _, _, c in counts) > 0  # the segments do cross hyperplanes
    for e, f in zip(exact["pairs"], flt["pairs"]):
        assert f["gradient_gap_deviation"] == pytest.approx(e["gradient_gap_deviation"], rel=1e-9, abs=1e-12)
    assert "float breakpoints" in _text(argv + ["--method", "float"], capsys)
