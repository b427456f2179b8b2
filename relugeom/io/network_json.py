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
import sys
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ..core.network import Network
from ..exceptions import FormatError, NotExactError, RelugeomError
from ..numbers import Matrix, exact_matrix, parse_json_decimal, parse_json_int
from .atomic import atomic_write

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


#: What each kind of file read here should hold, for the errors that say what to give instead.
_WHAT_TO_GIVE = {
    "network": 'a relugeom-network JSON file ({"format": "relugeom-network", "version": 1, "layers": [...]})',
    "counterexample": "a counterexample JSON file written by 'relugeom search'",
    "inputs": "a CSV inputs file, one sample a row such as '1,-2/3'",
}


def _give(what: str) -> str:
    return _WHAT_TO_GIVE.get(what, f"a {what} file")


def _read_text(path: str | os.PathLike, what: str) -> str:
    """The text of a UTF-8 file (a byte-order mark tolerated); :class:`FormatError` naming the file for a
    missing or unreadable file and for bytes that are not UTF-8 text (a binary file)."""
    try:
        with open(path, encoding="utf-8-sig") as fh:  # tolerate a byte-order mark
            return fh.read()
    except FileNotFoundError:
        raise FormatError(f"{what} file not found: {os.fspath(path)}") from None
    except UnicodeDecodeError as err:
        raise FormatError(
            f"{os.fspath(path)} is not a text file (UTF-8): {err.reason} at byte {err.start}; give {_give(what)}"
        ) from None
    except OSError as err:
        raise FormatError(f"cannot read {what} file {os.fspath(path)}: {err.strerror or err}") from None
    except (ValueError, MemoryError) as err:  # e.g. a path with a NUL byte, a file too large for memory
        raise FormatError(f"cannot read {what} file {os.fspath(path)!r}: {err or type(err).__name__}") from None


def load_json(path: str | os.PathLike, what: str = "network", parse_float: Any = Decimal) -> Any:
    """Parse a JSON file; :class:`FormatError` naming ``what`` if it is missing or malformed.

    JSON floats become the decimals they spell (``parse_float=Decimal``, for exact numbers) unless
    ``parse_float=float`` is asked for (measured quantities such as singular values). JSON integers, and
    JSON floats read as decimals, larger than the cap of :func:`relugeom.numbers.digit_limit` raise
    :class:`NotExactError` naming the file, before they are expanded.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "deep.json")
    >>> with open(path, "w") as fh:
    ...     _ = fh.write("[" * 100_000)
    >>> load_json(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    relugeom.exceptions.FormatError: .../deep.json nests JSON arrays or objects too deeply to read ...
    """
    text = _read_text(path, what)
    try:
        return json.loads(
            text, parse_float=parse_json_decimal if parse_float is Decimal else parse_float, parse_int=parse_json_int
        )
    except json.JSONDecodeError as err:
        raise FormatError(
            f"{os.fspath(path)} is not valid JSON: {err.msg} at line {err.lineno}, column {err.colno}; "
            f"give {_give(what)}"
        ) from None
    except NotExactError as err:  # a number beyond the cap of digit_limit
        raise NotExactError(f"{os.fspath(path)}: {err}") from None
    except RecursionError:
        raise FormatError(
            f"{os.fspath(path)} nests JSON arrays or objects too deeply to read (more than about "
            f"{sys.getrecursionlimit()} levels); give {_give(what)}"
        ) from None
    except (ValueError, ArithmeticError, MemoryError) as err:  # any other refusal of the parser or of parse_float
        raise FormatError(
            f"cannot read {os.fspath(path)} as JSON: {err or type(err).__name__}; give {_give(what)}"
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
    with atomic_write(path, "w", encoding="utf-8") as fh:
        json.dump(net.to_dict(), fh, indent=1)
        fh.write("\n")


def load_inputs(path: str | os.PathLike) -> Matrix:
    """Read a CSV of inputs, one sample a row, exactly.

    A missing, binary or malformed file, and a number that cannot be read (or is larger than the cap of
    :func:`relugeom.numbers.digit_limit`), raise :class:`FormatError` naming the file.
    """
    text = _read_text(path, "inputs")
    rows: list[list[str]] = []
    try:
        for row in csv.reader(text.splitlines()):
            cells = [c.strip() for c in row]
            if not cells or all(c == "" for c in cells) or cells[0].startswith("#"):
                continue
            rows.append(cells)
    except csv.Error as err:  # e.g. a field longer than csv.field_size_limit()
        raise FormatError(f"{os.fspath(path)} is not a CSV file of inputs: {err}; give {_give('inputs')}") from None
    if not rows:
        raise FormatError(f"{os.fspath(path)} holds no samples; write one sample per line, e.g. '1,-2/3'")
    try:
        return exact_matrix(rows, "inputs")
    except RelugeomError as err:
        raise FormatError(f"{os.fspath(path)}: {err}") from None


def save_inputs(X: Any, path: str | os.PathLike) -> None:
    """Write a batch as CSV with exact string numbers."""
    batch = exact_matrix(X, "inputs")
    with atomic_write(path, "w", encoding="utf-8", newline="") as fh:
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
