"""``relugeom identifiability NET --inputs X.csv``: is θ locally identifiable from the batch X? ([BBM22])

Prints the verdict ("identifiable", "not identifiable", "undecided"), the reason, and the ranks behind it:
R_Γ (the Jacobian's rank in the N − H free parameters), R_A = n_L · rank α (the path-activation matrix,
from its Gram matrix: never one column per path) and N − H. ``relugeom identifiability CE.json`` reads the
batch of a counterexample file.

Examples
--------
>>> import tempfile
>>> from relugeom.cli import main
>>> from relugeom.cli.demo import write_example_files
>>> tmp = tempfile.TemporaryDirectory()
>>> net, X = write_example_files(tmp.name, inputs=[[2], [3], [4], [5]])
>>> main(["identifiability", str(net), "--inputs", str(X)])  # doctest: +ELLIPSIS
verdict            not identifiable
reason             R_Γ = R_A = 2 < N − H = 5: the necessary condition C_N fails, so θ is not locally ...
R_Γ                2 (from the BFD (theorem T8: R_Γ = BFD off S))
R_A = n_L·rank α   2 = 1 × 2
N − H              5
...
0
>>> tmp.cleanup()
"""

from __future__ import annotations

import argparse
import json

from .._typing import RANK_METHODS
from ..identifiability.verdicts import local_identifiability
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
    network_and_batch,
)

__all__ = ["register", "run"]


def register(subparsers: Subparsers) -> None:
    """Add ``identifiability`` to the sub-commands."""
    p = subparsers.add_parser(
        "identifiability", help="is the network locally identifiable from a batch? ([BBM22]'s conditions, exactly)"
    )
    add_network(p)
    add_inputs(p, BATCH_HELP)
    add_method(p, RANK_METHODS, help="how the ranks are computed (default exact: a certified verdict)")
    add_json(p)
    add_at_zero(p, "one-sided convention at zero pre-activations (default: refuse them)")
    add_certify_timeout(
        p, "time budget of each exact certificate's kernel computation (default 60; --timeout bounds the command)"
    )
    add_seed(p, "seed for the random primes", default=None)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """The verdict (or one JSON object) for ``args.network`` on its batch."""
    net, X = network_and_batch(args)
    rep = local_identifiability(
        net, X, args.method, at_zero=args.at_zero, seed=args.seed, certify_timeout=args.certify_timeout
    )
    if args.json:
        print(json.dumps(rep.to_dict()))
        return 0
    rows: list[tuple[str, object]] = [
        ("verdict", rep.verdict),
        ("reason", rep.reason),
        ("R_Γ", f"{rep.rank_gamma} (from {rep.gamma_from})"),
        ("R_A = n_L·rank α", f"{rep.rank_alpha} = {net.output_dim} × {rep.path_rank}"),
        ("N − H", rep.n_minus_h),
        ("BFD", rep.bfd),
        ("C_S (R_Γ = N − H)", "holds" if rep.condition_s else "fails"),
        ("C_N", "holds" if rep.condition_n else "fails (R_Γ = R_A < N − H)"),
        ("paths", f"{rep.num_paths:,} (rank α from the {rep.num_samples} × {rep.num_samples} Gram matrix)"),
        ("samples", rep.num_samples),
        ("method", rep.method + (" (certified)" if rep.certified else " (not certified)")),
    ]
    print(key_values(rows))
    return 0
