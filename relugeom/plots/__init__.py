"""Pictures, drawn from exact results (numbers become floats only when handed to matplotlib).

``regions`` (regions of a 2-D input coloured by pattern, or F on one input with its breakpoints),
``segments`` (F along a segment, kinks and pattern switches), ``training`` (loss and BFD curves, the
saddle-to-saddle run). The names below load their module, and so matplotlib, on first use: importing
relugeom never imports matplotlib.
"""

from importlib import import_module
from typing import Any

__all__ = ["plot_regions", "plot_segment", "plot_history", "plot_saddle_run"]

_HOME = {
    "plot_regions": "regions",
    "plot_segment": "segments",
    "plot_history": "training",
    "plot_saddle_run": "training",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(import_module(f".{_HOME[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
