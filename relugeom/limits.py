"""Bounds on long work: a deadline, a memory budget and a progress hook, for a block of code.

``with bounds(timeout=…, max_memory=…, progress=…):`` sets them for everything the block calls (a
:class:`contextvars.ContextVar`, so threads and nested blocks keep their own; a nested block can only
tighten them). The long loops of relugeom call :func:`checkpoint` between steps: past the deadline it
raises :class:`~relugeom.exceptions.TimeLimitReached`, and it hands a short status ("layer 2: 1,204
cells") to the progress hook. The engines that allocate big arrays ask :func:`require_memory` first, with
their estimate from :mod:`relugeom.linalg.memory`, and refuse with
:class:`~relugeom.exceptions.MemoryLimitReached` *before* allocating. The region cap is a parameter of
the enumerations (``max_regions``), counted as cells are created.

A checkpoint costs a clock read (about 50 ns); a single step that runs long in compiled code (one big rank,
one SVD) is not interrupted by it: the command line's supervisor stops such a step from outside
(:mod:`relugeom.cli.supervise`).

Examples
--------
>>> import time
>>> with bounds(timeout=0.01):
...     time.sleep(0.02)
...     checkpoint("sleeping")
Traceback (most recent call last):
...
relugeom.exceptions.TimeLimitReached: time limit of 0.01 s reached while sleeping; raise it (CLI: --timeout SECONDS) or ask for less
>>> with bounds(max_memory=1000):
...     require_memory(10**6, "a dense Jacobian")
Traceback (most recent call last):
...
relugeom.exceptions.MemoryLimitReached: memory limit: a dense Jacobian needs about 977 kB, over the limit of 1000 B; raise it (CLI: --max-memory SIZE, e.g. 8G) or ask for less
>>> seen = []
>>> with bounds(progress=seen.append):
...     checkpoint("step 1")
>>> seen, remaining() is None
(['step 1'], True)
"""

from __future__ import annotations

import math
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Callable, Iterator

from .exceptions import InvalidArgumentError, MemoryLimitReached, TimeLimitReached

__all__ = ["Bounds", "bounds", "current", "checkpoint", "remaining", "memory_budget", "require_memory"]


@dataclass(frozen=True)
class Bounds:
    """The bounds in force: ``deadline`` on :func:`time.monotonic`'s clock (``timeout`` seconds after the
    block began), ``max_memory`` in bytes, and ``progress`` (called with a short status text)."""

    timeout: float | None = None
    deadline: float | None = None
    max_memory: int | None = None
    progress: Callable[[str], None] | None = None


_CURRENT: ContextVar[Bounds] = ContextVar("relugeom_bounds", default=Bounds())


def current() -> Bounds:
    """The bounds in force here (no bounds outside any :func:`bounds` block)."""
    return _CURRENT.get()


@contextmanager
def bounds(
    timeout: float | None = None,
    max_memory: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> Iterator[Bounds]:
    """Bound the work of the block: ``timeout`` seconds (> 0), ``max_memory`` bytes (≥ 1), a progress hook.

    Inside another block, the earlier deadline and the smaller memory budget win; ``progress`` replaces
    the outer hook only when given.
    """
    if timeout is not None and not (isinstance(timeout, (int, float)) and math.isfinite(timeout) and timeout > 0):
        raise InvalidArgumentError(f"timeout must be a finite number of seconds > 0, got {timeout!r}")
    if max_memory is not None and not (isinstance(max_memory, int) and max_memory >= 1):
        raise InvalidArgumentError(f"max_memory must be a number of bytes >= 1, got {max_memory!r}")
    outer = _CURRENT.get()
    deadline, limit = outer.deadline, outer.timeout
    if timeout is not None:
        mine = time.monotonic() + timeout
        if deadline is None or mine < deadline:
            deadline, limit = mine, timeout
    if outer.max_memory is not None and (max_memory is None or outer.max_memory < max_memory):
        max_memory = outer.max_memory
    inner = Bounds(limit, deadline, max_memory, progress if progress is not None else outer.progress)
    token = _CURRENT.set(inner)
    try:
        yield inner
    finally:
        _CURRENT.reset(token)


def remaining() -> float | None:
    """Seconds left before the deadline (never below 0), or None without one."""
    deadline = _CURRENT.get().deadline
    return None if deadline is None else max(0.0, deadline - time.monotonic())


def checkpoint(doing: str | None = None) -> None:
    """Raise :class:`TimeLimitReached` past the deadline; else pass ``doing`` to the progress hook."""
    b = _CURRENT.get()
    if b.deadline is not None and time.monotonic() >= b.deadline:
        raise TimeLimitReached(b.timeout or 0.0, doing)
    if doing is not None and b.progress is not None:
        b.progress(doing)


def memory_budget(default: int) -> int:
    """The bytes an engine may hold: ``default`` (its own policy), or less under a ``max_memory`` bound."""
    cap = _CURRENT.get().max_memory
    return default if cap is None else min(default, cap)


def require_memory(need: int, what: str) -> None:
    """Refuse, before allocating, work whose estimated peak ``need`` exceeds the ``max_memory`` bound."""
    cap = _CURRENT.get().max_memory
    if cap is not None and need > cap:
        raise MemoryLimitReached(need, cap, what)
