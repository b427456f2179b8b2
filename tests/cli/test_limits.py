"""Bounded, interruptible, one clear line: exit codes 2, 3, 130 and 70, measured in real subprocesses.

The subprocess tests run ``python -m relugeom`` (the console script: a forked child watched by an idle
parent, :mod:`relugeom.cli.supervise`) and time how long each bound takes to stop the command. The
in-process tests run :func:`relugeom.cli.main.main`, which never forks and never raises.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import relugeom as rg
from relugeom.cli import supervise
from relugeom.cli.main import main
from relugeom.io import save_inputs, save_network

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the supervisor forks (POSIX)")

#: The slack each bound is allowed beyond its nominal stop: the console script imports relugeom (~1 s).
SLACK = 6.0


def _relugeom(*argv: str, timeout: float = 120) -> tuple[int, str, str, float]:
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "relugeom", *argv], capture_output=True, text=True, timeout=timeout)
    return proc.returncode, proc.stdout, proc.stderr, time.monotonic() - t0


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """Networks whose full enumeration runs for minutes: the bounds must stop them."""
    d = tmp_path_factory.mktemp("big")
    paths = {}
    for name, widths in {"r6": (6, 40, 40, 1), "c3": (3, 30, 30, 1)}.items():
        paths[name] = str(d / f"{name}.json")
        save_network(rg.Network.random_he(widths, seed=0), paths[name])
    return paths


def test_max_regions_stops_inside_the_first_layer_with_exit_3(big):
    code, out, err, seconds = _relugeom("regions", big["r6"], "--max-regions", "1000")
    line = _one_line(err)
    assert code == 3 and out == ""
    assert line.startswith("relugeom: limit: region limit reached: more than 1000 cells at hidden layer 0")
    assert seconds < 1 + SLACK


def test_cffd_max_regions_and_the_library_bound(big):
    code, _, err, seconds = _relugeom("cffd", big["c3"], "--max-regions", "500")
    assert code == 3 and "more than 500 cells" in _one_line(err) and seconds < 1 + SLACK
    net = rg.io.load_network(big["c3"])
    with pytest.raises(rg.RegionLimitReached) as info:
        rg.regions.cffd_report(net, max_regions=500)
    assert info.value.count == 501 and info.value.layer == 0  # counted as created: stops at the first over


def test_timeout_stops_cffd_promptly_with_exit_3(big):
    code, out, err, seconds = _relugeom("cffd", big["c3"], "--timeout", "2")
    line = _one_line(err)
    assert code == 3 and out == ""
    assert line.startswith("relugeom: limit: time limit of 2 s reached")
    assert 2 <= seconds < 2 + SLACK


def test_sigint_stops_with_exit_130_and_one_line(big):
    proc = subprocess.Popen(
        [sys.executable, "-m", "relugeom", "cffd", big["c3"]],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(3)  # imported and enumerating
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)  # to the parent alone: it forwards the signal to the working child
    out, err = proc.communicate(timeout=30)
    seconds = time.monotonic() - t0
    assert proc.returncode == 130 and out == ""
    assert _one_line(err) == "relugeom: interrupted"
    assert seconds < supervise.GRACE + 1


def test_a_step_that_cannot_pause_is_stopped_from_outside(capfd):
    """A child that blocks every signal (as one long compiled step holds the interpreter) is killed."""

    def stuck() -> int:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGALRM, signal.SIGTERM})
        time.sleep(60)
        return 0

    t0 = time.monotonic()
    assert supervise.supervised(stuck, timeout=0.5, max_memory=None) == 3
    seconds = time.monotonic() - t0
    line = _one_line(capfd.readouterr().err)
    assert line.startswith("relugeom: limit: time limit of 0.5 s reached while in a step that could not pause")
    assert 0.5 + supervise.GRACE <= seconds < 0.5 + supervise.GRACE + 2


def test_the_supervisor_measures_memory_and_stops_at_the_limit(capfd):
    def hungry() -> int:
        block = np.ones(300 * 2**20 // 8)  # 300 MiB, touched
        time.sleep(30)
        return int(block[0])

    t0 = time.monotonic()
    assert supervise.supervised(hungry, timeout=None, max_memory=200 * 2**20) == 3
    assert time.monotonic() - t0 < 10
    line = _one_line(capfd.readouterr().err)
    assert line.startswith("relugeom: limit: memory limit: the computation (measured) needs about")
    assert line.endswith("over the limit of 200 MB; raise it (CLI: --max-memory SIZE, e.g. 8G) or ask for less")


def test_process_tree_and_rss_see_the_children():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert proc.pid in supervise.process_tree(os.getpid())
        assert supervise.tree_rss(proc.pid) > 0
    finally:
        proc.kill()
        proc.wait()


def test_closed_pipe_ends_quietly(tmp_path):
    """``relugeom … | head -c 100``: the reader stops reading; relugeom stops with 0 and no traceback."""
    net = str(tmp_path / "wide.json")
    save_network(rg.Network.random_he((1, 300, 1), seed=0), net)  # 301 regions: a JSON line of ~100 kB
    cmd = f"{sys.executable} -m relugeom regions {net} --json | head -c 100"
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stderr == "" and len(proc.stdout) == 100


# ------------------------------------------------------------------------------------------ in process
@pytest.fixture
def small(tmp_path):
    net = str(tmp_path / "net.json")
    save_network(rg.Network.random_he((2, 6, 1), seed=1), net)
    X = str(tmp_path / "x.csv")
    save_inputs([["1/3", "2/7"], ["-1/5", "3/11"], ["5/13", "-2/9"]], X)
    return net, X, tmp_path


def _code_and_line(argv, capsys) -> tuple[int, str]:
    code = main(argv)
    return code, _one_line(capsys.readouterr().err)


def test_memory_refusal_before_allocating(small, capsys):
    net, X, _ = small
    for method in ("float", "exact"):
        t0 = time.monotonic()
        code, line = _code_and_line(["dim", net, "--inputs", X, "--method", method, "--max-memory", "100"], capsys)
        assert code == 3 and time.monotonic() - t0 < 5
        assert line.startswith("relugeom: limit: memory limit: the ") and "over the limit of 100 B" in line
    code, line = _code_and_line(["regions", net, "--max-memory", "1k"], capsys)
    assert code == 3 and "cells at hidden layer 0 needs about" in line


def test_compare_still_prints_the_exact_bfd_when_float_cannot_run(small, capsys, monkeypatch):
    net, X, _ = small
    huge = str(small[2] / "huge.json")
    save_network(rg.Network.from_layers([([["1e400", 1], [1, -1]], [0, 1]), ([[1, 1]], [0])]), huge)
    Y = str(small[2] / "y.csv")
    save_inputs([[1, 3], [3, -1], [-2, 5]], Y)
    assert main(["dim", huge, "--inputs", Y, "--compare", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["bfd"] == rg.batch_functional_dimension(rg.io.load_network(huge), [[1, 3], [3, -1], [-2, 5]])
    assert out["float_bfd"] is None and "float64" in out["float_error"]


BAD_FLAGS = [
    (["dim", "{net}", "--inputs", "{X}", "--seed", "-1"], "--seed"),
    (["dim", "{net}", "--inputs", "{X}", "--tol", "nan"], "--tol"),
    (["dim", "{net}", "--inputs", "{X}", "--tol", "-1e-3"], "--tol"),
    (["dim", "{net}", "--inputs", "{X}", "--certify-timeout", "0"], "--certify-timeout"),
    (["dim", "{net}", "--inputs", "{X}", "--timeout", "inf"], "--timeout"),
    (["dim", "{net}", "--inputs", "{X}", "--threads", "0"], "--threads"),
    (["dim", "{net}", "--inputs", "{X}", "--max-memory", "lots"], "--max-memory"),
    (["dim", "{net}", "--inputs", "{X}", "--max-digits", "-5"], "--max-digits"),
    (["regions", "{net}", "--max-regions", "0"], "--max-regions"),
    (["regions", "{net}", "--box=-1:1", "--plot", "{tmp}/no/such/dir/p.png"], "--plot"),
    (["regions", "{net}", "--box=-1:1", "--plot", "{tmp}"], "--plot"),
    (["cffd", "{net}", "--scale", "-1"], "--scale"),
    (["check", "T1", "--jobs", "0"], "--jobs"),
    (["check", "T1", "--state", "{tmp}/no/such/dir/state.jsonl"], "--state"),
    (["search", "bfd-le-pattern-bound", "--budget", "-1"], "--budget"),
    (["search", "bfd-le-pattern-bound", "--out", "{tmp}/no/such/dir/ce.json"], "--out"),
    (["train", "--data", "moons", "--epochs", "-1"], "--epochs"),
    (["train", "--data", "moons", "--lr", "0"], "--lr"),
    (["train", "--data", "moons", "--batch-size", "0"], "--batch-size"),
    (["train", "--data", "moons", "--noise", "nan"], "--noise"),
    (["train", "--data", "moons", "--out", "{tmp}/no/such/dir/run"], "--out"),
    (["measures", "{net}", "--seed", "x"], "--seed"),
]


@pytest.mark.parametrize("argv,flag", BAD_FLAGS, ids=[" ".join(a[:1] + [f]) for a, f in BAD_FLAGS])
def test_every_flag_is_validated_before_any_work(small, capsys, argv, flag):
    net, X, tmp = small
    argv = [a.format(net=net, X=X, tmp=tmp) for a in argv]
    t0 = time.monotonic()
    code, line = _code_and_line(argv, capsys)
    assert code == 2 and time.monotonic() - t0 < 1
    assert line.startswith("relugeom: error: relugeom ") and f"argument {flag}" in line


def test_usage_errors_are_one_line(capsys):
    assert _code_and_line(["bogus"], capsys) == (
        2,
        "relugeom: error: relugeom: argument command: invalid choice: 'bogus' (choose from 'dim', 'demo', "
        "'check', 'search', 'regions', 'cffd', 'identifiability', 'equal', 'measures', 'train', 'recheck') "
        "(see relugeom --help)",
    )
    code, line = _code_and_line(["dim"], capsys)
    assert code == 2 and "the following arguments are required: network" in line


def test_version_and_help_list_the_exit_codes(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"relugeom {rg.__version__}"
    assert main(["--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    for code in ("0 done", "1 a violation", "2 bad input", "3 a limit reached", "130 interrupted", "70 internal"):
        assert code in text


def test_internal_errors_are_one_line_and_debug_shows_the_traceback(small, capsys, monkeypatch):
    net, X, _ = small
    from relugeom.cli import dim

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a planted bug")

    monkeypatch.setattr(dim, "dimension_report", broken)
    code, line = _code_and_line(["dim", net, "--inputs", X], capsys)
    assert code == 70
    assert line.startswith("relugeom: internal error: ZeroDivisionError: a planted bug. Please report it")
    assert main(["dim", net, "--inputs", X, "--debug"]) == 70
    err = capsys.readouterr().err
    assert "Traceback" in err and err.strip().splitlines()[-1].startswith("relugeom: internal error")


def test_keyboard_interrupt_and_os_errors_in_process(small, capsys, monkeypatch):
    net, X, _ = small
    from relugeom.cli import dim

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(dim, "dimension_report", interrupted)
    assert _code_and_line(["dim", net, "--inputs", X], capsys) == (130, "relugeom: interrupted")

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device", "/tmp/x")

    monkeypatch.setattr(dim, "dimension_report", disk_full)
    assert _code_and_line(["dim", net, "--inputs", X], capsys) == (
        2,
        "relugeom: error: No space left on device: /tmp/x",
    )


def test_timeout_in_process_uses_the_cooperative_bound(small, capsys):
    net, _, tmp = small
    big = str(tmp / "c3.json")
    save_network(rg.Network.random_he((3, 30, 30, 1), seed=0), big)
    t0 = time.monotonic()
    code, line = _code_and_line(["cffd", big, "--timeout", "1"], capsys)
    assert code == 3 and line.startswith("relugeom: limit: time limit of 1 s reached")
    assert time.monotonic() - t0 < 3


def test_library_bounds_apply_to_the_enumeration():
    net = rg.Network.random_he((3, 30, 30, 1), seed=0)
    t0 = time.monotonic()
    with pytest.raises(rg.TimeLimitReached), rg.limits.bounds(timeout=0.5):
        rg.regions.region_decomposition(net)
    assert time.monotonic() - t0 < 1.5
    seen: list[str] = []
    with rg.limits.bounds(progress=seen.append):
        rg.regions.region_decomposition(rg.Network.random_he((2, 4, 1), seed=0))
    assert seen and seen[-1].startswith("hidden layer 0: ")
