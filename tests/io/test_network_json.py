"""Files: network JSON and input CSV (DESIGN.md formats), round trips and every refusal."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import relugeom as rg
from relugeom import load_inputs, load_network, save_inputs, save_network
from relugeom.core.network import Network

F = Fraction


# ------------------------------------------------------------------------------------ network JSON
def test_save_load_round_trip(tmp_path, hand_net):
    path = tmp_path / "net.json"
    save_network(hand_net, path)
    assert load_network(path) == hand_net
    assert load_network(str(path)) == hand_net
    data = json.loads(path.read_text())
    assert data["format"] == "relugeom-network" and data["version"] == 1
    # numbers are written as exact strings
    assert data["layers"][0]["bias"] == ["0", "-1"]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("ctor", [Network.random_rational, Network.random_he])
def test_round_trip_keeps_every_digit(tmp_path, seed, ctor):
    net = ctor((3, 4, 2, 2), seed=seed)
    path = tmp_path / f"net{seed}.json"
    save_network(net, path)
    again = load_network(path)
    assert again == net
    assert again.parameters() == net.parameters()


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.fractions(max_denominator=10**9), min_size=7, max_size=7))
def test_round_trip_of_arbitrary_rationals(tmp_path, params):
    net = Network.from_parameters((1, 2, 1), params)
    path = tmp_path / "prop.json"
    save_network(net, path)
    assert load_network(path).parameters() == tuple(params)


def test_json_floats_are_read_as_the_decimal_they_spell(tmp_path):
    path = tmp_path / "hand.json"
    path.write_text(
        '{"format": "relugeom-network", "version": 1, "layers": ['
        '{"weight": [[0.1], [1e-3]], "bias": [-2.5, 3]},'
        '{"weight": [[0.3, "-2/3"]], "bias": ["0.7"]}]}'
    )
    net = load_network(path)
    assert net.weights[0] == ((F(1, 10),), (F(1, 1000),))
    assert net.weights[0][0][0] != F(0.1)  # not the binary double nearest to 0.1
    assert net.biases[0] == (F(-5, 2), F(3))
    assert net.weights[1] == ((F(3, 10), F(-2, 3)),)
    assert net.biases[1] == (F(7, 10),)


VALID_LAYERS = '[{"weight": [[1], [1]], "bias": [0, -1]}, {"weight": [[1, 1]], "bias": [0]}]'


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{",
        "not json at all",
        '{"format": "relugeom-network", "version": 1, "layers": [}',
        "[1, 2, 3]",
        '"relugeom-network"',
        '{"format": "something-else", "version": 1, "layers": ' + VALID_LAYERS + "}",
        '{"version": 1, "layers": ' + VALID_LAYERS + "}",
        '{"format": "relugeom-network", "version": 99, "layers": ' + VALID_LAYERS + "}",
        '{"format": "relugeom-network", "layers": ' + VALID_LAYERS + "}",
        '{"format": "relugeom-network", "version": 1}',
        '{"format": "relugeom-network", "version": 1, "layers": []}',
        '{"format": "relugeom-network", "version": 1, "layers": [{"weight": [[1]]}]}',
        '{"format": "relugeom-network", "version": 1, "layers": [{"bias": [1]}]}',
        '{"format": "relugeom-network", "version": 1, "layers": [[[1]], [0]]}',
    ],
)
def test_malformed_network_files_raise_format_error(tmp_path, text):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(rg.FormatError) as info:
        load_network(path)
    assert "bad.json" in str(info.value)  # the message names the file


def test_missing_network_file_raises_format_error(tmp_path):
    with pytest.raises(rg.FormatError, match="not found"):
        load_network(tmp_path / "nowhere.json")


def test_directory_instead_of_file_raises_format_error(tmp_path):
    with pytest.raises(rg.FormatError):
        load_network(tmp_path)


def test_bad_numbers_and_shapes_in_a_network_file_name_the_file(tmp_path):
    bad_number = tmp_path / "nan.json"
    bad_number.write_text(
        '{"format": "relugeom-network", "version": 1, "layers": [{"weight": [["abc"]], "bias": [0]}]}'
    )
    with pytest.raises(rg.NotExactError, match=r"nan\.json.*W\[0\]\[0\]\[0\]"):
        load_network(bad_number)
    bad_shape = tmp_path / "shape.json"
    bad_shape.write_text(
        '{"format": "relugeom-network", "version": 1, "layers": '
        '[{"weight": [[1], [1]], "bias": [0, 0]}, {"weight": [[1]], "bias": [0]}]}'
    )
    with pytest.raises(rg.RelugeomError, match=r"shape\.json.*W\[1\] has 1 columns"):
        load_network(bad_shape)


# ------------------------------------------------------------------------------------ CSV inputs
def test_csv_with_fractions_decimals_comments_and_blank_lines(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("# two inputs per sample\n1, -2/3\n\n0.1,1e-3\n  # an indented comment\n-7 , 5/10\n")
    assert load_inputs(path) == ((F(1), F(-2, 3)), (F(1, 10), F(1, 1000)), (F(-7), F(1, 2)))


def test_csv_round_trip(tmp_path):
    X = [[F(1, 3), -2, "0.1"], [0.5, "7/10", 10**30]]
    path = tmp_path / "x.csv"
    save_inputs(X, path)
    assert load_inputs(path) == ((F(1, 3), F(-2), F(1, 10)), (F(1, 2), F(7, 10), F(10**30)))


def test_csv_inputs_feed_the_dimension(tmp_path, hand_net):
    path = tmp_path / "x.csv"
    path.write_text("-1\n-1/2\n0.5\n0.7\n2\n3\n")
    assert rg.batch_functional_dimension(hand_net, load_inputs(path)) == 5


@pytest.mark.parametrize(
    "text",
    [
        "1,2\n3,abc\n",
        "1,2\n3,nan\n",
        "1,inf\n",
        "1/0\n",
        "1,2\n3\n",  # ragged
        "1,,2\n",  # empty cell
        "",  # no samples
        "# only a comment\n\n",
    ],
)
def test_bad_csv_raises_format_error(tmp_path, text):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(rg.FormatError) as info:
        load_inputs(path)
    assert "bad.csv" in str(info.value)


def test_missing_csv_raises_format_error(tmp_path):
    with pytest.raises(rg.FormatError, match="not found"):
        load_inputs(tmp_path / "missing.csv")


def test_csv_and_json_with_a_byte_order_mark(tmp_path, hand_net):
    csv_path = tmp_path / "bom.csv"
    csv_path.write_bytes("\ufeff1/2\n3\n".encode("utf-8"))
    assert load_inputs(csv_path) == ((F(1, 2),), (F(3),))
    json_path = tmp_path / "bom.json"
    json_path.write_bytes(("\ufeff" + json.dumps(hand_net.to_dict())).encode("utf-8"))
    assert load_network(json_path) == hand_net


def test_boolean_version_is_refused(tmp_path, hand_net):
    data = hand_net.to_dict()
    data["version"] = True  # True == 1 in Python, but it is not the integer version 1
    path = tmp_path / "v.json"
    path.write_text(json.dumps(data))
    with pytest.raises(rg.FormatError, match="version"):
        load_network(path)
