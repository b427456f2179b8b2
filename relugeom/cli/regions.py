"""``relugeom regions NET.json``: the exact activation regions of R^{n0} or of a box (SPEC §6).

Counts, a table of patterns, interior points, volumes and facets; on request the region graph
(``--graph``), the regions a batch perceives (``--inputs``) and a picture (``--plot``, n0 = 1 or 2).

Examples
--------
>>> import tempfile
>>> from relugeom.cli import main
>>> from relugeom.cli.demo import write_example_files
>>> tmp = tempfile.TemporaryDirectory()
>>> lines, _ = write_example_files(tmp.name, [([[1, 0], [0, 1], [1, 1]], [0, 0, -1]), ([[1, 1, 1]], [0])])
>>> main(["regions", str(lines), "--box", "-2:2", "--graph"])  # doctest: +ELLIPSIS
network widths (2, 3, 1): N = 13, H = 3
domain: [-2, 2] × [-2, 2]
regions: 7 (total area 16)
...
region graph: 7 nodes, 9 edges (regions sharing a facet)
0
>>> tmp.cleanup()
"""

from __future__ import annotations

import argparse
import json
from fractions import Fraction
from typing import Any

from ..dimension.bfd import dimension_report
from ..exceptions import RelugeomError
from ..io import load_inputs, load_network
from ..numbers import to_fraction
from .format import network_line, short, table
from .options import Subparsers, add_at_zero, add_inputs, add_json, add_max_regions, add_network, add_output

__all__ = ["BOX_HELP", "parse_box_spec", "register", "run"]


def register(subparsers: Subparsers) -> None:
    """Add ``regions`` to the sub-commands."""
    p = subparsers.add_parser("regions", help="exact activation regions of R^n0 or of a box (SPEC §6)")
    add_network(p)
    p.add_argument(
        "--box",
        metavar="SPEC",
        help="enumerate inside a box: LOW:HIGH for every coordinate, or LOW:HIGH,LOW:HIGH,… "
        "one per coordinate, exact numbers (-1/2:3). Write --box=-2:2 (with '=') "
        "when LOW is negative. Default: all of R^n0",
    )
    add_inputs(
        p,
        "also report the regions this batch perceives, its exact BFD and the per-pattern bound",
        metavar="X.csv",
    )
    p.add_argument(
        "--graph", action="store_true", help="also build the region graph (regions sharing a facet); drawn by --plot"
    )
    add_output(p, "--plot", "OUT.png", "draw the regions (n0 = 2, needs --box) or the graph of F (n0 = 1) to a PNG")
    add_json(p)
    add_at_zero(
        p,
        "one-sided convention where a neuron is identically zero on an open set "
        "(default: such cells are degenerate and reported)",
    )
    add_max_regions(p)
    p.set_defaults(func=run)


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


def run(args: argparse.Namespace) -> int:
    """The regions of ``args.network`` (in ``--box``), with the graph, a batch's view and a picture on request."""
    from ..regions import region_decomposition, region_graph, regions_perceived

    net = load_network(args.network, bias_free=args.bias_free)
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

    print(network_line(net))
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
        vol = "∞" if r.bounded is False else ("-" if r.volume is None else short(r.volume))
        row: list[object] = [
            r.index,
            r.pattern_string,
            "(" + ", ".join(short(v) for v in r.interior_point) + ")",
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
        print(table(header, rows))
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
