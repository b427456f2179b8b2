"""Pair cases (two networks a and b in one case): families, round trips, the search and its shrinking.

The oracles are independent of the code under test: itertools enumerations for the grid of pairs, plain
Fraction forward passes (``helpers.naive_forward``) for the toy checks, a brute-force scan for the first
violation, and shrinking paths derived by hand step by step (written out next to each pinned result).
"""

from __future__ import annotations

import itertools
import json
import pickle
from fractions import Fraction

import pytest
from helpers import naive_forward
from hypothesis import given, settings
from hypothesis import strategies as st

import relugeom as rg
from relugeom.cli.main import main as cli_main
from relugeom.exceptions import InvalidArgumentError
from relugeom.proofs.conjectures import CONJECTURES
from relugeom.search.counterexamples import (
    Conjecture,
    read_counterexample,
    recheck_fields,
    search,
    search_plan,
    write_counterexample,
)
from relugeom.search.families import Case, GridFamily, LogRandomFamily, Outcome, RandomFamily, default_batch
from relugeom.search.shrinking import shrink, shrink_with_steps
from relugeom.search.workunits import run_units, split

F = Fraction


def params(net: rg.Network) -> list[str]:
    return [str(v) for v in net.parameters()]


def outputs(net: rg.Network, X) -> list[list[Fraction]]:
    return [naive_forward(net, x) for x in X]


# ----------------------------------------------------------------------------------- toy pair checks


def same_outputs_same_parameters(case: Case) -> Outcome:
    """Toy conjecture (false): "F_a = F_b on the batch ⇒ a and b have the same widths and parameters"."""
    a, b = case.net, case.other
    equal = outputs(a, case.inputs) == outputs(b, case.inputs)
    same = a.widths == b.widths and a.parameters() == b.parameters()
    return Outcome("violation" if equal and not same else "ok", {"equal_on_batch": equal})


def outputs_differ(case: Case) -> Outcome:
    """Violated when F_a ≠ F_b somewhere on the batch."""
    return Outcome("violation" if outputs(case.net, case.inputs) != outputs(case.other, case.inputs) else "ok")


def same_outputs_same_widths(case: Case) -> Outcome:
    """Toy conjecture (false): "F_a = F_b on the batch ⇒ a and b have the same hidden widths"."""
    equal = outputs(case.net, case.inputs) == outputs(case.other, case.inputs)
    return Outcome("violation" if equal and case.net.hidden_widths != case.other.hidden_widths else "ok")


TOY = Conjecture(
    "same-outputs-same-parameters",
    "Two networks with the same outputs on the batch have the same parameters.",
    same_outputs_same_parameters,
    sizes=(((1, 1, 1), 1), ((1, 1, 1), 2)),
    pairs=True,
    max_grid=7000,
    random_cases=20,
)
TOY_SYMMETRIC = Conjecture(
    "same-outputs-same-parameters",
    TOY.statement,
    same_outputs_same_parameters,
    sizes=TOY.sizes,
    pairs=True,
    symmetric=True,
    random_cases=20,
)


def violates(check, case: Case) -> bool:
    return check(case).status == "violation"


# -------------------------------------------------------------------------------------- grid of pairs

VALUES = ("1/2", 0, -3)  # not symmetric: a digit mapped to the wrong value shows


def test_grid_pairs_case_zero_a_hand_decoded_index_and_len():
    X = default_batch(1, 2)
    fam = GridFamily((1, 1, 1), VALUES, X, pairs=True)
    assert len(fam) == 3**8 == 6561 and fam.name == "grid pairs 1-1-1 {1/2,0,-3} n=2"
    first = fam.case(0)
    assert params(first.net) == params(first.other) == ["1/2"] * 4
    # 5000 = 61·81 + 59; 61 = 2·27 + 0·9 + 2·3 + 1 and 59 = 2·27 + 0·9 + 1·3 + 2: digits 2021 and 2012
    c = fam.case(5000)
    assert params(c.net) == ["-3", "1/2", "-3", "0"] and params(c.other) == ["-3", "1/2", "0", "-3"]
    assert c.inputs == X and c.family == fam.name and c.index == 5000
    assert params(fam.case(6560).net) == params(fam.case(6560).other) == ["-3"] * 4
    with pytest.raises(IndexError):
        fam.case(6561)
    assert len(GridFamily((1, 1, 1), VALUES, X)) == 81  # one network a case without pairs
    assert GridFamily((1, 1, 1), VALUES, X).case(7).other is None


def test_grid_pairs_enumerate_every_ordered_pair_in_itertools_order():
    fam = GridFamily((1, 1, 1), (0, 1), [["1/2"]], pairs=True)
    got = [fam.case(i).net.parameters() + fam.case(i).other.parameters() for i in range(len(fam))]
    assert got == [tuple(map(F, t)) for t in itertools.product((0, 1), repeat=8)]


def test_unordered_pairs_enumerate_p_le_q_by_q_then_p():
    single = GridFamily((1, 1, 1), (0, 1), [["1/2"]])
    index_of = {single.case(i).net.parameters(): i for i in range(len(single))}
    fam = GridFamily((1, 1, 1), (0, 1), [["1/2"]], pairs=True, unordered=True)
    assert len(fam) == 16 * 17 // 2 == 136 and fam.name == "grid unordered pairs 1-1-1 {0,1} n=1"
    got = [(index_of[fam.case(i).net.parameters()], index_of[fam.case(i).other.parameters()]) for i in range(136)]
    assert got == [(p, q) for q in range(16) for p in range(q + 1)]
    # by hand on {-1, 0, 1}: case 4 = 2·3/2 + 1 is the pair (network 1, network 2) = (0001, 0002) in base 3
    tri = GridFamily((1, 1, 1), (-1, 0, 1), [["1/2"]], pairs=True, unordered=True)
    assert params(tri.case(4).net) == ["-1", "-1", "-1", "0"] and params(tri.case(4).other) == ["-1", "-1", "-1", "1"]
    with pytest.raises(InvalidArgumentError):
        GridFamily((1, 1, 1), (0, 1), [["1/2"]], unordered=True)


BIG = GridFamily((2, 3, 1), (-1, 0, 1), default_batch(2, 3), pairs=True, unordered=True)


def _index_in_base_3(net: rg.Network) -> int:
    return sum((int(v) + 1) * 3**k for k, v in enumerate(reversed(net.parameters())))


@settings(deadline=None, max_examples=60)
@given(st.integers(min_value=0, max_value=len(BIG) - 1))
def test_unordered_decoding_is_the_triangular_bijection_at_any_index(i):
    c = BIG.case(i)
    p, q = _index_in_base_3(c.net), _index_in_base_3(c.other)
    assert 0 <= p <= q < 3**13 and q * (q + 1) // 2 + p == i


def test_unordered_extremes():
    M = 3**13
    assert len(BIG) == M * (M + 1) // 2
    last = BIG.case(len(BIG) - 1)
    assert params(last.net) == params(last.other) == ["1"] * 13
    just_before = BIG.case(len(BIG) - 2)  # (M − 2, M − 1): a's last parameter is 0
    assert params(just_before.net) == ["1"] * 12 + ["0"] and params(just_before.other) == ["1"] * 13


def test_random_pairs_are_deterministic_and_draw_b_after_a():
    fam = RandomFamily((2, 3, 1), num_samples=4, count=10, seed=5, pairs=True)
    assert fam.name == "random pairs 2-3-1 n=4 p/q<=5/5 seed=5"
    single = RandomFamily((2, 3, 1), num_samples=4, count=10, seed=5)
    for i in range(10):
        c = fam.case(i)
        assert c == RandomFamily((2, 3, 1), 4, 10, seed=5, pairs=True).case(i)
        assert c.net == single.case(i).net  # a is drawn first, as without pairs
        assert c.other.widths == (2, 3, 1) and c.other != c.net
        assert len(set(c.inputs)) == 4
    log = LogRandomFamily((1, 2, 1), num_samples=2, count=5, seed=1, max_exponent=30, pairs=True)
    assert log.name.startswith("lograndom pairs 1-2-1 n=2") and log.case(3).other is not None
    assert pickle.loads(pickle.dumps(log)).case(3) == log.case(3)


def test_plan_grid_of_pairs_respects_max_grid_and_symmetry():
    kinds = [(kind, fam.name, len(fam)) for _, kind, fam in search_plan(TOY, budget=7000)]
    assert kinds == [
        ("grid", "grid pairs 1-1-1 {-1,0,1} n=1", 6561),
        ("random", "random pairs 1-1-1 n=1 p/q<=5/5 seed=0", 20),
        ("random", "random pairs 1-1-1 n=2 p/q<=5/5 seed=0", 20),  # 6561 more do not fit the budget
    ]
    capped = Conjecture("x", "x.", same_outputs_same_parameters, sizes=(((1, 1, 1), 1),), pairs=True, random_cases=0)
    assert search_plan(capped, budget=10**6) == []  # 6561 > max_grid 5000: skipped whole
    kinds = [(kind, len(fam)) for _, kind, fam in search_plan(TOY_SYMMETRIC, budget=10**6)]
    assert kinds == [("grid", 3321), ("random", 20), ("grid", 3321), ("random", 20)]
    with pytest.raises(InvalidArgumentError):
        Conjecture("x", "x.", same_outputs_same_parameters, symmetric=True)


# ------------------------------------------------------------------------------------------- Case


def test_case_round_trip_with_and_without_other():
    a = rg.Network.from_parameters((2, 1, 1), [1, "-2/3", 0, 4, 5])
    b = rg.Network.from_parameters((2, 2, 1), [0, 1, 2, 3, "1/7", 0, 1, 1, -1])
    X = ((F(1), F(2)), (F(-1, 2), F(0)))
    single = Case(a, X, seed=7, family="f", index=3)
    pair = Case(a, X, 7, "f", 3, b)
    assert set(single.to_dict()) == {"family", "index", "seed", "network", "inputs"}
    assert pair.to_dict()["other_network"] == b.to_dict() and pair.to_dict()["network"] == a.to_dict()
    for c in (single, pair):
        assert Case.from_dict(json.loads(json.dumps(c.to_dict()))) == c
    assert Case.from_dict(single.to_dict()).other is None and single != pair
    assert single.replace(other=b) == pair and pair.replace(net=b).other == b and pair.replace().other == b
    with pytest.raises(rg.ShapeError, match="same input and output widths"):
        Case(a, X, other=rg.Network.from_parameters((1, 1, 1), [1, 0, 1, 0]))


# ------------------------------------------------------------------------------------ search, shrink


def first_violation_by_brute_force(x: Fraction) -> int:
    """Index of the first ordered pair over {-1, 0, 1} (itertools order) with F_a(x) = F_b(x) and a ≠ b."""

    def f(t):
        return t[2] * max(t[0] * x + t[1], 0) + t[3]

    for i, t in enumerate(itertools.product((-1, 0, 1), repeat=8)):
        if t[:4] != t[4:] and f(t[:4]) == f(t[4:]):
            return i
    raise AssertionError("no violation")


@pytest.mark.parametrize("conj", [TOY, TOY_SYMMETRIC], ids=["ordered", "symmetric"])
def test_toy_pair_conjecture_is_refuted_and_shrunk_to_the_hand_derived_minimal_pair(conj):
    res = search(conj, budget=20000)
    # first violation on the default batch x = -5/3. a = network 0 = (-1, -1, -1, -1): F_a = -relu(2/3) - 1 = -5/3.
    # networks 1 … 9 (b0 = -1) give -2/3, 1/3, -1, 0, 1, -1/3, 2/3, 5/3, -8/3: all different from each other and
    # from -5/3; network 10 = 0101 in base 3 = (-1, 0, -1, 0): F_b = -relu(5/3) = -5/3. Ordered: index 10;
    # unordered (q(q + 1)/2 + p): the pair (0, 10), index 55.
    index = 10 if not conj.symmetric else 55
    assert first_violation_by_brute_force(F(-5, 3)) == 10
    assert res.found and res.original.index == index and res.cases_tried == index + 1
    assert params(res.original.net) == ["-1"] * 4 and params(res.original.other) == ["-1", "0", "-1", "0"]
    # shrinking (no structural move: widths 1-1-1, one sample). a's numbers: each -1 -> 0 changes F_a(-5/3)
    # (to -1, -8/3, -1, -2/3); b's: W0 or W1 -> 0 gives F_b = 0. The input: -5/3 -> 0 gives F_a = -1, F_b = 0;
    # -5/3 -> -1 gives F_a = -relu(0) - 1 = -1 = -relu(1) = F_b: kept (step 1). Second round at x = -1: a's W0,
    # b0, W1 -> 0 keep F_a = -1 (steps 2, 3, 4); b1 -> 0 gives 0; b's W0 or W1 -> 0 gives 0; x -> 0 gives
    # F_b = 0. Third round: nothing moves.
    assert res.shrink_steps == 4
    assert params(res.case.net) == ["0", "0", "0", "-1"] and params(res.case.other) == ["-1", "0", "-1", "0"]
    assert res.case.inputs == ((F(-1),),)
    assert outputs(res.case.net, res.case.inputs) == outputs(res.case.other, res.case.inputs) == [[F(-1)]]
    # locally minimal: any nonzero number set to 0 ends the violation
    a, b = list(res.case.net.parameters()), list(res.case.other.parameters())
    for p in range(4):
        if a[p]:
            zeroed = rg.Network.from_parameters((1, 1, 1), a[:p] + [0] + a[p + 1 :])
            assert not violates(same_outputs_same_parameters, res.case.replace(net=zeroed))
        if b[p]:
            zeroed = rg.Network.from_parameters((1, 1, 1), b[:p] + [0] + b[p + 1 :])
            assert not violates(same_outputs_same_parameters, res.case.replace(other=zeroed))
    assert not violates(same_outputs_same_parameters, res.case.replace(inputs=((F(0),),)))


def test_shrinking_removes_hidden_neurons_of_a_and_b_independently():
    # a = relu(x) + 5 relu(x - 10) + 7 relu(-x - 10), b = relu(x) + 2 relu(x - 20) + 3 relu(x - 30) + 4 relu(-x - 5):
    # both equal x on X = {1, 2}, hidden widths 3 and 4
    a = rg.Network.from_layers([([[1], [1], [-1]], [0, -10, -10]), ([[1, 5, 7]], [0])])
    b = rg.Network.from_layers([([[1], [1], [1], [-1]], [0, -20, -30, -5]), ([[1, 2, 3, 4]], [0])])
    case = Case(a, ((F(1),), (F(2),)), other=b)
    # structure by hand: a drops its neurons 1 and 2 (dead on X; dropping relu(x) changes F_a): steps 1, 2;
    # b drops relu(x - 20) and relu(x - 30): steps 3, 4; b cannot drop relu(-x - 5) (the widths would be equal)
    # nor relu(x); a sample goes: step 5
    mid, steps = shrink_with_steps(same_outputs_same_widths, case, max_steps=5)
    assert steps == 5 and mid.net.widths == (1, 1, 1) and mid.other.widths == (1, 2, 1)
    assert params(mid.net) == ["1", "0", "1", "0"] and params(mid.other) == ["1", "-1", "0", "-5", "1", "4", "0"]
    assert mid.inputs == ((F(2),),)
    # then the numbers, at x = 2 (F = 2): a's stay (either -> 0 gives F_a = 0); b: -1 -> 0, -5 -> 0, 4 -> 0
    # keep F_b = 2 (steps 6, 7, 8); x -> 0 keeps F_a = F_b = 0 (step 9); then a's W0, W1 -> 0 (10, 11) and
    # b's W0, W1 -> 0 (12, 13): two zero networks of hidden widths 1 and 2
    small, steps = shrink_with_steps(same_outputs_same_widths, case)
    assert steps == 13 and small.net.widths == (1, 1, 1) and small.other.widths == (1, 2, 1)
    assert params(small.net) == ["0"] * 4 and params(small.other) == ["0"] * 7 and small.inputs == ((F(0),),)


def test_shrinking_removes_an_output_and_an_input_coordinate_from_both_networks():
    # F_a = (relu(x0), relu(x1)), F_b = (relu(x0), 2 relu(x1)) (+ an unused neuron): they differ in output 1 only
    a = rg.Network.from_layers([([[1, 0], [0, 1]], [0, 0]), ([[1, 0], [0, 1]], [0, 0])])
    b = rg.Network.from_layers([([[1, 0], [0, 1], [1, 1]], [0, 0, 0]), ([[1, 0, 0], [0, 2, 0]], [0, 0])])
    case = Case(a, ((F(1), F(1)), (F(2), F(3))), other=b)
    # by hand: a drops relu(x0) (F_a = (0, relu(x1)) still differs): step 1; b drops relu(x0) (2), then relu(x1)
    # (F_b = 0): step 3; output 0 goes from both (4); input coordinate 0 goes from both and from X (5): the batch
    # keeps coordinate 1, {1, 3}
    mid, steps = shrink_with_steps(outputs_differ, case, max_steps=5)
    assert steps == 5 and mid.net.widths == mid.other.widths == (1, 1, 1)
    assert params(mid.net) == ["1", "0", "1", "0"] and params(mid.other) == ["1", "0", "0", "0"]
    assert mid.inputs == ((F(1),), (F(3),))
    # then sample 1 goes (6: F_a = 3 ≠ 0), b's W0 -> 0 (7), x = 3 -> 1 (8; -> 0 would give F_a = 0 = F_b)
    small, steps = shrink_with_steps(outputs_differ, case)
    assert steps == 8 and params(small.net) == ["1", "0", "1", "0"] and params(small.other) == ["0"] * 4
    assert small.inputs == ((F(1),),)
    assert shrink(outputs_differ, case) == small


# -------------------------------------------------------------------------------------------- files


@pytest.fixture(scope="module")
def toy_result():
    return search(TOY, budget=20000)


def test_pair_counterexample_file_has_other_network_and_reads_back(toy_result, tmp_path):
    path = tmp_path / "pair.json"
    write_counterexample(toy_result, path)
    data = json.loads(path.read_text())
    assert (
        data["other_network"]
        == toy_result.case.other.to_dict()
        == rg.Network.from_parameters((1, 1, 1), [-1, 0, -1, 0]).to_dict()
    )
    assert data["network"] == rg.Network.from_parameters((1, 1, 1), [0, 0, 0, -1]).to_dict()
    assert data["original"]["other_network"] == toy_result.original.other.to_dict()
    assert data["original"]["index"] == 10 and data["original"]["family"] == "grid pairs 1-1-1 {-1,0,1} n=1"
    assert data["size"] == {
        "widths": [1, 1, 1],
        "other_widths": [1, 1, 1],
        "num_samples": 1,
        "max_abs_numerator": 1,
        "max_denominator": 1,
    }
    case, again = read_counterexample(path)
    assert case == toy_result.case and case.other is not None and again == data
    assert data["recheck"] is None  # the toy's quantities name no command
    # a pair whose second network does not fit the first is not a counterexample file
    data["other_network"] = rg.Network.from_parameters((2, 1, 1), [1, 1, 0, 1, 0]).to_dict()
    path.write_text(json.dumps(data))
    with pytest.raises(rg.FormatError, match="same input and output widths"):
        read_counterexample(path)


def test_an_old_counterexample_file_without_other_network_still_reads(tmp_path):
    old = {
        "format": "relugeom-counterexample",
        "version": 1,
        "conjecture": "no-dead-full-rank",
        "statement": "x.",
        "expected": "false",
        "found": True,
        "network": {
            "format": "relugeom-network",
            "version": 1,
            "layers": [{"weight": [["0"]], "bias": ["1"]}, {"weight": [["0"]], "bias": ["0"]}],
        },
        "inputs": [["0"], ["1"]],
        "quantities": {"bfd": 1, "bound": 2, "dead_neurons": []},
        "recheck": "relugeom dim FILE",
        "recheck_shows": "BFD 1",
        "search": {"cases_tried": 330, "degenerate": 0, "seed": 0, "sizes": [], "seconds": 0.1, "shrink_steps": 5},
        "size": {"widths": [1, 1, 1], "num_samples": 2, "max_abs_numerator": 1, "max_denominator": 1},
        "case": {"seed": 48, "family": "grid 1-1-1 {-1,0,1} n=2", "index": 48},
        "original": {"network": {}, "inputs": [], "seed": 48, "family": "", "index": 48},
    }
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old))
    case, data = read_counterexample(path)
    assert case.other is None and params(case.net) == ["0", "1", "0", "0"] and case.inputs == ((F(0),), (F(1),))
    assert (case.seed, case.index) == (48, 48) and data == old


def test_recheck_of_functional_equality_is_relugeom_equal():
    fields = recheck_fields({"functionally_equal": True}, "dir a/ce.json")
    assert fields["recheck"] == "relugeom equal 'dir a/ce.json'"
    assert fields["recheck_shows"] == (
        "equal on R^n0 (F_a = F_b: network and other_network), and not equivalent under permutations and rescalings"
    )
    assert recheck_fields({"functionally_equal": True, "equivalent": True})["recheck_shows"].endswith(
        ", and equivalent under permutations and rescalings"
    )
    unequal = recheck_fields({"functionally_equal": False, "witness": ["1/2"]}, "ce.json")
    assert unequal == {
        "recheck": "relugeom equal ce.json",
        "recheck_shows": "not equal on R^n0: F_a(x) ≠ F_b(x) at x = ['1/2']",
    }
    # a conjecture's own template still wins
    assert recheck_fields({"functionally_equal": True}, "ce.json", "dim {file}")["recheck"] == "relugeom dim ce.json"


# ------------------------------------------------------------------------- scale-out and state files


def _comparable(res) -> dict:
    d = res.to_dict()
    d["search"].pop("seconds")
    return d


def test_process_pool_gives_the_serial_result(toy_result):
    serial = search(TOY, budget=20000, unit_size=4)
    assert _comparable(serial) == _comparable(toy_result)  # the unit size does not change the result
    pool = search(TOY, budget=20000, unit_size=4, jobs=2)  # the violation is in the third unit (cases 8 … 11)
    assert _comparable(pool) == _comparable(serial)


def test_state_file_holds_pair_cases_and_resumes(toy_result, tmp_path):
    state = tmp_path / "state.jsonl"
    first = search(TOY, budget=20000, unit_size=4, state=state)
    lines = state.read_text().splitlines()
    assert len(lines) == 3 and _comparable(first) == _comparable(toy_result)
    violating = json.loads(lines[-1])["first_violation"]["case"]
    assert violating["index"] == 10 and Case.from_dict(violating) == toy_result.original
    # resumed from the first two units: the same result, the third unit appended again
    state.write_text("\n".join(lines[:2]) + "\n")
    assert _comparable(search(TOY, budget=20000, unit_size=4, state=state)) == _comparable(first)
    again = state.read_text().splitlines()
    assert again[:2] == lines[:2] and len(again) == 3
    assert {**json.loads(again[2]), "seconds": 0} == {**json.loads(lines[2]), "seconds": 0}
    # a state line whose pair does not fit is refused, naming the line
    bad = json.loads(lines[-1])
    bad["first_violation"]["case"]["other_network"] = rg.Network.from_parameters((2, 1, 1), [1] * 5).to_dict()
    state.write_text("\n".join(lines[:2] + [json.dumps(bad)]) + "\n")
    with pytest.raises(rg.FormatError, match="line 3: the case of 'first_violation' is not a case"):
        search(TOY, budget=20000, unit_size=4, state=state)


def test_run_units_on_a_pool_carry_pair_cases():
    fam = GridFamily((1, 1, 1), (-1, 0, 1), default_batch(1, 1), pairs=True)
    units = split("pairs", same_outputs_same_parameters, fam, unit_size=700)
    serial, pool = run_units(units), run_units(units, jobs=2)
    strip = [{k: v for k, v in r.to_dict().items() if k != "seconds"} for r in serial]
    assert strip == [{k: v for k, v in r.to_dict().items() if k != "seconds"} for r in pool]
    # independent count: ordered pairs a ≠ b with F_a(-5/3) = F_b(-5/3)
    x = F(-5, 3)
    values = [t[2] * max(t[0] * x + t[1], 0) + t[3] for t in itertools.product((-1, 0, 1), repeat=4)]
    expected = sum(1 for p in range(81) for q in range(81) if p != q and values[p] == values[q])
    assert sum(r.violations for r in serial) == expected
    assert serial[0].first_violation["case"]["other_network"] == fam.case(10).other.to_dict()


# ------------------------------------------------------------------------------------------------ CLI


def test_search_prints_both_networks_of_a_pair(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(CONJECTURES, TOY.name, TOY)
    path = tmp_path / "pair.json"
    capsys.readouterr()
    assert cli_main(["search", TOY.name, "--budget", "20000", "--out", str(path)]) == 0
    out = capsys.readouterr().out
    assert "shrunk in 4 steps to widths a 1-1-1, b 1-1-1, n = 1" in out
    assert (
        "  network a:\n    W0 = [['0']], b0 = ['0']\n    W1 = [['0']], b1 = ['-1']\n"
        "  network b:\n    W0 = [['-1']], b0 = ['0']\n    W1 = [['-1']], b1 = ['0']\n  X = [['-1']]\n"
    ) in out
    assert cli_main(["search", TOY.name, "--budget", "20000", "--out", str(path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["other_network"] == json.loads(path.read_text())["other_network"]
    # `relugeom dim FILE` reads network a and the batch of a pair file: a's neuron has pre-activation 0 at x = -1
    # (degenerate), so with relu'(0) = 0 the one Jacobian row is [0, 0, relu(0), 1] = [0, 0, 0, 1]: BFD 1
    assert cli_main(["dim", str(path), "--at-zero", "inactive", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["bfd"] == 1
