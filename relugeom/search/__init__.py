"""Deterministic cases and their evaluation, and the counterexample search.

    families (enumerations of small networks and batches) ─▶ workunits (ranges of a family, run serially,
    on a process pool or on Dask) ─▶ shrinking (a violating case made smaller and simpler)
    ─▶ counterexamples (search in increasing size, shrink the first violation, write JSON)
    perturbation (a generic point of a parameter region, for the theorem checks)

The conjectures searched live in :mod:`relugeom.proofs.conjectures`, a layer above.
"""

from .counterexamples import (
    COUNTEREXAMPLE_FORMAT,
    Conjecture,
    SearchResult,
    read_counterexample,
    search,
    write_counterexample,
)
from .families import Case, Family, GridFamily, LogRandomFamily, Outcome, RandomFamily
from .perturbation import perturb_within_region
from .shrinking import shrink
from .workunits import UnitResult, WorkUnit, run_units, split, summarize

__all__ = [
    "Conjecture",
    "SearchResult",
    "search",
    "shrink",
    "write_counterexample",
    "read_counterexample",
    "COUNTEREXAMPLE_FORMAT",
    "Case",
    "Outcome",
    "Family",
    "GridFamily",
    "RandomFamily",
    "LogRandomFamily",
    "perturb_within_region",
    "WorkUnit",
    "UnitResult",
    "split",
    "run_units",
    "summarize",
]
