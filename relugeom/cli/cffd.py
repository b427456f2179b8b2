"""``relugeom cffd NET.json``: the exact computable full functional dimension and its sampling estimate.

The exact CFFD next to N − H, and BFD(θ, X_n) on nested random batches X_1 ⊂ X_2 ⊂ … . ``--explain``
adds the exact split of the deficit (N − H) − CFFD among named mechanisms
(:func:`relugeom.identifiability.deficit.explain_deficit`; ``"explanation"`` with ``--json``).

Examples
--------
>>> import tempfile
>>> from relugeom.cli import main
>>> from relugeom.cli.demo import write_example_files
>>> tmp = tempfile.TemporaryDirectory()
>>> hand, _ = write_example_files(tmp.name)
>>> main(["cffd", str(hand), "--sizes", "1,2"])  # doctest: +ELLIPSIS
network widths (1, 2, 1): N = 7, H = 2
CFFD (exact)      5 (certified)
N − H             5 (deficit 0: no degeneracies beyond the rescalings)
...
0
>>> tmp.cleanup()
"""

from __future__ import annotations

import argparse
import json

from ..io import load_network
from .format import key_values, network_line, table
from .options import Subparsers, add_at_zero, add_json, add_max_regions, add_network, add_seed, parse_ints, real

__all__ = ["register", "run"]


def register(subparsers: Subparsers) -> None:
    """Add ``cffd`` to the sub-commands."""
    p = subparsers.add_parser("cffd", help="exact computable full functional dimension and its sampling estimate")
    add_network(p)
    p.add_argument(
        "--sizes",
        metavar="1,2,4,…",
        help="batch sizes of the sampling estimate (default: powers of two up to 4(N − H)/n_L)",
    )
    add_seed(p, "seed of the random batches and primes (default 0)")
    p.add_argument(
        "--distribution",
        choices=["gaussian", "uniform"],
        default="gaussian",
        help="random inputs: N(0, S²) or uniform on [-S, S] per coordinate (default gaussian)",
    )
    p.add_argument(
        "--scale",
        type=real(0, above=True),
        default=1.0,
        metavar="S",
        help="spread S of the random inputs (default 1); raise it when breakpoints lie far out",
    )
    add_json(p)
    add_at_zero(p, "one-sided convention where a neuron is identically zero on an open set")
    add_max_regions(p)
    p.add_argument(
        "--explain",
        action="store_true",
        help="also split the deficit (N − H) − CFFD among named mechanisms, exactly (dead, always-active, twins, …)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """The exact CFFD of ``args.network`` next to N − H and the BFD of nested random batches."""
    from ..regions.cffd import cffd_report, estimate_cffd

    net = load_network(args.network, bias_free=args.bias_free)
    sizes = None if args.sizes is None else list(parse_ints("--sizes", args.sizes, "1,2,4,8"))
    rep = cffd_report(net, at_zero=args.at_zero, seed=args.seed, max_regions=args.max_regions)
    est = estimate_cffd(net, sizes, args.distribution, args.seed, scale=args.scale, exact=rep.cffd)
    explanation = None
    if args.explain:
        from ..identifiability.deficit import explain_deficit

        explanation = explain_deficit(net, at_zero=args.at_zero, max_regions=args.max_regions, seed=args.seed)
    if args.json:
        estimate = est.to_dict()
        estimate.setdefault("scale", args.scale)
        extra = {} if explanation is None else {"explanation": explanation.to_dict()}
        print(json.dumps({**rep.to_dict(), "estimate": estimate, **extra}))
        return 0
    n0 = net.input_dim
    print(network_line(net))
    why = (
        "no degeneracies beyond the rescalings"
        if rep.deficit == 0
        else "degeneracies beyond the rescalings, e.g. hidden symmetries or neurons never active"
    )
    rows: list[tuple[str, object]] = [
        ("CFFD (exact)", str(rep.cffd) + (" (certified)" if rep.certified else "")),
        ("N − H", f"{rep.upper_bound} (deficit {rep.deficit}: {why})"),
        (f"regions of R^{n0}", rep.num_regions),
        ("stacked batch X*", f"{rep.num_samples} samples (n0 + 1 = {n0 + 1} per region)"),
        ("degenerate cells", rep.degenerate_cells),
    ]
    print(key_values(rows))
    print(
        f"sampling estimate: BFD on nested random batches ({est.distribution}, scale {args.scale:g}, seed {est.seed})"
    )
    print(
        table(
            ["n", "BFD", "regions perceived", "per-pattern bound"],
            [(r["n"], r["bfd"], r["regions_perceived"], r["pattern_bound"]) for r in est.rows],
        )
    )
    if est.degenerate_dropped:
        print(f"({est.degenerate_dropped} exactly degenerate random samples were redrawn)")
    if est.first_reached is not None:
        print(f"BFD(X_n) first reaches the exact CFFD {rep.cffd} at n = {est.first_reached}")
    else:
        print(
            f"BFD(X_n) stays below the exact CFFD {rep.cffd} up to n = {est.sizes[-1]}; "
            f"try larger --sizes, or a --scale that reaches every region"
        )
    if explanation is not None:
        print(explanation.summary())
    return 0
