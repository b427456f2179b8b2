"""Theorem T9 (functional equality: symmetric, implied by equivalence, witness separates, R^n0 ⇒ box).

Oracles: for (1,1,1) networks F = v relu(w x + b) + c has a closed normal form (a constant, or a kink at
−b/w on one side with slope v·w and offset c), so whether the changed parameter keeps the function is
decided by hand on the whole default (1,1,1) grid; and comparisons that are wrong on purpose show that
every statement of the check can fail.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from helpers import naive_forward

import relugeom as rg
from relugeom.identifiability.equality import Equality, functionally_equal
from relugeom.proofs import t9_functional_equality as t9
from relugeom.search.families import Case
from relugeom.search.workunits import run_units, split, summarize

F = Fraction
net = rg.Network.from_layers
HAND = net([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
X = ((F(-1),), (F(1, 2),), (F(2),))


def normal_form(n: rg.Network) -> tuple:
    """The function of a (1,1,1) network v relu(w x + b) + c, as a hashable normal form."""
    (w,), b, (v,), c = n.weights[0][0], n.biases[0][0], n.weights[1][0], n.biases[1][0]
    if v == 0 or w == 0:
        return ("constant", v * max(b, 0) + c)
    return ("kink", -b / w, w > 0, v * w, c)


def test_changed_parameter_against_the_normal_form_on_the_default_grid():
    fam = t9.families(False)[0]
    assert fam.name.startswith("grid 1-1-1") and len(fam) == 81
    kept = 0
    for i in range(len(fam)):
        case = fam.case(i)
        other, index = t9.changed_parameter(case.net, case.seed)
        same = normal_form(case.net) == normal_form(other)
        out = t9.check(case)
        assert (
            out.status == "ok" and out.quantities["changed_equal"] == same and out.quantities["changed_index"] == index
        )
        kept += same
    assert kept == 21  # the count the module docstring reports


def test_hand_case():
    out = t9.check(Case(HAND, X, seed=3))  # b0[1] moves by +1: relu(x) + relu(x) ≠ relu(x) + relu(x − 1)
    assert out.status == "ok" and out.quantities["changed_index"] == 3
    assert out.quantities["changed_equal"] is False and out.quantities["changed_witness"] == ["1"]
    dead = net([([[0], [1]], [-1, 0]), ([[5, 1]], [0])])  # the first neuron is relu(−1) = 0
    out = t9.check(Case(dead, X, seed=4))  # index 4: its outgoing weight 5 → 6 changes nothing
    assert out.quantities["changed_index"] == 4 and out.quantities["changed_equal"] is True
    assert out.quantities["changed_witness"] is None


def test_changed_parameter_rule():
    params = [str(t9.changed_parameter(HAND, seed)[0].parameters()[seed % 7]) for seed in (0, 7, 14, 21, 28, 35)]
    assert params == ["2", "3/2", "4/3", "0", "1/2", "2/3"]  # W0[0][0] = 1 moved by 1, 1/2, 1/3, −1, −1/2, −1/3
    boxes = t9.boxes_for(X, 1)
    assert boxes == [((F(-1), F(1)),), ((F(-3, 2), F(1, 2)),)]


def careless(a, b, box=None):
    return Equality(True, None, None, None, 0, None, "did not look", a.input_dim)


def one_sided(a, b, box=None):
    return functionally_equal(a, b, box) if a.num_params <= b.num_params else careless(a, b, box)


def bad_witness(a, b, box=None):
    res = functionally_equal(a, b, box)
    if res.equal:
        return res
    w = (F(-50),)  # both networks below are 0 there
    return Equality(False, w, res.value_a, res.value_b, res.regions, res.box, res.method, 1)


def pessimist(a, b, box=None):
    res = functionally_equal(a, b, box)
    return Equality(False, (F(7),), tuple(naive_forward(a, [7])), tuple(naive_forward(b, [7])), 0, res.box, "", 1)


def box_ignorer(a, b, box=None):
    res = functionally_equal(a, b)
    if box is None or not res.equal:
        return res
    return Equality(False, (F(1000),), (F(0),), (F(0),), 0, tuple(box), "", 1)


def test_the_check_can_fail():
    other = net([([[1], [1]], [0, -1]), ([[1, 2]], [0])])
    assert t9.judge(HAND, other, X) == []
    assert t9.judge(HAND, other, X, compare=careless) == ["equal on R^1 but F_a(2) = 3 ≠ F_b(2) = 4"]
    wider = net([([[1], [1], [0]], [0, -1, 1]), ([[1, 1, 0]], [0])])  # HAND with an idle third neuron
    assert t9.judge(HAND, wider, X) == []
    three = net([([[1], [1], [1]], [0, -1, -2]), ([[1, 1, 1]], [0])])  # a third kink at 2
    assert any("not symmetric" in p for p in t9.judge(HAND, three, X, compare=one_sided))
    assert any("does not separate" in p for p in t9.judge(HAND, other, X, compare=bad_witness))
    assert any(
        "equivalent network are reported not equal" in p
        for p in t9.judge(HAND, HAND, X, compare=pessimist, expect_equal=True)
    )
    problems = t9.judge(HAND, wider, X, t9.boxes_for(X, 1), compare=box_ignorer)
    assert any("equal on R^1 but not on the box" in p for p in problems)
    assert any("outside the box" in p for p in problems)


def test_families_default_run_passes():
    fams = t9.families(False)
    assert [len(f) for f in fams] == [81, 128, 243, 30, 30]
    assert [len(f) for f in t9.families(True)] == [81, 2187, 243, 200, 200]
    units = [u for fam in fams for u in split(t9.NAME, t9.check, fam, 250)]
    totals = summarize(run_units(units))[t9.NAME]
    assert totals["checked"] == 512 and totals["degenerate"] == 0 and totals["violations"] == 0


@pytest.mark.slow
def test_exhaustive_run_passes():
    units = [u for fam in t9.families(True) for u in split(t9.NAME, t9.check, fam, 250)]
    totals = summarize(run_units(units))[t9.NAME]
    assert totals["checked"] == 81 + 2187 + 243 + 400 and totals["violations"] == 0
