"""PyTorch interop: ``nn.Sequential`` models, state dicts and ``.pt`` files ↔ exact networks.

:func:`from_torch` reads a model as the exact network relugeom computes with; :func:`to_torch` writes a
network back as ``nn.Sequential(Linear, ReLU, …, Linear)``; :func:`load_pt` and :func:`save_pt` read and
write ``.pt``/``.pth`` files holding a state dict.

What is read
------------
An ``nn.Sequential`` (nested ones are flattened) of ``Linear`` and ``ReLU`` in the form
``Linear (ReLU Linear)*``, the network of SPEC §1. Also allowed: a leading ``Flatten`` (inputs are read
as rows of ``n0`` numbers anyway), and ``Identity`` and any ``Dropout`` anywhere. relugeom reads the
model's **eval-mode** function, in which dropout is the identity, whatever ``model.training`` says and
whatever ``p`` is. Everything else is refused with :class:`~relugeom.exceptions.UnsupportedModelError`
naming the module's class and its position (``model[2][1]``) and what to do: other activations
(LeakyReLU, GELU, Tanh, …), BatchNorm (fold it into the previous Linear), convolutions, a final softmax
(relugeom differentiates the logits, as [BMB24] recommends), two Linears in a row, a ReLU before the
first or after the last Linear, a Flatten that is not first, and custom ``nn.Module`` classes, whose
``forward`` relugeom cannot see (pass ``model.state_dict()`` instead when its layers are Linear and ReLU
alternating in registration order).

A ``Linear(bias=False)`` is refused unless ``bias_free="zero"`` is passed: it is then read with bias 0,
and relugeom's parameters include that bias, which the model never trained (the BFD counts its
directions; see :mod:`relugeom.io.state_dict`).

Parameters enter at their exact binary value: float32, float16 and bfloat16 weights are exact rationals
(:func:`relugeom.numbers.as_numpy` widens them without rounding and moves them to the CPU), so the exact
network computes the very function the model defines in exact arithmetic.

torch is an optional extra, imported on first use: a state dict of numpy arrays or a list of ``(W, b)``
pairs needs no torch at all.

Examples
--------
>>> import numpy as np
>>> net = from_torch({"0.weight": np.array([[1.0], [1.0]]), "0.bias": np.array([0.0, -1.0]),
...                   "2.weight": np.array([[1.0, 0.5]], dtype=np.float32), "2.bias": np.zeros(1)})
>>> net.widths, [str(p) for p in net.parameters()]
((1, 2, 1), ['1', '1', '0', '-1', '1', '1/2', '0'])
>>> from_torch([(np.array([[0.1]], dtype=np.float32), [0])]).weights[0][0][0]  # float32 0.1, exactly
Fraction(13421773, 134217728)
"""

from __future__ import annotations

import os
import re
from collections import OrderedDict
from typing import Any, Iterable, Mapping

import numpy as np

from ..core.network import Network
from ..exceptions import FormatError, MissingExtraError, UnsupportedModelError
from ..numbers import format_name, is_torch_tensor
from .atomic import atomic_path
from .state_dict import BIAS_FREE_HINT, BiasFree, Rounding, network_from_state_dict, state_dict_from_network

__all__ = ["from_torch", "to_torch", "load_pt", "save_pt"]

#: Keys under which checkpoints commonly keep the model's state dict (tried in this order).
CHECKPOINT_KEYS = ("state_dict", "model_state_dict", "model")

_SOFTMAX = ("Softmax", "LogSoftmax", "Softmin", "Softmax2d", "AdaptiveLogSoftmaxWithLoss")
_READS = "relugeom reads nn.Sequential(Linear, ReLU, …, Linear) (plus a leading Flatten, Identity and Dropout)"


def _torch() -> Any:
    """The torch module, or :class:`MissingExtraError` saying how to install it."""
    try:
        import torch
    except ImportError:
        raise MissingExtraError(
            'PyTorch is not installed: pip install -e ".[torch]" (the CPU wheel suffices: '
            "pip install torch --index-url https://download.pytorch.org/whl/cpu)"
        ) from None
    return torch


def _is_torch_module(obj: Any) -> bool:
    """True for an ``nn.Module``, told without importing torch."""
    return any(c.__module__ == "torch.nn.modules.module" and c.__name__ == "Module" for c in type(obj).__mro__)


# ------------------------------------------------------------------------------------ nn.Sequential
def _leaves(module: Any, path: str, nn: Any) -> list[tuple[str, Any]]:
    """The modules of a (nested) Sequential in execution order, each with its path ``model[2][1]``."""
    out: list[tuple[str, Any]] = []
    for i, child in enumerate(module.children()):
        where = f"{path}[{i}]"
        if isinstance(child, nn.Sequential) and type(child).forward is nn.Sequential.forward:
            out.extend(_leaves(child, where, nn))
        else:
            out.append((where, child))
    return out


def _dropouts(nn: Any) -> tuple[type, ...]:
    """Every dropout class: the identity in eval mode."""
    names = ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout")
    return tuple(getattr(nn, n) for n in names if hasattr(nn, n))


def _kind(module: Any, nn: Any) -> str:
    """What a module is to relugeom: linear, relu, flatten, identity (Identity, Dropout) or refused."""
    if isinstance(module, nn.Linear) and type(module).forward is nn.Linear.forward:
        return "linear"
    if type(module) is nn.ReLU:
        return "relu"
    if type(module) is nn.Flatten:
        return "flatten"
    if type(module) is nn.Identity or type(module) in _dropouts(nn):
        return "identity"
    return "refused"


def _refusal(name: str, where: str, module: Any, nn: Any, last: bool) -> str:
    """The one-line message refusing ``module`` (class ``name``) at ``where``."""
    at = f"{name} at {where}"
    if name in _SOFTMAX:
        if last:
            return f"{at}: drop the softmax: relugeom differentiates the logits, as [BMB24] recommends"
        return f"{at}: a softmax inside the network is not a ReLU; {_READS}"
    if "BatchNorm" in name:
        return (
            f"{at}: fold it into the previous Linear (in eval mode it is affine: W' = s W, b' = s (b - running_mean) "
            f"+ beta with s = gamma / sqrt(running_var + eps), row by row) and remove it; {_READS}"
        )
    if isinstance(module, nn.Linear):
        return f"{at}: a subclass of Linear with its own forward, which relugeom cannot see; use nn.Linear"
    if isinstance(module, nn.Flatten):
        return f"{at}: only Flatten(start_dim=1, end_dim=-1) is read; flatten the inputs yourself"
    if type(module).__module__ == "torch.nn.modules.activation" and "Attention" not in name:
        return f"{at}: an activation other than ReLU; relugeom's networks are ReLU networks: replace it by nn.ReLU"
    if not type(module).__module__.startswith("torch."):
        return f"{at}: a custom nn.Module, whose forward relugeom cannot see; put its Linear and ReLU layers in the Sequential"
    return f"{at} is not a layer of a fully connected ReLU network; {_READS}: remove or replace it"


def _sequential_state(model: Any, nn: Any, bias_free: BiasFree) -> "OrderedDict[str, Any]":
    """The Linears of a Sequential as a state dict ``model[0].weight`` → tensor, its structure checked."""
    root = "model"
    leaves = _leaves(model, root, nn)
    kinds = [_kind(m, nn) for _, m in leaves]
    for i, (where, module) in enumerate(leaves):  # first the modules relugeom cannot read at all
        flat = kinds[i] == "flatten"
        if kinds[i] == "refused" or flat and (module.start_dim != 1 or module.end_dim != -1):
            last = all(k == "identity" for k in kinds[i + 1 :])
            raise UnsupportedModelError(_refusal(type(module).__name__, where, module, nn, last))
    if "linear" not in kinds:
        raise UnsupportedModelError(f"the nn.Sequential has no Linear layer (an empty model?); {_READS}")
    last_linear = max(i for i, k in enumerate(kinds) if k == "linear")
    state: OrderedDict[str, Any] = OrderedDict()
    previous: tuple[str, str] | None = None  # (kind, where) of the last Linear or ReLU seen
    for i, ((where, module), kind) in enumerate(zip(leaves, kinds)):  # then the structure
        if kind == "flatten" and previous is not None:
            raise UnsupportedModelError(
                f"Flatten at {where} is not first: it follows the {previous[0]} at {previous[1]}; only a "
                f"leading Flatten is read (the network's inputs are flat rows): remove it"
            )
        if kind == "relu":
            if previous is None:
                raise UnsupportedModelError(
                    f"ReLU at {where} comes before the first Linear; relugeom's network starts with a Linear "
                    f"(a ReLU of the raw inputs is not one of its layers): remove it"
                )
            if i > last_linear:
                raise UnsupportedModelError(
                    f"ReLU at {where} comes after the last Linear ({leaves[last_linear][0]}): F would then not be "
                    f"the logits (relugeom's output layer is affine); remove it"
                )
            if previous[0] == "ReLU":
                raise UnsupportedModelError(
                    f"ReLU at {where} follows the ReLU at {previous[1]}; ReLU(ReLU(x)) = ReLU(x): remove one"
                )
            previous = ("ReLU", where)
        elif kind == "linear":
            if previous is not None and previous[0] == "Linear":
                raise UnsupportedModelError(
                    f"Linear at {where} follows the Linear at {previous[1]} with no ReLU between them; put a "
                    f"ReLU between them or merge them into one Linear"
                )
            state.update(_linear_state(module, where, type(module).__name__, nn, bias_free))
            previous = ("Linear", where)
    return state


def _linear_state(module: Any, where: str, name: str, nn: Any, bias_free: BiasFree) -> dict[str, Any]:
    """One Linear's weight and bias (None when it has no bias and ``bias_free="zero"``)."""
    if isinstance(module.weight, nn.parameter.UninitializedParameter):
        raise UnsupportedModelError(f"{name} at {where} is not initialised yet: run one forward pass first")
    out = {f"{where}.weight": module.weight}
    if module.bias is not None:
        out[f"{where}.bias"] = module.bias
    elif bias_free is None:
        raise UnsupportedModelError(f"{name} at {where} has no bias (bias=False); {BIAS_FREE_HINT}")
    return out


def _custom_module_message(model: Any, nn: Any) -> str:
    name = type(model).__name__
    if isinstance(model, nn.Sequential):
        return (
            f"{name} is a subclass of nn.Sequential with its own forward, which relugeom cannot see; "
            f"pass from_torch(nn.Sequential(*model)) if it runs its layers in order"
        )
    return (
        f"{name} is a custom nn.Module: relugeom cannot see its forward. If its layers are Linear and ReLU "
        f"alternating in registration order, pass from_torch(model.state_dict()); or wrap the layers in "
        f"nn.Sequential(Linear, ReLU, …, Linear)"
    )


# ------------------------------------------------------------------------------------ public API
def from_torch(obj: Any, *, bias_free: BiasFree = None) -> Network:
    """The exact network of a PyTorch model, a state dict, or ``(W, b)`` pairs.

    Parameters
    ----------
    obj : nn.Sequential, nn.Linear, mapping or iterable of pairs
        * an ``nn.Sequential`` of the form ``Linear (ReLU Linear)*`` (see the module docstring for what
          else is allowed and what is refused), or a single ``nn.Linear``;
        * a state dict: any mapping name → tensor or array, e.g. ``model.state_dict()``, read in its
          own order by :func:`~relugeom.io.state_dict.network_from_state_dict`;
        * an iterable of ``(W, b)`` pairs of tensors, arrays or nested lists (``W`` is out × in).
    bias_free : None or "zero"
        A Linear without a bias is refused (None) or read with bias 0 (``"zero"``).

    Raises
    ------
    UnsupportedModelError
        For a model that is not a fully connected ReLU network; the message names the module class,
        its position (``model[1]``) and what to do.

    Examples
    --------
    >>> import numpy as np
    >>> from_torch([(np.eye(2), [0, 0]), (np.ones((1, 2)), [1])]).widths
    (2, 2, 1)
    >>> from_torch(3)
    Traceback (most recent call last):
    ...
    relugeom.exceptions.UnsupportedModelError: from_torch reads an nn.Sequential, a state dict (model.state_dict()) or an iterable of (W, b) pairs, got int
    """
    if isinstance(obj, Mapping):
        return network_from_state_dict(obj, bias_free=bias_free, source="state dict")
    if _is_torch_module(obj):
        nn = _torch().nn
        if type(obj) is nn.Linear:
            obj = nn.Sequential(obj)
        if not isinstance(obj, nn.Sequential) or type(obj).forward is not nn.Sequential.forward:
            raise UnsupportedModelError(_custom_module_message(obj, nn))
        state = _sequential_state(obj, nn, bias_free)
        return network_from_state_dict(state, bias_free=bias_free, source="model")
    if is_torch_tensor(obj) or isinstance(obj, (str, bytes)) or not isinstance(obj, Iterable):
        raise UnsupportedModelError(
            f"from_torch reads an nn.Sequential, a state dict (model.state_dict()) or an iterable of (W, b) "
            f"pairs, got {type(obj).__name__}"
        )
    return Network.from_layers(_pairs(obj, bias_free))


def _pairs(pairs: Iterable[Any], bias_free: BiasFree) -> list[tuple[Any, Any]]:
    """``(W, b)`` pairs, a ``b`` of None read as zeros when ``bias_free="zero"``."""
    out = []
    for k, pair in enumerate(pairs):
        if isinstance(pair, tuple) and len(pair) == 2 and pair[1] is None:
            if bias_free != "zero":
                raise UnsupportedModelError(f"layer {k} has no bias (b is None); {BIAS_FREE_HINT}")
            W = pair[0]
            pair = (W, [0] * len(W))
        out.append(pair)
    return out


def _torch_dtype(torch: Any, dtype: Any) -> tuple[str, Any]:
    """A dtype given as None, a name or a torch dtype: (its format name, the torch dtype)."""
    name = "float64" if dtype is None else format_name(dtype)  # InvalidArgumentError for an unknown one
    return name, getattr(torch, name)


def to_torch(net: Network, dtype: Any = None, *, rounding: Rounding = None) -> Any:
    """``net`` as ``nn.Sequential(Linear, ReLU, …, Linear)`` with parameters of ``dtype``, in eval mode.

    Parameters
    ----------
    net : Network
    dtype : None, "float64", "float32", "float16", "bfloat16" or a torch dtype
        None means ``torch.float64``, which holds every float64-born (dyadic) network exactly.
    rounding : None or "nearest"
        A parameter ``dtype`` cannot hold exactly (``1/3``, or a float64 weight in float32) is refused
        with :class:`~relugeom.exceptions.NotExactError`, unless ``"nearest"`` rounds it once, correctly.

    The modules are named ``"0"``, ``"1"``, …, so the state dict's keys are ``"0.weight"``, ``"0.bias"``,
    ``"2.weight"``, …; the parameters require gradients, as torch's do by default.

    Examples
    --------
    >>> import pytest
    >>> torch = pytest.importorskip("torch")
    >>> model = to_torch(Network.from_layers([([[1], [1]], [0, -1]), ([[1, 1]], [0])]))
    >>> model
    Sequential(
      (0): Linear(in_features=1, out_features=2, bias=True)
      (1): ReLU()
      (2): Linear(in_features=2, out_features=1, bias=True)
    )
    >>> model(torch.tensor([[2.0], [0.5]], dtype=torch.float64)).tolist()
    [[3.0], [0.5]]
    >>> from_torch(model) == from_torch(model.state_dict())
    True
    """
    torch = _torch()
    name, torch_dtype = _torch_dtype(torch, dtype)
    arrays = state_dict_from_network(net, name, rounding)  # NotExactError for what `name` cannot hold
    modules: list[Any] = []
    for k, (n_in, n_out) in enumerate(zip(net.widths[:-1], net.widths[1:])):
        if k:
            modules.append(torch.nn.ReLU())
        # skip_init: no random initialisation (torch's global RNG is left alone), then exact values
        linear = torch.nn.utils.skip_init(torch.nn.Linear, n_in, n_out, dtype=torch_dtype)
        with torch.no_grad():
            # float32 arrays hold bfloat16 values exactly, so `.to(torch.bfloat16)` does not round
            linear.weight.copy_(torch.from_numpy(arrays[f"{2 * k}.weight"]).to(torch_dtype))
            linear.bias.copy_(torch.from_numpy(arrays[f"{2 * k}.bias"]).to(torch_dtype))
        modules.append(linear)
    return torch.nn.Sequential(*modules).eval()


# ------------------------------------------------------------------------------------ .pt files
def _not_plain(path: str, err: BaseException) -> FormatError:
    found = re.search(r"GLOBAL ([\w.]+)", str(err))
    what = f" (it needs {found.group(1)}, e.g. a whole pickled model)" if found else ""
    return FormatError(
        f"{path}: the file is not a plain state dict{what}; relugeom loads .pt files with weights_only=True "
        f"and never unpickles arbitrary objects: save model.state_dict() instead"
    )


def load_pt(path: str | os.PathLike, *, bias_free: BiasFree = None) -> Network:
    """The network of a ``.pt``/``.pth`` file holding a state dict (``torch.save(model.state_dict(), path)``).

    The file is read with ``torch.load(path, map_location="cpu", weights_only=True)`` only: relugeom
    never unpickles arbitrary objects, so a whole pickled model (``torch.save(model)``) is refused; save
    ``model.state_dict()`` instead. A checkpoint dict holding the state dict under ``"state_dict"``,
    ``"model_state_dict"`` or ``"model"`` (e.g. ``{"model_state_dict": sd, "epoch": 3}``) is read too.
    Every error is a :class:`~relugeom.exceptions.FormatError` whose message starts with the path.
    """
    torch = _torch()
    import pickle

    where = os.fspath(path)
    try:
        obj = torch.load(where, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise FormatError(f"{where}: file not found") from None
    except OSError as err:
        raise FormatError(f"{where}: cannot read the file ({err.strerror or err})") from None
    except pickle.UnpicklingError as err:
        if "GLOBAL" in str(err) or "Unsupported global" in str(err):
            raise _not_plain(where, err) from None
        raise FormatError(
            f"{where}: not a file torch.save wrote, or a corrupt one (unpickling failed); relugeom loads .pt "
            f"files with weights_only=True and never unpickles arbitrary objects: save model.state_dict()"
        ) from None
    except Exception as err:  # torch raises RuntimeError, EOFError, ValueError… for damaged files
        first = str(err).strip().split(". ")[0].splitlines()[0] if str(err).strip() else type(err).__name__
        raise FormatError(f"{where}: not a readable PyTorch file, or a corrupt one ({first})") from None
    return network_from_state_dict(_state_of(obj, where), bias_free=bias_free, source=where)


def _state_of(obj: Any, where: str) -> Mapping[str, Any]:
    """The state dict a loaded ``.pt`` object holds (itself, or a checkpoint's entry)."""
    if not isinstance(obj, Mapping):
        raise FormatError(
            f"{where}: holds a {type(obj).__name__}, not a state dict; save model.state_dict() with torch.save"
        )
    for key in CHECKPOINT_KEYS:
        if isinstance(obj.get(key), Mapping):
            return obj[key]
    if obj and not all(is_torch_tensor(v) or isinstance(v, np.ndarray) for v in obj.values()):
        keys = ", ".join(repr(k) for k in list(obj)[:6]) + (", …" if len(obj) > 6 else "")
        raise FormatError(
            f"{where}: a dict ({keys}) that is neither a state dict of tensors nor a checkpoint holding one under "
            f"{', '.join(repr(k) for k in CHECKPOINT_KEYS)}; save model.state_dict() with torch.save"
        )
    return obj


def save_pt(net: Network, path: str | os.PathLike, *, dtype: Any = "float64", rounding: Rounding = None) -> None:
    """Write ``to_torch(net, dtype, rounding=rounding).state_dict()`` with ``torch.save``.

    :func:`load_pt` (or ``nn.Sequential(Linear, ReLU, …).load_state_dict(torch.load(path))``) reads it back;
    with the default float64 every dyadic network (every float-born one) comes back equal.
    """
    torch = _torch()
    state = to_torch(net, dtype, rounding=rounding).state_dict()
    where = os.fspath(path)
    try:
        with atomic_path(where) as tmp:
            torch.save(state, tmp)
    except (OSError, RuntimeError) as err:
        raise FormatError(f"{where}: cannot write the file ({str(err).strip().splitlines()[0].rstrip('.')})") from None
