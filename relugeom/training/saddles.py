"""Saddle-to-saddle dynamics: loss plateaus from a small initialisation, and the exact BFD on each.

From a small initialisation (every parameter times a scale ≪ 1) gradient descent on a teacher task
learns in stages: the loss sits on a plateau (near a saddle), drops, sits on a lower plateau, and so
on. SPEC §7 expects the BFD to be low and piecewise constant on plateaus and to step up between them.
This module measures it:

1. :func:`saddle_to_saddle` trains with full-batch GD (:mod:`relugeom.training.loop`) and keeps a
   checkpoint at log-spaced steps (the plateaus' time scales grow geometrically);
2. :func:`detect_plateaus` finds the plateaus in the loss of every step;
3. every checkpoint is measured exactly (:class:`relugeom.training.tracking.Tracker`: BFD on the training
   inputs, distinct patterns, dead neurons, exact and float alignment), together with two float64
   views a float code would report: the SVD rank with numpy's tolerance and the *effective* rank at a
   relative tolerance (singular values above ``rtol·σ_max``);
4. :meth:`SaddleRun.phases` cuts the run into plateaus and descents, with the BFD seen in each.

Plateau rule. Sample the loss trace at ``grid`` log-spaced steps s_0 < s_1 < …; the local slope
ρ_i = Δ log L / Δ log s is the loss's power-law exponent between two samples. A plateau is a maximal
run of samples with ρ_i > −``flat`` that spans at least a factor ``min_ratio`` in steps (its last
step over its first); a rising loss counts as flat too (it is not descending). Descents are the stretches between plateaus. The rule is scale free (it does
not depend on the loss's units or the learning rate's time units); it is a float heuristic on the
*trajectory*, while every BFD reported next to it is exact.

References
----------
.. [BMB24] Bona-Pellissier, Malgouyres, Bachoc, *Geometry-induced implicit regularization in deep ReLU
   neural networks*, arXiv 2402.08269 (2024).
.. [JGSHG21] Jacot, Ged, Şimşek, Hongler, Gabriel, *Saddle-to-saddle dynamics in deep linear networks
   and small initialization training*, arXiv 2106.15933 (2021).
.. [BPVF22] Boursier, Pillaud-Vivien, Flammarion, *Gradient flow dynamics of shallow ReLU networks for
   square loss and orthogonal inputs*, NeurIPS 2022.

Examples
--------
A staircase: flat, drop, flat.

>>> trace = [1.0] * 100 + [1e-2] * 900 + [1e-4] * 9000
>>> [(p.start, p.end) for p in detect_plateaus(trace, grid=100)]
[(1, 95), (105, 977), (1072, 9999)]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from ..core.network import Network
from ..dimension.jacobian import jacobian
from .datasets import Dataset, teacher_task
from .loop import TrainConfig, TrainResult, checkpoint_steps, scaled_network, train
from .rows import CheckpointRow
from .tracking import Tracker

__all__ = ["Plateau", "Phase", "SaddleRun", "detect_plateaus", "saddle_to_saddle", "effective_rank"]


@dataclass(frozen=True)
class Plateau:
    """Steps ``start … end`` (inclusive) of a plateau and the loss there."""

    start: int
    end: int
    loss_start: float
    loss_end: float

    @property
    def level(self) -> float:
        """Geometric mean of the loss at both ends."""
        return math.sqrt(self.loss_start * self.loss_end)


def detect_plateaus(
    trace: Sequence[float], *, flat: float = 0.05, min_ratio: float = 1.5, grid: int = 200
) -> list[Plateau]:
    """Plateaus of a loss trace (``trace[s]`` = loss at step s), by the rule of the module docstring.

    Parameters
    ----------
    trace : losses, one per step (step 0 first)
    flat : float
        Largest decay exponent −Δlog L/Δlog s still counted as flat.
    min_ratio : float
        Smallest ratio last step / first step of a plateau.
    grid : int
        Number of log-spaced samples of the trace.
    """
    raw = np.asarray(trace, dtype=float)
    L = np.maximum(raw, np.finfo(float).tiny)  # a loss of exactly 0 is flat, not −∞
    last = len(L) - 1
    if last < 2:
        return []
    steps = np.unique(np.round(np.geomspace(1, last, grid)).astype(int))
    logs = np.log(L[steps])
    rho = np.diff(logs) / np.diff(np.log(steps))
    out: list[Plateau] = []
    i = 0
    while i < len(rho):
        if rho[i] > -flat:
            j = i
            while j + 1 < len(rho) and rho[j + 1] > -flat:
                j += 1
            a, b = int(steps[i]), int(steps[j + 1])
            if b / a >= min_ratio:
                out.append(Plateau(a, b, float(raw[a]), float(raw[b])))
            i = j + 1
        else:
            i += 1
    return out


def effective_rank(net: Network, X: Any, rtol: float) -> int:
    """Number of singular values of the float64 Jacobian above ``rtol`` times the largest.

    A float code with a relative tolerance reports this as the functional dimension; it is *not* exact.
    """
    s = np.linalg.svd(jacobian(net, X, method="float"), compute_uv=False)
    return int((s > rtol * s[0]).sum()) if s.size and s[0] > 0 else 0


@dataclass(frozen=True)
class Phase:
    """A plateau or a descent of the run, with the exact BFD of the checkpoints inside it."""

    kind: str  # "plateau" or "descent"
    start: int
    end: int
    loss_start: float
    loss_end: float
    bfd_values: tuple[int, ...]  # exact BFD at the checkpoints in [start, end], in order
    bfd_end: int | None  # exact BFD at the last checkpoint <= end
    patterns_end: int | None
    float_directions_end: int | None
    effective_rank_end: int | None

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["bfd_values"] = list(self.bfd_values)
        return d


@dataclass(frozen=True)
class SaddleRun:
    """A small-initialisation GD run with exact measurements at every checkpoint."""

    result: TrainResult
    data: Dataset
    plateaus: tuple[Plateau, ...]
    rtol: float
    inputs: dict = field(default_factory=dict, repr=False)  # the tracked batches by name

    @property
    def rows(self) -> list[CheckpointRow]:
        """The checkpoint rows; ``row.extra["effective_rank"]`` is the float effective rank on the training inputs."""
        return self.result.history

    def phases(self) -> list[Phase]:
        """Plateaus and the descents between (and before / after) them, covering the whole run."""
        total = self.result.num_steps
        cuts: list[tuple[str, int, int]] = []
        pos = 0
        for p in self.plateaus:
            if p.start > pos:
                cuts.append(("descent", pos, p.start))
            cuts.append(("plateau", p.start, p.end))
            pos = p.end
        if pos < total:
            cuts.append(("descent", pos, total))
        trace = self.result.loss_trace
        out = []
        for kind, a, b in cuts:
            inside = [r for r in self.rows if a <= r.step <= b]
            before = [r for r in self.rows if r.step <= b]
            end = before[-1] if before else None
            out.append(
                Phase(
                    kind,
                    a,
                    b,
                    float(trace[a]),
                    float(trace[b]),
                    tuple(r.bfd("train") for r in inside if r.bfd("train") is not None),
                    None if end is None else end.bfd("train"),
                    None if end is None else end.num_patterns("train"),
                    None if end is None else end.float_directions,
                    None if end is None else end.extra["effective_rank"],
                )
            )
        return out


def saddle_to_saddle(
    teacher_widths: Sequence[int] = (2, 4, 1),
    student_widths: Sequence[int] = (2, 12, 1),
    *,
    init_scale: float = 1e-6,
    lr: float = 0.05,
    steps: int = 40_000,
    n_train: int = 50,
    n_test: int = 50,
    n_random: int = 50,
    seed: int = 0,
    checkpoints: int = 60,
    rtol: float = 1e-3,
    flat: float = 0.05,
    min_ratio: float = 1.5,
    cffd: str = "off",
) -> SaddleRun:
    """Full-batch GD from ``init_scale`` × a He network on a teacher task, measured exactly.

    Parameters
    ----------
    teacher_widths, student_widths : widths of the teacher (He, seed ``seed``) and of the student
        (He, seed ``seed + 1``, then every parameter times ``init_scale``)
    init_scale : float
        The small initialisation scale (a power of two keeps the scaling exact in float64).
    lr, steps : GD learning rate and number of steps
    n_train, n_test, n_random : training and test samples of the teacher task and random Gaussian
        inputs (standard Gaussian; the BFD is tracked on all three, the phases use the training one)
    checkpoints : number of log-spaced checkpoints (every one is measured exactly)
    rtol : relative tolerance of the ``effective_rank`` column
    flat, min_ratio : plateau rule (:func:`detect_plateaus`)
    cffd : the tracker's CFFD option ("off", "auto" or "exact")
    """
    data = teacher_task(tuple(teacher_widths), n_train=n_train, n_test=n_test, seed=seed)
    net = scaled_network(Network.random_he(tuple(student_widths), seed=seed + 1), init_scale)
    track = ("train", "test", "random") if n_test else ("train", "random")
    tracker = _SaddleTracker.for_dataset(
        data,
        track=track if n_random else track[:-1],
        n_random=n_random,
        seed=seed,
        cffd=cffd,
        float_ranks=True,
        rtol=rtol,
    )
    config = TrainConfig(optimizer="gd", lr=lr, epochs=steps, checkpoints=checkpoint_steps(steps, checkpoints))
    result = train(net, data, config, tracker)
    plateaus = detect_plateaus(result.loss_trace, flat=flat, min_ratio=min_ratio)
    return SaddleRun(result, data, tuple(plateaus), rtol, dict(tracker.inputs))


@dataclass(frozen=True)
class _SaddleTracker(Tracker):
    """The standard tracker plus the float effective rank at a relative tolerance."""

    rtol: float = 1e-3

    def measure(self, net: Network) -> CheckpointRow:
        row = super().measure(net)
        return row.with_columns(effective_rank=effective_rank(net, self.inputs["train"], self.rtol))
