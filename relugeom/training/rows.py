"""One checkpoint of a training run, typed: :class:`CheckpointRow`, with a :class:`BatchMeasure` per batch.

:func:`relugeom.training.loop.train` fills the training columns (step, epoch, loss, accuracy, test loss
and accuracy), :class:`relugeom.training.tracking.Tracker` the exact measurements (per tracked batch: BFD,
certified or not, distinct patterns, float64 rank; then dead neurons, N, N − H, CFFD, directions, notes).
Read them as attributes::

    row.step, row.loss, row.n_minus_h, row.cffd              # None where not measured
    row.bfd("train"), row.certified("test"), row.num_patterns("train"), row.float_rank("random")
    row.batches["train"].bfd                                 # the same, for a measured batch
    row.extra["effective_rank"]                              # a column a tracker added (saddles)

On disk (``history.json``, ``history.csv``) a row is the flat dict of :meth:`CheckpointRow.to_dict`, with
the keys (in this order) ``step, epoch, loss, accuracy, test_loss, test_accuracy``, then, for a measured
row, ``bfd_train, bfd_test, bfd_random`` (null when not tracked), per tracked batch ``bfd_<batch>,
certified_<batch>, num_patterns_<batch>`` and ``bfd_<batch>_float`` (with float ranks), then
``num_patterns_train, dead_neurons, num_params, n_minus_h, cffd, directions, float_directions, notes``,
then the extra columns. :meth:`CheckpointRow.from_dict` reads it back; this module is the only one that
knows those key names.

Examples
--------
>>> row = CheckpointRow(step=3, loss=0.5, batches={"train": BatchMeasure(bfd=7, certified=False, num_patterns=4)})
>>> row.bfd("train"), row.certified("train"), row.bfd("test"), row.certified("test")
(7, False, None, None)
>>> d = row.to_dict()
>>> list(d)[6:12]
['bfd_train', 'bfd_test', 'bfd_random', 'certified_train', 'num_patterns_train', 'dead_neurons']
>>> CheckpointRow.from_dict(d) == row
True
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping

__all__ = ["BatchMeasure", "CheckpointRow", "STANDARD_BATCHES"]

#: The batch names that always get a BFD column (null when not tracked), as ``history.json`` promises.
STANDARD_BATCHES = ("train", "test", "random")

_TRAINING = ("step", "epoch", "loss", "accuracy", "test_loss", "test_accuracy")
_MEASURES = ("dead_neurons", "num_params", "n_minus_h", "cffd", "directions", "float_directions", "notes")


@dataclass(frozen=True)
class BatchMeasure:
    """What a checkpoint measured on one batch of inputs.

    Attributes
    ----------
    bfd : int or None
        The batch functional dimension: the certified exact rank, or, when ``certified`` is False and it
        is not None, the modular rank (a proven lower bound; the row's notes give the certified bounds).
        None for a degenerate batch (a hidden pre-activation exactly 0).
    certified : bool
        Whether ``bfd`` is certified exact.
    num_patterns : int or None
        Distinct activation patterns on the batch (None on a time-out or a degenerate batch).
    float_rank : int or None
        The float64 SVD rank with numpy's default tolerance, when the tracker records float ranks.
    """

    bfd: int | None
    certified: bool
    num_patterns: int | None = None
    float_rank: int | None = None


@dataclass(frozen=True)
class CheckpointRow:
    """One checkpoint: the training columns, the exact measurements per batch, and the other columns.

    A row without ``batches`` was not measured (no tracker); one without ``step`` comes straight from a
    tracker, before :func:`~relugeom.training.loop.train` adds the training columns. ``float_ranks`` says
    whether the tracker recorded float64 ranks (``bfd_<batch>_float`` columns, possibly null); ``extra``
    holds further columns in order (e.g. ``effective_rank`` of :mod:`relugeom.training.saddles`).
    """

    step: int | None = None
    epoch: float | None = None
    loss: Any = None  # a float, or a Fraction in exact arithmetic
    accuracy: float | None = None
    test_loss: Any = None
    test_accuracy: float | None = None
    batches: Mapping[str, BatchMeasure] = field(default_factory=dict)
    dead_neurons: int | None = None
    num_params: int | None = None
    n_minus_h: int | None = None
    cffd: int | None = None
    directions: int | None = None
    float_directions: int | None = None
    notes: str = ""
    float_ranks: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "batches", dict(self.batches))
        object.__setattr__(self, "extra", dict(self.extra))

    @property
    def measured(self) -> bool:
        """Whether a tracker measured this checkpoint (it then has a BFD column for every standard batch)."""
        return bool(self.batches)

    def bfd(self, batch: str) -> int | None:
        """The BFD on ``batch`` (None when not measured or degenerate)."""
        m = self.batches.get(batch)
        return None if m is None else m.bfd

    def certified(self, batch: str) -> bool | None:
        """Whether the BFD on ``batch`` is certified (None when the batch was not measured)."""
        m = self.batches.get(batch)
        return None if m is None else m.certified

    def num_patterns(self, batch: str) -> int | None:
        """Distinct activation patterns on ``batch`` (None when not known)."""
        m = self.batches.get(batch)
        return None if m is None else m.num_patterns

    def float_rank(self, batch: str) -> int | None:
        """The float64 SVD rank on ``batch`` (None when not recorded or degenerate)."""
        m = self.batches.get(batch)
        return None if m is None else m.float_rank

    def with_columns(self, **columns: Any) -> "CheckpointRow":
        """This row with more ``extra`` columns (appended, in order).

        >>> CheckpointRow(step=0).with_columns(effective_rank=3).to_dict()["effective_rank"]
        3
        """
        return replace(self, extra={**self.extra, **columns})

    def to_dict(self) -> dict[str, Any]:
        """The flat dict of ``history.json`` (keys and order in the module docstring)."""
        out: dict[str, Any] = {}
        if self.step is not None:
            out.update((k, getattr(self, k)) for k in _TRAINING)
        if self.batches:
            out.update((f"bfd_{b}", self.bfd(b)) for b in STANDARD_BATCHES)
            for name, m in self.batches.items():
                out[f"bfd_{name}"] = m.bfd
                out[f"certified_{name}"] = m.certified
                out[f"num_patterns_{name}"] = m.num_patterns
                if self.float_ranks:
                    out[f"bfd_{name}_float"] = m.float_rank
            out.setdefault("num_patterns_train", None)
            out.update((k, getattr(self, k)) for k in _MEASURES)
        out.update(self.extra)
        return out

    @classmethod
    def from_dict(cls, row: Mapping[str, Any]) -> "CheckpointRow":
        """The row of a dict written by :meth:`to_dict` (e.g. read from ``history.json``).

        The measured batches are those with a ``certified_<batch>`` key; keys this module does not know
        become ``extra`` columns.
        """
        names = [k[len("certified_") :] for k in row if k.startswith("certified_")]
        batches = {
            n: BatchMeasure(
                row.get(f"bfd_{n}"), row[f"certified_{n}"], row.get(f"num_patterns_{n}"), row.get(f"bfd_{n}_float")
            )
            for n in names
        }
        fields = _TRAINING + (_MEASURES if batches else ())
        known = set(fields)
        if batches:
            known |= {f"bfd_{b}" for b in STANDARD_BATCHES} | {"num_patterns_train"}
            for n in names:
                known |= {f"bfd_{n}", f"certified_{n}", f"num_patterns_{n}", f"bfd_{n}_float"}
        values = {k: row[k] for k in fields if k in row}
        return cls(
            **values,
            batches=batches,
            float_ranks=any(f"bfd_{n}_float" in row for n in names),
            extra={k: v for k, v in row.items() if k not in known},
        )
