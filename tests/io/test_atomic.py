"""relugeom.io.atomic: an interrupted write leaves the old file (or none) and no temporary; every writer uses it."""

from __future__ import annotations

import json
import os
import stat
import threading

import pytest

import relugeom as rg
from relugeom.exceptions import InvalidArgumentError
from relugeom.io.atomic import (
    atomic_path,
    atomic_savefig,
    atomic_write,
    check_writable,
    pending_temporaries,
    remove_pending,
)

NET = rg.Network.from_layers([([[1, "1/2"], [-1, 2]], [0, "1/3"]), ([[1, -1]], [0])])
DYADIC = rg.Network.from_layers([([[1, "1/2"], [-1, 2]], [0, "3/4"]), ([[1, -1]], [0])])  # float formats hold it
ROOT = os.geteuid() == 0 if hasattr(os, "geteuid") else False


@pytest.fixture(autouse=True)
def _no_leftovers():
    """Every test starts and ends with nothing in flight."""
    assert pending_temporaries() == ()
    yield
    assert pending_temporaries() == ()


def _listing(folder) -> list[str]:
    return sorted(os.listdir(folder))


def _partial_then(exc: BaseException):
    """A stand-in for json.dump that writes half a document, then raises ``exc``."""

    def dump(obj, fh, **kwargs):
        fh.write('{"half": ')
        fh.flush()
        raise exc

    return dump


# ------------------------------------------------------------------------------------------ atomic_write


@pytest.mark.parametrize("exc", [RuntimeError("boom"), KeyboardInterrupt()], ids=["error", "ctrl-c"])
def test_a_write_that_stops_midway_leaves_the_old_file_and_no_temporary(tmp_path, exc):
    path = tmp_path / "out.json"
    path.write_text("old\n", encoding="utf-8")
    with pytest.raises(type(exc)):
        with atomic_write(path) as fh:
            fh.write("new, half of it")
            fh.flush()
            assert _listing(tmp_path) != ["out.json"]  # the temporary exists meanwhile...
            raise exc
    assert path.read_text(encoding="utf-8") == "old\n"
    assert _listing(tmp_path) == ["out.json"]  # ...and is gone now


def test_a_stopped_write_of_a_new_file_leaves_nothing(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(tmp_path / "new.csv") as fh:
            fh.write("1,2\n")
            raise KeyboardInterrupt
    assert _listing(tmp_path) == []


def test_success_replaces_text_and_binary(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old", encoding="utf-8")
    with atomic_write(path, encoding="utf-8") as fh:
        fh.write("nouveau é\n")
    assert path.read_bytes() == "nouveau é\n".encode("utf-8")
    with atomic_write(str(path), "wb") as fh:
        fh.write(b"\x00\x01")
    assert path.read_bytes() == b"\x00\x01"
    with atomic_write(path, newline="") as fh:
        fh.write("a\r\nb\n")
    assert path.read_bytes() == b"a\r\nb\n"
    assert _listing(tmp_path) == ["out.txt"]


def test_the_temporary_is_hidden_in_the_same_directory(tmp_path):
    with atomic_write(tmp_path / "run.json") as fh:
        (tmp,) = pending_temporaries()
        assert os.path.dirname(tmp) == str(tmp_path)
        name = os.path.basename(tmp)
        assert name.startswith(".run.json.") and name.endswith(".tmp") and os.path.isfile(tmp)
        fh.write("{}")


def test_a_block_that_closes_the_file_itself_still_works(tmp_path):
    with atomic_write(tmp_path / "x.txt") as fh:
        fh.write("done")
        fh.close()
    assert (tmp_path / "x.txt").read_text() == "done"


def test_an_unknown_mode_is_refused(tmp_path):
    with pytest.raises(InvalidArgumentError, match="'a'"):
        with atomic_write(tmp_path / "x", "a"):
            pass
    assert _listing(tmp_path) == []


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_permissions_new_file_follows_umask_replaced_file_keeps_its_mode(tmp_path):
    old = os.umask(0o022)
    try:
        with atomic_write(tmp_path / "new.txt") as fh:
            fh.write("x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new.txt").st_mode) == 0o644
    kept = tmp_path / "kept.txt"
    kept.write_text("old")
    os.chmod(kept, 0o640)
    with atomic_write(kept) as fh:
        fh.write("new")
    assert stat.S_IMODE(os.stat(kept).st_mode) == 0o640 and kept.read_text() == "new"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_a_symbolic_link_is_written_through(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "net.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    os.symlink(target, link)
    with atomic_write(link) as fh:
        fh.write("new")
    assert os.path.islink(link) and target.read_text() == "new"
    assert _listing(tmp_path / "real") == ["net.json"]


# ------------------------------------------------------------------------------------------- atomic_path


def test_atomic_path_keeps_the_extension_and_replaces(tmp_path):
    path = tmp_path / "plot.png"
    path.write_bytes(b"old")
    with atomic_path(path) as tmp:
        name = os.path.basename(tmp)
        assert os.path.dirname(tmp) == str(tmp_path)
        assert name.startswith(".plot.") and name.endswith(".tmp.png") and not os.path.exists(tmp)
        assert pending_temporaries() == (tmp,)
        with open(tmp, "wb") as fh:
            fh.write(b"new")
    assert path.read_bytes() == b"new" and _listing(tmp_path) == ["plot.png"]


def test_atomic_path_without_extension(tmp_path):
    with atomic_path(tmp_path / "model") as tmp:
        assert os.path.basename(tmp).startswith(".model.") and tmp.endswith(".tmp")
        open(tmp, "wb").close()
    assert _listing(tmp_path) == ["model"]


@pytest.mark.parametrize("exc", [OSError("disk full"), KeyboardInterrupt()], ids=["error", "ctrl-c"])
def test_atomic_path_stopped_midway_leaves_the_old_file(tmp_path, exc):
    path = tmp_path / "m.onnx"
    path.write_bytes(b"old")
    with pytest.raises(type(exc)):
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                fh.write(b"half")
            raise exc
    assert path.read_bytes() == b"old" and _listing(tmp_path) == ["m.onnx"]


def test_a_library_that_does_not_create_the_file_is_an_error(tmp_path):
    path = tmp_path / "w.safetensors"
    path.write_bytes(b"old")
    with pytest.raises(rg.FormatError, match=r"cannot write .*w\.safetensors: the writer did not create"):
        with atomic_path(path):
            pass
    assert path.read_bytes() == b"old" and _listing(tmp_path) == ["w.safetensors"]


def test_atomic_savefig_file_objects_and_paths_without_extension(tmp_path):
    import io

    from matplotlib.figure import Figure

    fig = Figure()
    fig.add_subplot(1, 1, 1).plot([0, 1], [1, 0])
    buf = io.BytesIO()
    atomic_savefig(fig, buf, dpi=20)
    assert buf.getvalue().startswith(b"\x89PNG")
    atomic_savefig(fig, tmp_path / "curves", dpi=20)  # written where asked, in the default format (PNG)
    atomic_savefig(fig, tmp_path / "curves.svg")
    assert _listing(tmp_path) == ["curves", "curves.svg"]
    assert (tmp_path / "curves").read_bytes().startswith(b"\x89PNG")
    assert b"<svg" in (tmp_path / "curves.svg").read_bytes()


# ------------------------------------------------------------------------------------------- the registry


def test_the_registry_holds_the_temporary_during_the_write_only(tmp_path):
    with atomic_write(tmp_path / "a.txt") as fh:
        (tmp,) = pending_temporaries()
        assert os.path.exists(tmp)
        fh.write("a")
    assert pending_temporaries() == ()
    with pytest.raises(ValueError):
        with atomic_write(tmp_path / "b.txt"):
            assert len(pending_temporaries()) == 1
            raise ValueError
    assert pending_temporaries() == ()


def test_remove_pending_removes_the_temporaries_and_the_writers_then_fail(tmp_path):
    path = tmp_path / "out.json"
    path.write_text("old")
    with pytest.raises(rg.FormatError, match="cannot write"):
        with atomic_write(path) as fh, atomic_path(tmp_path / "pic.png") as tmp:
            fh.write("new")
            fh.flush()
            open(tmp, "wb").close()
            assert len(pending_temporaries()) == 2
            assert remove_pending() == 2
            assert pending_temporaries() == () and _listing(tmp_path) == ["out.json"]
    assert path.read_text() == "old" and _listing(tmp_path) == ["out.json"]
    assert remove_pending() == 0


def test_writers_in_threads(tmp_path):
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            for j in range(10):
                with atomic_write(tmp_path / f"{k}.txt") as fh:
                    fh.write(f"{k} {j}")
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert _listing(tmp_path) == sorted(f"{k}.txt" for k in range(8))
    assert all((tmp_path / f"{k}.txt").read_text() == f"{k} 9" for k in range(8))


# ---------------------------------------------------------------------------------------------- refusals


def _refusals(tmp_path):
    (tmp_path / "afile").write_text("x")
    (tmp_path / "adir").mkdir()
    return {
        "missing directory": (tmp_path / "nope" / "plot.png", r"directory .*nope does not exist; create it"),
        "directory is a file": (tmp_path / "afile" / "plot.png", r"afile is not a directory"),
        "path is a directory": (tmp_path / "adir", r"adir: it is a directory"),
    }


def test_check_writable_refuses_and_writes_nothing(tmp_path):
    for path, message in _refusals(tmp_path).values():
        with pytest.raises(rg.FormatError, match=f"^cannot write --plot {tmp_path}.*{message}") as info:
            check_writable(path, "--plot")
        assert "\n" not in str(info.value)
        for opener in (atomic_write, atomic_path):  # the writers make the same checks first
            with pytest.raises(rg.FormatError, match=f"^cannot write {tmp_path}.*{message}"):
                with opener(path):
                    raise AssertionError("the block must not run")
    assert _listing(tmp_path) == ["adir", "afile"] and _listing(tmp_path / "adir") == []
    check_writable(tmp_path / "fine.png", "the plot")
    check_writable(tmp_path / "afile", "the plot")  # an existing file would be replaced: fine
    assert _listing(tmp_path) == ["adir", "afile"]


def test_check_writable_relative_path_in_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    check_writable("here.json", "the network")
    with atomic_write("here.json") as fh:
        fh.write("{}")
    assert _listing(tmp_path) == ["here.json"]


@pytest.mark.skipif(os.name != "posix" or ROOT, reason="root ignores permissions; POSIX permission bits")
def test_a_read_only_directory_is_refused(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    (ro / "net.json").write_text("old")
    os.chmod(ro, 0o555)
    try:
        with pytest.raises(
            rg.FormatError, match=r"^cannot write the network .*ro/net\.json: directory .*ro is not writable"
        ):
            check_writable(ro / "net.json", "the network")
        with pytest.raises(rg.FormatError, match="is not writable"):
            rg.save_network(NET, ro / "net.json")
    finally:
        os.chmod(ro, 0o755)
    assert (ro / "net.json").read_text() == "old" and _listing(ro) == ["net.json"]


def test_a_directory_that_os_access_calls_read_only_is_refused(tmp_path, monkeypatch):
    """The message of the read-only case, also when running as root (who may write anywhere)."""
    monkeypatch.setattr(os, "access", lambda path, mode, **kwargs: False)
    with pytest.raises(rg.FormatError, match=r"^cannot write --out .*x\.json: directory .* is not writable; change"):
        check_writable(tmp_path / "x.json", "--out")
    with pytest.raises(rg.FormatError, match="is not writable"):
        rg.save_network(NET, tmp_path / "x.json")
    assert _listing(tmp_path) == []


# ------------------------------------------------------------------------------------ the package's writers


@pytest.mark.parametrize("exc", [RuntimeError("boom"), KeyboardInterrupt()], ids=["error", "ctrl-c"])
def test_save_network_interrupted_keeps_the_previous_file(tmp_path, monkeypatch, exc):
    path = tmp_path / "net.json"
    rg.save_network(NET, path)
    before = path.read_bytes()
    monkeypatch.setattr(json, "dump", _partial_then(exc))
    with pytest.raises(type(exc)):
        rg.save_network(rg.Network.random_integer((2, 3, 1), seed=1), path)
    monkeypatch.undo()
    assert path.read_bytes() == before and rg.load_network(path) == NET
    assert _listing(tmp_path) == ["net.json"]


def test_save_inputs_interrupted_keeps_the_previous_file(tmp_path, monkeypatch):
    import csv

    path = tmp_path / "x.csv"
    rg.save_inputs([[1, "1/3"]], path)
    before = path.read_bytes()

    class Broken:
        def __init__(self, fh):
            self.fh = fh

        def writerow(self, row):
            self.fh.write("1,")
            raise KeyboardInterrupt

    monkeypatch.setattr(csv, "writer", Broken)
    with pytest.raises(KeyboardInterrupt):
        rg.save_inputs([[2, 3], [4, 5]], path)
    assert path.read_bytes() == before and _listing(tmp_path) == ["x.csv"]


def test_a_plot_interrupted_by_savefig_keeps_the_previous_picture(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    from relugeom.plots import plot_regions

    net = rg.Network.from_layers([([[1], [-1]], [0, 1]), ([[1, 1]], [0])])
    path = tmp_path / "regions.png"
    plot_regions(net, path=str(path), dpi=30)
    before = path.read_bytes()
    assert before.startswith(b"\x89PNG") and _listing(tmp_path) == ["regions.png"]

    def savefig(self, fname, **kwargs):
        with open(fname, "wb") as fh:
            fh.write(b"\x89PNG half")
        raise KeyboardInterrupt

    monkeypatch.setattr(Figure, "savefig", savefig)
    with pytest.raises(KeyboardInterrupt):
        plot_regions(net, path=str(path), dpi=30, title="again")
    assert path.read_bytes() == before and _listing(tmp_path) == ["regions.png"]


def _small_run():
    from relugeom.training.datasets import teacher_task
    from relugeom.training.loop import TrainConfig, train
    from relugeom.training.tracking import Tracker

    data = teacher_task((2, 3, 1), n_train=8, n_test=4, seed=0)
    tracker = Tracker.for_dataset(data, cffd="off")
    result = train(
        rg.Network.random_he((2, 3, 1), seed=0), data, TrainConfig(lr=0.05, epochs=4, checkpoints=2), tracker
    )
    return result, data, tracker


def test_the_run_directory_interrupted_keeps_the_previous_files(tmp_path, monkeypatch):
    from relugeom.training.run_directory import write_run

    result, data, tracker = _small_run()
    write_run(tmp_path, result, data, tracker, picture=False)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert tmp_path / "history.json" in before and tmp_path / "run.json" in before
    monkeypatch.setattr(json, "dump", _partial_then(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        write_run(tmp_path, result, data, tracker, info={"again": True}, picture=False)
    monkeypatch.undo()
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before  # every file whole, and no temporary anywhere


def test_a_counterexample_file_is_written_atomically(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from relugeom.search.counterexamples import write_counterexample

    path = tmp_path / "ce.json"
    path.write_text("old")
    fake = SimpleNamespace(found=True, conjecture="c", to_dict=lambda *path: {"format": "x"})
    monkeypatch.setattr(json, "dump", _partial_then(RuntimeError("boom")))
    with pytest.raises(RuntimeError):
        write_counterexample(fake, path)
    monkeypatch.undo()
    assert path.read_text() == "old" and _listing(tmp_path) == ["ce.json"]
    write_counterexample(fake, path)
    assert json.loads(path.read_text()) == {"format": "x"}


@pytest.mark.parametrize("dtype", ["float64", "bfloat16"])
def test_the_safetensors_writer_interrupted_keeps_the_previous_file(tmp_path, monkeypatch, dtype):
    safetensors = pytest.importorskip("safetensors")
    pytest.importorskip("safetensors.numpy")
    from relugeom.io import safetensors_file

    path = tmp_path / "net.safetensors"
    safetensors_file.save_safetensors(DYADIC, path, dtype=dtype)
    before = path.read_bytes()
    if dtype == "bfloat16":
        real = safetensors_file.bfloat16_bytes
        calls = []

        def bfloat16_bytes(arr):
            calls.append(1)
            if len(calls) > 1:
                raise KeyboardInterrupt
            return real(arr)

        monkeypatch.setattr(safetensors_file, "bfloat16_bytes", bfloat16_bytes)
        expected = KeyboardInterrupt
    else:

        def save_file(tensors, filename, metadata=None):
            with open(filename, "wb") as fh:
                fh.write(b"\x10\x00\x00")
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(safetensors.numpy, "save_file", save_file)
        expected = rg.FormatError
    with pytest.raises(expected):
        safetensors_file.save_safetensors(DYADIC, path, dtype=dtype)
    monkeypatch.undo()
    assert path.read_bytes() == before and _listing(tmp_path) == ["net.safetensors"]
    assert safetensors_file.load_safetensors(path) == DYADIC


def test_the_torch_writer_interrupted_keeps_the_previous_file(tmp_path, monkeypatch):
    torch = pytest.importorskip("torch")
    path = tmp_path / "net.pt"
    rg.save_network(DYADIC, path)
    before = path.read_bytes()

    def save(obj, f, *args, **kwargs):
        with open(f, "wb") as fh:
            fh.write(b"PK\x03")
        raise RuntimeError("interrupted")

    monkeypatch.setattr(torch, "save", save)
    with pytest.raises(rg.FormatError, match="cannot write"):
        rg.save_network(DYADIC, path)
    assert path.read_bytes() == before and _listing(tmp_path) == ["net.pt"]


def test_the_onnx_writer_interrupted_keeps_the_previous_file(tmp_path, monkeypatch):
    onnx = pytest.importorskip("onnx")
    path = tmp_path / "net.onnx"
    rg.save_network(DYADIC, path)
    before = path.read_bytes()

    def save(model, f, *args, **kwargs):
        with open(f, "wb") as fh:
            fh.write(b"\x08")
        raise KeyboardInterrupt

    monkeypatch.setattr(onnx, "save", save)
    with pytest.raises(KeyboardInterrupt):
        rg.save_network(DYADIC, path)
    assert path.read_bytes() == before and _listing(tmp_path) == ["net.onnx"]
