"""The Jacobian J(θ, X) of θ ↦ F_θ(X) (SPEC §3), against three independent oracles:

(a) exact difference quotients: within a region of constant patterns F is affine in each single
    parameter, so (F_{θ + h e_c}(X) − F_θ(X)) / h *is* column c, exactly, for a small rational h;
(b) sympy: F_θ(x) built symbolically in θ with the pattern substituted, differentiated by sympy.diff;
(c) the float64 Jacobian, close to the exact one on a benign case;
plus the modular reduction, and the one-sided conventions at degenerate points checked against the
affine extrapolation of the Jacobian from either side.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy
from helpers import naive_forward, sympy_network
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import relugeom as rg
from relugeom.core.network import Network
from relugeom.dimension.jacobian import ExactJacobian, squared_loss_gradient

F = Fraction
H_STEP = F(1, 10**12)


# ------------------------------------------------------------------------------------ hand values
def test_hand_example_row(hand_net):
    # F = v0 relu(w0 x + b0) + v1 relu(w1 x + b1) + c at (w, b, v, c) = (1, 1; 0, -1; 1, 1; 0), x = 2:
    # dF/dw_i = v_i x = 2, dF/db_i = v_i = 1, dF/dv = (relu(2), relu(1)) = (2, 1), dF/dc = 1
    assert rg.jacobian(hand_net, [2]).tolist() == [[2, 2, 1, 1, 2, 1, 1]]
    # x = 1/2: neuron 1 inactive -> its incoming columns and its outgoing column vanish
    assert rg.jacobian(hand_net, ["1/2"]).tolist() == [[F(1, 2), 0, 1, 0, F(1, 2), 0, 1]]
    # x = -1: only the output bias
    assert rg.jacobian(hand_net, [-1]).tolist() == [[0, 0, 0, 0, 0, 0, 1]]


def test_rows_are_sample_major_then_output():
    # two outputs: F = (relu(x), 2 relu(x) + 1); sample x = 3 then x = 5
    net = Network.from_layers([([[1]], [0]), ([[1], [2]], [0, 1])])
    J = rg.jacobian(net, [3, 5])
    # columns: W0, b0, W1[0], W1[1], b1[0], b1[1]
    assert J.tolist() == [
        [1 * 3, 1, 3, 0, 1, 0],  # sample 0, output 0
        [2 * 3, 2, 0, 3, 0, 1],  # sample 0, output 1
        [1 * 5, 1, 5, 0, 1, 0],  # sample 1, output 0
        [2 * 5, 2, 0, 5, 0, 1],  # sample 1, output 1
    ]


def test_exact_jacobian_object_is_consistent(hand_net):
    X = ["1/2", "7/10", 3]
    jac = ExactJacobian(hand_net, X)
    assert jac.shape == (3, 7)
    assert all(s > 0 for s in jac.column_scale)
    J = jac.fractions()
    assert J.tolist() == rg.jacobian(hand_net, X).tolist()
    Jint = jac.integer()
    for c, s in enumerate(jac.column_scale):
        assert [F(int(v), s) for v in Jint[:, c]] == list(J[:, c])
    assert all(isinstance(v, int) for v in Jint.ravel())
    assert jac.pattern_matrix().astype(int).tolist() == [[1, 0], [1, 0], [1, 1]]


# ------------------------------------------------------------------------------------ (a) difference quotients
DQ_CASES = [
    ((1, 3, 1), 0, 5),
    ((2, 3, 2), 1, 4),
    ((3, 2, 2, 2), 2, 4),
    ((2, 3, 3, 2, 2), 3, 3),  # three hidden layers, two outputs
    ((2, 2, 3, 2, 3), 4, 3),  # three hidden layers, three outputs
    ((4, 5, 1), 5, 6),
]


def difference_quotient_columns(net: Network, X, h: Fraction) -> np.ndarray:
    """Every column of J by an exact difference quotient; asserts the patterns do not change."""
    theta = list(net.parameters())
    base = np.array([naive_forward(net, x) for x in X], dtype=object).reshape(-1)
    P0 = rg.activation_patterns(net, X)
    cols = []
    for c in range(len(theta)):
        shifted = theta.copy()
        shifted[c] += h
        net_h = Network.from_parameters(net.widths, shifted)
        assert (rg.activation_patterns(net_h, X) == P0).all(), "step too large: a pattern changed"
        out = rg.forward(net_h, X).reshape(-1)  # sample-major, then output
        cols.append([(o - b) / h for o, b in zip(out, base)])
    return np.array(cols, dtype=object).T


@pytest.mark.parametrize("widths, seed, n", DQ_CASES)
def test_jacobian_equals_exact_difference_quotients(widths, seed, n, draw_batch):
    net = Network.random_rational(widths, seed=seed)
    X = draw_batch(net, n, np.random.default_rng(seed))
    assert X is not None
    J = rg.jacobian(net, X)
    assert J.shape == (n * widths[-1], net.num_params)
    expected = difference_quotient_columns(net, X, H_STEP)
    assert J.tolist() == expected.tolist()


def test_difference_quotients_on_a_dyadic_he_network(draw_batch):
    net = Network.random_he((3, 4, 3, 2), seed=9)
    X = draw_batch(net, 3, np.random.default_rng(9))
    assert rg.jacobian(net, X).tolist() == difference_quotient_columns(net, X, H_STEP).tolist()


@settings(max_examples=30)
@given(
    st.lists(st.integers(1, 3), min_size=1, max_size=3), st.integers(1, 3), st.integers(1, 2), st.integers(0, 2**32 - 1)
)
def test_forward_matches_a_naive_forward_pass(hidden, n0, nL, seed):
    # the oracle's own tool: relugeom's exact integer forward pass against the definition
    net = Network.random_rational((n0, *hidden, nL), seed=seed)
    rng = np.random.default_rng(seed)
    X = [[F(int(rng.integers(-9, 10)), int(rng.integers(1, 6))) for _ in range(n0)] for _ in range(4)]
    assert rg.forward(net, X).tolist() == [naive_forward(net, x) for x in X]


# ------------------------------------------------------------------------------------ (b) sympy symbolic differentiation
def sympy_jacobian(net: Network, X) -> list[list[Fraction]]:
    """J by sympy.diff of F_θ(x) with the activation pattern at (θ, x) substituted (relu(z) = D z).

    The pattern is read off the symbolic pre-activations evaluated at θ, not from relugeom.
    """
    theta, values, Ws, bs = sympy_network(net)
    rows = []
    for x in X:
        a = sympy.Matrix([sympy.Rational(F(v).numerator, F(v).denominator) for v in x])
        for k in range(len(Ws)):
            z = Ws[k] * a + bs[k]
            if k < len(Ws) - 1:
                signs = [z[i].subs(values) for i in range(z.rows)]
                assert all(s != 0 for s in signs), "degenerate sample"
                a = sympy.diag(*[1 if s > 0 else 0 for s in signs]) * z
        for o in range(z.rows):
            grad = [sympy.diff(z[o], t).subs(values) for t in theta]
            rows.append([F(int(g.p), int(g.q)) for g in grad])
    return rows


@pytest.mark.parametrize("widths, seed", [((2, 3, 2), 11), ((2, 2, 2, 2), 12), ((1, 2, 2, 2, 1), 13)])
def test_jacobian_equals_sympy_differentiation(widths, seed, draw_batch):
    net = Network.random_rational(widths, seed=seed)
    X = draw_batch(net, 3, np.random.default_rng(seed))
    assert rg.jacobian(net, X).tolist() == sympy_jacobian(net, X)


# ------------------------------------------------------------------------------------ (c) float64
def test_float_jacobian_is_close_to_exact_on_a_benign_case():
    net = Network.random_he((4, 8, 6, 3), seed=21)
    rng = np.random.default_rng(21)
    X = rng.normal(size=(7, 4))
    exact_patterns = rg.activation_patterns(net, X)
    assert (exact_patterns == rg.activation_patterns(net, X, method="float")).all()
    J_exact = rg.jacobian(net, X)  # the float inputs taken at their exact values
    J_float = rg.jacobian(net, X, method="float")
    assert J_float.dtype == np.float64 and J_float.shape == J_exact.shape == (21, net.num_params)
    np.testing.assert_allclose(J_float, J_exact.astype(np.float64), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(ExactJacobian(net, X).float_matrix(), J_float, rtol=1e-12, atol=1e-13)


def test_float_jacobian_on_the_hand_example_is_exact(hand_net):
    # dyadic inputs and integer parameters: float64 arithmetic is exact here
    J = rg.jacobian(hand_net, [-1, 0.5, 2, 3], method="float")
    assert J.tolist() == rg.jacobian(hand_net, [-1, "1/2", 2, 3]).astype(float).tolist()


def test_unknown_method_is_refused(hand_net):
    with pytest.raises(ValueError):
        rg.jacobian(hand_net, [2], method="symbolic")


# ------------------------------------------------------------------------------------ (d) modular reduction
@pytest.mark.parametrize("p", [2, 3, 7, 65537, 1000003, 1073741827, 2147483647])
@pytest.mark.parametrize(
    "make",
    [
        lambda: (Network.random_rational((2, 3, 3, 2), seed=31), 31),
        lambda: (Network.random_he((3, 5, 4, 2), seed=32), 32),  # big integers after scaling
        lambda: (Network.random_integer((2, 4, 1), low=-50, high=50, seed=33), 33),
    ],
    ids=["rational", "he", "integer"],
)
def test_mod_p_is_the_integer_jacobian_reduced(make, p, draw_batch):
    net, seed = make()
    X = draw_batch(net, 4, np.random.default_rng(seed), max_num=99, max_den=17)
    jac = ExactJacobian(net, X)
    Jint = jac.integer()
    expected = np.array([[int(v) % p for v in row] for row in Jint], dtype=np.int64)
    got = jac.mod(p)
    assert got.dtype == np.int64
    assert (got == expected).all()


# ------------------------------------------------------------------------------------ (e) at_zero conventions
def _extrapolate(net, x, h):
    """2 J(x + h) − J(x + 2h): the affine extension of J from the region on the side of sign(h)."""
    return (2 * rg.jacobian(net, [x + h]) - rg.jacobian(net, [x + 2 * h])).tolist()


def test_at_zero_on_the_hand_example(hand_net):
    # x = 1 is the kink of neuron 1 (z = x - 1 = 0)
    with pytest.raises(rg.DegeneratePointError):
        rg.jacobian(hand_net, [1])
    active = rg.jacobian(hand_net, [1], at_zero="active").tolist()
    inactive = rg.jacobian(hand_net, [1], at_zero="inactive").tolist()
    assert active == [[1, 1, 1, 1, 1, 0, 1]]
    assert inactive == [[1, 0, 1, 0, 1, 0, 1]]
    # they differ exactly in the incoming columns of neuron 1: W0[1, 0] and b0[1]
    assert [c for c in range(7) if active[0][c] != inactive[0][c]] == [1, 3]
    # one-sided limits: the Jacobian of the region to the right / left, extended to the kink
    assert active == _extrapolate(hand_net, F(1), F(1, 4))
    assert inactive == _extrapolate(hand_net, F(1), F(-1, 4))
    # the float path carries the same convention
    assert rg.jacobian(hand_net, [1.0], method="float", at_zero="active").tolist() == [[1, 1, 1, 1, 1, 0, 1]]
    assert rg.jacobian(hand_net, [1.0], method="float", at_zero="inactive").tolist() == [[1, 0, 1, 0, 1, 0, 1]]


def test_at_zero_in_a_second_hidden_layer():
    # widths (1, 2, 2, 1); at x = 2: z0 = (2, 3), z1 = (3, 0): neuron (1, 1) is at its kink.
    net = Network.from_layers([([[1], [1]], [0, 1]), ([[1, 0], [2, -1]], [1, -1]), ([[1, 1]], [0])])
    active = rg.jacobian(net, [2], at_zero="active").tolist()
    inactive = rg.jacobian(net, [2], at_zero="inactive").tolist()
    # by hand, with d = D_1[1]: B_1 = [1, d], B_0 = B_1 W1 = [1 + 2d, -d]
    #            W0        b0       W1                b1      W2      b2
    assert active == [[6, -2, 3, -1, 2, 3, 2, 3, 1, 1, 3, 0, 1]]
    assert inactive == [[2, 0, 1, 0, 2, 3, 0, 0, 1, 0, 3, 0, 1]]
    assert [c for c in range(13) if active[0][c] != inactive[0][c]] == [0, 1, 2, 3, 6, 7, 9]
    # z1[1] = x - 2 near x = 2: active on the right, inactive on the left
    assert active == _extrapolate(net, F(2), F(1, 4))
    assert inactive == _extrapolate(net, F(2), F(-1, 4))


def test_at_zero_is_carried_into_the_modular_jacobian():
    net = Network.from_layers([([[1], [1]], [0, 1]), ([[1, 0], [2, -1]], [1, -1]), ([[1, 1]], [0])])
    p = 1000003
    for at_zero in ("active", "inactive"):
        jac = ExactJacobian(net, [2, -3, 5], at_zero=at_zero)
        assert jac.at_zero == at_zero
        assert (jac.mod(p) == np.array([[int(v) % p for v in row] for row in jac.integer()])).all()
    assert not (
        ExactJacobian(net, [2], at_zero="active").integer() == ExactJacobian(net, [2], at_zero="inactive").integer()
    ).all()


@settings(max_examples=15)
@given(seed=st.integers(0, 10**6), per=st.integers(1, 7), q=st.integers(1, 2))
def test_streamed_blocks_and_their_random_combinations_are_the_jacobian_mod_p(draw_batch, seed, per, q):
    """Row blocks of J' mod p (any block size) stack to J' mod p; ``combine=q`` gives V_s J'_s for the
    drawn V_s (n_L = 3 here), checked against the integer Jacobian."""
    from relugeom.linalg.echelon import SMALL_PRIME_BITS

    p = 2097143
    assert p < 1 << SMALL_PRIME_BITS
    net = Network.random_he((3, 4, 3, 3), seed=seed)
    X = draw_batch(net, 9, np.random.default_rng(seed), max_num=99, max_den=17)
    assume(X is not None)
    jac = ExactJacobian(net, X)
    J = jac.integer()
    stacked = np.vstack(list(jac.mod_blocks(p, samples_per_block=per))).astype(np.int64).astype(object)
    assert ((stacked - J) % p == 0).all()
    rng = np.random.default_rng(seed + 1)
    got = np.vstack(list(jac.mod_blocks(p, samples_per_block=per, combine=q, seed=seed + 1)))
    for start in range(0, 9, per):  # the generator draws one (c, q, n_L) array per block, in order
        c = min(per, 9 - start)
        V = rng.integers(0, p, (c, q, 3)).astype(object)
        for t in range(c):
            s = start + t
            expected = V[t].dot(J[3 * s : 3 * s + 3])
            rows = got[q * s : q * s + q].astype(np.int64).astype(object)
            assert ((rows - expected) % p == 0).all()


def test_a_tall_jacobian_streams_random_combinations_and_still_gets_the_rank_mod_p(draw_batch):
    """rank_mod on a tall J (n·n_L ≫ N) reads q < n_L combinations per sample first; its rank equals
    FLINT's rank of the whole J' mod the same prime."""
    import flint

    from relugeom.dimension.kernels import JacobianSource
    from relugeom.linalg.source import rank_mod

    p = 1048583
    net = Network.random_he((2, 3, 4), seed=5)  # N = 9 + 16 = 25, n_L = 4
    X = draw_batch(net, 60, np.random.default_rng(5))
    jac = ExactJacobian(net, X)
    J = jac.integer()
    expected = int(flint.nmod_mat(J.shape[0], J.shape[1], [int(v) % p for v in J.ravel()], p).rank())
    assert rank_mod(JacobianSource(jac), p) == expected


@settings(max_examples=15)
@given(seed=st.integers(0, 10**6), per=st.integers(1, 40))
def test_column_blocks_are_the_columns_of_the_jacobian_mod_p(draw_batch, seed, per):
    """mod_column_blocks yields every column of J' mod p exactly once (in its own order), any block size."""
    p = 2097143
    net = Network.random_he((3, 4, 3, 2), seed=seed)
    X = draw_batch(net, 5, np.random.default_rng(seed), max_num=99, max_den=17)
    assume(X is not None)
    jac = ExactJacobian(net, X)
    cols = np.vstack(list(jac.mod_column_blocks(p, rows_per_block=per))).astype(np.int64) % p
    expected = (jac.integer().T % p).astype(np.int64)
    assert sorted(map(tuple, cols.tolist())) == sorted(map(tuple, expected.tolist()))


def test_a_wide_jacobian_streams_its_columns_and_gets_the_rank_mod_p(draw_batch):
    import flint

    from relugeom.dimension.kernels import JacobianSource
    from relugeom.linalg.source import rank_mod

    p = 1048583
    for seed, widths, n in [(6, (5, 6, 6, 3), 4), (7, (4, 8, 2), 3)]:
        net = Network.random_he(widths, seed=seed)
        X = draw_batch(net, n, np.random.default_rng(seed))
        jac = ExactJacobian(net, X)
        J = jac.integer()
        assert J.shape[0] < J.shape[1]
        expected = int(flint.nmod_mat(J.shape[0], J.shape[1], [int(v) % p for v in J.ravel()], p).rank())
        assert rank_mod(JacobianSource(jac), p) == expected


# ------------------------------------------------------------------------------------ Hadamard row bounds
@settings(max_examples=30)
@given(
    st.lists(st.integers(1, 4), min_size=1, max_size=3),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(0, 2**32 - 1),
    st.sampled_from(["integer", "rational", "he"]),
)
def test_row_norm_bounds_bound_the_integer_rows(hidden, n0, nL, seed, kind):
    # the modular error bound rests on these (Hadamard): they must bound the actual squared row norms of J'
    widths = (n0, *hidden, nL)
    net = {"integer": Network.random_integer, "rational": Network.random_rational, "he": Network.random_he}[kind](
        widths, seed=seed
    )
    rng = np.random.default_rng(seed)
    X = [[F(int(rng.integers(-9, 10)), int(rng.integers(1, 6))) for _ in range(n0)] for _ in range(3)]
    jac = ExactJacobian(net, X, at_zero="inactive")
    bounds = jac.row_norm_sq_bounds()
    Jint = jac.integer()
    assert len(bounds) == Jint.shape[0]
    for row, bound in zip(Jint, bounds):
        assert sum(int(v) ** 2 for v in row) <= bound


@settings(max_examples=20)
@given(seed=st.integers(0, 10_000))
def test_squared_loss_gradient_equals_exact_central_differences(seed, draw_batch):
    # within an activation region F is affine in each single parameter, so the loss is quadratic in it
    # and the central difference with a step that keeps every pattern is the derivative, exactly
    net = Network.random_rational((2, 3, 2), 4, 3, seed=seed)
    rng = np.random.default_rng(seed)
    X = draw_batch(net, 3, rng)
    assume(X is not None)
    Y = [[Fraction(int(v)) for v in rng.integers(-3, 4, 2)] for _ in X]
    theta = list(net.parameters())

    def loss(params):
        F = rg.forward(Network.from_parameters(net.widths, params), X)
        return sum((f - y) ** 2 for row, t in zip(F, Y) for f, y in zip(row, t)) / 2

    g = squared_loss_gradient(net, X, Y)
    P = rg.activation_patterns(net, X)
    for i in range(len(theta)):
        h = Fraction(1, 10**6)
        up, down = list(theta), list(theta)
        up[i] += h
        down[i] -= h
        for side in (up, down):
            assert (rg.activation_patterns(Network.from_parameters(net.widths, side), X) == P).all()
        assert g[i] == (loss(up) - loss(down)) / (2 * h)
    gf = squared_loss_gradient(net, np.array(X, dtype=float), np.array(Y, dtype=float), method="float")
    assert gf == pytest.approx([float(v) for v in g], rel=1e-9, abs=1e-12)
    with pytest.raises(rg.ShapeError, match="targets have 2 entries"):
        squared_loss_gradient(net, X, [1, 2])
