#!/usr/bin/env python
"""Benchmark of exact region enumeration against a plain float-LP enumeration, in the same run.

Run from the repository root::

    python bench/regions.py                  # 2-16-16-1, 2-32-32-1, 3-10-10-1, 4-8-8-8-1 in [-1, 1]^n0
    python bench/regions.py --quick          # the two smallest cases
    python bench/regions.py --cases 2-32-32-1 --box 2

Every case is ``Network.random_he(widths, seed=0)`` (He-initialised float64 weights, used by their exact
binary values) in the box [-b, b]^{n0}. For each case, in one process:

* **exact**: ``region_decomposition(net, box)`` on its default route: exact polygon clipping for
  n0 = 2, exact strict-feasibility tests (float LP guide, exact verification or certificate) otherwise;
  facets reduced to irredundant ones, interior points exact;
* **exact-lp** (n0 = 2 only): the same with ``geometry="polyhedron"``: the general LP route, to show
  what polygon clipping saves;
* **+ irredundant facets**: the exact enumeration plus every region's irredundant facets (computed
  lazily on first use of ``Region.inequalities``: the float baseline does not reduce its facets, so
  the first exact row is the like-for-like comparison);
* **float**: ``region_decomposition(net, box, method="float")``: the same layer-by-layer refinement with
  float64 affine maps, sign tests with tolerance 1e-9 and one float Chebyshev LP per undecided cut (the
  plain float-LP enumeration; no facet reduction, no exact work).

It prints regions found, seconds, regions per second, the ratio exact / float, and whether the exact
enumeration found every region the float one found (and how many the float one missed). All LPs go
through the same HiGHS binding (``relugeom.regions.lp``). Nothing is asserted about times.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from table import format_table  # noqa: E402  (bench/table.py)

import relugeom  # noqa: E402
from relugeom.regions import compare_enumerations, region_decomposition  # noqa: E402
from relugeom.regions.lp import BACKEND  # noqa: E402

CASES = ("2-16-16-1", "2-32-32-1", "3-10-10-1", "4-8-8-8-1")


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def run_case(name: str, half_width: float) -> list[dict]:
    widths = tuple(int(v) for v in name.split("-"))
    net = relugeom.Network.random_he(widths, seed=0)
    box = [(-half_width, half_width)] * widths[0]
    rows = []
    exact, t_exact = timed(lambda: region_decomposition(net, box))
    flt, t_float = timed(lambda: region_decomposition(net, box, method="float"))
    cmp = compare_enumerations(exact, flt)
    rows.append(
        {
            "case": name,
            "route": f"exact ({exact.geometry})",
            "regions": len(exact),
            "seconds": t_exact,
            "stats": dict(exact.stats),
        }
    )
    nfacets, t_facets = timed(lambda: sum(len(r.inequalities) for r in exact))  # lazy: exact LPs here
    rows.append(
        {
            "case": name,
            "route": "  + irredundant facets",
            "regions": len(exact),
            "seconds": t_exact + t_facets,
            "stats": {},
            "facets": nfacets,
        }
    )
    if widths[0] == 2:
        lp, t_lp = timed(lambda: region_decomposition(net, box, geometry="polyhedron"))
        same = {r.pattern for r in lp} == {r.pattern for r in exact}
        rows.append(
            {
                "case": name,
                "route": "exact-lp (PolyhedronCell)",
                "regions": len(lp),
                "seconds": t_lp,
                "stats": dict(lp.stats),
                "same_as_exact": same,
            }
        )
    rows.append(
        {
            "case": name,
            "route": "float-LP",
            "regions": len(flt),
            "seconds": t_float,
            "missed_by_float": len(cmp["missed_by_other"]),
            "extra_in_float": len(cmp["extra_in_other"]),
        }
    )
    for r in rows:
        r["per_second"] = r["regions"] / r["seconds"] if r["seconds"] else float("inf")
        r["vs_float"] = r["seconds"] / t_float
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--cases", nargs="*", default=list(CASES))
    ap.add_argument("--quick", action="store_true", help="only the two smallest cases")
    ap.add_argument("--box", type=float, default=1.0, help="half-width b of the box [-b, b]^n0 (default 1)")
    args = ap.parse_args(argv)
    cases = list(CASES[:2]) if args.quick else args.cases
    print(
        f"relugeom {relugeom.__version__}, Python {platform.python_version()}, {platform.machine()}, "
        f"LP backend {BACKEND}; box [-{args.box:g}, {args.box:g}]^n0; He init, seed 0"
    )
    header = ("case", "route", "regions", "seconds", "regions/s", "time / float", "check")
    table = []
    for name in cases:
        print(f"... {name}", file=sys.stderr, flush=True)
        for r in run_case(name, args.box):
            check = ""
            if "missed_by_float" in r:
                check = (
                    "float found the same regions"
                    if not (r["missed_by_float"] or r["extra_in_float"])
                    else f"float missed {r['missed_by_float']}, extra {r['extra_in_float']}"
                )
            elif "facets" in r:
                check = f"{r['facets']} facets (with their neurons), decided exactly"
            elif "same_as_exact" in r:
                check = "same regions as polygon route" if r["same_as_exact"] else "DIFFERS from polygon route"
            elif r["stats"]:
                check = "LP decisions " + ", ".join(f"{k} {v}" for k, v in sorted(r["stats"].items()))
            table.append(
                (
                    r["case"],
                    r["route"],
                    str(r["regions"]),
                    f"{r['seconds']:.2f}",
                    f"{r['per_second']:.0f}",
                    f"{r['vs_float']:.2f}x",
                    check,
                )
            )
    print(format_table(header, table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
