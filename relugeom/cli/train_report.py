"""What ``relugeom train`` prints: the progress on stderr, the checkpoint table and the summary on stdout.

Every read of a checkpoint row of the training history happens in the small functions of this module
(:func:`bfd_cell`, :func:`float_rank_cell`, :func:`is_uncertified`, :func:`has_column`, :func:`table_row`,
:func:`checkpoint_notes`, :func:`final_lines`, :func:`history_json`), so a change of the row type stays here.

Examples
--------
>>> from relugeom.training.rows import BatchMeasure, CheckpointRow
>>> row = CheckpointRow(step=0, batches={"train": BatchMeasure(49, False), "test": BatchMeasure(45, True)})
>>> bfd_cell(row, "train"), bfd_cell(row, "test"), bfd_cell(row, "random")
('49*', '45', '–')
>>> is_uncertified(row, "train"), is_uncertified(row, "test")
(True, False)
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Sequence, TypeAlias

from .format import table

if TYPE_CHECKING:  # the CLI loads the training layer only when a command needs it
    from ..training.rows import CheckpointRow

__all__ = [
    "Row",
    "TrainProgress",
    "ReportingTracker",
    "bfd_cell",
    "float_rank_cell",
    "is_uncertified",
    "accuracy_cell",
    "has_column",
    "table_row",
    "checkpoint_notes",
    "final_lines",
    "history_json",
    "print_report",
]

#: A checkpoint row of the training history (:class:`relugeom.training.tracking.Tracker` measures it).
Row: TypeAlias = "CheckpointRow"


class TrainProgress:
    """The ``progress(step, total, loss)`` callback of :func:`relugeom.training.loop.train`, drawn on ``stream``.

    On a terminal: one line rewritten with ``\\r`` at most ``1 / interval`` times a second. Otherwise: a
    plain line each time another 10 % of the steps is done. ``note`` prints a whole line (a checkpoint);
    ``header``, when given, is printed before the first output (so nothing is printed when ``train`` refuses
    its arguments, and the error stays the only line).

    >>> import io
    >>> out = io.StringIO()
    >>> bar = TrainProgress(out, 100, enabled=True)
    >>> for step in range(1, 101):
    ...     bar(step, 100, 1 / step)
    >>> print(out.getvalue().splitlines()[0])
    step 10/100 (10%)  loss 0.1
    >>> len(out.getvalue().splitlines())
    10
    """

    def __init__(
        self,
        stream: Any,
        total: int,
        enabled: bool = True,
        interval: float = 0.1,
        clock: Any = time.monotonic,
        header: str | None = None,
    ) -> None:
        self.stream, self.total, self.enabled, self.interval, self.clock = stream, total, enabled, interval, clock
        self.header = header
        self.tty = bool(enabled) and hasattr(stream, "isatty") and stream.isatty()
        self.step, self.loss = 0, float("nan")
        self.last_draw = -float("inf")
        self.next_tenth = 1
        self.drawn = False

    def bar(self, width: int = 20) -> str:
        filled = width if self.total <= 0 else int(width * self.step / self.total)
        digits = len(str(self.total))
        loss = "–" if self.loss != self.loss else f"{self.loss:.4g}"  # no step yet: NaN
        return f"[{'#' * filled}{'-' * (width - filled)}] {self.step:>{digits}}/{self.total} steps  loss {loss}"

    def __call__(self, step: int, total: int, loss: float) -> None:
        self.step, self.total, self.loss = step, total, loss
        if not self.enabled:
            return
        self._header()
        if self.tty:
            now = self.clock()
            if now - self.last_draw >= self.interval or step == total:
                self.last_draw = now
                self._draw(self.bar())
        elif total > 0 and step * 10 >= self.next_tenth * total:
            while step * 10 >= self.next_tenth * total:
                self.next_tenth += 1
            self.stream.write(f"step {step}/{total} ({100 * step // total}%)  loss {loss:.4g}\n")
            self.stream.flush()

    def _header(self) -> None:
        if self.header is not None:
            self.stream.write(self.header + "\n")
            self.header = None

    def _draw(self, text: str) -> None:
        self.stream.write(f"\r{text}\033[K")
        self.stream.flush()
        self.drawn = True

    def status(self, text: str) -> None:
        """A transient note after the bar (terminal only), e.g. while a checkpoint is measured."""
        if self.enabled and self.tty:
            self._header()
            self._draw(f"{self.bar()}  {text}")

    def note(self, line: str) -> None:
        """A whole line (it replaces the bar on a terminal; the bar comes back at the next step)."""
        if not self.enabled:
            return
        self._header()
        if self.tty and self.drawn:
            self.stream.write("\r\033[K")
            self.drawn = False
            self.last_draw = -float("inf")
        self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.tty and self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False


# ----------------------------------------------------------------- the reads of a checkpoint row's keys
def bfd_cell(row: Row, batch: str) -> str:
    """The exact BFD on ``batch`` at this checkpoint, '*' when only the modular lower bound was reached."""
    value = row.bfd(batch)
    if value is None:
        return "–"
    return f"{value}*" if row.certified(batch) is False else str(value)


def float_rank_cell(row: Row, batch: str) -> object:
    """The float64 SVD rank on ``batch`` (``--float-ranks``), '–' when not recorded."""
    return "–" if row.float_rank(batch) is None else row.float_rank(batch)


def is_uncertified(row: Row, batch: str) -> bool:
    """Whether the BFD on ``batch`` is a modular lower bound, not certified within the time budget."""
    return row.certified(batch) is False and row.bfd(batch) is not None


def has_column(history: Sequence[Row], key: str) -> bool:
    """Whether some checkpoint recorded the optional column ``key`` ('cffd' or 'directions')."""
    return any(getattr(r, key) is not None for r in history)


def accuracy_cell(v: float | None) -> str:
    """An accuracy with three decimals, '–' for a regression task."""
    return "–" if v is None else f"{v:.3f}"


def table_row(
    row: Row, names: Sequence[str], float_ranks: bool, with_cffd: bool, with_directions: bool
) -> list[object]:
    """One line of the checkpoint table (the columns of :func:`print_report`'s header).

    ``names`` are the tracked batches: one BFD column each, and the training batch's distinct patterns
    and dead neurons only when ``"train"`` is among them (they are measured on the training inputs).

    >>> from relugeom.training.rows import BatchMeasure, CheckpointRow
    >>> row = CheckpointRow(step=5, loss=0.25, batches={"random": BatchMeasure(6, True, 4)})
    >>> table_row(row, ["random"], float_ranks=False, with_cffd=False, with_directions=False)
    [5, '0.25', '–', '–', '6']
    """
    cells: list[object] = [
        row.step,
        f"{row.loss:.4g}",
        accuracy_cell(row.accuracy),
        accuracy_cell(row.test_accuracy),
    ]
    cells += [bfd_cell(row, b) for b in names]
    if float_ranks:
        cells += [float_rank_cell(row, b) for b in names]
    if "train" in names:
        cells += [
            "–" if row.num_patterns("train") is None else row.num_patterns("train"),
            "–" if row.dead_neurons is None else row.dead_neurons,
        ]
    if with_cffd:
        cells.append("–" if row.cffd is None else row.cffd)
    if with_directions:
        cells.append(row.directions)
    return cells


def checkpoint_notes(history: Sequence[Row]) -> list[tuple[int, str]]:
    """``(step, notes)`` of the checkpoints that have notes."""
    return [(r.step, r.notes) for r in history if r.notes]


def final_lines(history: Sequence[Row], names: Sequence[str], nh: int, classification: bool) -> list[str]:
    """The BFD from the first to the last checkpoint, then the final accuracy or loss."""
    first, last = history[0], history[-1]
    parts = [f"{b} {bfd_cell(first, b)} → {bfd_cell(last, b)}" for b in names]
    lines = [f"BFD from step {first.step} to step {last.step}: {'; '.join(parts)} (N − H = {nh})"]
    if classification:
        lines.append(
            f"final accuracy {accuracy_cell(last.accuracy)} (test {accuracy_cell(last.test_accuracy)}), "
            f"loss {last.loss:.4g}"
        )
    else:
        test = last.test_loss
        test_text = "" if test is None or test != test else f" (test {test:.4g})"
        lines.append(f"final loss {last.loss:.4g}{test_text}")
    return lines


def history_json(history: Sequence[Row]) -> list[dict[str, Any]]:
    """The history as JSON-ready dicts (``--json``)."""
    return [r.to_dict() for r in history]


# ------------------------------------------------------------------------------------------ the report
class ReportingTracker:
    """Wraps a :class:`~relugeom.training.tracking.Tracker`: reports each measured checkpoint on the progress line."""

    def __init__(self, tracker: Any, progress: TrainProgress) -> None:
        self.tracker, self.progress = tracker, progress

    def measure(self, net: Any) -> Row:
        step = self.progress.step
        self.progress.status(f"measuring checkpoint {step}…")
        t0 = time.perf_counter()
        row = self.tracker.measure(net)
        bfd = ", ".join(f"{name} {bfd_cell(row, name)}" for name in self.tracker.inputs)
        self.progress.note(f"checkpoint step {step}: BFD {bfd} ({time.perf_counter() - t0:.1f} s)")
        return row


def print_report(
    history: Sequence[Row],
    names: Sequence[str],
    *,
    float_ranks: bool,
    certify_timeout: float | None,
    nh: int,
    classification: bool,
) -> None:
    """The checkpoint table, the note on uncertified values, the checkpoints' notes and the final lines.

    ``names`` are the tracked batches (the tracker's ``inputs``): only their columns are shown.
    """
    header = ["step", "loss", "accuracy", "test accuracy"] + [f"BFD {b}" for b in names]
    if float_ranks:
        header += [f"float {b}" for b in names]
    if "train" in names:
        header += ["patterns (train)", "dead neurons"]
    with_cffd = has_column(history, "cffd")
    with_directions = has_column(history, "directions")
    if with_cffd:
        header.append("CFFD")
    if with_directions:
        header.append("directions")
    print(table(header, [table_row(r, names, float_ranks, with_cffd, with_directions) for r in history]))
    if any(is_uncertified(r, b) for r in history for b in names):
        print(
            f"* not certified within --certify-timeout {certify_timeout:g} s: the modular rank, a proven "
            f"lower bound of the BFD"
        )
    notes = checkpoint_notes(history)
    for step, text in notes[:5]:
        print(f"note at step {step}: {text}")
    if len(notes) > 5:
        print(f"… notes at {len(notes) - 5} more checkpoints (history.json has them all)")
    for line in final_lines(history, names, nh, classification):
        print(line)
