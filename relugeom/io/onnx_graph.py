"""ONNX graphs: a chain of ``Gemm`` (or ``MatMul`` + ``Add``) and ``Relu`` ↔ an exact network.

:func:`load_onnx` walks the graph from its one input to its one output, node by node (ONNX lists nodes in
topological order), and accepts only a chain of

* ``Gemm``: ``Y = alpha · A · B' + beta · C`` with ``A`` the running value, ``B`` (``B' = B`` or, with
  ``transB=1``, ``Bᵀ``) and ``C`` constants (initializers or ``Constant`` nodes), ``transA=0``. The layer
  is ``W = alpha · B'ᵀ`` (``out × in``) and ``b = beta · C``, with ``alpha`` and ``beta`` taken at the
  exact value of their float32 attributes. ``C`` must broadcast to ``(out,)``: shape ``()``, ``(1,)``,
  ``(out,)``, ``(1, 1)`` or ``(1, out)``. A ``Gemm`` without ``C`` is refused unless ``bias_free="zero"``;
* ``MatMul`` of the running value by a constant ``in × out`` matrix, followed by an ``Add`` of a constant
  bias (either operand order): one affine layer (a ``MatMul`` without ``Add``: as a ``Gemm`` without ``C``);
* ``Relu`` between two affine layers; ``Flatten`` (``axis=1``) before the first affine layer;
  ``Identity`` anywhere.

So the graph is ``affine (Relu affine)*``, the network relugeom computes with: anything else (a softmax,
another activation, a convolution, a normalisation, ``Dropout``, a branch, a second input, an operand
computed in the graph) is refused with :class:`~relugeom.exceptions.UnsupportedModelError` naming the
node's index, name and op type and saying what to do. Initializers enter at their exact binary value
(float64, float32, float16, and bfloat16 widened exactly to float32); nothing is rounded.

:func:`save_onnx` writes the network as ``input`` (shape ``[N, n0]``, ``N`` symbolic) → ``Gemm``
(``transB=1``, initializers ``"0.weight"``, ``"0.bias"``, ``"2.weight"``, … as torch's ``nn.Sequential``
names them) → ``Relu`` → … → ``Gemm`` → ``logits``, opset 17, in float64 (``DOUBLE``), float32
(``FLOAT``), float16 (``FLOAT16``) or bfloat16 (``BFLOAT16``, whose bits are the high half of each
number's float32 bits: exact, every number having been checked or rounded to bfloat16 first).

Examples
--------
>>> import os, tempfile
>>> import pytest; onnx = pytest.importorskip("onnx")
>>> from relugeom.core.network import Network
>>> net = Network.from_layers([([[1, "1/2"], [-3, 0]], [0, "-1/4"]), ([[2, 1]], [1])])
>>> path = os.path.join(tempfile.mkdtemp(), "net.onnx")
>>> save_onnx(net, path, dtype="float32")
>>> [node.op_type for node in onnx.load(path).graph.node]
['Gemm', 'Relu', 'Gemm']
>>> load_onnx(path) == net
True
"""

from __future__ import annotations

import os
from fractions import Fraction
from typing import Any

import numpy as np

from ..core.network import FORMAT_NAME, Network
from ..exceptions import FormatError, InvalidArgumentError, MissingExtraError, ShapeError, UnsupportedModelError
from ..numbers import exact_matrix, exact_vector, format_name, to_fraction
from .atomic import atomic_path
from .state_dict import BIAS_FREE_HINT, BiasFree, Rounding, bfloat16_bytes, sequential_names, state_dict_from_network

__all__ = ["load_onnx", "save_onnx", "OPSET", "ACCEPTED_OPS"]

#: The opset :func:`save_onnx` writes.
OPSET = 17
#: The op types :func:`load_onnx` accepts (``Constant`` nodes only as operands).
ACCEPTED_OPS = ("Gemm", "MatMul", "Add", "Relu", "Flatten", "Identity", "Constant")

_CHAIN = "relugeom reads a chain Gemm (or MatMul + Add) → Relu → … → Gemm, with Flatten first and Identity anywhere"
_SOFTMAX = "drop the softmax: relugeom differentiates the logits, as [BMB24] recommends"
_HINTS = {
    "Softmax": _SOFTMAX,
    "LogSoftmax": _SOFTMAX,
    "Sigmoid": "relugeom reads ReLU networks only; a final sigmoid can be dropped (relugeom differentiates the logits)",
    "Dropout": "export the model in eval mode (model.eval()), where Dropout is the identity, or remove it",
    "BatchNormalization": "fold it into the neighbouring affine layer (scale W and b by gamma/sigma), or remove it",
    "Conv": "relugeom reads fully connected layers only",
    "ConvTranspose": "relugeom reads fully connected layers only",
    "Reshape": "flatten the input before the model (relugeom's inputs are flat vectors)",
}
_ACTIVATIONS = ("Tanh", "LeakyRelu", "PRelu", "Elu", "Selu", "Celu", "Gelu", "HardSigmoid", "Softplus", "Mish")
_ELEM = {"float64": 11, "float32": 1, "float16": 10, "bfloat16": 16}  # onnx.TensorProto's DOUBLE, FLOAT, …


def _require_onnx() -> Any:
    try:
        import onnx
        import onnx.numpy_helper
    except ImportError:
        raise MissingExtraError(
            'reading and writing .onnx files needs the onnx package: pip install -e ".[onnx]"'
        ) from None
    return onnx


def _describe(index: int, node: Any) -> str:
    name = f" {node.name!r}" if node.name else ""
    return f"node {index}{name} ({node.op_type})"


def _refuse(source: str, index: int, node: Any, what: str, hint: str) -> UnsupportedModelError:
    return UnsupportedModelError(f"{source}: {_describe(index, node)} {what}; {hint}")


def _array(onnx: Any, tensor: Any, source: str) -> np.ndarray:
    """A TensorProto as a numpy array holding the same numbers (bfloat16 and float8 widened to float32)."""
    if tensor.data_location == 1:  # EXTERNAL: its data file was not found next to the model
        where = dict((e.key, e.value) for e in tensor.external_data).get("location", "?")
        raise FormatError(f"{source}: tensor {tensor.name!r} is stored in {where!r}, which is not next to the file")
    try:
        arr = onnx.numpy_helper.to_array(tensor)
    except Exception as err:  # onnx raises various types on malformed tensors
        raise FormatError(f"{source}: cannot read tensor {tensor.name!r}: {err}") from None
    if arr.dtype.kind == "V":  # ml_dtypes' bfloat16 and float8 formats: every value is a float32
        arr = arr.astype(np.float32)
    elif arr.dtype.kind not in "fiu":
        raise UnsupportedModelError(f"{source}: tensor {tensor.name!r} holds {arr.dtype} numbers, not real numbers")
    return arr


def _bias(arr: np.ndarray, out: int) -> np.ndarray | None:
    """A bias operand broadcast to ``(out,)``, or None if it does not broadcast to every row."""
    if arr.ndim > 2 or (arr.ndim == 2 and arr.shape[0] != 1) or arr.size not in (1, out):
        return None
    return np.broadcast_to(arr.reshape(-1), (out,))


def _scaled(M: Any, factor: Fraction) -> Any:
    return M if factor == 1 else [[factor * v for v in row] for row in M]


class _Walk:
    """The state of :func:`load_onnx`'s walk along the chain."""

    def __init__(self, onnx: Any, graph: Any, source: str, bias_free: BiasFree):
        self.onnx, self.source, self.bias_free = onnx, source, bias_free
        self.constants = {t.name: t for t in graph.initializer}
        inputs = [i for i in graph.input if i.name not in self.constants]
        if len(inputs) != 1 or len(graph.output) != 1:
            names = ", ".join(repr(i.name) for i in inputs) or "none"
            outs = ", ".join(repr(o.name) for o in graph.output) or "none"
            raise UnsupportedModelError(
                f"{source}: the graph has inputs {names} and outputs {outs}; {_CHAIN}, from one input to one output"
            )
        self.running = inputs[0].name
        self.output = graph.output[0].name
        dims = inputs[0].type.tensor_type.shape.dim
        self.shape = [d.dim_value if d.HasField("dim_value") else None for d in dims]
        self.layers: list[tuple[Any, Any]] = []
        self.last = "input"  # "input", "affine" or "relu"
        self.pending: tuple[int, Any, Any] | None = None  # a MatMul awaiting its Add: (index, node, W)
        self.last_relu: tuple[int, Any] = (-1, None)

    def constant(self, name: str, index: int, node: Any, role: str) -> np.ndarray:
        if name not in self.constants:
            raise _refuse(
                self.source,
                index,
                node,
                f"takes its {role} {name!r} from the graph, not from an initializer or a Constant",
                f"{_CHAIN}; every weight and bias must be a constant of the graph",
            )
        value = self.constants[name]
        return value if isinstance(value, np.ndarray) else _array(self.onnx, value, self.source)

    def record_constant(self, index: int, node: Any) -> None:
        attrs = {a.name: a for a in node.attribute}
        helper = self.onnx.helper
        if "value" in attrs:
            value = _array(self.onnx, attrs["value"].t, self.source)
        elif len(attrs) == 1 and attrs.keys() <= {"value_float", "value_floats", "value_int", "value_ints"}:
            value = np.asarray(helper.get_attribute_value(next(iter(attrs.values()))))
            if value.dtype == np.float64:  # the attribute holds float32 numbers
                value = value.astype(np.float32)
        else:
            raise _refuse(self.source, index, node, "holds no numeric value", f"{_CHAIN}; give weights as initializers")
        self.constants[node.output[0]] = value

    def add_layer(self, index: int, node: Any, W: Any, b: Any) -> None:
        n_in = len(W[0])
        if self.layers and len(self.layers[-1][0]) != n_in:
            raise ShapeError(
                f"{self.source}: {_describe(index, node)} takes {n_in} inputs but the layer before gives "
                f"{len(self.layers[-1][0])} outputs"
            )
        if not self.layers and self.shape and self.shape[-1] and self.shape[-1] != n_in:
            raise ShapeError(
                f"{self.source}: {_describe(index, node)} takes {n_in} inputs but the graph input has shape "
                f"{self.shape} (samples of {self.shape[-1]} numbers)"
            )
        self.layers.append((W, b))
        self.last = "affine"

    def before_affine(self, index: int, node: Any) -> None:
        self.no_pending()
        if self.last == "affine":
            raise _refuse(
                self.source,
                index,
                node,
                "follows an affine layer without a Relu between them",
                f"{_CHAIN}; two affine maps in a row compose into one: merge them",
            )
        if self.last == "input" and len(self.shape) > 2:
            raise _refuse(
                self.source,
                index,
                node,
                f"acts on the graph input of shape {self.shape}, not on a batch of flat vectors",
                "add a Flatten before it (relugeom's inputs are flat vectors)",
            )

    def no_pending(self, at_end: bool = False) -> None:
        if self.pending is None:
            return
        index, node, W = self.pending
        if self.bias_free == "zero":
            self.pending = None
            self.add_layer(index, node, W, [0] * len(W))
            return
        raise _refuse(
            self.source,
            index,
            node,
            "is not followed by an Add of a constant bias" + (" (it ends the graph)" if at_end else ""),
            f"a MatMul without Add is a layer without a bias: {BIAS_FREE_HINT}",
        )

    def gemm(self, index: int, node: Any) -> None:
        self.before_affine(index, node)
        if node.input[0] != self.running:
            raise self.off_chain(index, node)
        attrs = {a.name: self.onnx.helper.get_attribute_value(a) for a in node.attribute}
        if attrs.get("transA", 0) != 0:
            raise _refuse(self.source, index, node, "has transA=1", f"{_CHAIN}; transpose the input outside the model")
        where = f"{self.source}: {_describe(index, node)}'s"
        alpha = to_fraction(attrs.get("alpha", 1.0), f"{where} alpha")  # a float32 value, taken exactly
        beta = to_fraction(attrs.get("beta", 1.0), f"{where} beta")
        B = self.constant(node.input[1], index, node, "weight")
        if B.ndim != 2:
            raise _refuse(self.source, index, node, f"has a weight of shape {B.shape}", "a Gemm's B is 2-D")
        Bt = B if attrs.get("transB", 0) else B.T
        W = _scaled(exact_matrix(Bt, node.input[1]), alpha)
        if len(node.input) > 2 and node.input[2]:
            C = _bias(self.constant(node.input[2], index, node, "bias"), len(W))
            if C is None:
                raise _refuse(
                    self.source, index, node, "has a bias C that does not broadcast to (out,)", "give C as (out,)"
                )
            b = [beta * v for v in exact_vector(C, node.input[2])]
        elif self.bias_free == "zero":
            b = [0] * len(W)
        else:
            raise _refuse(
                self.source,
                index,
                node,
                "has no bias C",
                BIAS_FREE_HINT,
            )
        self.add_layer(index, node, W, b)

    def matmul(self, index: int, node: Any) -> None:
        self.before_affine(index, node)
        if node.input[0] != self.running:
            raise self.off_chain(index, node)
        B = self.constant(node.input[1], index, node, "weight")
        if B.ndim != 2:
            raise _refuse(self.source, index, node, f"has a weight of shape {B.shape}", "give an in x out matrix")
        self.pending = (index, node, exact_matrix(B.T, node.input[1]))

    def add(self, index: int, node: Any) -> None:
        if self.pending is None:
            raise _refuse(
                self.source,
                index,
                node,
                "adds to a value that is not a MatMul's output",
                f"{_CHAIN}; a bias is an Add right after a MatMul (a residual connection is not supported)",
            )
        other = node.input[1] if node.input[0] == self.running else node.input[0]
        _, _, W = self.pending
        C = _bias(self.constant(other, index, node, "bias"), len(W))
        if C is None:
            raise _refuse(
                self.source, index, node, "adds a bias that does not broadcast to (out,)", "give it as (out,)"
            )
        matmul_index, matmul_node, _ = self.pending
        self.pending = None
        self.add_layer(matmul_index, matmul_node, W, exact_vector(C, other))

    def relu(self, index: int, node: Any) -> None:
        self.no_pending()
        if self.last != "affine":
            what = "comes before any affine layer" if self.last == "input" else "follows another Relu"
            raise _refuse(self.source, index, node, what, f"{_CHAIN}: one Relu between two affine layers")
        self.last, self.last_relu = "relu", (index, node)

    def flatten(self, index: int, node: Any) -> None:
        if self.layers or self.pending is not None or self.last != "input":
            raise _refuse(
                self.source,
                index,
                node,
                "comes after an affine layer",
                f"{_CHAIN}; a Flatten is accepted only before the first layer",
            )
        axis = next((self.onnx.helper.get_attribute_value(a) for a in node.attribute if a.name == "axis"), 1)
        if axis != 1 and not (axis == -1 and len(self.shape) == 2):
            raise _refuse(self.source, index, node, f"has axis={axis}", "keep the batch axis: Flatten(axis=1)")
        if self.shape:
            rest = self.shape[1:]
            self.shape = [self.shape[0], int(np.prod(rest)) if all(rest) else None]

    def off_chain(self, index: int, node: Any) -> UnsupportedModelError:
        others = [name for name in node.input if name and name != self.running and name not in self.constants]
        if self.running in node.input and others:
            return _refuse(
                self.source,
                index,
                node,
                f"takes {', '.join(map(repr, others))} from the graph, not from an initializer or a Constant",
                f"{_CHAIN}; every weight and bias must be a constant of the graph (a second input or a branch?)",
            )
        return _refuse(
            self.source,
            index,
            node,
            f"does not take the running value {self.running!r} as its data input",
            f"{_CHAIN}, without branches or side computations",
        )

    def step(self, index: int, node: Any) -> None:
        op = node.op_type
        if node.domain not in ("", "ai.onnx"):
            raise _refuse(self.source, index, node, f"is in the op domain {node.domain!r}", f"{_CHAIN} (standard ops)")
        if op == "Constant":
            self.record_constant(index, node)
            return
        if op not in ACCEPTED_OPS:
            hint = _HINTS.get(op) or (
                "relugeom reads ReLU networks only: use Relu" if op in _ACTIVATIONS else f"{_CHAIN}; remove it"
            )
            raise _refuse(self.source, index, node, "is not supported", hint)
        if op == "Identity" and len(node.input) == 1 and node.input[0] in self.constants:
            self.constants[node.output[0]] = self.constants[node.input[0]]  # a copy of a weight (tied weights)
            return
        data = [name for name in node.input if name and name not in self.constants]
        if data != [self.running]:
            raise self.off_chain(index, node)
        if len(node.output) != 1:
            raise _refuse(self.source, index, node, "has more than one output", _CHAIN)
        handlers = {
            "Gemm": self.gemm,
            "MatMul": self.matmul,
            "Add": self.add,
            "Relu": self.relu,
            "Flatten": self.flatten,
        }
        if op in handlers:  # Identity passes the running value on
            handlers[op](index, node)
        self.running = node.output[0]

    def network(self) -> Network:
        self.no_pending(at_end=True)
        if not self.layers:
            raise UnsupportedModelError(f"{self.source}: the graph has no Gemm or MatMul layer; {_CHAIN}")
        if self.last == "relu":
            raise _refuse(
                self.source,
                *self.last_relu,
                "comes after the last affine layer",
                "relugeom's networks end with an affine map (the logits): remove the final Relu",
            )
        if self.running != self.output:
            raise UnsupportedModelError(
                f"{self.source}: the graph output {self.output!r} is not the end of the chain ({self.running!r}); "
                f"{_CHAIN}"
            )
        return Network.from_layers(self.layers)


def load_onnx(path: str | os.PathLike, *, bias_free: BiasFree = None) -> Network:
    """The exact network of an ONNX file (see the module docstring).

    External data next to the file (``model.onnx.data``, which torch's exporter writes) is read with it.

    Parameters
    ----------
    path : str or path-like
    bias_free : None or "zero"
        A ``Gemm`` without ``C`` (a ``MatMul`` without ``Add``) is refused (None) or read with bias 0.

    Raises
    ------
    FormatError
        A missing or unreadable file; :class:`~relugeom.exceptions.UnsupportedModelError` (a FormatError) for
        a graph that is not a chain of accepted ops, naming the first node that is not.
    MissingExtraError
        Without the onnx package.
    """
    if bias_free not in (None, "zero"):
        raise InvalidArgumentError(f"bias_free must be None or 'zero', got {bias_free!r}")
    source = os.fspath(path)
    onnx = _require_onnx()
    if not os.path.isfile(source):
        raise FormatError(f"network file not found: {source}")
    try:
        model = onnx.load(source)
    except Exception as err:  # protobuf's DecodeError, OSError for external data, onnx's own errors
        message = " ".join(str(err).split()) or type(err).__name__
        raise FormatError(f"{source} is not a readable ONNX model: {message}") from None
    walk = _Walk(onnx, model.graph, source, bias_free)
    for index, node in enumerate(model.graph.node):
        walk.step(index, node)
    return walk.network()


def save_onnx(net: Network, path: str | os.PathLike, *, dtype: Any = "float64", rounding: Rounding = None) -> None:
    """Write ``net`` as an ONNX graph ``input → Gemm → Relu → … → Gemm → logits`` (opset 17).

    Parameters
    ----------
    net : Network
    path : str or path-like
    dtype : "float64", "float32", "float16" or "bfloat16" (or the torch dtype)
        The element type of the initializers, the input and the output (ONNX's DOUBLE, FLOAT, FLOAT16,
        BFLOAT16).
    rounding : None or "nearest"
        As in :func:`~relugeom.io.state_dict.state_dict_from_network`.

    Raises
    ------
    MissingExtraError
        Without the onnx package (``pip install -e ".[onnx]"``).
    """
    name = format_name(dtype)  # InvalidArgumentError for an unknown one; _ELEM has every format
    onnx = _require_onnx()
    helper, elem = onnx.helper, _ELEM[name]
    state = state_dict_from_network(net, name, rounding)
    initializers = []
    for key, arr in state.items():
        if name == "bfloat16":
            raw = bfloat16_bytes(arr)
            initializers.append(helper.make_tensor(key, elem, list(arr.shape), raw, raw=True))
        else:
            initializers.append(onnx.numpy_helper.from_array(arr, key))
    nodes, value = [], "input"
    names = sequential_names(net.num_layers)
    for k, (wname, bname) in enumerate(names):
        out = "logits" if k == len(names) - 1 else f"linear_{k}"
        nodes.append(helper.make_node("Gemm", [value, wname, bname], [out], name=f"gemm_{k}", transB=1))
        value = out
        if k < len(names) - 1:
            nodes.append(helper.make_node("Relu", [out], [f"relu_{k}"], name=f"relu_{k}"))
            value = f"relu_{k}"
    graph = helper.make_graph(
        nodes,
        "relugeom_network",
        [helper.make_tensor_value_info("input", elem, ["N", net.input_dim])],
        [helper.make_tensor_value_info("logits", elem, ["N", net.output_dim])],
        initializers,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="relugeom", ir_version=8
    )
    helper.set_model_props(model, {"format": FORMAT_NAME})
    onnx.checker.check_model(model, full_check=True)
    target = os.fspath(path)
    try:
        with atomic_path(target) as tmp:
            onnx.save(model, tmp)
    except OSError as err:
        raise FormatError(f"cannot write {target}: {err.strerror or err}") from None
