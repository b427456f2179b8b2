"""Threads: FLINT's and the BLAS's, set together, because the engines use both.

The modular and exact engines do their heavy lifting in float64 BLAS products
(:mod:`relugeom.linalg.echelon`) and their small exact solves in FLINT; the float engine is a LAPACK SVD.
A comparison between them is only fair with the same number of threads on both sides, and a user who
asks for k threads means k for all of it. :func:`threads` sets ``flint.ctx.threads`` and the BLAS pool
(through ``threadpoolctl`` when it is installed, else through the ``scipy_openblas`` that numpy's wheels
bundle) and restores both on exit.

The default is whatever the process started with (numpy: all cores; FLINT: 1). On the 2-core machines
this project is measured on, one thread each is the choice of ``bench/``: a second BLAS thread made an
SVD 16 times slower whenever another process ran (3.0 s against 0.18 s on 1000 × 870).

Examples
--------
>>> with threads(1) as got:
...     got["flint"]
1
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import os
from typing import Iterator

import flint

__all__ = ["threads", "blas_threads", "set_blas_threads"]

_OPENBLAS_SYMBOLS = ("scipy_openblas_set_num_threads64_", "openblas_set_num_threads64_", "openblas_set_num_threads")


def _bundled_openblas():
    import numpy

    for path in glob.glob(os.path.join(os.path.dirname(numpy.__file__), os.pardir, "numpy.libs", "*openblas*")):
        lib = ctypes.CDLL(path)
        for name in _OPENBLAS_SYMBOLS:
            if hasattr(lib, name):
                getter = name.replace("set_num_threads", "get_num_threads")
                return getattr(lib, name), getattr(lib, getter, None)
    return None, None


def blas_threads() -> int | None:
    """The BLAS pool's size now, or None when it cannot be read."""
    try:
        from threadpoolctl import threadpool_info

        sizes = [info["num_threads"] for info in threadpool_info() if info.get("user_api") == "blas"]
        return max(sizes) if sizes else None
    except ImportError:
        _, getter = _bundled_openblas()
        return int(getter()) if getter is not None else None


def set_blas_threads(count: int) -> bool:
    """Set the BLAS pool to ``count`` threads; False when no way to do so was found."""
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=count, user_api="blas")
        return True
    except ImportError:
        setter, _ = _bundled_openblas()
        if setter is None:
            return False
        setter(int(count))
        return True


@contextlib.contextmanager
def threads(count: int) -> Iterator[dict]:
    """FLINT and BLAS threads set to ``count`` inside the block, restored after it.

    Yields ``{"flint": count, "blas": count or None}`` (None: the BLAS pool could not be set; start the
    process with ``OPENBLAS_NUM_THREADS`` instead).
    """
    if count < 1:
        raise ValueError(f"threads must be at least 1, got {count}")
    old_flint, old_blas = flint.ctx.threads, blas_threads()
    flint.ctx.threads = count
    done = set_blas_threads(count)
    try:
        yield {"flint": count, "blas": count if done else None}
    finally:
        flint.ctx.threads = old_flint
        if done and old_blas is not None:
            set_blas_threads(old_blas)
