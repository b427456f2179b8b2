"""ONNX graphs: torch's exporters, hand-built graphs, exact Gemm scaling, every refusal, save_onnx.

References come from outside the reader: torch's parameters and float64 forward pass, networks written
down in Fractions before their graph is built, and onnx's own ReferenceEvaluator. Forward passes are
compared bit for bit on parameters and inputs on a coarse dyadic grid, where every float64 operation is
exact (so no BLAS summation order can matter).
"""

from __future__ import annotations

import sys
import warnings
from fractions import Fraction

import numpy as np
import pytest
from helpers import torch_parameters, torch_sequential

import relugeom as rg
from relugeom.core.network import num_parameters
from relugeom.exceptions import (
    FormatError,
    InvalidArgumentError,
    MissingExtraError,
    NotExactError,
    UnsupportedModelError,
)
from relugeom.io.onnx_graph import load_onnx, save_onnx
from relugeom.numbers import round_to_format

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

F = Fraction


def grid_network(widths, seed: int) -> rg.Network:
    """Every parameter a multiple of 1/8 in [-2, 2]."""
    rng = np.random.default_rng(seed)
    return rg.Network.from_parameters(widths, [F(int(k), 8) for k in rng.integers(-16, 17, num_parameters(widths))])


def grid_inputs(n0: int, seed: int, n: int = 6) -> np.ndarray:
    return np.random.default_rng(seed).integers(-8, 9, (n, n0)) / 4


def model_of(nodes, inits: dict, inputs=(("x", ["N", 2]),), outputs=("y",), elem=TensorProto.DOUBLE, opset=17):
    """An ONNX model of ``nodes`` with float64 initializers (numpy arrays keep their own dtype)."""
    graph = helper.make_graph(
        nodes,
        "test",
        [helper.make_tensor_value_info(name, elem, shape) for name, shape in inputs],
        [helper.make_tensor_value_info(name, elem, None) for name in outputs],
        [numpy_helper.from_array(np.asarray(v, dtype=getattr(v, "dtype", np.float64)), k) for k, v in inits.items()],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def write(tmp_path, model, name: str = "m.onnx"):
    path = tmp_path / name
    onnx.save(model, str(path))
    return path


def node(op, inputs, outputs, **attrs):
    return helper.make_node(op, inputs, outputs, name=f"my_{op.lower()}", **attrs)


# The base chain x (2) → Gemm → h (3) → Relu → r → Gemm → y (1), and its network in Fractions.
W0, B0 = [[F(1, 2), F(-3, 4)], [F(1), F(1, 8)], [F(-2), F(0)]], [F(1, 4), F(-1), F(0)]
W1, B1 = [[F(3), F(-1, 2), F(5, 16)]], [F(-7, 8)]
BASE = rg.Network.from_layers([(W0, B0), (W1, B1)])
INITS = {"W0": np.array(W0, dtype=float), "b0": np.array(B0, dtype=float), "W1": np.array(W1, dtype=float)}
INITS["b1"] = np.array(B1, dtype=float)
GEMM0 = node("Gemm", ["x", "W0", "b0"], ["h"], transB=1)
RELU = node("Relu", ["h"], ["r"])
GEMM1 = node("Gemm", ["r", "W1", "b1"], ["y"], transB=1)


# ------------------------------------------------------------------------------ accepted graphs
def test_base_chain_with_identities_and_a_constant_node(tmp_path):
    nodes = [
        node("Identity", ["x"], ["x1"]),
        helper.make_node("Constant", [], ["W0c"], value=numpy_helper.from_array(INITS["W0"])),
        node("Gemm", ["x1", "W0c", "b0"], ["h"], transB=1),
        RELU,
        node("Identity", ["W1"], ["W1_tied"]),  # a copy of a weight, as tied weights are exported
        node("Gemm", ["r", "W1_tied", "b1"], ["g"], transB=1),
        node("Identity", ["g"], ["y"]),
    ]
    inits = {k: v for k, v in INITS.items() if k != "W0"}
    assert load_onnx(write(tmp_path, model_of(nodes, inits))) == BASE


@pytest.mark.parametrize("bias_first", [False, True])
def test_matmul_add_graph_is_the_intended_network(tmp_path, bias_first):
    nodes = [
        node("MatMul", ["x", "M0"], ["m0"]),
        node("Add", ["c0", "m0"] if bias_first else ["m0", "c0"], ["h"]),
        RELU,
        node("MatMul", ["r", "M1"], ["m1"]),
        node("Identity", ["m1"], ["m1i"]),
        node("Add", ["m1i", "c1"], ["y"]),
    ]
    inits = {"M0": INITS["W0"].T, "c0": INITS["b0"], "M1": INITS["W1"].T, "c1": INITS["b1"].reshape(1, 1)}
    net = load_onnx(write(tmp_path, model_of(nodes, inits)))
    assert net == BASE and net.weights == (tuple(map(tuple, W0)), tuple(map(tuple, W1)))


def test_gemm_alpha_beta_and_transb_0_scale_exactly(tmp_path):
    B = INITS["W0"].T  # in x out, as transB=0 reads it
    nodes = [
        node("Gemm", ["x", "B", "C"], ["h"], alpha=0.5, beta=2.0, transB=0),
        RELU,
        node("Gemm", ["r", "W1", "b1"], ["y"], alpha=0.1, beta=1.0, transB=1),
    ]
    inits = {"B": B, "C": INITS["b0"].reshape(1, 3), "W1": INITS["W1"], "b1": INITS["b1"]}
    net = load_onnx(write(tmp_path, model_of(nodes, inits)))
    tenth = F(float(np.float32(0.1)))  # the attribute is a float32: 13421773/2**27, not 1/10
    assert tenth == F(13421773, 2**27)
    assert net.weights[0] == tuple(tuple(F(1, 2) * w for w in row) for row in W0)
    assert net.biases[0] == tuple(2 * b for b in B0)
    assert net.weights[1] == tuple(tuple(tenth * w for w in row) for row in W1) and net.biases[1] == tuple(B1)


def test_scalar_bias_broadcasts(tmp_path):
    nodes = [GEMM0, RELU, node("Gemm", ["r", "W1", "c"], ["y"], transB=1)]
    net = load_onnx(write(tmp_path, model_of(nodes, {**INITS, "c": np.array(2.5)})))
    assert net.biases[1] == (F(5, 2),)


def test_flatten_first_and_float32_bfloat16_float16_initializers(tmp_path):
    nodes = [node("Flatten", ["x"], ["xf"], axis=1), node("Gemm", ["xf", "W0", "b0"], ["h"], transB=1), RELU, GEMM1]
    bf16 = helper.make_tensor("b0", TensorProto.BFLOAT16, [3], [float(b) for b in B0])
    model = model_of(
        nodes, {"W0": INITS["W0"].astype(np.float32), "W1": INITS["W1"].astype(np.float16)}, [("x", ["N", 1, 2])]
    )
    model.graph.initializer.extend([bf16, numpy_helper.from_array(INITS["b1"], "b1")])
    assert load_onnx(write(tmp_path, model)) == BASE


# ------------------------------------------------------------------------------ torch's exporters
@pytest.fixture(scope="module")
def dynamo_export(tmp_path_factory):
    torch = pytest.importorskip("torch")
    pytest.importorskip("onnxscript")
    model = torch_sequential(torch, (4, 64, 8, 2), seed=0)  # the 64 x 4 and 8 x 64 weights go to external data
    path = tmp_path_factory.mktemp("dynamo") / "model.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # torch.export's own deprecation notes
        torch.onnx.export(model, (torch.zeros(5, 4),), str(path), dynamo=True, verbose=False)
    return torch, model, path


def test_dynamo_export_with_external_data_matches_torch_bit_for_bit(dynamo_export):
    torch, model, path = dynamo_export
    shallow = onnx.load(str(path), load_external_data=False)
    assert any(t.data_location == TensorProto.EXTERNAL for t in shallow.graph.initializer)
    assert (path.parent / "model.onnx.data").is_file()
    assert {n.op_type for n in shallow.graph.node} <= {"Gemm", "Relu", "Identity", "Constant"}
    net = load_onnx(path)
    assert net.widths == (4, 64, 8, 2) and list(net.parameters()) == torch_parameters(model)
    X = grid_inputs(4, seed=1)
    expected = model.double()(torch.from_numpy(X)).detach().numpy()
    assert rg.forward(net, X, method="float").tobytes() == expected.tobytes()
    assert (rg.forward(net, X) == expected).all()


def test_dynamo_export_without_its_data_file(dynamo_export, tmp_path):
    _, _, path = dynamo_export
    lonely = tmp_path / "model.onnx"
    lonely.write_bytes(path.read_bytes())
    with pytest.raises(FormatError, match="model.onnx"):
        load_onnx(lonely)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the legacy TorchScript exporter says it is legacy
def test_legacy_export_with_flatten_matches_torch_bit_for_bit(tmp_path):
    torch = pytest.importorskip("torch")
    model = torch_sequential(torch, (6, 5, 4, 3), seed=2, flatten=True)
    torch.onnx.export(model, (torch.zeros(2, 2, 3),), str(tmp_path / "legacy.onnx"), dynamo=False)
    assert [n.op_type for n in onnx.load(str(tmp_path / "legacy.onnx")).graph.node][:2] == ["Flatten", "Gemm"]
    net = load_onnx(tmp_path / "legacy.onnx")
    assert list(net.parameters()) == torch_parameters(model)
    X = grid_inputs(6, seed=3)
    expected = model.double()(torch.from_numpy(X)).detach().numpy()
    assert rg.forward(net, X, method="float").tobytes() == expected.tobytes()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_legacy_export_of_default_init_reads_float32_values_exactly(tmp_path):
    torch = pytest.importorskip("torch")
    torch.manual_seed(5)
    model = torch.nn.Sequential(torch.nn.Linear(5, 12), torch.nn.ReLU(), torch.nn.Linear(12, 3)).eval()
    torch.onnx.export(model, (torch.zeros(1, 5),), str(tmp_path / "init.onnx"), dynamo=False)
    assert list(load_onnx(tmp_path / "init.onnx").parameters()) == torch_parameters(model)


# ------------------------------------------------------------------------------ refusals
def _replace(old, new):
    return [new if n is old else n for n in (GEMM0, RELU, GEMM1)]


def _case(nodes, inits=None, inputs=(("x", ["N", 2]),), output="y"):
    return nodes, {**INITS, **(inits or {})}, inputs, output


REFUSALS = {
    "softmax-at-the-end": (
        _case([GEMM0, RELU, GEMM1, node("Softmax", ["y"], ["p"])], output="p"),
        ["Softmax", "node 3", "drop the softmax", "[BMB24]"],
    ),
    "sigmoid": (_case(_replace(RELU, node("Sigmoid", ["h"], ["r"]))), ["Sigmoid", "node 1", "ReLU networks only"]),
    "leaky-relu": (_case(_replace(RELU, node("LeakyRelu", ["h"], ["r"]))), ["LeakyRelu", "use Relu"]),
    "conv": (
        _case(
            [node("Conv", ["x", "K"], ["c"]), node("Flatten", ["c"], ["h"]), RELU, GEMM1],
            {"K": np.ones((3, 1, 1, 2))},
            [("x", ["N", 1, 1, 2])],
        ),
        ["Conv", "node 0", "fully connected"],
    ),
    "batchnorm": (
        _case(
            [
                GEMM0,
                node("BatchNormalization", ["h", "s", "t", "mu", "var"], ["hn"]),
                node("Relu", ["hn"], ["r"]),
                GEMM1,
            ],
            {k: np.ones(3) for k in ("s", "t", "mu", "var")},
        ),
        ["BatchNormalization", "'my_batchnormalization'", "fold it"],
    ),
    "dropout": (
        _case([GEMM0, node("Dropout", ["h"], ["hd"]), node("Relu", ["hd"], ["r"]), GEMM1]),
        ["Dropout", "eval mode"],
    ),
    "matmul-without-add": (
        _case([node("MatMul", ["x", "M"], ["h"]), RELU, GEMM1], {"M": INITS["W0"].T}),
        ["MatMul", "node 0", "not followed by an Add", "bias_free='zero'"],
    ),
    "matmul-without-add-at-the-end": (
        _case([GEMM0, RELU, node("MatMul", ["r", "M"], ["y"])], {"M": INITS["W1"].T}),
        ["MatMul", "node 2", "ends the graph"],
    ),
    "gemm-without-c": (
        _case([node("Gemm", ["x", "W0"], ["h"], transB=1), RELU, GEMM1]),
        ["Gemm", "node 0", "no bias C", "bias_free='zero'"],
    ),
    "flatten-after-gemm": (
        _case([GEMM0, node("Flatten", ["h"], ["hf"]), node("Relu", ["hf"], ["r"]), GEMM1]),
        ["Flatten", "node 1", "only before the first layer"],
    ),
    "two-gemms-in-a-row": (
        _case([GEMM0, node("Gemm", ["h", "V", "c"], ["r"], transB=1), GEMM1], {"V": np.eye(3), "c": np.zeros(3)}),
        ["Gemm", "node 1", "without a Relu between", "merge them"],
    ),
    "relu-after-the-last-gemm": (
        _case([GEMM0, RELU, GEMM1, node("Relu", ["y"], ["z"])], output="z"),
        ["Relu", "node 3", "after the last affine layer", "remove the final Relu"],
    ),
    "relu-first": (
        _case([node("Relu", ["x"], ["x1"]), node("Gemm", ["x1", "W0", "b0"], ["h"], transB=1), RELU, GEMM1]),
        ["Relu", "node 0", "before any affine layer"],
    ),
    "add-without-matmul": (
        _case([GEMM0, node("Add", ["h", "b0"], ["h2"]), node("Relu", ["h2"], ["r"]), GEMM1]),
        ["Add", "node 1", "not a MatMul's output"],
    ),
    "branch": (
        _case([GEMM0, RELU, node("Add", ["r", "h"], ["s"]), node("Gemm", ["s", "W1", "b1"], ["y"], transB=1)]),
        ["Add", "node 2", "'h' from the graph"],
    ),
    "gemm-weight-from-the-graph": (
        _case([GEMM0, RELU, node("Gemm", ["r", "h", "b1"], ["y"], transB=1)]),
        ["Gemm", "node 2", "'h' from the graph, not from an initializer"],
    ),
    "weight-computed-in-the-graph": (
        _case([node("Transpose", ["W0"], ["W0t"]), GEMM0, RELU, GEMM1]),
        ["Transpose", "node 0", "is not supported"],
    ),
    "transa": (_case(_replace(GEMM0, node("Gemm", ["x", "W0", "b0"], ["h"], transA=1))), ["Gemm", "transA=1"]),
    "other-domain": (
        _case(_replace(RELU, helper.make_node("FusedRelu", ["h"], ["r"], domain="com.example"))),
        ["FusedRelu", "'com.example'"],
    ),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_refusal_names_the_op(tmp_path, case):
    (nodes, inits, inputs, output), phrases = REFUSALS[case]
    path = write(tmp_path, model_of(nodes, inits, inputs, (output,)), f"{case}.onnx")
    with pytest.raises(UnsupportedModelError) as info:
        load_onnx(path)
    message = str(info.value)
    assert str(path) in message and len(message.splitlines()) == 1
    for phrase in phrases:
        assert phrase in message


def test_second_graph_input_is_refused(tmp_path):
    nodes = [node("Gemm", ["x", "W0", "b0"], ["h0"], transB=1), node("Add", ["h0", "x2"], ["h"]), RELU, GEMM1]
    model = model_of(nodes, INITS, [("x", ["N", 2]), ("x2", ["N", 3])])
    with pytest.raises(UnsupportedModelError, match="inputs 'x', 'x2'"):
        load_onnx(write(tmp_path, model))


@pytest.mark.parametrize("case", ["gemm-without-c", "matmul-without-add", "matmul-without-add-at-the-end"])
def test_bias_free_zero_reads_a_missing_bias_as_zero(tmp_path, case):
    (nodes, inits, inputs, output), _ = REFUSALS[case]
    net = load_onnx(write(tmp_path, model_of(nodes, inits, inputs, (output,))), bias_free="zero")
    k = 1 if case.endswith("end") else 0
    assert net.weights == BASE.weights and net.biases[k] == (0,) * BASE.widths[k + 1]
    assert net.biases[1 - k] == BASE.biases[1 - k]


def test_layers_that_do_not_chain(tmp_path):
    model = model_of([GEMM0, RELU, GEMM1], {**INITS, "W1": np.ones((1, 4))})
    with pytest.raises(rg.ShapeError, match="node 2 'my_gemm' .*takes 4 inputs"):
        load_onnx(write(tmp_path, model))


def test_missing_and_corrupt_files(tmp_path):
    with pytest.raises(FormatError, match="not found: .*nope.onnx"):
        load_onnx(tmp_path / "nope.onnx")
    (tmp_path / "bad.onnx").write_bytes(b"garbage\x00\xff\xffxx")
    with pytest.raises(FormatError, match="bad.onnx"):
        load_onnx(tmp_path / "bad.onnx")
    (tmp_path / "empty.onnx").write_bytes(b"")
    with pytest.raises(FormatError, match="empty.onnx"):
        load_onnx(tmp_path / "empty.onnx")


def test_without_the_onnx_package(tmp_path, monkeypatch):
    for name in [m for m in sys.modules if m == "onnx" or m.startswith("onnx.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(MissingExtraError, match=r'pip install -e "\.\[onnx\]"'):
        save_onnx(BASE, tmp_path / "m.onnx")
    with pytest.raises(MissingExtraError, match="onnx"):
        load_onnx(tmp_path / "m.onnx")


# ------------------------------------------------------------------------------ save_onnx
def test_saved_graph_passes_the_checker_and_the_reference_evaluator_gives_the_exact_outputs(tmp_path):
    from onnx.reference import ReferenceEvaluator

    net = grid_network((3, 6, 5, 2), seed=4)
    save_onnx(net, tmp_path / "g.onnx")
    model = onnx.load(str(tmp_path / "g.onnx"))
    onnx.checker.check_model(model, full_check=True)
    assert [n.op_type for n in model.graph.node] == ["Gemm", "Relu", "Gemm", "Relu", "Gemm"]
    assert [t.name for t in model.graph.initializer] == [
        "0.weight",
        "0.bias",
        "2.weight",
        "2.bias",
        "4.weight",
        "4.bias",
    ]
    assert model.graph.input[0].type.tensor_type.elem_type == TensorProto.DOUBLE
    X = grid_inputs(3, seed=5, n=9)
    (out,) = ReferenceEvaluator(model).run(None, {"input": X})
    assert out.dtype == np.float64 and out.shape == (9, 2)
    assert [F(float(v)) for v in out.flat] == list(rg.forward(net, X).flat)


@pytest.mark.parametrize(
    "dtype,elem",
    [
        ("float64", TensorProto.DOUBLE),
        ("float32", TensorProto.FLOAT),
        ("float16", TensorProto.FLOAT16),
        ("bfloat16", TensorProto.BFLOAT16),
    ],
)
def test_integer_network_round_trips_in_every_dtype(tmp_path, dtype, elem):
    net = rg.Network.random_integer((3, 4, 2), seed=6)
    save_onnx(net, tmp_path / "n.onnx", dtype=dtype)
    model = onnx.load(str(tmp_path / "n.onnx"))
    assert {t.data_type for t in model.graph.initializer} == {elem}
    assert model.graph.output[0].type.tensor_type.elem_type == elem
    assert load_onnx(tmp_path / "n.onnx") == net


def test_float64_network_round_trips_exactly(tmp_path):
    net = rg.Network.random_he((5, 7, 3), seed=8)
    save_onnx(net, tmp_path / "he.onnx")
    assert load_onnx(tmp_path / "he.onnx") == net


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_rounding_nearest_rounds_each_parameter_once(tmp_path, dtype):
    net = rg.Network.random_he((4, 5, 2), seed=9)
    with pytest.raises(NotExactError, match=f"not a {dtype} number"):
        save_onnx(net, tmp_path / "r.onnx", dtype=dtype)
    save_onnx(net, tmp_path / "r.onnx", dtype=dtype, rounding="nearest")
    assert load_onnx(tmp_path / "r.onnx").parameters() == tuple(round_to_format(p, dtype) for p in net.parameters())


def test_non_dyadic_network_is_refused_without_rounding(tmp_path):
    net = rg.Network.random_rational((2, 3, 1), seed=1)
    assert any(p.denominator & (p.denominator - 1) for p in net.parameters())
    with pytest.raises(NotExactError, match="rounding='nearest'"):
        save_onnx(net, tmp_path / "q.onnx")
    assert not (tmp_path / "q.onnx").exists()


def test_dispatch_by_extension(tmp_path):
    net = grid_network((2, 3, 1), seed=0)
    rg.save_network(net, tmp_path / "m.onnx", dtype="float32")
    assert onnx.load(str(tmp_path / "m.onnx")).graph.initializer[0].data_type == TensorProto.FLOAT
    assert rg.load_network(str(tmp_path / "m.onnx")) == net


def test_unknown_dtype_is_refused(tmp_path):
    with pytest.raises(InvalidArgumentError, match="int8"):
        save_onnx(rg.Network.random_integer((2, 2, 1), seed=0), tmp_path / "m.onnx", dtype="int8")
