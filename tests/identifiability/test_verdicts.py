"""Local identifiability (SPEC §9, [BBM22]): hand verdicts, and the Gram route against explicit paths.

Oracles: the SPEC's (1, 2, 1) example worked by hand (α's rows are written out below); α built path by
path (:func:`relugeom.proofs.t8_identifiability.path_activation_matrix`, no Gram matrix) with its rank from
sympy; R_Γ from J's free columns by sympy (not from the BFD).
"""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
import sympy
from helpers import HAND_LAYERS, run_cli, write_files
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import relugeom as rg
from relugeom.core.forward import exact_pass
from relugeom.core.patterns import layer_patterns
from relugeom.identifiability.paths import num_paths, path_gram, path_rank, pattern_dependencies
from relugeom.identifiability.verdicts import degenerate_set, fixed_edges, local_identifiability
from relugeom.proofs.t8_identifiability import expected_verdict, path_activation_matrix

HAND = rg.Network.from_layers(HAND_LAYERS)  # relu(x) + relu(x − 1): N = 7, H = 2


# ------------------------------------------------------------------------------ the SPEC's hand cases

# α's rows for HAND are (x·a0, x·a1, a0, a1, 1) with a0 = [x > 0], a1 = [x > 1]:
#   {−1, −1/2, 1/2, 7/10, 2, 3}: rows (0,0,0,0,1) ×2, (x,0,1,0,1) ×2, (x,x,1,1,1) ×2 → rank 1 + 2 + 2 = 5
#   {2, 3, 4, 5}: (x, x, 1, 1, 1) only → rank 2;  {1/2, 7/10, 2, 3}: rank 2 + 2 = 4;  {−1, 1/2, 2}: rank 3.
# BFD from SPEC §3: 5, 2, 4, 3; N − H = 5; HAND is not in S.
HAND_CASES = [
    ([-1, "-1/2", "1/2", "7/10", 2, 3], 5, 5, "identifiable"),
    ([2, 3, 4, 5], 2, 2, "not identifiable"),
    (["1/2", "7/10", 2, 3], 4, 4, "not identifiable"),
    ([-1, "1/2", 2], 3, 3, "not identifiable"),
]


@pytest.mark.parametrize("X, rank_gamma, rank_alpha, verdict", HAND_CASES)
def test_spec_example_by_hand(X, rank_gamma, rank_alpha, verdict):
    rep = local_identifiability(HAND, X)
    assert (rep.verdict, rep.rank_gamma, rep.rank_alpha, rep.n_minus_h) == (verdict, rank_gamma, rank_alpha, 5)
    assert rep.bfd == rank_gamma and rep.certified and rep.in_s == ()
    assert rep.condition_s == (verdict == "identifiable")
    assert rep.condition_n == (verdict == "identifiable")  # every "not identifiable" here is C_N failing
    assert rep.num_samples == len(X) and rep.num_paths == 4


def test_hand_gram_matrix():
    # rows (1/2, 0, 1, 0, 1) and (2, 2, 1, 1, 1): α αᵀ = [[9/4, 3], [3, 11]], scaled by d² = 4
    G, scale = path_gram(HAND, ["1/2", 2])
    assert scale == 4 and G.tolist() == [[9, 12], [12, 44]]


def test_pattern_dependencies_are_the_gram_kernel_on_one_pattern():
    # {2, 3, 4, 5}: one pattern, rows (x, 1) in R^2: 4 − 2 = 2 dependencies, and G = α αᵀ has rank 2
    X = [2, 3, 4, 5]
    ep = exact_pass(HAND, X)
    hints = pattern_dependencies(ep.inputs[0], ep.input_dens[0], layer_patterns(ep.pre))
    G = sympy.Matrix(path_gram(HAND, X)[0].tolist())
    assert len(hints) == 2 and all(G * sympy.Matrix(h) == sympy.zeros(4, 1) for h in hints)
    assert path_rank(HAND, X).certificate.kind == "affine dependencies among samples of one pattern"


def test_verdict_grows_with_the_batch():
    X = [2, 3, -1, "1/2", "-1/2", "7/10"]
    verdicts = [local_identifiability(HAND, X[:k]).verdict for k in range(2, 7)]
    assert verdicts == ["not identifiable"] * 4 + ["identifiable"]


def test_undecided_case_from_the_random_family():
    # found by the T8 family 'random 1-2-2-2 n=5 seed=84', case 2; ranks re-derived here by sympy
    net = rg.Network.from_layers(
        [
            ([["-16/3"], [-4]], [0, 1]),
            ([[2, "-7/5"], [-10, "7/6"]], ["-12/5", "-9/5"]),
            ([[-11, -3], ["-4/5", -4]], ["4/5", "-4/3"]),
        ]
    )
    X = [["-5/3"], ["9/2"], [4], [3], [-2]]
    rep = local_identifiability(net, X)
    alpha = sympy.Matrix(path_activation_matrix(net, X))
    J = sympy.Matrix(rg.jacobian(net, X).tolist())
    free = [c for c in range(net.num_params) if c not in set(fixed_edges(net))]
    assert (rep.rank_gamma, rep.rank_alpha, rep.n_minus_h) == (J[:, free].rank(), 2 * alpha.rank(), 12)
    assert (rep.rank_gamma, rep.rank_alpha) == (5, 6) and rep.verdict == "undecided"
    assert "neither condition decides" in rep.reason


# ------------------------------------------------------------------------------------------ the set S


def test_zero_outgoing_weights_put_theta_in_s():
    net = rg.Network.from_layers([([[1], [1]], [0, -1]), ([[1, 0]], [0])])
    rep = local_identifiability(net, [-1, "-1/2", "1/2", "7/10", 2, 3])
    assert rep.verdict == "not identifiable" and rep.in_s[0].describe() == "neuron (0, 1) has all outgoing weights 0"
    # R_Γ straight from the free columns (the fixed edge of neuron 1 is W1[0][0], the first of the zeros… ties:
    # |0| = |0| is not a tie here: W1 = [[1, 0]] has one row, so each neuron's fixed edge is its only weight)
    J = sympy.Matrix(rg.jacobian(net, [-1, "-1/2", "1/2", "7/10", 2, 3]).tolist())
    free = [0, 1, 2, 3, 6]
    assert rep.rank_gamma == J[:, free].rank() == 3 and "free columns" in rep.gamma_from


def test_zero_incoming_vector_needs_a_convention():
    net = rg.Network.from_layers([([[1], [0]], [0, 0]), ([[1, 1]], [0])])
    with pytest.raises(rg.DegeneratePointError, match="sample 0"):
        local_identifiability(net, [1, 2])
    rep = local_identifiability(net, [1, 2], at_zero="inactive")
    assert rep.verdict == "not identifiable" and [s.why for s in rep.in_s] == ["incoming"]


def test_degenerate_batch_is_refused_naming_the_neuron():
    with pytest.raises(rg.DegeneratePointError) as err:
        local_identifiability(HAND, [2, 1])  # x = 1: neuron (0, 1) has pre-activation 0
    assert "sample 1" in str(err.value) and "neuron 1" in str(err.value)


def test_fixed_edges_take_the_largest_outgoing_weight():
    net = rg.Network.from_layers([([[1], [1]], [0, -1]), ([[1, 2], [-3, 2]], [0, 0])])
    # W1 starts at parameter 4: W1[o][i] is 4 + 2·o + i; neuron 0: |−3| at o = 1 → 6; neuron 1: tie 2, 2 → o = 0 → 5
    assert fixed_edges(net) == (6, 5)
    assert degenerate_set(net) == ()


# -------------------------------------------------------------------------- methods and their agreement


@pytest.mark.parametrize("method", ["modular", "float"])
def test_fast_methods_agree_on_the_hand_cases(method):
    for X, rank_gamma, rank_alpha, verdict in HAND_CASES:
        rep = local_identifiability(HAND, X, method)
        assert (rep.verdict, rep.rank_gamma, rep.rank_alpha) == (verdict, rank_gamma, rank_alpha)
        assert not rep.certified and rep.method == method


# ---------------------------------------------------------------- the Gram route against explicit paths


def _random_case(widths, seed, n):
    net = rg.Network.random_rational(widths, seed=seed)
    rng = np.random.default_rng(seed)
    X = [[Fraction(int(rng.integers(-9, 10)), int(rng.integers(1, 4))) for _ in range(widths[0])] for _ in range(n)]
    return net, X


SHAPES = [(1, 2, 1), (2, 2, 1), (1, 2, 2, 2), (2, 3, 2, 1), (2, 1, 2, 1, 1), (3, 2, 1)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shape=st.sampled_from(SHAPES), seed=st.integers(0, 10_000), n=st.integers(1, 7))
def test_gram_matrix_is_alpha_alpha_transpose(shape, seed, n):
    net, X = _random_case(shape, seed, n)
    try:
        alpha = sympy.Matrix(path_activation_matrix(net, X))
    except rg.DegeneratePointError:
        return
    G, scale = path_gram(net, X)
    assert sympy.Matrix(G.tolist()) / scale == alpha * alpha.T
    assert alpha.shape[1] == num_paths(net.widths) + 1
    assert path_rank(net, X).rank == alpha.rank()
    ep = exact_pass(net, X)
    hints = pattern_dependencies(ep.inputs[0], ep.input_dens[0], layer_patterns(ep.pre))
    assert all(sympy.Matrix([h]) * alpha == sympy.zeros(1, alpha.shape[1]) for h in hints)  # left kernel of α


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shape=st.sampled_from(SHAPES), seed=st.integers(0, 10_000), n=st.integers(1, 7))
def test_report_against_independent_ranks(shape, seed, n):
    net, X = _random_case(shape, seed, n)
    try:
        rep = local_identifiability(net, X)
    except rg.DegeneratePointError:
        return
    J = sympy.Matrix(rg.jacobian(net, X).tolist())
    free = [c for c in range(net.num_params) if c not in set(fixed_edges(net))]
    rank_gamma = J[:, free].rank()
    rank_alpha = net.output_dim * sympy.Matrix(path_activation_matrix(net, X)).rank()
    assert rep.rank_gamma == rank_gamma and rep.rank_alpha == rank_alpha
    assert rank_gamma <= J.rank() <= rank_alpha
    if not degenerate_set(net):
        assert rank_gamma == J.rank() == rep.bfd  # theorem T8 (a)
    assert rep.verdict == expected_verdict(bool(rep.in_s), rank_gamma, rank_alpha, rep.n_minus_h)


def test_num_paths_by_hand():
    # (2, 3, 4, 1): from the inputs 2·3·4 = 24, from layer 1 3·4 = 12, from layer 2 4: 40
    assert num_paths((2, 3, 4, 1)) == 40
    assert num_paths((3, 1)) == 3  # no hidden layer: the inputs themselves


# ----------------------------------------------------------------------------------------------- CLI


def test_cli_text_and_json(tmp_path):
    files = write_files(tmp_path, {"net": HAND}, {"X": [[v] for v in HAND_CASES[0][0]], "Y": [[2], [3], [4], [5]]})
    code, out, err = run_cli(["identifiability", str(files["net"]), "--inputs", str(files["X"])])
    assert code == 0 and err == ""
    assert out.splitlines()[0].split() == ["verdict", "identifiable"]
    code, out, _ = run_cli(["identifiability", str(files["net"]), "--inputs", str(files["Y"]), "--json"])
    d = json.loads(out)
    assert code == 0 and (d["verdict"], d["rank_gamma"], d["rank_alpha"], d["n_minus_h"]) == (
        "not identifiable",
        2,
        2,
        5,
    )
    assert d["certified"] and d["in_s"] == [] and d["num_paths"] == 4


def test_cli_refuses_a_degenerate_batch_in_one_line(tmp_path):
    files = write_files(tmp_path, {"net": HAND}, {"X": [[2], [1]]})
    code, out, err = run_cli(["identifiability", str(files["net"]), "--inputs", str(files["X"])])
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and "sample 1" in err


def test_cli_needs_inputs_for_a_network_file(tmp_path):
    files = write_files(tmp_path, {"net": HAND})
    code, _, err = run_cli(["identifiability", str(files["net"])])
    assert code == 2 and "--inputs is required" in err
