"""The options several commands share, each defined once, and the small parsers of option values.

A command adds a shared option by calling its ``add_…`` function where the option sits in its ``--help``;
where commands word an option's help differently, the wording is a parameter. The parsers raise
:class:`~relugeom.exceptions.RelugeomError`, which the command line prints as its one error line.

Examples
--------
>>> import argparse
>>> parser = argparse.ArgumentParser(prog="example")
>>> add_json(parser)
>>> add_at_zero(parser, "one-sided convention")
>>> add_seed(parser, "seed (default 0)")
>>> args = parser.parse_args(["--json", "--at-zero", "active"])
>>> args.json, args.at_zero, args.seed
(True, 'active', 0)
>>> parse_ints("--widths", "2,16,1", "2,16,1")
(2, 16, 1)

Every number a flag takes is checked the same way by the argparse types below (seeds and counts of
digits ≥ 0, jobs, budgets and caps ≥ 1, times > 0 and finite, tolerances ≥ 0 and finite), so a bad value
is one error line before any work starts:

>>> integer(0)("-1")
Traceback (most recent call last):
...
argparse.ArgumentTypeError: expected an integer >= 0, got '-1'
>>> real(0, above=True)("nan")
Traceback (most recent call last):
...
argparse.ArgumentTypeError: expected a finite number > 0, got 'nan'
>>> byte_size("1.5G"), byte_size("512M"), byte_size("1000")
(1610612736, 536870912, 1000)
"""

from __future__ import annotations

import argparse
import math
import os
import re
from typing import Any, Callable, Sequence, TypeAlias

from .._typing import AT_ZERO
from ..exceptions import RelugeomError
from ..io import load_inputs, load_network_and_inputs

__all__ = [
    "Subparsers",
    "AT_ZERO_CHOICES",
    "NETWORK_HELP",
    "add_network",
    "add_inputs",
    "BATCH_HELP",
    "network_and_batch",
    "add_method",
    "add_json",
    "add_at_zero",
    "add_seed",
    "add_certify_timeout",
    "add_scale_out",
    "add_common",
    "add_timeout",
    "add_max_memory",
    "add_max_regions",
    "add_output",
    "choice",
    "parse_ints",
    "integer",
    "real",
    "byte_size",
]

#: What ``add_subparsers`` returns: each command module's ``register`` adds its parser to it.
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
#: The values of ``--at-zero`` (leaving it out refuses zero pre-activations).
AT_ZERO_CHOICES: tuple[str, ...] = tuple(a for a in AT_ZERO if a is not None)
NETWORK_HELP = (
    "network file: .json (relugeom-network, exact), .safetensors or .pt/.pth (a state dict: 0.weight, 0.bias, "
    "2.weight, ...), or .onnx (Gemm or MatMul+Add, Relu, Flatten, Identity)"
)


def add_network(parser: argparse.ArgumentParser) -> None:
    """The positional ``network`` argument (a file of any format :mod:`relugeom.io.formats` reads) and
    ``--bias-free zero``, which reads a layer without a bias with bias 0."""
    parser.add_argument("network", help=NETWORK_HELP)
    parser.add_argument(
        "--bias-free",
        choices=("zero",),
        help="read a layer without a bias (torch Linear(bias=False)) with bias 0; relugeom's parameters then "
        "include that bias (default: refuse such a layer)",
    )


def add_inputs(parser: argparse.ArgumentParser, help: str, metavar: str | None = None) -> None:
    """``--inputs``: a CSV batch, one sample a row."""
    parser.add_argument("--inputs", metavar=metavar, help=help)


#: ``--inputs`` of the commands that also read a counterexample file, whose batch is inside it
BATCH_HELP = "CSV file, one sample a row ('p/q' or decimals); optional for a counterexample file, which holds its batch"


def network_and_batch(args: argparse.Namespace) -> tuple[Any, Any]:
    """The network of ``args.network`` and its batch: ``--inputs``, else the batch of a counterexample file.

    Raises
    ------
    RelugeomError
        when ``args.network`` is a plain network file and ``--inputs`` is not given.
    """
    net, X = load_network_and_inputs(args.network, bias_free=args.bias_free)
    if args.inputs is not None:
        X = load_inputs(args.inputs)
    elif X is None:
        raise RelugeomError(f"--inputs is required: {args.network} is a network file and holds no batch")
    return net, X


def add_method(
    parser: argparse.ArgumentParser, choices: Sequence[str], help: str | None = None, default: str = "exact"
) -> None:
    """``--method``: exactly or in float64 (and, for ranks, modular)."""
    parser.add_argument("--method", choices=list(choices), default=default, help=help)


def add_json(parser: argparse.ArgumentParser, help: str = "print one JSON object") -> None:
    """``--json``: print one JSON object instead of the text report."""
    parser.add_argument("--json", action="store_true", help=help)


def add_at_zero(parser: argparse.ArgumentParser, help: str, checked_by_command: bool = False) -> None:
    """``--at-zero inactive|active``: the one-sided convention at zero pre-activations (default None).

    With ``checked_by_command`` argparse takes any word (shown as ``inactive|active``) and the command
    checks it with :func:`choice`, so a wrong value is the command's one error line.
    """
    if checked_by_command:
        parser.add_argument("--at-zero", metavar="|".join(AT_ZERO_CHOICES), default=None, help=help)
    else:
        parser.add_argument("--at-zero", choices=list(AT_ZERO_CHOICES), default=None, help=help)


def integer(minimum: int) -> Callable[[str], int]:
    """The argparse type of an integer flag ``>= minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {text!r}")
        return value

    parse.__name__ = f"integer >= {minimum}"
    return parse


def real(minimum: float, above: bool = False) -> Callable[[str], float]:
    """The argparse type of a finite number flag ``>= minimum`` (``> minimum`` with ``above``)."""
    relation = ">" if above else ">="

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value < minimum or (above and value == minimum):
            raise argparse.ArgumentTypeError(f"expected a finite number {relation} {minimum:g}, got {text!r}")
        return value

    parse.__name__ = f"number {relation} {minimum:g}"
    return parse


_SIZE = re.compile(r"\s*([0-9]*\.?[0-9]+)\s*([kmgt]?)(i?b)?\s*", re.IGNORECASE)


def byte_size(text: str) -> int:
    """The argparse type of ``--max-memory``: bytes, or a number with K, M, G or T (powers of 1024)."""
    match = _SIZE.fullmatch(text)
    if match is None or float(match.group(1)) <= 0:
        raise argparse.ArgumentTypeError(f"expected a size such as 8G, 512M or 1000000 (bytes), got {text!r}")
    scale = 1024 ** " kmgt".index(match.group(2).lower() or " ")
    return max(1, int(float(match.group(1)) * scale))


def add_seed(parser: argparse.ArgumentParser, help: str, default: int | None = 0) -> None:
    """``--seed``: an integer seed ``>= 0``."""
    parser.add_argument("--seed", type=integer(0), default=default, help=help)


def add_certify_timeout(parser: argparse.ArgumentParser, help: str) -> None:
    """``--certify-timeout SECONDS``: the time budget of an exact rank certificate (default 60)."""
    parser.add_argument("--certify-timeout", type=real(0, above=True), default=60.0, metavar="SECONDS", help=help)


def add_timeout(parser: argparse.ArgumentParser) -> None:
    """``--timeout SECONDS``: the whole command's time limit (exit code 3 when reached)."""
    parser.add_argument(
        "--timeout",
        type=real(0, above=True),
        default=None,
        metavar="SECONDS",
        help="stop after this many seconds with exit code 3 (files already written stay whole)",
    )


def add_max_memory(parser: argparse.ArgumentParser) -> None:
    """``--max-memory SIZE``: refuse work whose estimated peak exceeds SIZE; the supervisor also measures."""
    parser.add_argument(
        "--max-memory",
        type=byte_size,
        default=None,
        metavar="SIZE",
        help="memory limit, e.g. 8G: work estimated to need more is refused before it starts, and the run "
        "is stopped if it uses more (exit code 3; default: half the memory available at the start)",
    )


def add_max_regions(parser: argparse.ArgumentParser, default: int = 200_000) -> None:
    """``--max-regions N``: the cap on cells at one hidden layer, counted as they are created."""
    parser.add_argument(
        "--max-regions",
        type=integer(1),
        default=default,
        metavar="N",
        help=f"stop (exit code 3) as soon as more than N cells exist at a hidden layer (default {default:,})",
    )


def add_output(parser: argparse.ArgumentParser, flag: str, metavar: str, help: str, directory: bool = False) -> None:
    """An output path (``--out``, ``--plot``), checked before any work: its directory must exist and be
    writable (:func:`relugeom.io.atomic.check_writable`); a run directory may exist or not."""

    def parse(text: str) -> str:
        from ..io.atomic import check_writable  # the io layer; imported when a path is given

        path = text.rstrip("/") or text
        try:
            if directory and os.path.isdir(path):  # a run directory may exist already: it is written into
                check_writable(os.path.join(path, "run.json"), flag)
            else:
                check_writable(path, flag)
        except RelugeomError as err:
            raise argparse.ArgumentTypeError(str(err)) from None
        return text

    parse.__name__ = "writable path"
    parser.add_argument(flag, metavar=metavar, type=parse, help=help)


def add_common(parser: argparse.ArgumentParser) -> None:
    """``--max-digits D`` (the cap of :mod:`relugeom.numbers` on numbers read from files) and ``--debug``
    (the traceback of an internal error), which every command takes."""
    parser.add_argument(
        "--max-digits",
        type=integer(0),
        default=None,
        metavar="D",
        help="longest number read from a file, in digits plus the decimal exponent (default 4300; 0: no limit)",
    )
    parser.add_argument("--debug", action="store_true", help="show the traceback of an internal error")


def add_threads(parser: argparse.ArgumentParser) -> None:
    """``--threads K``: BLAS and FLINT threads, set together (:mod:`relugeom.linalg.threads`); K >= 1."""
    parser.add_argument(
        "--threads",
        type=integer(1),
        default=None,
        metavar="K",
        help="BLAS and FLINT threads for the rank engines, set together (default: as the process started)",
    )


def add_scale_out(parser: argparse.ArgumentParser) -> None:
    """``--jobs``, ``--scheduler``, ``--state`` and ``--json`` of the commands that run many work units."""
    parser.add_argument("--jobs", type=integer(1), default=1, metavar="K", help="worker processes (default 1)")
    parser.add_argument(
        "--scheduler", metavar="ADDRESS", help="run on a Dask cluster (tcp://host:8786; needs the 'dask' extra)"
    )
    add_output(parser, "--state", "FILE", "JSON-lines file of finished work units: resume an interrupted run")
    add_json(parser, "print one JSON object (no progress bar)")


def choice(option: str, value: str, options: Sequence[str]) -> str:
    """``value`` if it is one of ``options``, else the one-line error naming them.

    >>> choice("--spacing", "log", ("log", "linear"))
    'log'
    >>> choice("--spacing", "cubic", ("log", "linear"))
    Traceback (most recent call last):
    ...
    relugeom.exceptions.RelugeomError: --spacing 'cubic' is not one of log, linear
    """
    if value not in options:
        raise RelugeomError(f"{option} {value!r} is not one of {', '.join(options)}")
    return value


def parse_ints(option: str, text: str, example: str, minimum: int = 1) -> tuple[int, ...]:
    """A comma list of integers ``>= minimum`` (at least one), else the one-line error with ``example``.

    >>> parse_ints("--sizes", "1,2,,4", "1,2,4,8")
    (1, 2, 4)
    >>> parse_ints("--sizes", "0,a", "1,2,4,8")
    Traceback (most recent call last):
    ...
    relugeom.exceptions.RelugeomError: --sizes '0,a': give positive integers separated by commas, e.g. --sizes 1,2,4,8
    """
    values: tuple[int, ...]
    try:
        values = tuple(int(t) for t in text.split(",") if t.strip())
    except ValueError:
        values = ()
    if not values or min(values) < minimum:
        lowest = "positive integers" if minimum == 1 else f"integers >= {minimum}"
        raise RelugeomError(f"{option} {text!r}: give {lowest} separated by commas, e.g. {option} {example}")
    return values
