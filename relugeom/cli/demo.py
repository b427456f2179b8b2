"""The built-in demo: a network on which float64 gets the batch functional dimension wrong.

The network is the SPEC's hand example grown by one neuron, then *rescaled*: neuron 0's incoming weight
is multiplied by 2^30 and its outgoing weight divided by 2^30, neuron 1's by 1/3 and 3. A positive
rescaling changes neither the function (outputs are exactly equal, checked below) nor the exact BFD, but
it spreads the Jacobian's columns over 60 binary orders of magnitude, and float64's SVD with numpy's
default tolerance loses a direction; the singular-value gap is large, so the float answer even *looks*
decisive. And the exact rank of the float-computed Jacobian is too *high*: rounding 1/3 breaks the
exact affine dependencies between samples of one pattern.

Examples
--------
>>> import io
>>> out = io.StringIO()
>>> run_demo(out)
0
>>> "exact BFD" in out.getvalue() and "float64 says 5" in out.getvalue()
True
>>> from relugeom.cli.main import build_parser
>>> build_parser().parse_args(["demo"]).func is run
True
"""

from __future__ import annotations

import argparse
import os
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any, Sequence, TextIO

from ..core.forward import forward
from ..core.network import Network
from ..core.patterns import activation_patterns
from ..dimension.bfd import compare_methods
from ..dimension.jacobian import jacobian
from ..io import save_inputs, save_network
from ..linalg import rank
from .options import Subparsers

__all__ = ["demo_network", "demo_inputs", "run_demo", "register", "run", "HAND_LAYERS", "write_example_files"]

SCALES = (Fraction(2) ** 30, Fraction(1, 3))


def demo_network(scales: tuple[Fraction, Fraction] = SCALES) -> Network:
    """Widths (1, 3, 1); neurons 0 and 1 rescaled by ``scales`` (``(1, 1)`` gives the plain network)."""
    s0, s1 = scales
    return Network.from_layers([([[s0], [s1], [-1]], [0, -s1, 1]), ([[1 / s0, 1 / s1, 2]], [0])])


def demo_inputs() -> list[str]:
    """Eight non-degenerate inputs covering all four activation patterns the network realises."""
    return ["-3", "-1", "-1/2", "1/2", "7/10", "2", "3", "5"]


#: SPEC §3's hand example, widths (1, 2, 1): BFD 5 on {−1, −1/2, 1/2, 7/10, 2, 3}.
HAND_LAYERS = [([[1], [1]], [0, -1]), ([[1, 1]], [0])]


def write_example_files(
    directory: str | os.PathLike, layers: Sequence[Any] = HAND_LAYERS, inputs: Sequence[Any] | None = None
) -> tuple[Path, Path | None]:
    """A network (``net.json``) and optionally a batch (``x.csv``) in ``directory``, to try the commands on.

    >>> import tempfile
    >>> tmp = tempfile.TemporaryDirectory()
    >>> net, X = write_example_files(tmp.name, inputs=[["1/2"], [2]])
    >>> net.name, X.read_text().split()
    ('net.json', ['1/2', '2'])
    >>> tmp.cleanup()
    """
    net = Path(directory, "net.json")
    save_network(Network.from_layers(layers), net)
    if inputs is None:
        return net, None
    X = Path(directory, "x.csv")
    save_inputs(inputs, X)
    return net, X


def run_demo(out: TextIO = sys.stdout) -> int:
    """Print the demo; returns the exit code (0)."""
    net, X = demo_network(), demo_inputs()
    plain = demo_network((Fraction(1), Fraction(1)))
    w = out.write
    w("relugeom demo: exact batch functional dimension vs float64\n\n")
    w(f"network widths {net.widths}: N = {net.num_params} parameters, H = {net.num_hidden} hidden neurons\n")
    w("  W0 = [[2^30], [1/3], [-1]], b0 = [0, -1/3, 1], W1 = [[2^-30, 3, 2]], b1 = [0]\n")
    same = forward(net, X).tolist() == forward(plain, X).tolist()
    w(
        f"  (neurons 0, 1 of W0 = [[1], [1], [-1]], b0 = [0, -1, 1], W1 = [[1, 1, 2]] rescaled by 2^30 and "
        f"1/3: outputs exactly unchanged: {same})\n\n"
    )
    P = activation_patterns(net, X).astype(int)
    w("sample   x      pattern   F(x)\n")
    for s, (x, row, y) in enumerate(zip(X, P, forward(net, X)[:, 0])):
        w(f"  {s:<4} {x:>6}   {''.join(map(str, row)):<8}  {y}\n")
    cmp = compare_methods(net, X, seed=0)
    ex, fl = cmp.exact, cmp.float
    w(f"\nJacobian J(θ, X): {ex.num_samples * ex.num_outputs} × {ex.num_params} (exact rationals)\n")
    w(f"exact BFD      = {ex.bfd}   certified: {ex.certificate.describe()}\n")
    w(
        f"bounds         : n·n_L = {ex.bound_rows}, N − H = {ex.bound_params}, "
        f"per-pattern = {ex.bound_patterns} ({ex.num_patterns} patterns)\n"
    )
    w(f"float64 BFD    = {fl.bfd}   (SVD, tol {fl.tolerance:.3g}, singular-value gap {fl.singular_value_gap:.3g})\n")
    w(f"verdict        : {cmp.message()}\n")
    unscaled = compare_methods(plain, X, seed=0)
    w(
        f"unscaled net   : exact {unscaled.exact.bfd}, float64 {unscaled.float.bfd} "
        f"(the same function: only the float answer moved)\n"
    )
    Jf = jacobian(net, X, method="float")
    wrong = rank([[Fraction(float(v)) for v in row] for row in Jf], "exact", seed=0).rank
    w(
        f"pitfall        : the exact rank of the float-computed J is {wrong}, not {ex.bfd}: rounding breaks exact "
        f"dependencies, so an exact rank needs the exact J, which relugeom builds.\n"
    )
    return 0


def register(subparsers: Subparsers) -> None:
    """Add ``demo`` to the sub-commands."""
    subparsers.add_parser("demo", help="a built-in example where float64 gets the BFD wrong").set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """The demo on standard output."""
    return run_demo(sys.stdout)
