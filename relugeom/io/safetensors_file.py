"""safetensors files: a state dict of named tensors ↔ an exact :class:`~relugeom.core.network.Network`.

A safetensors file is an 8-byte little-endian header length ``N``, a JSON header of ``N`` bytes
(each tensor's ``dtype``, ``shape`` and ``data_offsets`` into the data, and an optional
``"__metadata__"`` object of strings), then the data. relugeom reads the names as a state dict (see
:mod:`~relugeom.io.state_dict`: ``"0.weight"``, ``"0.bias"``, ``"2.weight"``, …, every weight
``out × in``), its numbers at their exact binary value.

**Layer order.** A file keeps no order of its tensors. A file written by :func:`save_safetensors` lists its
layers in its metadata (``"relugeom_layers": "0,2,4"``, the layer prefixes from the input to the
output); any other file is read in the natural order of the names (``"2.weight"`` before ``"10.weight"``).

**Reading.** The header is parsed and checked here first, before anything is read or allocated: a header
length beyond the file, data offsets outside the data, overlapping or leaving gaps (the format forbids
them), and a shape whose byte count is not the offsets' are refused
(:class:`~relugeom.exceptions.FormatError`, naming the file). The tensors are
then read with the safetensors package's numpy API (``safe_open(path, framework="np")``; torch is not
needed), except **bfloat16** tensors, which numpy has no dtype for (safetensors 0.8 raises ``TypeError:
data type 'bfloat16' not understood`` unless the ``ml_dtypes`` package happens to have been imported):
relugeom reads their bytes itself, whatever is installed, and widens each 16-bit pattern to the float32
with the same high 16 bits (``bits << 16``), which is exactly the same number. F64, F32, F16, BF16 and
integer tensors are read; the float8 formats and booleans are refused.

**Writing.** :func:`save_safetensors` writes :func:`~relugeom.io.state_dict.state_dict_from_network`'s
arrays with ``safetensors.numpy.save_file`` and the metadata ``{"format": "relugeom-network",
"relugeom_layers": "0,2,…"}``. For ``dtype="bfloat16"`` (no numpy dtype) relugeom writes the file
itself, in the same layout, each number's bfloat16 bits being the high half of its float32 bits (exact:
:func:`~relugeom.io.state_dict.exact_float_array` has checked, or rounded, every number to bfloat16);
``safetensors.torch.load_file`` reads it back as ``torch.bfloat16`` tensors.

Examples
--------
>>> import os, tempfile
>>> from relugeom.core.network import Network
>>> import pytest; st = pytest.importorskip("safetensors")
>>> net = Network.from_layers([([[1, "1/2"], [-3, 0]], [0, "-1/4"]), ([[2, 1]], [1])])
>>> path = os.path.join(tempfile.mkdtemp(), "net.safetensors")
>>> save_safetensors(net, path, dtype="bfloat16")
>>> read_header(path)[1]
{'format': 'relugeom-network', 'relugeom_layers': '0,2'}
>>> load_safetensors(path) == net
True
"""

from __future__ import annotations

import json
import math
import os
from collections import OrderedDict
from typing import Any

import numpy as np

from ..core.network import FORMAT_NAME, Network
from ..exceptions import FormatError, MissingExtraError, NotExactError
from ..numbers import format_name, parse_json_int
from .atomic import atomic_path, atomic_write
from .state_dict import (
    BiasFree,
    Rounding,
    bfloat16_bytes,
    network_from_state_dict,
    sequential_names,
    state_dict_from_network,
)

__all__ = ["load_safetensors", "save_safetensors", "read_header", "widen_bfloat16", "LAYERS_KEY"]

#: The metadata key under which :func:`save_safetensors` lists the layer prefixes in order.
LAYERS_KEY = "relugeom_layers"

#: safetensors dtype → (bytes per entry, numpy dtype read by the safetensors package, or None if relugeom
#: reads the bytes itself).
_DTYPES: dict[str, tuple[int, Any]] = {
    "F64": (8, np.float64),
    "F32": (4, np.float32),
    "F16": (2, np.float16),
    "BF16": (2, None),
    "I64": (8, np.int64),
    "I32": (4, np.int32),
    "I16": (2, np.int16),
    "I8": (1, np.int8),
    "U64": (8, np.uint64),
    "U32": (4, np.uint32),
    "U16": (2, np.uint16),
    "U8": (1, np.uint8),
}
_WRITE_DTYPES = {"float64": "F64", "float32": "F32", "float16": "F16", "bfloat16": "BF16"}


def _require_safetensors() -> Any:
    try:
        import safetensors.numpy
    except ImportError:
        raise MissingExtraError(
            'reading and writing .safetensors files needs the safetensors package: pip install -e ".[safetensors]"'
        ) from None
    return safetensors


def widen_bfloat16(raw: bytes) -> np.ndarray:
    """Little-endian bfloat16 bytes as float32 numbers, exactly (each 16 bits become a float32's high half).

    >>> widen_bfloat16(bytes([0xC0, 0x3F, 0x80, 0xBE])).tolist()  # 0x3FC0 = 1.5, 0xBE80 = -0.25
    [1.5, -0.25]
    """
    bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
    return bits.astype("<u4").view("<f4").astype(np.float32)


def _header_error(source: str, what: str) -> FormatError:
    return FormatError(f"{source} is not a valid safetensors file: {what}")


def read_header(path: str | os.PathLike) -> tuple[dict[str, dict], dict[str, str], int]:
    """The checked header of a safetensors file: (name → {dtype, shape, data_offsets}, metadata, data start).

    Nothing is allocated beyond what the file holds: the header length is compared with the file's
    size before the header is read, and every tensor's offsets and byte count are checked against the
    data. Raises :class:`~relugeom.exceptions.FormatError` naming the file.

    >>> read_header("no/such/file.safetensors")
    Traceback (most recent call last):
    ...
    relugeom.exceptions.FormatError: network file not found: no/such/file.safetensors
    """
    source = os.fspath(path)
    try:
        size = os.path.getsize(source)
        with open(source, "rb") as fh:
            head = fh.read(8)
            if len(head) < 8:
                raise _header_error(source, f"it has {size} bytes, fewer than the 8 of the header length")
            length = int.from_bytes(head, "little")
            if length > size - 8:
                raise _header_error(source, f"its header length {length} is beyond the file's {size} bytes")
            text = fh.read(length)
    except FileNotFoundError:
        raise FormatError(f"network file not found: {source}") from None
    except IsADirectoryError:
        raise FormatError(f"{source} is a directory, not a safetensors file") from None
    except OSError as err:
        raise FormatError(f"cannot read {source}: {err.strerror or err}") from None
    try:
        header = json.loads(text.decode("utf-8"), parse_int=parse_json_int)  # no huge integers to expand
    except NotExactError as err:
        raise _header_error(source, f"its header holds a number too long to read ({err})") from None
    except (UnicodeDecodeError, ValueError):
        raise _header_error(source, "its header is not JSON") from None
    if not isinstance(header, dict):
        raise _header_error(source, "its header is not a JSON object")
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise _header_error(source, "'__metadata__' is not an object of strings")
    data_size = size - 8 - length
    spans = []
    for name, info in header.items():
        if not isinstance(info, dict) or not {"dtype", "shape", "data_offsets"} <= set(info):
            raise _header_error(source, f"tensor {name!r} lacks 'dtype', 'shape' or 'data_offsets'")
        dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
        ints = isinstance(shape, list) and isinstance(offsets, list) and len(offsets) == 2
        if not ints or not all(type(v) is int and v >= 0 for v in [*shape, *offsets]):
            raise _header_error(source, f"tensor {name!r} has a malformed shape {shape!r} or offsets {offsets!r}")
        begin, end = offsets
        if not begin <= end <= data_size:
            raise _header_error(
                source, f"tensor {name!r} has data offsets [{begin}, {end}] outside the data's {data_size} bytes"
            )
        if dtype not in _DTYPES:
            raise FormatError(
                f"{source}: tensor {name!r} has dtype {dtype!r}; relugeom reads F64, F32, F16, BF16 and integer "
                f"tensors (convert the model to float32 before saving it)"
            )
        nbytes = math.prod(shape) * _DTYPES[dtype][0]
        if nbytes != end - begin:
            raise _header_error(
                source,
                f"tensor {name!r} of shape {shape} and dtype {dtype} needs {nbytes} bytes, its offsets "
                f"give {end - begin}",
            )
        spans.append((begin, end, name))
    spans.sort()
    for (_, end, first), (begin, _, second) in zip(spans, spans[1:]):
        if begin != end:
            what = "overlap" if begin < end else f"leave a gap of {begin - end} bytes between them"
            raise _header_error(source, f"the data of tensors {first!r} and {second!r} {what}")
    covered = (spans[0][0], spans[-1][1]) if spans else (0, 0)
    if covered != (0, data_size):
        raise _header_error(source, f"its tensors cover bytes {list(covered)} of its {data_size} bytes of data")
    return header, metadata, 8 + length


def _read_tensors(path: str, header: dict[str, dict], start: int) -> dict[str, np.ndarray]:
    """Every tensor of the file: BF16 widened from its bytes here, the others by the safetensors package."""
    safetensors = _require_safetensors()
    tensors: dict[str, np.ndarray] = {}
    others = [name for name, info in header.items() if info["dtype"] != "BF16"]
    if others:
        try:
            with safetensors.safe_open(path, framework="np") as fh:
                for name in others:
                    tensors[name] = fh.get_tensor(name)
        except (safetensors.SafetensorError, OSError, TypeError, ValueError) as err:
            message = " ".join(str(err).split()) or type(err).__name__
            raise FormatError(f"{path} is not a valid safetensors file: {message}") from None
    with open(path, "rb") as fh:
        for name, info in header.items():
            if info["dtype"] == "BF16":
                begin, end = info["data_offsets"]
                fh.seek(start + begin)
                raw = fh.read(end - begin)  # checked: within the file
                tensors[name] = widen_bfloat16(raw).reshape(info["shape"])
    return tensors


def _in_layer_order(tensors: dict[str, np.ndarray], listed: str, source: str) -> "OrderedDict[str, np.ndarray]":
    """The tensors in the order of the metadata's layer prefixes (weight, bias of each); other names last."""
    prefixes = listed.split(",")
    if len(set(prefixes)) != len(prefixes) or not all(prefixes):
        raise FormatError(f"{source}: metadata {LAYERS_KEY!r} = {listed!r} is not a list of distinct layer names")
    for name in tensors:
        prefix, _, suffix = name.rpartition(".")
        if suffix in ("weight", "bias") and prefix not in prefixes:
            raise FormatError(
                f"{source}: tensor {name!r} belongs to no layer of the metadata's {LAYERS_KEY!r} = {listed!r}"
            )
    state: OrderedDict[str, np.ndarray] = OrderedDict()
    for prefix in prefixes:
        if f"{prefix}.weight" not in tensors:
            raise FormatError(f"{source}: metadata {LAYERS_KEY!r} lists layer {prefix!r}, which has no weight")
        for name in (f"{prefix}.weight", f"{prefix}.bias"):
            if name in tensors:
                state[name] = tensors[name]
    state.update((name, value) for name, value in tensors.items() if name not in state)
    return state


def load_safetensors(path: str | os.PathLike, *, bias_free: BiasFree = None) -> Network:
    """The exact network of a safetensors file (see the module docstring).

    Parameters
    ----------
    path : str or path-like
    bias_free : None or "zero"
        A layer without a bias is refused (None) or read with bias 0 (``"zero"``).

    Raises
    ------
    FormatError
        A missing or malformed file, or (:class:`~relugeom.exceptions.UnsupportedModelError`) tensors that
        are not the layers of a fully connected ReLU network.
    MissingExtraError
        Without the safetensors package.
    """
    source = os.fspath(path)
    _require_safetensors()
    header, metadata, start = read_header(source)
    tensors = _read_tensors(source, header, start)
    if LAYERS_KEY in metadata:
        state = _in_layer_order(tensors, metadata[LAYERS_KEY], source)
        return network_from_state_dict(state, bias_free=bias_free, order="given", source=source)
    return network_from_state_dict(tensors, bias_free=bias_free, order="natural", source=source)


def _write_bfloat16(state: "OrderedDict[str, np.ndarray]", path: str, metadata: dict[str, str]) -> None:
    """Write float32 arrays holding bfloat16 numbers as a BF16 safetensors file (the layout of the format)."""
    header: dict[str, Any] = {"__metadata__": metadata}
    chunks, pos = [], 0
    for name, arr in state.items():
        raw = bfloat16_bytes(arr)
        header[name] = {"dtype": "BF16", "shape": list(arr.shape), "data_offsets": [pos, pos + len(raw)]}
        chunks.append(raw)
        pos += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned, as safetensors writes it
    with atomic_write(path, "wb") as fh:
        fh.write(len(text).to_bytes(8, "little"))
        fh.write(text)
        for raw in chunks:
            fh.write(raw)


def save_safetensors(
    net: Network, path: str | os.PathLike, *, dtype: Any = "float64", rounding: Rounding = None
) -> None:
    """Write ``net`` as a safetensors file of ``nn.Sequential`` names (``"0.weight"``, ``"0.bias"``, …).

    Parameters
    ----------
    net : Network
    path : str or path-like
    dtype : "float64", "float32", "float16" or "bfloat16" (or the torch dtype)
        The float format of every tensor. bfloat16 files are written by relugeom itself (numpy has no
        bfloat16), in the format's layout; the others by ``safetensors.numpy.save_file``.
    rounding : None or "nearest"
        As in :func:`~relugeom.io.state_dict.state_dict_from_network`.

    Raises
    ------
    MissingExtraError
        Without the safetensors package (``pip install -e ".[safetensors]"``).
    """
    name = format_name(dtype)  # InvalidArgumentError for an unknown one; _WRITE_DTYPES has every format
    safetensors = _require_safetensors()
    state = state_dict_from_network(net, name, rounding)
    target = os.fspath(path)
    metadata = {
        "format": FORMAT_NAME,
        LAYERS_KEY: ",".join(w.rpartition(".")[0] for w, _ in sequential_names(net.num_layers)),
    }
    try:
        if name == "bfloat16":
            _write_bfloat16(state, target, metadata)
        else:
            with atomic_path(target) as tmp:
                safetensors.numpy.save_file(dict(state), tmp, metadata=metadata)
    except (OSError, safetensors.SafetensorError) as err:
        raise FormatError(f"cannot write {target}: {getattr(err, 'strerror', None) or err}") from None
