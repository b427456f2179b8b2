#!/usr/bin/env python
"""Benchmark of relugeom's rank engines on the Jacobian of small He-initialised ReLU networks.

Run from the repository root::

    python bench/rank.py                     # all four cases (the largest takes minutes)
    python bench/rank.py --quick             # the two smallest cases only (seconds)
    python bench/rank.py --cases 2-8-8-1 8-32-32-4 --sympy-timeout 30

For every case (a ``Network.random_he`` float64 network and Gaussian inputs, fixed seeds) it measures,
in the same process and run:

* the float pipeline: J in float64 (``float_jacobian``) and its rank by SVD (``float_rank``), with
  ``numpy.linalg.matrix_rank`` on the same matrix as the baseline;
* the exact Jacobian: ``ExactJacobian(net, X)`` (exact integer forward pass + patterns) and ``J.mod(p)``
  for one prime, plus (details only) ``rank(J mod p)`` and the structural hints, to see what dominates;
* the engines ``rank(JacobianSource(jac), "modular")`` and ``rank(..., "exact")`` (certified);
* ``sympy.Matrix(J).rank()`` in a forked process, killed at ``--sympy-timeout``, where J is small enough;
* end-to-end ``dimension_report(net, X, method)`` for float, modular and exact.

All timings use ``time.perf_counter``; BLAS is forced single-threaded (set below, before numpy is
imported) so that float and FLINT timings are comparable. Nothing is asserted about times: the script
reports. Every rank must equal the certified exact rank; any disagreement is flagged loudly. A failing
step or case is reported in its table row and the benchmark goes on.
"""

from __future__ import annotations

import os

# Single-threaded BLAS for comparability: must happen before numpy is imported (also by relugeom).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import multiprocessing  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Callable  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

import numpy as np  # noqa: E402

import relugeom  # noqa: E402
from relugeom.core.network import Network  # noqa: E402
from relugeom.dimension.bfd import dimension_report  # noqa: E402
from relugeom.dimension.jacobian import ExactJacobian, float_jacobian  # noqa: E402
from relugeom.dimension.kernels import JacobianSource  # noqa: E402
from relugeom.exceptions import CertificationTimeout  # noqa: E402
from relugeom.linalg import rank  # noqa: E402
from relugeom.linalg.floating import float_rank  # noqa: E402
from relugeom.linalg.modular import random_prime, rank_mod_p  # noqa: E402

# name -> (widths, number of samples); ordered from small to large
CASES: dict[str, tuple[tuple[int, ...], int]] = {
    "2-8-8-1": ((2, 8, 8, 1), 50),
    "4-16-16-2": ((4, 16, 16, 2), 200),
    "8-32-32-4": ((8, 32, 32, 4), 500),
    "16-64-64-10": ((16, 64, 64, 10), 1000),
}
NET_SEED = 0  # Network.random_he(widths, seed=NET_SEED)
DATA_SEED = 1  # X = default_rng(DATA_SEED).standard_normal((n, n0))
PRIME_SEED = 0  # the prime of the J mod p build, and the seed of the engines' primes
REPEAT_BELOW = 0.2  # a step faster than this (seconds) is re-run, and the best time kept ...
MAX_RUNS = 5  # ... up to this many runs in all


def log(msg: str) -> None:
    """Progress on stderr (the table goes to stdout)."""
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------- records
@dataclass
class Record:
    name: str
    widths: tuple[int, ...]
    n: int
    shape: tuple[int, int] | None = None
    t: dict[str, float] = field(default_factory=dict)  # step -> seconds
    r: dict[str, int] = field(default_factory=dict)  # engine -> rank
    errors: dict[str, str] = field(default_factory=dict)  # step -> message
    notes: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    cert_short: str | None = None
    sympy_status: str | None = None  # "ok", "timeout", "skipped", "error"
    reference: int | None = None  # the certified exact rank
    disagreements: list[str] = field(default_factory=list)


def timed(rec: Record, step: str, fn: Callable[[], Any]) -> Any:
    """Run ``fn``, store its wall time under ``step``; on error store the message and return None."""
    log(f"[{rec.name}] {step} ...")
    start = time.perf_counter()
    try:
        out = fn()
    except CertificationTimeout:
        rec.t[step] = time.perf_counter() - start
        raise
    except Exception as err:  # noqa: BLE001 - a benchmark reports and goes on
        rec.t.pop(step, None)
        rec.errors[step] = f"{type(err).__name__}: {err}"
        log(f"[{rec.name}] {step} FAILED after {time.perf_counter() - start:.3g} s:\n" + traceback.format_exc())
        return None
    best = time.perf_counter() - start
    runs = 1
    while best < REPEAT_BELOW and runs < MAX_RUNS:  # fast steps: best of a few runs, to tame noise
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
        runs += 1
    rec.t[step] = best
    log(f"[{rec.name}] {step} {best:.3g} s" + (f" (best of {runs})" if runs > 1 else ""))
    return out


# --------------------------------------------------------------------------------------------- sympy
def _sympy_child(conn, rows) -> None:  # pragma: no cover - runs in a forked process
    try:
        import sympy

        entries = [[sympy.Rational(v.numerator, v.denominator) for v in row] for row in rows]
        conn.send(("started", None, 0.0))  # the parent's clock for the timeout starts here
        start = time.perf_counter()
        r = sympy.Matrix(entries).rank()
        conn.send(("ok", int(r), time.perf_counter() - start))
    except BaseException as err:  # noqa: BLE001
        conn.send(("error", f"{type(err).__name__}: {err}", 0.0))
    finally:
        conn.close()


def sympy_rank(rows: list[list[Any]], timeout: float) -> tuple[str, Any, float]:
    """``sympy.Matrix(J).rank()`` in a forked process: ("ok", rank, seconds) / ("timeout", None, timeout).

    The child first converts the Fractions to sympy Rationals (off the clock), then reports "started";
    the timeout runs from there, and ``seconds`` is the child's own perf_counter time of the rank.
    """
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_sympy_child, args=(child, rows), daemon=True)
    proc.start()
    child.close()
    try:
        if not parent.poll(max(60.0, timeout)):  # conversion to Rationals: generous, off the clock
            return "error", "sympy process did not start in time", 0.0
        status, payload, seconds = parent.recv()
        if status != "started":
            return status, payload, seconds
        if parent.poll(timeout):
            status, payload, seconds = parent.recv()
            if status == "ok" and seconds > timeout:
                return "timeout", None, timeout
            return status, payload, seconds
        return "timeout", None, timeout
    except EOFError:
        return "error", f"sympy process died (exit code {proc.exitcode})", 0.0
    finally:
        if proc.is_alive():
            proc.terminate()
        proc.join()
        parent.close()


# --------------------------------------------------------------------------------------------- one case
def run_case(name: str, args: argparse.Namespace) -> Record:
    widths, n = CASES[name]
    rec = Record(name, widths, n)
    try:
        net = Network.random_he(widths, seed=NET_SEED)
        X = np.random.default_rng(DATA_SEED).standard_normal((n, widths[0]))
    except Exception as err:  # noqa: BLE001
        rec.errors["setup"] = f"{type(err).__name__}: {err}"
        return rec
    rec.shape = (n * widths[-1], net.num_params)
    m, N = rec.shape
    log(f"[{name}] J is {m} x {N}")

    # ---- float pipeline
    Jf = timed(rec, "float_J", lambda: float_jacobian(net, X))
    if Jf is not None:
        fr = timed(rec, "float_svd", lambda: float_rank(Jf))
        if fr is not None:
            rec.r["float"] = fr.rank
            rec.details.append(
                f"float: SVD rank {fr.rank}, tol {fr.tolerance:.3g}, "
                f"singular-value gap sigma_r/sigma_r+1 = {fr.gap:.3g}"
            )
        npr = timed(rec, "np_matrix_rank", lambda: np.linalg.matrix_rank(Jf))
        if npr is not None:
            rec.r["numpy"] = int(npr)
    Jf = None  # free J before the exact pipeline

    # ---- exact Jacobian
    jac = timed(rec, "exact_pass", lambda: ExactJacobian(net, X))
    if jac is not None:
        p = random_prime(np.random.default_rng(PRIME_SEED))
        Jp = timed(rec, "J_mod_p", lambda: jac.mod(p))
        if Jp is not None:
            rp = timed(rec, "rank_mod_p", lambda: rank_mod_p(Jp, p))
            if rp is not None:
                rec.r["mod p"] = rp
        del Jp
        src = JacobianSource(jac)
        rh = timed(rec, "right_hints", src.right_hints)
        lh = timed(rec, "left_hints", src.left_hints)
        if rh is not None and lh is not None:
            rec.details.append(
                f"hints: {len(rh[1])} right ({rh[0]}), {len(lh[1])} left ({lh[0]}); "
                f"needed for a certificate: {N} - r right or {m} - r left"
            )

        # ---- engines (fresh sources, so that nothing is cached between them)
        res = timed(rec, "modular", lambda: rank(JacobianSource(jac), "modular", seed=PRIME_SEED))
        if res is not None:
            rec.r["modular"] = res.rank
            rec.details.append(
                f"modular: rank {res.rank} with {len(res.primes)} prime(s), "
                f"failure-probability bound {res.error_bound:.3g}"
            )
        try:
            res = timed(
                rec,
                "exact",
                lambda: rank(JacobianSource(jac), "exact", seed=PRIME_SEED, certify_timeout=args.certify_timeout),
            )
        except CertificationTimeout as err:
            res = None
            rec.cert_short = "none"
            rec.notes.append(
                f"exact: no certificate in budget ({err.lower_bound} <= r <= "
                f"{err.upper_bound}, modular {err.modular_rank})"
            )
            rec.details.append(
                f"exact: no certificate in the {err.budget:g} s budget: certified "
                f"{err.lower_bound} <= rank <= {err.upper_bound}, modular rank "
                f"{err.modular_rank}"
            )
        if res is not None:
            cert = res.certificate
            rec.r["exact"] = res.rank
            rec.reference = res.rank
            rec.cert_short = f"{cert.side} {len(cert.kernel)}" if cert.side != "full" else "full"
            rec.details.append(
                f"exact certificate: side={cert.side}, kind={cert.kind!r}, "
                f"{len(cert.kernel)} kernel vectors, prime {cert.prime}"
            )

        # ---- sympy
        entries = m * N
        if entries > args.sympy_max_entries:
            rec.sympy_status = "skipped"
            rec.details.append(f"sympy: skipped ({entries} entries > {args.sympy_max_entries})")
        else:
            log(f"[{name}] sympy (timeout {args.sympy_timeout:g} s) ...")
            try:
                rows = jac.fractions().tolist()
                status, payload, seconds = sympy_rank(rows, args.sympy_timeout)
            except Exception as err:  # noqa: BLE001
                status, payload, seconds = "error", f"{type(err).__name__}: {err}", 0.0
            rec.sympy_status = status
            if status == "ok":
                rec.t["sympy"] = seconds
                rec.r["sympy"] = payload
            elif status == "error":
                rec.errors["sympy"] = str(payload)
            log(f"[{name}] sympy {status} {seconds:.3g} s")
        del src
    jac = None

    # ---- end to end
    for method in ("float", "modular", "exact"):
        try:
            rep = timed(
                rec,
                f"e2e_{method}",
                lambda: dimension_report(net, X, method, seed=PRIME_SEED, certify_timeout=args.certify_timeout),
            )
        except CertificationTimeout as err:
            rec.notes.append(f"e2e exact: no certificate in budget ({err.lower_bound} <= r <= {err.upper_bound})")
            rep = None
        if rep is not None:
            rec.r[f"e2e {method}"] = rep.bfd
            if method == "exact" and rec.reference is None:
                rec.reference = rep.bfd
            if method == "exact":
                rec.details.append(
                    f"bounds: n*n_L = {rep.bound_rows}, N - H = {rep.bound_params}, "
                    f"per-pattern = {rep.bound_patterns}, {rep.num_patterns} patterns, "
                    f"{len(rep.dead_neurons)} dead neurons; BFD = {rep.bfd}"
                )

    # ---- agreement
    ref = rec.reference
    if ref is None:
        rec.notes.append("NO CERTIFIED EXACT RANK: agreement checked against the modular rank only")
        ref = rec.r.get("modular", rec.r.get("e2e modular"))
    if ref is not None:
        for engine, value in rec.r.items():
            if value != ref:
                rec.disagreements.append(f"{engine} = {value}")
    return rec


# --------------------------------------------------------------------------------------------- output
def fmt_t(t: float | None) -> str:
    if t is None:
        return "-"
    if t >= 100:
        return f"{t:.0f}"
    if t >= 0.01:
        return f"{t:.3g}" if t < 10 else f"{t:.1f}"
    return f"{t:.1e}"


def fmt_ratio(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:.2g}" if x < 10 else f"{x:.0f}"


def build_row(rec: Record, args: argparse.Namespace) -> list[str]:
    t, r = rec.t, rec.r

    def tcell(step: str) -> str:
        return "ERR" if step in rec.errors else fmt_t(t.get(step))

    steps = {
        "float": ("float_J", "float_svd"),
        "numpy": ("float_J", "np_matrix_rank"),
        "modular": ("exact_pass", "modular"),
        "exact": ("exact_pass", "exact"),
        "sympy": ("exact_pass", "sympy"),
        "e2e float": ("e2e_float",),
        "e2e modular": ("e2e_modular",),
        "e2e exact": ("e2e_exact",),
    }

    def rcell(engine: str) -> str:
        if engine not in r:
            return "ERR" if any(s in rec.errors for s in steps[engine]) else "-"
        bad = rec.reference is not None and r[engine] != rec.reference
        return f"{r[engine]} !!" if bad else str(r[engine])

    exact_cell = tcell("exact")
    if rec.cert_short == "none":
        exact_cell = f">{fmt_t(t.get('exact'))} nocert"
    if rec.sympy_status == "skipped":
        sympy_t = "skipped"
    elif rec.sympy_status == "timeout":
        sympy_t = f"> {args.sympy_timeout:g} s"
    elif rec.sympy_status == "error":
        sympy_t = "ERR"
    else:
        sympy_t = fmt_t(t.get("sympy"))
    fl, mo, ex = t.get("e2e_float"), t.get("e2e_modular"), t.get("e2e_exact")
    target = max(10 * fl, 1.0) if fl is not None else None
    met = "-" if target is None or ex is None else ("yes" if ex <= target else "NO")
    sym_ex = fmt_ratio((t["sympy"] / t["exact"]) if "sympy" in t and t.get("exact") else None)
    if rec.sympy_status == "timeout" and t.get("exact") and rec.cert_short != "none":
        sym_ex = "> " + fmt_ratio(args.sympy_timeout / t["exact"])
    notes = list(rec.notes)
    if rec.disagreements:
        notes.insert(0, "RANK DISAGREEMENT: " + ", ".join(rec.disagreements))
    notes += [f"ERR {step}: {msg[:80]}" for step, msg in rec.errors.items()]
    return [
        rec.name,
        f"{rec.shape[0]}x{rec.shape[1]}" if rec.shape else "?",
        tcell("float_J"),
        tcell("float_svd"),
        tcell("np_matrix_rank"),
        tcell("exact_pass"),
        tcell("J_mod_p"),
        tcell("modular"),
        exact_cell,
        sympy_t,
        tcell("e2e_float"),
        tcell("e2e_modular"),
        tcell("e2e_exact"),
        rcell("float"),
        rcell("numpy"),
        rcell("modular"),
        rcell("exact"),
        rcell("sympy"),
        rcell("e2e float"),
        rcell("e2e modular"),
        rcell("e2e exact"),
        fmt_ratio(mo / fl if mo is not None and fl else None),
        fmt_ratio(ex / fl if ex is not None and fl else None),
        fmt_t(target),
        met,
        sym_ex,
        rec.cert_short or "-",
        "; ".join(notes) if notes else "",
    ]


# (group, column name, right-aligned?)
COLUMNS = [
    ("", "case", False),
    ("", "J shape", False),
    ("float (s)", "J", True),
    ("float (s)", "SVD", True),
    ("float (s)", "np.mr", True),
    ("exact J (s)", "pass", True),
    ("exact J (s)", "J%p", True),
    ("engine (s)", "modular", True),
    ("engine (s)", "exact", True),
    ("engine (s)", "sympy", True),
    ("end-to-end (s)", "float", True),
    ("end-to-end (s)", "modular", True),
    ("end-to-end (s)", "exact", True),
    ("rank", "SVD", True),
    ("rank", "np.mr", True),
    ("rank", "modular", True),
    ("rank", "exact", True),
    ("rank", "sympy", True),
    ("e2e rank", "float", True),
    ("e2e rank", "mod", True),
    ("e2e rank", "exact", True),
    ("ratio", "mod/fl", True),
    ("ratio", "ex/fl", True),
    ("exact target", "max(10fl,1)", True),
    ("exact target", "met", True),
    ("", "sympy/ex", True),
    ("", "cert", False),
    ("", "notes", False),
]


def render_table(rows: list[list[str]]) -> str:
    names = [c[1] for c in COLUMNS]
    widths = [max([len(names[i])] + [len(row[i]) for row in rows]) for i in range(len(COLUMNS))]
    widths[-1] = max(len(names[-1]), *(len(row[-1]) for row in rows)) if rows else len(names[-1])
    # widen a group's columns if the group title is longer than their span
    i = 0
    spans = []
    while i < len(COLUMNS):
        j = i
        while j + 1 < len(COLUMNS) and COLUMNS[j + 1][0] == COLUMNS[i][0] and COLUMNS[i][0]:
            j += 1
        span = sum(widths[i : j + 1]) + 2 * (j - i)
        if len(COLUMNS[i][0]) > span:
            widths[j] += len(COLUMNS[i][0]) - span
        spans.append((i, j))
        i = j + 1
    sep = "  "

    def line(cells: list[str]) -> str:
        out = []
        for k, (cell, w) in enumerate(zip(cells, widths)):
            out.append(cell.rjust(w) if COLUMNS[k][2] else cell.ljust(w))
        return sep.join(out).rstrip()

    group_cells = []
    for a, b in spans:
        w = sum(widths[a : b + 1]) + len(sep) * (b - a)
        group_cells.append(COLUMNS[a][0].center(w, "-" if COLUMNS[a][0] else " ") if COLUMNS[a][0] else " " * w)
    header1 = sep.join(group_cells).rstrip()
    header2 = line(names)
    rule = "=" * max(len(header1), len(header2), *(len(line(r)) for r in rows))
    return "\n".join([rule, header1, header2, rule] + [line(r) for r in rows] + [rule])


def blas_info() -> list[str]:
    lines = [
        f"BLAS threads: OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')} "
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}"
    ]
    try:
        import threadpoolctl
    except ImportError:
        lines.append("threadpoolctl not installed: runtime BLAS info skipped")
        try:
            cfg = np.show_config(mode="dicts")
            blas = cfg.get("Build Dependencies", {}).get("blas", {})
            lines.append(f"numpy build BLAS: {blas.get('name', '?')} {blas.get('version', '')}".rstrip())
        except Exception:  # noqa: BLE001 - numpy < 2 or unusual builds
            pass
        return lines
    for pool in threadpoolctl.threadpool_info():
        lines.append(
            f"threadpool: {pool.get('internal_api')} {pool.get('version')} "
            f"threads={pool.get('num_threads')} ({pool.get('filepath')})"
        )
    return lines


def header(args: argparse.Namespace, names: list[str]) -> str:
    import flint
    import sympy

    lines = [
        "relugeom rank benchmark (bench/rank.py)",
        f"python {platform.python_version()}, numpy {np.__version__}, python-flint {flint.__version__}, "
        f"sympy {sympy.__version__}, relugeom {relugeom.__version__}",
        f"machine: {platform.machine()} {platform.processor() or ''}, {os.cpu_count()} CPUs, "
        f"{platform.system()} {platform.release()}".replace("  ", " "),
        *blas_info(),
        f"cases: {', '.join(names)}; Network.random_he(widths, seed={NET_SEED}), "
        f"X = default_rng({DATA_SEED}).standard_normal((n, n0)), primes seeded with {PRIME_SEED}",
        f"budgets: certify_timeout {args.certify_timeout:g} s, sympy timeout {args.sympy_timeout:g} s "
        f"(tried up to {args.sympy_max_entries} entries)",
    ]
    return "\n".join(lines)


LEGEND = f"""\
Columns: float J = float_jacobian; SVD = float_rank (numpy SVD, default tolerance); np.mr =
np.linalg.matrix_rank on the same float J (baseline). exact J: pass = ExactJacobian(net, X) (exact
integer forward pass + patterns); J%p = J.mod(p) for one 31-bit prime. engine = relugeom.linalg.rank
on JacobianSource(jac), the exact Jacobian already built (modular: rank mod random prime(s), no
certificate; exact: certified); sympy = sympy.Matrix(J).rank() on the exact rational J, in a forked
process (its own clock, conversion to Rationals excluded). end-to-end = dimension_report(net, X,
method), everything included. Ratios and the target use end-to-end times: target for exact =
max(10 x float, 1 s). sympy/ex = sympy time / exact engine time. cert = side and number of kernel
vectors of the exact certificate ("full" = full rank, nothing to prove). Wall times by
time.perf_counter; a step under {REPEAT_BELOW:g} s is run up to {MAX_RUNS} times and its best time is
shown. "!!" after a rank: it disagrees with the certified exact rank."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sel = parser.add_mutually_exclusive_group()
    sel.add_argument("--quick", action="store_true", help="only the two smallest cases")
    sel.add_argument(
        "--cases", nargs="+", metavar="CASE", help=f"cases to run (comma or space separated), from: {', '.join(CASES)}"
    )
    parser.add_argument(
        "--sympy-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="kill sympy's rank after this many seconds (default 60; 10 with --quick, "
        "so that --quick stays well under a minute)",
    )
    parser.add_argument(
        "--sympy-max-entries",
        type=int,
        default=3_000_000,
        metavar="K",
        help="skip sympy on matrices with more entries (default 3000000)",
    )
    parser.add_argument(
        "--certify-timeout",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="budget of the certified exact engine (default 120)",
    )
    args = parser.parse_args(argv)
    if args.sympy_timeout is None:
        args.sympy_timeout = 10.0 if args.quick else 60.0

    if args.cases:
        names = [c for item in args.cases for c in item.split(",") if c]
        unknown = [c for c in names if c not in CASES]
        if unknown:
            parser.error(f"unknown case(s) {unknown}; choose from {list(CASES)}")
    elif args.quick:
        names = list(CASES)[:2]
    else:
        names = list(CASES)

    print(header(args, names), flush=True)

    # warm up lazily imported code paths (FLINT, LAPACK, the fork of the exact engine) off the clock
    try:
        tiny = Network.random_he((2, 3, 1), seed=0)
        Xt = np.random.default_rng(0).standard_normal((4, 2))
        for method in ("float", "modular", "exact"):
            dimension_report(tiny, Xt, method, seed=0)
        np.linalg.matrix_rank(np.ones((3, 3)))
    except Exception as err:  # noqa: BLE001
        log(f"warm-up failed (ignored): {type(err).__name__}: {err}")

    records = []
    start = time.perf_counter()
    for name in names:
        case_start = time.perf_counter()
        try:
            rec = run_case(name, args)
        except Exception as err:  # noqa: BLE001 - never lose the other cases
            widths, n = CASES[name]
            rec = Record(name, widths, n)
            rec.errors["case"] = f"{type(err).__name__}: {err}"
            log(traceback.format_exc())
        rec.details.append(f"case wall time {time.perf_counter() - case_start:.1f} s")
        records.append(rec)
        log(f"[{name}] done in {time.perf_counter() - case_start:.1f} s")

    rows = []
    for rec in records:
        try:
            rows.append(build_row(rec, args))
        except Exception as err:  # noqa: BLE001
            rows.append([rec.name] + ["?"] * (len(COLUMNS) - 2) + [f"ERR table: {type(err).__name__}: {err}"])

    print()
    print(render_table(rows))
    print(LEGEND)
    print()
    print("Details:")
    for rec in records:
        t = rec.t
        if "exact" in t or "rank_mod_p" in t:
            parts = [f"{k} {fmt_t(t[k])}" for k in ("J_mod_p", "rank_mod_p", "right_hints", "left_hints") if k in t]
            rec.details.insert(0, "exact-side steps measured separately (s): " + ", ".join(parts))
        print(f"  {rec.name} ({'x'.join(map(str, rec.widths))}, n={rec.n}):")
        for d in rec.details:
            print(f"    {d}")
        for step, msg in rec.errors.items():
            print(f"    ERROR in {step}: {msg}")

    bad = [rec for rec in records if rec.disagreements]
    if bad:
        print()
        print("!" * 100)
        for rec in bad:
            print(
                f"!!! RANK DISAGREEMENT in {rec.name}: reference (exact) {rec.reference}, but "
                + ", ".join(rec.disagreements)
            )
        print("!" * 100)
    else:
        print()
        print("All ranks that were computed agree with the exact rank.")
    print(f"Total benchmark time {time.perf_counter() - start:.1f} s.")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
