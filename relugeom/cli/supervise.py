"""The command line's supervisor: the work runs in a forked child, watched by an idle parent.

A long step in compiled code (one FLINT rank, one LAPACK SVD) holds Python's interpreter lock, so neither
a Ctrl-C nor a timer can interrupt it from inside the process. The ``relugeom`` command therefore forks:
the child does the work (with the cooperative bounds of :mod:`relugeom.limits`, which stop it cleanly at a
checkpoint), and the parent, which does nothing else, waits for it and enforces the bounds from outside:

* **Ctrl-C** (SIGINT) or SIGTERM: the child gets it too (the terminal signals the whole process group;
  a signal sent to the parent alone is forwarded) and normally stops at once with its own one line and
  exit code 130. If it has not stopped :data:`GRACE` seconds later, the parent kills it (and any worker
  processes it started) and prints the line itself.
* **--timeout**: the child stops itself at the deadline; :data:`GRACE` seconds after it, the parent kills
  it and prints the time-limit line (exit code 3).
* **--max-memory**: the parent reads the resident memory of the child and its workers every
  :data:`POLL` seconds (Linux ``/proc``) and kills them past the limit (exit code 3): a backstop for the
  estimates the engines check before they allocate.

Files relugeom writes are replaced atomically (:mod:`relugeom.io.atomic`), so a killed child leaves
earlier output whole. Where ``os.fork`` is missing, the work runs in-process, with the cooperative
bounds only. The in-process entry :func:`relugeom.cli.main.main` (tests, notebooks) never forks.

Examples
--------
>>> supervised(lambda: 0, timeout=None, max_memory=None)   # the child's exit code comes back
0
>>> supervised(lambda: 3, timeout=5.0, max_memory=2**40)
3
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from typing import Callable

from ..exceptions import MemoryLimitReached, TimeLimitReached

__all__ = ["GRACE", "POLL", "supervised", "process_tree", "tree_rss"]

#: Seconds the parent waits, after an interrupt or the deadline, for the child to stop by itself.
GRACE = 2.0
#: Seconds between the parent's checks of the child (exit, signals, memory).
POLL = 0.05
#: Seconds between two readings of the child's memory.
MEMORY_POLL = 0.2
#: Exit codes (documented in ``relugeom --help`` and the README).
LIMIT, INTERRUPTED = 3, 130


def supervised(work: Callable[[], int], *, timeout: float | None, max_memory: int | None) -> int:
    """Run ``work`` (which returns an exit code and never raises) in a forked child; its exit code."""
    if not hasattr(os, "fork") or threading.current_thread() is not threading.main_thread():
        return work()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child; the subprocess tests run it
        code = 70
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, _interrupt_once)
        try:
            code = work()
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 2
        except BaseException:  # work() catches everything it should; this is the last guard
            code = 70
        finally:
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except (OSError, ValueError):
                    pass
            os._exit(code)
    return _watch(pid, timeout, max_memory)


def _interrupt_once(signum: int, frame: object) -> None:  # pragma: no cover - runs in the child
    """Ctrl-C reaches the child twice when a signal sent to the whole group is also forwarded by the
    parent: the first one interrupts, the rest are ignored."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


def _watch(pid: int, timeout: float | None, max_memory: int | None) -> int:
    watched = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, watched)
    start = time.monotonic()
    stop_by: float | None = None  # when the child must be gone after an interrupt
    code_if_killed = INTERRUPTED
    next_memory = start
    try:
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                code = os.waitstatus_to_exitcode(status)
                return 128 - code if code < 0 else code
            info = signal.sigtimedwait(watched, POLL)
            now = time.monotonic()
            if info is not None:
                if info.si_code <= 0:  # sent by a process to the parent alone (kill): pass it on
                    _signal(pid, info.si_signo)
                if stop_by is None:
                    stop_by = now + GRACE
                    code_if_killed = INTERRUPTED if info.si_signo == signal.SIGINT else 128 + info.si_signo
            if stop_by is not None and now > stop_by:
                _kill_tree(pid)
                print("relugeom: interrupted (the computation in progress was stopped)", file=sys.stderr)
                return code_if_killed
            if timeout is not None and now > start + timeout + GRACE:
                _kill_tree(pid)
                print(
                    f"relugeom: limit: {TimeLimitReached(timeout, 'in a step that could not pause')}", file=sys.stderr
                )
                return LIMIT
            if max_memory is not None and now >= next_memory:
                next_memory = now + MEMORY_POLL
                used = tree_rss(pid)
                if used > max_memory:
                    _kill_tree(pid)
                    err = MemoryLimitReached(used, max_memory, "the computation (measured)")
                    print(f"relugeom: limit: {err}", file=sys.stderr)
                    return LIMIT
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (Linux ``/proc``; elsewhere ``[pid]``)."""
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return [pid]
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()  # after "pid (comm) ": state, ppid, …
        if len(fields) > 1:
            children.setdefault(int(fields[1]), []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(children.get(p, ()))
    return tree


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and its descendants (0 where ``/proc`` cannot tell)."""
    total = 0
    for p in process_tree(pid):
        try:
            with open(f"/proc/{p}/status", "rb") as fh:
                for line in fh:
                    if line.startswith(b"VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
        except (OSError, ValueError):
            continue
    return total


def _kill_tree(pid: int) -> None:
    """SIGKILL ``pid`` and every process below it, then reap ``pid``."""
    for p in reversed(process_tree(pid)):
        _signal(p, signal.SIGKILL)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
