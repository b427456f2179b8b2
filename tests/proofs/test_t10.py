"""T10 (deficit accounting): its default families pass with the degenerate counts derived by hand, and the
check fails on explanations that are wrong.

Degenerate counts: on the default batches no affine form with coefficients in {−1, 0, 1} (not all 0)
vanishes (``default_batch``), so a one-hidden-layer grid net is degenerate exactly when a hidden neuron has
all incoming weights and bias 0; on R^n0 the same nets are the ones with no region (that neuron is 0
everywhere). (2,1,1) over {−1, 0, 1}: the hidden neuron (0, 0, 0), times 3² output layers: 9 of 243, on
the batch and on R^n0; grids over {−1, 1}: none.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

import pytest

import relugeom as rg
from relugeom.dimension.kernels import rescaling_vectors
from relugeom.identifiability.deficit import explain_deficit
from relugeom.proofs import t10_deficit_accounting as t10
from relugeom.search.families import Case, GridFamily
from relugeom.search.workunits import run_units, split


@pytest.fixture(scope="module")
def per_family():
    units = [u for fam in t10.families(False) for u in split(t10.NAME, t10.check, fam, 250)]
    counts: dict[str, dict] = defaultdict(lambda: {"checked": 0, "degenerate": 0, "violations": 0, "first": None})
    for r in run_units(units):
        c = counts[r.family]
        c["checked"] += r.checked
        c["degenerate"] += r.degenerate
        c["violations"] += r.violations
        c["first"] = c["first"] or r.first_violation
    return dict(counts)


def test_module_shape():
    assert t10.NAME == "T10" and t10.TITLE and "Proof" in t10.__doc__
    fams = t10.families(False)
    assert len(fams) == 12 and sum(isinstance(f, t10.OnDomain) for f in fams) == 6


def test_default_families_have_no_violation(per_family):
    fams = t10.families(False)
    assert sorted(per_family) == sorted(f.name for f in fams)
    for fam in fams:
        c = per_family[fam.name]
        assert c["violations"] == 0, c["first"]
        assert c["checked"] + c["degenerate"] == len(fam)
        base = fam.base if isinstance(fam, t10.OnDomain) else fam
        if isinstance(base, GridFamily) and base.widths == (2, 1, 1):
            assert (len(fam), c["degenerate"]) == (243, 9)
        elif isinstance(base, GridFamily):
            assert c["degenerate"] == 0
    assert sum(c["checked"] for c in per_family.values()) > 400


def test_check_on_hand_cases():
    hand = rg.Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
    out = t10.check(Case(hand, ((2,), (3,), (4,), (5,))))
    assert (out.status, out.quantities["dimensions"], out.quantities["unexplained"]) == (
        "ok",
        {"always-active": 3},
        0,
    )
    twins = rg.Network.from_layers([([[1], [2]], [-1, -2]), ([[1, 1]], [0])])
    out = t10.check(Case(twins, ()))
    assert (out.status, out.quantities["domain"], out.quantities["bfd"], out.quantities["dimensions"]) == (
        "ok",
        "R^n0",
        3,
        {"twins": 2},
    )
    zero = rg.Network.from_layers([([[0]], [0]), ([[1]], [0])])
    assert t10.check(Case(zero, ())).status == "degenerate"


def test_judge_catches_wrong_explanations():
    net = rg.Network.from_layers([([[1], [2]], [-1, -2]), ([[1, 1]], [0])])
    X = [[0], ["1/2"], [2], [3]]
    ex = explain_deficit(net, X)
    assert t10.judge(net, X, ex) == []
    (twins,) = ex.mechanisms
    outside = replace(twins, vectors=((0, 0, 0, 0, 0, 0, 1),) + twins.vectors[1:])  # moves b1: not in ker J
    assert t10.judge(net, X, replace(ex, mechanisms=(outside,))) == ["twins vector 0 is not in ker J"]
    too_few = replace(twins, vectors=twins.vectors[:1])
    problems = t10.judge(net, X, replace(ex, mechanisms=(too_few,)))
    assert "twins reports dimension 2 with 1 vectors" in problems
    assert "the stack R + mechanisms + unexplained has 3 vectors, N − BFD = 4" in problems
    dependent = replace(twins, vectors=(twins.vectors[0], rescaling_vectors(net)[0]))
    problems = t10.judge(net, X, replace(ex, mechanisms=(dependent,)))
    assert problems == ["the stack R + mechanisms + unexplained has rank 3 < 4 vectors: dependent"]
    assert t10.judge(net, X, replace(ex, rank=2))[0] == "the explanation's rank 2 ≠ BFD 3"
