"""Rank certificates, and their re-verification by an independent backend (sympy).

A certificate for ``rank_Q(J) = r`` has two halves:

* **lower bound**: ``rank(J mod p) = r`` for a prime ``p`` (any nonzero minor mod p is nonzero over Q);
* **upper bound**: either ``r = min(m, N)`` (``kind="full"``), or ``N − r`` exact vectors ``u`` with
  ``J u = 0`` (``side="right"``), or ``m − r`` exact vectors ``y`` with ``yᵀ J = 0`` (``side="left"``),
  whose rank mod p is their number (so they are independent over Q). The vectors are integer, in J's own
  coordinates (the Jacobian's parameter order for right kernels, its row order for left kernels);
* or (``side="right"`` with :class:`BlockRanks` data, ``kind`` starting with ``"block ranks"``) the
  **block-rank bound** below, for a few exact kernel vectors and a set S of disjoint column blocks.

The block-rank bound. Let the rows of J be cut into consecutive groups of g rows (for a Jacobian: the
n_L rows of one sample) and let C_1, …, C_t be disjoint sets of columns (for a Jacobian: the columns of
one affine map). For any such data

    rank J ≤ N − Σ_k (|C_k| − ρ_k)₊ − rank_Q(P U),     ρ_k = Σ_groups G rank_Q J[G, C_k],

where U is any set of exact right kernel vectors of J and P zeroes the coordinates in C_1 ∪ … ∪ C_t.
*Proof.* Stacking rows adds at most their ranks, so rank J[:, C_k] ≤ ρ_k and the kernel of the column
block J[:, C_k] has dimension ≥ |C_k| − ρ_k (and ≥ 0). A vector supported on C_k that block kills is
killed by J (J v = J[:, C_k] v_{C_k}), so the direct sum K of these block kernels (disjoint supports) lies
in ker J, with dim K ≥ Σ_k (|C_k| − ρ_k)₊. On K + span U, the map P vanishes on K, so
dim(K + span U) = dim ker(P|_{K+span U}) + dim P(K + span U) ≥ dim K + rank(P U). Both lie in ker J,
and rank J = N − dim ker J. ∎  Nothing here depends on J being a Jacobian: :meth:`Certificate.verify`
checks the bound for whatever groups and blocks the certificate names. (For a Jacobian, J[rows of
sample s, columns of map k] = B_k(x_s) ⊗ (a_k(x_s), 1)ᵀ up to a column order, whose rank is
rank B_k(x_s): this is why the bound is small when few samples face a wide first layer.)

:meth:`Certificate.verify` re-checks both halves from the exact rational J with sympy's
``DomainMatrix`` (over QQ for ``J u = 0``, over GF(p) for the ranks): code that shares nothing with the
FLINT path that produced the certificate.

Examples
--------
>>> J = [[1, 2, 3], [2, 4, 6]]
>>> cert = Certificate(rank=1, prime=1000003, side="right", kind="computed",
...                    kernel=((-2, 1, 0), (-3, 0, 1)))
>>> cert.verify(J)
True
>>> Certificate(rank=2, prime=1000003, side="right", kind="computed", kernel=((-2, 1, 0),)).verify(J)
False
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

__all__ = ["Certificate", "BlockRanks"]

Side = Literal["full", "right", "left"]


@dataclass(frozen=True)
class BlockRanks:
    """Row-group ranks of column blocks, the data of the block-rank bound (module docstring).

    Attributes
    ----------
    group_size : int
        Rows per group: the groups are the consecutive row ranges ``[g·size, (g+1)·size)`` (for a Jacobian,
        n_L: the rows of one sample).
    blocks : tuple of (start, stop, rho)
        Disjoint column ranges ``[start, stop)`` and ``rho = Σ_groups rank_Q J[group, start:stop]``.

    Examples
    --------
    >>> BlockRanks(2, ((0, 3, 1),)).deficit
    2
    """

    group_size: int
    blocks: tuple[tuple[int, int, int], ...] = ()

    @property
    def deficit(self) -> int:
        """Σ_k (|C_k| − ρ_k)₊: the proven dimension of the direct sum of the block kernels."""
        return sum(max(0, stop - start - rho) for start, stop, rho in self.blocks)


@dataclass(frozen=True)
class Certificate:
    """Proof data for ``rank_Q(J) = rank``; see the module docstring.

    Attributes
    ----------
    rank : int
    prime : int
        ``rank(J mod prime) = rank``.
    side : {"full", "right", "left"}
    kind : str
        Where the kernel comes from: ``"full rank"``, the source's hint kinds (for a Jacobian
        ``"rescalings, incoming null vectors and always-active translations"`` or ``"affine dependencies
        within patterns"``), ``"computed…"`` or ``"block ranks…"``.
    kernel : tuple of tuples of int
        The kernel vectors (empty for ``side="full"``).
    block_ranks : BlockRanks or None
        For the block-rank bound (``side="right"``): the groups, the blocks S and their ρ_k; the upper
        bound is then ``N − deficit − rank_Q(P kernel)`` instead of ``N − len(kernel)``.
    """

    rank: int
    prime: int
    side: Side
    kind: str
    kernel: tuple[tuple[int, ...], ...] = ()
    block_ranks: BlockRanks | None = None

    def describe(self) -> str:
        """One line: how the upper bound was certified."""
        if self.side == "full":
            return f"rank {self.rank} = full rank (mod p = {self.prime})"
        if self.block_ranks is not None:
            data = self.block_ranks
            n = len(self.kernel[0]) if self.kernel else self.rank + data.deficit
            blocks = ", ".join(f"columns {a}–{b - 1}: kernel ≥ {b - a} − {rho}" for a, b, rho in data.blocks)
            return (
                f"rank {self.rank}: lower bound mod p = {self.prime}, upper bound "
                f"{n} − {data.deficit} − {len(self.kernel)} by block ranks ({blocks}; each ρ a sum of exact "
                f"ranks over groups of {data.group_size} rows) and {len(self.kernel)} right kernel vectors "
                f"independent off those blocks ({self.kind})"
            )
        return (
            f"rank {self.rank}: lower bound mod p = {self.prime}, upper bound by "
            f"{len(self.kernel)} {self.side} kernel vectors ({self.kind})"
        )

    def verify(self, J: Any) -> bool:
        """Re-check the certificate against the exact rational matrix ``J`` with sympy.

        ``J`` may be a nested list, a numpy object array of Fractions/ints, or a sympy Matrix.
        Returns True iff both the lower and the upper bound hold.
        """
        from sympy import GF, QQ, ZZ
        from sympy.polys.matrices import DomainMatrix

        rows = [
            [Fraction(v) if not hasattr(v, "p") else Fraction(int(v.p), int(v.q)) for v in row] for row in _as_rows(J)
        ]
        m = len(rows)
        n = len(rows[0]) if m else 0
        r = self.rank
        if r > min(m, n) or r < 0:
            return False
        # lower bound: clear each column's denominators (a positive column scaling keeps the rank)
        col_den = [math.lcm(*(rows[i][j].denominator for i in range(m))) if m else 1 for j in range(n)]
        ints = [[int(rows[i][j] * col_den[j]) for j in range(n)] for i in range(m)]
        field = GF(self.prime)
        if r > 0:
            dm = DomainMatrix([[field(v) for v in row] for row in ints], (m, n), field)
            if dm.rank() < r:
                return False
        # upper bound
        if self.side == "full":
            return r == min(m, n)
        if self.block_ranks is not None:
            return self._verify_block_ranks(rows, ints, field)
        k = len(self.kernel)
        length = n if self.side == "right" else m
        if k != length - r or any(len(v) != length for v in self.kernel):
            return False
        if k == 0:
            return True
        JQ = DomainMatrix([[QQ(v.numerator, v.denominator) for v in row] for row in rows], (m, n), QQ)
        K = DomainMatrix([[ZZ(int(v)) for v in vec] for vec in self.kernel], (k, length), ZZ).convert_to(QQ)
        product = JQ * K.transpose() if self.side == "right" else K * JQ
        if not product.is_zero_matrix:
            return False
        Kp = DomainMatrix([[field(int(v)) for v in vec] for vec in self.kernel], (k, length), field)
        return Kp.rank() == k

    def _verify_block_ranks(self, rows: list[list[Fraction]], ints: list[list[int]], field: Any) -> bool:
        """The upper half of a block-rank certificate (module docstring), everything recomputed."""
        from sympy import QQ, ZZ
        from sympy.polys.matrices import DomainMatrix

        m = len(rows)
        n = len(rows[0]) if m else 0
        data = self.block_ranks
        g = data.group_size
        if self.side != "right" or g < 1 or m % g or any(len(v) != n for v in self.kernel):
            return False
        covered: set[int] = set()
        for start, stop, _ in data.blocks:
            if not 0 <= start < stop <= n or covered & set(range(start, stop)):
                return False
            covered.update(range(start, stop))
        # ρ_k from J's own sub-blocks (column-scaled integers: same ranks), exact ranks over QQ
        for start, stop, rho in data.blocks:
            total = 0
            for top in range(0, m, g):
                sub = [row[start:stop] for row in ints[top : top + g]]
                total += (
                    DomainMatrix([[ZZ(v) for v in row] for row in sub], (g, stop - start), ZZ).convert_to(QQ).rank()
                )
            if total != rho:
                return False
        k = len(self.kernel)
        projected_rank = 0
        if k:
            JQ = DomainMatrix([[QQ(v.numerator, v.denominator) for v in row] for row in rows], (m, n), QQ)
            K = DomainMatrix([[ZZ(int(v)) for v in vec] for vec in self.kernel], (k, n), ZZ).convert_to(QQ)
            if not (JQ * K.transpose()).is_zero_matrix:
                return False
            P = [[0 if c in covered else int(v) for c, v in enumerate(vec)] for vec in self.kernel]
            projected_rank = DomainMatrix([[ZZ(v) for v in vec] for vec in P], (k, n), ZZ).convert_to(QQ).rank()
        return n - (data.deficit + projected_rank) == self.rank


def _as_rows(J: Any) -> list[list[Any]]:
    if hasattr(J, "tolist"):
        return J.tolist()
    return [list(row) for row in J]
