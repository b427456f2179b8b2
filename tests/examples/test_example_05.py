"""examples/05_measures.py runs and its numbers are right; plot_segment draws into a given Axes."""

import runpy
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from helpers import segment_point
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

import relugeom as rg
from relugeom.plots.segments import plot_segment

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_example_05_measures(tmp_path, capsys, brute_path_norm):
    out_dir = tmp_path
    results = runpy.run_path(str(EXAMPLES / "05_measures.py"))["main"](out_dir=out_dir)
    out = capsys.readouterr().out

    # (a) path-norms are exactly invariant, the norm products are not; recomputed here from the networks
    inv = results["invariance"]
    net, other = inv["network"], inv["rescaled"]
    assert rg.are_equivalent(net, other) and inv["same_outputs"]
    assert inv["path_l1"] == (brute_path_norm(net, 1), brute_path_norm(other, 1))  # path by path
    assert inv["path_l2_sq"] == (brute_path_norm(net, 2), brute_path_norm(other, 2))
    assert inv["path_l1"][0] == inv["path_l1"][1] and inv["path_l2_sq"][0] == inv["path_l2_sq"][1]
    frob = tuple(np.prod([sum(v * v for row in W for v in row) for W in n.weights]) for n in (net, other))
    assert inv["frobenius_sq_product"] == frob and frob[0] != frob[1]
    assert inv["l1_inf_product"][0] != inv["l1_inf_product"][1]
    assert inv["spectral_product"][0] != pytest.approx(inv["spectral_product"][1])
    assert f"{inv['path_l2_sq'][0]}" in out

    # (b) training decreased the loss; the loss is recomputed from the returned network
    X, y, trained = results["samples"], results["targets"], results["trained_net"]
    assert results["loss_after"] < results["loss_before"]
    residual = rg.forward(trained, X, method="float")[:, 0] - y
    assert results["loss_after"] == pytest.approx(0.5 * np.mean(residual**2), rel=1e-12)
    assert trained.widths == results["random_net"].widths == (2, 16, 16, 1)

    # (b) the profile numbers equal an independent recomputation
    xa, xb = results["segment"]
    for name in ("random", "trained"):
        nums = results["numbers"][name]
        prof = rg.segment_profile(results[f"{name}_net"], xa, xb)
        assert nums["breakpoints"] == prof.num_breakpoints > 0
        assert nums["ggd_sq"] == prof.gradient_gap_deviation_sq and isinstance(nums["ggd_sq"], Fraction)
        assert nums["deflection"] == prof.gradient_deflection
        q = nums["ggd_sq"]
        assert f"GGD² exactly: a rational of {len(str(q.numerator))}/{len(str(q.denominator))} digits" in out
        assert f"{nums['breakpoints']} breakpoints, {nums['kinks']} kinks" in out

    # F is affine between consecutive breakpoints (exact forward passes, three points per piece), equals
    # the profile's values at the knots, and really bends at every kink
    prof = results["profiles"]["trained"]
    knots = prof.knots
    for j, (lo, hi) in enumerate(zip(knots, knots[1:])):
        ts = [lo, lo + (hi - lo) / 3, hi]
        F = rg.forward(trained, [segment_point(xa, xb, t) for t in ts])[:, 0]
        assert F[1] == F[0] + (F[2] - F[0]) / 3
        assert (F[0], F[2]) == (prof.values[j][0], prof.values[j + 1][0])
    for t in prof.kinks:
        j = knots.index(t)
        ts = [(knots[j - 1] + t) / 2, t, (t + knots[j + 1]) / 2]
        F = rg.forward(trained, [segment_point(xa, xb, s) for s in ts])[:, 0]
        assert F[1] != (F[0] + F[2]) / 2

    # statistics: same pairs for both networks, rows consistent with a direct profile
    st_r, st_t = results["statistics"]["random"], results["statistics"]["trained"]
    assert st_r.pairs == st_t.pairs and len(st_r.pairs) == 40
    i, j = st_t.rows[0]["i"], st_t.rows[0]["j"]
    direct = rg.segment_profile(trained, X[i].tolist(), X[j].tolist())
    assert st_t.rows[0]["gradient_gap_deviation_sq"] == direct.gradient_gap_deviation_sq
    assert results["summaries"]["trained"]["breakpoints"]["mean"] == pytest.approx(
        np.mean([r["breakpoints"] for r in st_t.rows])
    )

    # (c) the picture
    assert Path(results["png"]) == out_dir / "segments.png"
    assert Path(results["png"]).read_bytes()[:8] == PNG_MAGIC

    # (d) exact Path-SGD commutes with the rescaling, a plain gradient step does not
    assert (results["path_sgd_equivalent"], results["plain_equivalent"]) == (True, False)
    assert "Path-SGD:         the two results are equivalent networks: True" in out
    case = results["path_sgd_case"]
    rg.jacobian(case["network"], case["samples"])  # the samples are non-degenerate (else this raises)
    lr, (pa, pb) = case["lr"], case["path_sgd"]
    assert rg.are_equivalent(pa, pb) and not rg.are_equivalent(*case["plain"])
    assert all(isinstance(v, Fraction) for v in pa.parameters())  # exact arithmetic throughout
    assert pa != case["network"] and isinstance(lr, Fraction)


def test_plot_segment_into_one_of_two_axes(tmp_path):
    # F = relu(x) + 0·relu(x − 1): at t = 1/2 the second neuron switches but F does not bend
    net = rg.Network.from_layers([([[1], [1]], [0, -1]), ([[1, 0]], [0])])
    prof = rg.segment_profile(net, [-1], [3])
    assert prof.breakpoints == (Fraction(1, 4), Fraction(1, 2)) and prof.kinks == (Fraction(1, 4),)
    fig = Figure()
    left, right = fig.subplots(1, 2)
    path = tmp_path / "pair.png"
    out = plot_segment(net, [-1], [3], ax=right, label="net", path=str(path))
    assert out is fig and len(fig.axes) == 2 and not left.lines
    assert right.lines[0].get_xydata().tolist() == [[0.0, 0.0], [0.25, 0.0], [0.5, 1.0], [1.0, 3.0]]
    assert right.lines[0].get_label() == "net"
    secant, kink, switch = right.lines[1:]
    assert secant.get_xydata().tolist() == [[0.0, 0.0], [1.0, 3.0]]
    assert [kink.get_xdata()[0], switch.get_xdata()[0]] == [0.25, 0.5]
    assert sum(to_rgb(kink.get_color())) < sum(to_rgb(switch.get_color()))  # kinks are darker
    assert right.get_title() == "2 breakpoints (1 kink), GGD 2.83, deflection 1.5"
    assert path.read_bytes()[:8] == PNG_MAGIC
    # a second profile in the other Axes of the same Figure, with a title of our own
    assert plot_segment(prof, ax=left, title="left") is fig and left.get_title() == "left"
    with pytest.raises(ValueError):
        plot_segment(prof, [-1], [3])
    with pytest.raises(ValueError):
        plot_segment(net, [-1])
