"""Plain helper functions shared by several test modules (pytest fixtures live in ``conftest.py``).

Import them with ``from helpers import ...``: pytest puts ``tests/`` on ``sys.path`` when it loads
``tests/conftest.py`` (pytest's default "prepend" import mode; ``tests/`` has no ``__init__.py``).
The oracles here (sympy ranks, the naive forward passes) use none of relugeom's own algorithms.
"""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import sympy

import relugeom as rg
from relugeom.io import save_inputs, save_network

# SPEC §3 hand example: widths (1,2,1), W0 = [[1],[1]], b0 = [0,-1], W1 = [[1,1]], b1 = [0].
HAND_LAYERS = [([[1], [1]], [0, -1]), ([[1, 1]], [0])]


# ------------------------------------------------------------------------------------ sympy oracles
def sympy_matrix(M) -> sympy.Matrix:
    """The rational matrix M (rows of ints, Fractions or strings, or an object array) as an exact sympy Matrix."""
    return sympy.Matrix([[sympy.Rational(Fraction(v).numerator, Fraction(v).denominator) for v in row] for row in M])


def sympy_rank(M) -> int:
    """The rank over Q of the rational matrix M by sympy's ``Matrix.rank`` (0 for a matrix without rows)."""
    return sympy_matrix(M).rank() if len(M) else 0


def sympy_network(net: rg.Network) -> tuple[tuple, dict, list[sympy.Matrix], list[sympy.Matrix]]:
    """θ as sympy symbols t0, t1, …: (the symbols, their values at θ, each W_k (row-major) and b_k in them)."""
    widths = net.widths
    theta = sympy.symbols(f"t0:{net.num_params}")
    values = {t: sympy.Rational(v.numerator, v.denominator) for t, v in zip(theta, net.parameters())}
    Ws, bs, pos = [], [], 0
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        Ws.append(sympy.Matrix(n_out, n_in, theta[pos : pos + n_out * n_in]))
        pos += n_out * n_in
        bs.append(sympy.Matrix(theta[pos : pos + n_out]))
        pos += n_out
    return theta, values, Ws, bs


def qq_rank(M: sympy.Matrix) -> int:
    """sympy's exact rank over QQ of a sympy Matrix (DomainMatrix: Matrix.rank is much slower on rationals)."""
    from sympy.polys.matrices import DomainMatrix

    return DomainMatrix.from_Matrix(M).convert_to(sympy.QQ).rank() if M.rows and M.cols else 0


# ------------------------------------------------------------------------------------ plain forward passes
def naive_pre_activations(net: rg.Network, x) -> list[list[Fraction]]:
    """z_0, …, z_{L−1} of one sample (every layer, the output last) by the definition of SPEC §1, in Fractions."""
    a, out = [Fraction(v) for v in x], []
    for W, b in net.layers():
        z = [sum((w * v for w, v in zip(row, a)), Fraction(0)) + bk for row, bk in zip(W, b)]
        out.append(z)
        a = [max(v, Fraction(0)) for v in z]
    return out


def naive_forward(net: rg.Network, x) -> list[Fraction]:
    """F_θ(x) by the definition of SPEC §1, in plain Fractions (no relugeom code)."""
    return naive_pre_activations(net, x)[-1]


def segment_point(xa, xb, t) -> list[Fraction]:
    """The point (1 − t) xa + t xb of the segment from xa to xb, exactly."""
    return [(1 - t) * Fraction(a) + t * Fraction(b) for a, b in zip(xa, xb)]


# ------------------------------------------------------------------------------------ symmetries
def rational_inputs(n0: int, seed: int, n: int = 8) -> list[list[Fraction]]:
    """``n`` seeded inputs in Q^{n0} with entries p/q, |p| <= 20, 1 <= q <= 7."""
    rng = np.random.default_rng(seed)
    return [[Fraction(int(rng.integers(-20, 21)), int(rng.integers(1, 8))) for _ in range(n0)] for _ in range(n)]


def same_outputs(a: rg.Network, b: rg.Network, X) -> bool:
    """Whether the two networks give exactly the same outputs on the inputs X."""
    return bool((rg.forward(a, X) == rg.forward(b, X)).all())


# ------------------------------------------------------------------------------------ the command line
def write_files(directory, networks: dict, inputs: dict | None = None) -> dict:
    """Saves each network as ``<name>.json`` and each input table as ``<name>.csv``: name → path, and "dir"."""
    paths: dict = {"dir": directory}
    for name, net in networks.items():
        paths[name] = str(directory / f"{name}.json")
        save_network(net, paths[name])
    for name, rows in (inputs or {}).items():
        paths[name] = str(directory / f"{name}.csv")
        save_inputs(rows, paths[name])
    return paths


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """The CLI in process on argv: (exit code, stdout, stderr)."""
    import contextlib
    import io

    from relugeom.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def cli_error(argv: list[str], capsys, prefix: str | None = None) -> str:
    """The stderr of the CLI on argv, checked: exit code 2, one line, no traceback, ``prefix`` (if given) first."""
    from relugeom.cli.main import main  # imported on use: a CLI module being edited breaks only the CLI tests

    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    if prefix is not None:
        assert err.startswith(prefix)
    return err


def cli_json(argv: list[str], capsys, strict: bool = False) -> dict:
    """The parsed one-line output of the CLI on argv + ``--json`` (exit code 0); ``strict`` refuses NaN / Infinity."""
    from relugeom.cli.main import main

    assert main(argv + ["--json"]) == 0
    out = capsys.readouterr().out
    assert len(out.strip().splitlines()) == 1

    def no_constant(name):
        raise AssertionError(f"invalid JSON constant {name}")

    return json.loads(out, parse_constant=no_constant if strict else None)  # strict JSON: no NaN / Infinity


# ------------------------------------------------------------------------------------ MNIST's files
def write_idx(path, array: np.ndarray, gz: bool = False) -> None:
    """An IDX file of unsigned bytes (type 0x08) by the format's definition: 00 00 08, the number of
    dimensions, the sizes as big-endian uint32, then the bytes row-major; gzipped when ``gz``."""
    import gzip
    import struct

    content = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()
    with open(path, "wb") as fh:
        fh.write(gzip.compress(content) if gz else content)


# ------------------------------------------------------------------------------------ torch models
def torch_sequential(torch, widths, seed: int, grid: bool = True, flatten: bool = False):
    """``nn.Sequential([Flatten,] Linear, ReLU, …, Linear)`` in eval mode, seeded; with ``grid``, every
    parameter a multiple of 1/8 in [-1, 1] (so that float64 arithmetic on grid inputs is exact)."""
    nn = torch.nn
    torch.manual_seed(seed)
    modules = [nn.Flatten()] if flatten else []
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        lin = nn.Linear(n_in, n_out)
        if grid:
            with torch.no_grad():
                lin.weight.copy_(torch.randint(-8, 9, (n_out, n_in)) / 8)
                lin.bias.copy_(torch.randint(-8, 9, (n_out,)) / 8)
        modules += [lin, nn.ReLU()]
    return nn.Sequential(*modules[:-1]).eval()


def torch_parameters(model) -> list[Fraction]:
    """A torch Sequential's parameters in relugeom's order (each W row-major, then b), at their exact
    float value (widened to float32 first, which is exact for every torch float format)."""
    out = []
    for module in model:
        if hasattr(module, "weight"):
            out += [Fraction(float(v)) for v in module.weight.detach().float().flatten().tolist()]
            out += [Fraction(float(v)) for v in module.bias.detach().float().flatten().tolist()]
    return out
