"""ONNX graphs (being written)."""

from __future__ import annotations

from typing import Any

__all__ = ["load_onnx", "save_onnx"]


def load_onnx(path: Any, *, bias_free: Any = None) -> Any:
    raise NotImplementedError


def save_onnx(net: Any, path: Any, *, dtype: Any = "float64", rounding: Any = None) -> None:
    raise NotImplementedError
