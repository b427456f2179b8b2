"""The ``relugeom`` command. ``main(argv) -> int`` is testable without a subprocess.

Commands:

* ``relugeom dim NET.json --inputs X.csv [--method exact|modular|float] [--json]`` — BFD and its bounds
  (``relugeom dim CE.json`` re-checks a counterexample file, whose batch is inside it);
* ``relugeom check [NAME…] [--exhaustive] [--jobs K] [--scheduler ADDR] [--json]`` — the theorem checks
  of ``proofs/`` (T1–T6): a table of cases checked, degenerate cases skipped and violations;
* ``relugeom search CONJECTURE [--budget N] [--out FILE] [--jobs K] [--json]`` — search small networks
  for a counterexample, shrink it, write it as JSON (``relugeom search --list`` names the conjectures);
* ``relugeom regions NET.json [--box=LOW:HIGH[,LOW:HIGH…]] [--graph] [--inputs X.csv] [--plot out.png]
  [--json]`` — the exact activation regions of R^{n0} or of a box (SPEC §6): counts, a table of patterns,
  interior points, volumes and facets, the region graph, the regions a batch perceives, a picture
  (n0 = 1 or 2);
* ``relugeom cffd NET.json [--sizes 1,2,4,…] [--seed S] [--distribution gaussian|uniform] [--scale S]
  [--json]`` —
  the exact computable full functional dimension next to N − H and the sampling estimate BFD(θ, X_n);
* ``relugeom measures NET.json [--inputs X.csv] [--labels y.csv] [--pairs all|K] [--seed S]
  [--method exact|float] [--at-zero inactive|active] [--json]`` — the norm-based measures (SPEC §8):
  ℓ1/ℓ2 path-norms and the [NBMS17] products exactly, divided by the margin when labels are given, and
  the segment statistics of the batch (breakpoints, gradient gap deviation, gradient deflection);
* ``relugeom train --data digits|teacher|moons [--widths 64,16,16,10] [--optimizer gd|sgd|adam|path-sgd]
  [--epochs E] [--track train,test,random] [--out DIR] [--json] [--quiet]`` — train a small network in
  float64 and measure the exact BFD of every checkpoint (SPEC §7): a progress bar and one line per
  checkpoint on stderr, the per-checkpoint table on stdout, and with ``--out`` a run directory that
  ``relugeom.training.run_directory.recheck_run`` re-checks from the files alone;
* ``relugeom demo`` — the built-in example where float64 gets the BFD wrong.

``check`` exits with 1 when a statement is violated; ``search`` exits with 0 whether or not it finds a
counterexample (the output says which).

Errors (missing file, malformed JSON or CSV, wrong input width, degenerate point, no certificate in
time, a missing optional extra, a diverging training run) print one line on stderr and exit with code 2.

Examples
--------
>>> main(["demo"]) == 0  # doctest: +ELLIPSIS
relugeom demo...
True
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from ..exceptions import RelugeomError
from . import cffd, check, demo, dim, measures, regions, search, train

__all__ = ["main", "main_entry", "build_parser"]

#: The commands in the order of ``relugeom --help``; each module adds its parser and sets its ``func``.
COMMANDS = (dim, demo, check, search, regions, cffd, measures, train)


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command; ``args.func(args)`` runs the command that was parsed."""
    parser = argparse.ArgumentParser(prog="relugeom", description="Exact geometry of small ReLU networks.")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def _glue_negative_box(argv: list[str]) -> list[str]:
    """``--box -2:2`` as ``--box=-2:2`` (argparse would read ``-2:2`` as an option)."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        a = argv[i]
        nxt = argv[i + 1] if i + 1 < len(argv) else ""
        if a == "--box" and len(nxt) > 1 and nxt[0] == "-" and (nxt[1].isdigit() or nxt[1] == "."):
            out.append(f"--box={nxt}")
            i += 2
            continue
        out.append(a)
        i += 1
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    ``args.argv`` holds the arguments as typed (``train`` records them in its run directory).
    """
    typed = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(_glue_negative_box(typed))
    args.argv = typed
    try:
        return args.func(args)
    except RelugeomError as err:
        print(f"relugeom: error: {err}", file=sys.stderr)
        return 2


def main_entry() -> None:  # pragma: no cover - console script
    sys.exit(main())
