"""What is measured, exactly, at each training checkpoint (SPEC §7).

A :class:`Tracker` holds the batches to watch (typically ``train``, ``test`` and ``random`` Gaussian
inputs) and turns an exact checkpoint network into one typed row (:class:`~relugeom.training.rows.CheckpointRow`)::

    Network (exact dyadics) ─▶ for each batch: dimension_report ─▶ row.batches[batch]: BatchMeasure(bfd,
                               (certified exact rank)             certified, num_patterns, float_rank)
                            ─▶ dead_neurons (inactive on every *training* input; None when the
                               train batch is not tracked, degenerate or timed out), n_minus_h, cffd,
                               directions / float_directions (networks with one hidden layer)

The BFD columns are certified exact ranks (``method="exact"``). When a certificate does not come within
``certify_timeout`` seconds (large, strongly rank-deficient Jacobians), the row keeps the modular rank,
which is a proven *lower* bound, with ``row.certified(batch) is False`` and the certified bounds in
``notes``. A degenerate batch (a hidden pre-activation exactly 0) gives ``None`` and a note naming the
sample, layer and neuron, unless a one-sided ``at_zero`` convention was asked for.

``cffd`` is the exact computable full functional dimension (:mod:`relugeom.regions.cffd`) when
``cffd="exact"``, or with ``cffd="auto"`` when the input dimension is at most 2 and there are at most
:data:`AUTO_CFFD_HIDDEN` hidden neurons; otherwise None, and ``row.bfd("random")`` is the sampling estimate of
it (a lower bound).

Examples
--------
>>> import numpy as np
>>> from relugeom.core.network import Network
>>> net = Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])])
>>> tracker = Tracker({"train": np.array([[-1.0], [0.5], [2.0]]), "random": np.array([[2.0], [3.0]])})
>>> row = tracker.measure(net)
>>> row.bfd("train"), row.bfd("random"), row.bfd("test"), row.num_patterns("train"), row.dead_neurons
(3, 2, None, 3, 0)
>>> row.n_minus_h, row.cffd, row.directions, row.certified("train")
(5, 5, 2, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Sequence

import numpy as np

from ..core.network import Network
from ..core.patterns import AtZero
from ..dimension.bfd import dimension_report
from ..exceptions import CertificationTimeout, DegeneratePointError, InvalidArgumentError, RelugeomError
from ..io.pytorch import from_torch
from ..linalg import Method
from ..regions.cffd import computable_full_functional_dimension
from .alignment import alignment
from .datasets import Dataset, gaussian_inputs
from .rows import STANDARD_BATCHES, BatchMeasure, CheckpointRow

__all__ = ["Tracker", "STANDARD_BATCHES", "AUTO_CFFD_HIDDEN"]
#: ``cffd="auto"`` computes the exact CFFD for n0 <= 2 and at most this many hidden neurons.
AUTO_CFFD_HIDDEN = 16


@dataclass(frozen=True)
class Tracker:
    """Measures exact checkpoints on named batches (see the module docstring).

    Parameters
    ----------
    inputs : dict name → batch
        The batches (float64 arrays are taken at their exact binary values).
    method : {"exact", "modular", "float"}
        The rank method of the BFD columns.
    certify_timeout : float
        Seconds per certified rank before falling back to the modular lower bound.
    at_zero : {None, "inactive", "active"}
    cffd : {"auto", "exact", "off"}
    float_ranks : bool
        Also record ``row.float_rank(batch)`` (``bfd_<batch>_float`` on disk), the float64 SVD rank with
        numpy's default tolerance, to show where a float code would disagree.
    align_threshold : float
        Cosine threshold of the ``float_directions`` column.
    """

    inputs: dict[str, Any]
    method: Method = "exact"
    certify_timeout: float = 60.0
    at_zero: AtZero = None
    cffd: Literal["auto", "exact", "off"] = "auto"
    float_ranks: bool = False
    align_threshold: float = 0.999
    seed: int | None = 0
    _names: tuple[str, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        if self.cffd not in ("auto", "exact", "off"):
            raise InvalidArgumentError(f"cffd must be 'auto', 'exact' or 'off', got {self.cffd!r}")
        if not self.inputs or any(len(X) == 0 for X in self.inputs.values()):
            empty = [name for name, X in self.inputs.items() if len(X) == 0]
            raise InvalidArgumentError(
                f"the tracked batch {empty[0]!r} has no samples"
                if empty
                else "a Tracker needs at least one batch of inputs, e.g. the training inputs"
            )
        object.__setattr__(self, "_names", tuple(self.inputs))

    @classmethod
    def for_dataset(
        cls,
        data: Dataset,
        track: Sequence[str] = STANDARD_BATCHES,
        n_random: int | None = None,
        seed: int = 0,
        **options: Any,
    ) -> "Tracker":
        """A tracker on ``data``'s train and test inputs and ``n_random`` standard Gaussian inputs
        (default: as many as training samples), as selected by ``track``.

        >>> from relugeom.training.datasets import two_moons
        >>> sorted(Tracker.for_dataset(two_moons(10, 5), track=("train", "random")).inputs)
        ['random', 'train']
        """
        unknown = [t for t in track if t not in STANDARD_BATCHES]
        if unknown:
            raise InvalidArgumentError(f"track must name batches among {', '.join(STANDARD_BATCHES)}, got {unknown}")
        batches: dict[str, np.ndarray] = {}
        if "train" in track:
            batches["train"] = data.X_train
        if "test" in track:
            if not len(data.X_test):
                raise InvalidArgumentError(
                    "the test batch is tracked but the data set has no test samples: give "
                    "n_test > 0 (CLI: --n-test) or leave test out of track (--track)"
                )
            batches["test"] = data.X_test
        if "random" in track:
            n = len(data.X_train) if n_random is None else n_random
            batches["random"] = gaussian_inputs(n, data.input_dim, seed=seed + 7919)
        return cls(batches, **options)

    def _cffd(self, net: Network) -> tuple[int | None, str | None]:
        wanted = self.cffd == "exact" or (
            self.cffd == "auto" and net.input_dim <= 2 and net.num_hidden <= AUTO_CFFD_HIDDEN
        )
        if not wanted:
            return None, None
        try:
            return computable_full_functional_dimension(net, at_zero=self.at_zero), None
        except RelugeomError as err:
            return None, f"cffd: {err}"

    def measure(self, net: Network | Any) -> CheckpointRow:
        """One row for the exact network ``net`` (columns in the module docstring), without the training columns.

        ``net`` may be a PyTorch model (an ``nn.Sequential`` of Linear and ReLU, or its state dict): it is
        read exactly by :func:`~relugeom.io.pytorch.from_torch`, so a user's own training loop can call
        ``tracker.measure(model)`` at its checkpoints (the recipe is in ``examples/08_pytorch.py``).
        """
        if not isinstance(net, Network):
            net = from_torch(net)
        batches: dict[str, BatchMeasure] = {}
        notes: list[str] = []
        dead: int | None = None
        for name in self._names:
            X = self.inputs[name]
            try:
                rep = dimension_report(
                    net, X, self.method, at_zero=self.at_zero, seed=self.seed, certify_timeout=self.certify_timeout
                )
                bfd, certified, patterns = rep.bfd, rep.certified, rep.num_patterns
                if name == "train":
                    dead = len(rep.dead_neurons)
            except CertificationTimeout as err:
                bfd, certified, patterns = err.lower_bound, False, None
                notes.append(
                    f"{name}: no certificate within {err.budget:g} s; certified "
                    f"{err.lower_bound} <= BFD <= {err.upper_bound} (modular rank {err.modular_rank})"
                )
            except DegeneratePointError as err:
                bfd, certified, patterns = None, False, None
                notes.append(f"{name}: {err}")
            float_rank = None
            if self.float_ranks:
                try:
                    float_rank = dimension_report(net, X, "float", at_zero=self.at_zero).bfd
                except DegeneratePointError:
                    float_rank = None
            batches[name] = BatchMeasure(bfd, certified, patterns, float_rank)
        cffd, note = self._cffd(net)
        if note:
            notes.append(note)
        directions = float_directions = None
        if net.num_layers == 2:
            al = alignment(net, 0)
            directions, float_directions = al.num_directions, al.num_float_directions(self.align_threshold)
        return CheckpointRow(
            batches=batches,
            dead_neurons=dead,
            num_params=net.num_params,
            n_minus_h=net.num_params - net.num_hidden,
            cffd=cffd,
            directions=directions,
            float_directions=float_directions,
            notes="; ".join(notes),
            float_ranks=self.float_ranks,
        )
