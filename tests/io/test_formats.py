"""Network files by extension: dispatch, refusals, and what each format keeps."""

from __future__ import annotations

import pytest

import relugeom as rg
from relugeom.core.network import Network
from relugeom.io.formats import NETWORK_FORMATS, network_format


@pytest.mark.parametrize(
    "name, fmt",
    [
        ("a.json", "json"),
        ("a.JSON", "json"),
        ("dir.v2/m.safetensors", "safetensors"),
        ("m.onnx", "onnx"),
        ("m.pt", "pt"),
        ("m.PTH", "pt"),
    ],
)
def test_format_by_extension(name, fmt):
    assert network_format(name) == fmt


@pytest.mark.parametrize("name", ["model.h5", "model", "model.json.bak", "model.keras"])
def test_unknown_extensions_are_refused_with_the_list(name):
    with pytest.raises(rg.FormatError) as info:
        rg.load_network(name)
    for ext in NETWORK_FORMATS:
        assert ext in str(info.value)


@pytest.mark.parametrize("ext", [".safetensors", ".onnx", ".pt"])
def test_missing_float_format_files_are_a_format_error(tmp_path, ext):
    with pytest.raises(rg.FormatError, match="not found"):
        rg.load_network(tmp_path / f"none{ext}")


def test_json_is_exact_and_takes_no_dtype(tmp_path):
    net = Network.random_rational((2, 3, 1), seed=0)
    rg.save_network(net, tmp_path / "n.json")
    assert rg.load_network(tmp_path / "n.json") == net
    with pytest.raises(rg.RelugeomError, match="exact rationals"):
        rg.save_network(net, tmp_path / "n.json", dtype="float32")


@pytest.mark.parametrize("ext, package", [(".safetensors", "safetensors"), (".onnx", "onnx"), (".pt", "torch")])
@pytest.mark.parametrize("dtype", ["float32", "numpy"])
def test_every_float_format_round_trips_a_dyadic_network_and_takes_numpy_dtypes(tmp_path, ext, package, dtype):
    pytest.importorskip(package)
    import numpy as np

    net = Network.random_integer((3, 4, 2), seed=1)  # small integers: exact in every float format
    path = tmp_path / f"m{ext}"
    rg.save_network(net, path, dtype=np.float32 if dtype == "numpy" else dtype)
    assert rg.load_network(path) == net
    with pytest.raises(rg.NotExactError, match="rounding='nearest'"):
        rg.save_network(Network.random_rational((3, 4, 2), seed=1), tmp_path / f"r{ext}", dtype="float32")
