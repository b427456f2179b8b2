"""The ``relugeom`` command. ``main(argv) -> int`` is testable without a subprocess.

Commands:

* ``relugeom dim NET.json --inputs X.csv [--method exact|modular|float] [--json]`` — BFD and its bounds;
* ``relugeom demo`` — the built-in example where float64 gets the BFD wrong.

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
from typing import Sequence

from .dimension import compare_methods, dimension_report
from .exceptions import RelugeomError
from .io import load_inputs, load_network

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="relugeom", description="Exact geometry of small ReLU networks.")
    sub = parser.add_subparsers(dest="command", required=True)
    dim = sub.add_parser("dim", help="batch functional dimension of a network on a batch of inputs")
    dim.add_argument("network", help="network JSON file (format relugeom-network, version 1)")
    dim.add_argument("--inputs", required=True, help="CSV file, one sample a row ('p/q' or decimals)")
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
    return parser


def _dim(args: argparse.Namespace) -> int:
    net = load_network(args.network)
    X = load_inputs(args.inputs)
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "demo":
            from .demo import run_demo

            return run_demo(sys.stdout)
        return _dim(args)
    except RelugeomError as err:
        print(f"relugeom: error: {err}", file=sys.stderr)
        return 2


def main_entry() -> None:  # pragma: no cover - console script
    sys.exit(main())
