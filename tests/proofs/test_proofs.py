"""The theorem checks of proofs/ (T1–T10): they pass on their families, and they *can* fail.

Expected counts are derived by hand where possible:

* the default batches contain no point where an affine form with coefficients in {−1, 0, 1} (not all
  zero) vanishes, so a one-hidden-layer grid net is degenerate exactly when some hidden neuron has all
  incoming weights and bias 0;
* (1,1,1) over {−1,0,1}: (w, b) = (0, 0) for 1 of 9 hidden neurons, times 9 output layers: 9 of 81;
* (1,2,1) over {−1,0,1}: hidden configurations with a zero neuron 9² − 8² = 17, times 3³ output layers:
  459 of 2187;
* (2,2,1) over {−1,0,1}: 27² − 26² = 53 hidden configurations, times 3³: 1431 of 19683;
* (2,1,1) over {−1,0,1}: the hidden neuron (w1, w2, b) = (0, 0, 0), times 3² output layers: 9 of 243;
* grids over {−1, 1} on these batches (and on T5's positive batch, for one hidden layer): none.
"""

from __future__ import annotations

import json
from collections import defaultdict
from fractions import Fraction

import numpy as np
import pytest
import sympy
from helpers import HAND_LAYERS

import relugeom as rg
from relugeom.dimension.jacobian import squared_loss_gradient
from relugeom.proofs import THEOREMS, check_units, run_checks
from relugeom.proofs import t1_symmetry_invariance as t1
from relugeom.proofs import t2_rescaling_kernel as t2
from relugeom.proofs import t3_generic_constancy as t3
from relugeom.proofs import t4_pattern_bound as t4
from relugeom.proofs import t5_inactive_neuron as t5
from relugeom.proofs import t7_path_sgd_equivariance as t7
from relugeom.search.families import Case, GridFamily, default_batch
from relugeom.search.workunits import run_units, summarize

HAND = rg.Network.from_layers(HAND_LAYERS)
HAND_X = ((-1,), ("-1/2",), ("1/2",), ("7/10",), (2,), (3,))


# ------------------------------------------------------------------------------------- default run


@pytest.fixture(scope="module")
def default_results():
    """Per (theorem, family): the totals of the default run (run once for the whole module)."""
    results = run_units(check_units())
    per_family: dict[tuple[str, str], dict] = defaultdict(lambda: {"checked": 0, "degenerate": 0, "violations": 0})
    for r in results:
        t = per_family[(r.task, r.family)]
        t["checked"] += r.checked
        t["degenerate"] += r.degenerate
        t["violations"] += r.violations
    return summarize(results), dict(per_family)


def test_registry():
    assert list(THEOREMS) == ["T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9", "T10"]
    for name, mod in THEOREMS.items():
        assert mod.NAME == name and mod.TITLE and mod.__doc__
        assert "Proof" in mod.__doc__ or name == "T1"


#: statements about F on all of R^n0 (functional equality): every case is judged, none is degenerate
ON_ALL_OF_R_N0 = {"T9"}
#: random families with entries p/q, |p| ≤ 3, q ≤ 2 (T10: small entries make deficits common, and also zero
#: pre-activations on the batch: up to half of a family is degenerate, measured 50 of 100 at most)
SMALL_ENTRIES = "p/q<=3/2"


@pytest.mark.parametrize("name", list(THEOREMS))
def test_default_run_has_no_violation(default_results, name):
    totals, per_family = default_results
    t = totals[name]
    fams = THEOREMS[name].families(False)
    assert t["violations"] == 0, t["first_violation"]
    assert t["checked"] + t["degenerate"] == sum(len(f) for f in fams)
    assert t["checked"] > 400
    for fam in fams:
        counts = per_family[(name, fam.name)]
        assert counts["checked"] + counts["degenerate"] == len(fam)
        if name in ON_ALL_OF_R_N0:
            assert counts["degenerate"] == 0  # a statement about functions: no batch to be degenerate on
        elif isinstance(fam, GridFamily) and fam.widths == (1, 1, 1):
            assert (len(fam), counts["degenerate"]) == (81, 9)  # w = b = 0: 9 of 81
        elif isinstance(fam, GridFamily) and fam.widths == (2, 1, 1):
            assert (len(fam), counts["degenerate"]) == (243, 9)  # w = (0, 0), b = 0: 9 of 243
        elif isinstance(fam, GridFamily):
            assert len(fam.values) == 2 and counts["degenerate"] == 0  # {−1, 1}: never degenerate
        elif SMALL_ENTRIES in fam.name:
            assert counts["degenerate"] <= 3 * len(fam) // 4  # T10's small entries: kinks land on samples
        else:
            assert counts["degenerate"] < len(fam) // 3


def test_run_checks_rows_match_units(default_results):
    totals, _ = default_results
    (row,) = run_checks(["t5"])
    assert (row.name, row.checked, row.degenerate, row.violations) == (
        "T5",
        totals["T5"]["checked"],
        totals["T5"]["degenerate"],
        0,
    )
    assert row.to_dict()["families"] == [f.name for f in t5.families(False)]
    with pytest.raises(rg.RelugeomError, match="unknown theorem"):
        run_checks(["T99"])


def test_quantities_are_json_ready():
    case = GridFamily((1, 2, 1), (-1, 0, 1), default_batch(1, 6)).case(1026)
    assert [str(v) for v in case.net.parameters()] == ["0", "0", "-1", "1", "-1", "-1", "-1"]
    for mod in THEOREMS.values():
        out = mod.check(case)
        assert out.status == "ok"
        assert json.loads(json.dumps(out.quantities)) == out.quantities
    # neuron (0, 0) = relu(-1) is dead on the batch, neuron (0, 1) = relu(1) is constant
    assert t5.check(case).quantities["neurons"] == [[0, 0]]
    assert t3.check(case).quantities == {"bfd": 2, "bfd_generic": [2, 2], "non_generic": False}


# ------------------------------------------------------------------------------------------------ T1


def _negate_neuron(net: rg.Network, neuron: int) -> rg.Network:
    """Scale hidden neuron (0, neuron) by −1 by hand (not a symmetry: relu(−z) ≠ −relu(z))."""
    W0 = [list(r) for r in net.weights[0]]
    b0 = list(net.biases[0])
    W1 = [list(r) for r in net.weights[1]]
    W0[neuron] = [-v for v in W0[neuron]]
    b0[neuron] = -b0[neuron]
    for row in W1:
        row[neuron] = -row[neuron]
    return rg.Network.from_layers([(W0, b0), (W1, list(net.biases[1]))])


def test_t1_symmetry_keeps_everything():
    out = t1.check(Case(HAND, HAND_X, seed=7))
    assert out.status == "ok"
    assert out.quantities == {
        "bfd": 5,
        "bfd_transformed": 5,
        "outputs_equal": True,
        "patterns_equal_up_to_permutation": True,
    }


def test_t1_negative_scale_is_caught(monkeypatch):
    bad = _negate_neuron(HAND, 1)
    out = t1.compare(HAND, bad, HAND_X)
    assert out.status == "violation"
    assert out.quantities["outputs_equal"] is False
    assert out.quantities["patterns_equal_up_to_permutation"] is False
    # through check(): a "symmetry" that is not one
    monkeypatch.setattr(t1, "random_symmetry", lambda net, seed: _negate_neuron(net, 1))
    assert t1.check(Case(HAND, HAND_X)).status == "violation"


def test_t1_bfd_change_alone_is_caught():
    # equal outputs (0 on X = {1, 2}) and equal patterns, but BFD 1 against 2: only the BFD test fires
    a = rg.Network.from_layers([([[0]], [1]), ([[0]], [0])])
    b = rg.Network.from_layers([([[1]], [1]), ([[0]], [0])])
    out = t1.compare(a, b, [[1], [2]])
    assert out.status == "violation" and out.note == "BFD 1 != 2"
    assert out.quantities["outputs_equal"] and out.quantities["patterns_equal_up_to_permutation"]


# ------------------------------------------------------------------------------------------------ T2


def test_t2_kernel_and_rank_on_hand_example():
    out = t2.check(Case(HAND, HAND_X))
    assert out.status == "ok"
    assert out.quantities["bfd"] == 5 == out.quantities["bound"]  # N − H = 7 − 2
    assert out.quantities["rank_rescalings"] == 2 and out.quantities["vectors_not_in_kernel"] == 0
    J = rg.jacobian(HAND, HAND_X)
    assert isinstance(J[0, 0], Fraction)
    for u in rg.symmetry.symmetry_kernel(HAND):
        assert all(sum(J[r, c] * u[c] for c in range(J.shape[1])) == 0 for r in range(J.shape[0]))


def test_t2_vector_outside_kernel_is_caught(monkeypatch):
    real = rg.symmetry.symmetry_kernel(HAND)
    e0 = tuple(Fraction(int(c == 0)) for c in range(HAND.num_params))  # the W0[0,0] column ≠ 0
    monkeypatch.setattr(t2, "symmetry_kernel", lambda net: real + (e0,))
    out = t2.check(Case(HAND, HAND_X))
    assert out.status == "violation"
    assert out.quantities["vectors_not_in_kernel"] == 1


def test_t2_exact_rank_agrees_with_sympy():
    rng = np.random.default_rng(0)
    for _ in range(30):
        m, n = (int(v) for v in rng.integers(1, 6, 2))
        A = [[Fraction(int(rng.integers(-2, 3)), int(rng.integers(1, 3))) for _ in range(n)] for _ in range(m)]
        A[-1] = [a + b for a, b in zip(A[0], A[-1])] if m > 2 else A[-1]
        assert t2.exact_rank(A) == sympy.Matrix(A).rank()


def test_t2_rank_formula_beyond_one_hidden_layer():
    # one hidden layer: a neuron with zero incoming weights, bias and outgoing weights
    zero = rg.Network.from_layers([([[0], [1]], [0, 1]), ([[0, 1]], [0])])
    assert t2.floating_groups(zero) == [[(0, 0)]]
    assert t2.exact_rank(rg.symmetry.symmetry_kernel(zero)) == 1
    # two hidden layers: a dependent pair although no neuron has zero incoming AND outgoing weights
    chain = rg.Network.from_layers([([[0]], [0]), ([[2]], [0]), ([[0]], [1])])
    U = rg.symmetry.symmetry_kernel(chain)
    assert t2.floating_groups(chain) == [[(0, 0), (1, 0)]]
    assert sympy.Matrix(U).rank() == 1 == chain.num_hidden - 1
    # ... and, as statement (c) says, such a network is degenerate everywhere
    with pytest.raises(rg.DegeneratePointError):
        rg.activation_patterns(chain, [[Fraction(1, 3)]])
    # anchored: a nonzero bias on the second neuron breaks the dependency
    anchored = rg.Network.from_layers([([[0]], [0]), ([[2]], [1]), ([[0]], [1])])
    assert t2.floating_groups(anchored) == [] and t2.exact_rank(rg.symmetry.symmetry_kernel(anchored)) == 2


# ------------------------------------------------------------------------------------------------ T3


def test_t3_non_generic_example():
    net, X, bfd, generic = t3.non_generic_example()
    assert (bfd, generic) == (1, 2) and bfd < generic
    other = t3.generic_perturbation(net, X, seed=5)
    assert other != net
    assert (rg.activation_patterns(other, X) == rg.activation_patterns(net, X)).all()
    assert rg.batch_functional_dimension(other, X) == 2


def test_t3_generic_values_agree_and_flag_non_generic():
    out = t3.check(Case(HAND, HAND_X, seed=2))
    assert out.status == "ok" and out.quantities == {"bfd": 5, "bfd_generic": [5, 5], "non_generic": False}
    net, X, _, _ = t3.non_generic_example()
    out = t3.check(Case(net, tuple((x,) for x in X), seed=9))
    assert out.status == "ok" and out.quantities["non_generic"] is True


def test_t3_can_fail(monkeypatch):
    net, X, _, _ = t3.non_generic_example()
    case = Case(net, tuple((x,) for x in X), seed=1)
    real = t3.generic_perturbation
    # a "generic" draw that stays at the non-generic point: the two draws disagree
    draws = iter([net, None])
    monkeypatch.setattr(t3, "generic_perturbation", lambda n, x, seed: next(draws) or real(n, x, seed))
    out = t3.check(case)
    assert out.status == "violation" and sorted(out.quantities["bfd_generic"]) == [1, 2]
    # both "generic" draws at a lower-BFD point: BFD(θ) exceeds them
    generic = real(net, X, 3)
    monkeypatch.setattr(t3, "generic_perturbation", lambda n, x, seed: net)
    out = t3.check(Case(generic, case.inputs, seed=1))
    assert out.status == "violation" and out.quantities["bfd"] == 2 and out.quantities["bfd_generic"] == [1, 1]


def test_t3_non_generic_count_on_the_smallest_grid():
    fam = GridFamily((1, 1, 1), (-1, 0, 1), default_batch(1, 3))
    flags = [
        t3.check(fam.case(i))
        for i in range(len(fam))
        if fam.case(i).net.weights[0][0][0] != 0 or fam.case(i).net.biases[0][0] != 0
    ]
    assert len(flags) == 72 and all(o.status == "ok" for o in flags)
    # W1 = 0 with the neuron active on >= 2 samples is non-generic (as in non_generic_example)
    idx = [i for i in range(len(fam)) if fam.case(i).net.parameters()[:3] == (0, 1, 0)]
    assert len(idx) == 3 and all(t3.check(fam.case(i)).quantities["non_generic"] for i in idx)
    non_generic, checked = t3.count_non_generic(only=[fam])[fam.name]
    assert checked == 72 and non_generic == sum(o.quantities["non_generic"] for o in flags)
    # By hand, F = v relu(w x + b) + c on X = (−5/3, 1/2, 7/4); a row of J is (v x, v, w x + b, 1) on an
    # active sample and (0, 0, 0, 1) on an inactive one. Generic rank: 3 with two active samples, 2 with
    # three. It drops with two active samples iff v = 0 ((w, b) = (1, 0), (1, 1), (−1, 1): 3 · 3 values
    # of c), and with three iff v = w = 0 ((w, b) = (0, 1): 3 values of c): 12 non-generic nets.
    assert non_generic == 12


# ------------------------------------------------------------------------------------------------ T4


@pytest.mark.parametrize(
    "X, patterns, bound, bfd",
    [
        (HAND_X, [2, 2, 2], 6, 5),
        (((2,), (3,), (4,), (5,)), [4], 2, 2),
        (((-3,), (-2,), (-1,)), [3], 2, 1),
        (((-1,), ("1/2",), (2,)), [1, 1, 1], 3, 3),
    ],
)
def test_t4_bound_by_hand(X, patterns, bound, bfd):
    b, affine, counts = t4.pattern_bound(HAND, X)
    assert (sorted(counts, reverse=True), b, affine) == (patterns, bound, bound)
    out = t4.check(Case(HAND, X))
    assert out.status == "ok" and out.quantities["bfd"] == bfd
    assert out.quantities["tight"] == (bfd == bound)


def test_t4_affine_refinement():
    # three collinear samples in R^2 of one pattern: rank [X_r 1] = 2 < min(3, n0 + 1) = 3
    net = rg.Network.from_layers([([[1, 1]], [10]), ([[1]], [0])])
    X = [[0, 0], [1, 1], [2, 2]]
    assert t4.pattern_bound(net, X) == (3, 2, [3])
    out = t4.check(Case(net, tuple(tuple(x) for x in X)))
    assert out.status == "ok" and out.quantities["bfd"] == 2


def test_t4_fake_bound_is_caught(monkeypatch):
    monkeypatch.setattr(t4, "pattern_bound", lambda net, X: (4, 4, [2, 2, 2]))
    out = t4.check(Case(HAND, HAND_X))
    assert out.status == "violation" and out.quantities["bfd"] == 5
    assert "DimensionReport.bound_patterns = 6 != 4" in out.note


# ------------------------------------------------------------------------------------------------ T5


def test_t5_dead_neuron_hand_example():
    net = rg.Network.from_layers([([[1], [-1]], [0, -1]), ([[1, 2]], [3])])
    X = t5.POSITIVE_BATCH
    assert t5.inactive_neurons(net, X) == [(0, 1)]
    J = rg.jacobian(net, X)
    cols = t5.neuron_columns(net, 0, 1)
    assert cols == [1, 3, 5]  # W0[1,0], b0[1], W1[0,1]
    assert all(J[r, c] == 0 for r in range(J.shape[0]) for c in cols)
    assert any(J[r, c] != 0 for r in range(J.shape[0]) for c in (0, 2, 4, 6))
    reduced = net.without_neuron(0, 1)
    assert rg.batch_functional_dimension(net, X) == rg.batch_functional_dimension(reduced, X) == 2
    out = t5.check(Case(net, X))
    assert out.status == "ok"
    assert out.quantities == {"inactive_neurons": 1, "neurons": [[0, 1]], "bfd": 2, "bfd_removed": [2], "removable": 1}


def test_t5_width_one_layer_and_vacuous_case():
    lone = rg.Network.from_layers([([[-1]], [-1]), ([[5]], [1])])
    out = t5.check(Case(lone, t5.POSITIVE_BATCH))
    assert out.status == "ok" and out.quantities["removable"] == 0 and out.quantities["bfd"] == 1
    assert t5.check(Case(HAND, HAND_X)).quantities == {"inactive_neurons": 0}


def test_t5_active_neuron_is_caught(monkeypatch):
    net = rg.Network.from_layers([([[1], [-1]], [0, -1]), ([[1, 2]], [3])])
    problems, _ = t5.judge_neuron(net, t5.POSITIVE_BATCH, 0, 0)
    assert len(problems) == 3 and "not all zero" in problems[0]
    monkeypatch.setattr(t5, "inactive_neurons", lambda n, X: [(0, 0)])
    assert t5.check(Case(net, t5.POSITIVE_BATCH)).status == "violation"


def test_t5_substantive_counts_by_hand():
    # (1,2,1) over {−1,1} on positive inputs: a neuron is dead iff (w, b) = (−1, −1) (1 of 4); hidden
    # configurations with a dead neuron: 16 − 9 = 7, times 2³ output layers = 56 of 128.
    # (1,1,1) over {−1,0,1} on default_batch(1, 3): dead iff (w, b) = (0, −1): 9 of the 72 non-degenerate.
    counts = t5.count_substantive(False)
    assert counts["grid 1-2-1 {-1,1} n=4"] == (56, 128)
    assert counts["grid 1-1-1 {-1,0,1} n=3"] == (9, 72)


# ------------------------------------------------------------------------------------------ exhaustive

# ------------------------------------------------------------------------------------------------ T7


def test_t7_hand_example_and_gd_does_not_commute():
    out = t7.check(Case(HAND, HAND_X, seed=3))
    assert out.status == "ok"
    # φ_1 = 1 + 1 + 1 (x→h0, x→h1, b0[1]→h1), and the same for p = 2, 3 (all weights ±1)
    assert out.quantities["path_norms"] == ["3", "3", "3"]
    assert out.quantities["path_sgd_commutes"] is True and out.quantities["gd_commutes"] is False


def test_t7_symmetry_and_gradient_by_hand():
    # λ = (3, 1/2) on HAND (no permutation): ∇L at φ(θ) is ∇L(θ) / μ entrywise, computed afresh
    perms, scales = [[0, 1]], [[Fraction(3), Fraction(1, 2)]]
    other = t7.apply_symmetry(HAND, perms, scales)
    X, Y = [[2], [Fraction(1, 3)]], [[1], [0]]
    g, g2 = list(squared_loss_gradient(HAND, X, Y)), list(squared_loss_gradient(other, X, Y))
    mu = [3, Fraction(1, 2), 3, Fraction(1, 2), Fraction(1, 3), 2, 1]
    assert g2 == [a / m for a, m in zip(g, mu)]
    # by hand at x = 2 (both active, F = 2 + 1 = 3) and x = 1/3 (h0 only, F = 1/3): residuals 2, 1/3
    # ∂F/∂θ at 2: (2, 2, 1, 1, 2, 1, 1); at 1/3: (1/3, 0, 1, 0, 1/3, 0, 1)
    assert g == [4 + Fraction(1, 9), 4, 2 + Fraction(1, 3), 2, 4 + Fraction(1, 9), 2, 2 + Fraction(1, 3)]


def test_t7_can_fail(monkeypatch):
    case = Case(HAND, HAND_X, seed=3)
    plain = lambda net, g, lr: rg.Network.from_parameters(  # noqa: E731  (plain GD posing as Path-SGD)
        net.widths, [w - lr * gi for w, gi in zip(net.parameters(), g)]
    )
    monkeypatch.setattr(t7, "path_sgd_step", plain)
    out = t7.check(case)
    assert out.status == "violation" and "do not commute" in out.note
    monkeypatch.undo()
    frobenius = lambda net, p: sum(v * v for W in net.weights for row in W for v in row)  # noqa: E731
    monkeypatch.setattr(t7, "path_norm", frobenius)
    out = t7.check(case)
    assert out.status == "violation" and "path-norms differ" in out.note


# Degenerate cases in the exhaustive run: the grid parts are derived in the module docstring (459 and 1431,
# plus 8192 − 7520 = 672 for T5's (1,2,2,1) grid, where second-layer pre-activations can vanish); the
# random families are seeded, so their counts are fixed: measured.
EXHAUSTIVE_DEGENERATE = {"T1": 1930, "T2": 1931, "T3": 1933, "T4": 1934, "T5": 2605, "T6": 1146, "T7": 1930}
EXHAUSTIVE_DEGENERATE |= {"T8": 1935, "T9": 0, "T10": 1085}


@pytest.mark.slow
def test_exhaustive_run(tmp_path):
    state = tmp_path / "state.jsonl"
    rows = run_checks(exhaustive=True, jobs=2, state=str(state))
    per_family: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for line in state.read_text().splitlines():
        r = json.loads(line)
        acc = per_family[(r["task"], r["family"])]
        acc[0] += r["checked"]
        acc[1] += r["degenerate"]
        acc[2] += r["violations"]
    assert [row.name for row in rows] == list(THEOREMS)
    for row in rows:
        fams = THEOREMS[row.name].families(True)
        assert row.violations == 0, row.first_violation
        assert row.checked == sum(len(f) for f in fams) - row.degenerate
        assert row.degenerate == EXHAUSTIVE_DEGENERATE[row.name]
        for fam in fams:
            checked, degenerate, violations = per_family[(row.name, fam.name)]
            assert checked + degenerate == len(fam) and violations == 0
            if row.name in ON_ALL_OF_R_N0:
                assert degenerate == 0
            elif fam.name.startswith("grid 1-2-1 {-1,0,1}"):
                assert (len(fam), degenerate) == (2187, 459)
            elif fam.name.startswith("grid 2-1-1 {-1,0,1}"):
                assert (len(fam), degenerate) == (243, 9)
            elif fam.name.startswith("grid 2-2-1 {-1,0,1}"):
                assert (len(fam), degenerate) == (19683, 1431)
            elif fam.name.startswith("grid 1-3-1 {-1,1}"):
                assert (len(fam), degenerate) == (1024, 0)
            elif fam.name.startswith("grid 1-2-2-1 {-1,1}"):
                assert (len(fam), degenerate) == (8192, 672)
            elif fam.name.startswith(("grid 2-2-1 {-1,1}", "grid 1-2-1 {-1,1}")):
                assert degenerate == 0
            elif SMALL_ENTRIES in fam.name:
                assert fam.name.startswith("random") and degenerate <= len(fam) // 2
            else:
                assert fam.name.startswith("random") and degenerate < len(fam) // 5


@pytest.mark.slow
def test_exhaustive_counts():
    # T5, by hand: on the default batches only (w, b) = (0, −1) (resp. (0, 0, −1)) is dead; hidden
    # configurations without a zero neuron and with a dead one: 8² − 7² = 15 and 26² − 25² = 51, times 3³
    # output layers: 405 and 1377. (1,3,1) over {−1, 1} on positive inputs: dead iff (w, b) = (−1, −1),
    # 4³ − 3³ = 37 configurations times 2⁴: 592.
    substantive = t5.count_substantive(True, jobs=2)
    assert substantive["grid 1-2-1 {-1,0,1} n=6"] == (405, 1728)
    assert substantive["grid 2-2-1 {-1,0,1} n=8"] == (1377, 18252)
    assert substantive["grid 1-3-1 {-1,1} n=4"] == (592, 1024)
    assert substantive["grid 1-2-2-1 {-1,1} n=4"] == (6144, 7520)  # measured
    # T3 (measured, reported in the module's Notes)
    non_generic = t3.count_non_generic(True, jobs=2)
    assert non_generic["grid 1-2-1 {-1,0,1} n=6"] == (609, 1728)
    assert non_generic["grid 2-2-1 {-1,0,1} n=8"] == (8304, 18252)
