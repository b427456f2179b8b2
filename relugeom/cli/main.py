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
import json
import shlex
import sys
import time
from fractions import Fraction
from typing import Any, Sequence

from ..dimension.bfd import compare_methods, dimension_report
from ..exceptions import RelugeomError, ShapeError
from ..io import load_inputs, load_network, load_network_and_inputs
from ..numbers import to_float, to_fraction

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="relugeom", description="Exact geometry of small ReLU networks.")
    sub = parser.add_subparsers(dest="command", required=True)
    dim = sub.add_parser("dim", help="batch functional dimension of a network on a batch of inputs")
    dim.add_argument("network", help="network JSON file (format relugeom-network, version 1)")
    dim.add_argument(
        "--inputs",
        help="CSV file, one sample a row ('p/q' or decimals); "
        "optional for a counterexample file, which holds its batch",
    )
    dim.add_argument("--method", choices=["exact", "modular", "float"], default="exact")
    dim.add_argument("--json", action="store_true", help="print one JSON object")
    dim.add_argument(
        "--at-zero",
        choices=["inactive", "active"],
        default=None,
        help="one-sided convention at zero pre-activations (default: refuse them)",
    )
    dim.add_argument(
        "--certify-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="time budget for the exact certificate (default 60)",
    )
    dim.add_argument("--tol", type=float, default=None, help="SVD tolerance for --method float")
    dim.add_argument("--seed", type=int, default=None, help="seed for the random primes")
    dim.add_argument("--compare", action="store_true", help="also compute float64 and say if it agrees")
    sub.add_parser("demo", help="a built-in example where float64 gets the BFD wrong")

    def scale_out(p: argparse.ArgumentParser) -> None:
        p.add_argument("--jobs", type=int, default=1, metavar="K", help="worker processes (default 1)")
        p.add_argument(
            "--scheduler", metavar="ADDRESS", help="run on a Dask cluster (tcp://host:8786; needs the 'dask' extra)"
        )
        p.add_argument(
            "--state", metavar="FILE", help="JSON-lines file of finished work units: resume an interrupted run"
        )
        p.add_argument("--json", action="store_true", help="print one JSON object (no progress bar)")

    check = sub.add_parser("check", help="check the theorems of proofs/ on toy networks, exactly")
    check.add_argument("names", nargs="*", metavar="NAME", help="theorems to check (default: all, T1 … T6)")
    check.add_argument(
        "--exhaustive",
        action="store_true",
        help="whole small grids (minutes) instead of the quick default slice (seconds)",
    )
    scale_out(check)
    search = sub.add_parser("search", help="search small networks for a counterexample to a conjecture")
    search.add_argument("conjecture", nargs="?", help="a name from 'relugeom search --list'")
    search.add_argument("--list", action="store_true", help="list the conjectures and exit")
    search.add_argument("--budget", type=int, default=None, help="most cases to evaluate")
    search.add_argument("--seed", type=int, default=0, help="seed of the random stage (default 0)")
    search.add_argument(
        "--out", metavar="FILE", help="where to write the counterexample (default counterexample-NAME.json)"
    )
    search.add_argument("--no-shrink", action="store_true", help="keep the first counterexample as found")
    scale_out(search)

    regions = sub.add_parser("regions", help="exact activation regions of R^n0 or of a box (SPEC §6)")
    regions.add_argument("network", help="network JSON file (format relugeom-network, version 1)")
    regions.add_argument(
        "--box",
        metavar="SPEC",
        help="enumerate inside a box: LOW:HIGH for every coordinate, or LOW:HIGH,LOW:HIGH,… "
        "one per coordinate, exact numbers (-1/2:3). Write --box=-2:2 (with '=') "
        "when LOW is negative. Default: all of R^n0",
    )
    regions.add_argument(
        "--inputs",
        metavar="X.csv",
        help="also report the regions this batch perceives, its exact BFD and the per-pattern bound",
    )
    regions.add_argument(
        "--graph", action="store_true", help="also build the region graph (regions sharing a facet); drawn by --plot"
    )
    regions.add_argument(
        "--plot", metavar="OUT.png", help="draw the regions (n0 = 2, needs --box) or the graph of F (n0 = 1) to a PNG"
    )
    regions.add_argument("--json", action="store_true", help="print one JSON object")
    regions.add_argument(
        "--at-zero",
        choices=["inactive", "active"],
        default=None,
        help="one-sided convention where a neuron is identically zero on an open set "
        "(default: such cells are degenerate and reported)",
    )
    regions.add_argument(
        "--max-regions",
        type=int,
        default=200_000,
        metavar="N",
        help="stop with an error beyond N cells (default 200000)",
    )

    cffd = sub.add_parser("cffd", help="exact computable full functional dimension and its sampling estimate")
    cffd.add_argument("network", help="network JSON file (format relugeom-network, version 1)")
    cffd.add_argument(
        "--sizes",
        metavar="1,2,4,…",
        help="batch sizes of the sampling estimate (default: powers of two up to 4(N − H)/n_L)",
    )
    cffd.add_argument("--seed", type=int, default=0, help="seed of the random batches and primes (default 0)")
    cffd.add_argument(
        "--distribution",
        choices=["gaussian", "uniform"],
        default="gaussian",
        help="random inputs: N(0, S²) or uniform on [-S, S] per coordinate (default gaussian)",
    )
    cffd.add_argument(
        "--scale",
        type=float,
        default=1.0,
        metavar="S",
        help="spread S of the random inputs (default 1); raise it when breakpoints lie far out",
    )
    cffd.add_argument("--json", action="store_true", help="print one JSON object")
    cffd.add_argument(
        "--at-zero",
        choices=["inactive", "active"],
        default=None,
        help="one-sided convention where a neuron is identically zero on an open set",
    )

    measures = sub.add_parser(
        "measures", help="path-norms, norm products and margin; segment statistics of a batch (SPEC §8)"
    )
    measures.add_argument("network", help="network JSON file (format relugeom-network, version 1)")
    measures.add_argument(
        "--inputs",
        metavar="X.csv",
        help="CSV file, one sample a row: the segment statistics over pairs of samples "
        "(and, with --labels, the margin)",
    )
    measures.add_argument(
        "--labels",
        metavar="y.csv",
        help="CSV file, one label a row (class 0 … n_L − 1; one output: 0/1 or -1/1): "
        "the margin and the measures divided by it; needs --inputs",
    )
    measures.add_argument(
        "--pairs",
        default="all",
        metavar="all|K",
        help="segments between all pairs of samples (default) or K pairs drawn with --seed",
    )
    measures.add_argument("--seed", type=int, default=0, help="seed of the drawn pairs (default 0)")
    measures.add_argument(
        "--method",
        choices=["exact", "float"],
        default="exact",
        help="breakpoints along segments exactly (default) or in float64",
    )
    measures.add_argument(
        "--at-zero",
        choices=["inactive", "active"],
        default=None,
        help="one-sided convention where a segment runs inside a neuron's hyperplane "
        "(default: such pairs are degenerate, reported and left out)",
    )
    measures.add_argument("--json", action="store_true", help="print one JSON object")
    _add_train_parser(sub)
    return parser


def _dim(args: argparse.Namespace) -> int:
    net, X = load_network_and_inputs(args.network)
    if args.inputs is not None:
        X = load_inputs(args.inputs)
    elif X is None:
        raise RelugeomError(f"--inputs is required: {args.network} is a network file and holds no batch")
    rep = dimension_report(
        net, X, args.method, at_zero=args.at_zero, seed=args.seed, certify_timeout=args.certify_timeout, tol=args.tol
    )
    comparison = None
    if args.compare:
        comparison = compare_methods(
            net, X, at_zero=args.at_zero, seed=args.seed, certify_timeout=args.certify_timeout, tol=args.tol
        )
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
        _table(
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


def _search(args: argparse.Namespace) -> int:
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
        print(json.dumps({**result.to_dict(), "written_to": out}))
        return 0
    print(f"{conj.name}: {conj.statement}")
    print(result.summary())
    if out is not None:
        print(f"written to {out}; re-check with: relugeom dim {out}")
    return 0


# ------------------------------------------------------------------------------------ regions, cffd
BOX_HELP = (
    "write --box=LOW:HIGH (one interval for every coordinate) or --box=LOW:HIGH,LOW:HIGH,… (one per "
    "coordinate), e.g. --box=-2:2 or --box=-1/2:3,0:1"
)


def parse_box_spec(spec: str, n0: int) -> tuple[tuple[Fraction, Fraction], ...]:
    """The CLI's ``--box`` text as exact ``((low, high), …)``, one pair per input coordinate.

    >>> parse_box_spec("-1/2:3", 2)
    ((Fraction(-1, 2), Fraction(3, 1)), (Fraction(-1, 2), Fraction(3, 1)))
    >>> parse_box_spec("0:1,-2:0.5", 2)[1]
    (Fraction(-2, 1), Fraction(1, 2))
    >>> parse_box_spec("0:1,0:1", 3)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    relugeom.exceptions.RelugeomError: --box '0:1,0:1' has 2 intervals but the network has 3 inputs; ...
    """
    parts = [p.strip() for p in spec.split(",")]
    pairs = []
    for part in parts:
        ends = part.split(":")
        if len(ends) != 2 or not all(e.strip() for e in ends):
            raise RelugeomError(f"--box {spec!r}: cannot read {part!r} as LOW:HIGH; {BOX_HELP}")
        try:
            lo, hi = (to_fraction(e.strip(), "--box") for e in ends)
        except RelugeomError as err:
            raise RelugeomError(f"--box {spec!r}: {err}; {BOX_HELP}") from None
        if not lo < hi:
            raise RelugeomError(f"--box {spec!r}: low {lo} must be below high {hi} in {part!r}")
        pairs.append((lo, hi))
    if len(pairs) == 1:
        pairs = pairs * n0
    if len(pairs) != n0:
        raise RelugeomError(
            f"--box {spec!r} has {len(pairs)} intervals but the network has {n0} inputs; "
            f"give one interval for all coordinates or one per coordinate"
        )
    return tuple(pairs)


def _short(v: Fraction, width: int = 10) -> str:
    """A Fraction as 'p/q' when short, else '≈' and 4 significant digits."""
    text = str(v)
    return text if len(text) <= width else f"≈{to_float(v):.4g}"


def _volume_name(n0: int) -> str:
    return {1: "length", 2: "area"}.get(n0, "volume")


def _domain(box: Any, n0: int) -> str:
    if box is None:
        return f"R^{n0}"
    return " × ".join(f"[{lo}, {hi}]" for lo, hi in box)


def _region_json(r: Any, n0: int) -> dict[str, Any]:
    d: dict[str, Any] = {
        "index": r.index,
        "pattern": r.pattern_string,
        "interior_point": [str(v) for v in r.interior_point],
        "bounded": r.bounded,
        "volume": None if r.volume is None else str(r.volume),
        "facets": [
            {"normal": list(f.normal), "offset": f.offset, "sources": [list(s) for s in f.sources]}
            for f in r.inequalities
        ],
        "output_weight": [[str(v) for v in row] for row in r.output_weight],
        "output_bias": [str(v) for v in r.output_bias],
    }
    if r.interval is not None:
        d["interval"] = [None if v is None else str(v) for v in r.interval]
    if r.vertices is not None:
        d["vertices"] = [[str(v) for v in pt] for pt in r.vertices]
    return d


def _regions(args: argparse.Namespace) -> int:
    from ..regions import region_decomposition, region_graph, regions_perceived

    net = load_network(args.network)
    n0 = net.input_dim
    box = None if args.box is None else parse_box_spec(args.box, n0)
    if args.plot is not None:
        if n0 not in (1, 2):
            raise RelugeomError(
                f"--plot draws networks with n0 = 1 or 2 inputs; {args.network} has n0 = {n0} "
                f"(list its regions without --plot, or with --json)"
            )
        if n0 == 2 and box is None:
            raise RelugeomError(
                "--plot of a network with 2 inputs needs a box, since regions of R^2 may be "
                "unbounded: add e.g. --box=-3:3"
            )
    if args.max_regions is not None and args.max_regions < 1:
        raise RelugeomError(f"--max-regions must be a positive number of cells, got {args.max_regions}")
    X = None if args.inputs is None else load_inputs(args.inputs)
    dec = region_decomposition(net, box, at_zero=args.at_zero, max_regions=args.max_regions)
    graph = region_graph(dec) if args.graph else None
    seen = report = None
    sample_region: list[int | None] = []
    if X is not None:
        report = dimension_report(net, X, "exact", at_zero=args.at_zero)
        seen = regions_perceived(net, X, at_zero=args.at_zero)
        index_of = {r.pattern: r.index for r in dec.regions}
        pattern_of = [None if r is None else r.pattern for r in seen.regions]
        in_box = [box is None or all(lo <= v <= hi for v, (lo, hi) in zip(x, box)) for x in X]
        sample_region = [
            index_of.get(pattern_of[k]) if inside else None for k, inside in zip(seen.sample_region, in_box)
        ]
    if args.plot is not None:
        from ..plots.regions import plot_regions

        plot_regions(dec, inputs=X, show_graph=args.graph, path=args.plot)
    if args.json:
        out: dict[str, Any] = {
            "widths": list(net.widths),
            "num_params": net.num_params,
            "num_hidden": net.num_hidden,
            "box": None if box is None else [[str(lo), str(hi)] for lo, hi in box],
            "num_regions": len(dec.regions),
            "num_bounded": sum(1 for r in dec.regions if r.bounded),
            "degenerate_cells": len(dec.degenerate),
            "degenerate": [
                {"layer": c.layer, "neuron": c.neuron, "point": [str(v) for v in c.point], "message": c.message()}
                for c in dec.degenerate
            ],
            "regions": [_region_json(r, n0) for r in dec.regions],
        }
        if graph is not None:
            out["graph"] = {
                "num_edges": graph.number_of_edges(),
                "edges": sorted([min(i, j), max(i, j)] for i, j in graph.edges()),
            }
        if report is not None:
            out["inputs"] = {
                "num_samples": report.num_samples,
                "bfd": report.bfd,
                "regions_perceived": seen.num_regions,
                "pattern_bound": report.bound_patterns,
                "sample_region": sample_region,
            }
        if args.plot is not None:
            out["plot"] = args.plot
        print(json.dumps(out))
        return 0

    print(f"network widths {net.widths}: N = {net.num_params}, H = {net.num_hidden}")
    print(f"domain: {_domain(box, n0)}")
    n = len(dec.regions)
    if box is None:
        bounded = sum(1 for r in dec.regions if r.bounded)
        print(f"regions: {n} ({bounded} bounded, {n - bounded} unbounded)")
    else:
        total = (
            sum((r.volume for r in dec.regions), Fraction(0))
            if all(r.volume is not None for r in dec.regions)
            else None
        )
        print(f"regions: {n}" + ("" if total is None else f" (total {_volume_name(n0)} {total})"))
    if dec.degenerate:
        print(f"degenerate cells: {len(dec.degenerate)}; the first: {dec.degenerate[0].message()}")
    else:
        print("degenerate cells: 0")
    header = ["#", "pattern", "interior point", "bounded", _volume_name(n0), "facets"]
    if graph is not None:
        header.append("degree")
    counts: dict[int, int] = {}
    if X is not None:
        header.append("samples")
        for k in sample_region:
            if k is not None:
                counts[k] = counts.get(k, 0) + 1
    rows = []
    for r in dec.regions[:20]:
        vol = "∞" if r.bounded is False else ("-" if r.volume is None else _short(r.volume))
        row: list[object] = [
            r.index,
            r.pattern_string,
            "(" + ", ".join(_short(v) for v in r.interior_point) + ")",
            "yes" if r.bounded else "no",
            vol,
            len(r.inequalities),
        ]
        if graph is not None:
            row.append(graph.degree(r.index))
        if X is not None:
            row.append(counts.get(r.index, 0))
        rows.append(row)
    if rows:
        print(_table(header, rows))
    if n > 20:
        print(f"… {n - 20} more regions (--json lists them all)")
    if graph is not None:
        print(
            f"region graph: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges (regions sharing a facet)"
        )
    if report is not None:
        outside = sum(1 for k in sample_region if k is None)
        where = f"; {outside} of them outside the box" if box is not None and outside else ""
        print(f"inputs {args.inputs}: {report.num_samples} samples{where}")
        print(
            f"  regions perceived {seen.num_regions}; BFD {report.bfd} (exact); "
            f"per-pattern bound {report.bound_patterns}; N − H {report.bound_params}"
        )
        if len(net.hidden_widths) == 1:
            print(
                f"  one hidden layer: regions perceived {seen.num_regions}; per-pattern bound "
                f"{report.bound_patterns} (n_L Σ_r min(n_r, n0 + 1), so BFD ≤ {report.bound_patterns})"
            )
    if args.plot is not None:
        print(f"picture written to {args.plot}")
    return 0


def _parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise RelugeomError(
            f"--sizes {text!r}: give positive integers separated by commas, e.g. --sizes 1,2,4,8"
        ) from None
    if not sizes or min(sizes) < 1:
        raise RelugeomError(f"--sizes {text!r}: give positive integers separated by commas, e.g. --sizes 1,2,4,8")
    return sizes


def _cffd(args: argparse.Namespace) -> int:
    from ..regions.cffd import cffd_report, estimate_cffd

    net = load_network(args.network)
    sizes = None if args.sizes is None else _parse_sizes(args.sizes)
    if not args.scale > 0 or args.scale == float("inf"):
        raise RelugeomError(f"--scale must be a positive finite number, got {args.scale}")
    rep = cffd_report(net, at_zero=args.at_zero, seed=args.seed)
    est = estimate_cffd(net, sizes, args.distribution, args.seed, scale=args.scale, exact=rep.cffd)
    if args.json:
        estimate = est.to_dict()
        estimate.setdefault("scale", args.scale)
        print(json.dumps({**rep.to_dict(), "estimate": estimate}))
        return 0
    n0 = net.input_dim
    print(f"network widths {net.widths}: N = {net.num_params}, H = {net.num_hidden}")
    why = (
        "no degeneracies beyond the rescalings"
        if rep.deficit == 0
        else "degeneracies beyond the rescalings, e.g. hidden symmetries or neurons never active"
    )
    rows = [
        ("CFFD (exact)", str(rep.cffd) + (" (certified)" if rep.certified else "")),
        ("N − H", f"{rep.upper_bound} (deficit {rep.deficit}: {why})"),
        (f"regions of R^{n0}", rep.num_regions),
        ("stacked batch X*", f"{rep.num_samples} samples (n0 + 1 = {n0 + 1} per region)"),
        ("degenerate cells", rep.degenerate_cells),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    print(
        f"sampling estimate: BFD on nested random batches ({est.distribution}, scale {args.scale:g}, seed {est.seed})"
    )
    print(
        _table(
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
    return 0


# ------------------------------------------------------------------------------------------ measures
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


def _measures(args: argparse.Namespace) -> int:
    from ..measures.norms import norm_measures
    from ..measures.segments import segment_statistics

    if args.labels is not None and args.inputs is None:
        raise RelugeomError(
            "--labels needs --inputs: the margin is taken over the samples of --inputs X.csv, one label per sample"
        )
    pairs = _parse_pairs(args.pairs)
    net = load_network(args.network)
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

    print(f"network widths {net.widths}: N = {net.num_params}, H = {net.num_hidden}")
    positive = norms.margin is not None and norms.margin > 0
    header = ["measure", "exact", "value"] + (["/ margin"] if positive else [])
    rows = []
    for r in norms.rows():
        row: list[object] = [r["name"], _exact_cell(r["exact"], r["power"]), f"{r['value']:.6g}"]
        if positive:
            row.append(f"{r['over_margin']:.6g}")
        rows.append(row)
    print(_table(header, rows))
    print("(√q: an ℓ2-type measure, whose exact square q is rational; the spectral product is float64 only)")
    if norms.margin is None:
        print("margin: none (give --inputs X.csv and --labels y.csv for the margin and the measures divided by it)")
    else:
        q = norms.margin_percentile
        print(
            f"margin: {_short(norms.margin, 30)} ≈ {to_float(norms.margin):.6g} "
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
        _table(
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


# --------------------------------------------------------------------------------------------- train
#: Per data set defaults of ``relugeom train`` (each default run takes well under 30 s on 2 cores).
#: ``widths`` None for the teacher: ``n0,16,n_L`` from ``--teacher-widths``.
TRAIN_DEFAULTS: dict[str, dict[str, Any]] = {
    "digits": {
        "widths": (64, 16, 16, 10),
        "loss": "cross-entropy",
        "optimizer": "sgd",
        "lr": 0.05,
        "n_train": 300,
        "n_test": 300,
        "epochs": 10,
        "checkpoints": 2,
        "noise": None,
    },
    "teacher": {
        "widths": None,
        "loss": "squared",
        "optimizer": "gd",
        "lr": 0.05,
        "n_train": 100,
        "n_test": 100,
        "epochs": 2000,
        "checkpoints": 10,
        "noise": 0.0,
    },
    "moons": {
        "widths": (2, 16, 16, 2),
        "loss": "cross-entropy",
        "optimizer": "adam",
        "lr": 0.01,
        "n_train": 100,
        "n_test": 100,
        "epochs": 200,
        "checkpoints": 10,
        "noise": 0.1,
    },
}
TEACHER_WIDTHS = (2, 4, 1)


def _add_train_parser(sub: Any) -> None:
    def dflt(key: str) -> str:
        return ", ".join(f"{name} {_cell_default(d[key])}" for name, d in TRAIN_DEFAULTS.items())

    from ..training.datasets import DATASETS
    from ..training.loop import LOSSES, OPTIMIZERS

    t = sub.add_parser(
        "train", help="train a small network in float64 and track its exact BFD at checkpoints (SPEC §7)"
    )
    t.add_argument(
        "--data",
        required=True,
        metavar="|".join(DATASETS),
        help="digits (scikit-learn 8x8 digits, needs the 'data' extra), teacher (regression on a "
        "random teacher network) or moons (two moons)",
    )
    t.add_argument(
        "--widths",
        metavar="n0,…,nL",
        help="layer widths, from the data's input size to its output size (default: digits "
        "64,16,16,10; teacher n0,16,nL of --teacher-widths; moons 2,16,16,2)",
    )
    t.add_argument("--optimizer", metavar="|".join(OPTIMIZERS), help=f"default: {dflt('optimizer')}")
    t.add_argument("--epochs", type=int, metavar="E", help=f"passes over the training set (default: {dflt('epochs')})")
    t.add_argument("--lr", type=float, help=f"learning rate (default: {dflt('lr')})")
    t.add_argument(
        "--batch-size",
        type=int,
        metavar="B",
        help="minibatch size (default: 32 for sgd and adam, full batch for gd and path-sgd)",
    )
    t.add_argument("--momentum", type=float, metavar="MU", help="heavy-ball momentum of sgd (default 0.9)")
    t.add_argument("--loss", metavar="|".join(LOSSES), help=f"default: {dflt('loss')}")
    t.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the data, the initial network, the minibatches and the random inputs "
        "(the teacher network draws from a stream of its own; default 0)",
    )
    t.add_argument(
        "--checkpoints",
        metavar="K|s1,s2,…",
        help="number of checkpoints, step 0 and the last step included, or a comma list of steps "
        f"(one step: '100,') (default: {dflt('checkpoints')})",
    )
    t.add_argument(
        "--spacing", default="log", metavar="log|linear", help="spacing of a number of checkpoints (default log)"
    )
    t.add_argument(
        "--track",
        default="train,test,random",
        metavar="train,test,random",
        help="batches whose BFD is tracked (default all three)",
    )
    t.add_argument("--n-train", type=int, metavar="N", help=f"training samples (default: {dflt('n_train')})")
    t.add_argument("--n-test", type=int, metavar="N", help=f"test samples (default: {dflt('n_test')})")
    t.add_argument(
        "--n-random",
        type=int,
        metavar="N",
        help="standard Gaussian inputs of the 'random' batch (default: as many as --n-train)",
    )
    t.add_argument(
        "--teacher-widths",
        metavar="n0,…,nL",
        help=f"widths of the teacher network (teacher only; default {_cell_default(TEACHER_WIDTHS)})",
    )
    t.add_argument(
        "--noise",
        type=float,
        help="std of the Gaussian noise: on the targets (teacher, default 0) or the points (moons, default 0.1)",
    )
    t.add_argument(
        "--init-scale",
        type=float,
        default=1.0,
        metavar="S",
        help="multiply the initial He network by S (small initialisations; default 1)",
    )
    t.add_argument(
        "--cffd",
        default="auto",
        metavar="auto|exact|off",
        help="exact CFFD column: auto (n0 <= 2 and at most 16 hidden neurons), exact or off (default auto)",
    )
    t.add_argument("--float-ranks", action="store_true", help="also record the float64 SVD ranks")
    t.add_argument(
        "--certify-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="time budget per certified rank; beyond it the modular lower bound is kept, marked '*' (default 60)",
    )
    t.add_argument(
        "--at-zero",
        metavar="inactive|active",
        default=None,
        help="one-sided convention at zero pre-activations (default: such batches are degenerate)",
    )
    t.add_argument(
        "--out", metavar="DIR", help="write the run (history.json, checkpoints/, inputs/, curves.png, run.json) to DIR"
    )
    t.add_argument("--json", action="store_true", help="print one JSON object {run, history} on stdout")
    t.add_argument("--quiet", action="store_true", help="no progress bar and no checkpoint lines on stderr")


def _cell_default(v: Any) -> str:
    if isinstance(v, tuple):
        return ",".join(map(str, v))
    return "-" if v is None else f"{v:g}" if isinstance(v, float) else str(v)


def _choice(option: str, value: str, options: Sequence[str]) -> str:
    if value not in options:
        raise RelugeomError(f"{option} {value!r} is not one of {', '.join(options)}")
    return value


def _parse_ints(option: str, text: str, example: str, minimum: int = 1) -> tuple[int, ...]:
    try:
        values = tuple(int(t) for t in text.split(",") if t.strip())
    except ValueError:
        values = ()
    if not values or min(values) < minimum:
        lowest = "positive integers" if minimum == 1 else f"integers >= {minimum}"
        raise RelugeomError(f"{option} {text!r}: give {lowest} separated by commas, e.g. {option} {example}")
    return values


def _parse_checkpoints(text: str) -> int | tuple[int, ...]:
    if "," not in text:
        try:
            count = int(text)
        except ValueError:
            count = 0
        if count < 2:
            raise RelugeomError(
                f"--checkpoints {text!r}: give a number of checkpoints >= 2 (step 0 and the last "
                f"step) or a comma list of steps, e.g. --checkpoints 0,10,100"
            )
        return count
    return _parse_ints("--checkpoints", text, "0,10,100", minimum=0)


class _TrainProgress:
    """The ``progress(step, total, loss)`` callback of :func:`relugeom.training.loop.train`, drawn on ``stream``.

    On a terminal: one line rewritten with ``\\r`` at most ``1 / interval`` times a second. Otherwise: a
    plain line each time another 10 % of the steps is done. ``note`` prints a whole line (a checkpoint);
    ``header``, when given, is printed before the first output (so nothing is printed when ``train`` refuses
    its arguments, and the error stays the only line).

    >>> import io
    >>> out = io.StringIO()
    >>> bar = _TrainProgress(out, 100, enabled=True)
    >>> for step in range(1, 101):
    ...     bar(step, 100, 1 / step)
    >>> print(out.getvalue().splitlines()[0])
    step 10/100 (10%)  loss 0.1
    >>> len(out.getvalue().splitlines())
    10
    """

    def __init__(
        self,
        stream: Any,
        total: int,
        enabled: bool = True,
        interval: float = 0.1,
        clock: Any = time.monotonic,
        header: str | None = None,
    ) -> None:
        self.stream, self.total, self.enabled, self.interval, self.clock = stream, total, enabled, interval, clock
        self.header = header
        self.tty = bool(enabled) and hasattr(stream, "isatty") and stream.isatty()
        self.step, self.loss = 0, float("nan")
        self.last_draw = -float("inf")
        self.next_tenth = 1
        self.drawn = False

    def bar(self, width: int = 20) -> str:
        filled = width if self.total <= 0 else int(width * self.step / self.total)
        digits = len(str(self.total))
        loss = "–" if self.loss != self.loss else f"{self.loss:.4g}"  # no step yet: NaN
        return f"[{'#' * filled}{'-' * (width - filled)}] {self.step:>{digits}}/{self.total} steps  loss {loss}"

    def __call__(self, step: int, total: int, loss: float) -> None:
        self.step, self.total, self.loss = step, total, loss
        if not self.enabled:
            return
        self._header()
        if self.tty:
            now = self.clock()
            if now - self.last_draw >= self.interval or step == total:
                self.last_draw = now
                self._draw(self.bar())
        elif total > 0 and step * 10 >= self.next_tenth * total:
            while step * 10 >= self.next_tenth * total:
                self.next_tenth += 1
            self.stream.write(f"step {step}/{total} ({100 * step // total}%)  loss {loss:.4g}\n")
            self.stream.flush()

    def _header(self) -> None:
        if self.header is not None:
            self.stream.write(self.header + "\n")
            self.header = None

    def _draw(self, text: str) -> None:
        self.stream.write(f"\r{text}\033[K")
        self.stream.flush()
        self.drawn = True

    def status(self, text: str) -> None:
        """A transient note after the bar (terminal only), e.g. while a checkpoint is measured."""
        if self.enabled and self.tty:
            self._header()
            self._draw(f"{self.bar()}  {text}")

    def note(self, line: str) -> None:
        """A whole line (it replaces the bar on a terminal; the bar comes back at the next step)."""
        if not self.enabled:
            return
        self._header()
        if self.tty and self.drawn:
            self.stream.write("\r\033[K")
            self.drawn = False
            self.last_draw = -float("inf")
        self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.tty and self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False


def _bfd_cell(row: dict[str, Any], name: str) -> str:
    value = row.get(f"bfd_{name}")
    if value is None:
        return "–"
    return f"{value}*" if row.get(f"certified_{name}") is False else str(value)


class _ReportingTracker:
    """Wraps a :class:`~relugeom.training.tracking.Tracker`: reports each measured checkpoint on the progress line."""

    def __init__(self, tracker: Any, progress: _TrainProgress) -> None:
        self.tracker, self.progress = tracker, progress

    def measure(self, net: Any) -> dict[str, Any]:
        step = self.progress.step
        self.progress.status(f"measuring checkpoint {step}…")
        t0 = time.perf_counter()
        row = self.tracker.measure(net)
        bfd = ", ".join(f"{name} {_bfd_cell(row, name)}" for name in self.tracker.inputs)
        self.progress.note(f"checkpoint step {step}: BFD {bfd} ({time.perf_counter() - t0:.1f} s)")
        return row


def _load_train_data(args: argparse.Namespace, defaults: dict[str, Any], n_train: int, n_test: int) -> Any:
    from ..training.datasets import digits, teacher_task, two_moons

    if args.data != "teacher" and args.teacher_widths is not None:
        raise RelugeomError(f"--teacher-widths applies to --data teacher only, not --data {args.data}")
    if args.data == "digits" and args.noise is not None:
        raise RelugeomError("--noise applies to --data teacher (targets) and --data moons (points), not digits")
    noise = defaults["noise"] if args.noise is None else args.noise
    if noise is not None and not (noise >= 0 and noise != float("inf")):
        raise RelugeomError(f"--noise must be a finite number >= 0, got {args.noise}")
    if args.data == "digits":
        return digits(n_train, n_test, seed=args.seed)
    if args.data == "moons":
        return two_moons(n_train, n_test, noise=noise, seed=args.seed)
    tw = (
        TEACHER_WIDTHS if args.teacher_widths is None else _parse_ints("--teacher-widths", args.teacher_widths, "2,4,1")
    )
    if len(tw) < 2:
        raise RelugeomError(
            f"--teacher-widths {args.teacher_widths!r}: give at least an input and an output width, e.g. 2,4,1"
        )
    return teacher_task(tw, n_train, n_test, seed=args.seed, noise=noise)


def _train(args: argparse.Namespace, argv: Sequence[str]) -> int:
    import numpy as np

    from ..core.network import Network
    from ..io import json_ready
    from ..training.datasets import DATASETS
    from ..training.loop import LOSSES, OPTIMIZERS, TrainConfig, checkpoint_steps, scaled_network, train
    from ..training.run_directory import run_info, write_run
    from ..training.tracking import STANDARD_BATCHES, Tracker

    name = _choice("--data", args.data, DATASETS)
    defaults = TRAIN_DEFAULTS[name]
    optimizer = _choice("--optimizer", args.optimizer or defaults["optimizer"], OPTIMIZERS)
    loss = _choice("--loss", args.loss or defaults["loss"], LOSSES)
    spacing = _choice("--spacing", args.spacing, ("log", "linear"))
    cffd = _choice("--cffd", args.cffd, ("auto", "exact", "off"))
    at_zero = None if args.at_zero is None else _choice("--at-zero", args.at_zero, ("inactive", "active"))
    track = tuple(t.strip() for t in args.track.split(",") if t.strip())
    for t in track:
        _choice("--track", t, STANDARD_BATCHES)
    if not track:
        raise RelugeomError(f"--track {args.track!r}: name at least one batch among {', '.join(STANDARD_BATCHES)}")
    n_train = defaults["n_train"] if args.n_train is None else args.n_train
    n_test = defaults["n_test"] if args.n_test is None else args.n_test
    if n_train < 1 or n_test < 0:
        raise RelugeomError(f"--n-train must be >= 1 and --n-test >= 0, got {n_train} and {n_test}")
    if args.n_random is not None and args.n_random < 1:
        raise RelugeomError(f"--n-random must be >= 1, got {args.n_random}")
    if args.certify_timeout is not None and not args.certify_timeout > 0:
        raise RelugeomError(f"--certify-timeout must be a positive number of seconds, got {args.certify_timeout}")
    scale = args.init_scale
    if not (scale > 0 and scale != float("inf")):
        raise RelugeomError(f"--init-scale must be a positive finite number, got {scale}")
    epochs = defaults["epochs"] if args.epochs is None else args.epochs
    if epochs < 0:
        raise RelugeomError(f"--epochs must be >= 0, got {epochs}")
    checkpoints = defaults["checkpoints"] if args.checkpoints is None else _parse_checkpoints(args.checkpoints)
    widths = None if args.widths is None else _parse_ints("--widths", args.widths, "2,16,1")
    if widths is not None and len(widths) < 2:
        raise RelugeomError(f"--widths {args.widths!r}: give at least an input and an output width, e.g. 2,16,1")

    data = _load_train_data(args, defaults, n_train, n_test)
    if loss == "cross-entropy" and data.task != "classification":
        raise RelugeomError(f"--loss cross-entropy needs class labels; {name} is a regression task: use --loss squared")
    if widths is None:
        widths = defaults["widths"] or (data.input_dim, 16, data.output_dim)
    lr = defaults["lr"] if args.lr is None else args.lr
    try:
        config = TrainConfig(
            optimizer=optimizer,
            lr=lr,
            epochs=epochs,
            batch_size=args.batch_size,
            momentum=args.momentum,
            loss=loss,
            seed=args.seed,
            checkpoints=checkpoints,
            spacing=spacing,
        )
    except ValueError as err:
        raise RelugeomError(f"{err} (check --lr, --epochs, --batch-size, --momentum)") from None
    n = len(data.X_train)
    total = epochs * config.steps_per_epoch(n)
    if isinstance(checkpoints, tuple):
        bad = [s for s in checkpoints if s > total]
        if bad:
            raise RelugeomError(
                f"--checkpoints {args.checkpoints}: steps {bad} lie beyond the last step {total} "
                f"({epochs} epochs of {total // max(epochs, 1)} steps)"
            )
    steps = checkpoint_steps(total, config.checkpoints, spacing)

    net = Network.random_he(widths, seed=args.seed)
    if scale != 1.0:
        net = scaled_network(net, scale)
    try:
        tracker = Tracker.for_dataset(
            data,
            track=track,
            n_random=args.n_random,
            seed=args.seed,
            method="exact",
            cffd=cffd,
            float_ranks=args.float_ranks,
            certify_timeout=args.certify_timeout,
            at_zero=at_zero,
        )
    except ValueError as err:
        raise RelugeomError(str(err)) from None

    progress = _TrainProgress(
        sys.stderr,
        total,
        enabled=not args.quiet,
        header=f"training {name} widths {','.join(map(str, widths))} with {optimizer}: "
        f"{total} steps, {len(steps)} checkpoints (exact BFD on "
        f"{', '.join(tracker.inputs)})",
    )
    t0 = time.perf_counter()
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            result = train(net, data, config, _ReportingTracker(tracker, progress), progress=progress)
    except FloatingPointError as err:
        raise RelugeomError(str(err)) from None
    finally:
        progress.close()
    seconds = time.perf_counter() - t0
    info = {"command": shlex.join(["relugeom", *argv])}
    if scale != 1.0:
        info["init_scale"] = scale
    if args.out is not None:
        try:
            write_run(args.out, result, data, tracker, info=info)
        except OSError as err:
            raise RelugeomError(f"--out {args.out}: cannot write the run ({err.strerror or err})") from None
    history = result.history
    if args.json:
        run = run_info(result, data, tracker, info)
        run["seconds"] = round(seconds, 3)
        run["out"] = args.out
        print(json.dumps(json_ready({"run": run, "history": [dict(r) for r in history]})))
        return 0

    net0 = result.initial
    nh = net0.num_params - net0.num_hidden
    how = f"lr {config.lr:g}"
    if config.batch_size is not None and config.batch_size < n:
        how += f", batch {config.batch_size}"
    if config.momentum:
        how += f", momentum {config.momentum:g}"
    print(
        f"{data.summary()}; widths {','.join(map(str, net0.widths))}: N = {net0.num_params}, "
        f"H = {net0.num_hidden}, N − H = {nh}; {optimizer} ({how}), {loss} loss, {epochs} epochs = "
        f"{result.num_steps} steps, {seconds:.1f} s"
    )
    names = list(tracker.inputs)
    classification = data.task == "classification"

    def acc(v: float | None) -> str:
        return "–" if v is None else f"{v:.3f}"

    header = ["step", "loss", "accuracy", "test accuracy"] + [f"BFD {b}" for b in names]
    if args.float_ranks:
        header += [f"float {b}" for b in names]
    header += ["patterns (train)", "dead neurons"]
    with_cffd = any(r.get("cffd") is not None for r in history)
    with_directions = any(r.get("directions") is not None for r in history)
    if with_cffd:
        header.append("CFFD")
    if with_directions:
        header.append("directions")
    rows = []
    for r in history:
        row: list[object] = [r["step"], f"{r['loss']:.4g}", acc(r["accuracy"]), acc(r["test_accuracy"])]
        row += [_bfd_cell(r, b) for b in names]
        if args.float_ranks:
            row += ["–" if r.get(f"bfd_{b}_float") is None else r[f"bfd_{b}_float"] for b in names]
        row += [
            "–" if r.get("num_patterns_train") is None else r["num_patterns_train"],
            "–" if r.get("dead_neurons") is None else r["dead_neurons"],
        ]
        if with_cffd:
            row.append("–" if r.get("cffd") is None else r["cffd"])
        if with_directions:
            row.append(r["directions"])
        rows.append(row)
    print(_table(header, rows))
    if any(r.get(f"certified_{b}") is False and r.get(f"bfd_{b}") is not None for r in history for b in names):
        print(
            f"* not certified within --certify-timeout {args.certify_timeout:g} s: the modular rank, a proven "
            f"lower bound of the BFD"
        )
    notes = [(r["step"], r["notes"]) for r in history if r.get("notes")]
    for step, text in notes[:5]:
        print(f"note at step {step}: {text}")
    if len(notes) > 5:
        print(f"… notes at {len(notes) - 5} more checkpoints (history.json has them all)")
    first, last = history[0], history[-1]
    parts = [f"{b} {_bfd_cell(first, b)} → {_bfd_cell(last, b)}" for b in names]
    print(f"BFD from step {first['step']} to step {last['step']}: {'; '.join(parts)} (N − H = {nh})")
    if classification:
        print(f"final accuracy {acc(last['accuracy'])} (test {acc(last['test_accuracy'])}), loss {last['loss']:.4g}")
    else:
        test = last.get("test_loss")
        test_text = "" if test is None or test != test else f" (test {test:.4g})"
        print(f"final loss {last['loss']:.4g}{test_text}")
    if args.out is not None:
        print(f"wrote {args.out} (history.json, checkpoints/, inputs/, curves.png)")
    return 0


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
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(_glue_negative_box(sys.argv[1:] if argv is None else list(argv)))
    try:
        if args.command == "demo":
            from .demo import run_demo

            return run_demo(sys.stdout)
        if args.command == "check":
            return _check(args)
        if args.command == "search":
            return _search(args)
        if args.command == "regions":
            return _regions(args)
        if args.command == "cffd":
            return _cffd(args)
        if args.command == "measures":
            return _measures(args)
        if args.command == "train":
            return _train(args, argv=sys.argv[1:] if argv is None else list(argv))
        return _dim(args)
    except RelugeomError as err:
        print(f"relugeom: error: {err}", file=sys.stderr)
        return 2


def main_entry() -> None:  # pragma: no cover - console script
    sys.exit(main())
