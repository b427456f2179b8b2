"""safetensors files (being written)."""

from __future__ import annotations

from typing import Any

__all__ = ["load_safetensors", "save_safetensors"]


def load_safetensors(path: Any, *, bias_free: Any = None) -> Any:
    raise NotImplementedError


def save_safetensors(net: Any, path: Any, *, dtype: Any = "float64", rounding: Any = None) -> None:
    raise NotImplementedError
