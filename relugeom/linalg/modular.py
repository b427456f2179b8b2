"""Arithmetic and rank modulo word-size primes (FLINT ``nmod_mat``).

The rank of an integer matrix modulo a prime p is a *certain lower bound* of its rank over Q: a nonzero
minor mod p is a nonzero integer. It is equal to the rank unless p divides every nonzero r × r minor,
which the Hadamard bound makes unlikely for a random p of 31 bits (see :func:`failure_probability`).

Examples
--------
>>> A = np.array([[1, 2, 3], [2, 4, 6], [1, 0, 1]], dtype=np.int64)
>>> rank_mod_p(A, 1000003)
2
>>> matmul_mod(A, A, 7).tolist() == ((A @ A) % 7).tolist()
True
"""

from __future__ import annotations

import math
from typing import Sequence

import flint
import numpy as np

__all__ = [
    "PRIME_BITS",
    "random_prime",
    "matmul_mod",
    "rank_mod_p",
    "to_nmod",
    "count_primes_in_range",
    "failure_probability",
    "log2_hadamard_bound",
]

PRIME_BITS = 31
"""Primes are drawn from [2^30, 2^31): products of two residues fit in int64."""

_SPLIT = 16  # B = B_hi 2^16 + B_lo; A·B_lo over 32 terms stays below 2^53 (exact in float64)
_CHUNK = 32


def random_prime(rng: np.random.Generator, exclude: Sequence[int] = (), bits: int = PRIME_BITS) -> int:
    """A uniformly drawn prime in [2^(bits−1), 2^bits), not in ``exclude``."""
    lo, hi = 1 << (bits - 1), 1 << bits
    while True:
        c = int(rng.integers(lo, hi)) | 1
        if c not in exclude and flint.fmpz(c).is_prime():
            return c


def matmul_mod(A: np.ndarray, B: np.ndarray, p: int) -> np.ndarray:
    """``A @ B mod p`` for int64 arrays with entries in [0, p), p < 2^31, exactly, on float64 BLAS."""
    A = np.asarray(A, dtype=np.int64)
    B = np.asarray(B, dtype=np.int64)
    lo = (B & ((1 << _SPLIT) - 1)).astype(np.float64)
    hi = (B >> _SPLIT).astype(np.float64)
    out = np.zeros((A.shape[0], B.shape[1]), dtype=np.int64)
    for start in range(0, A.shape[1], _CHUNK):
        a = A[:, start : start + _CHUNK].astype(np.float64)
        part_lo = (a @ lo[start : start + _CHUNK]).astype(np.int64) % p
        part_hi = (a @ hi[start : start + _CHUNK]).astype(np.int64) % p
        out = (out + part_lo + ((part_hi << _SPLIT) % p)) % p
    return out


def to_nmod(A: np.ndarray, p: int) -> flint.nmod_mat:
    """An int64 (or object-int) array as a FLINT ``nmod_mat`` modulo p."""
    m, n = A.shape
    # through fmpz_mat: its constructor reads Python ints about 1.4x faster than nmod_mat's
    return flint.nmod_mat(flint.fmpz_mat(m, n, np.asarray(A).ravel().tolist()), p)


def rank_mod_p(A: np.ndarray, p: int) -> int:
    """Rank of an integer matrix modulo the prime p (0 for an empty matrix)."""
    if A.shape[0] == 0 or A.shape[1] == 0:
        return 0
    if A.shape[0] > A.shape[1]:
        A = A.T  # FLINT eliminates a wide matrix faster than the tall one (same rank)
    return int(to_nmod(A, p).rank())


def log2_hadamard_bound(row_norms_sq: Sequence[int], r: int) -> float:
    """log2 of a bound on |any r × r minor|: the product of the r largest Euclidean row norms."""
    top = sorted((int(v) for v in row_norms_sq), reverse=True)[:r]
    return sum(0.5 * math.log2(v) for v in top if v > 0)


def count_primes_in_range(bits: int = PRIME_BITS) -> int:
    """A lower bound on the number of primes in [2^(bits−1), 2^bits) (Rosser–Schoenfeld): 3.5e7
    for 31 bits, 4.9e4 for 21 bits (:mod:`relugeom.linalg.echelon`'s primes).

    >>> count_primes_in_range(), count_primes_in_range(21)
    (35134412, 49142)
    """
    lo, hi = 1 << (bits - 1), 1 << bits
    # π(x) > x / ln x for x ≥ 17 and π(x) < 1.25506 x / ln x
    return int(hi / math.log(hi) - 1.25506 * lo / math.log(lo))


def failure_probability(log2_bound: float, num_primes_used: int, bits: int = PRIME_BITS) -> float:
    """Bound on P(rank mod every used prime < rank over Q), for primes of ``bits`` bits.

    A nonzero integer of absolute value ≤ 2^b has at most b / 30 prime factors ≥ 2^30, so a uniformly
    random prime of the range divides a fixed nonzero maximal minor with probability ≤ (b/30) / #primes;
    with k independent primes the bound is raised to the power k.

    >>> failure_probability(3000.0, 1) < 1e-5
    True
    """
    bad = max(log2_bound, 1.0) / (bits - 1)
    per_prime = min(1.0, bad / count_primes_in_range(bits))
    return per_prime**num_primes_used
