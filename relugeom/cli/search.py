"""``relugeom search CONJECTURE``: search small networks for a counterexample, shrink it, write it as JSON.

``relugeom search --list`` names the conjectures. The exit code is 0 whether or not a counterexample is
found (the output says which).

Examples
--------
>>> from relugeom.cli import main
>>> main(["search", "--list"])  # doctest: +ELLIPSIS
float-rank               (false) numpy.linalg.matrix_rank of the float64 Jacobian J(θ, X) equals the exact BFD(θ, X).
...
0
"""

from __future__ import annotations

import argparse
import json

from ..exceptions import RelugeomError
from .options import Subparsers, add_output, add_scale_out, add_seed, integer

__all__ = ["register", "run"]


def register(subparsers: Subparsers) -> None:
    """Add ``search`` to the sub-commands."""
    p = subparsers.add_parser("search", help="search small networks for a counterexample to a conjecture")
    p.add_argument("conjecture", nargs="?", help="a name from 'relugeom search --list'")
    p.add_argument("--list", action="store_true", help="list the conjectures and exit")
    p.add_argument("--budget", type=integer(1), default=None, metavar="N", help="most cases to evaluate")
    add_seed(p, "seed of the random stage (default 0)")
    add_output(p, "--out", "FILE", "where to write the counterexample (default counterexample-NAME.json)")
    p.add_argument("--no-shrink", action="store_true", help="keep the first counterexample as found")
    add_scale_out(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """List the conjectures, or search one and write the counterexample found."""
    from ..proofs.conjectures import CONJECTURES
    from ..search.counterexamples import search, write_counterexample

    if args.list or args.conjecture is None:
        if not args.list:
            raise RelugeomError(
                "name a conjecture to search, e.g. 'relugeom search float-rank' "
                "('relugeom search --list' shows them all)"
            )
        for name, c in CONJECTURES.items():
            print(f"{name:<24} ({c.expected}) {c.statement}")
        return 0
    if args.conjecture not in CONJECTURES:
        raise RelugeomError(f"unknown conjecture {args.conjecture!r}; choose from {', '.join(CONJECTURES)}")
    conj = CONJECTURES[args.conjecture]
    kwargs = {} if args.budget is None else {"budget": args.budget}
    result = search(
        conj,
        seed=args.seed,
        jobs=args.jobs,
        scheduler=args.scheduler,
        state=args.state,
        progress=not args.json,
        shrink=not args.no_shrink,
        **kwargs,
    )
    out = None
    if result.found:
        out = args.out or f"counterexample-{conj.name}.json"
        write_counterexample(result, out)
    if args.json:
        print(json.dumps({**result.to_dict(out), "written_to": out}))
        return 0
    print(f"{conj.name}: {conj.statement}")
    print(result.summary())
    if out is not None:
        recheck = result.recheck_fields(out)
        print(f"written to {out}")
        if recheck["recheck"] is not None:
            print(f"re-check with: {recheck['recheck']}")
            print(f"  it shows: {recheck['recheck_shows']}")
        else:
            print(recheck["recheck_shows"])
    return 0
