"""Rank engines behind one function, :func:`rank`. The choice of engine is made and explained here.

``method="exact"`` (default)
    The rank over Q, *certified*: a modular rank (a certain lower bound) plus an upper bound from exact
    kernel vectors (structural hints from theory when they suffice, otherwise computed and checked in
    exact integer arithmetic). Returns a :class:`~relugeom.linalg.certificate.Certificate` that sympy
    re-verifies independently; raises :class:`~relugeom.exceptions.CertificationTimeout` rather than
    return an uncertified number. Engine: :mod:`relugeom.linalg.exact`.
``method="modular"``
    The largest rank modulo ``num_primes`` random primes, without kernel check. Always a *lower bound*
    of the true rank, and equal to it except with probability at most ``error_bound`` (from the Hadamard
    bound of the matrix and the number of primes in the range; 0 when the rank reaches min(m, N) or, for
    a tall matrix, N minus the rank of its source's right hints, which proves it). Engine:
    :func:`source.rank_mod`.
``method="float"``
    float64 SVD with numpy's default tolerance or ``tol``; reports the singular-value gap. Fast, and
    can be wrong in both directions. Engine: :mod:`relugeom.linalg.floating`.

Which modular engine (:func:`source.prime_bits`, :data:`source.FLINT_MAX_ENTRIES`):

* matrices of at most 65,536 entries: FLINT ``nmod_mat`` modulo a 31-bit prime (:mod:`.modular`). For
  these the copy into FLINT costs nothing, and the larger prime gives the sharper error bound.
* larger ones: the streamed float64 echelon modulo a 21-bit prime (:mod:`.echelon`). FLINT eliminates at
  about 5 GFLOP/s on one core here and reads a numpy array only through a Python list (36 bytes per
  entry: the 7 GB of a 6,000 × 25,720 J); float64 BLAS runs at about 80 GFLOP/s and is exact on residues
  below 2^21 with inner dimensions of at most 512. Measured: 3,000 × 25,720 of random residues in 8.5 s;
  2,000 × 1,500 in 0.38 s against FLINT's 1.2 s plus the copy. A Jacobian source hands the engine its
  rows in blocks (never the whole J), and for a tall J first a few random combinations of each sample's
  rows (vector–Jacobian products), stopping as soon as the rank reaches a proven upper bound.
  ``bench/scale.py`` has the [BMB24] experiment end to end.

Memory is modelled in :mod:`.memory` (the exact engine's computed kernels are refused beyond a budget);
threads are set for FLINT and BLAS together by :func:`.threads.threads`.

Examples
--------
>>> res = rank([[1, 2, 3], [2, 4, 6], [1, "1/3", 0]], seed=0)
>>> res.rank, res.method, res.certified
(2, 'exact', True)
>>> rank([[1, 2], [2, 4]], method="modular", seed=0).rank
1
>>> rank([[1, 2], [2, 4]], method="float").rank
1
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._typing import RANK_METHODS, RankMethod, check_choice
from .certificate import BlockRanks, Certificate
from .exact import certified_rank, right_hint_bound
from .floating import FloatRank, float_rank
from .modular import failure_probability, log2_hadamard_bound, random_prime
from .source import DenseRational, MatrixSource, prime_bits, rank_mod

__all__ = ["Method", "RankResult", "rank", "Certificate", "BlockRanks", "DenseRational", "MatrixSource", "FloatRank"]

Method = RankMethod  # the name this module has always exported


@dataclass(frozen=True)
class RankResult:
    """The rank of a matrix and how it was obtained.

    Attributes
    ----------
    rank : int
    method : {"exact", "modular", "float"}
    certified : bool
        True only for ``method="exact"``.
    certificate : Certificate or None
        For ``exact``.
    error_bound : float or None
        For ``modular``: a bound on the probability that ``rank`` is below the true rank (it is never
        above it). 0.0 for ``exact``.
    primes : tuple of int
        The primes used (``exact``, ``modular``).
    tolerance, singular_value_gap : float or None
        For ``float``.
    """

    rank: int
    method: str
    certified: bool
    certificate: Certificate | None = None
    error_bound: float | None = None
    primes: tuple[int, ...] = ()
    tolerance: float | None = None
    singular_value_gap: float | None = None


def _as_source(A: Any) -> MatrixSource:
    return A if hasattr(A, "right_hints") else DenseRational(A)


def rank(
    A: Any,
    method: Method = "exact",
    *,
    seed: int | None = None,
    certify_timeout: float = 60.0,
    tol: float | None = None,
    num_primes: int = 1,
    memory_budget: int | None = None,
) -> RankResult:
    """Rank of a rational matrix (nested list, array, sympy Matrix) or a :class:`MatrixSource`.

    Parameters
    ----------
    A : matrix or MatrixSource
    method : {"exact", "modular", "float"}
        See the module docstring.
    seed : int, optional
        Seeds the choice of primes (the exact result does not depend on it).
    certify_timeout : float
        Seconds the exact engine may spend computing kernel vectors.
    tol : float, optional
        SVD tolerance for ``float``.
    num_primes : int
        Primes for ``modular``.
    memory_budget : int, optional
        Bytes the exact engine may use to compute kernel vectors (default: half the available memory,
        :mod:`relugeom.linalg.memory`).

    Raises
    ------
    CertificationTimeout
        ``exact`` only, when no certificate was found in time or within the memory budget.
    """
    if check_choice("method", method, RANK_METHODS) == "float":
        if isinstance(A, np.ndarray) and A.dtype.kind == "f":
            matrix = A  # already float64: no detour through Fractions
        else:
            matrix = _as_source(A).float_matrix()
        fr = float_rank(matrix, tol)
        return RankResult(fr.rank, "float", False, tolerance=fr.tolerance, singular_value_gap=fr.gap)
    src = _as_source(A)
    rng = np.random.default_rng(seed)
    if method == "exact":
        cert = certified_rank(src, rng, certify_timeout=certify_timeout, memory_budget=memory_budget)
        return RankResult(cert.rank, "exact", True, certificate=cert, error_bound=0.0, primes=(cert.prime,))
    m, n = src.shape
    bits = prime_bits((m, n))
    primes: list[int] = []
    r, upper = 0, min(m, n)
    hints = src.right_hints()[1] if m > n and upper else ()  # prime-free: computed once
    for _ in range(max(1, num_primes)):
        p = random_prime(rng, exclude=primes, bits=bits)
        primes.append(p)
        if hints:  # a tall J: its structural kernel bounds the rank, and the stream stops there
            upper = min(upper, right_hint_bound(n, hints, p))
        r = max(r, rank_mod(src, p, upper))
    if r == upper:
        bound = 0.0  # a lower bound equal to a proven upper bound is the rank
    else:
        bound = failure_probability(log2_hadamard_bound(src.row_norm_sq_bounds(), min(m, n)), len(primes), bits)
    return RankResult(r, "modular", False, error_bound=bound, primes=tuple(primes))
