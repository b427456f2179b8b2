"""IDX files and the MNIST layouts: bytes written by hand (struct, gzip), read back; every refusal."""

from __future__ import annotations

import gzip
import io
import os
import struct
import tracemalloc
import zipfile

import numpy as np
import pytest

from relugeom.exceptions import FormatError, RelugeomError
from relugeom.io.idx import MNIST_FILES, find_mnist_files, read_idx, read_mnist

# type byte → (struct format of one item, big-endian)
ITEM = {0x08: "B", 0x09: "b", 0x0B: "h", 0x0C: "i", 0x0D: "f", 0x0E: "d"}


def idx_bytes(type_byte: int, sizes: tuple[int, ...], items=(), data: bytes | None = None) -> bytes:
    """An IDX file by the format's definition: 00 00, type, d, d big-endian uint32 sizes, the items."""
    header = bytes([0, 0, type_byte, len(sizes)]) + struct.pack(f">{len(sizes)}I", *sizes)
    if data is None:
        data = struct.pack(f">{len(items)}{ITEM[type_byte]}", *items)
    return header + data


def write(path, content: bytes, gz: bool = False):
    with open(path, "wb") as fh:
        fh.write(gzip.compress(content) if gz else content)
    return path


def mnist_folder(folder, n_train: int = 30, n_test: int = 20, gz: bool = False, seed: int = 0):
    """The four MNIST IDX files in ``folder``: random 28×28 images, labels 0, 1, …, 9, 0, 1, …"""
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    arrays = {}
    for split, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = np.arange(n, dtype=np.uint8) % 10
        suffix = ".gz" if gz else ""
        write(os.path.join(folder, f"{split}-images-idx3-ubyte{suffix}"), idx_bytes(8, (n, 28, 28), images.ravel()), gz)
        write(os.path.join(folder, f"{split}-labels-idx1-ubyte{suffix}"), idx_bytes(8, (n,), labels), gz)
        arrays[split] = (images, labels)
    return arrays


# ------------------------------------------------------------------------------------ read_idx
def test_hand_bytes_are_read_big_endian(tmp_path):
    # 0x0B: signed 16-bit, big-endian: 01 02 = 258, FF FE = -2, 80 00 = -32768
    path = write(tmp_path / "shorts", bytes([0, 0, 0x0B, 1, 0, 0, 0, 3, 1, 2, 0xFF, 0xFE, 0x80, 0]))
    a = read_idx(path)
    assert a.tolist() == [258, -2, -32768] and a.dtype == np.int16 and a.dtype.isnative
    # 0x0D: 3F C0 00 00 is the float 1.5; 0x0E: C0 04 00 00 00 00 00 00 is the double -2.5
    assert read_idx(write(tmp_path / "f", bytes([0, 0, 0x0D, 1, 0, 0, 0, 1, 0x3F, 0xC0, 0, 0]))).tolist() == [1.5]
    assert read_idx(write(tmp_path / "d", bytes([0, 0, 0x0E, 1, 0, 0, 0, 1, 0xC0, 4] + [0] * 6))).tolist() == [-2.5]
    # 0x09: signed byte FF is -1; 0x08: unsigned byte FF is 255
    assert read_idx(write(tmp_path / "sb", bytes([0, 0, 0x09, 1, 0, 0, 0, 2, 0xFF, 0x7F]))).tolist() == [-1, 127]
    assert read_idx(write(tmp_path / "ub", bytes([0, 0, 0x08, 1, 0, 0, 0, 2, 0xFF, 0x7F]))).tolist() == [255, 127]


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("sizes", [(7,), (2, 3), (2, 1, 4), (3, 0), (1, 2, 2, 2)])
@pytest.mark.parametrize(
    "type_byte,dtype", [(8, "u1"), (9, "i1"), (0x0B, "i2"), (0x0C, "i4"), (0x0D, "f4"), (0x0E, "f8")]
)
def test_round_trip(tmp_path, gz, sizes, type_byte, dtype):
    count = int(np.prod(sizes))
    items = [(-1) ** k * k for k in range(count)] if dtype[0] != "u" else list(range(count))
    path = write(tmp_path / "x", idx_bytes(type_byte, sizes, items), gz)
    a = read_idx(path)
    assert a.shape == sizes and a.dtype == np.dtype(dtype) and a.dtype.isnative
    assert a.ravel().tolist() == items
    a[...] = 0  # a writable array of its own


def test_gzip_is_told_by_its_magic_not_by_the_name(tmp_path):
    content = idx_bytes(8, (3,), [1, 2, 3])
    assert read_idx(write(tmp_path / "no-suffix", content, gz=True)).tolist() == [1, 2, 3]
    assert read_idx(write(tmp_path / "fake.gz", content)).tolist() == [1, 2, 3]
    assert read_idx(str(tmp_path / "fake.gz")).tolist() == [1, 2, 3]  # a str path too


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize(
    "content,message",
    [
        (b"", "not an IDX file (it starts with bytes nothing"),
        (b"\x01\x00\x08\x01\x00\x00\x00\x01\x05", "not an IDX file (it starts with bytes 01 00 08 01"),
        (b"\x00\x07\x08\x01", "not an IDX file"),
        (idx_bytes(0x0A, (1,), data=b"\x00"), "unknown IDX type byte 0x0A"),
        (b"\x00\x00\x08\x00\x05", "0 dimensions"),
        (b"\x00\x00\x08\x02\x00\x00\x00\x02", "truncated header: 2 sizes need 8 bytes, the file holds 4"),
        (idx_bytes(8, (2, 3), data=bytes(5)), "sizes 2×3 of 1-byte items need 6 bytes of data, the file holds 5"),
        (idx_bytes(0x0C, (2,), data=bytes(7)), "sizes 2 of 4-byte items need 8 bytes of data, the file holds 7"),
    ],
    ids=["empty", "bad-magic", "bad-second-byte", "type", "no-dims", "short-header", "short-data", "short-ints"],
)
def test_malformed_files(tmp_path, gz, content, message):
    path = write(tmp_path / "bad", content, gz)
    with pytest.raises(FormatError) as err:
        read_idx(path)
    assert str(err.value).startswith(f"{path}: ") and message in str(err.value)


def test_trailing_bytes_are_refused(tmp_path):
    content = idx_bytes(8, (2, 3), data=bytes(7))
    with pytest.raises(FormatError, match="need 6 bytes of data, the file holds 7$"):
        read_idx(write(tmp_path / "plain", content))
    with pytest.raises(FormatError, match="need 6 bytes of data, the file holds more$"):
        read_idx(write(tmp_path / "gz", content, gz=True))


def test_damaged_gzip_and_missing_file(tmp_path):
    packed = gzip.compress(idx_bytes(8, (1000,), [k % 256 for k in range(1000)]))
    path = write(tmp_path / "cut.gz", packed[: len(packed) // 2])
    with pytest.raises(FormatError, match=r"cut\.gz: a damaged gzip stream"):
        read_idx(path)
    with pytest.raises(FormatError, match=r"nowhere: unreadable \(No such file or directory\)"):
        read_idx(tmp_path / "nowhere")


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_hostile_sizes_allocate_nothing(tmp_path, gz):
    # the header claims 4 294 967 295³ bytes (about 7·10^28); the file holds 10
    path = write(tmp_path / "hostile", idx_bytes(8, (2**32 - 1,) * 3, data=bytes(10)), gz)
    tracemalloc.start()
    try:
        with pytest.raises(FormatError, match="the file holds 10$"):
            read_idx(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20  # a few chunks of reading at most, never the claimed size


# ------------------------------------------------------------------------------------ the layouts
@pytest.mark.parametrize("sub", ["MNIST/raw", "raw", ""])
@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_torchvision_layouts(tmp_path, sub, gz):
    folder = tmp_path / sub if sub else tmp_path
    arrays = mnist_folder(folder, gz=gz)
    files = find_mnist_files(tmp_path)
    suffix = ".gz" if gz else ""
    assert files == {role: folder / f"{base}{suffix}" for role, base in MNIST_FILES.items()}
    m = read_mnist(str(tmp_path))
    assert m.source == str(folder)
    assert np.array_equal(m.x_train, arrays["train"][0]) and np.array_equal(m.y_test, arrays["t10k"][1])
    assert m.x_train.shape == (30, 28, 28) and m.x_test.shape == (20, 28, 28)
    assert m.y_train.tolist() == [k % 10 for k in range(30)]


def test_layout_order_and_plain_before_gzip(tmp_path):
    mnist_folder(tmp_path / "raw", seed=1)
    mnist_folder(tmp_path / "MNIST" / "raw", seed=2)
    assert find_mnist_files(tmp_path)["train_images"] == tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte"
    both = tmp_path / "both"
    mnist_folder(both, gz=True)
    mnist_folder(both, gz=False)
    assert find_mnist_files(both)["test_labels"] == both / "t10k-labels-idx1-ubyte"


def _npz(path, **arrays):
    np.savez(path, **arrays)
    return path


def _mnist_npz_arrays(n_train: int = 30, n_test: int = 20):
    rng = np.random.default_rng(3)
    return {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": np.arange(n_train, dtype=np.uint8) % 10,
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": (np.arange(n_test) * 3 % 10).astype(np.int64),
    }


def test_keras_npz_as_file_or_in_a_folder(tmp_path):
    arrays = _mnist_npz_arrays()
    path = _npz(tmp_path / "mnist.npz", **arrays)
    assert find_mnist_files(path) == {"npz": path} == find_mnist_files(tmp_path)
    for where in (path, tmp_path):
        m = read_mnist(where)
        assert m.source == str(path)
        for key in ("x_train", "y_train", "x_test", "y_test"):
            assert np.array_equal(getattr(m, key), arrays[key])
    assert read_mnist(path).y_test.tolist()[:4] == [0, 3, 6, 9]
    other = _npz(tmp_path / "elsewhere.npz", **arrays)  # a file given by name may have any name
    assert find_mnist_files(other) == {"npz": other}


def test_idx_files_win_over_an_npz_in_the_same_folder(tmp_path):
    mnist_folder(tmp_path)
    _npz(tmp_path / "mnist.npz", **_mnist_npz_arrays())
    assert "train_images" in find_mnist_files(tmp_path)


# ------------------------------------------------------------------------------------ missing files
def _one_line_listing_everything(message: str, where: str) -> None:
    assert "\n" not in message
    for base in MNIST_FILES.values():
        assert base in message
    assert "mnist.npz" in message and f"{where}, {where}/raw or {where}/MNIST/raw" in message


def test_missing_folder(tmp_path):
    where = str(tmp_path / "nope")
    with pytest.raises(FormatError) as err:
        find_mnist_files(where)
    assert str(err.value).startswith(f"{where} does not exist: expected the IDX files")
    _one_line_listing_everything(str(err.value), where)


def test_empty_folder_and_partial_folder(tmp_path):
    with pytest.raises(FormatError) as err:
        read_mnist(tmp_path)
    assert str(err.value).startswith(f"no MNIST files found in {tmp_path}: expected")
    _one_line_listing_everything(str(err.value), str(tmp_path))
    mnist_folder(tmp_path / "raw")
    os.remove(tmp_path / "raw" / "t10k-labels-idx1-ubyte")
    with pytest.raises(FormatError) as err:
        find_mnist_files(tmp_path)
    assert f"({tmp_path / 'raw'} lacks t10k-labels-idx1-ubyte)" in str(err.value)
    _one_line_listing_everything(str(err.value), str(tmp_path))


def test_a_file_that_is_not_an_npz(tmp_path):
    path = write(tmp_path / "train-images-idx3-ubyte", idx_bytes(8, (1,), [0]))
    with pytest.raises(FormatError, match="is a file, not an .npz archive or a folder: expected"):
        find_mnist_files(path)


# ------------------------------------------------------------------------------------ malformed MNIST
def _replace(folder, base: str, content: bytes) -> str:
    path = os.path.join(folder, base)
    write(path, content)
    return path


def test_images_and_labels_differ_in_number(tmp_path):
    mnist_folder(tmp_path)
    labels = _replace(tmp_path, "train-labels-idx1-ubyte", idx_bytes(8, (29,), [k % 10 for k in range(29)]))
    with pytest.raises(FormatError) as err:
        read_mnist(tmp_path)
    assert str(err.value) == f"{tmp_path / 'train-images-idx3-ubyte'} holds 30 images but {labels} holds 29 labels"


def test_labels_outside_0_to_9(tmp_path):
    mnist_folder(tmp_path)
    labels = _replace(tmp_path, "t10k-labels-idx1-ubyte", idx_bytes(8, (20,), [3] * 7 + [10] + [0] * 12))
    with pytest.raises(FormatError) as err:
        read_mnist(tmp_path)
    assert str(err.value) == f"{labels}: label 10 at index 7 is outside 0 … 9"
    _replace(tmp_path, "t10k-labels-idx1-ubyte", idx_bytes(9, (20,), [1] * 19 + [-1]))
    with pytest.raises(FormatError, match="label -1 at index 19 is outside 0 … 9"):
        read_mnist(tmp_path)


def test_wrong_image_dtype_and_shape(tmp_path):
    mnist_folder(tmp_path)
    images = _replace(tmp_path, "train-images-idx3-ubyte", idx_bytes(0x0B, (30, 28, 28), [1] * 30 * 784))
    with pytest.raises(FormatError) as err:
        read_mnist(tmp_path)
    assert str(err.value) == f"{images}: images must be unsigned bytes (IDX type 0x08, numpy uint8), not int16"
    _replace(tmp_path, "train-images-idx3-ubyte", idx_bytes(8, (30, 27, 28), [1] * 30 * 27 * 28))
    with pytest.raises(FormatError, match=r"images must have shape \(n, 28, 28\), not \(30, 27, 28\)"):
        read_mnist(tmp_path)
    mnist_folder(tmp_path)
    _replace(tmp_path, "train-labels-idx1-ubyte", idx_bytes(8, (30, 1), [1] * 30))
    with pytest.raises(FormatError, match=r"labels must be a vector of integers, not shape \(30, 1\) of uint8"):
        read_mnist(tmp_path)
    mnist_folder(tmp_path)
    _replace(tmp_path, "train-labels-idx1-ubyte", idx_bytes(0x0D, (30,), [1.0] * 30))
    with pytest.raises(FormatError, match="labels must be a vector of integers, not shape .* of float32"):
        read_mnist(tmp_path)


def test_a_malformed_file_is_named(tmp_path):
    mnist_folder(tmp_path, gz=True)
    path = write(tmp_path / "t10k-images-idx3-ubyte.gz", idx_bytes(8, (20, 28, 28), data=bytes(100)), gz=True)
    with pytest.raises(FormatError, match=f"^{path}: the header's sizes 20×28×28 of 1-byte items need 15680 bytes"):
        read_mnist(tmp_path)


def test_malformed_npz(tmp_path):
    arrays = _mnist_npz_arrays()
    path = _npz(tmp_path / "a.npz", **{**arrays, "x_test": arrays["x_test"].astype(np.float32)})
    with pytest.raises(FormatError, match=r"a\.npz \(x_test\): images must be unsigned bytes .* not float32"):
        read_mnist(path)
    path = _npz(tmp_path / "b.npz", x_train=arrays["x_train"], y_train=arrays["y_train"])
    with pytest.raises(FormatError, match=r"b\.npz: the archive lacks x_test, y_test \(it has x_train, y_train\)"):
        read_mnist(path)
    path = _npz(tmp_path / "c.npz", **{**arrays, "y_train": arrays["y_train"][:-1]})
    with pytest.raises(FormatError, match=r"\(x_train\) holds 30 images but .*c\.npz \(y_train\) holds 29 labels"):
        read_mnist(path)
    path = write(tmp_path / "d.npz", b"not a zip archive")
    with pytest.raises(FormatError, match=r"d\.npz: not a readable \.npz archive"):
        read_mnist(path)
    path = tmp_path / "e.npz"
    np.save(tmp_path / "e.npy", arrays["x_train"])
    os.rename(tmp_path / "e.npy", path)
    with pytest.raises(FormatError, match=r"e\.npz: a single \.npy array, not an \.npz archive"):
        read_mnist(path)
    path = _npz(tmp_path / "f.npz", **{**arrays, "y_train": np.array(["a"] * 30, dtype=object)})
    with pytest.raises(FormatError, match=r"f\.npz: y_train holds pickled Python objects"):
        read_mnist(path)


def test_hostile_npz_header_allocates_nothing(tmp_path):
    arrays = _mnist_npz_arrays()
    path = tmp_path / "hostile.npz"
    with zipfile.ZipFile(path, "w") as archive:
        for key, value in arrays.items():
            if key == "x_train":
                continue
            buf = io.BytesIO()
            np.lib.format.write_array(buf, value)
            archive.writestr(f"{key}.npy", buf.getvalue())
        buf = io.BytesIO()  # x_train: a header claiming 2^20 × 2^20 × 28 bytes, and 10 bytes of data
        np.lib.format.write_array_header_1_0(buf, {"descr": "|u1", "fortran_order": False, "shape": (2**20, 2**20, 28)})
        archive.writestr("x_train.npy", buf.getvalue() + bytes(10))
    tracemalloc.start()
    try:
        with pytest.raises(FormatError) as err:
            read_mnist(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "x_train claims shape 1048576×1048576×28 of uint8, 30786325577728 bytes; the archive holds 10" in str(
        err.value
    )
    assert peak < 4 << 20


def test_format_error_is_a_relugeom_error():
    assert issubclass(FormatError, RelugeomError)
