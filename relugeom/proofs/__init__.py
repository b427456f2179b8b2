"""Theorem checks: one statement per module, checked exactly on toy families (``relugeom check``).

Installed as ``relugeom.proofs`` (the top-level folder ``proofs/`` of the repository). Every theorem
module defines

* ``NAME`` (``"T1"`` …), ``TITLE`` (one line) and the statement, citation and proof in its docstring;
* ``check(case) -> Outcome``: pure; ``"violation"`` would refute the statement on that case,
  ``"degenerate"`` marks a case outside its hypotheses (counted and skipped, never hidden);
* ``families(exhaustive: bool) -> list[Family]``: the toy families it is checked on; the default slice
  runs in seconds, ``exhaustive=True`` enumerates whole small grids.

:func:`run_checks` turns them into deterministic work units (:mod:`relugeom.search.workunits`), so the same run
can be spread over local processes or a Dask cluster, and resumed.

Examples
--------
>>> from relugeom.proofs import THEOREMS
>>> list(THEOREMS)
['T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'T8', 'T9', 'T10']
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any, Sequence

from relugeom.exceptions import RelugeomError
from relugeom.search.workunits import UnitResult, WorkUnit, run_units, split, summarize

from . import (
    t1_symmetry_invariance,
    t2_rescaling_kernel,
    t3_generic_constancy,
    t4_pattern_bound,
    t5_inactive_neuron,
    t6_cffd_regions,
    t7_path_sgd_equivariance,
    t8_identifiability,
    t9_functional_equality,
    t10_deficit_accounting,
)

__all__ = ["THEOREMS", "CheckRow", "check_units", "run_checks"]

THEOREMS: dict[str, ModuleType] = {
    m.NAME: m
    for m in (
        t1_symmetry_invariance,
        t2_rescaling_kernel,
        t3_generic_constancy,
        t4_pattern_bound,
        t5_inactive_neuron,
        t6_cffd_regions,
        t7_path_sgd_equivariance,
        t8_identifiability,
        t9_functional_equality,
        t10_deficit_accounting,
    )
}


@dataclass(frozen=True)
class CheckRow:
    """One line of the ``relugeom check`` table."""

    name: str
    title: str
    checked: int
    degenerate: int
    violations: int
    first_violation: dict | None
    seconds: float
    families: tuple[str, ...]

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "checked": self.checked,
            "degenerate": self.degenerate,
            "violations": self.violations,
            "first_violation": self.first_violation,
            "seconds": round(self.seconds, 3),
            "families": list(self.families),
        }


def _theorems(names: Sequence[str] | None) -> list[ModuleType]:
    if not names:
        return list(THEOREMS.values())
    out = []
    for n in names:
        key = n.upper()
        if key not in THEOREMS:
            raise RelugeomError(f"unknown theorem {n!r}; choose from {', '.join(THEOREMS)}")
        out.append(THEOREMS[key])
    return out


def check_units(names: Sequence[str] | None = None, exhaustive: bool = False, unit_size: int = 250) -> list[WorkUnit]:
    """The work units of a check run, in a fixed order (theorem, family, index range)."""
    units: list[WorkUnit] = []
    for mod in _theorems(names):
        for fam in mod.families(exhaustive):
            units.extend(split(mod.NAME, mod.check, fam, unit_size))
    return units


def run_checks(
    names: Sequence[str] | None = None,
    exhaustive: bool = False,
    jobs: int = 1,
    scheduler: Any = None,
    state: str | None = None,
    progress: bool = False,
    unit_size: int = 250,
) -> list[CheckRow]:
    """Run the checks of the named theorems (all by default) and return one row per theorem."""
    mods = _theorems(names)
    results: list[UnitResult] = run_units(
        check_units([m.NAME for m in mods], exhaustive, unit_size),
        jobs=jobs,
        scheduler=scheduler,
        state=state,
        progress=progress,
        label="check ",
    )
    totals = summarize(results)
    rows = []
    for m in mods:
        t = totals.get(
            m.NAME,
            {"checked": 0, "degenerate": 0, "violations": 0, "first_violation": None, "seconds": 0.0, "families": []},
        )
        rows.append(
            CheckRow(
                m.NAME,
                m.TITLE,
                t["checked"],
                t["degenerate"],
                t["violations"],
                t["first_violation"],
                t["seconds"],
                tuple(t["families"]),
            )
        )
    return rows
