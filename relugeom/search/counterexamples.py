"""Counterexample search: small networks and batches in increasing size, first violation, shrunk.

A :class:`Conjecture` is a statement about (θ, X) with a check ``Case -> Outcome`` whose ``"violation"``
refutes it (``"degenerate"``: the case is outside its hypotheses). :func:`search` walks the conjecture's
sizes (widths, number of samples) in the given increasing order and, at each size,

1. the **exhaustive grid**: every network of those widths with parameters in ``grid_values`` (default
   {−1, 0, 1}) on the fixed batch :func:`~relugeom.search.families.default_batch`. A grid that does not fit in
   the remaining budget (or exceeds ``max_grid``) is **skipped whole**, never cut to a prefix: a prefix
   of the base-3 enumeration fixes the first parameters at −1 and would be a biased sample;
2. the **random stage**: ``random_cases`` random rational cases (distinct samples in every batch) drawn by
   ``random_family`` (e.g. :class:`~relugeom.search.families.LogRandomFamily` for magnitudes 2^±60), cut to the
   remaining budget.

The whole plan is fixed before anything runs (it depends only on the conjecture, ``budget`` and
``seed``), cut into deterministic work units and run by :func:`relugeom.search.workunits.run_units` with
``stop_on_violation=True``: serially, on a process pool (``jobs``) or on Dask (``scheduler``), with the
same first violation whatever the engine, and resumable from a ``state`` file. The first violation is
then **shrunk** (:func:`~relugeom.search.shrinking.shrink`): fewer neurons, fewer samples, simpler
numbers, as long as it still violates. :meth:`SearchResult.to_dict` is the counterexample JSON, which
``relugeom dim CE.json`` reads (its ``"network"`` and ``"inputs"`` keys). Its ``"recheck"`` field is the
command that re-checks the claim the file makes, and ``"recheck_shows"`` what that command prints when the
claim holds (:func:`recheck_fields`): ``relugeom dim FILE --compare`` for a float64 rank, ``relugeom cffd
FILE`` for a CFFD, ``relugeom dim FILE`` for a BFD, ``relugeom equal FILE`` for functional equality.
A conjecture about two networks (:attr:`Conjecture.pairs`) is searched over pairs (a, b): b is
:attr:`~relugeom.search.families.Case.other`, the grid enumerates pairs, shrinking shrinks both, and the
file holds b under ``"other_network"``.

Examples
--------
>>> from fractions import Fraction
>>> from relugeom.search.families import Outcome
>>> def big_output_bias(case):          # "every output bias is <= 1/2": false, refuted by b = 1
...     b = case.net.biases[-1][0]
...     return Outcome("violation" if b > Fraction(1, 2) else "ok", {"bias": str(b)})
>>> conj = Conjecture("small-bias", "Every output bias is at most 1/2.", big_output_bias,
...                   sizes=(((1, 1, 1), 1),), random_cases=10)
>>> res = search(conj, budget=100)
>>> res.found, res.cases_tried, res.quantities
(True, 3, {'bias': '1'})
>>> [str(v) for v in res.case.net.parameters()], res.case.inputs
(['0', '0', '0', '1'], ((Fraction(0, 1),),))
>>> print(res.to_dict("ce.json")["recheck"])   # no BFD among the quantities: no command re-checks it
None
>>> recheck_fields({"bfd": 2, "float_rank": 1}, "ce.json")["recheck"]
'relugeom dim ce.json --compare'
"""

from __future__ import annotations

import json
import os
import re
import shlex
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Mapping

from .._typing import check_choice
from ..core.network import Network
from ..exceptions import FormatError, InvalidArgumentError, RelugeomError, ShapeError
from ..io import COUNTEREXAMPLE_FORMAT, load_json
from ..io.atomic import atomic_write
from .families import Case, Family, GridFamily, RandomFamily, batch_from_json, batch_to_json, default_batch
from .shrinking import Check, shrink_with_steps
from .workunits import run_units, split

__all__ = [
    "Conjecture",
    "SearchResult",
    "DEFAULT_SIZES",
    "search",
    "search_plan",
    "write_counterexample",
    "read_counterexample",
    "recheck_fields",
    "COUNTEREXAMPLE_FORMAT",
]

COUNTEREXAMPLE_VERSION = 1

Size = tuple[tuple[int, ...], int]

#: Sizes (widths, number of samples), roughly by number of parameters N, then n. Grids of up to 3^7 = 2187
#: networks (N <= 7) fit the default ``max_grid``; larger sizes are searched by the random stage only.
DEFAULT_SIZES: tuple[Size, ...] = (
    ((1, 1, 1), 1),
    ((1, 1, 1), 2),
    ((1, 1, 1), 3),
    ((2, 1, 1), 2),
    ((2, 1, 1), 3),
    ((1, 1, 1, 1), 2),
    ((1, 1, 1, 1), 3),
    ((1, 1, 2), 2),
    ((1, 1, 2), 3),
    ((1, 2, 1), 2),
    ((1, 2, 1), 3),
    ((1, 2, 1), 4),
    ((2, 2, 1), 3),
    ((2, 2, 1), 4),
    ((2, 2, 1), 5),
    ((1, 2, 1, 1), 3),
    ((1, 3, 1), 4),
    ((1, 2, 2), 3),
    ((2, 3, 1), 5),
)

_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Conjecture:
    """A statement to refute, its check, and where to look.

    Attributes
    ----------
    name : str
        kebab-case identifier (``relugeom search NAME``).
    statement : str
        one sentence.
    check : Case -> Outcome
        a picklable module-level function; ``"violation"`` refutes the statement on that case,
        ``"degenerate"`` means outside its hypotheses. The quantities should hold ``"bfd"`` (the exact
        BFD of the case) when it applies, so the counterexample file can be re-checked by ``relugeom dim``.
    expected : {"false", "true"}
        what we believe (informational).
    sizes : sequence of (widths, num_samples)
        searched in this order (put them in increasing size).
    grid_values : numbers
        values of the exhaustive grid (empty: no grid stage).
    max_grid : int
        largest grid searched (larger grids are skipped; the random stage still runs).
    random_cases : int
        random cases per size.
    random_family : callable
        ``random_family(widths, num_samples, count, seed=seed, **random_options)`` -> a family
        (:class:`~relugeom.search.families.RandomFamily`, :class:`~relugeom.search.families.LogRandomFamily`, …).
    random_options : mapping
        extra keyword arguments of ``random_family``.
    recheck : str or None
        the ``relugeom`` command (without ``relugeom``, ``{file}`` for the counterexample file) that
        re-checks a counterexample's claim, e.g. ``"dim {file} --compare"``; None: chosen from the
        quantities by :func:`recheck_fields`.
    pairs : bool
        a statement about two networks a and b of the same widths (``case.net`` and ``case.other``): the
        grid enumerates pairs (:class:`~relugeom.search.families.GridFamily` with ``pairs=True``, ``M²``
        cases for ``M`` networks) and ``random_family`` is called with ``pairs=True``. Shrinking may then
        leave a and b with different hidden widths.
    symmetric : bool
        with ``pairs``: the statement is symmetric in a and b, so the grid enumerates unordered pairs only
        (a's index <= b's, ``M(M + 1)/2`` cases).
    """

    name: str
    statement: str
    check: Check
    expected: Literal["false", "true"] = "false"
    sizes: tuple[Size, ...] = DEFAULT_SIZES
    grid_values: tuple[Any, ...] = (-1, 0, 1)
    max_grid: int = 5000
    random_cases: int = 200
    random_family: Callable[..., Family] = RandomFamily
    random_options: Mapping[str, Any] = field(default_factory=dict)
    recheck: str | None = None
    pairs: bool = False
    symmetric: bool = False

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise InvalidArgumentError(f"conjecture names are kebab-case (e.g. 'float-rank'), got {self.name!r}")
        check_choice("expected", self.expected, ("false", "true"))
        sizes = tuple((tuple(int(w) for w in widths), int(n)) for widths, n in self.sizes)
        if not sizes or any(len(w) < 2 or min(w) < 1 or n < 1 for w, n in sizes):
            raise ShapeError(f"sizes must be a non-empty sequence of (widths, num_samples >= 1), got {self.sizes}")
        object.__setattr__(self, "sizes", sizes)
        object.__setattr__(self, "grid_values", tuple(self.grid_values))
        if self.max_grid < 0 or self.random_cases < 0:
            raise InvalidArgumentError("max_grid and random_cases must be >= 0")
        if self.symmetric and not self.pairs:
            raise InvalidArgumentError("symmetric=True is about a statement on pairs: it needs pairs=True")


# ------------------------------------------------------------------------------------------------ plan


def search_plan(conjecture: Conjecture, budget: int, seed: int = 0) -> list[tuple[Size, str, Family]]:
    """The stages :func:`search` runs, in order: ``((widths, n), "grid" | "random", family)``.

    Sizes in the conjecture's order; at each size the grid (whole, or skipped if it exceeds the remaining
    budget or ``max_grid``), then ``random_cases`` random cases cut to the remaining budget. The total
    number of cases is at most ``budget``. For a conjecture on pairs (:attr:`Conjecture.pairs`) the grid is
    the grid of pairs (unordered when :attr:`Conjecture.symmetric`) and the random family draws pairs.

    Examples
    --------
    >>> from relugeom.search.families import Outcome
    >>> def never(case):
    ...     return Outcome("ok")
    >>> conj = Conjecture("never-refuted", "Nothing.", never, sizes=(((1, 1, 1), 2), ((1, 2, 1), 2)))
    >>> [(size, kind, len(fam)) for size, kind, fam in search_plan(conj, budget=400)]
    [(((1, 1, 1), 2), 'grid', 81), (((1, 1, 1), 2), 'random', 200), (((1, 2, 1), 2), 'random', 119)]
    >>> pairs = Conjecture("never-refuted", "Nothing.", never, sizes=(((1, 1, 1), 1),), pairs=True, symmetric=True)
    >>> [(kind, fam.name, len(fam)) for _, kind, fam in search_plan(pairs, budget=3400)]
    [('grid', 'grid unordered pairs 1-1-1 {-1,0,1} n=1', 3321), ('random', 'random pairs 1-1-1 n=1 p/q<=5/5 seed=0', 79)]
    """
    if budget < 0:
        raise InvalidArgumentError(f"budget must be >= 0, got {budget}")
    stages: list[tuple[Size, str, Family]] = []
    remaining = int(budget)
    for widths, n in conjecture.sizes:
        if remaining <= 0:
            break
        if conjecture.grid_values:
            try:
                batch = default_batch(widths[0], n)
            except ShapeError:
                batch = None
            if batch is not None:
                pairs, unordered = conjecture.pairs, conjecture.symmetric
                grid = GridFamily(widths, conjecture.grid_values, batch, seed, pairs=pairs, unordered=unordered)
                if len(grid) <= min(remaining, conjecture.max_grid):
                    stages.append(((widths, n), "grid", grid))
                    remaining -= len(grid)
        count = min(conjecture.random_cases, remaining)
        if count > 0:
            options = {"pairs": True, **conjecture.random_options} if conjecture.pairs else conjecture.random_options
            fam = conjecture.random_family(widths, n, count, seed=seed, **dict(options))
            stages.append(((widths, n), "random", fam))
            remaining -= count
    return stages


# ---------------------------------------------------------------------------------------------- result


def recheck_fields(
    quantities: Mapping[str, Any], path: str | os.PathLike = "FILE", template: str | None = None
) -> dict[str, str | None]:
    """``{"recheck": command, "recheck_shows": text}``: the command that re-checks a counterexample file's
    claim, and what it prints when the claim holds (``recheck`` None when no command re-checks it).

    ``template`` (:attr:`Conjecture.recheck`, ``{file}`` for ``path``) names the command; otherwise the
    quantities the check returned do, as each states the claim: ``functionally_equal`` (a pair case: the
    networks a and b of the file, ``"network"`` and ``"other_network"``, compute the same function on R^n0,
    or not, and ``equivalent`` says whether they are equivalent under permutations and rescalings, False
    when absent: ``relugeom equal FILE`` compares them exactly), ``float_rank`` next to ``bfd`` (float64
    and the exact rank disagree: ``relugeom dim FILE --compare`` prints both), ``cffd`` (``relugeom cffd
    FILE`` prints the exact CFFD next to N − H), ``bfd`` (``relugeom dim FILE`` prints it, with its bounds
    and dead neurons). An ``at_zero`` quantity adds ``--at-zero``.

    >>> recheck_fields({"bfd": 1, "cffd": 2, "N_minus_H": 3}, "out dir/ce.json")["recheck"]
    "relugeom cffd 'out dir/ce.json'"
    >>> print(recheck_fields({"bfd": 1, "bound": 2, "dead_neurons": []})["recheck_shows"])
    BFD 1, not min(n·n_L, N − H) = 2, with dead neurons: none
    >>> print(recheck_fields({"functionally_equal": True}, "ce.json")["recheck_shows"])
    equal on R^n0 (F_a = F_b: network and other_network), and not equivalent under permutations and rescalings
    """
    q = quantities
    file = shlex.quote(os.fspath(path))
    at_zero = f" --at-zero {q['at_zero']}" if q.get("at_zero") else ""
    command: str | None
    if template is not None:
        command = "relugeom " + template.format(file=file)
        scalars = [f"{k} {json.dumps(v)}" for k, v in q.items() if isinstance(v, (int, str, bool))]
        shows = "what the check computed: " + ", ".join(scalars)
    elif "functionally_equal" in q:
        command = f"relugeom equal {file}"
        if q["functionally_equal"]:
            shows = "equal on R^n0 (F_a = F_b: network and other_network), and "
            shows += f"{'' if q.get('equivalent') is True else 'not '}equivalent under permutations and rescalings"
        else:
            shows = "not equal on R^n0: F_a(x) ≠ F_b(x)" + (f" at x = {q['witness']}" if "witness" in q else "")
    elif "float_rank" in q and "bfd" in q:
        command = f"relugeom dim {file} --compare{at_zero}"
        shows = f"BFD {q['bfd']} (exact, certified), and on the float64 line: float64 says {q['float_rank']}"
    elif "cffd" in q:
        command = f"relugeom cffd {file}{at_zero}"
        shows = f"CFFD (exact) {q['cffd']}" + (f", N − H {q['N_minus_H']}" if "N_minus_H" in q else "")
        if "patterns" in q:
            shows += (
                f"; relugeom regions {file} lists {len(q['patterns'])} regions of R^n0, patterns "
                f"{', '.join(q['patterns'])}: each hidden neuron is active on one of them"
            )
    elif "bfd" in q:
        command = f"relugeom dim {file}{at_zero}"
        shows = f"BFD {q['bfd']}"
        if "bound" in q:
            dead = ", ".join(f"({k},{i})" for k, i in q.get("dead_neurons", [])) or "none"
            shows += f", not min(n·n_L, N − H) = {q['bound']}, with dead neurons: {dead}"
        if "witness_bfd" in q:
            shows += (
                f"; the witness θ' (quantities.witness_network: the same patterns on the batch) has BFD "
                f"{q['witness_bfd']}: save it as a network file and run relugeom dim on it with these inputs"
            )
        if "bfd_transformed" in q:
            shows += f"; the symmetric image of θ (case seed) had BFD {q['bfd_transformed']}"
    else:
        command, shows = None, "no relugeom command re-checks this claim: the quantities hold what the check computed"
    return {"recheck": command, "recheck_shows": shows}


def _size_of(case: Case) -> dict:
    other = () if case.other is None else case.other.parameters()
    nums = list(case.net.parameters()) + list(other) + [v for x in case.inputs for v in x]
    return {
        "widths": list(case.net.widths),
        **({} if case.other is None else {"other_widths": list(case.other.widths)}),
        "num_samples": len(case.inputs),
        "max_abs_numerator": max(abs(v.numerator) for v in nums),
        "max_denominator": max(v.denominator for v in nums),
    }


@dataclass(frozen=True)
class SearchResult:
    """What :func:`search` found.

    Attributes
    ----------
    conjecture, statement, expected : str
    found : bool
    case : Case or None
        the shrunk counterexample.
    original : Case or None
        the first violating case, before shrinking.
    quantities : dict
        the exact quantities the check returned on ``case`` (empty if nothing was found).
    cases_tried : int
        cases evaluated (judged or degenerate) up to and including the first violation.
    degenerate : int
        of which outside the conjecture's hypotheses.
    sizes : tuple of dict
        the sizes reached: ``{"widths", "num_samples", "grid", "random"}`` (cases planned per stage).
    seconds : float
        wall time, search and shrinking.
    seed : int
    shrink_steps : int
        accepted shrinking steps.
    recheck : str or None
        the conjecture's :attr:`Conjecture.recheck` (None: chosen by :func:`recheck_fields`).
    """

    conjecture: str
    statement: str
    expected: str
    found: bool
    case: Case | None
    original: Case | None
    quantities: dict
    cases_tried: int
    degenerate: int
    sizes: tuple[dict, ...]
    seconds: float
    seed: int
    shrink_steps: int = 0
    recheck: str | None = None

    def recheck_fields(self, path: str | os.PathLike = "FILE") -> dict[str, str | None]:
        """The ``"recheck"`` command for the counterexample file at ``path`` and ``"recheck_shows"``."""
        return recheck_fields(self.quantities, path, self.recheck)

    def to_dict(self, path: str | os.PathLike | None = None) -> dict:
        """The counterexample JSON (format ``relugeom-counterexample``, version 1).

        ``path`` is where the file is written: the ``"recheck"`` command names it (``FILE`` when None). A
        pair case's second network is under ``"other_network"`` (top level, and in ``"original"``), in the
        format of ``"network"``.
        Without a counterexample, a record of the search instead: format ``relugeom-search``, ``found``
        false, and the ``search`` block.
        """
        search_block = {
            "cases_tried": self.cases_tried,
            "degenerate": self.degenerate,
            "seed": self.seed,
            "sizes": [dict(s) for s in self.sizes],
            "seconds": round(self.seconds, 3),
            "shrink_steps": self.shrink_steps,
        }
        if not self.found:
            return {
                "format": "relugeom-search",
                "version": 1,
                "conjecture": self.conjecture,
                "statement": self.statement,
                "expected": self.expected,
                "found": False,
                "search": search_block,
            }
        assert self.case is not None and self.original is not None
        original = self.original.to_dict()
        original = {
            k: original[k] for k in ("network", "other_network", "inputs", "seed", "family", "index") if k in original
        }
        return {
            "format": COUNTEREXAMPLE_FORMAT,
            "version": COUNTEREXAMPLE_VERSION,
            "conjecture": self.conjecture,
            "statement": self.statement,
            "expected": self.expected,
            "found": True,
            "network": self.case.net.to_dict(),
            **({} if self.case.other is None else {"other_network": self.case.other.to_dict()}),
            "inputs": batch_to_json(self.case.inputs),
            "quantities": self.quantities,
            **self.recheck_fields("FILE" if path is None else path),
            "search": search_block,
            "size": _size_of(self.case),
            "case": {"seed": self.case.seed, "family": self.case.family, "index": self.case.index},
            "original": original,
        }

    def summary(self) -> str:
        """A few human-readable lines: the refutation (widths, parameters, batch, quantities) or none."""
        if not self.found or self.case is None:
            return f"{self.conjecture}: no counterexample in {self.cases_tried} cases ({self.seconds:.1f} s)"
        nets = [("", self.case.net)] if self.case.other is None else [("a", self.case.net), ("b", self.case.other)]
        widths = ", ".join(f"{name} {'-'.join(map(str, net.widths))}".strip() for name, net in nets)
        lines = [
            f"{self.conjecture}: refuted after {self.cases_tried} cases ({self.seconds:.1f} s); "
            f"shrunk in {self.shrink_steps} steps to widths {widths}, n = {len(self.case.inputs)}"
        ]
        for name, net in nets:
            lines += [f"  network {name}:"] if name else []
            for k, (W, b) in enumerate(net.layers()):
                W_text, b_text = [[str(v) for v in row] for row in W], [str(v) for v in b]
                lines.append(f"{'    ' if name else '  '}W{k} = {W_text}, b{k} = {b_text}")
        lines.append(f"  X = {batch_to_json(self.case.inputs)}")
        for key, value in self.quantities.items():
            text = json.dumps(value)
            lines.append(f"  {key} = {text if len(text) <= 100 else text[:97] + '...'}")
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- search


def search(
    conjecture: Conjecture,
    *,
    budget: int = 5000,
    seed: int = 0,
    jobs: int = 1,
    scheduler: Any = None,
    state: str | os.PathLike | None = None,
    progress: bool = False,
    shrink: bool = True,
    unit_size: int = 50,
) -> SearchResult:
    """Look for a counterexample to ``conjecture`` among at most ``budget`` cases; shrink the first one.

    Parameters
    ----------
    conjecture : Conjecture
    budget : int
        most cases evaluated by the search (see :func:`search_plan` for how it is spent); shrinking the
        counterexample evaluates the check on further, smaller cases, not counted here.
    seed : int
        seeds the random stages (and the grid cases' own seeds); the result is a function of
        (conjecture, budget, seed, unit_size) only.
    jobs, scheduler, state, progress :
        as in :func:`relugeom.search.workunits.run_units`: a process pool, a Dask scheduler, a JSON-lines state
        file to resume from (valid for the same conjecture, seed, budget and unit size), a progress bar.
    shrink : bool
        shrink the first violation (:func:`~relugeom.search.shrinking.shrink`); otherwise ``case`` is
        ``original``.
    unit_size : int
        cases per work unit.

    Returns
    -------
    SearchResult
    """
    t0 = time.perf_counter()
    plan = search_plan(conjecture, budget, seed)
    task = f"search {conjecture.name} seed={seed}"
    units = [u for _, _, fam in plan for u in split(task, conjecture.check, fam, unit_size)]
    results = run_units(
        units,
        jobs=jobs,
        scheduler=scheduler,
        stop_on_violation=True,
        state=state,
        progress=progress,
        label=f"search {conjecture.name} ",
    )
    tried = sum(r.checked + r.degenerate for r in results)
    degenerate = sum(r.degenerate for r in results)
    reached = {r.family for r in results}
    sizes: list[dict] = []
    for (widths, n), kind, fam in plan:
        if fam.name not in reached:
            continue
        if not sizes or sizes[-1]["widths"] != list(widths) or sizes[-1]["num_samples"] != n:
            sizes.append({"widths": list(widths), "num_samples": n, "grid": 0, "random": 0})
        sizes[-1][kind] = len(fam)
    first = next((r.first_violation for r in results if r.violations), None)
    if first is None:
        return SearchResult(
            conjecture.name,
            conjecture.statement,
            conjecture.expected,
            False,
            None,
            None,
            {},
            tried,
            degenerate,
            tuple(sizes),
            time.perf_counter() - t0,
            seed,
        )
    original = Case.from_dict(first["case"])
    steps = 0
    case = original
    quantities = first["quantities"]
    if shrink:
        case, steps = shrink_with_steps(conjecture.check, original, 1000)
        quantities = conjecture.check(case).quantities
    return SearchResult(
        conjecture.name,
        conjecture.statement,
        conjecture.expected,
        True,
        case,
        original,
        quantities,
        tried,
        degenerate,
        tuple(sizes),
        time.perf_counter() - t0,
        seed,
        steps,
        conjecture.recheck,
    )


# ------------------------------------------------------------------------------------------------- files


def write_counterexample(result: SearchResult, path: str | os.PathLike) -> None:
    """Write ``result.to_dict(path)`` as JSON (its ``"recheck"`` field is the command that re-checks it).

    Raises
    ------
    RelugeomError
        if the search found nothing.
    """
    if not result.found:
        raise RelugeomError(f"the search for {result.conjecture!r} found no counterexample; nothing to write")
    with atomic_write(path, "w", encoding="utf-8") as fh:
        json.dump(result.to_dict(path), fh, indent=1)
        fh.write("\n")


def read_counterexample(path: str | os.PathLike) -> tuple[Case, dict]:
    """Read a counterexample file: the (shrunk) :class:`Case` and the whole JSON dict.

    Raises
    ------
    FormatError
        if the file is not a ``relugeom-counterexample`` version 1.

    Notes
    -----
    A pair counterexample (:attr:`Conjecture.pairs`) has its second network under ``"other_network"``: it
    becomes :attr:`Case.other`; a file without that key (every file written before pairs existed) reads as
    a one-network case.
    """
    data = load_json(path, "counterexample", parse_float=float)
    if not isinstance(data, dict) or data.get("format") != COUNTEREXAMPLE_FORMAT:
        raise FormatError(f"{path}: 'format' must be {COUNTEREXAMPLE_FORMAT!r}")
    if data.get("version") != COUNTEREXAMPLE_VERSION:
        raise FormatError(f"{path}: unsupported version {data.get('version')!r}; this relugeom reads version 1")
    if "network" not in data or "inputs" not in data:
        raise FormatError(f"{path}: a counterexample needs the keys 'network' and 'inputs'")
    meta = data.get("case", {})
    net = Network.from_dict(data["network"])
    other = None if data.get("other_network") is None else Network.from_dict(data["other_network"])
    seed, family, index = int(meta.get("seed", 0)), str(meta.get("family", "")), int(meta.get("index", 0))
    try:
        case = Case(net, batch_from_json(data["inputs"]), seed, family, index, other)
    except ShapeError as err:
        raise FormatError(f"{path}: {err}") from None
    if any(len(x) != net.input_dim for x in case.inputs):
        raise FormatError(f"{path}: every input must have {net.input_dim} coordinates")
    return case, data
