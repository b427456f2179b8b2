"""The block-rank upper bound of the certified engine, its certificate, and the always-active translations.

The bound (relugeom.linalg.certificate): rank J ≤ N − Σ_{k∈S} (N_k − ρ_k)₊ − rank(P_{¬S} U) with
ρ_k = Σ_s rank J[rows of s, columns of map k] = Σ_s rank B_k(x_s) and U known kernel vectors.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import numpy as np
import pytest
import sympy
from helpers import qq_rank, sympy_matrix
from hypothesis import given, settings
from hypothesis import strategies as st

import relugeom as rg
from relugeom.dimension.jacobian import ExactJacobian
from relugeom.dimension.kernels import JacobianSource, always_active_translations, sample_block_ranks
from relugeom.linalg.certificate import BlockRanks, Certificate
from relugeom.linalg.exact import block_bound, certified_rank

P = 2147483647


def small_case() -> tuple[rg.Network, list[list[float]]]:
    """A (6, 5, 5, 4) network whose second hidden layer is nearly silent on 26 sparse non-negative inputs.

    Few active neurons in layer 2 make rank B_0(x_s) small (ρ_0 = 10 for 35 columns of map 0) while the
    first layer's neurons are active on many samples (no incoming null vectors): the mechanism of the
    trained digits network, in a 104 × 89 Jacobian.
    """
    rng = np.random.default_rng(24)
    r8 = lambda *shape: np.round(rng.normal(size=shape) * 8) / 8  # noqa: E731
    layers = [(r8(5, 6), r8(5) + 0.5), (r8(5, 5), r8(5) - 1), (r8(4, 5), r8(4))]
    net = rg.Network.from_layers([(W.tolist(), b.tolist()) for W, b in layers])
    X = np.round(np.abs(rng.normal(size=(26, 6))) * 16) / 16 * (rng.random((26, 6)) < 0.5)
    return net, X.tolist()


def is_kernel_vector(jac: ExactJacobian, u) -> bool:
    J = jac.fractions()
    return all(sum((J[i, c] * u[c] for c in range(J.shape[1]) if u[c]), Fraction(0)) == 0 for i in range(J.shape[0]))


class NoBlocks(JacobianSource):
    """The source as before the block-rank bound existed."""

    def block_ranks(self):
        return None


class XOnlyLeftHints(JacobianSource):
    """The left hints as before they looked past layers with vanishing backward factors: dependencies of
    (x_s, 1) only, so that the cases below keep needing (and exercising) the block-rank bound."""

    def left_hints(self):
        jac = self.jac
        P = jac.pattern_matrix()
        X, dX, n_out = jac.exact.inputs[0], jac.exact.input_dens[0], jac.net.output_dim
        groups: dict[bytes, list[int]] = {}
        for s in range(jac.num_samples):
            groups.setdefault(P[s].tobytes(), []).append(s)
        out = []
        for samples in groups.values():
            null = sympy.Matrix([[X[s, j] for s in samples] for j in range(X.shape[1])] + [[dX] * len(samples)])
            for v in null.nullspace():
                v = v * sympy.lcm([term.q for term in v])
                for o in range(n_out):
                    vec = [0] * jac.shape[0]
                    for s, c in zip(samples, v):
                        vec[s * n_out + o] = int(c)
                    out.append(tuple(vec))
        return ("affine dependencies of the inputs within patterns", tuple(out))


# ------------------------------------------------------------------------------------ (a) certifying
def test_small_case_needs_the_block_bound_and_gets_it():
    net, X = small_case()
    jac = ExactJacobian(net, X)
    cert = certified_rank(JacobianSource(jac), np.random.default_rng(0))
    assert cert.kind.startswith("block ranks") and cert.side == "right"
    assert cert.block_ranks is not None and cert.block_ranks.group_size == net.output_dim
    assert cert.rank == qq_rank(sympy_matrix(jac.fractions())) == 17
    assert len(cert.kernel) < net.num_params - cert.rank  # fewer vectors than a kernel basis
    old = certified_rank(NoBlocks(jac), np.random.default_rng(0))  # the hints alone fall short
    assert old.kind.startswith("computed") and old.rank == cert.rank
    with pytest.raises(rg.CertificationTimeout):
        certified_rank(NoBlocks(jac), np.random.default_rng(0), certify_timeout=0)
    assert certified_rank(JacobianSource(jac), np.random.default_rng(0), certify_timeout=0).rank == 17


def test_trained_digits_network_is_certified_by_block_ranks():
    pytest.importorskip("sklearn")  # the data extra; .ci/run installs it and runs this test
    from relugeom.training.datasets import digits, gaussian_inputs
    from relugeom.training.loop import TrainConfig, train

    data = digits(150, 150, seed=0)
    res = train(
        rg.Network.random_he((64, 8, 8, 10), seed=0),
        data,
        TrainConfig(optimizer="sgd", lr=0.05, epochs=60, checkpoints=(10, 31, 96), loss="cross-entropy"),
    )
    net = res.network_at(31)
    X = gaussian_inputs(150, 64, seed=7919)
    rep = rg.dimension_report(net, X, certify_timeout=20)
    assert rep.bfd == 656 and net.num_params - net.num_hidden == 666
    cert = rep.certificate
    assert cert.kind.startswith("block ranks") and len(cert.kernel) == 16
    assert cert.block_ranks.blocks == ((0, 520, 510),)  # 682 − (520 − 510) − 16 = 656
    assert "block ranks" in cert.describe()


# ------------------------------------------------------------------------------------ (b) verification
def test_block_certificate_verifies_and_tampering_is_caught():
    net, X = small_case()
    jac = ExactJacobian(net, X)
    J = jac.fractions()
    cert = certified_rank(JacobianSource(jac), np.random.default_rng(0))
    assert cert.verify(J) is True
    data = cert.block_ranks
    (start, stop, rho), *rest = data.blocks
    n = net.num_params
    non_kernel = tuple(int(c == 0) for c in range(n))  # W0[0, 0]: not in the kernel
    tampered = [
        replace(cert, rank=cert.rank + 1),
        replace(cert, rank=cert.rank - 1),
        replace(cert, block_ranks=BlockRanks(data.group_size, ((start, stop, rho + 1), *rest))),
        replace(cert, block_ranks=BlockRanks(data.group_size, ((start, stop, rho - 1), *rest))),
        # a lower ρ with one vector fewer: the arithmetic balances, the recomputed ρ does not
        replace(
            cert, block_ranks=BlockRanks(data.group_size, ((start, stop, rho - 1), *rest)), kernel=cert.kernel[:-1]
        ),
        replace(cert, kernel=cert.kernel[:-1]),
        replace(cert, kernel=cert.kernel[:-1] + (cert.kernel[0],)),  # dependent
        replace(cert, kernel=(non_kernel,) + cert.kernel[1:]),
        replace(cert, block_ranks=BlockRanks(data.group_size, ((start, stop, rho), (start, stop, rho)))),
        replace(cert, block_ranks=BlockRanks(data.group_size, ((start, n + 1, rho),))),
        replace(cert, block_ranks=BlockRanks(data.group_size + 1, data.blocks)),  # 104 rows: 5 ∤ 104
        replace(cert, side="left"),
    ]
    for bad in tampered:
        assert bad.verify(J) is False, bad


def test_block_certificate_hand_case():
    # J = [[1, 1], [1, 1]] with groups of one row: rank of column block [0, 2) ≤ 1 + 1 = 2 → no deficit;
    # with groups of two rows, ρ = 1 and rank ≤ 2 − 1 = 1.
    J = [[1, 1], [1, 1]]
    assert Certificate(1, 5, "right", "block ranks", (), BlockRanks(2, ((0, 2, 1),))).verify(J) is True
    assert Certificate(1, 5, "right", "block ranks", (), BlockRanks(1, ((0, 2, 2),))).verify(J) is False
    assert Certificate(0, 5, "right", "block ranks", (), BlockRanks(2, ((0, 2, 0),))).verify(J) is False
    # with a kernel vector u: rank ≤ 3 − Σ (N_k − ρ_k)₊ − rank(P u)
    J3 = [[1, 2, -3], [2, 4, -6]]
    u = (1, 1, 1)  # J3 u = 0; P zeroes column 0 → (0, 1, 1): rank 1
    cert = Certificate(1, 5, "right", "block ranks", (u,), BlockRanks(2, ((0, 1, 1),)))
    assert cert.verify(J3) is False  # 3 − (0 + 1) = 2 ≠ 1
    cert = Certificate(1, 5, "right", "block ranks", (u,), BlockRanks(2, ((0, 2, 1),)))
    assert cert.verify(J3) is True  # 3 − ((2 − 1) + rank (0, 0, 1)) = 1
    assert "block ranks" in cert.describe() and "columns 0–1" in cert.describe()


# ------------------------------------------------------------------------------------ (c) soundness
def sparse_case(widths, seed, n):
    """A small rational network and n sparse non-negative rational inputs (many exact zeros)."""
    net = rg.Network.random_rational(widths, max_numerator=4, max_denominator=3, seed=seed)
    rng = np.random.default_rng(seed)
    X = [
        [Fraction(int(rng.integers(0, 6)), int(rng.integers(1, 4))) * int(rng.random() < 0.6) for _ in range(widths[0])]
        for _ in range(n)
    ]
    return net, X


@st.composite
def networks_and_batches(draw):
    widths = tuple(draw(st.lists(st.integers(1, 4), min_size=3, max_size=4)))
    seed = draw(st.integers(0, 10**6))
    net, X = sparse_case(widths, seed, draw(st.integers(1, 12)))
    at_zero = draw(st.sampled_from(["inactive", "active"]))
    return net, X, at_zero


@settings(max_examples=60)
@given(networks_and_batches(), st.integers(0, 1000))
def test_block_bound_is_sound(case, seed):
    net, X, at_zero = case
    jac = ExactJacobian(net, X, at_zero=at_zero)
    J = sympy_matrix(jac.fractions())
    true_rank = qq_rank(J)
    src = JacobianSource(jac)
    data = src.block_ranks()
    L = net.num_layers
    n_out = net.output_dim
    # ρ_k = Σ_s rank of J's own sub-block (sympy) = Σ_s rank B_k(x_s)
    for start, stop, rho in data.blocks:
        assert rho == sum(qq_rank(J[s * n_out : (s + 1) * n_out, start:stop]) for s in range(len(X)))
    assert len(data.blocks) == L
    bound, S, kept = block_bound(data, src.right_hints()[1], P, net.num_params)
    assert bound >= true_rank
    cert = certified_rank(src, np.random.default_rng(seed))
    assert cert.rank == true_rank
    if cert.block_ranks is not None:
        assert cert.verify(jac.fractions())


# ------------------------------------------------------------------------------------ (d) translations
@settings(max_examples=40)
@given(networks_and_batches())
def test_translations_are_kernel_vectors_exactly_for_always_active_neurons(case):
    net, X, at_zero = case
    jac = ExactJacobian(net, X, at_zero=at_zero)
    vecs = always_active_translations(jac)
    offsets = net.parameter_offsets()
    expected = [(k, i) for k, mask in enumerate(jac.masks) for i in range(mask.shape[1]) if mask[:, i].all()]
    assert len(vecs) == len(expected)
    for (k, i), u in zip(expected, vecs):
        assert u[offsets[k][1] + i] > 0
        assert is_kernel_vector(jac, u)


def test_translation_at_a_zero_preactivation_follows_the_convention():
    # neuron (0, 0): z = x − 1, exactly 0 at x = 1; neuron (0, 1): z = x + 5 > 0 on the batch
    net = rg.Network.from_layers([([[1], [1]], [-1, 5]), ([[2, "1/3"], [1, -1]], [0, 1])])
    X = [[1], [2], [3]]
    active = ExactJacobian(net, X, at_zero="active")
    inactive = ExactJacobian(net, X, at_zero="inactive")
    va, vi = always_active_translations(active), always_active_translations(inactive)
    assert len(va) == 2 and len(vi) == 1
    b0, b1 = net.parameter_offsets()[0][1], net.parameter_offsets()[1][1]
    assert va[0][b0] == 3 and (va[0][b1], va[0][b1 + 1]) == (-6, -3)  # 3 × (1, −W1[:, 0])
    assert vi[0][b0 + 1] == 3 and (vi[0][b1], vi[0][b1 + 1]) == (-1, 3)
    for jac, vecs in ((active, va), (inactive, vi)):
        for u in vecs:
            assert is_kernel_vector(jac, u)


def test_translations_are_in_the_right_hints():
    net = rg.Network.from_layers([([[1], [1]], [3, 5]), ([[1, 1]], [0])])
    jac = ExactJacobian(net, [[1], [2], [4]])
    kind, vecs = JacobianSource(jac).right_hints()
    assert "always-active translations" in kind
    assert set(always_active_translations(jac)) <= set(vecs) and len(always_active_translations(jac)) == 2


def test_backward_factors_are_the_bias_columns_of_the_integer_jacobian():
    net, X = small_case()
    jac = ExactJacobian(net, X)
    Jp = jac.integer()
    n_out = net.output_dim
    for k, B in enumerate(jac.backward_factors()):
        b_start = net.parameter_offsets()[k][1]
        cols = Jp[:, b_start : b_start + B.shape[2]]
        assert np.array_equal(cols, B.reshape(len(X) * n_out, -1))
    assert sample_block_ranks(jac).blocks[0][2] == 10


def test_block_certificates_on_many_small_random_cases_match_sympy():
    # the same kind of cases as the hypothesis law, fixed: about 2% are certified by block ranks
    rng0 = np.random.default_rng(1)
    seen = 0
    for t in range(400):
        widths = tuple(int(v) for v in rng0.integers(1, 5, rng0.integers(3, 5)))
        seed = int(rng0.integers(0, 10**6))
        net, X = sparse_case(widths, seed, int(rng0.integers(1, 13)))
        jac = ExactJacobian(net, X, at_zero="active")
        cert = certified_rank(XOnlyLeftHints(jac), np.random.default_rng(t))
        if cert.block_ranks is None:
            continue
        seen += 1
        assert cert.rank == qq_rank(sympy_matrix(jac.fractions()))
        assert cert.verify(jac.fractions())
    assert seen >= 5
