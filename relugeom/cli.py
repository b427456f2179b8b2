"""The ``relugeom`` command. ``main(argv) -> int`` is testable without a subprocess.

Commands:

* ``relugeom dim NET.json --inputs X.csv [--method exact|modular|float] [--json]`` — BFD and its bounds
  (``relugeom dim CE.json`` re-checks a counterexample file, whose batch is inside it);
* ``relugeom check [NAME…] [--exhaustive] [--jobs K] [--scheduler ADDR] [--json]`` — the theorem checks
  of ``proofs/`` (T1–T5): a table of cases checked, degenerate cases skipped and violations;
* ``relugeom search CONJECTURE [--budget N] [--out FILE] [--jobs K] [--json]`` — search small networks
  for a counterexample, shrink it, write it as JSON (``relugeom search --list`` names the conjectures);
* ``relugeom demo`` — the built-in example where float64 gets the BFD wrong.

``check`` exits with 1 when a statement is violated; ``search`` exits with 0 whether or not it finds a
counterexample (the output says which).

Errors (missing file, malformed JSON or CSV, wrong input width, degenerate point, no certificate in
time) print one line on stderr and exit with code 2.

Examples
--------
>>> main(["demo"]) == 0  # doctest: +ELLIPSIS
relugeom demo...
True
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Sequence

from .dimension import compare_methods, dimension_report
from .exceptions import RelugeomError
from .io import load_inputs, load_network_and_inputs

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="relugeom", description="Exact geometry of small ReLU networks.")
    sub = parser.add_subparsers(dest="command", required=True)
    dim = sub.add_parser("dim", help="batch functional dimension of a network on a batch of inputs")
    dim.add_argument("network", help="network JSON file (format relugeom-network, version 1)")
    dim.add_argument("--inputs", help="CSV file, one sample a row ('p/q' or decimals); "
                     "optional for a counterexample file, which holds its batch")
    dim.add_argument("--method", choices=["exact", "modular", "float"], default="exact")
    dim.add_argument("--json", action="store_true", help="print one JSON object")
    dim.add_argument("--at-zero", choices=["inactive", "active"], default=None,
                     help="one-sided convention at zero pre-activations (default: refuse them)")
    dim.add_argument("--certify-timeout", type=float, default=60.0, metavar="SECONDS",
                     help="time budget for the exact certificate (default 60)")
    dim.add_argument("--tol", type=float, default=None, help="SVD tolerance for --method float")
    dim.add_argument("--seed", type=int, default=None, help="seed for the random primes")
    dim.add_argument("--compare", action="store_true", help="also compute float64 and say if it agrees")
    sub.add_parser("demo", help="a built-in example where float64 gets the BFD wrong")

    def scale_out(p: argparse.ArgumentParser) -> None:
        p.add_argument("--jobs", type=int, default=1, metavar="K", help="worker processes (default 1)")
        p.add_argument("--scheduler", metavar="ADDRESS",
                       help="run on a Dask cluster (tcp://host:8786; needs the 'dask' extra)")
        p.add_argument("--state", metavar="FILE",
                       help="JSON-lines file of finished work units: resume an interrupted run")
        p.add_argument("--json", action="store_true", help="print one JSON object (no progress bar)")

    check = sub.add_parser("check", help="check the theorems of proofs/ on toy networks, exactly")
    check.add_argument("names", nargs="*", metavar="NAME", help="theorems to check (default: all, T1 … T5)")
    check.add_argument("--exhaustive", action="store_true",
                       help="whole small grids (minutes) instead of the quick default slice (seconds)")
    scale_out(check)
    search = sub.add_parser("search", help="search small networks for a counterexample to a conjecture")
    search.add_argument("conjecture", nargs="?", help="a name from 'relugeom search --list'")
    search.add_argument("--list", action="store_true", help="list the conjectures and exit")
    search.add_argument("--budget", type=int, default=None, help="most cases to evaluate")
    search.add_argument("--seed", type=int, default=0, help="seed of the random stage (default 0)")
    search.add_argument("--out", metavar="FILE",
                        help="where to write the counterexample (default counterexample-NAME.json)")
    search.add_argument("--no-shrink", action="store_true", help="keep the first counterexample as found")
    scale_out(search)
    return parser


def _dim(args: argparse.Namespace) -> int:
    net, X = load_network_and_inputs(args.network)
    if args.inputs is not None:
        X = load_inputs(args.inputs)
    elif X is None:
        raise RelugeomError(f"--inputs is required: {args.network} is a network file and holds no batch")
    rep = dimension_report(net, X, args.method, at_zero=args.at_zero, seed=args.seed,
                           certify_timeout=args.certify_timeout, tol=args.tol)
    comparison = None
    if args.compare:
        comparison = compare_methods(net, X, at_zero=args.at_zero, seed=args.seed,
                                     certify_timeout=args.certify_timeout, tol=args.tol)
    if args.json:
        d = rep.to_dict()
        if comparison is not None:
            d["float_bfd"] = comparison.float.bfd
            d["float_agrees"] = comparison.agree
        print(json.dumps(d))
        return 0
    rows = [
        ("BFD", rep.bfd),
        ("method", rep.method + (" (certified)" if rep.certified else "")),
        ("samples × outputs", f"{rep.num_samples} × {rep.num_outputs}"),
        ("parameters N", rep.num_params),
        ("hidden neurons H", rep.num_hidden),
        ("bound n·n_L", rep.bound_rows),
        ("bound N − H", rep.bound_params),
        ("bound per-pattern", rep.bound_patterns),
        ("distinct patterns", rep.num_patterns),
        ("dead neurons", ", ".join(f"({k},{i})" for k, i in rep.dead_neurons) or "none"),
    ]
    if rep.certificate is not None:
        rows.append(("certificate", rep.certificate.describe()))
    if rep.error_bound is not None and rep.method == "modular":
        rows.append(("P(rank too low) ≤", f"{rep.error_bound:.3g}"))
    if rep.method == "float":
        rows.append(("singular-value gap", f"{rep.singular_value_gap:.3g}" if rep.singular_value_gap else "-"))
        rows.append(("tolerance", f"{rep.tolerance:.3g}"))
    if comparison is not None:
        rows.append(("float64", comparison.message()))
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    return 0


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [list(map(str, header))] + [list(map(str, r)) for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _check(args: argparse.Namespace) -> int:
    from .proofs import run_checks

    t0 = time.perf_counter()
    rows = run_checks(args.names, exhaustive=args.exhaustive, jobs=args.jobs, scheduler=args.scheduler,
                      state=args.state, progress=not args.json)
    seconds = time.perf_counter() - t0
    violated = any(r.violations for r in rows)
    if args.json:
        print(json.dumps({"exhaustive": args.exhaustive, "jobs": args.jobs, "seconds": round(seconds, 3),
                          "theorems": [r.to_dict() for r in rows]}))
        return 1 if violated else 0
    print(_table(["theorem", "statement", "checked", "degenerate skipped", "violations", "seconds"],
                 [(r.name, r.title, r.checked, r.degenerate, r.violations, f"{r.seconds:.1f}") for r in rows]))
    engine = f"Dask scheduler {args.scheduler}" if args.scheduler else f"{args.jobs} job(s)"
    print(f"{'exhaustive' if args.exhaustive else 'default'} run, {engine}, {seconds:.1f} s wall")
    for r in rows:
        if r.first_violation is not None:
            print(f"first violation of {r.name}:")
            print(json.dumps(r.first_violation))
    return 1 if violated else 0


def _search(args: argparse.Namespace) -> int:
    from .proofs.conjectures import CONJECTURES
    from .search import search, write_counterexample

    if args.list or args.conjecture is None:
        if not args.list:
            raise RelugeomError("name a conjecture to search, e.g. 'relugeom search float-rank' "
                                "('relugeom search --list' shows them all)")
        for name, c in CONJECTURES.items():
            print(f"{name:<24} ({c.expected}) {c.statement}")
        return 0
    if args.conjecture not in CONJECTURES:
        raise RelugeomError(f"unknown conjecture {args.conjecture!r}; choose from {', '.join(CONJECTURES)}")
    conj = CONJECTURES[args.conjecture]
    kwargs = {} if args.budget is None else {"budget": args.budget}
    result = search(conj, seed=args.seed, jobs=args.jobs, scheduler=args.scheduler, state=args.state,
                    progress=not args.json, shrink=not args.no_shrink, **kwargs)
    out = None
    if result.found:
        out = args.out or f"counterexample-{conj.name}.json"
        write_counterexample(result, out)
    if args.json:
        print(json.dumps({**result.to_dict(), "written_to": out}))
        return 0
    print(f"{conj.name}: {conj.statement}")
    print(result.summary())
    if out is not None:
        print(f"written to {out}; re-check with: relugeom dim {out}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "demo":
            from .demo import run_demo

            return run_demo(sys.stdout)
        if args.command == "check":
            return _check(args)
        if args.command == "search":
            return _search(args)
        return _dim(args)
    except RelugeomError as err:
        print(f"relugeom: error: {err}", file=sys.stderr)
        return 2


def main_entry() -> None:  # pragma: no cover - console script
    sys.exit(main())
