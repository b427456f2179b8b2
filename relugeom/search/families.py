"""Deterministic families of test cases (a network and a batch) for theorem checks and searches.

A *family* is an indexable, reproducible enumeration: ``len(family)`` cases, ``family.case(i)`` the i-th,
always the same for the same family. Work can therefore be split into index ranges (see
:mod:`relugeom.search.workunits`) that any process or machine evaluates identically.

* :class:`GridFamily`: every network of given widths whose parameters all lie in a small set of values
  (e.g. {−1, 0, 1}), on one fixed batch; exhaustive.
* :class:`RandomFamily`: random rational networks and batches, case ``i`` drawn from the seed
  ``(seed, i)``.

Both enumerate *pairs* of networks with ``pairs=True`` (:attr:`Case.other` is the second network b), for
statements about two networks ("F_a = F_b ⇒ a and b are equivalent").

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

import math
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
    """One network (or a pair of networks), one batch, and a seed for whatever randomness a check needs.

    ``other`` is the second network ``b`` of a *pair case* (``net`` is ``a``), for statements about two
    networks such as "F_a = F_b on R^{n0} ⇒ a and b are equivalent under permutations and rescalings"; it
    has the input and output widths of ``net`` (its hidden widths may differ), and is None for a case of one
    network.

    Raises
    ------
    ShapeError
        if ``other``'s input or output width differs from ``net``'s.

    Examples
    --------
    >>> a = Network.from_parameters((1, 1, 1), [1, 0, 1, 0])
    >>> b = Network.from_parameters((1, 2, 1), [1, 1, 0, 0, "1/2", "1/2", 0])
    >>> pair = Case(a, ((Fraction(1),),), other=b)
    >>> sorted(pair.to_dict())
    ['family', 'index', 'inputs', 'network', 'other_network', 'seed']
    >>> Case.from_dict(pair.to_dict()) == pair, "other_network" in pair.replace(other=a).to_dict()
    (True, True)
    >>> "other_network" in Case(a, ((Fraction(1),),)).to_dict()
    False
    """

    net: Network
    inputs: Batch
    seed: int = 0
    family: str = ""
    index: int = 0
    other: Network | None = None

    def __post_init__(self) -> None:
        o = self.other
        if o is not None and (o.input_dim, o.output_dim) != (self.net.input_dim, self.net.output_dim):
            raise ShapeError(
                f"the two networks of a pair case need the same input and output widths, got widths "
                f"{self.net.widths} and {o.widths}"
            )

    def to_dict(self) -> dict:
        """JSON-ready: network(s) in the relugeom-network format (``"other_network"`` for a pair case only),
        inputs as exact strings."""
        out = {
            "family": self.family,
            "index": self.index,
            "seed": self.seed,
            "network": self.net.to_dict(),
            "inputs": batch_to_json(self.inputs),
        }
        if self.other is not None:
            out["other_network"] = self.other.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "Case":
        """Inverse of :meth:`to_dict` (``"other_network"`` optional: a dict without it is a one-network case)."""
        other = data.get("other_network")
        return cls(
            Network.from_dict(data["network"]),
            batch_from_json(data["inputs"]),
            int(data.get("seed", 0)),
            str(data.get("family", "")),
            int(data.get("index", 0)),
            None if other is None else Network.from_dict(other),
        )

    def replace(self, net: Network | None = None, inputs: Batch | None = None, other: Network | None = None) -> "Case":
        """A copy with another network, batch and/or second network (same seed and provenance; None keeps)."""
        return Case(
            self.net if net is None else net,
            self.inputs if inputs is None else tuple(inputs),
            self.seed,
            self.family,
            self.index,
            self.other if other is None else other,
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


def _decode(index: int, widths: tuple[int, ...], values: tuple[Fraction, ...]) -> Network:
    """The network whose parameters are the base-``len(values)`` digits of ``index`` (most significant first)."""
    N, base = num_parameters(widths), len(values)
    digits = []
    for _ in range(N):
        index, d = divmod(index, base)
        digits.append(d)
    return Network.from_parameters(widths, [values[d] for d in reversed(digits)])


@dataclass(frozen=True)
class GridFamily:
    """Every network of ``widths`` with each parameter in ``values``, all on the batch ``inputs``.

    Case ``i`` reads ``i`` in base ``len(values)``, most significant digit first, one digit per parameter
    (SPEC parameter order), so case 0 has every parameter equal to ``values[0]``.

    With ``pairs=True`` the cases are the *pairs* (a, b) of such networks (:attr:`Case.other` is b): ``2N``
    digits, a's N parameters first, so case ``i`` is (network ``i // M``, network ``i % M``) with
    ``M = len(values)^N``, and there are ``M²`` cases. With ``unordered=True`` as well (for statements
    symmetric in a and b) only the pairs with a's index ``p`` ≤ b's index ``q`` are enumerated, ``M(M + 1)/2``
    of them, by ``q`` then ``p``: case ``i = q(q + 1)/2 + p``, decoded in O(1) by an integer square root (the
    first ``m(m + 1)/2`` cases are all the pairs among the first ``m`` networks).

    Examples
    --------
    >>> fam = GridFamily((1, 1, 1), (-1, 0, 1), [["1/2"]], pairs=True)
    >>> len(fam), fam.name
    (6561, 'grid pairs 1-1-1 {-1,0,1} n=1')
    >>> c = fam.case(82)            # 82 = 1·81 + 1: networks 1 and 1
    >>> [str(v) for v in c.net.parameters()], [str(v) for v in c.other.parameters()]
    (['-1', '-1', '-1', '0'], ['-1', '-1', '-1', '0'])
    >>> tri = GridFamily((1, 1, 1), (-1, 0, 1), [["1/2"]], pairs=True, unordered=True)
    >>> len(tri), [str(v) for v in tri.case(4).net.parameters()], [str(v) for v in tri.case(4).other.parameters()]
    (3321, ['-1', '-1', '-1', '0'], ['-1', '-1', '-1', '1'])
    """

    widths: tuple[int, ...]
    values: tuple[Fraction, ...]
    inputs: Batch
    seed: int = 0
    pairs: bool = False
    unordered: bool = False

    def __init__(
        self,
        widths: Sequence[int],
        values: Sequence[Any],
        inputs: Any,
        seed: int = 0,
        pairs: bool = False,
        unordered: bool = False,
    ) -> None:
        object.__setattr__(self, "widths", tuple(int(w) for w in widths))
        object.__setattr__(self, "values", exact_vector(values, "values"))
        object.__setattr__(self, "inputs", exact_matrix(inputs, "inputs", ncols=self.widths[0]))
        object.__setattr__(self, "seed", int(seed))
        object.__setattr__(self, "pairs", bool(pairs))
        object.__setattr__(self, "unordered", bool(unordered))
        if len(self.widths) < 2 or min(self.widths) < 1:
            raise ShapeError(f"widths must have at least two positive entries, got {self.widths}")
        if self.unordered and not self.pairs:
            raise InvalidArgumentError("unordered=True enumerates pairs a <= b: it needs pairs=True")

    @property
    def name(self) -> str:
        seed = f" seed={self.seed}" if self.seed else ""
        kind = ("unordered pairs " if self.unordered else "pairs ") if self.pairs else ""
        return f"grid {kind}{'-'.join(map(str, self.widths))} {_fmt_values(self.values)} n={len(self.inputs)}{seed}"

    def __len__(self) -> int:
        M = len(self.values) ** num_parameters(self.widths)
        if not self.pairs:
            return M
        return M * (M + 1) // 2 if self.unordered else M * M

    def case(self, index: int) -> Case:
        if not 0 <= index < len(self):
            raise IndexError(f"case index {index} out of range 0 … {len(self) - 1}")
        other = None
        if not self.pairs:
            net = _decode(index, self.widths, self.values)
        else:
            M = len(self.values) ** num_parameters(self.widths)
            if self.unordered:  # index = q(q + 1)/2 + p with 0 <= p <= q
                q = (math.isqrt(8 * index + 1) - 1) // 2
                p = index - q * (q + 1) // 2
            else:
                p, q = divmod(index, M)
            net, other = _decode(p, self.widths, self.values), _decode(q, self.widths, self.values)
        return Case(net, self.inputs, seed=self.seed * 1_000_003 + index, family=self.name, index=index, other=other)


@dataclass(frozen=True)
class RandomFamily:
    """``count`` random rational networks of ``widths``, each with its own batch of distinct samples.

    Parameters are ``p/q`` with ``|p| <= max_numerator``, ``1 <= q <= max_denominator``; inputs likewise
    with ``input_numerator`` and ``input_denominator``; with ``max_exponent > 0`` each parameter is also
    multiplied by ``2^e``, ``e`` uniform in ``−max_exponent … max_exponent`` (:class:`LogRandomFamily`).
    Case ``i`` uses ``numpy.random.default_rng((seed, i))``, so any case can be rebuilt on its own. With
    ``pairs=True`` each case is a pair: a second network of the same widths (:attr:`Case.other`) is drawn
    the same way right after the first, before the batch.

    Examples
    --------
    >>> fam = RandomFamily((1, 2, 1), num_samples=3, count=5, seed=1, pairs=True)
    >>> fam.name
    'random pairs 1-2-1 n=3 p/q<=5/5 seed=1'
    >>> c = fam.case(2)
    >>> c.other.widths, c.net == RandomFamily((1, 2, 1), 3, 5, seed=1).case(2).net
    ((1, 2, 1), True)
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
    pairs: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "widths", tuple(int(w) for w in self.widths))
        object.__setattr__(self, "pairs", bool(self.pairs))
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
        pairs = " pairs" if self.pairs else ""
        return (
            f"{kind}{pairs} {'-'.join(map(str, self.widths))} n={self.num_samples} "
            f"p/q<={self.max_numerator}/{self.max_denominator}{scale} seed={self.seed}"
        )

    def __len__(self) -> int:
        return self.count

    def _network(self, rng: np.random.Generator) -> Network:
        N = num_parameters(self.widths)
        params = random_fractions(rng, N, self.max_numerator, self.max_denominator)
        if self.max_exponent:
            exps = rng.integers(-self.max_exponent, self.max_exponent + 1, N)
            params = [v * Fraction(2) ** int(e) for v, e in zip(params, exps)]
        return Network.from_parameters(self.widths, params)

    def case(self, index: int) -> Case:
        if not 0 <= index < self.count:
            raise IndexError(f"case index {index} out of range 0 … {self.count - 1}")
        rng = np.random.default_rng((self.seed, index))
        net = self._network(rng)
        other = self._network(rng) if self.pairs else None
        seen: set[tuple[Fraction, ...]] = set()
        batch = []
        while len(batch) < self.num_samples:
            x = tuple(random_fractions(rng, self.widths[0], self.input_numerator, self.input_denominator))
            if x not in seen:
                seen.add(x)
                batch.append(x)
        return Case(net, tuple(batch), seed=int(rng.integers(2**62)), family=self.name, index=index, other=other)


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
