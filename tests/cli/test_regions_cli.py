"""``relugeom regions`` and ``relugeom cffd``: hand-derivable counts, JSON keys, pictures, one-line errors."""

from __future__ import annotations

from fractions import Fraction

import pytest
from helpers import HAND_LAYERS, cli_error, cli_json, write_files

import relugeom as rg
from relugeom.cli.main import main
from relugeom.plots.regions import plot_regions
from relugeom.regions.cffd import estimate_cffd

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# SPEC §3 hand example: breakpoints 0 and 1, so three regions of R: (−∞, 0), (0, 1), (1, ∞)
HAND = rg.Network.from_layers(HAND_LAYERS)
# hidden neurons x, y, x + y − 1: three lines crossing pairwise inside [-2, 2]^2 → 7 regions, 9 shared sides
LINES = rg.Network.from_layers([([[1, 0], [0, 1], [1, 1]], [0, 0, -1]), ([[1, 1, 1]], [0])])
# neuron (1, 0) computes relu(x): identically 0 for x < 0, a degenerate cell
DEGENERATE = rg.Network.from_layers([([[1]], [0]), ([[1]], [0]), ([[1]], [0])])


@pytest.fixture
def files(tmp_path):
    networks = {
        "hand": HAND,
        "lines": LINES,
        "degenerate": DEGENERATE,
        "big": rg.Network.random_rational((2, 5, 4, 1), seed=0),
        "three": rg.Network.random_rational((3, 3, 1), seed=1),
    }
    inputs = {
        # patterns 111, 000, 110, 110, 110 and (5, 5) outside the box with pattern 111
        "x2": [[1, 1], [-1, -1], ["1/3", "1/3"], ["1/2", "1/4"], ["1/4", "1/2"], [5, 5]],
        "x1": [[-1], ["1/2"], ["7/10"], [2], [3]],
    }
    return write_files(tmp_path, networks, inputs)


# ------------------------------------------------------------------------------------------ regions
def test_regions_1d_three_intervals_with_breakpoints_0_and_1(files, capsys):
    out = cli_json(["regions", files["hand"]], capsys)
    assert (out["widths"], out["num_params"], out["num_hidden"], out["box"]) == ([1, 2, 1], 7, 2, None)
    assert out["num_regions"] == 3 and out["num_bounded"] == 1 and out["degenerate_cells"] == 0
    assert [r["pattern"] for r in out["regions"]] == ["00", "10", "11"]
    assert [r["interval"] for r in out["regions"]] == [[None, "0"], ["0", "1"], ["1", None]]
    assert [r["volume"] for r in out["regions"]] == [None, "1", None]
    assert [r["bounded"] for r in out["regions"]] == [False, True, False]
    middle = out["regions"][1]
    assert middle["facets"] == [
        {"normal": [-1], "offset": 0, "sources": [["neuron", 0, 0]]},
        {"normal": [1], "offset": 1, "sources": [["neuron", 0, 1]]},
    ]
    assert (middle["output_weight"], middle["output_bias"]) == ([["1"]], ["0"])  # F(x) = x on (0, 1)


def test_regions_1d_text_table(files, capsys):
    assert main(["regions", files["hand"], "--graph"]) == 0
    out = capsys.readouterr().out
    assert "domain: R^1" in out and "regions: 3 (1 bounded, 2 unbounded)" in out
    assert "degenerate cells: 0" in out and "region graph: 3 nodes, 2 edges" in out
    row = next(line.split() for line in out.splitlines() if line.startswith("1 "))
    assert row == ["1", "10", "(1/2)", "yes", "1", "2", "2"]  # index pattern point bounded length facets degree


def test_regions_2d_box_json_areas_sum_to_the_box_exactly(files, capsys):
    out = cli_json(["regions", files["lines"], "--box=-2:2", "--graph"], capsys)
    assert out["box"] == [["-2", "2"], ["-2", "2"]] and out["num_regions"] == 7
    assert sorted(r["pattern"] for r in out["regions"]) == ["000", "010", "011", "100", "101", "110", "111"]
    areas = {r["pattern"]: Fraction(r["volume"]) for r in out["regions"]}
    assert sum(areas.values()) == 16
    assert areas == {
        "111": Fraction(7, 2),
        "110": Fraction(1, 2),
        "101": Fraction(1, 2),
        "100": Fraction(7, 2),
        "011": Fraction(1, 2),
        "010": Fraction(7, 2),
        "000": 4,
    }
    assert all(r["bounded"] for r in out["regions"])
    assert out["graph"]["num_edges"] == 9 == len(out["graph"]["edges"])  # 3 lines, each cut in 3
    # every edge joins regions whose patterns differ in exactly one neuron
    pattern = {r["index"]: r["pattern"] for r in out["regions"]}
    assert all(sum(a != b for a, b in zip(pattern[i], pattern[j])) == 1 for i, j in out["graph"]["edges"])


def test_regions_2d_whole_plane_and_box_with_space(files, capsys):
    out = cli_json(["regions", files["lines"]], capsys)
    assert out["num_regions"] == 7 and out["num_bounded"] == 1  # only the triangle 110
    assert [r["pattern"] for r in out["regions"] if r["bounded"]] == ["110"]
    assert main(["regions", files["lines"], "--box", "-1/2:3,-2:2"]) == 0  # '--box -…' is accepted too
    assert "domain: [-1/2, 3] × [-2, 2]" in capsys.readouterr().out


def test_regions_long_table_is_truncated(files, capsys):
    assert main(["regions", files["big"], "--box=-3:3"]) == 0
    out = capsys.readouterr().out
    assert "regions: 33 (total area 36)" in out and "… 13 more regions" in out


def test_regions_inputs_perceived_bfd_and_pattern_bound(files, capsys):
    out = cli_json(["regions", files["lines"], "--box=-2:2", "--inputs", files["x2"]], capsys)
    pattern = {r["index"]: r["pattern"] for r in out["regions"]}
    inputs = out["inputs"]
    # 3 distinct patterns (111: 2 samples, 000: 1, 110: 3) → bound 1·(2 + 1 + 3) = 6, attained
    assert (inputs["num_samples"], inputs["regions_perceived"], inputs["pattern_bound"]) == (6, 3, 6)
    assert inputs["bfd"] == 6 == rg.batch_functional_dimension(LINES, rg.load_inputs(files["x2"]))
    assert [None if k is None else pattern[k] for k in inputs["sample_region"]] == [
        "111",
        "000",
        "110",
        "110",
        "110",
        None,
    ]  # (5, 5) is outside the box
    assert main(["regions", files["lines"], "--box=-2:2", "--inputs", files["x2"]]) == 0
    text = capsys.readouterr().out
    assert "regions perceived 3; per-pattern bound 6" in text and "BFD 6" in text
    assert "1 of them outside the box" in text


def test_regions_plot_2d_writes_a_png_with_one_patch_per_region(files, capsys):
    png = files["dir"] / "regions.png"
    assert main(["regions", files["lines"], "--box=-2:2", "--plot", str(png), "--inputs", files["x2"], "--graph"]) == 0
    assert f"picture written to {png}" in capsys.readouterr().out
    assert png.read_bytes()[:8] == PNG_MAGIC
    fig = plot_regions(LINES, [(-2, 2), (-2, 2)], inputs=rg.load_inputs(files["x2"]), show_graph=True)
    ax = fig.axes[0]
    assert len(ax.patches) == 7 and ax.get_title().startswith("7 activation regions")
    faces = {tuple(p.get_facecolor()) for p in ax.patches}
    assert len(faces) == 7  # distinct patterns, distinct colours
    again = plot_regions(LINES, [(-2, 2), (-2, 2)])  # the colour is a function of the pattern
    assert [p.get_facecolor() for p in again.axes[0].patches] == [p.get_facecolor() for p in ax.patches]


def test_regions_plot_1d_graph_of_f(files, capsys):
    png = files["dir"] / "f.png"
    assert main(["regions", files["hand"], "--plot", str(png), "--inputs", files["x1"]]) == 0
    assert png.read_bytes()[:8] == PNG_MAGIC
    fig = plot_regions(HAND, box=[(-1, 2)])
    xy = fig.axes[0].lines[0].get_xydata().tolist()
    assert xy == [[-1, 0], [0, 0], [1, 1], [2, 3]]  # F = 0, x, 2x − 1 on the three pieces
    assert [line.get_xdata()[0] for line in fig.axes[0].lines[1:]] == [0, 1]  # dotted breakpoints


def test_regions_degenerate_cell_reported_and_at_zero(files, capsys):
    out = cli_json(["regions", files["degenerate"]], capsys)
    assert out["num_regions"] == 1 and out["degenerate_cells"] == 1
    assert (out["degenerate"][0]["layer"], out["degenerate"][0]["neuron"]) == (1, 0)
    assert main(["regions", files["degenerate"]]) == 0
    assert "degenerate cells: 1; the first: hidden layer 1, neuron 0" in capsys.readouterr().out
    assert cli_json(["regions", files["degenerate"], "--at-zero", "inactive"], capsys)["num_regions"] == 2


# --------------------------------------------------------------------------------------------- cffd
def test_cffd_json_on_the_spec_hand_example(files, capsys):
    out = cli_json(["cffd", files["hand"], "--sizes", "1,2,4,8,16", "--seed", "0", "--scale", "2"], capsys)
    assert (out["cffd"], out["N_minus_H"], out["deficit"], out["num_regions"]) == (5, 5, 0, 3)
    assert out["num_samples"] == 6 and out["certified"] is True
    est = out["estimate"]
    assert est["exact"] == 5 and (est["distribution"], est["seed"]) == ("gaussian", 0)
    bfds = [r["bfd"] for r in est["rows"]]
    assert [r["n"] for r in est["rows"]] == [1, 2, 4, 8, 16]
    assert bfds == sorted(bfds) and bfds[-1] == 5  # nested batches: BFD grows up to the CFFD
    assert est["first_reached"] == min(r["n"] for r in est["rows"] if r["bfd"] == 5)
    assert all(r["bfd"] <= r["pattern_bound"] for r in est["rows"])  # one hidden layer: per-pattern bound
    direct = estimate_cffd(HAND, (1, 2, 4, 8, 16), "gaussian", 0, scale=2.0, exact=5)
    assert est == {**direct.to_dict(), "scale": 2.0}


def test_cffd_text(files, capsys):
    assert main(["cffd", files["hand"], "--sizes", "1,2,4,8,16", "--distribution", "uniform", "--scale", "3"]) == 0
    out = capsys.readouterr().out
    assert "CFFD (exact)      5 (certified)" in out and "deficit 0" in out and "regions of R^1    3" in out
    assert "(uniform, scale 3, seed 0)" in out and "per-pattern bound" in out
    first = estimate_cffd(HAND, (1, 2, 4, 8, 16), "uniform", 0, scale=3.0, exact=5).first_reached
    assert first is not None and f"BFD(X_n) first reaches the exact CFFD 5 at n = {first}" in out


# ------------------------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "spec,message",
    [
        ("1:0", "low 1 must be below high 0"),
        ("a:b", "--box=-2:2"),
        ("0:1,0:1,0:1", "3 intervals but the network has 2 inputs"),
        ("0-1", "cannot read '0-1' as LOW:HIGH"),
    ],
)
def test_bad_box(files, capsys, spec, message):
    assert message in cli_error(["regions", files["lines"], f"--box={spec}"], capsys)


def test_plot_needs_n0_1_or_2_and_a_box_in_2d(files, capsys):
    png = str(files["dir"] / "no.png")
    assert "n0 = 1 or 2" in cli_error(["regions", files["three"], "--box=0:1", "--plot", png], capsys)
    assert "--box=-3:3" in cli_error(["regions", files["lines"], "--plot", png], capsys)
    with pytest.raises(ValueError, match="n0 = 1 or 2"):
        plot_regions(rg.Network.random_rational((3, 2, 1)), [(0, 1)] * 3)
    with pytest.raises(ValueError, match="needs a box"):
        plot_regions(LINES)


def test_too_many_regions_is_a_limit_reached(files, capsys):
    assert main(["regions", files["lines"], "--box=-2:2", "--max-regions", "3"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("relugeom: limit: region limit reached: more than 3 cells") and err.count("\n") == 1
    assert "--max-regions" in err


def test_bad_sizes_and_scale(files, capsys):
    assert "--sizes" in cli_error(["cffd", files["hand"], "--sizes", "4,x"], capsys)
    assert "--scale" in cli_error(["cffd", files["hand"], "--scale", "0"], capsys)
