"""The cap on the size of numbers read from text (files, the command line) and Decimals.

Size of a decimal ``[sign]digits[.digits][e[sign]exp]``: mantissa digits + |exp|; of ``p/q``: the longer of
p and q. Beyond :data:`relugeom.numbers.DEFAULT_MAX_DIGITS` (4300, Python's own int-string limit) the number is
refused before anything expands it; :func:`relugeom.numbers.digit_limit` moves or lifts the cap.
"""

from __future__ import annotations

import json
import sys
import time
from decimal import Decimal
from fractions import Fraction

import pytest

from relugeom.exceptions import FormatError, InvalidArgumentError, NotExactError
from relugeom.io.network_json import load_inputs, load_json, load_network, save_inputs
from relugeom.numbers import (
    DEFAULT_MAX_DIGITS,
    digit_limit,
    max_digits,
    number_size,
    parse_json_decimal,
    parse_json_int,
    to_fraction,
)

LAYERS = [([[1, -2], ["1/2", 1]], [0, "1/3"]), ([[1, -1]], ["1/5"])]


def network_dict(weight: object) -> dict:
    """A 2-2-1 network's JSON dict with ``weight`` as W[0][0, 1]."""
    from relugeom.core.network import Network

    data = Network.from_layers(LAYERS).to_dict()
    data["layers"][0]["weight"][0][1] = weight
    return data


# ------------------------------------------------------------------------------------ the size rule
@pytest.mark.parametrize(
    "text,size",
    [
        ("0", 1),
        ("-12.50e-3", 7),
        ("+.5E+2", 3),
        ("1_000", 4),
        ("1e400000000", 400000001),
        ("1e-400000000", 400000001),
        ("1/1000", 4),
        ("-123456/7", 6),
        ("0e99999", 1),
        ("000.000e-9999999", 6),
        (" 7 ", 1),
    ],
)
def test_number_size_of_text(text, size):
    assert number_size(text) == size


def test_number_size_of_decimals_and_non_numbers():
    assert number_size(Decimal("1E+400")) == 401
    assert number_size(Decimal("-0.00125")) == 3 + 5
    assert number_size(Decimal("0E+999999")) == 1
    assert number_size(Decimal("NaN")) is None and number_size(Decimal("-Infinity")) is None
    assert number_size("one") is None and number_size("1/") is None and number_size("") is None


@pytest.mark.parametrize(
    "fits,refused",
    [
        ("7" * 4300, "7" * 4301),  # decimal digits
        ("-" + "7" * 4300, "-" + "7" * 4301),
        ("1.5e4298", "1.5e4299"),  # digits + exponent
        ("1.5e-4298", "1.5e-4299"),
        ("1" * 2000 + "." + "2" * 2300, "1" * 2000 + "." + "2" * 2301),
        ("1/" + "3" * 4300, "1/" + "3" * 4301),  # p/q: the longer of p and q
        ("3" * 4300 + "/7", "3" * 4301 + "/7"),
    ],
)
def test_the_cap_at_its_edge(fits, refused):
    assert to_fraction(fits) == Fraction(fits)
    with pytest.raises(NotExactError, match=f"more than the limit of {DEFAULT_MAX_DIGITS}"):
        to_fraction(refused)


def test_decimals_are_capped_like_text():
    assert to_fraction(Decimal("1.5e4298")) == Fraction(15) * 10**4297
    with pytest.raises(NotExactError, match="4301 digits"):
        to_fraction(Decimal("1e4300"))
    with pytest.raises(NotExactError, match="400000001 digits"):
        to_fraction(Decimal("-1e-400000000"))


def test_huge_exponents_are_refused_at_once():
    t0 = time.perf_counter()
    for text in ["1e400000000", "-7.5e-999999999", "1e" + "9" * 30, "1e-" + "9" * 5000, Decimal("1e999999999")]:
        with pytest.raises(NotExactError, match="more than the limit"):
            to_fraction(text, "W[0][0, 1]")
    with pytest.raises(NotExactError, match="an exponent of 30 digits"):
        to_fraction("1e" + "9" * 30)
    assert time.perf_counter() - t0 < 0.5


def test_zero_is_zero_whatever_its_exponent():
    t0 = time.perf_counter()
    assert to_fraction("0e400000000") == 0 and to_fraction("-0.000e-" + "9" * 40) == 0
    assert to_fraction(Decimal("0E+999999999")) == 0
    assert parse_json_decimal("0e99999999999999999999999") == 0
    assert time.perf_counter() - t0 < 0.5


def test_python_numbers_are_not_capped():
    big = 10**5000 + 1
    assert to_fraction(big) == big
    assert to_fraction(Fraction(1, big)) == Fraction(1, big)
    assert to_fraction(1e300) == Fraction(1e300)


def test_the_message_says_size_limit_why_and_how_to_lift_it():
    with pytest.raises(NotExactError) as info:
        to_fraction("1e400000000", "W[0][0, 1]")
    message = str(info.value)
    assert message.startswith("'1e400000000' at W[0][0, 1] would have 400000001 digits, more than the limit of 4300")
    assert "a guard against numbers that take minutes or all memory to expand" in message
    assert "pass --max-digits N (0: no limit; library: relugeom.numbers.digit_limit(N))" in message
    assert "\n" not in message
    with pytest.raises(NotExactError) as info:  # a long text is shown short
        to_fraction("9" * 10**6)
    assert "(1000000 characters)" in str(info.value) and len(str(info.value)) < 400


def test_bad_text_is_still_refused_as_unreadable():
    for text in ["1/0", "abc", "1e", "--1", "0x10", "1/2/3", "nan", "inf"]:
        with pytest.raises(NotExactError, match="cannot read"):
            to_fraction(text)


# ------------------------------------------------------------------------------------ lifting the cap
def test_digit_limit_moves_and_lifts_the_cap():
    assert max_digits() == DEFAULT_MAX_DIGITS
    with digit_limit(10):
        assert max_digits() == 10
        with pytest.raises(NotExactError, match="11 digits, more than the limit of 10"):
            to_fraction("12345678901")
        with digit_limit(None):
            assert max_digits() is None
            assert to_fraction("1e5000") == 10**5000
        assert max_digits() == 10
    with digit_limit(0):  # 0 is no limit, as --max-digits 0
        assert max_digits() is None
    with digit_limit(6000):
        assert to_fraction("7" * 6000) == int("7" * 6000)
        with pytest.raises(NotExactError, match="6001 digits"):
            to_fraction("7" * 6001)
    assert max_digits() == DEFAULT_MAX_DIGITS


@pytest.mark.parametrize("bad", [-1, 2.5, "10", True])
def test_digit_limit_refuses_what_is_not_a_count(bad):
    with pytest.raises(InvalidArgumentError, match="digit_limit"):
        with digit_limit(bad):
            pass


def test_digit_limit_raises_pythons_int_string_limit_and_restores_it():
    before = sys.get_int_max_str_digits()
    with digit_limit(100):
        assert sys.get_int_max_str_digits() == before  # a lower cap leaves Python's limit alone
    with digit_limit(None):
        assert sys.get_int_max_str_digits() == 0
        assert len(str(to_fraction("7e6000") ** 2)) == 12002  # results beyond the cap print, too
    assert sys.get_int_max_str_digits() == before
    with pytest.raises(RuntimeError):
        with digit_limit(10**5):
            assert sys.get_int_max_str_digits() == 0
            raise RuntimeError("restored even so")
    assert sys.get_int_max_str_digits() == before and max_digits() == DEFAULT_MAX_DIGITS


def test_a_lower_python_limit_is_a_one_line_refusal_too():
    before = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(1000)
    try:
        with pytest.raises(NotExactError):
            to_fraction("7" * 2000)
        with pytest.raises(NotExactError):
            parse_json_int("7" * 2000)
    finally:
        sys.set_int_max_str_digits(before)


# ------------------------------------------------------------------------------------ JSON and CSV files
def test_json_integers_and_floats_are_capped(tmp_path):
    assert json.loads("[1, -20]", parse_int=parse_json_int) == [1, -20]
    path = tmp_path / "net.json"
    path.write_text(json.dumps(network_dict("HERE")).replace('"HERE"', "7" * 5000))  # a bare JSON integer
    with pytest.raises(NotExactError) as info:  # not Python's plain ValueError
        load_network(path)
    assert str(info.value).startswith(f"{path}: ") and "5000 digits" in str(info.value)
    with digit_limit(None):
        assert load_network(path).weights[0][0][1] == int("7" * 5000)
    path.write_text(json.dumps(network_dict("HERE")).replace('"HERE"', "1e400000000"))  # a bare JSON float
    with pytest.raises(NotExactError, match="400000001 digits"):
        load_network(path)
    path.write_text("[1e99999999999999999999999]")  # beyond a Decimal's exponents, cap or no cap
    with digit_limit(None), pytest.raises(NotExactError, match="decimal.Decimal"):
        load_json(path)


def test_string_numbers_in_a_network_file_are_capped(tmp_path):
    path = tmp_path / "net.json"
    path.write_text(json.dumps(network_dict("1e400000000")))
    with pytest.raises(NotExactError, match=r"net\.json.*W\[0\]\[0\]\[1\].*400000001 digits"):
        load_network(path)
    path.write_text(json.dumps(network_dict("1e5000")))
    with digit_limit(None):
        assert load_network(path).weights[0][0][1] == 10**5000


def test_csv_numbers_are_capped(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("1,2\n3,1e400000000\n")
    with pytest.raises(FormatError, match=r"x\.csv.*400000001 digits.*--max-digits"):
        load_inputs(path)
    path.write_text("1," + "1" + "0" * 5000 + "\n")
    with pytest.raises(FormatError, match="5001 digits"):
        load_inputs(path)
    with digit_limit(5001):
        assert load_inputs(path)[0][1] == 10**5000


# ------------------------------------------------------------------------------------ the command line
def test_the_11_byte_weight_is_refused_at_once_by_the_cli(tmp_path, capsys):
    from relugeom.cli.main import main

    net = tmp_path / "net.json"
    net.write_text(json.dumps(network_dict("1e400000000")))
    assert len(json.dumps("1e400000000")) == 13  # the 11 bytes, quoted
    x = tmp_path / "x.csv"
    save_inputs([["1/3", "1/7"], [2, -1]], x)
    capsys.readouterr()
    t0 = time.perf_counter()
    code = main(["dim", str(net), "--inputs", str(x)])
    seconds = time.perf_counter() - t0
    err = capsys.readouterr().err
    assert code == 2 and seconds < 1.0
    assert err.startswith("relugeom: error:") and len(err.splitlines()) == 1
    assert "400000001 digits" in err and "--max-digits" in err


@pytest.mark.parametrize("where", ["network", "inputs", "box"])
def test_every_number_the_cli_reads_is_capped(tmp_path, capsys, where):
    from relugeom.cli.main import main

    net, x = tmp_path / "net.json", tmp_path / "x.csv"
    net.write_text(json.dumps(network_dict("1e400000000" if where == "network" else "1/2")))
    x.write_text("1e400000000,1\n" if where == "inputs" else "1/3,1/7\n")
    box = "-1e400000000:1" if where == "box" else "-1:1"
    capsys.readouterr()
    t0 = time.perf_counter()
    code = main(["regions", str(net), "--inputs", str(x), f"--box={box}"])
    err = capsys.readouterr().err
    assert code == 2 and time.perf_counter() - t0 < 1.0
    assert err.startswith("relugeom: error:") and len(err.splitlines()) == 1 and "400000001 digits" in err


def test_max_digits_lifts_the_cap_on_the_command_line(tmp_path, capsys):
    from relugeom.cli.main import main

    net = tmp_path / "net.json"
    net.write_text(json.dumps(network_dict("7" * 5000)))
    x = tmp_path / "x.csv"
    save_inputs([["1/3", "1/7"], [2, -1]], x)
    capsys.readouterr()
    assert main(["dim", str(net), "--inputs", str(x), "--json"]) == 2
    assert "5000 digits" in capsys.readouterr().err
    assert main(["dim", str(net), "--inputs", str(x), "--json", "--max-digits", "0"]) == 0
    assert json.loads(capsys.readouterr().out)["bfd"] >= 1
    assert max_digits() == DEFAULT_MAX_DIGITS
