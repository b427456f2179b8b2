"""PyTorch interop (being written)."""

from __future__ import annotations

from typing import Any

__all__ = ["from_torch", "to_torch", "load_pt", "save_pt"]


def from_torch(obj: Any, *, bias_free: Any = None) -> Any:
    raise NotImplementedError


def to_torch(net: Any, dtype: Any = None, *, rounding: Any = None) -> Any:
    raise NotImplementedError


def load_pt(path: Any, *, bias_free: Any = None) -> Any:
    raise NotImplementedError


def save_pt(net: Any, path: Any, *, dtype: Any = "float64", rounding: Any = None) -> None:
    raise NotImplementedError
