"""``relugeom recheck DIR``: recompute every BFD a ``relugeom train --out DIR`` run recorded, from its files alone.

For each measured checkpoint and each batch it recorded (``"tracked"`` in ``run.json``), the exact BFD
(and the distinct patterns, and the dead neurons on the training batch) is recomputed from
``checkpoints/step-<s>.json`` and ``inputs/<batch>.csv`` by
:func:`relugeom.training.run_directory.recheck_run`, and compared with ``history.json``: a table of
recorded against recomputed values and a summary line, or with ``--json`` one JSON object.

Exit code: 0 when every recorded value re-checks; 1 when one is contradicted (a violation: the table and
the summary say which); 3 when nothing is contradicted but some recomputation ran out of
``--certify-timeout``; 2 for a directory that is not a run directory (the line names the missing file) or
a ``--steps`` without a checkpoint. A non-zero exit prints one line on stderr (:func:`stderr_line`).

Examples
--------
>>> import argparse
>>> parser = argparse.ArgumentParser(prog="relugeom")
>>> register(parser.add_subparsers())
>>> args = parser.parse_args(["recheck", "run", "--steps", "0,20", "--json"])
>>> args.func is run, args.directory, args.steps, args.certify_timeout, args.json
(True, 'run', '0,20', 60.0, True)
>>> exit_code([{"agree": True}, {"agree": None}]), exit_code([{"agree": False}, {"agree": None}])
(3, 1)
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Sequence

from ..exceptions import RelugeomError
from .format import table
from .options import Subparsers, add_certify_timeout, add_json, parse_ints

__all__ = ["register", "run", "exit_code", "result_cell", "summary", "stderr_line"]


def register(subparsers: Subparsers) -> None:
    """Add ``recheck`` to the sub-commands."""
    p = subparsers.add_parser(
        "recheck",
        help="recompute every BFD recorded by 'relugeom train --out DIR' from the run's files and compare",
        description="Recompute, exactly and from the files alone (checkpoints/, inputs/), every BFD, pattern "
        "count and dead-neuron count that history.json records, and say whether each agrees. Exit code 0: "
        "everything re-checks; 1: a recorded value is contradicted; 3: some recomputation timed out; "
        "2: DIR is not a run directory.",
    )
    p.add_argument("directory", metavar="DIR", help="a run directory written by 'relugeom train --out DIR'")
    p.add_argument(
        "--steps", metavar="s1,s2,…", help="re-check only the checkpoints at these steps (default: every one)"
    )
    add_certify_timeout(p, "time budget per certified rank (default 60); a recomputation beyond it is not judged")
    add_json(p, "print one JSON object {directory, run, checks, summary}")
    p.set_defaults(func=run)


def exit_code(checks: Sequence[dict[str, Any]]) -> int:
    """1 if a check is contradicted (``agree`` False), else 3 if one timed out (``agree`` None), else 0."""
    if any(c["agree"] is False for c in checks):
        return 1
    return 3 if any(c["agree"] is None for c in checks) else 0


def stderr_line(checks: Sequence[dict[str, Any]], certify_timeout: float) -> str | None:
    """The one stderr line of exit code 1 (the first contradiction) or 3 (the time-outs); None for 0.

    >>> stderr_line([{"step": 5, "batch": "test", "agree": False, "reason": "BFD 5 recorded, 4 recomputed"}], 60)
    'relugeom: violation: at step 5 on test, BFD 5 recorded, 4 recomputed (1 of 1 recorded values contradicted)'
    """
    bad = [c for c in checks if c["agree"] is False]
    if bad:
        first = bad[0]
        return (
            f"relugeom: violation: at step {first['step']} on {first['batch']}, {first['reason']} "
            f"({len(bad)} of {len(checks)} recorded values contradicted)"
        )
    late = [c for c in checks if c["agree"] is None]
    if late:
        return (
            f"relugeom: limit: {len(late)} of {len(checks)} recomputations ran out of --certify-timeout "
            f"{certify_timeout:g} s and were not judged; raise it"
        )
    return None


def result_cell(check: dict[str, Any]) -> str:
    """The last column of the table: ``agrees``, ``CONTRADICTED: <reason>`` or ``timed out``.

    >>> result_cell({"agree": False, "reason": "BFD 13 recorded, 12 recomputed"})
    'CONTRADICTED: BFD 13 recorded, 12 recomputed'
    """
    if check["agree"] is None:
        return "timed out (not judged)"
    if check["agree"]:
        return "agrees" if check["recomputed"] is not None else "agrees (degenerate batch, recorded null)"
    return f"CONTRADICTED: {check['reason']}"


def _value(v: Any, certified: bool | None = True) -> str:
    if v is None:
        return "–"
    return f"{v}*" if certified is False else str(v)


def _run_line(directory: str, info: dict[str, Any]) -> str:
    widths = info.get("widths") or []
    data = (info.get("data") or {}).get("name", "?")
    config = info.get("config") or {}
    at_zero = (info.get("tracker") or {}).get("at_zero")
    text = (
        f"run {directory}: {data}, widths {','.join(map(str, widths))} (N = {info.get('num_params')}, "
        f"H = {info.get('num_hidden')}, N − H = {info.get('n_minus_h')}), {config.get('optimizer', '?')}, "
        f"{info.get('num_steps')} steps; tracked: {', '.join(info.get('tracked') or []) or 'nothing'}"
    )
    return text + (f"; at zero: {at_zero}" if at_zero else "")


def summary(checks: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Counts of the checks: ``checked``, ``agree``, ``contradicted``, ``timed_out``, ``checkpoints``."""
    return {
        "checked": len(checks),
        "agree": sum(c["agree"] is True for c in checks),
        "contradicted": sum(c["agree"] is False for c in checks),
        "timed_out": sum(c["agree"] is None for c in checks),
        "checkpoints": len({c["step"] for c in checks}),
    }


def run(args: argparse.Namespace) -> int:
    """Re-check the run directory; print the table (or one JSON object); the exit code of :func:`exit_code`."""
    from ..training.run_directory import read_run_info, recheck_run

    if not args.certify_timeout > 0:
        raise RelugeomError(f"--certify-timeout must be a positive number of seconds, got {args.certify_timeout}")
    steps = None if args.steps is None else parse_ints("--steps", args.steps, "0,20", minimum=0)
    info = read_run_info(args.directory)
    checks = recheck_run(args.directory, steps=steps, certify_timeout=args.certify_timeout)
    counts = summary(checks)
    code = exit_code(checks)
    line = stderr_line(checks, args.certify_timeout)
    if line is not None:
        print(line, file=sys.stderr)
    if args.json:
        run_block = {k: info.get(k) for k in ("command", "widths", "num_params", "num_hidden", "n_minus_h", "tracked")}
        run_block["data"] = (info.get("data") or {}).get("name")
        doc = {
            "directory": args.directory,
            "run": run_block,
            "checks": checks,
            "summary": {**counts, "ok": code == 0},
        }
        print(json.dumps(doc))
        return code
    print(_run_line(args.directory, info))
    if not checks:
        print("nothing to re-check: history.json has no measured checkpoint")
        return code
    rows = [
        (c["step"], c["batch"], _value(c["recorded"], c["certified"]), _value(c["recomputed"]), result_cell(c))
        for c in checks
    ]
    print(table(["step", "batch", "BFD recorded", "BFD recomputed", "result"], rows))
    if any(c["certified"] is False for c in checks):
        print("* recorded uncertified: a modular lower bound, which must not exceed the recomputed rank")
    batches = list(dict.fromkeys(c["batch"] for c in checks))
    parts = [f"{counts['agree']} agree"]
    if counts["contradicted"]:
        parts.append(f"{counts['contradicted']} contradicted (a violation)")
    if counts["timed_out"]:
        parts.append(f"{counts['timed_out']} timed out (raise --certify-timeout)")
    print(
        f"re-checked {counts['checked']} recorded BFDs at {counts['checkpoints']} checkpoints on "
        f"{', '.join(batches)}, exactly from checkpoints/ and inputs/: {', '.join(parts)}"
    )
    return code
