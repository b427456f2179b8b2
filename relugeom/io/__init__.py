"""Files and foreign objects in, exact networks out (and back): the ``io`` layer, just above ``core``.

* :mod:`~relugeom.io.formats`: :func:`load_network` / :func:`save_network` choose the format by extension
  (``.json``, ``.safetensors``, ``.onnx``, ``.pt``/``.pth``).
* :mod:`~relugeom.io.network_json`: relugeom's own exact network JSON, counterexample files, CSV batches.
* :mod:`~relugeom.io.state_dict`: named weight/bias arrays ↔ networks (what the float formats share).
* :mod:`~relugeom.io.pytorch`: :func:`from_torch` / :func:`to_torch` and ``.pt`` files (``weights_only``).
* :mod:`~relugeom.io.safetensors_file`, :mod:`~relugeom.io.onnx_graph`: those two file formats.
* :mod:`~relugeom.io.idx`: the IDX files MNIST ships in.

The optional libraries (torch, safetensors, onnx) are imported on first use; without them the rest works
and the functions that need one raise :class:`~relugeom.exceptions.MissingExtraError` naming the extra.
"""

from .atomic import atomic_path, atomic_write, check_writable, pending_temporaries, remove_pending
from .formats import NETWORK_FORMATS, load_network, load_network_and_inputs, network_format, save_network
from .idx import find_mnist_files, read_idx, read_mnist
from .network_json import COUNTEREXAMPLE_FORMAT, json_ready, load_inputs, load_json, save_inputs
from .pytorch import from_torch, load_pt, save_pt, to_torch
from .state_dict import network_from_state_dict, state_dict_from_network

__all__ = [
    "COUNTEREXAMPLE_FORMAT",
    "NETWORK_FORMATS",
    "atomic_path",
    "atomic_write",
    "check_writable",
    "find_mnist_files",
    "from_torch",
    "json_ready",
    "load_inputs",
    "load_json",
    "load_network",
    "load_network_and_inputs",
    "load_pt",
    "network_format",
    "network_from_state_dict",
    "pending_temporaries",
    "read_idx",
    "read_mnist",
    "remove_pending",
    "save_inputs",
    "save_network",
    "save_pt",
    "state_dict_from_network",
    "to_torch",
]
