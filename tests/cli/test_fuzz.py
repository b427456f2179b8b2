"""Fuzzing the command line in process: inputs that cannot hurt.

Each test starts from valid files (a small network JSON, a CSV batch, labels, a ``--state`` file of a real
``relugeom check T1`` run), mutates their bytes (flips, insertions, deletions, truncations, binary junk,
numbers with huge exponents or thousands of digits, absurd nesting), and runs a command on them with
``relugeom.cli.main.main``. Whatever the bytes, ``main`` must return an exit code (0 done, 1 violation,
2 refused input, 3 limit reached) and never raise, and a failure is one line on stderr. An internal error
(exit code 70, a bug) fails the test with its traceback (re-run with ``--debug``).

Each fuzz test tries 40 mutated inputs; ``RELUGEOM_FUZZ_EXAMPLES=2000 pytest tests/cli/test_fuzz.py`` hunts
longer.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relugeom.cli.main import main
from relugeom.core.network import Network
from relugeom.io.network_json import save_inputs, save_network

FUZZ = settings(
    max_examples=int(os.environ.get("RELUGEOM_FUZZ_EXAMPLES", 40)),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

# widths 2-3-1; inputs away from every hyperplane (no degenerate point), labels one a row
LAYERS = [([[1, -2], ["1/2", 1], [-1, "3/4"]], [0, "1/3", -1]), ([[1, -1, 2]], ["1/5"])]
INPUTS = [["1/7", "0.3"], [2, "-1/3"], ["-0.9", "5/11"], [3, 2]]
LABELS = "1\n-1/2\n0.25\n2\n"

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
#: Bytes spliced in anywhere.
JUNK = [
    PNG,
    gzip.compress(b'{"format": "relugeom-network"}'),
    b"\x00" * 7,
    b"\xff\xfe\xfd",
    b"\xef\xbb\xbf",  # a byte-order mark
    b"\xc3",  # half of a two-byte character
    "\u2028é\u0663".encode(),  # a line separator, an accent, an Arabic-Indic digit
    b"\r",
    b"\n\n",
    b'"',
    b",",
    b"[" * 3000,
    b'{"a":' * 3000,
]
#: What replaces a number (inside a JSON string, as a bare JSON number, or in a CSV cell).
NUMBERS = [
    b"1e400000000",  # the 11-byte hang
    b"-1e-400000000",
    b"9" * 5000,  # beyond Python's int-string limit
    b"1/" + b"3" * 4400,
    b"0e99999999999999999999999",  # zero, whatever its exponent
    b"1e99999999999999999999999",
    b"1/0",
    b"NaN",
    b"-Infinity",
    b"1e4000",  # within the default cap: big, but to be computed with and printed
    b"7" * 4000,
    b"1/" + b"3" * 4000,
    b"1e-4000",
    b"0.5e-4290",
    b"1e300",
    b"-0",
    b"0",
    b"0.0",
    b"1_000",
    b"\xd9\xa3",  # an Arabic-Indic digit 3
    b'"1e400000000"',
    b'"' + b"7" * 4400 + b'"',
    b"[" * 3000 + b"1" + b"]" * 3000,
    b'{"a":' * 3000 + b"1" + b"}" * 3000,
    b"true",
    b"null",
    b"{}",
    b"[]",
    b'"\\ud800"',
]
NUMBER = re.compile(rb"-?\d+(?:/\d+|\.\d+)?(?:[eE][-+]?\d+)?")


@st.composite
def mutations(draw: st.DrawFn) -> tuple:
    """One edit of a file's bytes; positions and line or number indices are taken modulo what the file has."""
    kind = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "junk", "number", "number", "number", "dup"]))
    at = draw(st.integers(0, 2**16))
    if kind == "flip":
        return kind, at, draw(st.integers(0, 255))
    if kind == "insert":
        return kind, at, draw(st.binary(min_size=1, max_size=8))
    if kind == "delete":
        return kind, at, draw(st.integers(1, 40))
    if kind == "junk":
        return kind, at, draw(st.sampled_from(JUNK))
    if kind == "number":
        return kind, at, draw(st.sampled_from(NUMBERS))
    return kind, at, None


def mutate(data: bytes, edits: list[tuple]) -> bytes:
    """``data`` with the edits applied in turn."""
    for kind, at, arg in edits:
        i = at % (len(data) + 1)
        if kind == "flip" and data:
            i = min(i, len(data) - 1)
            data = data[:i] + bytes([arg]) + data[i + 1 :]
        elif kind == "insert":
            data = data[:i] + arg + data[i:]
        elif kind == "delete":
            data = data[:i] + data[i + arg :]
        elif kind == "truncate":
            data = data[:i]
        elif kind == "junk":
            data = data[:i] + arg + data[i:]
        elif kind == "number":  # replace one of the numbers by the payload
            spans = [m.span() for m in NUMBER.finditer(data)]
            if spans:
                a, b = spans[at % len(spans)]
                data = data[:a] + arg + data[b:]
        elif kind == "dup":  # a line twice (a state file's unit repeated, a CSV row repeated)
            lines = data.split(b"\n")
            k = at % len(lines)
            data = b"\n".join(lines[: k + 1] + lines[k:])
    return data


EDITS = st.lists(mutations(), min_size=1, max_size=3)


@pytest.fixture(scope="module")
def valid(tmp_path_factory) -> dict[str, bytes]:
    """The bytes of valid files: network, inputs, labels, and the state file of ``relugeom check T1``."""
    d = tmp_path_factory.mktemp("valid")
    save_network(Network.from_layers(LAYERS), d / "net.json")
    save_inputs(INPUTS, d / "x.csv")
    state = d / "state.jsonl"
    assert main(["check", "T1", "--state", str(state), "--json"]) == 0
    assert len(state.read_bytes().splitlines()) >= 2
    return {
        "net": (d / "net.json").read_bytes(),
        "csv": (d / "x.csv").read_bytes(),
        "labels": LABELS.encode(),
        "state": state.read_bytes(),
    }


def run_cli(argv: list[str], capsys) -> tuple[int, str]:
    """``main(argv)``, checked: an exit code of a run or a refusal (never an internal error or an exception),
    and one line on stderr whenever the code is not 0. Returns the code and stderr."""
    capsys.readouterr()
    code = main(argv)
    out, err = capsys.readouterr()
    if code == 70:  # an internal error: show its traceback
        main([*argv, "--debug"])
        err = capsys.readouterr().err
    assert isinstance(code, int) and code in (0, 1, 2, 3), f"exit code {code} for {argv}:\n{err}"
    if code != 0:
        assert len(err.splitlines()) == 1 and err.startswith("relugeom: "), err
        assert "Traceback" not in err
    return code, err


def write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


# ------------------------------------------------------------------------------------ fuzz per command
def argv_of(command: str, files: dict[str, str]) -> list[str]:
    """The command line of ``command`` on the files (paths by role)."""
    if command == "dim":
        return ["dim", files["net"], "--inputs", files["csv"]]
    if command == "regions":
        return ["regions", files["net"], "--box", "-1:1", "--inputs", files["csv"], "--max-regions", "200"]
    return ["measures", files["net"], "--inputs", files["csv"], "--labels", files["labels"], "--pairs", "3"]


def write_all(tmp_path: Path, valid: dict[str, bytes], role: str, data: bytes) -> dict[str, str]:
    """The valid files written to tmp_path, the one of ``role`` replaced by ``data``."""
    names = {"net": "net.json", "csv": "x.csv", "labels": "y.csv"}
    return {r: write(tmp_path / name, data if r == role else valid[r]) for r, name in names.items()}


@pytest.mark.parametrize("command", ["dim", "regions", "measures"])
@FUZZ
@given(edits=EDITS)
def test_network_file_never_breaks_a_command(tmp_path, capsys, valid, command, edits):
    files = write_all(tmp_path, valid, "net", mutate(valid["net"], edits))
    run_cli(argv_of(command, files), capsys)


@pytest.mark.parametrize(
    "command,role", [("dim", "csv"), ("regions", "csv"), ("measures", "csv"), ("measures", "labels")]
)
@FUZZ
@given(edits=EDITS)
def test_csv_file_never_breaks_a_command(tmp_path, capsys, valid, command, role, edits):
    files = write_all(tmp_path, valid, role, mutate(valid[role], edits))
    run_cli(argv_of(command, files), capsys)


@FUZZ
@given(state_edits=EDITS)
def test_check_state_never_breaks(tmp_path, capsys, valid, state_edits):
    state = write(tmp_path / "state.jsonl", mutate(valid["state"], state_edits))
    run_cli(["check", "T1", "--state", state, "--json"], capsys)


# ------------------------------------------------------------------------------------ the cases named
BINARY = {
    "random": bytes(range(256)) * 3,
    "png": PNG,
    "gzip": gzip.compress(b"1,2\n3,4\n"),
    "utf16": "1,2\n3,4\n".encode("utf-16"),
}


@pytest.mark.parametrize("kind", list(BINARY))
@pytest.mark.parametrize("role", ["net", "inputs", "labels", "state"])
def test_binary_files_are_one_line_refusals(tmp_path, capsys, valid, kind, role):
    files = {
        "net": write(tmp_path / "net.json", valid["net"]),
        "inputs": write(tmp_path / "x.csv", valid["csv"]),
        "labels": write(tmp_path / "y.csv", valid["labels"]),
        "state": write(tmp_path / "state.jsonl", valid["state"]),
    }
    write(Path(files[role]), BINARY[kind])
    if role == "state":
        argv = ["check", "T1", "--state", files["state"], "--json"]
    else:
        argv = ["measures", files["net"], "--inputs", files["inputs"], "--labels", files["labels"]]
    code, err = run_cli(argv, capsys)
    assert code == 2 and Path(files[role]).name in err


@pytest.mark.parametrize("kind", list(BINARY))
def test_binary_network_names_the_file_and_what_to_give(tmp_path, capsys, valid, kind):
    net = write(tmp_path / "net.json", BINARY[kind])
    csv = write(tmp_path / "x.csv", valid["csv"])
    capsys.readouterr()
    assert main(["dim", net, "--inputs", csv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("relugeom: error: ") and err.count("\n") == 1
    assert "net.json" in err and "relugeom-network" in err


def test_state_of_the_wrong_kind_is_one_line_naming_file_and_line(tmp_path, capsys, valid):
    for name, data in [
        ("net.json", valid["net"]),
        ("x.csv", valid["csv"]),
        ("garbage", b"hello\nworld\n"),
        ("list.jsonl", b"[1, 2]\n"),
        ("other.jsonl", b'{"key": "T1|x|0:1", "task": "T1"}\n'),
    ]:
        state = write(tmp_path / name, data)
        capsys.readouterr()
        assert main(["check", "T1", "--state", state, "--json"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"{name}, line 1:" in err and "--state file holds" in err, err


def test_state_with_garbage_after_the_first_line_names_that_line(tmp_path, capsys, valid):
    lines = valid["state"].splitlines(keepends=True)
    state = write(tmp_path / "state.jsonl", lines[0] + b"not json\n" + b"".join(lines[1:]))
    capsys.readouterr()
    assert main(["check", "T1", "--state", state, "--json"]) == 2
    assert "state.jsonl, line 2:" in capsys.readouterr().err


def test_state_with_a_cut_last_line_reruns_that_unit(tmp_path, capsys, valid):
    lines = valid["state"].splitlines(keepends=True)
    cut = b"".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2]
    state = write(tmp_path / "state.jsonl", cut)
    capsys.readouterr()
    assert main(["check", "T1", "--state", state, "--json"]) == 0
    done = json.loads(capsys.readouterr().out)["theorems"][0]
    full = write(tmp_path / "full.jsonl", valid["state"])
    assert main(["check", "T1", "--state", full, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["theorems"][0]["checked"] == done["checked"]
    # the resumed run appended the unit after the cut line; reading the file again still works
    assert main(["check", "T1", "--state", state, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["theorems"][0]["checked"] == done["checked"]


def test_state_of_another_command_is_not_reused(tmp_path, capsys, valid):
    """A state file of ``check T1`` given to ``check T5``: its units are not T5's, so T5 runs in full."""
    state = write(tmp_path / "state.jsonl", valid["state"])
    capsys.readouterr()
    assert main(["check", "T5", "--state", state, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["theorems"][0]["checked"] > 0


# ------------------------------------------------------------------------------------ MNIST's files
def mnist_bytes(kind: str) -> bytes:
    """A tiny valid MNIST in one file: a keras .npz (plain or compressed) or a gzipped IDX of labels."""
    import io

    import numpy as np

    if kind == "idx.gz":
        return gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 3, 1, 7, 9]))
    arrays = {"x_train": np.zeros((2, 28, 28), np.uint8), "y_train": np.array([1, 2], np.uint8)}
    arrays |= {"x_test": np.full((1, 28, 28), 255, np.uint8), "y_test": np.array([3], np.uint8)}
    buf = io.BytesIO()
    (np.savez_compressed if kind == "npz.deflate" else np.savez)(buf, **arrays)
    return buf.getvalue()


@pytest.mark.parametrize("kind", ["npz", "npz.deflate", "idx.gz"])
@FUZZ
@given(edits=EDITS)
def test_mnist_files_are_read_or_refused(tmp_path, kind, edits):
    """What ``relugeom train --data mnist --data-path`` reads: arrays, or a FormatError naming the file."""
    from relugeom.exceptions import FormatError
    from relugeom.io.idx import read_idx, read_mnist

    path = tmp_path / ("mnist.npz" if kind.startswith("npz") else "labels-idx1-ubyte.gz")
    path.write_bytes(mutate(mnist_bytes(kind), edits))
    try:
        read_mnist(path) if kind.startswith("npz") else read_idx(path)
    except FormatError as err:
        assert str(path) in str(err) and "\n" not in str(err)
