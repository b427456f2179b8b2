"""Hidden symmetries hunted: the search's smallest refutations of "functionally equal ⇒ equivalent", pinned.

Each pinned pair is re-checked independently of ``functionally_equal``: the outputs are compared with the
naive forward pass (tests/helpers.py) at 400 exact points of [−10, 10] (both networks are piecewise linear
with breakpoints in {−1, 0, 1}, so agreement at points on both sides of every breakpoint and at two points
beyond the outermost ones is already a proof; the dense grid is the belt to those braces), and equivalence by
hand: the incoming vectors of the two networks are not positive multiples of each other.
"""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
import sympy
from helpers import naive_forward, run_cli

import relugeom as rg
from relugeom.proofs.conjectures import CONJECTURES
from relugeom.search.counterexamples import search, write_counterexample

POINTS = [Fraction(k, 20) for k in range(-200, 201)]


def _layers(net):
    return [([[str(v) for v in row] for row in W], [str(v) for v in b]) for W, b in zip(net.weights, net.biases)]


def _equal_on_dense_points(a, b) -> bool:
    return all(naive_forward(a, [x]) == naive_forward(b, [x]) for x in POINTS)


@pytest.fixture(scope="module")
def refutations():
    return {name: search(CONJECTURES[name], budget=20_000, seed=0) for name in CONJECTURES if "equal-implies" in name}


def test_smallest_refutation_of_equal_implies_equivalent(refutations):
    res = refutations["equal-implies-equivalent"]
    assert res.found and res.cases_tried == 82
    a, b = res.case.net, res.case.other
    # a: relu(0·x − 1)·0 − 1; b: relu(−x)·0 − 1: both the constant −1 (outgoing weight 0 frees the neuron)
    assert _layers(a) == [([["0"]], ["-1"]), ([["0"]], ["-1"])]
    assert _layers(b) == [([["-1"]], ["0"]), ([["0"]], ["-1"])]
    assert _equal_on_dense_points(a, b)
    assert not rg.are_equivalent(a, b)  # incoming (0, −1) and (−1, 0): no positive multiple
    assert res.quantities == {"functionally_equal": True, "equivalent": False, "regions": 1}


def test_smallest_refutation_with_nonzero_parameters(refutations):
    res = refutations["equal-implies-equivalent-nonzero"]
    assert res.found and res.cases_tried == 490
    a, b = res.case.net, res.case.other
    # twins with cancelling outgoing weights: −relu(−x ∓ 1) + relu(−x ∓ 1) − 1 = −1 for both
    assert _layers(a) == [([["-1"], ["-1"]], ["-1", "-1"]), ([["-1", "1"]], ["-1"])]
    assert _layers(b) == [([["-1"], ["-1"]], ["1", "1"]), ([["-1", "1"]], ["-1"])]
    assert all(v != 0 for net in (a, b) for v in net.parameters())
    assert _equal_on_dense_points(a, b)
    assert not rg.are_equivalent(a, b)


def test_opposite_pair_shifted_is_equal_not_equivalent():
    # relu(x + 1) − relu(−x − 1) − 1 = x = relu(x − 1) − relu(1 − x) + 1
    a = rg.Network.from_layers([([[1], [-1]], [1, -1]), ([[1, -1]], [-1])])
    b = rg.Network.from_layers([([[1], [-1]], [-1, 1]), ([[1, -1]], [1])])
    assert _equal_on_dense_points(a, b) and all(naive_forward(a, [x]) == [x] for x in POINTS)
    assert rg.functionally_equal(a, b) and not rg.are_equivalent(a, b)
    out = CONJECTURES["equal-implies-equivalent-nonzero"].check(rg.search.families.Case(a, ((0,),), other=b))
    assert out.status == "violation"


def test_equivalent_pairs_never_refute():
    net = rg.Network.random_rational((2, 3, 1), seed=4)
    other = rg.random_symmetry(net, seed=2)
    out = CONJECTURES["equal-implies-equivalent"].check(rg.search.families.Case(net, ((0, 0), (1, 2)), other=other))
    assert out.status == "ok" and out.quantities["equivalent"]


def test_the_counterexample_file_rechecks_with_relugeom_equal(refutations, tmp_path):
    res = refutations["equal-implies-equivalent"]
    path = tmp_path / "ce.json"
    write_counterexample(res, path)
    data = json.loads(path.read_text())
    assert data["recheck"] == f"relugeom equal {path}"
    code, out, err = run_cli(["equal", str(path)])
    assert code == 0 and err == ""
    assert "equal on R^1" in out and "equal but not equivalent" in out


# ------------------------------------------------------------------- a deficit no mechanism explains


def test_smallest_unexplained_deficit_is_a_turn_taking_translation():
    res = search(CONJECTURES["deficit-explained"], seed=0)  # the default budget: every grid before (1,2,1,1)
    assert res.found and res.case.net.widths == (1, 2, 1, 1) and res.cases_tried == 3683
    assert [(s["widths"], s["grid"]) for s in res.sizes[:4]] == [
        ([1, 1, 1], 81),
        ([1, 2, 1], 2187),
        ([2, 1, 1], 243),
        ([1, 1, 1, 1], 729),
    ]
    net = res.case.net
    # F = relu(relu(−x) + relu(x − 1) − 1)
    assert _layers(net) == [([["-1"], ["1"]], ["0", "-1"]), ([["1", "1"]], ["-1"]), ([["1"]], ["0"])]
    assert res.quantities["deficit"] == res.quantities["unexplained"] == 1 and res.quantities["cffd"] == 5
    # Independently: on the regions' batch X*, the shift d of both first-layer biases by +1 and of the next bias
    # by −1 is in ker J (sympy), and modulo the rescalings it is the one unexplained direction.
    ex = rg.explain_deficit(net)
    X = rg.regions.cffd.cffd_batch(rg.region_decomposition(net))
    J = sympy.Matrix(rg.jacobian(net, X).tolist())
    d = sympy.Matrix([0, 0, 1, 1, 0, 0, -1, 0, 0])  # W0 (2), b0 (2), W1 (2), b1, W2, b2
    assert J * d == sympy.zeros(J.rows, 1) and J.rank() == 5
    R = [list(v) for v in rg.dimension.kernels.rescaling_vectors(net)]
    (u,) = ex.unexplained
    assert sympy.Matrix(R + [list(d)]).rank() == 4 == sympy.Matrix(R + [list(d), list(u)]).rank()  # H = 3
