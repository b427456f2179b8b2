"""Deterministic families of test cases (a network and a batch) for theorem checks and searches.

A *family* is an indexable, reproducible enumeration: ``len(family)`` cases, ``family.case(i)`` the i-th,
always the same for the same family. Work can therefore be split into index ranges (see
:mod:`relugeom.search.workunits`) that any process or machine evaluates identically.

* :class:`GridFamily`: every network of given widths whose parameters all lie in a small set of values
  (e.g. {−1, 0, 1}), on one fixed batch; exhaustive.
* :class:`RandomFamily`: random rational networks and batches, case ``i`` drawn from the seed
  ``(seed, i)``.

A check or conjecture is a function ``Case -> Outcome`` (:class:`Outcome`: ``"ok"``, ``"degenerate"``
or ``"violation"`` with the exact quantities that decided it).

Examples
--------
>>> fam = GridFamily((1, 1, 1), (-1, 0, 1), inputs=(("1/2",), ("3/2",)))
>>> len(fam), fam.name
(81, 'grid 1-1-1 {-1,0,1} n=2')
>>> [str(v) for v in fam.case(5).net.parameters()]
['-1', '-1', '0', '1']
>>> fam.case(5) == fam.case(5)
True
>>> rnd = RandomFamily((2, 3, 1), num_samples=4, count=10, seed=7)
>>> rnd.case(3).inputs == RandomFamily((2, 3, 1), 4, 10, seed=7).case(3).inputs
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal, Protocol, Sequence

import numpy as np

from .._typing import check_choice
from ..core.network import Network, num_parameters, random_fractions
from ..exceptions import InvalidArgumentError, ShapeError
from ..numbers import exact_matrix, exact_vector

__all__ = [
    "Case",
    "Outcome",
    "Family",
    "GridFamily",
    "RandomFamily",
    "LogRandomFamily",
    "default_batch",
    "batch_to_json",
    "batch_from_json",
]

Batch = tuple[tuple[Fraction, ...], ...]


def batch_to_json(X: Batch) -> list[list[str]]:
    """A batch as lists of exact strings."""
    return [[str(v) for v in x] for x in X]


def batch_from_json(data: Any) -> Batch:
    """Inverse of :func:`batch_to_json` (any exact-convertible numbers)."""
    return exact_matrix(data, "inputs")


@dataclass(frozen=True)
class Case:
    """One network, one batch, and a seed for whatever randomness a check needs (deterministic)."""

    net: Network
    inputs: Batch
    seed: int = 0
    family: str = ""
    index: int = 0

    def to_dict(self) -> dict:
        """JSON-ready: network in the relugeom-network format, inputs as exact strings."""
        return {
            "family": self.family,
            "index": self.index,
            "seed": self.seed,
            "network": self.net.to_dict(),
            "inputs": batch_to_json(self.inputs),
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Case":
        return cls(
            Network.from_dict(data["network"]),
            batch_from_json(data["inputs"]),
            int(data.get("seed", 0)),
            str(data.get("family", "")),
            int(data.get("index", 0)),
        )

    def replace(self, net: Network | None = None, inputs: Batch | None = None) -> "Case":
        """A copy with another network and/or batch (same seed and provenance)."""
        return Case(
            self.net if net is None else net,
            self.inputs if inputs is None else tuple(inputs),
            self.seed,
            self.family,
            self.index,
        )


@dataclass(frozen=True)
class Outcome:
    """What a check or conjecture said about one case.

    ``status`` is ``"ok"`` (the statement holds), ``"degenerate"`` (the case is outside the statement's
    hypotheses, e.g. a zero pre-activation: counted and skipped) or ``"violation"``. ``quantities`` holds
    the exact numbers that decided it, JSON-ready (ints, strings ``"p/q"``, lists, bools).
    """

    status: Literal["ok", "degenerate", "violation"]
    quantities: dict = field(default_factory=dict)
    note: str = ""

    def __post_init__(self) -> None:
        check_choice("status", self.status, ("ok", "degenerate", "violation"))


class Family(Protocol):
    """An indexable deterministic enumeration of cases."""

    @property
    def name(self) -> str: ...

    def __len__(self) -> int: ...

    def case(self, index: int) -> Case: ...


def _fmt_values(values: Sequence[Fraction]) -> str:
    return "{" + ",".join(str(v) for v in values) + "}"


@dataclass(frozen=True)
class GridFamily:
    """Every network of ``widths`` with each parameter in ``values``, all on the batch ``inputs``.

    Case ``i`` reads ``i`` in base ``len(values)``, most significant digit first, one digit per parameter
    (SPEC parameter order), so case 0 has every parameter equal to ``values[0]``.
    """

    widths: tuple[int, ...]
    values: tuple[Fraction, ...]
    inputs: Batch
    seed: int = 0

    def __init__(self, widths: Sequence[int], values: Sequence[Any], inputs: Any, seed: int = 0) -> None:
        object.__setattr__(self, "widths", tuple(int(w) for w in widths))
        object.__setattr__(self, "values", exact_vector(values, "values"))
        object.__setattr__(self, "inputs", exact_matrix(inputs, "inputs", ncols=self.widths[0]))
        object.__setattr__(self, "seed", int(seed))
        if len(self.widths) < 2 or min(self.widths) < 1:
            raise ShapeError(f"widths must have at least two positive entries, got {self.widths}")

    @property
    def name(self) -> str:
        seed = f" seed={self.seed}" if self.seed else ""
        return f"grid {'-'.join(map(str, self.widths))} {_fmt_values(self.values)} n={len(self.inputs)}{seed}"

    def __len__(self) -> int:
        return len(self.values) ** num_parameters(self.widths)

    def case(self, index: int) -> Case:
        if not 0 <= index < len(self):
            raise IndexError(f"case index {index} out of range 0 … {len(self) - 1}")
        N, base = num_parameters(self.widths), len(self.values)
        digits = []
        rest = index
        for _ in range(N):
            rest, d = divmod(rest, base)
            digits.append(d)
        params = [self.values[d] for d in reversed(digits)]
        return Case(
            Network.from_parameters(self.widths, params),
            self.inputs,
            seed=self.seed * 1_000_003 + index,
            family=self.name,
            index=index,
        )


@dataclass(frozen=True)
class RandomFamily:
    """``count`` random rational networks of ``widths``, each with its own batch of distinct samples.

    Parameters are ``p/q`` with ``|p| <= max_numerator``, ``1 <= q <= max_denominator``; inputs likewise
    with ``input_numerator`` and ``input_denominator``; with ``max_exponent > 0`` each parameter is also
    multiplied by ``2^e``, ``e`` uniform in ``−max_exponent … max_exponent`` (:class:`LogRandomFamily`).
    Case ``i`` uses ``numpy.random.default_rng((seed, i))``, so any case can be rebuilt on its own.
    """

    widths: tuple[int, ...]
    num_samples: int
    count: int
    seed: int = 0
    max_numerator: int = 5
    max_denominator: int = 5
    input_numerator: int = 9
    input_denominator: int = 5
    max_exponent: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "widths", tuple(int(w) for w in self.widths))
        if len(self.widths) < 2 or min(self.widths) < 1:
            raise ShapeError(f"widths must have at least two positive entries, got {self.widths}")
        if self.max_exponent < 0:
            raise InvalidArgumentError(f"max_exponent must be >= 0, got {self.max_exponent}")
        distinct = (2 * self.input_numerator + 1) * self.input_denominator
        if self.num_samples < 1 or self.num_samples > distinct ** self.widths[0] // 2:
            raise ShapeError(f"num_samples must be between 1 and {distinct ** self.widths[0] // 2}")

    @property
    def name(self) -> str:
        kind, scale = ("lograndom", f" 2^±{self.max_exponent}") if self.max_exponent else ("random", "")
        return (
            f"{kind} {'-'.join(map(str, self.widths))} n={self.num_samples} "
            f"p/q<={self.max_numerator}/{self.max_denominator}{scale} seed={self.seed}"
        )

    def __len__(self) -> int:
        return self.count

    def case(self, index: int) -> Case:
        if not 0 <= index < self.count:
            raise IndexError(f"case index {index} out of range 0 … {self.count - 1}")
        rng = np.random.default_rng((self.seed, index))
        N = num_parameters(self.widths)
        params = random_fractions(rng, N, self.max_numerator, self.max_denominator)
        if self.max_exponent:
            exps = rng.integers(-self.max_exponent, self.max_exponent + 1, N)
            params = [v * Fraction(2) ** int(e) for v, e in zip(params, exps)]
        net = Network.from_parameters(self.widths, params)
        seen: set[tuple[Fraction, ...]] = set()
        batch = []
        while len(batch) < self.num_samples:
            x = tuple(random_fractions(rng, self.widths[0], self.input_numerator, self.input_denominator))
            if x not in seen:
                seen.add(x)
                batch.append(x)
        return Case(net, tuple(batch), seed=int(rng.integers(2**62)), family=self.name, index=index)


_POOLS = {
    1: [("-5/3",), ("1/2",), ("7/4",), ("-2/5",), ("13/5",), ("-7/2",), ("3/7",), ("-9/7",)],
    2: [
        ("1/2", "1/3"),
        ("-2/5", "3/7"),
        ("5/3", "-1/4"),
        ("-3/2", "-2/3"),
        ("2/7", "9/5"),
        ("-5/4", "7/3"),
        ("8/3", "5/2"),
        ("-1/6", "-7/5"),
    ],
    3: [
        ("1/2", "1/3", "-1/5"),
        ("-2/5", "3/7", "5/3"),
        ("5/3", "-1/4", "2/7"),
        ("-3/2", "-2/3", "-4/7"),
        ("2/7", "9/5", "-5/2"),
        ("-5/4", "7/3", "3/8"),
    ],
}


def default_batch(n0: int, n: int) -> Batch:
    """The first ``n`` points of a fixed pool in Q^{n0} (n0 = 1, 2, 3) used by the exhaustive grids.

    On these points no affine form ``w·x + b`` with ``w, b`` in {−1, 0, 1}, not all zero, vanishes, so a
    one-hidden-layer network with parameters in {−1, 0, 1} is degenerate on them only through a neuron
    whose incoming weights and bias are all zero (deeper layers can still vanish: such cases are counted
    as degenerate by the checks, not hidden).

    >>> default_batch(1, 3)
    ((Fraction(-5, 3),), (Fraction(1, 2),), (Fraction(7, 4),))
    """
    if n0 not in _POOLS or not 1 <= n <= len(_POOLS[n0]):
        raise ShapeError(f"default_batch has up to {len(_POOLS.get(n0, []))} points for n0 = {n0} (n0 = 1, 2, 3)")
    return exact_matrix(_POOLS[n0][:n], "default batch")


@dataclass(frozen=True)
class LogRandomFamily(RandomFamily):
    """Random networks whose parameters span many orders of magnitude: ``(p/q) · 2^e``.

    Each parameter is ``p/q`` as in :class:`RandomFamily` (``|p| <= max_numerator`` so it can be 0,
    ``1 <= q <= max_denominator``) times ``2^e`` with ``e`` uniform in ``−max_exponent … max_exponent``
    (log-uniform magnitudes). Inputs are small rationals as in :class:`RandomFamily`, distinct within a
    batch. Case ``i`` uses ``numpy.random.default_rng((seed, i))``: deterministic and independent of the
    other cases. Such parameters stress float64 (a weight near 2^50 next to weights near 1), which a
    small-integer grid never does.

    Examples
    --------
    >>> fam = LogRandomFamily((1, 1, 1), num_samples=2, count=50, seed=3, max_exponent=60)
    >>> fam.name
    'lograndom 1-1-1 n=2 p/q<=5/5 2^±60 seed=3'
    >>> fam.case(7) == LogRandomFamily((1, 1, 1), 2, 50, seed=3, max_exponent=60).case(7)
    True
    >>> max(abs(v) for i in range(50) for v in fam.case(i).net.parameters()) > 2**40
    True
    """

    max_exponent: int = 60
