"""The exact Hessian of L(θ) = Σ_i ‖F_θ(x_i) − y_i‖² (SPEC §7), against independent oracles:

(a) exact second difference quotients of the loss, computed with the exact forward pass;
(b) sympy: L built symbolically in θ with the activation pattern substituted, ``sympy.hessian``;
(c) the interpolation theorem (Hessian = 2JᵀJ, nullity = N − BFD) and a non-interpolating case where the
    Hessian and Gauss–Newton ranks differ (both ranks from sympy);
(d) the inertia against an exact congruence diagonalisation (Sylvester's law) and float eigenvalues
    where they are far from 0;
(e) laws: symmetry, the exact transformation of the Hessian under neuron permutations and positive
    rescalings, invariance of the rank at an interpolating minimum, degenerate points.
"""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
import sympy
from helpers import HAND_LAYERS, naive_pre_activations, sympy_network
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import relugeom as rg
from relugeom.core.network import Network
from relugeom.symmetry import permute_neurons, random_symmetry, rescale_neurons
from relugeom.training.hessian import FlatnessReport, flatness_report, gauss_newton, loss_hessian, symmetric_inertia

F = Fraction


# ------------------------------------------------------------------------------------ helpers (no relugeom.training.hessian)
def naive_pattern(net: Network, x) -> list[list[int]]:
    x = x if isinstance(x, (list, tuple)) else [x]
    pre = naive_pre_activations(net, x)[:-1]
    assert all(v != 0 for z in pre for v in z), "degenerate sample"
    return [[int(v > 0) for v in z] for z in pre]


def target_rows(Y) -> list[list[Fraction]]:
    """Targets as rows of Fractions (a flat list is one target per sample)."""
    return [[F(v) for v in y] if isinstance(y, (list, tuple, np.ndarray)) else [F(y)] for y in Y]


def loss(net: Network, X, Y) -> Fraction:
    """L(θ) from relugeom's exact forward pass (Fractions)."""
    out = rg.forward(net, X)
    return sum(((o - y) ** 2 for row, ys in zip(out, target_rows(Y)) for o, y in zip(row, ys)), F(0))


def sympy_loss_hessian(net: Network, X, Y, patterns=None) -> list[list[Fraction]]:
    """∇²L by sympy for the polynomial of the given patterns (default: the exact patterns at θ)."""
    theta, values, Ws, bs = sympy_network(net)
    Lsym = sympy.Integer(0)
    for s, (x, ys) in enumerate(zip(X, target_rows(Y))):
        pattern = patterns[s] if patterns is not None else naive_pattern(net, x)
        x = x if isinstance(x, (list, tuple)) else [x]
        a = sympy.Matrix([sympy.Rational(F(v).numerator, F(v).denominator) for v in x])
        for k in range(len(Ws)):
            z = Ws[k] * a + bs[k]
            if k < len(Ws) - 1:
                a = sympy.diag(*pattern[k]) * z
        for o in range(z.rows):
            Lsym += (z[o] - sympy.Rational(ys[o].numerator, ys[o].denominator)) ** 2
    Hs = sympy.hessian(Lsym, theta).subs(values)
    return [[F(int(v.p), int(v.q)) for v in Hs.row(i)] for i in range(Hs.rows)]


def congruence_inertia(A) -> tuple[int, int, int]:
    """Inertia by Sylvester's law: diagonalise the symmetric matrix by exact congruences."""
    A = [[F(v) for v in row] for row in A]
    pos = neg = 0
    while A:
        n = len(A)
        p = next((i for i in range(n) if A[i][i] != 0), None)
        if p is None:
            off = next(((i, j) for i in range(n) for j in range(n) if A[i][j] != 0), None)
            if off is None:
                return pos, neg, n
            i, j = off  # row/column i += row/column j makes A[i][i] = 2 A[i][j] != 0
            for r in range(n):
                A[i][r] += A[j][r]
            for r in range(n):
                A[r][i] += A[r][j]
            p = i
        d = A[p][p]
        pos, neg = pos + (d > 0), neg + (d < 0)
        rest = [r for r in range(n) if r != p]
        A = [[A[r][c] - A[r][p] * A[p][c] / d for c in rest] for r in rest]
    return pos, neg, 0


def gauss_newton_from_jacobian(net: Network, X) -> list[list[Fraction]]:
    J = rg.jacobian(net, X).tolist()
    N = net.num_params
    return [[2 * sum((row[a] * row[b] for row in J), F(0)) for b in range(N)] for a in range(N)]


def random_targets(rng: np.random.Generator, n: int, nL: int) -> list[list[Fraction]]:
    return [[F(int(rng.integers(-9, 10)), int(rng.integers(1, 5))) for _ in range(nL)] for _ in range(n)]


def _draw(widths, seed, n, draw_batch):
    net = Network.random_rational(widths, seed=seed)
    rng = np.random.default_rng(seed)
    X = draw_batch(net, n, rng)
    return net, X, (None if X is None else random_targets(rng, n, widths[-1]))


def drawn_case(widths, seed, n, draw_batch):
    """A random network, batch and targets inside a hypothesis test (an undrawable batch is skipped)."""
    net, X, Y = _draw(widths, seed, n, draw_batch)
    assume(X is not None)
    return net, X, Y


def setup_case(widths, seed, n, draw_batch):
    """A random network, batch and targets in a plain test (the batch must be drawable)."""
    net, X, Y = _draw(widths, seed, n, draw_batch)
    assert X is not None
    return net, X, Y


# ------------------------------------------------------------------------------------ hand values
def test_one_neuron_by_hand():
    # F = v relu(w x + b) + c at (w, b, v, c) = (2, 0, 3, 1), x = 1, y = 0: r = F = 7, J = (3, 3, 2, 1);
    # 2JᵀJ plus 2 r ∂²F, with ∂²F/∂w∂v = x = 1 and ∂²F/∂b∂v = 1 the only nonzero second derivatives
    net = Network.from_layers([([[2]], [0]), ([[3]], [1])])
    gn = [[18, 18, 12, 6], [18, 18, 12, 6], [12, 12, 8, 4], [6, 6, 4, 2]]
    assert gauss_newton(net, [1]).tolist() == gn
    H = [row[:] for row in gn]
    for i in (0, 1):
        H[i][2] += 14
        H[2][i] += 14
    assert loss_hessian(net, [1], [0]).tolist() == H
    assert loss_hessian(net, [[1]], [[0]]).tolist() == H
    assert all(type(v) is Fraction for v in loss_hessian(net, [1], [0]).ravel())


def test_no_hidden_layer_is_linear_least_squares():
    # L = Σ (w·x + c − y)² is quadratic: the Hessian is 2 Σ (x, 1)(x, 1)ᵀ whatever Y is
    net = Network.from_layers([([[1, "-1/2"]], [3])])
    X = [[1, 2], ["1/3", -1], [0, 5]]
    V = [[F(a), F(b), F(1)] for a, b in [(1, 2), (F(1, 3), -1), (0, 5)]]
    expected = [[2 * sum(v[i] * v[j] for v in V) for j in range(3)] for i in range(3)]
    assert loss_hessian(net, X, [7, 0, "2/3"]).tolist() == expected


# ------------------------------------------------------------------------------------ (a) difference quotients
DQ_CASES = [((2, 3, 1), 3, 4), ((2, 3, 2, 2), 4, 3), ((1, 2, 2, 1), 5, 4), ((1, 2, 2, 2, 1), 6, 3)]


@pytest.mark.parametrize("widths, seed, n", DQ_CASES)
def test_hessian_equals_exact_second_difference_quotients(widths, seed, n, draw_batch):
    """Exact, not approximate: at every θ' where the patterns on X equal those at θ, F_θ'(x) is the
    polynomial P of that pattern, and P is affine in each single parameter (SPEC §3). So in two distinct
    parameters (s, t) it reads α + βs + γt + δst, and L = Σ (P − y)² has only monomials s^i t^j with
    i, j ≤ 2. The mixed central quotient [L(h,h) − L(h,−h) − L(−h,h) + L(−h,−h)]/(4h²) annihilates every
    monomial but st (it needs i and j odd) and returns its coefficient ∂²L/∂s∂t exactly; the diagonal
    quotient [L(h) − 2L(0) + L(−h)]/h² of a quadratic is its second derivative exactly. The patterns
    are checked at every evaluated θ'."""
    net, X, Y = setup_case(widths, seed, n, draw_batch)
    theta = list(net.parameters())
    N = len(theta)
    P0 = rg.activation_patterns(net, X)
    H = loss_hessian(net, X, Y)

    def L_at(shifts: dict[int, Fraction]) -> Fraction:
        params = theta.copy()
        for c, d in shifts.items():
            params[c] += d
        moved = Network.from_parameters(net.widths, params)
        assert (rg.activation_patterns(moved, X) == P0).all(), "step too large: a pattern changed"
        return loss(moved, X, Y)

    h = F(1, 10**6)
    L0 = loss(net, X, Y)
    for a in range(N):
        assert (L_at({a: h}) - 2 * L0 + L_at({a: -h})) / h**2 == H[a, a]
        for b in range(a + 1, N):
            mixed = (L_at({a: h, b: h}) - L_at({a: h, b: -h}) - L_at({a: -h, b: h}) + L_at({a: -h, b: -h})) / (
                4 * h * h
            )
            assert mixed == H[a, b] == H[b, a], (a, b)


# ------------------------------------------------------------------------------------ (b) sympy
@pytest.mark.parametrize("widths, seed, n", [((1, 2, 1), 7, 3), ((2, 2, 2, 2), 8, 3), ((2, 3, 1), 9, 2)])
def test_hessian_equals_sympy_hessian(widths, seed, n, draw_batch):
    net, X, Y = setup_case(widths, seed, n, draw_batch)
    assert loss_hessian(net, X, Y).tolist() == sympy_loss_hessian(net, X, Y)


# ------------------------------------------------------------------------------------ (c) interpolation theorem
INTERPOLATION_CASES = [
    (["-1", "-1/2", "1/2", "7/10", "2", "3"], 5),  # BFD = N − H = 5 (SPEC §3)
    (["1/2", "7/10", "2", "3"], 4),
    (["2", "3", "4", "5"], 2),  # BFD < N − H
    (["-3", "-2", "-1"], 1),
]


@pytest.mark.parametrize("X, bfd", INTERPOLATION_CASES)
def test_interpolating_minimum_on_the_hand_example(X, bfd):
    net = Network.from_layers(HAND_LAYERS)
    Y = rg.forward(net, X)  # teacher = student
    H = loss_hessian(net, X, Y)
    assert H.tolist() == gauss_newton_from_jacobian(net, X) == gauss_newton(net, X).tolist()
    assert sympy.Matrix(sympy_loss_hessian(net, X, Y)).rank() == bfd  # independent rank
    rep = flatness_report(net, X, Y, seed=0)
    assert rep.loss == 0 and rep.interpolating
    assert rep.bfd == rep.gauss_newton_rank == rep.hessian_rank == bfd
    assert rep.hessian_nullity == 7 - bfd
    assert rep.inertia == (bfd, 0, 7 - bfd)
    assert "= N − BFD" in rep.lines()[1]


@pytest.mark.parametrize(
    "widths, seed, n, full",
    [((2, 3, 1), 37, 3, False), ((2, 3, 1), 37, 10, True), ((1, 2, 2, 1), 22, 3, False), ((2, 2, 2, 2), 58, 16, True)],
)
def test_interpolating_nullity_is_n_minus_bfd(widths, seed, n, full, draw_batch):
    net = Network.random_rational(widths, seed=seed)
    X = draw_batch(net, n, np.random.default_rng(seed))
    Y = rg.forward(net, X)
    N, Hn = net.num_params, net.num_hidden
    assert loss_hessian(net, X, Y).tolist() == gauss_newton_from_jacobian(net, X)
    rep = flatness_report(net, X, Y, seed=seed)
    bfd = rg.batch_functional_dimension(net, X, seed=1)
    assert rep.interpolating and rep.bfd == bfd
    assert rep.hessian_nullity == N - bfd
    assert (bfd == N - Hn) == full  # both regimes: BFD = N − H and BFD < N − H
    assert rep.inertia is not None and rep.inertia[1] == 0 and rep.inertia[2] == rep.hessian_nullity


# ------------------------------------------------------------------------------------ (c') away from interpolation
def test_hessian_rank_exceeds_gauss_newton_rank_off_interpolation():
    # hand example, X = {−1, 1/2, 2}, Y = (0, 1/2, 2): residuals (0, 0, 1). Ranks by sympy: Hessian 6,
    # Gauss–Newton 3; the one flat direction moves (w1, b1) along (−1/2, 1) (neuron 1 sees only x = 2).
    net = Network.from_layers(HAND_LAYERS)
    X, Y = [-1, "1/2", 2], [[0], ["1/2"], [2]]
    Hs = sympy.Matrix(sympy_loss_hessian(net, X, Y))
    Gs = sympy.Matrix(sympy_loss_hessian(net, X, rg.forward(net, X)))
    assert (Hs.rank(), Gs.rank()) == (6, 3)
    assert Hs.nullspace() == [sympy.Matrix([0, sympy.Rational(-1, 2), 0, 1, 0, 0, 0])]
    rep = flatness_report(net, X, Y, seed=0)
    assert rep.loss == 1 and not rep.interpolating
    assert (rep.hessian_rank, rep.hessian_nullity, rep.gauss_newton_rank, rep.bfd) == (6, 1, 3, 3)
    assert rep.hessian_nullity != rep.num_params - rep.bfd
    assert sympy.Matrix(gauss_newton(net, X).tolist()) == Gs
    text = "\n".join(rep.lines())
    assert "not interpolating" in text and "Gauss–Newton rank 3" in text and "need not equal" in text


def test_residual_on_a_dead_sample_leaves_the_gauss_newton_hessian():
    # the residual sits on x = −1 where both neurons are inactive: ∇²F = 0 there, so ∇²L = 2JᵀJ although
    # L = 9 > 0, and the nullity is N − BFD without interpolation
    net = Network.from_layers(HAND_LAYERS)
    X, Y = [-1, "1/2", 2], [-3, "1/2", 3]
    assert loss_hessian(net, X, Y).tolist() == gauss_newton(net, X).tolist()
    rep = flatness_report(net, X, Y, seed=0, inertia=False)
    assert rep.loss == 9 and not rep.interpolating and rep.inertia is None
    assert rep.hessian_nullity == 7 - rep.bfd == 4


# ------------------------------------------------------------------------------------ (d) inertia
def test_inertia_on_the_hand_example_against_float_eigenvalues():
    net = Network.from_layers(HAND_LAYERS)
    H = loss_hessian(net, [-1, "1/2", 2], [0, "1/2", 2])
    # eigenvalues ≈ −4.38, −4.10, 0, 0.469, 3.11, 5.77, 38.1: the nonzero ones are far from 0 in float64
    ev = np.linalg.eigvalsh(H.astype(float))
    assert np.sum(np.abs(ev) < 1e-9) == 1 and np.min(np.abs(ev[np.abs(ev) >= 1e-9])) > 0.4
    float_inertia = (int(np.sum(ev > 1e-9)), int(np.sum(ev < -1e-9)), 1)
    assert symmetric_inertia(H) == float_inertia == congruence_inertia(H.tolist()) == (4, 2, 1)


@settings(max_examples=15)
@given(
    st.sampled_from([(1, 2, 1), (2, 2, 1), (2, 3, 1), (1, 2, 2, 1), (2, 2, 2)]),
    st.integers(0, 10**6),
    st.integers(1, 5),
    st.booleans(),
)
def test_inertia_matches_congruence_diagonalisation(draw_batch, widths, seed, n, interpolating):
    net = Network.random_rational(widths, seed=seed)
    rng = np.random.default_rng(seed)
    X = draw_batch(net, n, rng)
    assume(X is not None)
    Y = rg.forward(net, X) if interpolating else random_targets(rng, n, widths[-1])
    rep = flatness_report(net, X, Y, seed=seed)
    H = loss_hessian(net, X, Y)
    pos, neg, zero = rep.inertia
    assert pos + neg + zero == net.num_params
    assert zero == rep.hessian_nullity and pos + neg == rep.hessian_rank
    assert rep.inertia == congruence_inertia(H.tolist())
    if interpolating:
        assert neg == 0 and rep.hessian_nullity == net.num_params - rep.bfd


def test_symmetric_inertia_small_cases():
    assert symmetric_inertia([[0, 0], [0, 0]]) == (0, 0, 2)
    assert symmetric_inertia([[0, 1], [1, 0]]) == (1, 1, 0)
    assert symmetric_inertia([["1/3", 0, 0], [0, -5, 0], [0, 0, 0]]) == (1, 1, 1)
    assert symmetric_inertia([]) == (0, 0, 0)


# ------------------------------------------------------------------------------------ (e) laws
NETS = st.sampled_from([(1, 2, 1), (2, 3, 1), (2, 2, 2), (1, 2, 2, 1), (2, 2, 2, 2)])


@settings(max_examples=20)
@given(NETS, st.integers(0, 10**6), st.integers(1, 4))
def test_hessian_is_symmetric_and_splits_into_gauss_newton_plus_residual_term(draw_batch, widths, seed, n):
    net, X, Y = drawn_case(widths, seed, n, draw_batch)
    H = loss_hessian(net, X, Y)
    assert H.shape == (net.num_params,) * 2
    assert (H == H.T).all()
    # the residual term is linear in the residuals: H(Y) − 2JᵀJ scales with F(X) − Y
    Fx = rg.forward(net, X)
    Y2 = [[2 * y - f for y, f in zip(ys, fs)] for ys, fs in zip(Y, Fx)]  # residuals doubled
    G = np.array(gauss_newton_from_jacobian(net, X), dtype=object)
    assert ((loss_hessian(net, X, Y2) - G) == 2 * (H - G)).all()


def parameter_labels(net: Network, transform) -> list:
    """Apply a symmetry to a network whose parameters are labels, to read off where each one goes."""
    return list(transform(Network.from_parameters(net.widths, list(range(1, net.num_params + 1)))).parameters())


@settings(max_examples=15)
@given(NETS, st.integers(0, 10**6), st.integers(1, 4), st.data())
def test_hessian_transforms_exactly_under_permutations_and_rescalings(draw_batch, widths, seed, n, data):
    # F_{Tθ} = F_θ for the linear map T of a symmetry, so L∘T = L and ∇²L(Tθ) = T^{-T} ∇²L(θ) T^{-1}
    net, X, Y = drawn_case(widths, seed, n, draw_batch)
    H = loss_hessian(net, X, Y)
    k = data.draw(st.integers(0, len(widths) - 3))
    width = widths[k + 1]
    perm = data.draw(st.permutations(range(width)))
    scales = [F(data.draw(st.integers(1, 9)), data.draw(st.integers(1, 9))) for _ in range(width)]

    old = [int(v) - 1 for v in parameter_labels(net, lambda m: permute_neurons(m, k, perm))]
    Hp = loss_hessian(permute_neurons(net, k, perm), X, Y)
    assert Hp.tolist() == [[H[old[a], old[b]] for b in range(len(old))] for a in range(len(old))]

    t = [F(v) / (a + 1) for a, v in enumerate(parameter_labels(net, lambda m: rescale_neurons(m, k, scales)))]
    Hr = loss_hessian(rescale_neurons(net, k, scales), X, Y)
    N = len(t)
    assert Hr.tolist() == [[H[a, b] / (t[a] * t[b]) for b in range(N)] for a in range(N)]


@settings(max_examples=10)
@given(NETS, st.integers(0, 10**6), st.integers(1, 6), st.integers(0, 10**6))
def test_interpolating_rank_is_invariant_under_random_symmetries(draw_batch, widths, seed, n, sym_seed):
    net = Network.random_rational(widths, seed=seed)
    X = draw_batch(net, n, np.random.default_rng(seed))
    assume(X is not None)
    other = random_symmetry(net, seed=sym_seed)
    Y = rg.forward(net, X)
    assert (rg.forward(other, X) == Y).all()
    a, b = flatness_report(net, X, Y, seed=0), flatness_report(other, X, Y, seed=0)
    assert a.interpolating and b.interpolating
    assert a.hessian_rank == b.hessian_rank == a.bfd == b.bfd
    assert a.inertia == b.inertia


@settings(max_examples=15)
@given(st.sampled_from([(1, 2, 1), (2, 3, 1), (2, 2, 2, 1)]), st.integers(0, 10**6), st.integers(1, 3), st.data())
def test_degenerate_points_are_named_and_refused(draw_batch, widths, seed, n, data):
    net0 = Network.random_rational(widths, seed=seed)
    rng = np.random.default_rng(seed)
    s = data.draw(st.integers(0, n - 1))
    i = data.draw(st.integers(0, widths[1] - 1))
    x = [F(int(rng.integers(-5, 6)), int(rng.integers(1, 4))) for _ in range(widths[0])]
    # move b0[i] so that neuron (0, i) has pre-activation exactly 0 at x
    layers = [(list(map(list, W)), list(b)) for W, b in net0.layers()]
    layers[0][1][i] = -sum((w * v for w, v in zip(layers[0][0][i], x)), F(0))
    net = Network.from_layers(layers)
    first = naive_pre_activations(net, x)[0]
    assume(all(first[j] != 0 for j in range(i)))
    others = draw_batch(net, n - 1, rng)
    assume(others is not None)
    X = others[:s] + [x] + others[s:]
    Y = random_targets(rng, n, widths[-1])
    with pytest.raises(rg.DegeneratePointError) as err:
        loss_hessian(net, X, Y)
    assert (err.value.sample, err.value.layer, err.value.neuron) == (s, 0, i)
    assert f"sample {s}" in str(err.value) and "at_zero" in str(err.value)
    with pytest.raises(rg.DegeneratePointError):
        flatness_report(net, X, Y)
    for at_zero in ("inactive", "active"):
        H = loss_hessian(net, X, Y, at_zero=at_zero)
        assert (H == H.T).all()
        rep = flatness_report(net, X, Y, at_zero=at_zero, seed=0, inertia=False)
        assert rep.hessian_rank == rg.rank(H, seed=0).rank


@pytest.mark.parametrize("at_zero, pattern", [("inactive", [[1, 0]]), ("active", [[1, 1]])])
def test_at_zero_gives_the_hessian_of_the_one_sided_polynomial(at_zero, pattern):
    # x = 1 puts neuron 1 of the hand example exactly on its kink (z = x − 1 = 0)
    net = Network.from_layers(HAND_LAYERS)
    X, Y = [1, "1/2", 3], [[5], [0], ["7/3"]]
    patterns = [pattern, [[1, 0]], [[1, 1]]]
    assert loss_hessian(net, X, Y, at_zero=at_zero).tolist() == sympy_loss_hessian(net, X, Y, patterns)
    assert gauss_newton(net, X, at_zero=at_zero).tolist() == sympy_loss_hessian(net, X, rg.forward(net, X), patterns)


# ------------------------------------------------------------------------------------ report and errors
def test_report_dict_is_json_ready():
    net = Network.from_layers(HAND_LAYERS)
    rep = flatness_report(net, [-1, "1/2", 2], [0, "1/3", 2], seed=0)
    assert isinstance(rep, FlatnessReport)
    d = json.loads(json.dumps(rep.to_dict()))
    assert d["loss"] == str(F(1, 36) + 1) == "37/36"
    assert d["inertia"] == list(rep.inertia)
    assert set(d) == {
        "num_params",
        "num_hidden",
        "num_samples",
        "loss",
        "interpolating",
        "hessian_rank",
        "hessian_nullity",
        "gauss_newton_rank",
        "bfd",
        "inertia",
    }
    assert flatness_report(net, [2], [3], inertia=False).to_dict()["inertia"] is None


def test_wrong_targets_say_what_to_pass():
    net = Network.from_layers(HAND_LAYERS)
    with pytest.raises(rg.ShapeError, match="one row of n_L = 1 targets per sample"):
        loss_hessian(net, [2, 3], [1, 2, 3])
    two = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1], [1, 0]], [0, 0])])
    with pytest.raises(rg.ShapeError, match=r"3 samples and 2 outputs"):
        loss_hessian(two, [2, 3, 4], [1, 2, 3])  # flat targets need n_L = 1
    with pytest.raises(rg.ShapeError):
        loss_hessian(two, [2, 3, 4], [[1, 2, 3], [4, 5, 6]])  # transposed
    with pytest.raises(rg.NotExactError):
        loss_hessian(net, [2], [float("nan")])
