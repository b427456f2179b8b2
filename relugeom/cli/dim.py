"""``relugeom dim NET.json --inputs X.csv``: the batch functional dimension and its bounds.

``--explain`` adds the exact split of the deficit (N − H) − BFD among named mechanisms
(:func:`relugeom.identifiability.deficit.explain_deficit`): a table after the report, ``"explanation"``
with ``--json``.

``relugeom dim CE.json`` re-checks a counterexample file, whose batch is inside it.

Examples
--------
>>> import tempfile
>>> from relugeom.cli import main
>>> from relugeom.cli.demo import write_example_files
>>> tmp = tempfile.TemporaryDirectory()
>>> net, X = write_example_files(tmp.name, inputs=[[-1], ["1/2"], ["7/10"], [2], [3]])
>>> main(["dim", str(net), "--inputs", str(X)])  # doctest: +ELLIPSIS
BFD                5
method             exact (certified)
samples × outputs  5 × 1
...
0
>>> tmp.cleanup()
"""

from __future__ import annotations

import argparse
import json

from .._typing import RANK_METHODS
from ..dimension.bfd import compare_methods, dimension_report
from ..exceptions import FloatRangeError, MemoryLimitReached
from ..linalg.threads import threads
from .format import key_values
from .options import (
    BATCH_HELP,
    Subparsers,
    add_at_zero,
    add_certify_timeout,
    add_inputs,
    add_json,
    add_method,
    add_network,
    add_seed,
    add_threads,
    network_and_batch,
    real,
)

__all__ = ["register", "run"]


def register(subparsers: Subparsers) -> None:
    """Add ``dim`` to the sub-commands."""
    p = subparsers.add_parser("dim", help="batch functional dimension of a network on a batch of inputs")
    add_network(p)
    add_inputs(p, BATCH_HELP)
    add_method(p, RANK_METHODS)
    add_json(p)
    add_at_zero(p, "one-sided convention at zero pre-activations (default: refuse them)")
    add_certify_timeout(
        p, "time budget of the exact certificate's kernel computation (default 60; --timeout bounds the whole command)"
    )
    p.add_argument("--tol", type=real(0), default=None, help="SVD tolerance for --method float (finite, >= 0)")
    add_seed(p, "seed for the random primes", default=None)
    p.add_argument("--compare", action="store_true", help="also compute float64 and say if it agrees")
    p.add_argument(
        "--explain",
        action="store_true",
        help="also split the deficit (N − H) − BFD among named mechanisms, exactly (dead, always-active, twins, …)",
    )
    add_threads(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """The report (or one JSON object) of the BFD of ``args.network`` on its batch."""
    if args.threads is None:
        return _run(args)
    with threads(args.threads):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    net, X = network_and_batch(args)
    rep = dimension_report(
        net, X, args.method, at_zero=args.at_zero, seed=args.seed, certify_timeout=args.certify_timeout, tol=args.tol
    )
    comparison, float_failed = None, None
    if args.compare:
        try:
            comparison = compare_methods(
                net,
                X,
                at_zero=args.at_zero,
                seed=args.seed,
                certify_timeout=args.certify_timeout,
                tol=args.tol,
                exact=rep if rep.method == "exact" else None,
            )
        except (FloatRangeError, MemoryLimitReached) as err:  # float64 cannot run: the exact answer stands
            float_failed = f"could not run: {err}"
    explanation = None
    if args.explain:  # always exact, whatever --method computed the BFD above
        from ..identifiability.deficit import explain_deficit

        explanation = explain_deficit(
            net,
            X,
            at_zero=args.at_zero,
            seed=0 if args.seed is None else args.seed,
            certify_timeout=args.certify_timeout,
        )
    if args.json:
        d = rep.to_dict()
        if comparison is not None:
            d["float_bfd"] = comparison.float.bfd
            d["float_agrees"] = comparison.agree
        elif float_failed is not None:
            d["float_bfd"], d["float_agrees"], d["float_error"] = None, None, float_failed
        if explanation is not None:
            d["explanation"] = explanation.to_dict()
        print(json.dumps(d))
        return 0
    rows: list[tuple[str, object]] = [
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
    elif float_failed is not None:
        rows.append(("float64", float_failed))
    print(key_values(rows))
    if explanation is not None:
        print(explanation.summary())
    return 0
