"""``relugeom measures NET.json``: the norm-based measures and the segment statistics of a batch (SPEC §8).

ℓ1/ℓ2 path-norms and the [NBMS17] products exactly, divided by the margin when labels are given, and the
segment statistics of the batch (breakpoints, gradient gap deviation, gradient deflection).

Examples
--------
>>> import tempfile
>>> from relugeom.cli import main
>>> from relugeom.cli.demo import write_example_files
>>> tmp = tempfile.TemporaryDirectory()
>>> hand, _ = write_example_files(tmp.name)
>>> main(["measures", str(hand)])  # doctest: +ELLIPSIS
network widths (1, 2, 1): N = 7, H = 2
measure            exact  value
-----------------  -----  -------
frobenius product  √4     2
...
l1 path-norm       3      3
l2 path-norm       √3     1.73205
...
0
>>> tmp.cleanup()
"""

from __future__ import annotations

import argparse
import json
from fractions import Fraction

from .._typing import EXACT_OR_FLOAT
from ..exceptions import RelugeomError, ShapeError
from ..io import load_inputs, load_network
from ..numbers import to_float
from .format import network_line, short, table
from .options import Subparsers, add_at_zero, add_inputs, add_json, add_method, add_network, add_seed

__all__ = ["register", "run"]


def register(subparsers: Subparsers) -> None:
    """Add ``measures`` to the sub-commands."""
    p = subparsers.add_parser(
        "measures", help="path-norms, norm products and margin; segment statistics of a batch (SPEC §8)"
    )
    add_network(p)
    add_inputs(
        p,
        "CSV file, one sample a row: the segment statistics over pairs of samples (and, with --labels, the margin)",
        metavar="X.csv",
    )
    p.add_argument(
        "--labels",
        metavar="y.csv",
        help="CSV file, one label a row (class 0 … n_L − 1; one output: 0/1 or -1/1): "
        "the margin and the measures divided by it; needs --inputs",
    )
    p.add_argument(
        "--pairs",
        default="all",
        metavar="all|K",
        help="segments between all pairs of samples (default) or K pairs drawn with --seed",
    )
    add_seed(p, "seed of the drawn pairs (default 0)")
    add_method(p, EXACT_OR_FLOAT, help="breakpoints along segments exactly (default) or in float64")
    add_at_zero(
        p,
        "one-sided convention where a segment runs inside a neuron's hyperplane "
        "(default: such pairs are degenerate, reported and left out)",
    )
    add_json(p)
    p.set_defaults(func=run)


def _parse_pairs(text: str) -> str | int:
    if text == "all":
        return "all"
    try:
        k = int(text)
    except ValueError:
        k = 0
    if k < 1:
        raise RelugeomError(f"--pairs {text!r}: give 'all' or a positive number of pairs, e.g. --pairs 100")
    return k


def _load_labels(path: str) -> list[Fraction]:
    """A labels CSV, one label a row, as a flat list (norm_measures checks the values)."""
    try:
        rows = load_inputs(path)
    except RelugeomError as err:
        raise type(err)(f"--labels: {str(err).replace('inputs file', 'labels file')}") from None
    for i, row in enumerate(rows):
        if len(row) != 1:
            raise ShapeError(f"--labels {path}: row {i} has {len(row)} values; write one label per row")
    return [row[0] for row in rows]


def _exact_cell(q: Fraction | None, power: int) -> str:
    """The exact value of a measure: q itself, or √q when the exact rational is the square."""
    if q is None:
        return "-"
    text = str(q) if len(str(q)) <= 30 else f"≈{to_float(q):.6g}"
    if power == 1:
        return text
    return f"√{text}" if q.denominator == 1 and not text.startswith("≈") else f"√({text})"


def run(args: argparse.Namespace) -> int:
    """The norm-based measures of ``args.network`` and the segment statistics of ``--inputs``."""
    from ..measures.norms import norm_measures
    from ..measures.segments import segment_statistics

    if args.labels is not None and args.inputs is None:
        raise RelugeomError(
            "--labels needs --inputs: the margin is taken over the samples of --inputs X.csv, one label per sample"
        )
    pairs = _parse_pairs(args.pairs)
    net = load_network(args.network, bias_free=args.bias_free)
    X = None if args.inputs is None else load_inputs(args.inputs)
    y = None if args.labels is None else _load_labels(args.labels)
    norms = norm_measures(net, X, y) if y is not None else norm_measures(net)
    stats = None
    if X is not None and len(X) >= 2:
        stats = segment_statistics(net, X, pairs, args.seed, method=args.method, at_zero=args.at_zero)
    if args.json:
        print(
            json.dumps(
                {
                    "network": {"widths": list(net.widths), "num_params": net.num_params},
                    "norms": norms.to_dict(),
                    "segments": None if stats is None else stats.to_dict(),
                }
            )
        )
        return 0

    print(network_line(net))
    positive = norms.margin is not None and norms.margin > 0
    header = ["measure", "exact", "value"] + (["/ margin"] if positive else [])
    rows = []
    for r in norms.rows():
        row: list[object] = [r["name"], _exact_cell(r["exact"], r["power"]), f"{r['value']:.6g}"]
        if positive:
            row.append(f"{r['over_margin']:.6g}")
        rows.append(row)
    print(table(header, rows))
    print("(√q: an ℓ2-type measure, whose exact square q is rational; the spectral product is float64 only)")
    if norms.margin is None:
        print("margin: none (give --inputs X.csv and --labels y.csv for the margin and the measures divided by it)")
    else:
        q = norms.margin_percentile
        print(
            f"margin: {short(norms.margin, 30)} ≈ {to_float(norms.margin):.6g} "
            f"({q}th percentile of the margins of {norms.num_samples} samples)"
        )
        if not positive:
            print(
                f"the normalized measures (measure / margin) are undefined: the margin is ≤ 0, so at least "
                f"{q}% of the samples are misclassified or tied ({norms.nonpositive_margins} of {norms.num_samples} "
                f"have margin ≤ 0)"
            )
    if X is None:
        return 0
    if stats is None:
        print(f"segment statistics need at least two samples; {args.inputs} has {len(X)}")
        return 0
    total = len(X) * (len(X) - 1) // 2
    n_pairs = len(stats.pairs)
    how = "all of them" if n_pairs == total else f"drawn with seed {args.seed} from {total}"
    print(
        f"segments between pairs of the {len(X)} samples of {args.inputs}: {n_pairs} pair"
        f"{'' if n_pairs == 1 else 's'} ({how}), {stats.method} breakpoints"
    )
    summary = stats.summary()

    def cell(v: float | None) -> str:
        return "-" if v is None else f"{v:.6g}"

    names = [
        ("breakpoints per pair", "breakpoints"),
        ("gradient gap deviation", "gradient_gap_deviation"),
        ("gradient deflection", "gradient_deflection"),
    ]
    print(
        table(
            ["statistic", "mean", "median", "max"],
            [(name, *(cell(summary[key][c]) for c in ("mean", "median", "max"))) for name, key in names],
        )
    )
    if stats.degenerate:
        i, j, message = stats.degenerate[0]
        print(
            f"degenerate pairs: {len(stats.degenerate)} (left out of the statistics); the first, ({i}, {j}): {message}"
        )
    else:
        print("degenerate pairs: 0")
    return 0
