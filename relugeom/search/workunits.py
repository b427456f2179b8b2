"""Deterministic work units for exhaustive checks and searches, run serially, on a process pool or on Dask.

A :class:`WorkUnit` is a task label, a check ``Case -> Outcome`` (a picklable, module-level function),
a :class:`~relugeom.search.families.Family` and an index range. Evaluating a unit needs nothing else, so the same
unit gives the same :class:`UnitResult` in any process or on any machine: runs are reproducible, and
resumable from a state file of finished units (JSON lines, one :class:`UnitResult` a line).

Engines, chosen by :func:`run_units`:

* ``jobs=1`` (default): in this process;
* ``jobs=K``: a local :class:`concurrent.futures.ProcessPoolExecutor` with K workers;
* ``scheduler="tcp://host:8786"`` (or a ``distributed.Client``): a Dask distributed cluster (optional
  extra ``dask``); the workers need relugeom installed.

Results always come back in unit order, and ``stop_on_violation`` stops at the first violating unit in
that order, so the first counterexample found does not depend on the engine or on timing.

Examples
--------
>>> from relugeom.search.families import GridFamily, Outcome
>>> def bias_nonnegative(case):        # "the output bias is >= 0": false for a third of the grid
...     return Outcome("ok" if case.net.biases[-1][0] >= 0 else "violation")
>>> fam = GridFamily((1, 1, 1), (-1, 0, 1), inputs=[["1/2"], ["3/2"]])
>>> units = split("demo", bias_nonnegative, fam, unit_size=30)
>>> [(u.start, u.stop) for u in units]
[(0, 30), (30, 60), (60, 81)]
>>> totals = summarize(run_units(units))["demo"]
>>> totals["checked"], totals["violations"]
(81, 27)
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any, Callable, Iterable, Iterator, Sequence, TextIO

from ..exceptions import DegeneratePointError, FormatError, InvalidArgumentError, NotExactError, RelugeomError
from ..limits import checkpoint
from ..numbers import parse_json_int
from .families import Case, Family, Outcome

__all__ = ["WorkUnit", "UnitResult", "split", "evaluate_unit", "run_units", "summarize", "Progress"]

Check = Callable[[Case], Outcome]


@dataclass(frozen=True)
class WorkUnit:
    """Cases ``start … stop − 1`` of ``family``, each judged by ``check``; ``task`` labels the results."""

    task: str
    check: Check
    family: Family
    start: int
    stop: int

    @property
    def key(self) -> str:
        """A stable identifier (task, family, range) used to resume runs."""
        return f"{self.task}|{self.family.name}|{self.start}:{self.stop}"


@dataclass(frozen=True)
class UnitResult:
    """Counts for one unit, and its first violation (case and quantities) if any."""

    key: str
    task: str
    family: str
    start: int
    stop: int
    checked: int
    degenerate: int
    violations: int
    first_violation: dict | None
    seconds: float

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "UnitResult":
        return cls(**data)


def split(task: str, check: Check, family: Family, unit_size: int = 500) -> tuple[WorkUnit, ...]:
    """The family's index range cut into consecutive units of ``unit_size`` cases."""
    if unit_size < 1:
        raise InvalidArgumentError("unit_size must be positive")
    n = len(family)
    return tuple(WorkUnit(task, check, family, a, min(a + unit_size, n)) for a in range(0, n, unit_size))


def evaluate_unit(unit: WorkUnit, stop_on_violation: bool = False) -> UnitResult:
    """Judge every case of the unit (in index order). A :class:`DegeneratePointError` counts as degenerate.

    ``checked`` counts the cases that were judged (ok or violation); degenerate cases are counted apart.
    With ``stop_on_violation`` the unit stops at its first violation.
    """
    t0 = time.perf_counter()
    checked = degenerate = violations = 0
    first = None
    for i in range(unit.start, unit.stop):
        case = unit.family.case(i)
        try:
            out = unit.check(case)
        except DegeneratePointError as err:
            out = Outcome("degenerate", note=str(err))
        if out.status == "degenerate":
            degenerate += 1
            continue
        checked += 1
        if out.status == "violation":
            violations += 1
            if first is None:
                first = {"case": case.to_dict(), "quantities": out.quantities, "note": out.note}
            if stop_on_violation:
                break
    return UnitResult(
        unit.key,
        unit.task,
        unit.family.name,
        unit.start,
        unit.stop,
        checked,
        degenerate,
        violations,
        first,
        time.perf_counter() - t0,
    )


class Progress:
    """A one-line progress bar on a terminal (stderr by default); silent when not a terminal or disabled.

    >>> import io
    >>> p = Progress(4, enabled=True, stream=io.StringIO())   # not a terminal: stays quiet
    >>> p.enabled
    False
    """

    def __init__(self, total: int, enabled: bool = True, stream: TextIO | None = None, label: str = "") -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = bool(enabled) and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.total, self.done, self.violations, self.label = total, 0, 0, label
        self.t0 = time.perf_counter()

    def update(self, result: UnitResult) -> None:
        self.done += 1
        self.violations += result.violations
        if not self.enabled:
            return
        width = 30
        filled = int(width * self.done / max(self.total, 1))
        elapsed = time.perf_counter() - self.t0
        self.stream.write(
            f"\r{self.label}[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} "
            f"units, {self.violations} violations, {elapsed:.1f} s"
        )
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


_STATE_HOLDS = (
    "a --state file holds the finished work units of one 'relugeom check' or 'relugeom search' run, one JSON "
    "object a line as --state writes them (give a new file name, or delete this one to start afresh)"
)
_UNIT_FIELDS = tuple(UnitResult.__dataclass_fields__)
_UNIT_START = re.compile(rb'\A\s*\{\s*"key"\s*:')  # how every line written by run_units begins
_JSON_TYPES = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "true or false"}


def _begins_a_unit(raw: bytes) -> bool:
    """Whether ``raw`` is how a line written by run_units begins (possibly cut within its first bytes)."""
    return bool(_UNIT_START.match(raw)) or b'{"key": '.startswith(raw.strip())


def _state_error(path: str | os.PathLike, lineno: int, problem: str) -> FormatError:
    return FormatError(f"{os.fspath(path)}, line {lineno}: {problem}; {_STATE_HOLDS}")


def _unit_from_line(raw: bytes) -> UnitResult:
    """One line of a state file as a UnitResult; ValueError saying what is wrong with it otherwise."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text (a binary file?)") from None
    try:
        data = json.loads(text, parse_int=parse_json_int)  # parse_int: no integer of a million digits
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    except NotExactError:
        raise ValueError("an integer with more digits than any work unit has") from None
    except ValueError as err:  # JSONDecodeError
        raise ValueError(f"not a JSON object ({err})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{_JSON_TYPES.get(type(data), 'null')}, not an object with the fields of a work unit")
    if set(data) != set(_UNIT_FIELDS):
        missing = [f for f in _UNIT_FIELDS if f not in data]
        extra = sorted(str(f) for f in data if f not in _UNIT_FIELDS)
        what = f"missing {', '.join(missing)}" if missing else f"unknown fields {', '.join(extra)[:200]}"
        raise ValueError(f"not a work unit: {what}")
    for f in ("key", "task", "family"):
        if not isinstance(data[f], str):
            raise ValueError(f"{f!r} must be a string")
    for f in ("start", "stop", "checked", "degenerate", "violations"):
        if type(data[f]) is not int or data[f] < 0:
            raise ValueError(f"{f!r} must be an integer >= 0")
    start, stop = data["start"], data["stop"]
    if data["key"] != f"{data['task']}|{data['family']}|{start}:{stop}":
        raise ValueError("'key' does not match its task, family, start and stop")
    if start > stop or data["checked"] + data["degenerate"] > stop - start or data["violations"] > data["checked"]:
        raise ValueError("its counts do not fit its range of cases")
    seconds = data["seconds"]
    if type(seconds) not in (int, float) or not 0 <= seconds < float("inf"):
        raise ValueError("'seconds' must be a finite number >= 0")
    first = data["first_violation"]
    if (first is None) != (data["violations"] == 0):
        raise ValueError("'first_violation' must be given exactly when 'violations' > 0")
    if first is not None:
        if (
            not isinstance(first, dict)
            or set(first) != {"case", "quantities", "note"}
            or not isinstance(first["quantities"], dict)
            or not isinstance(first["note"], (str, type(None)))
        ):
            raise ValueError("'first_violation' must be an object with 'case', 'quantities' and 'note'")
        case = first["case"]
        if not isinstance(case, dict) or any(type(case.get(f, 0)) is not int for f in ("seed", "index")):
            raise ValueError("the case of 'first_violation' must be an object with integer 'seed' and 'index'")
        try:
            Case.from_dict(case)
        except RelugeomError as err:
            raise ValueError(f"the case of 'first_violation' is not a case: {err}") from None
        except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError):
            raise ValueError("the case of 'first_violation' is not a case (network, inputs, seed)") from None
    return UnitResult.from_dict(data)


def _load_state(path: str | os.PathLike | None) -> dict[str, UnitResult]:
    """The finished units of a state file by key ({} when there is no file yet).

    A last line cut short (an append interrupted by a crash or a kill: no newline at its end) is ignored,
    so that unit runs again; so is such a cut line that a resumed run then appended a full line to. Anything
    else that is not a work unit written by :func:`run_units` raises :class:`FormatError` naming the file
    and the line.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "state.jsonl")
    >>> _load_state(path)
    {}
    >>> with open(path, "w") as fh:
    ...     _ = fh.write('{"format": "relugeom-network", "version": 1}\\n')
    >>> _load_state(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    relugeom.exceptions.FormatError: .../state.jsonl, line 1: not a work unit: missing key, ...; a --state file holds ...
    """
    if path is None:
        return {}
    if not os.path.exists(path):
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            raise FormatError(f"cannot create the state file {os.fspath(path)}: no directory {parent}")
        return {}
    try:
        with open(path, "rb") as fh:
            content = fh.read()
    except OSError as err:
        raise FormatError(f"cannot read the state file {os.fspath(path)}: {err.strerror or err}") from None
    lines = content.split(b"\n")
    done: dict[str, UnitResult] = {}
    for i, raw in enumerate(lines):
        if not raw.strip():
            continue
        try:
            r = _unit_from_line(raw)
        except ValueError as err:
            cut_short = i == len(lines) - 1  # no newline after it: an interrupted append
            if cut_short and _begins_a_unit(raw):
                continue
            r = _after_cut_line(raw)
            if r is None:
                raise _state_error(path, i + 1, str(err)) from None
        done[r.key] = r
    return done


def _after_cut_line(raw: bytes) -> UnitResult | None:
    """The unit of a line that is a cut-short line with a whole one appended to it (a run resumed after an
    interrupted append), else None."""
    for m in re.finditer(rb'\{\s*"key"\s*:', raw):
        if m.start() > 0 and _begins_a_unit(raw[: m.start()]):
            try:
                return _unit_from_line(raw[m.start() :])
            except ValueError:
                continue
    return None


def _serial(units: Sequence[WorkUnit], stop: bool) -> Iterator[UnitResult]:
    for u in units:
        checkpoint(f"unit {u.key}")
        yield evaluate_unit(u, stop)


def _ignore_interrupts() -> None:  # pragma: no cover - runs in the pool's workers
    """Workers leave Ctrl-C to the parent, which stops them (no traceback from each worker)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _pool(units: Sequence[WorkUnit], stop: bool, jobs: int) -> Iterator[UnitResult]:
    ex = ProcessPoolExecutor(max_workers=jobs, initializer=_ignore_interrupts)
    finished = False
    try:
        futures = [ex.submit(evaluate_unit, u, stop) for u in units]
        for f in futures:
            checkpoint()
            yield f.result()
        finished = True
    finally:
        if finished:
            ex.shutdown(wait=True)
        else:  # stopped early (a violation, a limit, Ctrl-C): do not wait for the units in flight
            workers = list(getattr(ex, "_processes", {}).values())
            ex.shutdown(wait=False, cancel_futures=True)
            for w in workers:
                w.terminate()


def _dask(units: Sequence[WorkUnit], stop: bool, scheduler: Any) -> Iterator[UnitResult]:
    try:
        from distributed import Client
    except ImportError:
        raise RelugeomError(
            "a Dask scheduler was given but dask.distributed is not installed; pip install 'relugeom[dask]'"
        ) from None
    own = not isinstance(scheduler, Client)
    client = Client(scheduler) if own else scheduler
    try:
        futures = client.map(evaluate_unit, list(units), stop_on_violation=stop, pure=False)
        try:
            for f in futures:
                yield f.result()
        finally:
            client.cancel(futures)
    finally:
        if own:
            client.close()


def run_units(
    units: Iterable[WorkUnit],
    *,
    jobs: int = 1,
    scheduler: Any = None,
    stop_on_violation: bool = False,
    state: str | os.PathLike | None = None,
    progress: bool = False,
    label: str = "",
) -> list[UnitResult]:
    """Evaluate units and return their results in unit order.

    Parameters
    ----------
    jobs : int
        worker processes on this machine (1: in this process).
    scheduler : str or distributed.Client, optional
        a Dask scheduler address (``"tcp://…"``) or client; overrides ``jobs``.
    stop_on_violation : bool
        stop after the first unit (in unit order) with a violation; that unit stops at its violation.
    state : path, optional
        JSON-lines file of finished units: units already in it are not run again (their stored results
        are returned), new results are appended as they arrive. Delete it to start afresh.
    progress : bool
        show a progress bar on stderr when it is a terminal.
    """
    units = list(units)
    done = _load_state(state)
    todo = [u for u in units if u.key not in done]
    bar = Progress(len(units), progress, label=label)
    results: dict[str, UnitResult] = {}
    for u in units:
        if u.key in done:
            results[u.key] = done[u.key]
            bar.update(done[u.key])
    if stop_on_violation and any(r.violations for r in results.values()):
        todo = []
    if scheduler is not None:
        stream = _dask(todo, stop_on_violation, scheduler)
    elif jobs > 1 and len(todo) > 1:
        stream = _pool(todo, stop_on_violation, jobs)
    else:
        stream = _serial(todo, stop_on_violation)
    fh = open(state, "a", encoding="utf-8") if state is not None else None
    try:
        for r in stream:
            results[r.key] = r
            bar.update(r)
            if fh is not None:
                fh.write(json.dumps(r.to_dict()) + "\n")
                fh.flush()
            if stop_on_violation and r.violations:
                break
    finally:
        if hasattr(stream, "close"):
            stream.close()
        if fh is not None:
            fh.close()
        bar.close()
    ordered = [results[u.key] for u in units if u.key in results]
    if stop_on_violation:  # keep results up to the first violating unit in unit order
        cut = next((i for i, r in enumerate(ordered) if r.violations), None)
        if cut is not None:
            ordered = ordered[: cut + 1]
    return ordered


def summarize(results: Iterable[UnitResult]) -> dict[str, dict]:
    """Totals per task: cases checked, degenerate cases skipped, violations, first violation, seconds."""
    out: dict[str, dict] = {}
    for r in results:
        t = out.setdefault(
            r.task,
            {"checked": 0, "degenerate": 0, "violations": 0, "first_violation": None, "seconds": 0.0, "families": []},
        )
        t["checked"] += r.checked
        t["degenerate"] += r.degenerate
        t["violations"] += r.violations
        t["seconds"] += r.seconds
        if r.family not in t["families"]:
            t["families"].append(r.family)
        if t["first_violation"] is None and r.first_violation is not None:
            t["first_violation"] = r.first_violation
    return out
