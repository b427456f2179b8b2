"""The memory model: what the machine has, and what each rank engine will hold, estimated before allocating.

Peak bytes, for an m × N matrix (for a Jacobian m = n·n_L):

* **float pipeline** (``method="float"``): J in float64, ``8 m N``, plus LAPACK's SVD (``gesdd``) copy of it
  and its bidiagonal workspace: about ``16 m N`` in all.
* **streamed modular rank** (:mod:`relugeom.linalg.echelon`): the float32 echelon basis of at most
  ``r = min(m, N)`` rows, ``4 r N``, plus four float64 blocks of 512 rows: ``4 r N + 16384 N``. J itself is
  never held: its rows are assembled 512 at a time.
* **computed kernel** (the certificate's last resort): J' as Python integers, about
  ``m N (8 + 4 ⌈b / 30⌉ + 28)`` bytes for entries of b bits, plus FLINT's copies.

The certified engine refuses a computed kernel whose estimate exceeds the budget (by default half the
memory available now) with :class:`~relugeom.exceptions.CertificationTimeout`, and caps the worker's
address space at that budget, so a certificate out of reach fails quickly instead of exhausting the machine.

Examples
--------
>>> float_pipeline_bytes(6000, 25720) / 2**30 > 2
True
>>> stream_rank_bytes(6000, 25720) < float_pipeline_bytes(6000, 25720) / 2
True
>>> python_int_matrix_bytes(10, 10, 60)
4000
"""

from __future__ import annotations

import os

from ..exceptions import format_bytes
from .echelon import basis_bytes

__all__ = [
    "available_bytes",
    "default_budget",
    "float_pipeline_bytes",
    "stream_rank_bytes",
    "python_int_matrix_bytes",
    "format_bytes",
]


def available_bytes() -> int:
    """Memory available to new allocations now (``MemAvailable`` of /proc/meminfo, else free pages)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 4 << 30  # unknown: assume a small machine


def default_budget() -> int:
    """Half of :func:`available_bytes`: room for the caller's own data and the operating system."""
    return available_bytes() // 2


def float_pipeline_bytes(m: int, n: int) -> int:
    """Peak of J in float64 and its singular values by ``numpy.linalg.svd`` (a copy and workspace)."""
    return 16 * m * n


def stream_rank_bytes(m: int, n: int) -> int:
    """Peak of the streamed rank mod p of an m × n matrix whose rows are assembled in blocks."""
    return basis_bytes(min(m, n), n)


def python_int_matrix_bytes(m: int, n: int, bits: int) -> int:
    """An m × n numpy object array of Python ints of ``bits`` bits (pointer + object of 30-bit digits)."""
    return m * n * (8 + 28 + 4 * max(0, -(-bits // 30) - 1))
