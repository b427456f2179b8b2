"""Files and foreign objects in, exact networks out (and back).

* :mod:`~relugeom.io.network_json`: relugeom's own network JSON, counterexample files and CSV batches.
* :mod:`~relugeom.io.formats`: :func:`load_network` / :func:`save_network` choose the format by extension.
"""

from .network_json import (
    COUNTEREXAMPLE_FORMAT,
    json_ready,
    load_inputs,
    load_json,
    load_network,
    load_network_and_inputs,
    save_inputs,
    save_network,
)

__all__ = [
    "COUNTEREXAMPLE_FORMAT",
    "json_ready",
    "load_inputs",
    "load_json",
    "load_network",
    "load_network_and_inputs",
    "save_inputs",
    "save_network",
]
