"""Rank modulo a prime below 2^21 on float64 BLAS, streamed: rows arrive in blocks, only an echelon basis stays.

Why. FLINT's ``nmod_mat`` eliminates at about 5 GFLOP/s on one core here, and a numpy array reaches it only
through a Python list (one Python int per entry: 36 bytes each, more than the matrix itself). float64
``dgemm`` runs at about 80 GFLOP/s on the same core and reads numpy arrays in place. With a prime
p < 2^21 and residues of absolute value below 1.5 p, a product of two residues is below 2^43.2, so a dot
product of up to :data:`MAX_INNER` = 512 terms (plus a residue) stays below 2^53 and float64 computes it
*exactly*; every product here has an inner dimension of at most 512 and is reduced at once.

Reduction. ``r = x − p·rint(x / p)``. For |x| < 2^53 the float quotient is off by less than 2^-19, so
rint is off by at most one and |r| ≤ 1.5 p: no comparison, no branch, one pass. A residue is zero mod p
iff it is 0.0 (|r| < 2p). Residues are kept in float32, which holds every integer below 2^24 exactly:
half the memory of float64, converted block by block for each product.

Streaming. :class:`EchelonBasis` keeps blocks ``(pivots, E)`` with E the identity on its own pivot
columns and zero on the pivot columns of every earlier block. A new block of rows C is reduced against
the blocks in order (``C ← C − C[:, pivots] E``; after block b, C vanishes on the pivots of blocks 0…b),
then brought to that form itself by a recursive Gauss–Jordan (halves, down to 4 rows done row by row).
Nothing else is kept: memory is rank × N residues plus one block of rows, whatever the number of rows
streamed, and ``stop_at`` ends the stream as soon as the rank reaches a proven upper bound.

Cost: ``2 · rows · rank · N`` flops for the products, about the flops of an LU and a third of an SVD's.
Which side to stream: the longer one (rows of a tall matrix, columns of a wide one). Without a stop
both cost the same; with ``stop_at`` a full rank is proven after about ``rank`` vectors of the short
length, ``2 rank² min(m, N)`` flops.

The rank modulo p is a certain lower bound of the rank over Q of the integer matrix whose residues were
streamed (see :mod:`relugeom.linalg.modular`).

Examples
--------
>>> basis = EchelonBasis(3, 1048583)
>>> basis.add([[1, 2, 3], [2, 4, 6]])
1
>>> basis.add([[0, 1, 1]])
2
>>> rank_mod_small_prime(np.array([[1, 2, 3], [2, 4, 6], [1, 0, 1]]), 1048583)
2
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from ..limits import checkpoint

__all__ = [
    "SMALL_PRIME_BITS",
    "MAX_INNER",
    "EchelonBasis",
    "reduce_mod",
    "residues",
    "matmul_mod_small",
    "rank_mod_small_prime",
    "stream_rank",
    "basis_bytes",
]

SMALL_PRIME_BITS = 21
"""Primes of this engine lie in [2^20, 2^21)."""

MAX_INNER = 512
"""Longest exact dot product of residues (|r| ≤ 1.5 p < 3·2^20): 512 · 9·2^40 + 3·2^20 < 2^53."""

_BASE = 4  # rows eliminated one by one at the bottom of the recursion
_SLAB = 4096  # columns of a basis block converted to float64 at once


def reduce_mod(x: np.ndarray, p: int) -> np.ndarray:
    """``x − p·rint(x/p)`` in place for a float64 array of integers below 2^53: residues with |r| ≤ 1.5 p.

    >>> reduce_mod(np.array([7.0, -7.0, 13.0]), 5).tolist()
    [2.0, -2.0, -2.0]
    """
    q = np.multiply(x, 1.0 / p)
    np.rint(q, out=q)
    q *= p
    x -= q
    return x


def residues(A, p: int) -> np.ndarray:
    """Integer entries (int64 or object-int arrays, nested lists) as float64 residues mod p (|r| ≤ 1.5 p).

    >>> residues(np.array([[2**80 + 4, -1]], dtype=object), 7).tolist()
    [[1.0, -1.0]]
    """
    arr = np.asarray(A)
    if arr.dtype == object or arr.dtype.kind in "iu":
        arr = np.mod(arr, p).astype(np.int64)  # Python ints of any size, int64 beyond 2^53
    elif arr.dtype.kind != "f":
        raise TypeError(f"integer entries expected, got an array of dtype {arr.dtype}")
    return reduce_mod(np.array(arr, dtype=np.float64), p)


def matmul_mod_small(A: np.ndarray, B: np.ndarray, p: int) -> np.ndarray:
    """``A @ B`` reduced mod p for float64 residue arrays, exactly: the inner dimension in pieces of 512.

    >>> A = np.array([[3.0, 4.0]]); B = np.array([[5.0], [6.0]])
    >>> int(matmul_mod_small(A, B, 7)[0, 0]) % 7 == (3 * 5 + 4 * 6) % 7
    True
    """
    k = A.shape[1]
    if k <= MAX_INNER:
        return reduce_mod(A @ B, p)
    out = np.zeros((A.shape[0], B.shape[1]))
    for start in range(0, k, MAX_INNER):
        out += reduce_mod(A[:, start : start + MAX_INNER] @ B[start : start + MAX_INNER], p)
        reduce_mod(out, p)
    return out


def _inverse(v: float, p: int) -> int:
    return pow(int(v) % p, -1, p)


def _gauss_jordan_rows(C: np.ndarray, p: int) -> tuple[list[int], np.ndarray]:
    """Row-by-row Gauss–Jordan of a few reduced float64 rows: pivots and rows, identity on the pivots."""
    C = C.copy()
    pivots: list[int] = []
    done = 0
    for i in range(C.shape[0]):
        nz = np.flatnonzero(C[i])
        if nz.size == 0:
            continue
        j = int(nz[0])
        row = reduce_mod(C[i] * float(_inverse(C[i, j], p)), p)
        row[j] = 1.0
        others = C[:, j].copy()
        others[i] = 0.0
        if others.any():
            C -= np.outer(others, row)
            reduce_mod(C, p)
        C[i] = row
        C[[done, i]] = C[[i, done]]
        pivots.append(j)
        done += 1
    return pivots, C[:done]


def _gauss_jordan(C: np.ndarray, p: int) -> tuple[list[int], np.ndarray]:
    """Reduced echelon rows of C (float64 residues, at most MAX_INNER rows), identity on the pivot columns."""
    if C.shape[0] <= _BASE:
        return _gauss_jordan_rows(C, p)
    half = C.shape[0] // 2
    P1, E1 = _gauss_jordan(C[:half], p)
    bottom = C[half:]
    if P1:
        bottom = reduce_mod(bottom - bottom[:, P1] @ E1, p)
    P2, E2 = _gauss_jordan(bottom, p)
    if P2 and P1:
        E1 = reduce_mod(E1 - E1[:, P2] @ E2, p)
    return P1 + P2, np.vstack([E1, E2])


class EchelonBasis:
    """An echelon basis mod p (a prime in [2^20, 2^21)) of the rows streamed into it (module docstring).

    Parameters
    ----------
    ncols : int
    p : int
        A prime below 2^21.

    Attributes
    ----------
    rank : int
        The rank mod p of all rows added so far.
    pivots : list of int
        The pivot columns, one per basis row.
    """

    def __init__(self, ncols: int, p: int):
        if not 2 < p < 1 << SMALL_PRIME_BITS:
            raise ValueError(f"the float64 echelon needs a prime below 2^{SMALL_PRIME_BITS}, got {p}")
        self.ncols = ncols
        self.p = p
        self._blocks: list[tuple[list[int], np.ndarray]] = []
        self.rank = 0
        self.pivots: list[int] = []

    @property
    def nbytes(self) -> int:
        """Bytes held by the basis (float32 residues)."""
        return sum(E.nbytes for _, E in self._blocks)

    def add(self, rows) -> int:
        """Add rows (integers, or residues from :func:`residues`); returns the new rank."""
        C = np.asarray(rows)
        if C.dtype != np.float64:
            C = residues(C, self.p)
        if C.ndim != 2 or C.shape[1] != self.ncols:
            raise ValueError(f"rows of {self.ncols} columns expected, got shape {C.shape}")
        for start in range(0, C.shape[0], MAX_INNER):
            self._add_block(np.array(C[start : start + MAX_INNER], dtype=np.float64))
        return self.rank

    def _add_block(self, C: np.ndarray) -> None:
        p = self.p
        for pivots, E in self._blocks:
            coeffs = C[:, pivots]
            if coeffs.any():
                for start in range(0, self.ncols, _SLAB):  # float32 → float64 a slab of columns at a time
                    cols = slice(start, start + _SLAB)
                    C[:, cols] -= coeffs @ E[:, cols].astype(np.float64)
                    reduce_mod(C[:, cols], p)
        if not C.any():
            return
        P, E = _gauss_jordan(C, p)
        if P:
            self._blocks.append((P, E.astype(np.float32)))
            self.rank += len(P)
            self.pivots.extend(P)


def stream_rank(blocks: Iterable, ncols: int, p: int, stop_at: int | None = None) -> int:
    """Rank mod p of the rows of the blocks, streamed; stops early once the rank reaches ``stop_at``.

    ``stop_at`` must be an upper bound of the rank (e.g. ``min(rows, ncols)``, or N minus the rank of
    known kernel vectors): reaching it proves the rank.

    >>> stream_rank(iter([[[1, 0, 0]], [[0, 1, 0]], [[1, 1, 0]]]), 3, 1048583)
    2
    """
    basis = EchelonBasis(ncols, p)
    cap = ncols if stop_at is None else min(stop_at, ncols)
    if cap <= 0:
        return 0
    rows = 0
    for block in blocks:
        if basis.add(block) >= cap:
            break
        rows += len(block)
        checkpoint(f"rank mod p: {rows:,} rows streamed, rank {basis.rank:,} so far")
    return basis.rank


def rank_mod_small_prime(A, p: int, stop_at: int | None = None) -> int:
    """Rank mod p (a prime below 2^21) of an integer matrix, by :class:`EchelonBasis` over its rows."""
    A = np.asarray(A)
    m, n = A.shape
    if m == 0 or n == 0:
        return 0
    if m < n:
        A, (m, n) = A.T, (n, m)  # stream the longer side: short vectors, and the stop comes after ~rank of them
    blocks = (A[start : start + MAX_INNER] for start in range(0, m, MAX_INNER))
    return stream_rank(blocks, n, p, min(m, n) if stop_at is None else stop_at)


def basis_bytes(rank_bound: int, ncols: int, block_rows: int = MAX_INNER) -> int:
    """Peak bytes of a stream: the float32 basis of ``rank_bound`` rows plus a few float64 row blocks.

    >>> basis_bytes(1000, 100) == 1000 * 100 * 4 + 4 * 512 * 100 * 8
    True
    """
    return rank_bound * ncols * 4 + 4 * block_rows * ncols * 8
