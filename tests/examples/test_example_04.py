"""examples/04_linear_regions.py runs and its numbers are right (exact areas, CFFD, connected graph)."""

import runpy
from pathlib import Path

import networkx as nx

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_example_04_linear_regions(tmp_path, capsys):
    results = runpy.run_path(str(EXAMPLES / "04_linear_regions.py"))["main"](out_dir=tmp_path)
    assert results["total_area"] == results["box_area"] == 36  # exact, no tolerance
    assert Path(results["png"]) == tmp_path / "linear_regions.png"
    assert Path(results["png"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert results["num_regions"] == len(results["decomposition"]) >= 20
    g = results["graph"]
    assert nx.is_connected(g) and results["num_edges"] == g.number_of_edges() >= results["num_regions"] - 1
    assert sum(results["degree_histogram"].values()) == results["num_regions"]
    # CFFD ≤ N − H; here an always-active neuron makes it strictly smaller
    assert results["cffd"] <= results["N_minus_H"] and (results["cffd"], results["N_minus_H"]) == (33, 35)
    # the sampling curve never exceeds the exact maximum, grows with n, and reaches it at first_reached
    bfds = [b for _, b in results["curve"]]
    assert bfds == sorted(bfds) and max(bfds) == bfds[-1] == results["cffd"]
    assert results["first_reached"] == min(n for n, b in results["curve"] if b == results["cffd"])
    out = capsys.readouterr().out
    assert "sum of the exact areas: 36; area of the box: 36; equal: True" in out
    assert "first n where the estimate reaches the exact CFFD 33" in out
