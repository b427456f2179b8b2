"""Case families and the work-unit runner: deterministic, engine-independent, resumable."""

from __future__ import annotations

import io
import itertools
import json
from fractions import Fraction

import pytest

import relugeom as rg
from relugeom.search.families import Case, GridFamily, Outcome, RandomFamily, default_batch
from relugeom.search.workunits import Progress, evaluate_unit, run_units, split, summarize


def output_bias_nonnegative(case: Case) -> Outcome:
    b = case.net.biases[-1][0]
    return Outcome("ok" if b >= 0 else "violation", {"b": str(b)})


def first_weight_positive(case: Case) -> Outcome:
    """Violated by networks whose first parameter is <= 0; raises on degenerate batches."""
    rg.activation_patterns(case.net, case.inputs)
    return Outcome("ok" if case.net.weights[0][0][0] > 0 else "violation")


FAM = GridFamily((1, 1, 1), (-1, 0, 1), inputs=[["1/2"], ["3/2"]])


def strip(results):
    return [{k: v for k, v in r.to_dict().items() if k != "seconds"} for r in results]


def test_grid_family_enumerates_every_network_once():
    nets = [FAM.case(i).net.parameters() for i in range(len(FAM))]
    assert len(FAM) == 3**4 and len(set(nets)) == 81
    assert set(nets) == {tuple(map(Fraction, p)) for p in itertools.product((-1, 0, 1), repeat=4)}
    assert nets[0] == (-1, -1, -1, -1) and nets[1] == (-1, -1, -1, 0) and nets[-1] == (1, 1, 1, 1)
    with pytest.raises(IndexError):
        FAM.case(81)


def test_random_family_is_deterministic_with_distinct_samples():
    fam = RandomFamily((2, 3, 2), num_samples=6, count=20, seed=3)
    again = RandomFamily((2, 3, 2), num_samples=6, count=20, seed=3)
    for i in range(20):
        c = fam.case(i)
        assert c == again.case(i)
        assert len(set(c.inputs)) == 6 and c.net.widths == (2, 3, 2)
    assert fam.case(0) != RandomFamily((2, 3, 2), 6, 20, seed=4).case(0)


@pytest.mark.parametrize("n0", [1, 2, 3])
def test_default_batch_avoids_every_unit_affine_zero(n0):
    X = default_batch(n0, 6)
    assert len(set(X)) == 6
    for x in X:
        for c in itertools.product((-1, 0, 1), repeat=n0 + 1):
            if any(c):
                assert sum(ci * xi for ci, xi in zip(c, x)) + c[-1] != 0


def test_split_covers_the_family_in_order():
    units = split("t", output_bias_nonnegative, FAM, unit_size=20)
    assert [(u.start, u.stop) for u in units] == [(0, 20), (20, 40), (40, 60), (60, 80), (80, 81)]
    assert len({u.key for u in units}) == 5


def test_counts_match_a_direct_scan():
    totals = summarize(run_units(split("t", first_weight_positive, FAM, 17)))["t"]
    # W0 = 0 with b0 = 0 makes the neuron's pre-activation 0 on both samples: 9 networks are degenerate
    direct = [FAM.case(i).net.parameters() for i in range(81)]
    degenerate = sum(1 for p in direct if p[0] == 0 and p[1] == 0)
    violations = sum(1 for p in direct if p[0] <= 0 and not (p[0] == 0 and p[1] == 0))
    assert (totals["degenerate"], totals["violations"]) == (degenerate, violations) == (9, 45)
    assert totals["checked"] == 81 - 9


def test_stop_on_violation_returns_the_first_violation_in_index_order():
    fam = GridFamily((1, 1, 1), (1, 2, -1), inputs=[["1/2"]])
    first_bad = next(i for i in range(len(fam)) if fam.case(i).net.biases[-1][0] < 0)
    for jobs in (1, 2):
        res = run_units(split("t", output_bias_nonnegative, fam, 7), jobs=jobs, stop_on_violation=True)
        assert res[-1].violations == 1 and all(r.violations == 0 for r in res[:-1])
        assert res[-1].first_violation["case"]["index"] == first_bad == 2


def test_process_pool_gives_the_serial_results():
    units = split("t", first_weight_positive, FAM, 10)
    assert strip(run_units(units, jobs=2)) == strip(run_units(units))


def test_state_file_resumes_without_recomputing(tmp_path):
    state = tmp_path / "state.jsonl"
    units = split("t", first_weight_positive, FAM, 10)
    full = run_units(units, state=state)
    lines = state.read_text().splitlines()
    assert len(lines) == len(units)
    state.write_text("\n".join(lines[:3]) + "\n")  # an interrupted run: 3 units done
    calls = []

    def counting(case):
        calls.append(case.index)
        return first_weight_positive(case)

    resumed_units = [type(u)(u.task, counting, u.family, u.start, u.stop) for u in units]
    resumed = run_units(resumed_units, state=state)
    assert strip(resumed) == strip(full)
    assert min(calls) == 30 and len(calls) == 51  # only units 3 … 8 ran again
    assert len(state.read_text().splitlines()) == len(units)


def test_degenerate_point_errors_count_as_degenerate():
    fam = GridFamily((1, 1, 1), (0,), inputs=[["1/2"]])  # the single network: all zero, degenerate
    r = evaluate_unit(split("t", first_weight_positive, fam)[0])
    assert (r.checked, r.degenerate, r.violations) == (0, 1, 0)


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_draws_on_a_terminal_only():
    term = FakeTerminal()
    res = run_units(split("t", output_bias_nonnegative, FAM, 40), progress=False)
    bar = Progress(len(res), stream=term)
    for r in res:
        bar.update(r)
    bar.close()
    assert "3/3 units, 27 violations" in term.getvalue()
    quiet = io.StringIO()
    bar = Progress(3, stream=quiet)
    bar.update(res[0])
    assert quiet.getvalue() == ""


def test_unit_results_round_trip_through_json():
    r = run_units(split("t", output_bias_nonnegative, FAM, 81))[0]
    assert type(r).from_dict(json.loads(json.dumps(r.to_dict()))) == r


def test_dask_local_cluster_gives_the_serial_results():
    distributed = pytest.importorskip("distributed")
    units = split("t", first_weight_positive, FAM, 10)
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        assert strip(run_units(units, scheduler=client)) == strip(run_units(units))
        stopped = run_units(units, scheduler=cluster.scheduler_address, stop_on_violation=True)
    assert stopped[-1].violations == 1 and stopped[-1].first_violation["case"]["index"] == 0
