"""State dicts: named weight and bias arrays ↔ an exact :class:`~relugeom.core.network.Network`.

A state dict is what PyTorch's ``model.state_dict()`` returns and what safetensors and ``.pt`` files
hold: a mapping from names such as ``"0.weight"``, ``"0.bias"``, ``"2.weight"``, … (or ``"fc1.weight"``)
to arrays. relugeom reads it as the fully connected ReLU network
``Linear → ReLU → Linear → … → Linear``: the layers in the order of the mapping (or, for files, whose
order is not kept, in the natural order of the names: ``"2"`` before ``"10"``), a ReLU between two
layers and none after the last. Numbers enter at their exact binary value (float32, float16 and
bfloat16 parameters are exact rationals); nothing is rounded.

Every weight is ``out × in`` (torch's ``Linear`` convention) and every bias has ``out`` entries. A layer
without a bias is refused unless ``bias_free="zero"`` is passed: relugeom's parameter space contains every
bias, so the imported network then has extra parameters the model did not train (its BFD counts them).

:func:`state_dict_from_network` writes a network back, with the names of ``nn.Sequential(Linear, ReLU,
Linear, …)`` (``"0.weight"``, ``"0.bias"``, ``"2.weight"``, …), as float arrays of a chosen format. A
parameter the format cannot hold exactly is refused unless ``rounding="nearest"`` asks for rounding.

Examples
--------
>>> import numpy as np
>>> from collections import OrderedDict
>>> state = OrderedDict([("0.weight", np.array([[1.0], [1.0]])), ("0.bias", np.array([0.0, -1.0])),
...                      ("2.weight", np.array([[1.0, 0.5]], dtype=np.float32)), ("2.bias", np.zeros(1))])
>>> net = network_from_state_dict(state)
>>> net.widths, [str(w) for w in net.parameters()]
((1, 2, 1), ['1', '1', '0', '-1', '1', '1/2', '0'])
>>> sorted(state_dict_from_network(net))
['0.bias', '0.weight', '2.bias', '2.weight']
>>> network_from_state_dict({"0.weight": np.ones((2, 1)), "0.bias": np.zeros(2), "1.running_mean": np.zeros(2)})
Traceback (most recent call last):
...
relugeom.exceptions.UnsupportedModelError: state dict key '1.running_mean' is not a weight or a bias of a Linear layer (a BatchNorm's running statistics?); relugeom reads fully connected ReLU networks only: remove that layer from the model
"""

from __future__ import annotations

import re
from collections import OrderedDict
from fractions import Fraction
from typing import Any, Literal, Mapping

import numpy as np

from ..core.network import Network
from ..exceptions import InvalidArgumentError, NotExactError, ShapeError, UnsupportedModelError
from ..numbers import as_numpy, exact_matrix, exact_vector, format_name, round_to_format

__all__ = [
    "bfloat16_bytes",
    "network_from_state_dict",
    "state_dict_from_network",
    "natural_key",
    "exact_float_array",
    "sequential_names",
    "BIAS_FREE_HINT",
]

BiasFree = Literal[None, "zero"]
Rounding = Literal[None, "nearest"]

#: What every refusal of a bias-free layer says to do (state dicts, torch models, ONNX graphs).
BIAS_FREE_HINT = (
    "pass bias_free='zero' (CLI: --bias-free zero) to read it with bias 0 (relugeom's parameters then include "
    "that bias, so the BFD counts its directions)"
)

_NUMPY_DTYPES = {"float64": np.float64, "float32": np.float32, "float16": np.float16}


def natural_key(name: str) -> tuple:
    """Sort key putting ``"layer2"`` before ``"layer10"`` (digit runs compare as numbers).

    >>> sorted(["10.weight", "2.weight", "fc1.bias"], key=natural_key)
    ['2.weight', '10.weight', 'fc1.bias']
    """
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", name) if part)


def _split(key: str) -> tuple[str, str]:
    prefix, _, suffix = key.rpartition(".")
    return prefix, suffix


def _what_else(suffix: str) -> str:
    if suffix in ("running_mean", "running_var", "num_batches_tracked"):
        return " (a BatchNorm's running statistics?)"
    if suffix in ("weight_orig", "weight_g", "weight_v", "parametrizations"):
        return " (a weight-normalised or parametrised layer?)"
    return ""


def network_from_state_dict(
    state: Mapping[str, Any],
    *,
    bias_free: BiasFree = None,
    order: Literal["given", "natural"] = "given",
    source: str = "state dict",
) -> Network:
    """The exact network of a state dict (see the module docstring).

    Parameters
    ----------
    state : mapping name → array (numpy arrays, torch tensors or nested lists)
    bias_free : None or "zero"
        A layer without a bias is refused (None) or read with bias 0 (``"zero"``).
    order : "given" or "natural"
        The layer order: the mapping's own (a ``state_dict()``), or the natural order of the names
        (files whose order is not kept, such as safetensors).
    source : str
        What the state dict is, for messages (e.g. the file name).
    """
    if bias_free not in (None, "zero"):
        raise InvalidArgumentError(f"bias_free must be None or 'zero', got {bias_free!r}")
    if not isinstance(state, Mapping):
        raise UnsupportedModelError(
            f"{source}: expected a mapping of names to weight and bias arrays, got {type(state).__name__}"
        )
    groups: dict[str, dict[str, Any]] = {}
    for key, value in state.items():
        if not isinstance(key, str):
            raise UnsupportedModelError(f"{source}: key {key!r} is not a string; name tensors like '0.weight'")
        prefix, suffix = _split(key)
        if suffix not in ("weight", "bias"):
            raise UnsupportedModelError(
                f"{source} key {key!r} is not a weight or a bias of a Linear layer{_what_else(suffix)}; relugeom "
                f"reads fully connected ReLU networks only: remove that layer from the model"
            )
        groups.setdefault(prefix, {})[suffix] = value
    if not groups:
        raise UnsupportedModelError(f"{source} holds no tensors; expected '0.weight', '0.bias', '2.weight', …")
    prefixes = sorted(groups, key=natural_key) if order == "natural" else list(groups)
    layers = []
    previous: tuple[str, int] | None = None
    for prefix in prefixes:
        group = groups[prefix]
        name = f"{prefix}.weight" if prefix else "weight"
        if "weight" not in group:
            raise UnsupportedModelError(f"{source}: {prefix + '.bias'!r} has no matching {name!r}")
        W = as_numpy(group["weight"])
        shape = tuple(np.shape(W))
        if len(shape) != 2:
            kind = " (a convolution's kernel?)" if len(shape) > 2 else ""
            raise UnsupportedModelError(
                f"{source}: {name!r} has shape {shape}, not out x in{kind}; relugeom reads Linear layers only"
            )
        if previous is not None and shape[1] != previous[1]:
            raise ShapeError(
                f"{source}: {name!r} takes {shape[1]} inputs but {previous[0]!r} gives {previous[1]} outputs; "
                f"the layers must chain (out x in weights, listed from the input to the output)"
            )
        if "bias" in group:
            b = group["bias"]
        elif bias_free == "zero":
            b = [0] * shape[0]
        else:
            raise UnsupportedModelError(f"{source}: layer {prefix or name!r} has no bias; {BIAS_FREE_HINT}")
        layers.append((exact_matrix(W, name), exact_vector(b, f"{prefix}.bias" if prefix else "bias")))
        previous = (name, shape[0])
    try:
        return Network.from_layers(layers)
    except ShapeError as err:
        raise ShapeError(f"{source}: {err}") from None


def sequential_names(num_layers: int) -> list[tuple[str, str]]:
    """The state-dict names of ``nn.Sequential(Linear, ReLU, …, Linear)``'s layers.

    >>> sequential_names(2)
    [('0.weight', '0.bias'), ('2.weight', '2.bias')]
    """
    return [(f"{2 * k}.weight", f"{2 * k}.bias") for k in range(num_layers)]


def exact_float_array(values: Any, fmt: str, rounding: Rounding = None, where: str = "parameter") -> np.ndarray:
    """Exact numbers as a float array that holds them: float64/32/16 as that dtype, bfloat16 as float32
    (every bfloat16 is a float32, so a torch ``.to(torch.bfloat16)`` of it is exact).

    A number the format cannot hold is refused (:class:`NotExactError`) unless ``rounding="nearest"``,
    which rounds it once, correctly (ties to even).

    >>> exact_float_array([[Fraction(1, 2), 3]], "float32").dtype
    dtype('float32')
    >>> exact_float_array([Fraction(1, 3)], "float64", where="W[0]")
    Traceback (most recent call last):
    ...
    relugeom.exceptions.NotExactError: W[0][0] = 1/3 is not a float64 number; pass rounding='nearest' (CLI: --rounding nearest) to round it to the nearest float64, or keep the network in relugeom's JSON format, which is exact
    """
    name = format_name(fmt)
    if rounding not in (None, "nearest"):
        raise InvalidArgumentError(f"rounding must be None or 'nearest', got {rounding!r}")
    arr = np.asarray(values, dtype=object)
    out = np.empty(arr.shape, dtype=np.float64)
    for index, q in np.ndenumerate(arr):
        q = Fraction(q)
        r = round_to_format(q, name)
        if r != q and rounding is None:
            at = "".join(f"[{i}]" for i in index) if len(index) != 2 else f"[{index[0]}, {index[1]}]"
            raise NotExactError(
                f"{where}{at} = {q} is not a {name} number; pass rounding='nearest' (CLI: --rounding nearest) to "
                f"round it to the nearest {name}, or keep the network in relugeom's JSON format, which is exact"
            )
        out[index] = float(r)  # exact: r is a float64 (every format here is within float64)
    return out.astype(_NUMPY_DTYPES.get(name, np.float32))


def state_dict_from_network(
    net: Network, fmt: str = "float64", rounding: Rounding = None
) -> "OrderedDict[str, np.ndarray]":
    """``net``'s layers as ``nn.Sequential`` state-dict names → float arrays of format ``fmt``.

    ``rounding``: with None, a parameter the format cannot hold is refused
    (:class:`~relugeom.exceptions.NotExactError`); with ``"nearest"`` it is rounded to the nearest number of
    the format (ties to even), once, exactly (:func:`~relugeom.numbers.round_to_format`).

    >>> from relugeom.core.network import Network
    >>> sd = state_dict_from_network(Network.from_layers([([[1, "1/4"]], [-2])]), "float16")
    >>> sd["0.weight"].tolist(), sd["0.bias"].dtype
    ([[1.0, 0.25]], dtype('float16'))
    """
    state: OrderedDict[str, np.ndarray] = OrderedDict()
    for k, ((W, b), (wname, bname)) in enumerate(zip(net.layers(), sequential_names(net.num_layers))):
        state[wname] = exact_float_array(W, fmt, rounding, f"layer {k} weight")
        state[bname] = exact_float_array(b, fmt, rounding, f"layer {k} bias")
    return state


def bfloat16_bytes(arr: np.ndarray) -> bytes:
    """The little-endian bfloat16 encoding of a float32 array that holds bfloat16 numbers (exactly: the high
    half of each float32's bits), as ONNX's raw data and safetensors' BF16 tensors store it.

    >>> bfloat16_bytes(np.array([1.0, -2.0], dtype=np.float32)).hex()
    '803f00c0'
    """
    return (np.ascontiguousarray(arr, dtype="<f4").view("<u4") >> 16).astype("<u2").tobytes()
