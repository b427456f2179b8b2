"""The ``relugeom`` command. ``main(argv) -> int`` is testable without a subprocess.

Commands:

* ``relugeom dim NET.json --inputs X.csv [--method exact|modular|float] [--json]`` — BFD and its bounds
  (``relugeom dim CE.json`` re-checks a counterexample file, whose batch is inside it);
* ``relugeom dim … --explain`` and ``relugeom cffd … --explain`` — the deficit (N − H) − BFD (or − CFFD)
  split among named mechanisms with exact kernel vectors (``relugeom.explain_deficit``);
* ``relugeom identifiability NET.json --inputs X.csv [--method …] [--json]`` — is θ locally identifiable
  from X? [BBM22]'s conditions decided exactly: the verdict, R_Γ, R_A = n_L·rank α and N − H;
* ``relugeom equal A.json [B.json] [--box …] [--json]`` — F_a = F_b exactly on R^{n0} or a box, or an exact
  witness where they differ (exit 1), and whether a and b are equivalent under the symmetries (one
  argument: a pair counterexample file of ``relugeom search``);
* ``relugeom check [NAME…] [--exhaustive] [--jobs K] [--scheduler ADDR] [--json]`` — the theorem checks
  of ``proofs/`` (T1–T10): a table of cases checked, degenerate cases skipped and violations;
* ``relugeom search CONJECTURE [--budget N] [--out FILE] [--jobs K] [--json]`` — search small networks
  for a counterexample, shrink it, write it as JSON (``relugeom search --list`` names the conjectures);
* ``relugeom regions NET.json [--box=LOW:HIGH[,LOW:HIGH…]] [--graph] [--inputs X.csv] [--plot out.png]
  [--json]`` — the exact activation regions of R^{n0} or of a box (SPEC §6): counts, a table of patterns,
  interior points, volumes and facets, the region graph, the regions a batch perceives, a picture
  (n0 = 1 or 2);
* ``relugeom cffd NET.json [--sizes 1,2,4,…] [--seed S] [--distribution gaussian|uniform] [--scale S]
  [--json]`` —
  the exact computable full functional dimension next to N − H and the sampling estimate BFD(θ, X_n);
* ``relugeom measures NET.json [--inputs X.csv] [--labels y.csv] [--pairs all|K] [--seed S]
  [--method exact|float] [--at-zero inactive|active] [--json]`` — the norm-based measures (SPEC §8):
  ℓ1/ℓ2 path-norms and the [NBMS17] products exactly, divided by the margin when labels are given, and
  the segment statistics of the batch (breakpoints, gradient gap deviation, gradient deflection);
* ``relugeom train --data digits|teacher|moons [--widths 64,16,16,10] [--optimizer gd|sgd|adam|path-sgd]
  [--epochs E] [--track train,test,random] [--out DIR] [--json] [--quiet]`` — train a small network in
  float64 and measure the exact BFD of every checkpoint (SPEC §7): a progress bar and one line per
  checkpoint on stderr, the per-checkpoint table on stdout, and with ``--out`` a run directory that
  ``relugeom recheck DIR`` re-checks from the files alone;
* ``relugeom recheck DIR [--steps s1,s2,…] [--certify-timeout SECONDS] [--json]`` — recompute, from the
  files of a ``relugeom train --out DIR`` run alone, every BFD, pattern count and dead-neuron count its
  ``history.json`` records: a table of recorded against recomputed values;
* ``relugeom demo`` — the built-in example where float64 gets the BFD wrong.

Exit codes (``relugeom --help`` lists them too):

* **0** done (``search`` also when it found no counterexample: the output says which);
* **1** a violation or counterexample found (``check``; ``recheck`` when a recorded value is contradicted;
  ``equal`` when the two functions differ);
* **2** bad input or a refused request: a missing or malformed file, a wrong flag value, a degenerate
  point, a missing optional extra;
* **3** a limit reached: ``--timeout``, ``--max-regions``, ``--max-memory``, ``--certify-timeout``;
* **130** interrupted (Ctrl-C);
* **70** an internal error (a bug: please report it; ``--debug`` shows the traceback).

Every non-zero exit prints exactly one line on stderr and never a traceback. A closed output pipe
(``relugeom … | head``) ends the command quietly with 0. The console script runs each command under
:mod:`relugeom.cli.supervise` (a forked child watched by an idle parent), so Ctrl-C, ``--timeout`` and
``--max-memory`` stop it within about two seconds even inside one long compiled step; :func:`main`
runs in-process (tests, notebooks) with the cooperative bounds of :mod:`relugeom.limits` only.

Examples
--------
>>> main(["demo"]) == 0  # doctest: +ELLIPSIS
relugeom demo...
True
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from contextlib import ExitStack, contextmanager
from typing import Any, Iterator, Sequence

from .. import __version__
from ..exceptions import LimitReached, RelugeomError, TimeLimitReached, UsageError
from ..limits import bounds
from ..numbers import digit_limit
from . import cffd, check, demo, dim, equal, identifiability, measures, recheck, regions, search, train
from .options import add_common, add_max_memory, add_timeout
from .progress import StatusLine
from .supervise import supervised

__all__ = ["main", "main_entry", "build_parser", "UsageError", "EXIT_CODES"]

#: The commands in the order of ``relugeom --help``; each module adds its parser and sets its ``func``.
COMMANDS = (dim, demo, check, search, regions, cffd, identifiability, equal, measures, train, recheck)
#: Commands that take ``--timeout``; of those, the ones that also take ``--max-memory`` and draw a status
#: line on a terminal (``train``, ``check`` and ``search`` draw their own progress bars).
TIMED = ("dim", "check", "search", "regions", "cffd", "identifiability", "equal", "measures", "train", "recheck")
MEMORY = ("dim", "regions", "cffd", "identifiability", "equal")
STATUS = ("dim", "regions", "cffd", "identifiability", "equal", "measures")
EXIT_CODES = {0: "done", 1: "a violation or counterexample found", 2: "bad input or refused request"}
EXIT_CODES |= {3: "a limit reached (--timeout, --max-regions, --max-memory)", 130: "interrupted"}
EXIT_CODES |= {70: "internal error (a bug: please report it; --debug shows the traceback)"}
EPILOG = "exit codes: " + "; ".join(f"{code} {what}" for code, what in EXIT_CODES.items())


class _Parser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line (a :class:`UsageError`), not usage + message + exit."""

    def error(self, message: str) -> Any:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command; ``args.func(args)`` runs the command that was parsed."""
    parser = _Parser(
        prog="relugeom",
        description="Exact geometry of small ReLU networks.",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"relugeom {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for command in COMMANDS:
        command.register(subparsers)
    for name, sub in subparsers.choices.items():
        sub.epilog = EPILOG
        if name in TIMED:
            add_timeout(sub)
        if name in MEMORY:
            add_max_memory(sub)
        add_common(sub)
    return parser


def _glue_negative_box(argv: list[str]) -> list[str]:
    """``--box -2:2`` as ``--box=-2:2`` (argparse would read ``-2:2`` as an option)."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        a = argv[i]
        nxt = argv[i + 1] if i + 1 < len(argv) else ""
        if a == "--box" and len(nxt) > 1 and nxt[0] == "-" and (nxt[1].isdigit() or nxt[1] == "."):
            out.append(f"--box={nxt}")
            i += 2
            continue
        out.append(a)
        i += 1
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line in this process; returns the exit code and never raises (see the module).

    ``args.argv`` holds the arguments as typed (``train`` records them in its run directory).
    """
    return _run(argv, supervise=False)


def main_entry() -> None:  # pragma: no cover - console script; the subprocess tests run it
    sys.exit(_run(None, supervise=True))


def _run(argv: Sequence[str] | None, supervise: bool) -> int:
    typed = sys.argv[1:] if argv is None else list(argv)
    try:
        args = build_parser().parse_args(_glue_negative_box(typed))
    except RelugeomError as err:
        return _fail(2, f"error: {err}")
    except SystemExit as exit_:  # --help and --version print and exit 0
        return exit_.code if isinstance(exit_.code, int) else 0
    args.argv = typed
    if not supervise:
        return _execute(args)
    from ..linalg.memory import default_budget

    max_memory = getattr(args, "max_memory", None)
    if args.command in MEMORY and max_memory is None:
        max_memory = args.max_memory = default_budget()
    return supervised(lambda: _execute(args), timeout=getattr(args, "timeout", None), max_memory=max_memory)


def _execute(args: argparse.Namespace) -> int:
    """Run the parsed command under its bounds; every outcome becomes an exit code and at most one line."""
    status = StatusLine(args.command, enabled=args.command in STATUS and not getattr(args, "json", False))
    stdout, str_digits = sys.stdout, sys.get_int_max_str_digits()
    try:
        with ExitStack() as stack:
            sys.set_int_max_str_digits(0)  # exact outputs may be long; --max-digits guards what is read
            if status.enabled:
                sys.stdout = _ClearingStream(stdout, status)
            if args.max_digits is not None:
                stack.enter_context(digit_limit(args.max_digits or None))
            timeout = getattr(args, "timeout", None)
            stack.enter_context(bounds(timeout, getattr(args, "max_memory", None), status))
            if timeout is not None:
                stack.enter_context(_alarm(timeout))
            return args.func(args)
    except BrokenPipeError:  # the reader stopped reading (| head): stop quietly
        _silence_stdout()
        return 0
    except LimitReached as err:
        return _fail(3, f"limit: {err}", args)
    except RelugeomError as err:
        return _fail(2, f"error: {err}", args)
    except KeyboardInterrupt:
        return _fail(130, "interrupted", args)
    except MemoryError:
        return _fail(3, "limit: out of memory; ask for less, or give --max-memory to be refused early", args)
    except UnicodeError as err:
        return _fail(2, f"error: a file is not text in UTF-8 ({err.reason}); give the file relugeom expects", args)
    except OSError as err:
        where = f": {err.filename}" if err.filename else ""
        return _fail(2, f"error: {err.strerror or err}{where}", args)
    except Exception as err:  # noqa: BLE001 - the last line of defence: one line, and a report asked for
        what = f"{type(err).__name__}: {err}".splitlines()[0][:300]
        return _fail(
            70, f"internal error: {what}. Please report it with the command line (--debug shows the traceback)", args
        )
    finally:
        sys.stdout = stdout
        sys.set_int_max_str_digits(str_digits)
        status.close()


def _fail(code: int, line: str, args: argparse.Namespace | None = None) -> int:
    if args is not None and getattr(args, "debug", False):
        traceback.print_exc()
    try:
        print(f"relugeom: {line}", file=sys.stderr)
    except (OSError, ValueError):
        pass
    return code


@contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    """Raise :class:`TimeLimitReached` in the main thread at the deadline, between two Python steps (a
    backstop for loops without a checkpoint; the supervisor handles a step in compiled code)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def ring(signum: int, frame: Any) -> None:
        raise TimeLimitReached(seconds)

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class _ClearingStream:
    """stdout that erases the status line before it writes (both share the terminal)."""

    def __init__(self, stream: Any, status: StatusLine) -> None:
        self._stream, self._status = stream, status

    def write(self, text: str) -> int:
        self._status.close()
        return self._stream.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush does not hit the closed pipe again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
