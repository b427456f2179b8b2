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
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any, Callable, Iterable, Iterator, Sequence, TextIO

from ..exceptions import DegeneratePointError, InvalidArgumentError, RelugeomError
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


def _load_state(path: str | os.PathLike | None) -> dict[str, UnitResult]:
    if path is None or not os.path.exists(path):
        return {}
    done = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line:
                r = UnitResult.from_dict(json.loads(line))
                done[r.key] = r
    return done


def _serial(units: Sequence[WorkUnit], stop: bool) -> Iterator[UnitResult]:
    for u in units:
        yield evaluate_unit(u, stop)


def _pool(units: Sequence[WorkUnit], stop: bool, jobs: int) -> Iterator[UnitResult]:
    ex = ProcessPoolExecutor(max_workers=jobs)
    try:
        futures = [ex.submit(evaluate_unit, u, stop) for u in units]
        for f in futures:
            yield f.result()
    finally:
        ex.shutdown(wait=True, cancel_futures=True)


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
