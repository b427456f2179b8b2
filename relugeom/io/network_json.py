"""Files: networks as JSON (DESIGN.md format) and batches of inputs as CSV.

Network JSON: ``{"format": "relugeom-network", "version": 1, "layers": [{"weight": [[…]], "bias": […]}]}``
with numbers as JSON integers or strings (``"-2/3"``, ``"0.25"``). JSON floats are read as the decimal
they spell (``0.1`` is 1/10), never through a binary float. CSV inputs: one sample a row, the same number
syntax; blank lines and lines starting with ``#`` are skipped.

A *counterexample file* (``"format": "relugeom-counterexample"``, written by ``relugeom search``) holds a
network under ``"network"`` and its batch under ``"inputs"``: :func:`load_network_and_inputs` reads both in
one pass, so ``relugeom dim CE.json`` re-checks it.

Examples
--------
>>> import tempfile, os
>>> from relugeom.core.network import Network
>>> net = Network.from_layers([([[1, "1/2"]], [0.5])])
>>> d = tempfile.mkdtemp()
>>> save_network(net, os.path.join(d, "net.json"))
>>> load_network(os.path.join(d, "net.json")) == net
True
>>> save_inputs([[1, "1/3"], [0, "0.1"]], os.path.join(d, "x.csv"))
>>> load_inputs(os.path.join(d, "x.csv"))
((Fraction(1, 1), Fraction(1, 3)), (Fraction(0, 1), Fraction(1, 10)))
"""

from __future__ import annotations

import csv
import json
import math
import os
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ..core.network import Network
from ..exceptions import FormatError, RelugeomError
from ..numbers import Matrix, exact_matrix

__all__ = [
    "load_network",
    "load_network_and_inputs",
    "save_network",
    "load_inputs",
    "save_inputs",
    "load_json",
    "json_ready",
]

COUNTEREXAMPLE_FORMAT = "relugeom-counterexample"


def _read_text(path: str | os.PathLike, what: str) -> str:
    try:
        with open(path, encoding="utf-8-sig") as fh:  # tolerate a byte-order mark
            return fh.read()
    except FileNotFoundError:
        raise FormatError(f"{what} file not found: {os.fspath(path)}") from None
    except OSError as err:
        raise FormatError(f"cannot read {what} file {os.fspath(path)}: {err.strerror}") from None


def load_json(path: str | os.PathLike, what: str = "network", parse_float: Any = Decimal) -> Any:
    """Parse a JSON file; :class:`FormatError` naming ``what`` if it is missing or malformed.

    JSON floats become the decimals they spell (``parse_float=Decimal``, for exact numbers) unless
    ``parse_float=float`` is asked for (measured quantities such as singular values).
    """
    text = _read_text(path, what)
    try:
        return json.loads(text, parse_float=parse_float)
    except json.JSONDecodeError as err:
        raise FormatError(
            f"{os.fspath(path)} is not valid JSON: {err.msg} at line {err.lineno}, column {err.colno}"
        ) from None


def load_network_and_inputs(path: str | os.PathLike) -> tuple[Network, Matrix | None]:
    """A network file's network and None, or a counterexample file's network and its batch (one read)."""
    data = load_json(path)
    embedded = isinstance(data, dict) and data.get("format") == COUNTEREXAMPLE_FORMAT
    try:
        net = Network.from_dict(data.get("network") if embedded else data)
        inputs = exact_matrix(data.get("inputs"), "inputs") if embedded else None
    except RelugeomError as err:
        raise type(err)(f"{os.fspath(path)}: {err}") from None
    return net, inputs


def load_network(path: str | os.PathLike) -> Network:
    """Read a network JSON file (JSON floats as the decimals they spell), or a counterexample's network."""
    return load_network_and_inputs(path)[0]


def save_network(net: Network, path: str | os.PathLike) -> None:
    """Write a network as JSON with exact string numbers."""
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(net.to_dict(), fh, indent=1)
        fh.write("\n")


def load_inputs(path: str | os.PathLike) -> Matrix:
    """Read a CSV of inputs, one sample a row, exactly."""
    text = _read_text(path, "inputs")
    rows: list[list[str]] = []
    for row in csv.reader(text.splitlines()):
        cells = [c.strip() for c in row]
        if not cells or all(c == "" for c in cells) or cells[0].startswith("#"):
            continue
        rows.append(cells)
    if not rows:
        raise FormatError(f"{os.fspath(path)} holds no samples; write one sample per line, e.g. '1,-2/3'")
    try:
        return exact_matrix(rows, "inputs")
    except RelugeomError as err:
        raise FormatError(f"{os.fspath(path)}: {err}") from None


def save_inputs(X: Any, path: str | os.PathLike) -> None:
    """Write a batch as CSV with exact string numbers."""
    batch = exact_matrix(X, "inputs")
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        for row in batch:
            writer.writerow([str(v) for v in row])


def json_ready(obj: Any) -> Any:
    """``obj`` with Fractions as exact strings ``"p/q"``, tuples as lists, and floats outside float64's
    finite range (inf, NaN: a float display of a huge exact number) as None, so that ``json.dumps`` gives
    strict JSON.

    >>> json_ready({"q": Fraction(1, 3), "v": (2.5, float("inf")), "n": None})
    {'q': '1/3', 'v': [2.5, None], 'n': None}
    """
    if isinstance(obj, Fraction):
        return str(obj)
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: json_ready(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_ready(v) for v in obj]
    return obj
