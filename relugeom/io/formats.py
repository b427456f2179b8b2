"""Network files by extension: ``.json`` (relugeom's exact format), ``.safetensors``, ``.onnx``, ``.pt``/``.pth``.

:func:`load_network` and :func:`save_network` choose the format by the file's extension; every CLI
command that takes a network file reads it through :func:`load_network_and_inputs`.

==================  =======================================================  ==========================
extension           what it holds                                            needs
==================  =======================================================  ==========================
``.json``           relugeom-network JSON, exact rationals (or a             nothing
                    counterexample file: network and inputs)
``.safetensors``    a state dict (``"0.weight"``, ``"0.bias"``, …)            the ``safetensors`` extra
``.onnx``           a graph of ``Gemm`` (or ``MatMul`` + ``Add``), ``Relu``,  the ``onnx`` extra
                    ``Flatten``, ``Identity``
``.pt``, ``.pth``   a state dict saved by ``torch.save``, read with           the ``torch`` extra
                    ``torch.load(..., weights_only=True)`` (never unpickled)
==================  =======================================================  ==========================

The float formats hold binary floats, which are exact rationals: reading one never rounds. Writing one
refuses a parameter the float format cannot hold (``1/3``) unless ``rounding="nearest"`` is passed;
``dtype`` picks the format (float64 by default; the JSON format is always exact and takes neither).

Examples
--------
>>> network_format("model.safetensors"), network_format("ckpt.PTH")
('safetensors', 'pt')
>>> network_format("model.h5")
Traceback (most recent call last):
...
relugeom.exceptions.FormatError: cannot tell the network format of model.h5 from its extension: use .json, .safetensors, .onnx, .pt or .pth
"""

from __future__ import annotations

import os
from typing import Any

from ..core.network import Network
from ..exceptions import FormatError, InvalidArgumentError
from ..numbers import Matrix
from . import network_json, onnx_graph, pytorch, safetensors_file
from .state_dict import BiasFree, Rounding

__all__ = ["NETWORK_FORMATS", "network_format", "load_network", "load_network_and_inputs", "save_network"]

#: File extension → format name.
NETWORK_FORMATS = {".json": "json", ".safetensors": "safetensors", ".onnx": "onnx", ".pt": "pt", ".pth": "pt"}

_LOADERS = {"safetensors": safetensors_file.load_safetensors, "onnx": onnx_graph.load_onnx, "pt": pytorch.load_pt}
_SAVERS = {"safetensors": safetensors_file.save_safetensors, "onnx": onnx_graph.save_onnx, "pt": pytorch.save_pt}


def network_format(path: str | os.PathLike) -> str:
    """The format of a network file, from its extension (case-insensitive)."""
    ext = os.path.splitext(os.fspath(path))[1].lower()
    if ext not in NETWORK_FORMATS:
        raise FormatError(
            f"cannot tell the network format of {os.fspath(path)} from its extension: use "
            f"{', '.join(list(NETWORK_FORMATS)[:-1])} or {list(NETWORK_FORMATS)[-1]}"
        )
    return NETWORK_FORMATS[ext]


def load_network_and_inputs(path: str | os.PathLike, *, bias_free: BiasFree = None) -> tuple[Network, Matrix | None]:
    """A network file's network, and the batch of a counterexample file (None for every other file)."""
    fmt = network_format(path)
    if fmt == "json":
        return network_json.load_network_and_inputs(path)
    if not os.path.isfile(path):  # before the loader: without its extra, "not found" beats "install"
        raise FormatError(f"network file not found: {os.fspath(path)}")
    return _LOADERS[fmt](path, bias_free=bias_free), None


def load_network(path: str | os.PathLike, *, bias_free: BiasFree = None) -> Network:
    """Read a network file of any format in :data:`NETWORK_FORMATS` (see the module docstring).

    ``bias_free="zero"`` reads a layer without a bias (a torch ``Linear(bias=False)``) with bias 0.
    """
    return load_network_and_inputs(path, bias_free=bias_free)[0]


def save_network(net: Network, path: str | os.PathLike, *, dtype: Any = None, rounding: Rounding = None) -> None:
    """Write ``net`` in the format its extension names.

    ``dtype`` (float formats only: ``"float64"`` by default, ``"float32"``, ``"float16"``, ``"bfloat16"``
    or the torch dtype) and ``rounding`` (None refuses a parameter the dtype cannot hold; ``"nearest"``
    rounds it) apply to the float formats; the JSON format is exact and takes neither.
    """
    fmt = network_format(path)
    if fmt == "json":
        if dtype is not None or rounding is not None:
            raise InvalidArgumentError(
                "the .json format stores exact rationals: dtype and rounding apply to .safetensors, .onnx and .pt only"
            )
        network_json.save_network(net, path)
        return
    _SAVERS[fmt](net, path, dtype="float64" if dtype is None else dtype, rounding=rounding)
