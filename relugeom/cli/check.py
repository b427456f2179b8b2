"""``relugeom check [NAME…]``: the theorem checks of ``proofs/`` on toy networks, exactly.

A table of cases checked, degenerate cases skipped and violations per theorem; the exit code is 1 when a
statement is violated.

Examples
--------
>>> from relugeom.cli.main import build_parser
>>> args = build_parser().parse_args(["check", "T1", "T3", "--jobs", "2", "--json"])
>>> args.func is run, args.names, args.jobs, args.json, args.exhaustive
(True, ['T1', 'T3'], 2, True, False)
"""

from __future__ import annotations

import argparse
import json
import time

from .format import table
from .options import Subparsers, add_scale_out

__all__ = ["register", "run"]


def register(subparsers: Subparsers) -> None:
    """Add ``check`` to the sub-commands."""
    from ..proofs import THEOREMS  # the help names every theorem of proofs/, so it cannot fall behind

    names = list(THEOREMS)

    p = subparsers.add_parser(
        "check",
        help=f"check the theorems of proofs/ ({names[0]}–{names[-1]}) on toy networks, exactly",
        description="Check each theorem of proofs/ exactly on toy networks: "
        + "; ".join(f"{name}: {m.TITLE}" for name, m in THEOREMS.items())
        + ". Exit code 1 when a statement is violated.",
    )
    p.add_argument("names", nargs="*", metavar="NAME", help=f"theorems to check (default: all, {' '.join(names)})")
    p.add_argument(
        "--exhaustive",
        action="store_true",
        help="whole small grids (minutes) instead of the quick default slice (seconds)",
    )
    add_scale_out(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the checks; 1 when a statement is violated, else 0."""
    from ..proofs import run_checks

    t0 = time.perf_counter()
    rows = run_checks(
        args.names,
        exhaustive=args.exhaustive,
        jobs=args.jobs,
        scheduler=args.scheduler,
        state=args.state,
        progress=not args.json,
    )
    seconds = time.perf_counter() - t0
    violated = any(r.violations for r in rows)
    if args.json:
        print(
            json.dumps(
                {
                    "exhaustive": args.exhaustive,
                    "jobs": args.jobs,
                    "seconds": round(seconds, 3),
                    "theorems": [r.to_dict() for r in rows],
                }
            )
        )
        return 1 if violated else 0
    print(
        table(
            ["theorem", "statement", "checked", "degenerate skipped", "violations", "seconds"],
            [(r.name, r.title, r.checked, r.degenerate, r.violations, f"{r.seconds:.1f}") for r in rows],
        )
    )
    engine = f"Dask scheduler {args.scheduler}" if args.scheduler else f"{args.jobs} job(s)"
    print(f"{'exhaustive' if args.exhaustive else 'default'} run, {engine}, {seconds:.1f} s wall")
    for r in rows:
        if r.first_violation is not None:
            print(f"first violation of {r.name}:")
            print(json.dumps(r.first_violation))
    return 1 if violated else 0
