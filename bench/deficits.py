#!/usr/bin/env python
"""The CFFD deficits of issue 4's He-initialised nets, explained (issue 17).

Run from the repository root::

    python bench/deficits.py                      # 2-8-8-1, 2-16-16-1, 3-10-10-1
    python bench/deficits.py --cases 2-8-8-1 --seed 1

Every case is ``Network.random_he(widths, seed)`` (seed 0 by default: issue 4 reported CFFD deficits 14, 49
and 8 for these). For each, ``explain_deficit(net)`` splits the deficit (N − H) − CFFD among the named
mechanisms on all of R^n0 (the CFFD batch of its regions). The table gives the deficit, the dimension each
mechanism accounts for (summed over its instances, with the number of instances), what remains
unexplained, and the wall time of the whole explanation (regions, certified rank, every exact kernel).
Below the table, each instance with what it rests on. Nothing is asserted about times.
"""

from __future__ import annotations

import argparse
import platform
import time

import relugeom as rg
from relugeom.identifiability.deficit import MECHANISMS, explain_deficit

DEFAULT_CASES = ("2-8-8-1", "2-16-16-1", "3-10-10-1")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--cases", default=",".join(DEFAULT_CASES), help="widths like 2-8-8-1, comma-separated")
    parser.add_argument("--seed", type=int, default=0, help="the He initialisation's seed (default 0)")
    args = parser.parse_args(argv)
    print(f"python {platform.python_version()}, {platform.machine()}; Network.random_he(widths, seed={args.seed})")
    header = ["case", "regions", "N − H", "CFFD", "deficit"] + list(MECHANISMS) + ["unexplained", "seconds"]
    rows = []
    notes = []
    for case in args.cases.split(","):
        widths = tuple(int(w) for w in case.split("-"))
        net = rg.Network.random_he(widths, seed=args.seed)
        start = time.perf_counter()
        ex = explain_deficit(net)
        seconds = time.perf_counter() - start
        dims = {name: [0, 0] for name in MECHANISMS}
        for m in ex.mechanisms:
            dims[m.name][0] += m.dimension
            dims[m.name][1] += 1
            where = m.where()
            notes.append(f"{case}: {m.name} {where}: {m.dimension}" + (f" ({m.data})" if m.data else ""))
        cells = [f"{d} ({k})" if d else "0" for d, k in dims.values()]
        rows.append(
            [case, str(ex.num_regions), str(ex.num_params - ex.num_hidden), str(ex.rank), str(ex.deficit)]
            + cells
            + [str(ex.unexplained_dimension), f"{seconds:.2f}"]
        )
        assert ex.explained + ex.unexplained_dimension == ex.deficit
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    for r in [header, ["-" * w for w in widths]] + rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    print("mechanism (instances) per cell; the instances:")
    for line in notes:
        print("  " + line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
