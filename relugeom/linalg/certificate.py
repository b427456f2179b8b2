"""Rank certificates, and their re-verification by an independent backend (sympy).

A certificate for ``rank_Q(J) = r`` has two halves:

* **lower bound**: ``rank(J mod p) = r`` for a prime ``p`` (any nonzero minor mod p is nonzero over Q);
* **upper bound**: either ``r = min(m, N)`` (``kind="full"``), or ``N − r`` exact vectors ``u`` with
  ``J u = 0`` (``side="right"``), or ``m − r`` exact vectors ``y`` with ``yᵀ J = 0`` (``side="left"``),
  whose rank mod p is their number (so they are independent over Q). The vectors are integer, in J's own
  coordinates (the Jacobian's parameter order for right kernels, its row order for left kernels).

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

__all__ = ["Certificate"]

Side = Literal["full", "right", "left"]


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
        Where the kernel comes from: ``"full rank"``, ``"rescalings and incoming null vectors"``,
        ``"affine dependencies within patterns"`` or ``"computed"``.
    kernel : tuple of tuples of int
        The kernel vectors (empty for ``side="full"``).
    """

    rank: int
    prime: int
    side: Side
    kind: str
    kernel: tuple[tuple[int, ...], ...] = ()

    def describe(self) -> str:
        """One line: how the upper bound was certified."""
        if self.side == "full":
            return f"rank {self.rank} = full rank (mod p = {self.prime})"
        return (f"rank {self.rank}: lower bound mod p = {self.prime}, upper bound by "
                f"{len(self.kernel)} {self.side} kernel vectors ({self.kind})")

    def verify(self, J: Any) -> bool:
        """Re-check the certificate against the exact rational matrix ``J`` with sympy.

        ``J`` may be a nested list, a numpy object array of Fractions/ints, or a sympy Matrix.
        Returns True iff both the lower and the upper bound hold.
        """
        from sympy import GF, QQ, ZZ
        from sympy.polys.matrices import DomainMatrix

        rows = [[Fraction(v) if not hasattr(v, "p") else Fraction(int(v.p), int(v.q)) for v in row]
                for row in _as_rows(J)]
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


def _as_rows(J: Any) -> list[list[Any]]:
    if hasattr(J, "tolist"):
        return J.tolist()
    return [list(row) for row in J]
