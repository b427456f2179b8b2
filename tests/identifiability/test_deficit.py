"""explain_deficit: hand cases derived below, the sum law against independent oracles, the attribution order,
and the kernel completion of ``linalg.exact``.

The oracle Jacobian here is built by exact difference quotients of a plain Fraction forward pass (SPEC §3:
inside a region F is affine in each single parameter, so a small enough rational step gives a column
exactly), and ranks, kernels and independence are decided by sympy: nothing of relugeom's Jacobian or
rank engines is used to judge it.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy
from helpers import HAND_LAYERS, naive_forward, naive_pre_activations, qq_rank, sympy_matrix
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import relugeom as rg
from relugeom.dimension.kernels import rescaling_vectors
from relugeom.exceptions import DegeneratePointError, InvalidArgumentError, RelugeomError
from relugeom.identifiability.deficit import MECHANISMS, explain_deficit
from relugeom.identifiability.mechanisms import neuron_columns
from relugeom.linalg.exact import complete_kernel
from relugeom.linalg.source import DenseRational

HAND = rg.Network.from_layers(HAND_LAYERS)


# ------------------------------------------------------------------------------------------ oracles
def _signs(net, x):
    return [[v > 0 for v in z] for z in naive_pre_activations(net, x)[:-1]]


def oracle_jacobian(net: rg.Network, X) -> sympy.Matrix:
    """J(θ, X) by exact difference quotients of the naive forward pass, the step halved until no sign moves."""
    theta = list(net.parameters())
    rows = []
    for x in X:
        base_signs, base = _signs(net, x), naive_forward(net, x)
        assert all(v != 0 for z in naive_pre_activations(net, x)[:-1] for v in z)
        cols = []
        for c in range(len(theta)):
            h = Fraction(1, 1000)
            while True:
                moved = rg.Network.from_parameters(net.widths, theta[:c] + [theta[c] + h] + theta[c + 1 :])
                if _signs(moved, x) == base_signs:
                    break
                h /= 2
            cols.append([(a - b) / h for a, b in zip(naive_forward(moved, x), base)])
        rows.extend([cols[c][o] for c in range(len(theta))] for o in range(net.output_dim))
    return sympy_matrix(rows)


def in_kernel(J: sympy.Matrix, v) -> bool:
    return J * sympy.Matrix([sympy.Integer(int(t)) for t in v]) == sympy.zeros(J.rows, 1)


def all_vectors(ex):
    return [v for m in ex.mechanisms for v in m.vectors] + list(ex.unexplained)


def assert_accounting(net, X, ex):
    """The three statements of T10 against the oracle: kernel, basis, sum."""
    J = oracle_jacobian(net, X)
    bfd = qq_rank(J)
    N, H = net.num_params, net.num_hidden
    assert ex.rank == bfd
    assert ex.deficit == N - H - bfd
    assert ex.explained + ex.unexplained_dimension == ex.deficit
    for m in ex.mechanisms:
        assert m.name in MECHANISMS and m.dimension == len(m.vectors) > 0
    vectors = all_vectors(ex)
    assert all(in_kernel(J, v) for v in vectors)
    stack = [list(v) for v in rescaling_vectors(net)] + [list(v) for v in vectors]
    assert len(stack) == N - bfd
    assert qq_rank(sympy_matrix(stack)) == len(stack)  # independent, so a basis of ker J


def names(ex):
    return [(m.name, m.neurons, m.dimension) for m in ex.mechanisms]


# ------------------------------------------------------------------------------------------ hand cases
def test_spec_example_always_active_explains_the_whole_deficit():
    # on {2, 3, 4, 5} both neurons are active: F = (w00 + w01) x + ... is affine, J's rows are [x, x, 1, 1,
    # x, x − 1, 1]: rank 2; K (dim 5) lies in the columns of both neurons and b1 (all of them), so the
    # always-active block takes dim K − H = 3.
    X = [[2], [3], [4], [5]]
    ex = explain_deficit(HAND, X)
    assert (ex.rank, ex.deficit) == (2, 3)
    assert names(ex) == [("always-active", ((0, 0), (0, 1)), 3)]
    assert ex.unexplained == () and ex.domain == "batch" and ex.num_samples == 4
    assert_accounting(HAND, X, ex)


def test_spec_example_on_the_line_has_no_deficit():
    ex = explain_deficit(HAND)
    assert (ex.domain, ex.rank, ex.deficit, ex.mechanisms, ex.unexplained) == ("R^n0", 5, 0, (), ())
    assert (ex.num_regions, ex.num_samples) == (3, 6)


def test_dead_neuron_frees_its_inputs_and_outputs_beyond_its_rescaling():
    # (2,3,2,1): neuron (1,0) has z = −a_0 − a_1 − a_2 − 1 < 0 for all inputs (a ≥ 0): dead on R^2. Its
    # n_1 = 3 incoming weights, its bias and its n_3 = 1 outgoing weight have zero columns (T5): 5 unit
    # vectors in K. Their span meets R only in the neuron's own rescaling vector (every other rescaling
    # vector moves a coordinate outside them), so `dead` adds 5 − 1 = n_1 + n_3 = 4.
    net = rg.Network.from_layers(
        [
            ([[1, 0], [0, 1], [1, 1]], [0, 0, -1]),
            ([[-1, -1, -1], [1, 2, -1]], [-1, "1/2"]),
            ([[1, 1]], [0]),
        ]
    )
    ex = explain_deficit(net)
    dead = ex.mechanisms[0]
    assert (dead.name, dead.neurons, dead.dimension) == ("dead", ((1, 0),), 4)
    V = set(neuron_columns(net, 1, 0))
    assert all(all(v[c] == 0 for c in range(net.num_params) if c not in V) for v in dead.vectors)
    assert ex.explained + ex.unexplained_dimension == ex.deficit


def test_twins_act_as_one_neuron():
    # relu(2x − 2) = 2 relu(x − 1): F = (v0 + 2 v1) relu(x − 1) + c has 3 free numbers (the kink, the slope,
    # c), so BFD on two points per side of the kink is 3 and the deficit 5 − 3 = 2 all goes to the twins.
    net = rg.Network.from_layers([([[1], [2]], [-1, -2]), ([[1, 1]], [0])])
    X = [[0], ["1/2"], [2], [3]]
    ex = explain_deficit(net, X)
    assert names(ex) == [("twins", ((0, 0), (0, 1)), 2)]
    assert_accounting(net, X, ex)
    assert names(explain_deficit(net)) == [("twins", ((0, 0), (0, 1)), 2)]


@pytest.mark.parametrize("a", [0, Fraction(1, 3), -2])
def test_opposite_pair_makes_a_linear_piece(a):
    # relu(x − a) + relu(a − x) = |x − a|: 4 free numbers (kink, two slopes, offset) against N − H = 5.
    net = rg.Network.from_layers([([[1], [-1]], [-a, a]), ([[1, 1]], [0])])
    X = [[a - 2], [a - 1], [a + 1], [a + 2]]
    ex = explain_deficit(net, X)
    assert (ex.rank, ex.deficit) == (4, 1)
    assert names(ex) == [("opposite", ((0, 0), (0, 1)), 1)]
    assert_accounting(net, X, ex)
    cffd = explain_deficit(net)
    assert (cffd.rank, names(cffd)) == (4, [("opposite", ((0, 0), (0, 1)), 1)])


def test_always_active_second_layer_neuron():
    # proofs/conjectures.py's cffd_full_nonzero example: z_(1,0) = relu(x) + 1 > 0 everywhere, so
    # b1 + t, b2 − t leaves F unchanged: CFFD 3 < 4 = N − H, one direction, from the always-active block.
    net = rg.Network.from_layers([([[1]], [0]), ([[1]], [1]), ([[1]], [0])])
    ex = explain_deficit(net)
    assert (ex.rank, ex.deficit) == (3, 1)
    assert names(ex) == [("always-active", ((1, 0),), 1)]
    assert_accounting(net, [[-1], [-2], [1], [2]], explain_deficit(net, [[-1], [-2], [1], [2]]))


def test_input_span_of_samples_on_a_line():
    # samples (t, t): the first layer sees x1 − x2 = 0 only, so c = (1, −1, 0) on each of the 2 first-layer
    # neurons is a kernel vector. Along the line the net is a (1,2,1) net with pre-activations t − 1/2 and
    # 2t − 3, and the batch has ≥ 2 points in each of its 3 pieces, so BFD = 5 and the deficit
    # (9 − 2) − 5 = 2 is exactly those two vectors.
    net = rg.Network.from_layers([([[1, 0], [1, 1]], ["-1/2", -3]), ([[1, 1]], [0])])
    X = [[t, t] for t in (-2, -1, 0, 1, Fraction(5, 4), 2, 3, 4)]
    ex = explain_deficit(net, X)
    assert names(ex) == [("input-span", ((0, 0), (0, 1)), 2)]
    assert sorted(ex.mechanisms[0].vectors) == [(0, 0, 1, -1, 0, 0, 0, 0, 0), (1, -1, 0, 0, 0, 0, 0, 0, 0)]
    assert_accounting(net, X, ex)


def test_too_few_rows_is_pattern_rows():
    # 4 samples, 1 output: rank ≤ 4 rows < 5 = N − H. No neuron is dead or always active (neuron 0 is off at
    # 7, neuron 1 off at −4/3), the incoming vectors (−3/2, 1), (1, 0) are not collinear, and (sympy below)
    # the columns of each map are independent on the batch, so no structural direction exists: the deficit
    # 1 is the row limit, ρ_pat = 4 (no affine dependency within a pattern) < 5.
    net = rg.Network.from_layers([([["-3/2"], [1]], [1, 0]), ([["3/2", "1/2"]], [2])])
    X = [[7], ["-4/3"], ["-9/5"], ["2/5"]]
    J = oracle_jacobian(net, X)
    assert qq_rank(J[:, 0:4]) == 4 and qq_rank(J[:, 4:7]) == 3
    ex = explain_deficit(net, X)
    assert names(ex) == [("pattern-rows", (), 1)]
    assert ex.mechanisms[0].data == {"rho_pat": 4, "structural_bound": 5}
    assert_accounting(net, X, ex)


@pytest.mark.parametrize("listed", [True, False])
def test_pattern_rows_counts_affine_dependencies_within_a_pattern(listed, monkeypatch):
    # the case above plus x = −1, a third sample of pattern (1, 0): three points of R^1 in one pattern have
    # one affine dependency, so ρ_pat = 5 − 1 = 4 < 5 again, and the samples of that pattern are named.
    # With listed=False the dependencies are too many to list (budget 0): the count pattern by pattern of
    # rank [X_r, 1] gives the same ρ_pat here (the first map is live on every pattern).
    import relugeom.identifiability.deficit as deficit_module

    if not listed:
        monkeypatch.setattr(deficit_module, "HINT_MAX_ENTRIES", 0)
    net = rg.Network.from_layers([([["-3/2"], [1]], [1, 0]), ([["3/2", "1/2"]], [2])])
    X = [[7], ["-4/3"], ["-9/5"], ["2/5"], [-1]]
    ex = explain_deficit(net, X)
    (m,) = ex.mechanisms
    assert (m.name, m.dimension, m.samples, m.data) == (
        "pattern-rows",
        1,
        (1, 2, 4),
        {"rho_pat": 4, "structural_bound": 5},
    )
    assert_accounting(net, X, ex)


def test_neuron_support_then_sample_rows():
    # {−1, 1/2, 2} (SPEC §3: BFD 3): map 0's 4 columns see B_0 = [0, 0], [1, 0], [1, 1]: ρ_0 = 2, and its
    # columns [0,0,0,0], [1/2,0,1,0], [2,2,1,1] have rank 2, so 2 directions move map 0 alone: all the deficit.
    # Of those, neuron (0, 1) matters only at x = 2, where its rows (x, 1) = (2, 1) leave (δw, δb) = (1, −2)
    # free: neuron-support, 1. The other moves both neurons: 4x − 2 on neuron 0 (0 at x = 1/2) and −3x on
    # neuron 1 cancel at x = 2 through W1 = (1, 1), where B_0 has rank 1: sample-rows, 1.
    ex = explain_deficit(HAND, [[-1], ["1/2"], [2]])
    assert [(m.name, m.neurons, m.maps, m.dimension) for m in ex.mechanisms] == [
        ("neuron-support", ((0, 1),), (), 1),
        ("sample-rows", (), (0,), 1),
    ]
    assert ex.mechanisms[0].vectors == ((0, 1, 0, -2, 0, 0, 0),)
    assert ex.mechanisms[1].data == {"N_k": 4, "rho_k": 2, "zero_columns": 0}
    assert_accounting(HAND, [[-1], ["1/2"], [2]], ex)


# ------------------------------------------------------------------------------------------ order
def test_dead_twins_are_counted_as_dead_only():
    # on {0, 1/2} both twins are dead: each frees n_0 + n_2 = 2 beyond its rescaling; the twin class then
    # adds nothing (its subspace is spanned by the dead neurons' unit vectors) and is not reported.
    net = rg.Network.from_layers([([[1], [2]], [-1, -2]), ([[1, 1]], [0])])
    ex = explain_deficit(net, [[0], ["1/2"]])
    assert names(ex) == [("dead", ((0, 0),), 2), ("dead", ((0, 1),), 2)]
    # 2 dead and the twins; input-span; silent edges of 2 maps; supports of 3 neurons; sample-rows of 2 maps; rows
    assert ex.deficit == 4 and ex.mechanisms_checked == 3 + 1 + 2 + 3 + 2 + 1


def test_always_active_twins_are_counted_as_always_active():
    net = rg.Network.from_layers([([[1], [2]], [-1, -2]), ([[1, 1]], [0])])
    ex = explain_deficit(net, [[2], [3], [4]])
    assert names(ex) == [("always-active", ((0, 0), (0, 1)), 3)]


def test_each_dimension_is_beyond_the_previous_ones():
    # every mechanism's vectors are independent of R and of all earlier mechanisms' vectors
    net = rg.Network.from_layers([([[1], [2], [-1]], [-1, -2, 5]), ([[1, 1, 1]], [0])])
    X = [[t] for t in (-1, 0, "1/2", 2, 3, 6, 7)]
    ex = explain_deficit(net, X)
    stack = [list(v) for v in rescaling_vectors(net)]
    for m in ex.mechanisms:
        before = qq_rank(sympy_matrix(stack))
        stack += [list(v) for v in m.vectors]
        assert qq_rank(sympy_matrix(stack)) == before + m.dimension
    assert [m.name for m in ex.mechanisms][:1] == ["twins"]
    assert_accounting(net, X, ex)


# ------------------------------------------------------------------------------------------ the sum law
_SHAPES = [(1, 2, 1), (2, 2, 1), (1, 3, 1), (1, 2, 2, 1), (2, 2, 2), (1, 1, 2, 1)]
_values = st.sampled_from([Fraction(v) for v in (-2, -1, 0, 1, 2)] + [Fraction(1, 2), Fraction(-3, 2)])


@st.composite
def cases(draw):
    widths = draw(st.sampled_from(_SHAPES))
    net = rg.Network.from_parameters(widths, [draw(_values) for _ in range(rg.core.network.num_parameters(widths))])
    n = draw(st.integers(1, 6))
    point = st.lists(st.fractions(-3, 3, max_denominator=4), min_size=widths[0], max_size=widths[0])
    X = draw(st.lists(point, min_size=n, max_size=n))
    return net, X


@settings(max_examples=40, deadline=None)
@given(cases())
def test_sum_law_kernel_and_independence_against_sympy(case):
    net, X = case
    try:
        ex = explain_deficit(net, X)
    except DegeneratePointError:
        assume(False)
    assert_accounting(net, X, ex)


@settings(max_examples=15, deadline=None)
@given(cases())
def test_sum_law_on_the_regions(case):
    net, _ = case
    try:
        ex = explain_deficit(net)
    except RelugeomError:
        assume(False)
    bfd = rg.batch_functional_dimension(net, _cffd_points(net), method="modular", seed=1)  # an independent rank
    assert ex.rank == bfd and ex.explained + ex.unexplained_dimension == net.num_params - net.num_hidden - bfd


def _cffd_points(net):
    from relugeom.regions import region_decomposition
    from relugeom.regions.cffd import cffd_batch

    return cffd_batch(region_decomposition(net))


# ------------------------------------------------------------------------------------------ refusals, output
def test_refusals():
    with pytest.raises(DegeneratePointError) as err:
        explain_deficit(HAND, [[2], [1]])  # x = 1: neuron (0, 1) is exactly 0
    assert (err.value.sample, err.value.layer, err.value.neuron) == (1, 0, 1)
    with pytest.raises(InvalidArgumentError):
        explain_deficit(HAND, [[2]], box=[(0, 1)])
    zero = rg.Network.from_layers([([[0]], [0]), ([[1]], [0])])
    with pytest.raises(RelugeomError, match="every input is degenerate"):
        explain_deficit(zero)
    # T2's floating pair (degenerate everywhere): with at_zero its rescaling vectors are dependent
    chain = rg.Network.from_layers([([[0]], [0]), ([[2]], [0]), ([[0]], [1])])
    with pytest.raises(InvalidArgumentError, match="floating group"):
        explain_deficit(chain, [[1], [2]], at_zero="inactive")


def test_limits_stop_the_explanation():
    from relugeom.exceptions import MemoryLimitReached, TimeLimitReached
    from relugeom.limits import bounds

    with bounds(max_memory=1), pytest.raises(MemoryLimitReached):
        explain_deficit(HAND, [[2], [3]])
    seen = []
    with bounds(progress=seen.append):
        explain_deficit(HAND, [[2], [3]])
    assert "deficit: always-active (0, 0)" in seen and "deficit: pattern-rows" in seen
    with bounds(timeout=1e-9), pytest.raises(TimeLimitReached):
        explain_deficit(HAND, [[2], [3]])


def test_box_domain_and_to_dict_and_summary():
    ex = explain_deficit(HAND, box=[(2, 3)])  # one region in the box: both neurons on
    assert (ex.domain, ex.num_regions, ex.rank, names(ex)) == ("box", 1, 2, [("always-active", ((0, 0), (0, 1)), 3)])
    d = ex.to_dict()
    assert (d["deficit"], d["explained"], d["unexplained_dimension"], d["domain"]) == (3, 3, 0, "box")
    assert d["mechanisms"][0]["neurons"] == [[0, 0], [0, 1]] and len(d["mechanisms"][0]["vectors"]) == 3
    assert "vectors" not in ex.to_dict(vectors=False)["mechanisms"][0]
    lines = ex.summary().splitlines()
    assert lines[0] == "deficit 3 = (N − H) − CFFD = 5 − 2 on the box (1 region, 2 samples)"
    assert lines[-1].split() == ["sum", "3", "=", "3", "+", "0"]


# ------------------------------------------------------------------------------------------ complete_kernel
@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 5).flatmap(
        lambda m: st.integers(1, 6).flatmap(
            lambda n: st.tuples(
                st.lists(st.lists(st.integers(-3, 3), min_size=n, max_size=n), min_size=m, max_size=m),
                st.lists(st.integers(1, 3), min_size=n, max_size=n),
            )
        )
    ),
    st.integers(0, 3),
)
def test_complete_kernel_completes_hints_to_a_basis(data, k):
    rows, scale = data
    M = sympy.Matrix([[sympy.Rational(v, s) for v, s in zip(row, scale)] for row in rows])
    null = M.nullspace()
    hints = []
    for vec in null[:k]:  # some exact kernel vectors as hints, as integers, and one repeated
        den = sympy.ilcm(1, 1, *[sympy.fraction(v)[1] for v in vec])
        hints.append(tuple(int(v * den) for v in vec))
    hints += hints[:1]
    src = DenseRational([[Fraction(v, s) for v, s in zip(row, scale)] for row in rows])
    out = complete_kernel(src, hints, np.random.default_rng(k))
    h = qq_rank(sympy.Matrix(hints)) if hints else 0
    assert len(out) == len(null) - h
    assert all(M * sympy.Matrix(v) == sympy.zeros(M.rows, 1) for v in out)
    together = [list(v) for v in hints] + [list(v) for v in out]
    assert (qq_rank(sympy.Matrix(together)) if together else 0) == len(null)


def test_complete_kernel_refuses_hints_outside_the_kernel():
    with pytest.raises(InvalidArgumentError, match="not all kernel vectors"):
        complete_kernel(DenseRational([[1, 2, 3]]), [(1, 0, 0)], np.random.default_rng(0), rank=1)
