"""What the rank engines need to know about a matrix, and a plain dense rational matrix that has it.

The engines never see Fractions: a rational matrix J is presented as an integer matrix ``J'`` with
``J[:, c] = J'[:, c] / column_scale[c]`` (a positive column scaling, so the rank and the left kernel are
those of J), reduced modulo a prime on request, plus *hints*: integer vectors known by theory to lie in
the right or left kernel of J (in J's coordinates), which let the certified engine skip computing a
kernel. The Jacobian supplies its own source (:mod:`relugeom.dimension.jacobian`); :class:`DenseRational` serves any
explicit matrix.

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

import math
from fractions import Fraction
from typing import Any, Protocol

import numpy as np

from ..numbers import exact_matrix
from .certificate import BlockRanks

__all__ = ["MatrixSource", "DenseRational", "Hints"]

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
