"""The counterexample search: pinned minimal refutations, re-checked independently, and its scale-out.

Every pinned value below was produced by the (deterministic) search and is re-derived here by other
means: the exact BFD via relugeom, the rank via sympy on the exact Jacobian, the float64 rank via numpy on
a Jacobian written by hand, and the minimality by trying every removal and every replacement by 0.
"""

from __future__ import annotations

import json
import pickle
import runpy
import shlex
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import sympy
from helpers import sympy_rank

import relugeom as rg
from relugeom.cli.main import main as cli_main
from relugeom.proofs.conjectures import CONJECTURES
from relugeom.search.counterexamples import (
    Conjecture,
    read_counterexample,
    recheck_fields,
    search,
    search_plan,
    write_counterexample,
)
from relugeom.search.families import Case, LogRandomFamily, Outcome
from relugeom.search.shrinking import shrink, simpler_numbers

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
F = Fraction

# the shrunk refutations: (widths, parameters in SPEC order, inputs, cases tried with seed 0)
PINNED = {
    "float-rank": ((1, 1, 1), [1, 2**25, 0, 0], [[0], [1]], 463),
    "no-dead-full-rank": ((1, 1, 1), [0, 1, 0, 0], [[0], [1]], 330),
    "patterns-determine-bfd": ((1, 1, 1), [0, 1, 0, 0], [[0], [1]], 330),
}
FALSE = tuple(PINNED)


@pytest.fixture(scope="module")
def found() -> dict:
    """Each false conjecture searched once (seed 0, serial), with its wall time."""
    out = {}
    for name in FALSE:
        t0 = time.perf_counter()
        out[name] = search(CONJECTURES[name], budget=2000, seed=0)
        out[name + ":seconds"] = time.perf_counter() - t0
    return out


def violates(name: str, case: Case) -> bool:
    """The conjecture's verdict, a degenerate point counting as no violation."""
    try:
        return CONJECTURES[name].check(case).status == "violation"
    except rg.DegeneratePointError:
        return False


# ------------------------------------------------------------------------------------- pinned refutations


@pytest.mark.parametrize("name", FALSE)
def test_false_conjecture_is_refuted_by_the_pinned_minimal_example(found, name):
    widths, params, inputs, tried = PINNED[name]
    res = found[name]
    assert res.found and res.conjecture == name and res.expected == "false"
    assert res.case.net.widths == widths
    assert list(res.case.net.parameters()) == [F(p) for p in params]
    assert res.case.inputs == tuple(tuple(F(v) for v in x) for x in inputs)
    assert res.cases_tried == tried
    # the quantities are exact and really hold: BFD by relugeom and by sympy on the exact Jacobian
    bfd = rg.batch_functional_dimension(res.case.net, res.case.inputs)
    assert res.quantities["bfd"] == bfd == sympy_rank(rg.jacobian(res.case.net, res.case.inputs))


def test_float_rank_refutation_recomputed(found):
    res = found["float-rank"]
    net, X = res.case.net, res.case.inputs
    # W1 = 0, neuron active on both samples: rows [0, 0, relu(x + 2^25), 1], written by hand
    c = 2.0**25
    J_hand = np.array([[0.0, 0.0, c, 1.0], [0.0, 0.0, c + 1, 1.0]])
    assert np.array_equal(rg.jacobian(net, X, method="float"), J_hand)
    assert np.linalg.matrix_rank(J_hand) == 1
    assert sympy.Matrix([[0, 0, 2**25, 1], [0, 0, 2**25 + 1, 1]]).rank() == 2
    assert res.quantities["float_rank"] == 1 and res.quantities["bfd"] == 2
    sv = np.linalg.svd(J_hand, compute_uv=False)
    assert sv[1] < res.quantities["tolerance"] and res.quantities["tolerance"] == pytest.approx(sv[0] * 4 * 2.0**-52)
    # the threshold is sharp: at b0 = 2^24 float64 still gets rank 2
    half = rg.Network.from_parameters((1, 1, 1), [1, 2**24, 0, 0])
    assert np.linalg.matrix_rank(rg.jacobian(half, X, method="float")) == 2
    # the first violation found (before shrinking) came from the random stage with huge magnitudes
    assert res.original.family.startswith("lograndom 1-1-1 n=2")
    assert max(abs(v) for v in res.original.net.parameters()) > 2**40


def test_no_dead_full_rank_refutation_recomputed(found):
    res = found["no-dead-full-rank"]
    net, X = res.case.net, res.case.inputs
    assert rg.activation_patterns(net, X).tolist() == [[True], [True]]  # the neuron is never dead
    J = rg.jacobian(net, X)
    assert [[str(v) for v in row] for row in J] == [["0", "0", "1", "1"], ["0", "0", "1", "1"]]
    n, nL, N, H = 2, 1, 4, 1
    assert res.quantities["bound"] == min(n * nL, N - H) == 2
    assert res.quantities["bfd"] == 1 and res.quantities["dead_neurons"] == []
    # found by the exhaustive grid: W0 = 0, b0 = 1, W1 = 0, b1 = -1 on the default batch {-5/3, 1/2}
    assert res.original.family == "grid 1-1-1 {-1,0,1} n=2" and res.original.index == 48
    assert [str(v) for v in res.original.net.parameters()] == ["0", "1", "0", "-1"]
    assert res.original.inputs == ((F(-5, 3),), (F(1, 2),))


def test_patterns_determine_bfd_refutation_recomputed(found):
    res = found["patterns-determine-bfd"]
    net, X = res.case.net, res.case.inputs
    witness = rg.Network.from_dict(res.quantities["witness_network"])
    assert witness != net
    assert (rg.activation_patterns(witness, X) == rg.activation_patterns(net, X)).all()
    assert (
        sympy_rank(rg.jacobian(witness, X))
        == rg.batch_functional_dimension(witness, X)
        == res.quantities["witness_bfd"]
        == 2
    )
    assert sympy_rank(rg.jacobian(net, X)) == res.quantities["bfd"] == 1


@pytest.mark.parametrize("name", FALSE)
def test_pinned_example_is_locally_minimal(found, name):
    """No sample, neuron or nonzero number can be dropped (set to 0) and still refute the conjecture."""
    case = found[name].case
    net, X = case.net, case.inputs
    assert violates(name, case)
    tried = 0
    for i in range(len(X)):
        assert not violates(name, case.replace(inputs=X[:i] + X[i + 1 :]))
        tried += 1
    for k, w in enumerate(net.hidden_widths):
        for i in range(w if w > 1 else 0):
            assert not violates(name, case.replace(net=net.without_neuron(k, i)))
            tried += 1
    params = list(net.parameters())
    for p, v in enumerate(params):
        if v != 0:
            zeroed = rg.Network.from_parameters(net.widths, params[:p] + [0] + params[p + 1 :])
            assert not violates(name, case.replace(net=zeroed))
            tried += 1
    for i, x in enumerate(X):
        for j, v in enumerate(x):
            if v != 0:
                y = x[:j] + (F(0),) + x[j + 1 :]
                if y in X:  # samples must stay distinct: not an admissible batch
                    continue
                assert not violates(name, case.replace(inputs=X[:i] + (y,) + X[i + 1 :]))
                tried += 1
    assert tried >= 3


# --------------------------------------------------------------------------------------- true conjecture


def test_symmetry_invariance_survives_its_budget():
    res = search(CONJECTURES["symmetry-invariance"], budget=2000, seed=0)
    assert res.expected == "true" and not res.found and res.case is None
    assert res.cases_tried == 2000  # the whole budget was evaluated
    assert res.degenerate == 101  # of which outside the hypotheses (zero pre-activations)
    assert [s["widths"] for s in res.sizes][:3] == [[1, 1, 1]] * 3
    assert res.to_dict()["found"] is False


@pytest.mark.slow
def test_symmetry_invariance_survives_a_large_budget():
    conj = CONJECTURES["symmetry-invariance"]
    res = search(conj, budget=20000, seed=1, jobs=2)
    planned = sum(len(f) for _, _, f in search_plan(conj, 20000, seed=1))
    assert not res.found and res.cases_tried == planned > 10000  # every size of the plan, all cases


# ---------------------------------------------------------------------------------- files and round trip


@pytest.mark.parametrize("name", FALSE)
def test_counterexample_json_round_trip_and_cli_recheck(found, name, tmp_path, capsys):
    res = found[name]
    path = tmp_path / f"{name}.json"
    write_counterexample(res, path)
    case, data = read_counterexample(path)
    assert case == res.case  # network, batch, seed and provenance
    assert data["format"] == "relugeom-counterexample" and data["version"] == 1
    assert data["conjecture"] == name and data["quantities"] == json.loads(json.dumps(res.quantities))
    assert data["size"] == {
        "widths": [1, 1, 1],
        "num_samples": 2,
        "max_abs_numerator": max(abs(v.numerator) for v in case.net.parameters() + sum(case.inputs, ())),
        "max_denominator": 1,
    }
    assert (
        Case(
            rg.Network.from_dict(data["original"]["network"]),
            tuple(tuple(F(v) for v in x) for x in data["original"]["inputs"]),
        ).net
        == res.original.net
    )
    assert data["search"]["cases_tried"] == res.cases_tried and data["search"]["seed"] == 0
    # `relugeom dim CE.json` re-checks it: the same exact BFD
    capsys.readouterr()
    assert cli_main(["dim", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["bfd"] == data["quantities"]["bfd"]


# the command each counterexample file names under "recheck", and the starts of lines (blanks squeezed) that
# command prints when the file's claim holds
RECHECK = {
    "float-rank": ("dim {} --compare", ["BFD 2", "float64 float64 says 1 but the exact BFD is 2"]),
    "no-dead-full-rank": ("dim {}", ["BFD 1", "bound n·n_L 2", "bound N − H 3", "dead neurons none"]),
    "patterns-determine-bfd": ("dim {}", ["BFD 1"]),
    "cffd-full": ("cffd {}", ["CFFD (exact) 2 (certified)", "N − H 3 (deficit 1"]),
    "cffd-full-nonzero": ("cffd {}", ["CFFD (exact) 3 (certified)", "N − H 5 (deficit 2"]),
}


def _recheck_output(data: dict, capsys) -> list[str]:
    """Run the file's "recheck" command through the CLI (exit code 0); its stdout lines, blanks squeezed."""
    argv = shlex.split(data["recheck"])
    assert argv[0] == "relugeom"
    capsys.readouterr()
    assert cli_main(argv[1:]) == 0
    return [" ".join(line.split()) for line in capsys.readouterr().out.splitlines()]


@pytest.mark.parametrize("name", FALSE)
def test_counterexample_file_names_the_command_that_rechecks_its_claim(found, name, tmp_path, capsys):
    path = tmp_path / f"{name}.json"
    write_counterexample(found[name], path)
    data = json.loads(path.read_text())
    command, shows = RECHECK[name]
    assert data["recheck"] == "relugeom " + command.format(path)
    out = _recheck_output(data, capsys)
    for start in shows:
        assert any(line.startswith(start) for line in out), start
    q = data["quantities"]
    if name == "float-rank":  # the claim: float64's rank differs from the exact BFD; --compare shows both
        capsys.readouterr()
        assert cli_main(shlex.split(data["recheck"])[1:] + ["--json"]) == 0
        doc = json.loads(capsys.readouterr().out)
        assert (doc["bfd"], doc["float_bfd"], doc["float_agrees"]) == (q["bfd"], q["float_rank"], False)
    assert data["recheck_shows"].startswith(f"BFD {q['bfd']}")
    if name == "patterns-determine-bfd":  # the witness is named, with its BFD
        assert (
            "witness θ' (quantities.witness_network" in data["recheck_shows"] and "has BFD 2" in data["recheck_shows"]
        )


@pytest.mark.parametrize("name", tuple(RECHECK)[3:])
def test_search_prints_the_recheck_command_and_it_confirms_the_claim(name, tmp_path, capsys):
    path = tmp_path / "ce file.json"  # a space: the command quotes the path
    capsys.readouterr()
    assert cli_main(["search", name, "--out", str(path)]) == 0
    printed = capsys.readouterr().out
    data = json.loads(path.read_text())
    assert data["recheck"] == "relugeom " + RECHECK[name][0].format(shlex.quote(str(path)))
    assert f"re-check with: {data['recheck']}\n  it shows: {data['recheck_shows']}" in printed
    q = data["quantities"]
    assert data["recheck_shows"].startswith(f"CFFD (exact) {q['cffd']}, N − H {q['N_minus_H']}")
    out = _recheck_output(data, capsys)
    for start in RECHECK[name][1]:
        assert any(line.startswith(start) for line in out), start
    # the --json output of search carries the same command
    assert cli_main(["search", name, "--out", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["recheck"] == data["recheck"]


def test_recheck_fields_follow_the_conjecture_or_the_quantities():
    assert recheck_fields({"bfd": 3}, "a.json") == {"recheck": "relugeom dim a.json", "recheck_shows": "BFD 3"}
    assert (
        recheck_fields({"bfd": 3, "at_zero": "active"}, "a.json")["recheck"] == "relugeom dim a.json --at-zero active"
    )
    assert recheck_fields({"norm": "1/2"}, "a.json")["recheck"] is None  # no command re-checks this claim
    explicit = recheck_fields({"bfd": 3, "margin": "1/2"}, "a b.json", template="measures {file} --json")
    assert explicit["recheck"] == "relugeom measures 'a b.json' --json"
    assert explicit["recheck_shows"] == 'what the check computed: bfd 3, margin "1/2"'


def test_write_refuses_an_empty_result(tmp_path):
    res = search(CONJECTURES["symmetry-invariance"], budget=50)
    with pytest.raises(rg.RelugeomError, match="no counterexample"):
        write_counterexample(res, tmp_path / "x.json")
    (tmp_path / "net.json").write_text(json.dumps(rg.Network.from_layers([([[1]], [0])]).to_dict()))
    with pytest.raises(rg.FormatError):
        read_counterexample(tmp_path / "net.json")


# ------------------------------------------------------------------------------- determinism, scale-out


def _comparable(res) -> dict:
    d = res.to_dict()
    d["search"].pop("seconds")
    return d


def test_jobs_2_gives_the_serial_result(found):
    for name in ("float-rank", "no-dead-full-rank"):
        t0 = time.perf_counter()
        par = search(CONJECTURES[name], budget=2000, seed=0, jobs=2)
        t_par = time.perf_counter() - t0
        assert _comparable(par) == _comparable(found[name])
        print(f"{name}: jobs=1 {found[name + ':seconds']:.2f} s, jobs=2 {t_par:.2f} s")
    t1 = search(CONJECTURES["symmetry-invariance"], budget=1000, jobs=1)
    t2 = search(CONJECTURES["symmetry-invariance"], budget=1000, jobs=2)
    assert _comparable(t1) == _comparable(t2)


def test_resume_from_state_file(found, tmp_path):
    state = tmp_path / "state.jsonl"
    first = search(CONJECTURES["float-rank"], budget=2000, seed=0, state=state)
    assert _comparable(first) == _comparable(found["float-rank"])
    lines = state.read_text().splitlines()
    assert len(lines) == 11  # units of 50: grid 81 (2), random 300 (6), grid 81 (2), violating unit
    # a rerun evaluates nothing new and gives the same result
    again = search(CONJECTURES["float-rank"], budget=2000, seed=0, state=state)
    assert _comparable(again) == _comparable(first)
    assert state.read_text().splitlines() == lines
    # interrupted before the violating unit: resumes, finds the same counterexample
    state.write_text("\n".join(lines[:7]) + "\n")
    resumed = search(CONJECTURES["float-rank"], budget=2000, seed=0, state=state)
    assert _comparable(resumed) == _comparable(first)
    assert len(state.read_text().splitlines()) == 11


def test_other_seed_is_reproducible():
    a = search(CONJECTURES["float-rank"], budget=2000, seed=5)
    b = search(CONJECTURES["float-rank"], budget=2000, seed=5)
    assert a.found and _comparable(a) == _comparable(b)
    assert a.quantities["float_rank"] != a.quantities["bfd"]


def test_dask_cluster_gives_the_serial_result(found):
    pytest.importorskip("distributed")
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            res = search(CONJECTURES["no-dead-full-rank"], budget=2000, seed=0, scheduler=client)
    assert _comparable(res) == _comparable(found["no-dead-full-rank"])


# ------------------------------------------------------------------------------------ plan, shrink, family


def _ok(case: Case) -> Outcome:
    return Outcome("ok")


def _output_bias_positive(case: Case) -> Outcome:
    b = case.net.biases[-1][0]
    return Outcome("violation" if b > 0 else "ok", {"bias": str(b)})


def _two_samples_and_big_weight(case: Case) -> Outcome:
    big = max(abs(v) for v in case.net.parameters())
    return Outcome("violation" if len(case.inputs) >= 2 and big >= 100 else "ok", {"max": str(big)})


def test_plan_respects_the_budget_and_skips_whole_grids():
    conj = Conjecture(
        "always-true",
        "Nothing fails.",
        _ok,
        expected="true",
        sizes=(((1, 1, 1), 2), ((1, 2, 1), 2), ((2, 1, 1), 3)),
        random_cases=100,
    )
    for budget in (0, 50, 81, 181, 300, 500, 3000):
        plan = search_plan(conj, budget)
        assert sum(len(f) for _, _, f in plan) <= budget
        assert all(len(f) in (81, 2187, 243) for _, kind, f in plan if kind == "grid")
    # budget 600: (1,2,1)'s grid of 2187 does not fit and is skipped whole; (2,1,1)'s 243 still fit
    kinds = [(size[0], kind, len(f)) for size, kind, f in search_plan(conj, 600)]
    assert kinds == [
        ((1, 1, 1), "grid", 81),
        ((1, 1, 1), "random", 100),
        ((1, 2, 1), "random", 100),
        ((2, 1, 1), "grid", 243),
        ((2, 1, 1), "random", 76),
    ]
    res = search(conj, budget=600)
    assert not res.found and res.cases_tried == 600


def test_shrink_reaches_the_simplest_violation():
    net = rg.Network.from_layers([([["3/7"], [5], [-2]], ["11/3", 1, 4]), ([[1, "-7/2", "2/9"]], [713])])
    case = Case(net, ((F(-5, 3),), (F(9, 4),), (F(1, 2),)))
    small = shrink(_two_samples_and_big_weight, case)
    assert small.net.widths == (1, 1, 1) and len(small.inputs) == 2
    assert [str(v) for v in small.net.parameters()] == ["0", "0", "0", "128"]  # least power of 2 >= 100
    assert small.inputs == ((F(0),), (F(1),))
    not_violating = Case(rg.Network.from_layers([([[1]], [0]), ([[1]], [-1])]), ((F(1),),))
    with pytest.raises(rg.RelugeomError, match="needs a case that violates"):
        shrink(_output_bias_positive, not_violating)


def test_simpler_numbers_are_strictly_simpler():
    for v in (F(7, 3), F(-12), F(3, 8), F(2**55 + 3, 7), F(3, 5 * 2**40)):
        cands = simpler_numbers(v)
        assert cands[0] == 0 and v not in cands
        height = max(abs(v.numerator), v.denominator)
        assert all(max(abs(c.numerator), c.denominator) <= height for c in cands)
    assert F(2**55) in simpler_numbers(F(2**55 + 3))


def test_log_random_family_is_deterministic_and_picklable():
    fam = LogRandomFamily((2, 2, 1), num_samples=4, count=30, seed=9, max_exponent=40)
    assert pickle.loads(pickle.dumps(fam)).case(17) == fam.case(17)
    mags = [abs(v) for i in range(30) for v in fam.case(i).net.parameters() if v]
    assert max(mags) > 2**30 and min(mags) < 2**-30
    for i in range(30):
        X = fam.case(i).inputs
        assert len(set(X)) == len(X) == 4


def test_conjectures_are_well_formed():
    assert {"float-rank", "no-dead-full-rank", "patterns-determine-bfd", "symmetry-invariance"} <= set(CONJECTURES)
    for name, c in CONJECTURES.items():
        assert c.name == name and c.expected in ("true", "false") and c.statement.endswith(".")
        assert pickle.loads(pickle.dumps(c.check)) is c.check
    with pytest.raises(ValueError):
        Conjecture("Not Kebab", "x.", _ok)


# ------------------------------------------------------------------------------------------- the example


def test_example_03_prints_the_pinned_refutations(capsys):
    results = runpy.run_path(str(EXAMPLES / "03_counterexamples.py"))["main"]()
    assert set(results) == set(PINNED)
    for name, (widths, params, inputs, tried) in PINNED.items():
        res = results[name]
        assert res.case.net.widths == widths and list(res.case.net.parameters()) == [F(p) for p in params]
        assert res.case.inputs == tuple(tuple(F(v) for v in x) for x in inputs) and res.cases_tried == tried
    out = capsys.readouterr().out
    assert "b0 = ['33554432']" in out and "exact BFD 2, float64 rank 1" in out
    assert "BFD 1 here and 2 at the witness" in out


# ------------------------------------------------------------------ CFFD conjectures (exact regions)

# (widths, parameters, inputs, cases tried with seed 0 and the default budget, as `relugeom search`):
# the shrunk refutations of "CFFD = N − H"
PINNED_CFFD = {
    "cffd-full": ((1, 1, 1), [-1, 0, 0, 0], [[-1]], 4),
    "cffd-full-nonzero": ((1, 2, 1), [-1, -1, -1, -1, -1, -1, 0], [[0]], 182),
}


def sympy_cffd(net: rg.Network, X) -> int:
    """An independent CFFD check: sympy differentiates F_θ(x) symbolically in θ (Heaviside for relu')
    and ranks the stacked rows at the given points."""
    theta = sympy.symbols(f"t0:{net.num_params}")
    values = dict(zip(theta, [sympy.Rational(p.numerator, p.denominator) for p in net.parameters()]))
    rows = []
    for x in X:
        a = [sympy.Rational(v.numerator, v.denominator) for v in x]
        pos = 0
        for k, (n_in, n_out) in enumerate(zip(net.widths[:-1], net.widths[1:])):
            W = [[theta[pos + i * n_in + j] for j in range(n_in)] for i in range(n_out)]
            b = theta[pos + n_out * n_in : pos + n_out * n_in + n_out]
            pos += n_out * (n_in + 1)
            z = [sum(W[i][j] * a[j] for j in range(n_in)) + b[i] for i in range(n_out)]
            a = z if k == net.num_layers - 1 else [sympy.Max(0, v) for v in z]
        for out in a:
            grad = [sympy.diff(out, t).subs(values) for t in theta]
            rows.append([sympy.nsimplify(g.replace(sympy.Heaviside, lambda v, *_: 1 if v > 0 else 0)) for g in grad])
    return sympy.Matrix(rows).rank()


@pytest.mark.parametrize("name", tuple(PINNED_CFFD))
def test_cffd_conjectures_are_refuted_by_the_pinned_minimal_examples(name):
    widths, params, inputs, tried = PINNED_CFFD[name]
    res = search(CONJECTURES[name], seed=0)
    assert res.found and res.case.net.widths == widths and res.cases_tried == tried
    assert list(res.case.net.parameters()) == [F(p) for p in params]
    assert res.case.inputs == tuple(tuple(F(v) for v in x) for x in inputs)
    q = res.quantities
    net = res.case.net
    assert q["N_minus_H"] == net.num_params - net.num_hidden and q["cffd"] < q["N_minus_H"]
    star = [tuple(F(v) for v in x) for x in q["cffd_batch"]]
    assert q["cffd"] == rg.computable_full_functional_dimension(net) == sympy_cffd(net, star)
    # the stacked batch is maximal: a large random batch adds nothing
    est = rg.estimate_cffd(net, sizes=(256,), seed=1, scale=3.0, exact=q["cffd"])
    assert est.bfds == (q["cffd"],)


def test_cffd_hidden_symmetries_by_hand():
    # twin neurons: F = (W1_0 + W1_1) relu(-x - 1): 3 functional parameters, N − H = 5
    twins = rg.Network.from_parameters((1, 2, 1), [-1, -1, -1, -1, -1, -1, 0])
    assert rg.computable_full_functional_dimension(twins) == 3
    # untie the twins and the hidden symmetry disappears
    untied = rg.Network.from_parameters((1, 2, 1), [-1, -2, -1, -1, -1, -1, 0])
    assert rg.computable_full_functional_dimension(untied) == 5
    # no (1, 1, 1) network over {−1, 0, 1} with a nonzero weight and a used neuron refutes the statement
    res = search(CONJECTURES["cffd-full-nonzero"], seed=0)
    assert res.cases_tried > 81 and res.original.net.widths == (1, 2, 1)
    # two opposite neurons on one hyperplane: relu(x − 3/5) + relu(3/5 − x) = |x − 3/5| has 4 functional
    # parameters (a breakpoint, two slopes, an offset), not N − H = 5
    kink = rg.Network.from_parameters((1, 2, 1), [1, -1, F(-3, 5), F(3, 5), 1, 1, 0])
    assert rg.computable_full_functional_dimension(kink) == 4
    # a neuron active on all of R: relu(x) + 1 is affine in its inputs, CFFD 3 < N − H = 4
    always_on = rg.Network.from_layers([([[1]], [0]), ([[1]], [1]), ([[1]], [0])])
    out = CONJECTURES["cffd-full-nonzero"].check(Case(always_on, ((F(1),),)))
    assert (out.status, out.quantities["cffd"], out.quantities["N_minus_H"]) == ("violation", 3, 4)
    star = [tuple(F(v) for v in x) for x in out.quantities["cffd_batch"]]
    assert sympy_cffd(always_on, star) == 3
