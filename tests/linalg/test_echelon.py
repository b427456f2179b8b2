"""The streamed float64 echelon mod a 21-bit prime, against FLINT's nmod_mat (a second rank backend)."""

from __future__ import annotations

import flint
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relugeom.linalg.echelon import (
    MAX_INNER,
    EchelonBasis,
    matmul_mod_small,
    rank_mod_small_prime,
    reduce_mod,
    residues,
    stream_rank,
)

P = 2097143  # the largest prime below 2^21
Q = 1048583  # the smallest prime above 2^20


def flint_rank(A: np.ndarray, p: int) -> int:
    m, n = A.shape
    return int(flint.nmod_mat(m, n, [int(v) % p for v in A.ravel()], p).rank()) if m and n else 0


def low_rank(rng: np.random.Generator, m: int, n: int, r: int, bound: int = 1000) -> np.ndarray:
    return rng.integers(-bound, bound, (m, r)) @ rng.integers(-bound, bound, (r, n))


@settings(max_examples=40)
@given(
    m=st.integers(0, 40),
    n=st.integers(0, 40),
    r=st.integers(0, 40),
    seed=st.integers(0, 2**32 - 1),
    p=st.sampled_from([P, Q]),
)
def test_rank_matches_flint_on_random_low_rank_matrices(m, n, r, seed, p):
    A = low_rank(np.random.default_rng(seed), m, n, r)
    assert rank_mod_small_prime(A, p) == flint_rank(A, p)


@settings(max_examples=10)
@given(seed=st.integers(0, 2**32 - 1), r=st.integers(1, 60))
def test_rank_over_several_row_blocks_and_the_pivots_are_independent_columns(seed, r):
    rng = np.random.default_rng(seed)
    A = low_rank(rng, 2 * MAX_INNER + 37, 70, r)  # three blocks of rows
    basis = EchelonBasis(70, P)
    basis.add(A)
    assert basis.rank == flint_rank(A, P) == r
    assert len(set(basis.pivots)) == r and flint_rank(A[:, sorted(basis.pivots)], P) == r


def test_residues_modulo_p_near_the_prime_and_of_big_integers():
    A = np.array([[P - 1, P, P + 1, -1, 0], [2**200 + 5, -(2**90), 3 * P, 2**62, -(2**62)]], dtype=object)
    R = residues(A, P)
    assert R.dtype == np.float64 and (np.abs(R) <= 1.5 * P).all()
    assert ((R.astype(np.int64).astype(object) - A) % P == 0).all()
    assert rank_mod_small_prime(np.array([[P, 2 * P], [1, 2]], dtype=object), P) == 1  # a row ≡ 0


@settings(max_examples=60)
@given(x=st.integers(-(2**53) + 1, 2**53 - 1), p=st.sampled_from([P, Q, 3, 5]))
def test_reduce_mod_keeps_the_class_and_the_bound(x, p):
    r = reduce_mod(np.array([float(x)]), p)[0]
    assert r == int(r) and (int(r) - x) % p == 0 and abs(r) <= 1.5 * p


@settings(max_examples=15)
@given(seed=st.integers(0, 2**32 - 1), k=st.integers(1, 3 * MAX_INNER))
def test_products_of_residues_are_exact_for_any_inner_dimension(seed, k):
    rng = np.random.default_rng(seed)
    A = reduce_mod(rng.integers(-P, P, (3, k)).astype(np.float64), P)
    B = reduce_mod(rng.integers(-P, P, (k, 2)).astype(np.float64), P)
    exact = A.astype(np.int64).astype(object).dot(B.astype(np.int64).astype(object))
    assert ((matmul_mod_small(A, B, P).astype(np.int64).astype(object) - exact) % P == 0).all()


def test_the_stream_stops_reading_once_the_rank_reaches_the_bound():
    read = []

    def blocks():
        for t in range(10):
            read.append(t)
            yield np.eye(3)[[t % 3]]

    assert stream_rank(blocks(), 3, P, stop_at=2) == 2
    assert read == [0, 1]


def test_a_prime_too_large_for_float64_products_is_refused():
    with pytest.raises(ValueError, match="below 2"):
        EchelonBasis(3, 2147483647)
