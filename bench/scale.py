#!/usr/bin/env python
"""The [BMB24] experiment at scale: float pipeline against relugeom's modular and certified exact BFD.

Run from the repository root::

    python bench/scale.py                       # every case (about an hour on one core)
    python bench/scale.py --quick               # 784-30-30-30-10 at n = 60 and 64-64-64-10 at n = 3000
    python bench/scale.py --cases mnist-600 --engines float exact --threads 2

Protocol ([BMB24], section 5): a He-initialised network (``Network.random_he``, seed 0) and n Gaussian
inputs N(0.5, 1) (seed 1), J = ∂F_θ(X)/∂θ of n·n_L rows. Per case, each engine runs in a fresh child
process (so that its peak resident memory, ``ru_maxrss``, is its own), one after the other, with the same
number of BLAS threads and FLINT threads (``--threads``, default 1: on this 2-core machine a second BLAS
thread made a float SVD slower, not faster, whenever anything else ran):

``float``
    the float pipeline: ``float_jacobian`` (J in float64) and ``numpy.linalg.svd`` singular values, rank at
    numpy's default tolerance σ_max · max(m, N) · eps;
``modular``
    ``dimension_report(net, X, "modular")``: the rank modulo a 21-bit prime, J streamed (a lower bound,
    with its error bound);
``exact``
    ``dimension_report(net, X, "exact")``: the certified rank and its certificate;
``torch32``
    (if torch is installed, and where J has at most ``--torch-max-entries`` entries, 3e8 by default: the
    float32 SVD of the 20,000 × 25,720 J would take hours) what the authors' code does:
    the float32 Jacobian by ``torch.func.jacrev`` and ``torch.linalg.matrix_rank`` at its default
    tolerance.

A case may carry a memory cap (``RLIMIT_AS`` on every engine's child, the same for all): 64-64-64-10 at
n = 20,000 runs under 4 GB, the issue's bound, where the float64 J alone needs 14 GB. Every rank is compared
with the certified one; a disagreement is flagged. Nothing is asserted about times: this script reports.
The table goes to stdout, progress to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# name -> (widths, n, memory cap in bytes or None)
CASES: dict[str, tuple[tuple[int, ...], int, int | None]] = {
    "mnist-60": ((784, 30, 30, 30, 10), 60, None),
    "mnist-600": ((784, 30, 30, 30, 10), 600, None),
    "mnist-2000": ((784, 30, 30, 30, 10), 2000, None),
    "digits-3000": ((64, 64, 64, 10), 3000, None),
    "digits-20000": ((64, 64, 64, 10), 20000, 4 << 30),
}
QUICK = ("mnist-60", "digits-3000")
ENGINES = ("float", "modular", "exact", "torch32")
NET_SEED, DATA_SEED, PRIME_SEED = 0, 1, 0


# ------------------------------------------------------------------------------------------- the child
def _child(case: str, engine: str, threads: int) -> dict:
    """One engine on one case, in this (fresh) process: rank, seconds, and what else the engine reports."""
    flint_threads(threads)
    import numpy as np

    from relugeom.core.network import Network

    widths, n, _ = CASES[case]
    net = Network.random_he(widths, seed=NET_SEED)
    X = np.random.default_rng(DATA_SEED).normal(0.5, 1.0, (n, widths[0]))
    start = time.perf_counter()
    out: dict = {}
    if engine == "float":
        from relugeom.dimension.jacobian import float_jacobian

        J = float_jacobian(net, X)
        S = np.linalg.svd(J, compute_uv=False)
        tol = float(S.max()) * max(J.shape) * float(np.finfo(np.float64).eps)
        out["rank"] = int((S > tol).sum())
    elif engine == "torch32":
        out.update(_torch32(net, X))
    else:
        from relugeom.dimension.bfd import dimension_report

        rep = dimension_report(net, X, engine, seed=PRIME_SEED, certify_timeout=600.0)
        out["rank"] = rep.bfd
        if rep.certificate is not None:
            out["certificate"] = rep.certificate.kind
        if rep.error_bound is not None and engine == "modular":
            out["error_bound"] = rep.error_bound
    out["seconds"] = time.perf_counter() - start
    return out


def flint_threads(threads: int) -> None:
    import flint

    flint.ctx.threads = threads


def _torch32(net, X) -> dict:
    import numpy as np
    import torch

    import relugeom as rg

    torch.set_num_threads(max(1, int(os.environ.get("OMP_NUM_THREADS", "1"))))
    model = rg.to_torch(net, dtype=torch.float32, rounding="nearest").eval()
    params = {name: p.detach() for name, p in model.named_parameters()}
    inputs = torch.tensor(np.asarray(X, dtype=np.float32))

    n_out = model[-1].out_features
    rows = []
    for start in range(0, inputs.shape[0], 100):  # jacrev's intermediates grow with rows × batch: chunk
        chunk = inputs[start : start + 100]

        def outputs(p, chunk=chunk):
            return torch.func.functional_call(model, p, (chunk,))

        jac = torch.func.jacrev(outputs)(params)
        rows.append(torch.cat([jac[name].reshape(chunk.shape[0] * n_out, -1) for name in params], dim=1))
    return {"rank": int(torch.linalg.matrix_rank(torch.cat(rows)))}


# ------------------------------------------------------------------------------------------ the parent
def run(case: str, engine: str, threads: int, timeout: float, python: str) -> dict:
    """Run one engine in a child process; its own JSON report, with peak RSS, or the reason it failed."""
    env = dict(os.environ)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)  # before numpy is imported in the child: float and exact alike
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [python, str(Path(__file__).resolve()), "--child", case, engine, "--threads", str(threads)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    while proc.poll() is None:  # the child's peak RSS so far (VmHWM), in case it has to be killed
        peak = max(peak, _vm_hwm(proc.pid))
        if time.perf_counter() - start > timeout:
            proc.kill()
            proc.communicate()
            return {"error": f"killed after {timeout:g} s", "wall": time.perf_counter() - start, "peak_rss": peak}
        time.sleep(0.5)
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - start
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        last = (stderr.strip().splitlines() or ["exit code %d" % proc.returncode])[-1]
        return {"error": last[:160], "wall": wall, "peak_rss": peak or None}
    report = json.loads(lines[-1])
    report["wall"] = wall
    return report


def num_params(widths: tuple[int, ...]) -> int:
    """N for these widths: the weights and biases of every map."""
    return sum((a + 1) * b for a, b in zip(widths[:-1], widths[1:]))


def _vm_hwm(pid: int) -> int:
    """Peak resident bytes of a running process (Linux ``VmHWM``), 0 when unknown."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _cap_memory(limit: int | None) -> None:
    if limit:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def child_main(case: str, engine: str, threads: int) -> None:
    import resource

    _cap_memory(CASES[case][2])
    try:
        out = _child(case, engine, threads)
    except MemoryError:
        limit = CASES[case][2]
        widths, n, _ = CASES[case]
        need = 8 * n * widths[-1] * num_params(widths)
        print(
            f"MemoryError under the {limit / 2**30:.0f} GB cap: the float64 J alone is {need / 2**30:.1f} GB",
            file=sys.stderr,
        )
        sys.exit(3)
    out["peak_rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps(out))


def fmt_seconds(t: float | None) -> str:
    return "-" if t is None else (f"{t:.2f} s" if t < 10 else f"{t:.0f} s")


def _killed_time(rep: dict) -> str:
    return f"> {rep['wall']:.0f} s" if "killed" in rep.get("error", "") else "-"


def fmt_gb(b: int | None) -> str:
    return "-" if b is None else f"{b / 2**30:.2f} GB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", nargs="+", choices=list(CASES), default=None)
    parser.add_argument("--quick", action="store_true", help="only " + ", ".join(QUICK))
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    parser.add_argument("--threads", type=int, default=1, help="BLAS and FLINT threads, for every engine")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per engine run")
    parser.add_argument(
        "--torch-max-entries", type=float, default=3e8, help="torch32 only where J has at most this many entries"
    )
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--child", nargs=2, metavar=("CASE", "ENGINE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(args.child[0], args.child[1], args.threads)
        return 0
    try:
        import torch  # noqa: F401

        has_torch = True
    except ImportError:
        has_torch = False
    cases = args.cases or (list(QUICK) if args.quick else list(CASES))
    print(
        f"# relugeom bench/scale.py — {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"python {platform.python_version()}, {args.threads} BLAS + FLINT thread(s) for every engine",
        flush=True,
    )
    results: dict[str, dict[str, dict]] = {}
    for case in cases:
        widths, n, cap = CASES[case]
        results[case] = {}
        for engine in args.engines:
            num = num_params(widths)
            if engine == "torch32" and (not has_torch or n * widths[-1] * num > args.torch_max_entries):
                continue
            print(f"[{case}] {engine} ...", file=sys.stderr, flush=True)
            rep = run(case, engine, args.threads, args.timeout, sys.executable)
            results[case][engine] = rep
            print(f"[{case}] {engine}: {json.dumps(rep)}", file=sys.stderr, flush=True)
    header = ("case", "J", "engine", "rank", "time", "peak RSS", "time / float", "RSS / float", "certificate, notes")
    rows = []
    for case in cases:
        widths, n, cap = CASES[case]
        reps = results[case]
        certified = reps.get("exact", {}).get("rank")
        fl = reps.get("float", {})
        num = num_params(widths)
        for engine, rep in reps.items():
            ratio_t = ratio_m = "-"
            if "rank" in rep and engine != "float" and ("rank" in fl or "killed" in fl.get("error", "")):
                if "rank" in fl:
                    ratio_t = f"{rep['seconds'] / fl['seconds']:.2f}"
                else:  # float was killed or failed: its time is a lower bound, the ratio an upper bound
                    ratio_t = f"< {rep['seconds'] / fl['wall']:.2f}" if "killed" in fl.get("error", "") else "-"
                ratio_m = f"{rep['peak_rss'] / fl['peak_rss']:.2f}"
            notes = rep.get("certificate", "")
            if "error_bound" in rep:
                notes = f"error bound {rep['error_bound']:.2g}"
            if "error" in rep:
                notes = rep["error"]
            if "rank" in rep and certified is not None and rep["rank"] != certified:
                notes = (notes + "; " if notes else "") + f"DISAGREES with the certified rank {certified}"
            if cap:
                notes = (notes + "; " if notes else "") + f"run under a {cap / 2**30:.0f} GB cap"
            rows.append(
                (
                    f"{'-'.join(map(str, widths))} n={n}",
                    f"{n * widths[-1]}×{num}",
                    engine,
                    str(rep.get("rank", "-")),
                    fmt_seconds(rep["seconds"]) if "seconds" in rep else _killed_time(rep),
                    fmt_gb(rep.get("peak_rss")),
                    ratio_t,
                    ratio_m,
                    notes,
                )
            )
    sys.path.insert(0, str(ROOT / "bench"))
    from table import format_table

    print(format_table(header, rows))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
