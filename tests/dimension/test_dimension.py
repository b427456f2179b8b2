"""The batch functional dimension BFD(θ, X) = rank J(θ, X) (SPEC §3–4).

Oracles: the SPEC hand example; sympy's rank of rg.jacobian (a second backend); the mathematical laws
of SPEC §3/§5 checked with hypothesis (bounds, sample order, rescaling and permutation symmetries, dead
neurons); sympy re-verification of certificates; and a float64 failure case built on purpose.
"""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
from helpers import sympy_rank
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import relugeom as rg
from relugeom._typing import RANK_METHODS
from relugeom.core.network import Network

F = Fraction


def per_pattern_bound(net: Network, X) -> int:
    """n_L Σ_r min(n_r, n0 + 1), from the patterns (computed here, not taken from the report)."""
    P = rg.activation_patterns(net, X)
    _, counts = np.unique(P, axis=0, return_counts=True)
    return net.output_dim * sum(min(int(c), net.input_dim + 1) for c in counts)


def layers_of(net: Network) -> list[tuple[list[list[Fraction]], list[Fraction]]]:
    return [([list(row) for row in W], list(b)) for W, b in net.layers()]


# ------------------------------------------------------------------------------------ hand example
HAND_FACTS = {
    # X: (BFD, bound n·n_L, bound N − H, per-pattern bound, #patterns, dead neurons)
    0: (5, 6, 5, 6, 3, ()),
    1: (4, 4, 5, 4, 2, ()),
    2: (2, 4, 5, 2, 1, ()),
    3: (1, 3, 5, 2, 1, ((0, 0), (0, 1))),
    4: (3, 3, 5, 3, 3, ()),
}


@pytest.mark.parametrize("case", range(5))
def test_hand_example_every_method(hand_net, hand_cases, case, rank_method):
    X, bfd = hand_cases[case]
    assert rg.batch_functional_dimension(hand_net, X, rank_method, seed=case) == bfd
    rep = rg.dimension_report(hand_net, X, rank_method, seed=case)
    expected = HAND_FACTS[case]
    assert rep.bfd == expected[0] == bfd
    assert (rep.bound_rows, rep.bound_params, rep.bound_patterns) == expected[1:4]
    assert (rep.num_patterns, rep.dead_neurons) == expected[4:]
    assert rep.upper_bound == min(expected[1:4])
    assert rep.method == rank_method and rep.certified is (rank_method == "exact")
    assert (rep.num_samples, rep.num_outputs, rep.num_params, rep.num_hidden) == (len(X), 1, 7, 2)


@pytest.mark.parametrize("case", range(5))
def test_hand_example_sympy_and_certificate(hand_net, hand_cases, case):
    X, bfd = hand_cases[case]
    J = rg.jacobian(hand_net, X)
    assert sympy_rank(J) == bfd
    rep = rg.dimension_report(hand_net, X)
    assert rep.certificate.verify(J) is True
    assert rep.error_bound == 0.0


def test_hand_example_float_inputs_are_their_binary_values(hand_net):
    # 0.7 as a float is not 7/10, but it lies in the same region: same BFD
    assert rg.batch_functional_dimension(hand_net, [-1, -0.5, 0.5, 0.7, 2, 3]) == 5


def test_report_extras(hand_net):
    rep = rg.dimension_report(hand_net, ["-3", "-2", "-1"])
    text = " ".join(rep.explain())
    assert "(0, 0)" in text and "(0, 1)" in text  # the dead neurons are named
    d = rep.to_dict()
    json.dumps(d)
    assert d["bfd"] == 1 and d["upper_bound"] == 2 and d["dead_neurons"] == [[0, 0], [0, 1]]
    modular = rg.dimension_report(hand_net, ["-3", "-2", "-1"], "modular", seed=0)
    assert isinstance(modular.error_bound, float) and 0.0 <= modular.error_bound <= 1.0
    assert modular.certificate is None
    fl = rg.dimension_report(hand_net, ["-3", "-2", "-1"], "float")
    assert fl.tolerance is not None and fl.singular_value_gap is not None


def test_unknown_method_is_refused(hand_net):
    with pytest.raises(ValueError):
        rg.batch_functional_dimension(hand_net, [2], "symbolic")


# ------------------------------------------------------------------------------------ a second backend: sympy
SYMPY_CASES = [
    ((1, 3, 1), 0, 6),
    ((2, 3, 1), 1, 5),
    ((2, 3, 2), 2, 4),
    ((2, 2, 2, 1), 3, 6),
    ((3, 2, 3, 2), 4, 4),
    ((1, 2, 2, 2, 2), 5, 5),
    ((2, 4, 2), 6, 8),
    ((3, 3, 1), 7, 2),
]


@pytest.mark.parametrize("widths, seed, n", SYMPY_CASES)
def test_bfd_agrees_with_sympy_rank(widths, seed, n, draw_batch):
    net = Network.random_rational(widths, seed=seed)
    X = draw_batch(net, n, np.random.default_rng(seed))
    J = rg.jacobian(net, X)
    expected = sympy_rank(J)
    for method in RANK_METHODS:
        assert rg.batch_functional_dimension(net, X, method, seed=seed) == expected, method
    assert rg.dimension_report(net, X, seed=seed).certificate.verify(J)


def test_at_zero_bfd_is_the_rank_of_the_one_sided_jacobian():
    # widths (1,2,2,1); x = 2 is a kink of neuron (1, 1)
    net = Network.from_layers([([[1], [1]], [0, 1]), ([[1, 0], [2, -1]], [1, -1]), ([[1, 1]], [0])])
    X = [2, -3, 5, "1/2", 3]
    with pytest.raises(rg.DegeneratePointError):
        rg.batch_functional_dimension(net, X)
    for at_zero in ("active", "inactive"):
        J = rg.jacobian(net, X, at_zero=at_zero)
        for method in RANK_METHODS:
            assert rg.batch_functional_dimension(net, X, method, at_zero=at_zero) == sympy_rank(J)
        assert rg.dimension_report(net, X, at_zero=at_zero).certificate.verify(J)


# ------------------------------------------------------------------------------------ laws (hypothesis)
specs = st.tuples(
    st.integers(1, 3),  # n0
    st.lists(st.integers(1, 4), min_size=1, max_size=3),  # hidden widths
    st.integers(1, 2),  # n_L
    st.sampled_from(["integer", "rational"]),
    st.integers(0, 2**32 - 1),  # seed
    st.integers(1, 8),  # samples
)


def build(spec, draw_batch):
    n0, hidden, nL, kind, seed, n = spec
    widths = (n0, *hidden, nL)
    if kind == "integer":
        net = Network.random_integer(widths, seed=seed)
    else:
        net = Network.random_rational(widths, seed=seed)
    X = draw_batch(net, n, np.random.default_rng(seed))
    assume(X is not None)  # a network degenerate everywhere (a neuron with zero weights and bias)
    return net, X


@settings(max_examples=100)
@given(spec=specs)
def test_bfd_is_below_every_bound(spec, draw_batch):
    net, X = build(spec, draw_batch)
    rep = rg.dimension_report(net, X, seed=0)
    n, nL = len(X), net.output_dim
    assert rep.bound_rows == n * nL
    assert rep.bound_params == net.num_params - net.num_hidden
    assert rep.bound_patterns == per_pattern_bound(net, X)
    assert 0 <= rep.bfd <= min(n * nL, net.num_params - net.num_hidden, per_pattern_bound(net, X))
    assert rg.batch_functional_dimension(net, X, "modular", seed=1) == rep.bfd


@settings(max_examples=50)
@given(spec=specs)
def test_certificate_verifies_against_the_jacobian_with_sympy(spec, draw_batch):
    net, X = build(spec, draw_batch)
    rep = rg.dimension_report(net, X, seed=2)
    J = rg.jacobian(net, X)
    assert rep.certificate.verify(J) is True
    assert rep.bfd == sympy_rank(J)


@settings(max_examples=40)
@given(spec=specs, rnd=st.randoms(use_true_random=False))
def test_bfd_does_not_depend_on_the_order_of_samples(spec, rnd, draw_batch):
    net, X = build(spec, draw_batch)
    shuffled = list(X)
    rnd.shuffle(shuffled)
    assert rg.batch_functional_dimension(net, shuffled) == rg.batch_functional_dimension(net, X)


positive_rationals = st.fractions(min_value=F(1, 50), max_value=50, max_denominator=50).filter(lambda q: q > 0)


@settings(max_examples=40)
@given(spec=specs, data=st.data())
def test_bfd_is_invariant_under_positive_rescaling_of_a_hidden_neuron(spec, data, draw_batch):
    net, X = build(spec, draw_batch)
    k = data.draw(st.integers(0, net.num_layers - 2), label="layer")
    i = data.draw(st.integers(0, net.widths[k + 1] - 1), label="neuron")
    lam = data.draw(positive_rationals, label="lambda")
    layers = layers_of(net)
    W, b = layers[k]
    W[i] = [lam * v for v in W[i]]
    b[i] = lam * b[i]
    W_next, _ = layers[k + 1]
    for row in W_next:
        row[i] = row[i] / lam
    scaled = Network.from_layers(layers)
    assert rg.forward(scaled, X).tolist() == rg.forward(net, X).tolist()  # the same function
    assert (rg.activation_patterns(scaled, X) == rg.activation_patterns(net, X)).all()
    assert rg.batch_functional_dimension(scaled, X) == rg.batch_functional_dimension(net, X)


@settings(max_examples=40)
@given(spec=specs, data=st.data())
def test_bfd_is_invariant_under_permutation_of_a_hidden_layer(spec, data, draw_batch):
    net, X = build(spec, draw_batch)
    k = data.draw(st.integers(0, net.num_layers - 2), label="layer")
    perm = data.draw(st.permutations(range(net.widths[k + 1])), label="perm")
    layers = layers_of(net)
    W, b = layers[k]
    layers[k] = ([W[p] for p in perm], [b[p] for p in perm])
    W_next, b_next = layers[k + 1]
    layers[k + 1] = ([[row[p] for p in perm] for row in W_next], b_next)
    permuted = Network.from_layers(layers)
    assert rg.forward(permuted, X).tolist() == rg.forward(net, X).tolist()
    assert rg.batch_functional_dimension(permuted, X) == rg.batch_functional_dimension(net, X)


@settings(max_examples=40)
@given(spec=specs, data=st.data())
def test_dead_neurons_contribute_nothing(spec, data, draw_batch):
    n0, hidden, nL, kind, seed, n = spec
    base = Network.random_rational((n0, *hidden, nL), seed=seed)
    # kill neuron (k, i): zero incoming weights, bias -1, so z = -1 on every input
    k = data.draw(st.integers(0, len(hidden) - 1), label="layer")
    i = data.draw(st.integers(0, hidden[k] - 1), label="neuron")
    layers = layers_of(base)
    layers[k][0][i] = [F(0)] * len(layers[k][0][i])
    layers[k][1][i] = F(-1)
    net = Network.from_layers(layers)
    X = draw_batch(net, n, np.random.default_rng(seed))
    assume(X is not None)

    rep = rg.dimension_report(net, X)
    P = rg.activation_patterns(net, X)
    flat = [(kk, ii) for kk, w in enumerate(hidden) for ii in range(w)]
    dead = tuple(flat[c] for c in range(P.shape[1]) if not P[:, c].any())
    assert rep.dead_neurons == dead
    assert (k, i) in rep.dead_neurons

    # their incoming and outgoing columns vanish
    J = rg.jacobian(net, X)
    offsets = net.parameter_offsets()
    for kk, ii in dead:
        w_start, b_start = offsets[kk]
        n_in, n_next = net.widths[kk], net.widths[kk + 1]
        cols = [w_start + ii * n_in + j for j in range(n_in)] + [b_start + ii]
        w_next, _ = offsets[kk + 1]
        cols += [w_next + o * n_next + ii for o in range(net.widths[kk + 2])]
        assert all(v == 0 for c in cols for v in J[:, c]), (kk, ii)

    # changing the outgoing weights of the killed neuron changes nothing
    changed = layers_of(net)
    for o, row in enumerate(changed[k + 1][0]):
        row[i] = F(o + 7, 3)
    assert rg.batch_functional_dimension(Network.from_layers(changed), X) == rep.bfd

    # and removing it (when its layer has another neuron) keeps the BFD
    if hidden[k] > 1:
        removed = layers_of(net)
        del removed[k][0][i]
        del removed[k][1][i]
        for row in removed[k + 1][0]:
            del row[i]
        smaller = Network.from_layers(removed)
        assert smaller.num_params == net.num_params - (n0 if k == 0 else hidden[k - 1]) - 1 - net.widths[k + 2]
        assert rg.batch_functional_dimension(smaller, X) == rep.bfd


# ------------------------------------------------------------------------------------ certification budget
def test_certify_timeout_passes_through_with_the_known_bounds():
    # two positively collinear neurons (2x + 2 = 2 (x + 1)) act as one: a deficit no general bound sees
    net = Network.from_layers([([[1], [2]], [1, 2]), ([[1, 3]], [0])])
    X = [1, 2, -5, -6]
    assert sympy_rank(rg.jacobian(net, X)) == 3
    assert rg.batch_functional_dimension(net, X) == 3
    try:
        bfd = rg.batch_functional_dimension(net, X, certify_timeout=0)
    except rg.CertificationTimeout as err:
        assert err.modular_rank == 3 and err.lower_bound == 3
        assert 3 < err.upper_bound <= 4  # N − H = 5 and the per-pattern bound 4
    else:  # a structural certificate needing no computation is also acceptable
        assert bfd == 3


# ------------------------------------------------------------------------------------ exact versus float
def test_compare_methods_agree_on_a_benign_case(hand_net, draw_batch):
    cmp = rg.compare_methods(hand_net, ["-1", "-1/2", "1/2", "7/10", "2", "3"], seed=0)
    assert cmp.agree and cmp.patterns_agree
    assert cmp.exact.bfd == cmp.float.bfd == 5
    assert "agrees" in cmp.message()
    net = Network.random_he((3, 5, 4, 2), seed=4)
    X = draw_batch(net, 6, np.random.default_rng(4))
    cmp = rg.compare_methods(net, X, seed=0)
    assert cmp.agree and cmp.patterns_agree and cmp.exact.bfd == sympy_rank(rg.jacobian(net, X))


def test_compare_methods_detects_a_float64_failure(hand_net):
    # The hand network with neuron 1 rescaled by λ = 2^40 (an exact symmetry, SPEC §5): the exact BFD is
    # unchanged (5). In float64 the Jacobian columns of that neuron's incoming weight and bias are
    # scaled by 1/λ = 2^-40 while its outgoing column is scaled by λ = 2^40, so σ_max ≈ 2.5e12 and the
    # numpy tolerance σ_max·max(m, N)·eps ≈ 3.8e-3 swallows the direction of σ_5 ≈ 2.5e-13: float says 4.
    lam = F(2) ** 40
    net = Network.from_layers([([[1], [lam]], [0, -lam]), ([[1, 1 / lam]], [0])])
    X = ["-1", "-1/2", "1/2", "7/10", "2", "3"]
    assert rg.forward(net, X).tolist() == rg.forward(hand_net, X).tolist()
    assert sympy_rank(rg.jacobian(net, X)) == 5
    cmp = rg.compare_methods(net, X, seed=0)
    assert cmp.exact.bfd == 5
    assert cmp.float.bfd == 4
    assert not cmp.agree
    assert cmp.patterns_agree  # the patterns are right; only the rank is wrong
    assert "too low" in cmp.message()
    assert cmp.float.singular_value_gap > 1e11  # and float64 looks decisive while being wrong
    assert rg.batch_functional_dimension(net, X, "modular", seed=0) == 5


def test_exact_works_where_float64_cannot_represent_the_parameters():
    # the 2^40 example again with λ = 10^400 > float64's range: exact is unaffected, float refuses
    lam = F(10) ** 400
    net = Network.from_layers([([[1], [lam]], [0, -lam]), ([[1, 1 / lam]], [0])])
    X = ["-1", "-1/2", "1/2", "7/10", "2", "3"]
    assert rg.batch_functional_dimension(net, X) == 5
    assert rg.batch_functional_dimension(net, X, "modular", seed=0) == 5
    with pytest.raises(rg.FloatRangeError):
        rg.batch_functional_dimension(net, X, "float")
    assert issubclass(rg.FloatRangeError, rg.RelugeomError)


def test_compare_methods_reports_float_sign_failures_instead_of_raising(hand_net):
    # x = 1 + 2^-60 is not degenerate (z = 2^-60 exactly) but float(x) = 1.0 makes z = 0.0 in float64.
    X = ["-1", "1/2", 1 + F(1, 2**60), "3"]
    assert rg.batch_functional_dimension(hand_net, X) == 4  # exactly non-degenerate
    with pytest.raises(rg.DegeneratePointError) as info:
        rg.batch_functional_dimension(hand_net, X, "float")
    err = info.value
    assert (err.sample, err.layer, err.neuron, err.in_float) == (2, 0, 1, True)
    assert "float64" in str(err) and "exactly 0" not in str(err)
    cmp = rg.compare_methods(hand_net, X, seed=0)
    # exact patterns 00, 10, 11, 11 and float patterns 00, 10, 10, 11 both give rank 1 + 1 + 2 = 4
    assert (cmp.exact.bfd, cmp.float.bfd) == (4, 4)
    assert cmp.patterns_agree is False
    assert "sample 2, layer 0, neuron 1" in cmp.float_note and cmp.float_note in cmp.message()


# ------------------------------------------------------------------------------------ the streamed engine
def _half_dead(widths, n, seed):
    """Nonnegative first-layer weights and zero biases; half the inputs negative, where every hidden neuron
    of the first layer is dead: a wide J with dependent rows."""
    base = Network.random_he(widths, seed=seed)
    first = ([[abs(v) for v in row] for row in base.weights[0]], [0] * widths[1])
    net = Network.from_layers([first] + list(zip(base.weights[1:], base.biases[1:])))
    X = np.abs(np.random.default_rng(seed).normal(0.5, 1.0, (n, widths[0])))
    X[n // 2 :] *= -1
    return net, X


@pytest.mark.parametrize(
    "case",
    [
        lambda: _half_dead((30, 8, 4), 60, seed=3),  # wide, rank-deficient: 240 × 284
        lambda: (Network.random_he((3, 5, 4), seed=4), np.random.default_rng(4).normal(0.5, 1.0, (1500, 3))),  # tall
    ],
    ids=["wide-deficient", "tall"],
)
def test_certificates_of_the_streamed_engine_are_reverified_by_sympy(case):
    """Jacobians above FLINT_MAX_ENTRIES go through the 21-bit streamed engine (columns of a wide J, random
    row combinations of a tall one); their certificates are re-checked from the exact J with sympy."""
    from relugeom.dimension.jacobian import ExactJacobian
    from relugeom.linalg.source import FLINT_MAX_ENTRIES

    net, X = case()
    rep = rg.dimension_report(net, X, seed=0)
    m, N = len(X) * net.output_dim, net.num_params
    assert m * N > FLINT_MAX_ENTRIES and rep.primes[0] < 2**21
    assert rep.certificate.verify(ExactJacobian(net, X).fractions()) is True
    assert rep.bfd == rg.batch_functional_dimension(net, X, "float")  # benign floats: the same rank


def test_modular_on_a_tall_jacobian_stops_at_the_structural_bound_and_then_has_no_error():
    net = Network.random_he((3, 5, 4), seed=4)
    X = np.random.default_rng(4).normal(0.5, 1.0, (1500, 3))
    rep = rg.dimension_report(net, X, "modular", seed=0)
    assert rep.bfd == rg.batch_functional_dimension(net, X, seed=0) == net.num_params - net.num_hidden == 39
    assert rep.error_bound == 0.0  # rank mod p reached N − rank(rescalings): the rank is proven
