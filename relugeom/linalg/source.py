"""What the rank engines need to know about a matrix, and a plain dense rational matrix that has it.

The engines never see Fractions: a rational matrix J is presented as an integer matrix ``J'`` with
``J[:, c] = J'[:, c] / column_scale[c]`` (a positive column scaling, so the rank and the left kernel are
those of J), reduced modulo a prime on request, plus *hints*: integer vectors known by theory to lie in
the right or left kernel of J (in J's coordinates), which let the certified engine skip computing a
kernel. The Jacobian supplies its own source (:mod:`relugeom.dimension.jacobian`); :class:`DenseRational` serves any
explicit matrix.

A source may also offer ``mod_blocks(p, combine=None, seed=0)``: J' mod p for a prime below 2^21 as
consecutive blocks of rows (float64 residues, :mod:`relugeom.linalg.echelon`), so that a large J is never
held whole, and with its ``group_size`` (rows per sample) and ``combine=q``, q random combinations of each
group's rows instead (a random left projection); and ``mod_column_blocks(p)``, the columns as blocks of
rows of J'ᵀ, which :func:`rank_mod` streams for a wide J. Without them, ``mod(p)`` is used.

A source may also offer ``block_ranks()``: a :class:`~relugeom.linalg.certificate.BlockRanks` (groups of
consecutive rows, disjoint column blocks, and for each block the sum over the groups of the exact ranks of
its sub-blocks) or None. The certified engine uses it, when the hints fall short, for the block-rank upper
bound of :mod:`relugeom.linalg.certificate` before computing any kernel. It is optional: engines look it
up with ``getattr``; :class:`DenseRational` returns None (no structure known).

Examples
--------
>>> src = DenseRational([[1, "1/2"], [2, 1]])
>>> src.shape, src.column_scale, src.integer().tolist()
((2, 2), (1, 2), [[1, 1], [2, 2]])
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from typing import Any, Protocol

import numpy as np

from ..numbers import exact_matrix
from .certificate import BlockRanks
from .echelon import SMALL_PRIME_BITS, rank_mod_small_prime, stream_rank
from .modular import PRIME_BITS, rank_mod_p

__all__ = ["MatrixSource", "DenseRational", "Hints", "FLINT_MAX_ENTRIES", "prime_bits", "rank_mod"]

PROJECTION_MARGIN = 32
"""Random row combinations taken beyond the rank's upper bound before the rows themselves are streamed."""

FLINT_MAX_ENTRIES = 1 << 16
"""Matrices of at most this many entries get their rank from FLINT modulo a 31-bit prime; larger ones from
the streamed float64 echelon modulo a 21-bit prime (:mod:`relugeom.linalg.echelon`), which is about ten
times faster per flop and never copies the matrix into Python integers (``bench/rank.py``,
``bench/scale.py``). Small matrices keep the larger primes: their modular error bounds are the sharper."""


def prime_bits(shape: tuple[int, int]) -> int:
    """The size of the primes the engines draw for a matrix of this shape (see :data:`FLINT_MAX_ENTRIES`).

    >>> prime_bits((10, 37)), prime_bits((6000, 25720))
    (31, 21)
    """
    return PRIME_BITS if shape[0] * shape[1] <= FLINT_MAX_ENTRIES else SMALL_PRIME_BITS


def rank_mod(src: "MatrixSource", p: int, stop_at: int | None = None) -> int:
    """Rank of ``J' mod p`` for a source, by FLINT (31-bit p) or streamed (p below 2^21).

    ``stop_at``, an upper bound of the rank proven elsewhere, lets the stream end as soon as the rank
    reaches it (the rank is then proven); FLINT ignores it.

    >>> src = DenseRational([[1, 2], [2, 4], [0, 1]])
    >>> rank_mod(src, 2147483647), rank_mod(src, 1048583)
    (2, 2)
    """
    m, n = src.shape
    if m == 0 or n == 0:
        return 0
    if p >= 1 << SMALL_PRIME_BITS:
        return rank_mod_p(src.mod(p), p)
    cap = min(m, n) if stop_at is None else min(stop_at, m, n)
    columns = getattr(src, "mod_column_blocks", None)
    if m < n and columns is not None:  # a wide J: stream its columns, a full rank stops after ~m of them
        return stream_rank(columns(p), m, p, cap)
    blocks = getattr(src, "mod_blocks", None)
    if blocks is None:
        return rank_mod_small_prime(src.mod(p), p, cap)
    group = getattr(src, "group_size", 1)  # rows per sample
    samples = m // group
    q = -(-(cap + PROJECTION_MARGIN) // samples)  # random combinations per sample to reach the cap
    if q >= group:
        return stream_rank(blocks(p), n, p, cap)
    # a tall J: first q random combinations of each sample's rows, then (if the cap is not reached yet)
    # the rows themselves, into the same basis: the final rank is that of J' mod p
    return stream_rank(itertools.chain(blocks(p, combine=q, seed=p), blocks(p)), n, p, cap)


Hints = tuple[str, tuple[tuple[int, ...], ...]]
"""``(kind, vectors)``: a description and integer kernel vectors in J's coordinates."""


class MatrixSource(Protocol):
    """The interface of a matrix to the rank engines (see the module docstring)."""

    @property
    def shape(self) -> tuple[int, int]: ...

    @property
    def column_scale(self) -> tuple[int, ...]: ...

    def mod(self, p: int) -> np.ndarray: ...

    def integer(self) -> np.ndarray: ...

    def right_hints(self) -> Hints: ...

    def left_hints(self) -> Hints: ...

    def row_norm_sq_bounds(self) -> list[int]: ...

    def float_matrix(self) -> np.ndarray: ...

    # optional: def block_ranks(self) -> BlockRanks | None


class DenseRational:
    """An explicit rational matrix as a :class:`MatrixSource` (no hints)."""

    def __init__(self, rows: Any):
        if hasattr(rows, "tolist") and not isinstance(rows, np.ndarray):
            rows = rows.tolist()  # sympy Matrix
        if isinstance(rows, np.ndarray) and rows.dtype == object:
            rows = rows.tolist()
        self._rows = exact_matrix(rows, "matrix")
        m = len(self._rows)
        n = len(self._rows[0]) if m else 0
        self._shape = (m, n)
        self._scale = tuple(math.lcm(*(self._rows[i][j].denominator for i in range(m))) for j in range(n))
        self._int = np.array(
            [[int(v * s) for v, s in zip(row, self._scale)] for row in self._rows], dtype=object
        ).reshape(self._shape)

    @property
    def shape(self) -> tuple[int, int]:
        return self._shape

    @property
    def column_scale(self) -> tuple[int, ...]:
        return self._scale

    def mod(self, p: int) -> np.ndarray:
        return (self._int % p).astype(np.int64)

    def integer(self) -> np.ndarray:
        return self._int

    def right_hints(self) -> Hints:
        return ("none", ())

    def left_hints(self) -> Hints:
        return ("none", ())

    def block_ranks(self) -> BlockRanks | None:
        return None

    def row_norm_sq_bounds(self) -> list[int]:
        return [sum(int(v) * int(v) for v in row) for row in self._int]

    def float_matrix(self) -> np.ndarray:
        return np.array([[float(v) for v in row] for row in self._rows], dtype=np.float64).reshape(self._shape)

    def fractions(self) -> tuple[tuple[Fraction, ...], ...]:
        return self._rows
