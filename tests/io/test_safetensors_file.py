"""safetensors files: round trips, files written by torch (natural order, bfloat16), the CLI, hostile headers.

The reference values come from outside relugeom's reader: torch's own parameters and float64 forward pass,
``round_to_format`` per parameter, and bytes written by hand. Forward passes are compared bit for bit on
models whose weights lie on a coarse dyadic grid, where every float64 operation is exact, so the result
does not depend on the order in which a BLAS sums.
"""

from __future__ import annotations

import json
import sys
from fractions import Fraction

import numpy as np
import pytest
from helpers import torch_parameters, torch_sequential

import relugeom as rg
from relugeom.exceptions import (
    FormatError,
    InvalidArgumentError,
    MissingExtraError,
    NotExactError,
    UnsupportedModelError,
)
from relugeom.io.safetensors_file import LAYERS_KEY, load_safetensors, read_header, save_safetensors
from relugeom.numbers import round_to_format

safetensors = pytest.importorskip("safetensors")
from safetensors.numpy import save_file  # noqa: E402

# 7 Linear layers: state-dict names 0, 2, …, 12, so "10.weight" must come after "2.weight"; the widths differ
# from layer to layer, so any other order would not even chain.
WIDTHS = (3, 5, 4, 6, 3, 5, 4, 2)


def grid_inputs(n0: int, seed: int, n: int = 6) -> np.ndarray:
    """Inputs that are multiples of 1/2 in [-4, 4]: with grid weights, float64 forward passes are exact."""
    return np.random.default_rng(seed).integers(-8, 9, (n, n0)) / 2


# ------------------------------------------------------------------------------ round trips
@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "bfloat16"])
def test_integer_network_round_trips_exactly_in_every_dtype(tmp_path, dtype):
    net = rg.Network.random_integer((3, 4, 4, 2), seed=5)
    path = tmp_path / "net.safetensors"
    save_safetensors(net, path, dtype=dtype)
    assert load_safetensors(path) == net
    header, metadata, _ = read_header(path)
    want = {"float64": "F64", "float32": "F32", "float16": "F16", "bfloat16": "BF16"}[dtype]
    assert {info["dtype"] for info in header.values()} == {want}
    assert metadata == {"format": "relugeom-network", LAYERS_KEY: "0,2,4"}


def test_float64_network_round_trips_exactly(tmp_path):
    net = rg.Network.random_he((4, 8, 8, 3), seed=2)
    save_safetensors(net, tmp_path / "he.safetensors")
    assert load_safetensors(tmp_path / "he.safetensors") == net


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_rounding_nearest_rounds_each_parameter_once(tmp_path, dtype):
    net = rg.Network.random_he((4, 6, 2), seed=7)
    with pytest.raises(NotExactError, match=f"not a {dtype} number"):
        save_safetensors(net, tmp_path / "x.safetensors", dtype=dtype)
    save_safetensors(net, tmp_path / "x.safetensors", dtype=dtype, rounding="nearest")
    loaded = load_safetensors(tmp_path / "x.safetensors")
    assert loaded.parameters() == tuple(round_to_format(p, dtype) for p in net.parameters())
    assert loaded != net


def test_non_dyadic_network_is_refused_without_rounding(tmp_path):
    net = rg.Network.random_rational((2, 3, 1), seed=1)
    assert any(p.denominator & (p.denominator - 1) for p in net.parameters())  # some 1/3, 1/5, …
    with pytest.raises(NotExactError, match="rounding='nearest'"):
        save_safetensors(net, tmp_path / "q.safetensors")
    assert not (tmp_path / "q.safetensors").exists()
    save_safetensors(net, tmp_path / "q.safetensors", rounding="nearest")
    assert load_safetensors(tmp_path / "q.safetensors").parameters() == tuple(
        Fraction(float(p)) for p in net.parameters()
    )


def test_torch_dtype_objects_are_accepted_as_dtype(tmp_path):
    torch = pytest.importorskip("torch")
    net = rg.Network.random_integer((2, 2, 1), seed=0)
    save_safetensors(net, tmp_path / "t.safetensors", dtype=torch.float16)
    assert {i["dtype"] for i in read_header(tmp_path / "t.safetensors")[0].values()} == {"F16"}


def test_dispatch_by_extension(tmp_path):
    net = rg.Network.random_integer((3, 3, 2), seed=3)
    rg.save_network(net, tmp_path / "m.safetensors", dtype="float32")
    assert {i["dtype"] for i in read_header(tmp_path / "m.safetensors")[0].values()} == {"F32"}
    assert rg.load_network(tmp_path / "m.safetensors") == net


# ------------------------------------------------------------------------------ layer order
def test_metadata_order_wins_over_natural_order(tmp_path):
    W_b, W_a = np.ones((2, 3)), np.full((1, 2), 0.5)  # layer "b" (3 → 2) comes first, "a" (2 → 1) second
    tensors = {"a.weight": W_a, "a.bias": np.zeros(1), "b.weight": W_b, "b.bias": np.array([1.0, -1.0])}
    save_file(tensors, tmp_path / "m.safetensors", metadata={LAYERS_KEY: "b,a"})
    net = load_safetensors(tmp_path / "m.safetensors")
    assert net.widths == (3, 2, 1) and net.biases[0] == (1, -1)
    save_file(tensors, tmp_path / "n.safetensors")  # no metadata: natural order, "a" first, which does not chain
    with pytest.raises(rg.ShapeError, match="n.safetensors"):
        load_safetensors(tmp_path / "n.safetensors")


@pytest.mark.parametrize("listed", ["a", "a,b,c", "a,,b", "a,a"])
def test_metadata_disagreeing_with_the_tensors_is_refused(tmp_path, listed):
    tensors = {"a.weight": np.ones((2, 2)), "a.bias": np.zeros(2), "b.weight": np.ones((1, 2)), "b.bias": np.zeros(1)}
    save_file(tensors, tmp_path / "m.safetensors", metadata={LAYERS_KEY: listed})
    with pytest.raises(FormatError, match="m.safetensors"):
        load_safetensors(tmp_path / "m.safetensors")


def test_torch_file_in_natural_order_matches_torch_bit_for_bit(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file as torch_save_file

    model = torch_sequential(torch, WIDTHS, seed=0, grid=True)
    assert "10.weight" in model.state_dict() and "12.bias" in model.state_dict()
    torch_save_file(model.state_dict(), tmp_path / "model.safetensors")
    net = load_safetensors(tmp_path / "model.safetensors")
    assert net.widths == WIDTHS
    assert list(net.parameters()) == torch_parameters(model)
    X = grid_inputs(WIDTHS[0], seed=1)
    expected = model.double()(torch.from_numpy(X)).detach().numpy()
    got = rg.forward(net, X, method="float")
    assert got.tobytes() == expected.tobytes()  # bit for bit
    assert (rg.forward(net, X) == expected).all()  # and both are the exact outputs


def test_torch_default_init_parameters_are_read_at_their_exact_value(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file as torch_save_file

    model = torch_sequential(torch, (5, 16, 16, 3), seed=4, grid=False)
    torch_save_file(model.state_dict(), tmp_path / "init.safetensors")
    net = load_safetensors(tmp_path / "init.safetensors")
    assert list(net.parameters()) == torch_parameters(model)
    X = np.random.default_rng(0).normal(size=(5, 5))
    exact = rg.forward(net, X)
    torch_out = model.double()(torch.from_numpy(X)).detach().numpy()
    assert max(abs(Fraction(float(t)) - e) for t, e in zip(torch_out.flat, exact.flat)) < Fraction(1, 10**12)


def test_torch_file_loads_through_the_cli(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file as torch_save_file

    from relugeom.cli.main import main

    model = torch_sequential(torch, WIDTHS, seed=3, grid=True)
    torch_save_file(model.state_dict(), tmp_path / "model.safetensors")
    X = grid_inputs(WIDTHS[0], seed=2, n=8)
    (tmp_path / "x.csv").write_text("\n".join(",".join(repr(float(v)) for v in row) for row in X) + "\n")
    reference = rg.Network.from_layers(
        [(m.weight.detach().numpy(), m.bias.detach().numpy()) for m in model if hasattr(m, "weight")]
    )
    expected = rg.batch_functional_dimension(reference, X)
    assert main(["dim", str(tmp_path / "model.safetensors"), "--inputs", str(tmp_path / "x.csv"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["bfd"] == expected and out["num_params"] == reference.num_params


# ------------------------------------------------------------------------------ bfloat16
def test_torch_bfloat16_file_loads_exactly(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file as torch_load_file
    from safetensors.torch import save_file as torch_save_file

    model = torch_sequential(torch, (4, 7, 3), seed=1, grid=False).to(torch.bfloat16)
    torch_save_file(model.state_dict(), tmp_path / "bf.safetensors")
    assert {i["dtype"] for i in read_header(tmp_path / "bf.safetensors")[0].values()} == {"BF16"}
    net = load_safetensors(tmp_path / "bf.safetensors")
    assert list(net.parameters()) == torch_parameters(model)  # torch's own bfloat16 → float conversion
    # relugeom's bfloat16 file is one torch reads back as the same bfloat16 tensors
    save_safetensors(net, tmp_path / "again.safetensors", dtype="bfloat16")
    again = torch_load_file(tmp_path / "again.safetensors")
    for name, value in model.state_dict().items():
        assert again[name].dtype == torch.bfloat16 and torch.equal(again[name], value)


def test_hand_written_bfloat16_bytes(tmp_path):
    # 0x3FC0 = 1.5, 0xBE80 = -0.25, 0x0001 = the smallest subnormal 2^-133, 0x4049 = 3.140625
    raw = bytes.fromhex("c03f80be01004940")
    header = json.dumps({"0.weight": {"dtype": "BF16", "shape": [1, 3], "data_offsets": [0, 6]},
                         "0.bias": {"dtype": "BF16", "shape": [1], "data_offsets": [6, 8]}}).encode()  # fmt: skip
    (tmp_path / "h.safetensors").write_bytes(len(header).to_bytes(8, "little") + header + raw)
    net = load_safetensors(tmp_path / "h.safetensors")
    assert net.weights[0][0] == (Fraction(3, 2), Fraction(-1, 4), Fraction(1, 2**133))
    assert net.biases[0] == (Fraction(201, 64),)


# ------------------------------------------------------------------------------ refusals and hostile files
def test_bias_free_layer(tmp_path):
    save_file(
        {"0.weight": np.ones((2, 2)), "2.weight": np.ones((1, 2)), "2.bias": np.zeros(1)}, tmp_path / "m.safetensors"
    )
    with pytest.raises(UnsupportedModelError, match="bias_free='zero'"):
        load_safetensors(tmp_path / "m.safetensors")
    assert load_safetensors(tmp_path / "m.safetensors", bias_free="zero").biases[0] == (0, 0)


def test_batchnorm_statistics_are_refused(tmp_path):
    tensors = {"0.weight": np.ones((2, 2)), "0.bias": np.zeros(2), "1.running_mean": np.zeros(2)}
    save_file(tensors, tmp_path / "bn.safetensors")
    with pytest.raises(UnsupportedModelError, match="running_mean"):
        load_safetensors(tmp_path / "bn.safetensors")


def write_raw(path, header, data: bytes = b"", length: int | None = None) -> None:
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    path.write_bytes((len(text) if length is None else length).to_bytes(8, "little") + text + data)


def _weight(**changes):
    info = {"dtype": "F32", "shape": [1, 2], "data_offsets": [0, 8]}
    return {"0.weight": {**info, **changes}}


HOSTILE = {
    "empty": (b"", None, b""),
    "short-length": (None, None, b"\x10\x00\x00"),
    "huge-length": (b"{}", 2**62, b""),
    "length-past-end": (_weight(), 10**6, bytes(8)),
    "not-json": (b"{not json", None, b""),
    "not-an-object": (b"[1, 2]", None, b""),
    "bad-metadata": ({"__metadata__": {"a": 1}}, None, b""),
    "no-offsets": ({"0.weight": {"dtype": "F32", "shape": [1, 2]}}, None, bytes(8)),
    "offsets-past-data": (_weight(data_offsets=[0, 8]), None, bytes(4)),
    "offsets-reversed": (_weight(data_offsets=[8, 0]), None, bytes(8)),
    "negative-offset": (_weight(data_offsets=[-8, 0]), None, bytes(8)),
    "shape-disagrees": (_weight(shape=[4, 4]), None, bytes(8)),
    "huge-shape": (_weight(shape=[2**40, 2**40]), None, bytes(8)),
    "float-shape": (_weight(shape=[1.0, 2]), None, bytes(8)),
    "unknown-dtype": (_weight(dtype="F8_E4M3", shape=[1, 8]), None, bytes(8)),
    "gap": ({**_weight(), "0.bias": {"dtype": "F32", "shape": [1], "data_offsets": [12, 16]}}, None, bytes(16)),
    "trailing-bytes": (_weight(), None, bytes(12)),
    "overlap": ({**_weight(), "0.bias": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, None, bytes(8)),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_and_malformed_files_give_one_line_format_errors(tmp_path, case):
    header, length, data = HOSTILE[case]
    path = tmp_path / f"{case}.safetensors"
    if header is None:
        path.write_bytes(data)
    else:
        write_raw(path, header, data, length)
    with pytest.raises(FormatError) as info:
        load_safetensors(path)
    message = str(info.value)
    assert str(path) in message and len(message.splitlines()) == 1


def test_truncated_real_file(tmp_path):
    save_safetensors(rg.Network.random_integer((3, 4, 2), seed=1), tmp_path / "ok.safetensors")
    full = (tmp_path / "ok.safetensors").read_bytes()
    (tmp_path / "cut.safetensors").write_bytes(full[: len(full) - 5])
    with pytest.raises(FormatError, match="cut.safetensors.*outside the data"):
        load_safetensors(tmp_path / "cut.safetensors")


def test_missing_file(tmp_path):
    with pytest.raises(FormatError, match="not found: .*nope.safetensors"):
        load_safetensors(tmp_path / "nope.safetensors")


def test_without_the_safetensors_package(tmp_path, monkeypatch):
    for name in [m for m in sys.modules if m == "safetensors" or m.startswith("safetensors.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "safetensors", None)  # import safetensors now raises ImportError
    net = rg.Network.random_integer((2, 2, 1), seed=0)
    with pytest.raises(MissingExtraError, match=r'pip install -e "\.\[safetensors\]"'):
        save_safetensors(net, tmp_path / "m.safetensors")
    with pytest.raises(MissingExtraError, match="safetensors"):
        load_safetensors(tmp_path / "m.safetensors")


def test_unknown_dtype_is_refused(tmp_path):
    with pytest.raises(InvalidArgumentError, match="int8"):
        save_safetensors(rg.Network.random_integer((2, 2, 1), seed=0), tmp_path / "m.safetensors", dtype="int8")
