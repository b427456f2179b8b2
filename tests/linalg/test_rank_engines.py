"""Every rank engine on the same cases, against sympy (in the spirit of sympy's test_xxm.py), plus the
certificates of the exact engine, its retry and timeout behaviour, and the modular error bound."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy
from helpers import sympy_matrix, sympy_rank
from hypothesis import given, settings
from hypothesis import strategies as st

import relugeom as rg
from relugeom.linalg import DenseRational
from relugeom.linalg.certificate import Certificate
from relugeom.linalg.exact import certified_rank
from relugeom.linalg.modular import PRIME_BITS

F = Fraction


def low_rank(m: int, n: int, r: int, seed: int, rational: bool = False) -> list[list[Fraction]]:
    """A random m × n matrix of rank r: (m × r integer) · (r × n integer), rows optionally divided."""
    rng = np.random.default_rng(seed)
    A = rng.integers(-3, 4, (m, r))
    B = rng.integers(-3, 4, (r, n))
    M = A @ B
    dens = rng.integers(1, 8, m) if rational else np.ones(m, dtype=int)
    return [[F(int(v), int(d)) for v in row] for row, d in zip(M, dens)]


CASES = {
    "4x6 rank 2": low_rank(4, 6, 2, 0),
    "6x4 rank 3": low_rank(6, 4, 3, 1),
    "5x5 rank 4": low_rank(5, 5, 4, 2),
    "7x3 rank 1": low_rank(7, 3, 1, 3),
    "3x8 rank 3 (full)": low_rank(3, 8, 3, 4),
    "5x5 rank 5 (full)": low_rank(5, 5, 5, 5),
    "6x9 rank 4 rational": low_rank(6, 9, 4, 6, rational=True),
    "8x5 rank 2 rational": low_rank(8, 5, 2, 7, rational=True),
    "zero 3x4": [[F(0)] * 4 for _ in range(3)],
    "zero 1x1": [[F(0)]],
    "1x1": [[F(-7, 3)]],
    "row": [[F(1), F(2), F(0), F(-1)]],
    "column of zeros and one": [[F(0)], [F(0)], [F(5)]],
    "identity 4": [[F(int(i == j)) for j in range(4)] for i in range(4)],
    "duplicate rows": [[F(1), F(2), F(3)], [F(1), F(2), F(3)], [F(1, 2), F(1), F(3, 2)]],
}
EXPECTED = {
    "4x6 rank 2": 2,
    "6x4 rank 3": 3,
    "5x5 rank 4": 4,
    "7x3 rank 1": 1,
    "3x8 rank 3 (full)": 3,
    "5x5 rank 5 (full)": 5,
    "6x9 rank 4 rational": 4,
    "8x5 rank 2 rational": 2,
    "zero 3x4": 0,
    "zero 1x1": 0,
    "1x1": 1,
    "row": 1,
    "column of zeros and one": 1,
    "identity 4": 4,
    "duplicate rows": 1,
}


@pytest.mark.parametrize("name", list(CASES))
def test_cases_have_their_prescribed_rank(name):
    assert sympy_rank(CASES[name]) == EXPECTED[name]


@pytest.mark.parametrize("name", list(CASES))
def test_engines_agree_with_sympy(rank_method, name):
    M = CASES[name]
    res = rg.rank(M, rank_method, seed=0)
    assert res.rank == EXPECTED[name]
    assert res.method == rank_method
    assert res.certified is (rank_method == "exact")
    if rank_method == "exact":
        assert res.error_bound == 0.0
        assert res.certificate is not None and res.certificate.rank == res.rank
        assert res.certificate.verify(M) is True
    elif rank_method == "modular":
        assert res.certificate is None
        assert isinstance(res.error_bound, float) and 0.0 <= res.error_bound <= 1.0
        assert len(res.primes) >= 1 and len(set(res.primes)) == len(res.primes)
        assert all(2 ** (PRIME_BITS - 1) <= p < 2**PRIME_BITS and sympy.isprime(p) for p in res.primes)
    else:
        assert res.certificate is None and res.tolerance is not None


def test_engines_accept_numpy_and_sympy_inputs(rank_method):
    M = CASES["5x5 rank 4"]
    as_object = np.array(M, dtype=object)
    as_sympy = sympy_matrix(M)
    as_int = np.array([[int(v) for v in row] for row in M], dtype=np.int64)
    for A in (as_object, as_sympy, as_int, [[str(v) for v in row] for row in M]):
        assert rg.rank(A, rank_method, seed=1).rank == 4


def test_unknown_method_is_refused():
    with pytest.raises(ValueError):
        rg.rank([[1]], "magic")


@settings(max_examples=40)
@given(st.integers(1, 6), st.integers(1, 6), st.data())
def test_exact_and_modular_ranks_match_sympy_on_random_rational_matrices(m, n, data):
    r = data.draw(st.integers(0, min(m, n)))
    A = data.draw(
        st.lists(
            st.lists(st.fractions(min_value=-4, max_value=4, max_denominator=5), min_size=r, max_size=r),
            min_size=m,
            max_size=m,
        )
    )
    B = data.draw(st.lists(st.lists(st.integers(-3, 3), min_size=n, max_size=n), min_size=r, max_size=r))
    M = [[sum((A[i][t] * B[t][j] for t in range(r)), F(0)) for j in range(n)] for i in range(m)]
    expected = sympy_rank(M)
    exact = rg.rank(M, "exact", seed=data.draw(st.integers(0, 1000)))
    assert exact.rank == expected
    assert exact.certificate.verify(M)
    modular = rg.rank(M, "modular", seed=0)
    assert modular.rank <= expected  # always a lower bound
    assert modular.rank == expected  # and here (31-bit primes, tiny entries) equal


# ------------------------------------------------------------------------------------ float engine specifics
def test_float_engine_fails_where_exact_does_not():
    # rows (1, 1) and (1, 1 + 2^-60): independent over Q, but 1 + 2^-60 == 1 in float64
    M = [[F(1), F(1)], [F(1), 1 + F(1, 2**60)]]
    assert rg.rank(M, "exact").rank == 2
    assert rg.rank(M, "modular").rank == 2
    assert rg.rank(M, "float").rank == 1


def test_float_engine_tolerance_and_gap():
    M = np.array([[1.0, 0.0], [0.0, 1e-3]])
    res = rg.rank(M, "float")
    assert res.rank == 2 and res.singular_value_gap == float("inf")
    assert res.tolerance == pytest.approx(1.0 * 2 * np.finfo(np.float64).eps)
    coarse = rg.rank(M, "float", tol=1e-2)
    assert coarse.rank == 1 and coarse.tolerance == 1e-2
    assert coarse.singular_value_gap == pytest.approx(1e3)
    assert rg.rank(np.zeros((2, 3)), "float").singular_value_gap is None


# ------------------------------------------------------------------------------------ certificates
def _non_kernel_vector(M, side: str) -> tuple[int, ...] | None:
    """A unit vector outside the right (or left) kernel of M (None for the zero matrix)."""
    Msym = sympy_matrix(M)
    length = Msym.cols if side == "right" else Msym.rows
    for i in range(length):
        e = [0] * length
        e[i] = 1
        prod = Msym * sympy.Matrix(e) if side == "right" else sympy.Matrix([e]) * Msym
        if not prod.is_zero_matrix:
            return tuple(e)
    return None


@pytest.mark.parametrize(
    "name",
    ["4x6 rank 2", "6x4 rank 3", "6x9 rank 4 rational", "zero 3x4", "duplicate rows", "5x5 rank 5 (full)", "1x1"],
)
def test_tampered_certificates_do_not_verify(name):
    M = CASES[name]
    cert = rg.rank(M, "exact", seed=3).certificate
    assert cert.verify(M)
    r = cert.rank
    tampered = [Certificate(r + 1, cert.prime, cert.side, cert.kind, cert.kernel[:-1])]
    if cert.side == "full":
        if r > 0:
            tampered.append(Certificate(r - 1, cert.prime, "right", "lie", (_non_kernel_vector(M, "right"),)))
        tampered.append(Certificate(r, cert.prime, "right", "lie", (_non_kernel_vector(M, "right"),)))
    else:
        bad = _non_kernel_vector(M, cert.side)
        if bad is not None:
            # a vector that is not in the kernel
            tampered.append(Certificate(r, cert.prime, cert.side, cert.kind, (bad,) + cert.kernel[1:]))
            # claiming a smaller rank with one extra, false, kernel vector
            if r > 0:
                tampered.append(Certificate(r - 1, cert.prime, cert.side, cert.kind, cert.kernel + (bad,)))
        else:  # the zero matrix: the zero vector is in the kernel but certifies nothing
            zero = tuple(0 for _ in cert.kernel[0])
            tampered.append(Certificate(r, cert.prime, cert.side, cert.kind, (zero,) + cert.kernel[1:]))
        # right number of vectors, all in the kernel, but dependent
        if len(cert.kernel) >= 2:
            tampered.append(Certificate(r, cert.prime, cert.side, cert.kind, cert.kernel[:-1] + (cert.kernel[0],)))
        # claiming full rank
        tampered.append(Certificate(r, cert.prime, "full", "lie"))
        # too few vectors
        tampered.append(Certificate(r, cert.prime, cert.side, cert.kind, cert.kernel[:-1]))
    for bad_cert in tampered:
        assert bad_cert.verify(M) is False, bad_cert


def test_certificate_verify_hand_case():
    J = [[1, 2, 3], [2, 4, 6]]
    good = Certificate(rank=1, prime=1000003, side="right", kind="hand", kernel=((-2, 1, 0), (-3, 0, 1)))
    assert good.verify(J) is True
    assert Certificate(1, 1000003, "left", "hand", ((2, -1),)).verify(J) is True
    assert Certificate(1, 1000003, "left", "hand", ((1, -1),)).verify(J) is False
    assert Certificate(1, 1000003, "right", "hand", ((-2, 1, 0), (-4, 2, 0))).verify(J) is False  # dependent
    assert Certificate(0, 1000003, "right", "hand", ((-2, 1, 0), (-3, 0, 1), (1, 0, 0))).verify(J) is False


def test_certificate_verify_uses_the_prime_for_the_lower_bound():
    # rank([[3, 0], [0, 1]]) over Q is 2, but mod 3 it is 1: a certificate claiming rank 2 via p = 3 is bogus
    assert Certificate(2, 3, "full", "full rank").verify([[3, 0], [0, 1]]) is False
    assert Certificate(2, 5, "full", "full rank").verify([[3, 0], [0, 1]]) is True


# ------------------------------------------------------------------------------------ retry, skip, timeout
P1, P2, P3 = 1073741827, 1073741831, 1073741833  # the first primes above 2^30


class ScriptedRng:
    """Stands in for numpy's Generator in ``random_prime``: returns the scripted candidates in order."""

    def __init__(self, values):
        self.values = list(values)

    def integers(self, lo, hi):
        assert lo <= self.values[0] < hi
        return self.values.pop(0)


def test_unlucky_prime_is_retried():
    # rank 2 over Q, rank 1 mod P1: the kernel computed mod P1 fails the exact check, P2 succeeds
    M = [[P1, 0], [0, 1]]
    cert = certified_rank(DenseRational(M), ScriptedRng([P1, P2]))
    assert cert.rank == 2 and cert.prime == P2 and cert.side == "full"
    assert cert.verify(M)


def test_unlucky_prime_with_no_retry_left_times_out_with_bounds():
    M = [[P1, 0, 0], [0, 1, 0]]
    with pytest.raises(rg.CertificationTimeout) as info:
        certified_rank(DenseRational(M), ScriptedRng([P1]), max_primes=1)
    err = info.value
    assert (err.modular_rank, err.lower_bound, err.upper_bound) == (1, 1, 2)


def test_prime_dividing_a_column_scale_is_skipped():
    M = [[F(1, P1), 1], [1, 1]]  # column 0 has denominator P1
    cert = certified_rank(DenseRational(M), ScriptedRng([P1, P2]))
    assert cert.prime == P2 and cert.rank == 2 and cert.verify(M)


def test_retry_then_computed_kernel():
    # P1 gives rank 1 (unlucky: the kernel computed mod P1 fails the exact check); P2 gives the true
    # rank 2 of this 3x3 matrix, certified by one computed kernel vector; the third prime is not used
    M = [[P1, 0, 0], [0, 1, 1], [0, 1, 1]]
    rng = ScriptedRng([P1, P2, P3])
    cert = certified_rank(DenseRational(M), rng)
    assert cert.rank == 2 and cert.prime == P2 and cert.side in ("right", "left") and len(cert.kernel) == 1
    assert cert.verify(M)
    assert rng.values == [P3]


def test_certify_timeout_zero_raises_with_what_is_known():
    M = CASES["6x9 rank 4 rational"]  # needs computed kernel vectors: no hints for a plain matrix
    with pytest.raises(rg.CertificationTimeout) as info:
        rg.rank(M, "exact", certify_timeout=0, seed=0)
    err = info.value
    assert err.modular_rank == 4 and err.lower_bound == 4
    assert err.upper_bound == 6  # min(m, n): nothing certified beyond the trivial bound
    assert err.budget == 0
    assert "4 <= rank <= 6" in str(err)
    assert isinstance(err, rg.RelugeomError)


def test_certify_timeout_zero_is_fine_when_no_kernel_is_needed():
    assert rg.rank(CASES["5x5 rank 5 (full)"], "exact", certify_timeout=0).rank == 5


def test_certified_rank_direct_call_with_timeout_zero():
    with pytest.raises(rg.CertificationTimeout) as info:
        certified_rank(DenseRational(CASES["4x6 rank 2"]), np.random.default_rng(0), certify_timeout=0)
    assert (info.value.modular_rank, info.value.lower_bound, info.value.upper_bound) == (2, 2, 4)


# ------------------------------------------------------------------------------------ modular error bound
def test_modular_error_bound():
    full = rg.rank(CASES["5x5 rank 5 (full)"], "modular", seed=0)
    assert full.error_bound == 0.0
    one_prime = rg.rank(CASES["6x9 rank 4 rational"], "modular", seed=0, num_primes=1)
    assert isinstance(one_prime.error_bound, float)
    assert len(one_prime.primes) == 1
    assert 0.0 < one_prime.error_bound < 1e-6  # one 31-bit prime against small minors
    two_primes = rg.rank(CASES["6x9 rank 4 rational"], "modular", seed=0, num_primes=2)
    assert len(two_primes.primes) == 2
    assert 0.0 < two_primes.error_bound < 1e-12  # independent primes: the bound multiplies
    assert two_primes.error_bound <= one_prime.error_bound
    huge = [[F(3) ** 400, F(1)], [F(3) ** 400, F(1)]]  # big entries: a weaker, still valid, bound
    assert 0.0 <= rg.rank(huge, "modular", seed=0, num_primes=1).error_bound <= 1.0
