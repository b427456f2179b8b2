"""MNIST from the user's disk: IDX files (plain or gzipped) and keras' ``mnist.npz``; nothing is downloaded.

* :func:`read_idx`: one file of the IDX format of LeCun's MNIST page (below), as a numpy array.
* :func:`find_mnist_files`: where the four MNIST files are, in torchvision's layout
  (``DIR/MNIST/raw``, ``DIR/raw`` or ``DIR``) or as keras' ``mnist.npz``.
* :func:`read_mnist`: the four arrays, checked (28×28 uint8 images, labels 0 … 9, as many of each).

The IDX format: two zero bytes, a type byte, a byte with the number of dimensions d, then d sizes as
big-endian unsigned 32-bit integers, then the items in row-major order, big-endian:

==== ============================= ====
type item                          size
==== ============================= ====
0x08 unsigned byte                 1
0x09 signed byte                   1
0x0B short (signed)                2
0x0C int (signed)                  4
0x0D float                         4
0x0E double                        8
==== ============================= ====

A gzipped file is recognised by its first two bytes (1f 8b), not by its name. Every malformed file
raises :class:`~relugeom.exceptions.FormatError` naming the file and what is wrong; in particular the
sizes of the header are checked against the bytes the file holds before anything is allocated, so a
header that claims a huge array costs nothing.

Examples
--------
>>> import os, struct, tempfile
>>> folder = tempfile.mkdtemp()
>>> path = os.path.join(folder, "tiny-idx2-ubyte")
>>> with open(path, "wb") as fh:
...     _ = fh.write(bytes([0, 0, 0x08, 2]) + struct.pack(">II", 2, 3) + bytes([0, 1, 2, 253, 254, 255]))
>>> read_idx(path)
array([[  0,   1,   2],
       [253, 254, 255]], dtype=uint8)
>>> with open(path, "ab") as fh:
...     _ = fh.write(b"?")
>>> read_idx(path)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
relugeom.exceptions.FormatError: ...tiny-idx2-ubyte: the header's sizes 2×3 of 1-byte items need 6 bytes of data, the file holds 7
"""

from __future__ import annotations

import gzip
import math
import os
import zipfile
import zlib
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..exceptions import FormatError

__all__ = [
    "IDX_TYPES",
    "MNIST_FILES",
    "MnistArrays",
    "read_idx",
    "find_mnist_files",
    "read_mnist",
]

#: IDX type byte → big-endian numpy dtype of the items.
IDX_TYPES: dict[int, str] = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

#: The four MNIST IDX files by role (each may also be gzipped, with ``.gz`` appended).
MNIST_FILES: dict[str, str] = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}

_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20
_NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
#: What numpy and zipfile raise on a damaged .npz archive (a bad zip structure, CRC or deflate stream).
_DAMAGED_ARCHIVE = (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error, NotImplementedError)


class MnistArrays(NamedTuple):
    """The MNIST arrays as read from disk: images ``(n, 28, 28)`` uint8, labels ``(n,)`` in 0 … 9.

    ``source`` is the folder holding the IDX files or the ``.npz`` file they came from.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str


def _read_exactly(stream, size: int) -> bytes:
    """Up to ``size`` bytes of ``stream``, read in chunks: memory grows with the data, not with ``size``."""
    parts, got = [], 0
    while got < size:
        part = stream.read(min(_CHUNK, size - got))
        if not part:
            break
        parts.append(part)
        got += len(part)
    return b"".join(parts)


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """The array stored in the IDX file ``path`` (plain or gzipped), in native byte order.

    The shape is the header's sizes; the dtype is the type byte's (``uint8`` for MNIST's 0x08).

    Raises
    ------
    FormatError
        When the file cannot be read, its magic is not an IDX one, its type byte is unknown, or the
        bytes after the header are not exactly the product of the sizes times the item size (checked
        before the data are read). The message starts with the file's path.
    """
    name = os.fspath(path)
    try:
        with open(name, "rb") as raw:
            gzipped = raw.read(2) == _GZIP_MAGIC
            raw.seek(0)
            if gzipped:
                with gzip.GzipFile(fileobj=raw) as fh:
                    return _parse_idx(fh, name, None)
            return _parse_idx(raw, name, os.fstat(raw.fileno()).st_size)
    except FormatError:
        raise
    except (OSError, EOFError, zlib.error) as err:
        what = "a damaged gzip stream" if isinstance(err, (EOFError, zlib.error, gzip.BadGzipFile)) else "unreadable"
        raise FormatError(f"{name}: {what} ({getattr(err, 'strerror', None) or err})") from None


def _parse_idx(fh, name: str, file_size: int | None) -> np.ndarray:
    head = _read_exactly(fh, 4)
    if len(head) < 4 or head[0] != 0 or head[1] != 0:
        raise FormatError(
            f"{name}: not an IDX file (it starts with bytes {head.hex(' ') or 'nothing'}; "
            f"an IDX file starts with 00 00, a type byte and a dimension count)"
        )
    type_byte, ndim = head[2], head[3]
    if type_byte not in IDX_TYPES:
        known = ", ".join(f"0x{t:02X}" for t in IDX_TYPES)
        raise FormatError(f"{name}: unknown IDX type byte 0x{type_byte:02X} (known: {known})")
    if ndim == 0:
        raise FormatError(f"{name}: the IDX header has 0 dimensions (need at least 1)")
    size_bytes = _read_exactly(fh, 4 * ndim)
    if len(size_bytes) < 4 * ndim:
        raise FormatError(
            f"{name}: truncated header: {ndim} sizes need {4 * ndim} bytes, the file holds {len(size_bytes)}"
        )
    shape = tuple(int(s) for s in np.frombuffer(size_bytes, dtype=">u4"))
    dtype = np.dtype(IDX_TYPES[type_byte])
    needed = dtype.itemsize * math.prod(shape)  # Python ints: no overflow
    dims = "×".join(map(str, shape))
    if file_size is not None:  # a plain file: its size is known before reading
        held = file_size - 4 - 4 * ndim
        if held != needed:
            raise FormatError(
                f"{name}: the header's sizes {dims} of {dtype.itemsize}-byte items need {needed} bytes "
                f"of data, the file holds {held}"
            )
    data = _read_exactly(fh, needed + 1)  # one byte more: trailing data is an error too
    if len(data) != needed:
        held = f"{len(data)}" if len(data) < needed else "more"
        raise FormatError(
            f"{name}: the header's sizes {dims} of {dtype.itemsize}-byte items need {needed} bytes "
            f"of data, the file holds {held}"
        )
    array = np.frombuffer(data, dtype=dtype).reshape(shape)
    return array.astype(dtype.newbyteorder("="))  # a writable copy in native byte order


def _expected(path: str) -> str:
    names = ", ".join(MNIST_FILES.values())
    return (
        f"expected the IDX files {names} (each may end in .gz) in {path}, {os.path.join(path, 'raw')} or "
        f"{os.path.join(path, 'MNIST', 'raw')}, or a keras mnist.npz (x_train, y_train, x_test, y_test) "
        f"given as the file itself or in {path}"
    )


def _idx_file(folder: Path, base: str) -> Path | None:
    for candidate in (folder / base, folder / f"{base}.gz"):
        if candidate.is_file():
            return candidate
    return None


def find_mnist_files(path: str | os.PathLike) -> dict[str, Path]:
    """Where the MNIST files under ``path`` are.

    The first of ``path/MNIST/raw``, ``path/raw`` and ``path`` that holds all four IDX files
    (:data:`MNIST_FILES`, each plain or with ``.gz``; the plain one when both are there) gives
    ``{"train_images": …, "train_labels": …, "test_images": …, "test_labels": …}``. Otherwise a keras
    ``mnist.npz`` (``path`` itself or ``path/mnist.npz``) gives ``{"npz": …}``.

    Raises
    ------
    FormatError
        In one line, when ``path`` does not exist or holds neither: which files are expected where.

    >>> import tempfile
    >>> find_mnist_files(tempfile.mkdtemp())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    relugeom.exceptions.FormatError: no MNIST files found in ...: expected the IDX files train-images-idx3-ubyte, ...
    """
    name = os.fspath(path)
    root = Path(name)
    if root.is_file():
        if root.suffix == ".npz":
            return {"npz": root}
        raise FormatError(f"{name} is a file, not an .npz archive or a folder: {_expected(name)}")
    if not root.is_dir():
        raise FormatError(f"{name} does not exist: {_expected(name)}")
    partial = ""
    for folder in (root / "MNIST" / "raw", root / "raw", root):
        found = {role: _idx_file(folder, base) for role, base in MNIST_FILES.items()}
        if all(found.values()):
            return {role: p for role, p in found.items() if p is not None}
        missing = [MNIST_FILES[role] for role, p in found.items() if p is None]
        if len(missing) < len(MNIST_FILES) and not partial:
            partial = f" ({folder} lacks {', '.join(missing)})"
    if (root / "mnist.npz").is_file():
        return {"npz": root / "mnist.npz"}
    raise FormatError(f"no MNIST files found in {name}{partial}: {_expected(name)}")


def _npz_arrays(path: Path) -> dict[str, np.ndarray]:
    name = str(path)
    try:
        archive = np.load(path, allow_pickle=False)
    except _DAMAGED_ARCHIVE as err:
        raise FormatError(f"{name}: not a readable .npz archive ({err})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise FormatError(f"{name}: a single .npy array, not an .npz archive with {', '.join(_NPZ_KEYS)}")
    with archive:
        missing = [k for k in _NPZ_KEYS if k not in archive.files]
        if missing:
            raise FormatError(f"{name}: the archive lacks {', '.join(missing)} (it has {', '.join(archive.files)})")
        out = {}
        for key in _NPZ_KEYS:
            _check_npy_size(archive, key, name)
            try:
                out[key] = archive[key]
            except _DAMAGED_ARCHIVE as err:
                raise FormatError(f"{name}: cannot read {key} ({err})") from None
    return out


def _check_npy_size(archive, key: str, name: str) -> None:
    """Refuse a member whose header claims more data than the member holds (before numpy allocates it)."""
    fmt = np.lib.format
    try:
        info = archive.zip.getinfo(f"{key}.npy")
        with archive.zip.open(info) as fh:
            version = fmt.read_magic(fh)
            read_header = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
            shape, _, dtype = read_header(fh)
            held = info.file_size - fh.tell()
    except (*_DAMAGED_ARCHIVE, KeyError) as err:
        raise FormatError(f"{name}: cannot read the header of {key} ({err})") from None
    if dtype.hasobject:
        raise FormatError(f"{name}: {key} holds pickled Python objects, which are not loaded (allow_pickle=False)")
    needed = dtype.itemsize * math.prod(shape)
    if needed != held:
        dims = "×".join(map(str, shape))
        raise FormatError(f"{name}: {key} claims shape {dims} of {dtype}, {needed} bytes; the archive holds {held}")


def read_mnist(path: str | os.PathLike) -> MnistArrays:
    """The MNIST training and test (t10k) arrays found under ``path`` by :func:`find_mnist_files`.

    Raises
    ------
    FormatError
        When the files are missing or malformed, the images are not ``(n, 28, 28)`` unsigned bytes,
        the labels are not integers in 0 … 9, or images and labels differ in number.

    >>> import gzip, os, struct, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> def write(base, sizes, data):
    ...     header = bytes([0, 0, 0x08, len(sizes)]) + struct.pack(f">{len(sizes)}I", *sizes)
    ...     with gzip.open(os.path.join(folder, base + ".gz"), "wb") as fh:
    ...         _ = fh.write(header + bytes(data))
    >>> write("train-images-idx3-ubyte", (2, 28, 28), [7] * 2 * 784)
    >>> write("train-labels-idx1-ubyte", (2,), [3, 9])
    >>> write("t10k-images-idx3-ubyte", (1, 28, 28), [255] * 784)
    >>> write("t10k-labels-idx1-ubyte", (1,), [0])
    >>> m = read_mnist(folder)
    >>> m.x_train.shape, m.y_train.tolist(), m.x_test.shape, int(m.x_test.max()), m.source == folder
    ((2, 28, 28), [3, 9], (1, 28, 28), 255, True)
    """
    files = find_mnist_files(path)
    if "npz" in files:
        npz = files["npz"]
        arrays = _npz_arrays(npz)
        names = {key: f"{npz} ({key})" for key in _NPZ_KEYS}
        source = str(npz)
    else:
        roles = dict(zip(_NPZ_KEYS, ("train_images", "train_labels", "test_images", "test_labels")))
        arrays = {key: read_idx(files[role]) for key, role in roles.items()}
        names = {key: str(files[role]) for key, role in roles.items()}
        source = str(files["train_images"].parent)
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        xn, yn = names[f"x_{split}"], names[f"y_{split}"]
        if x.dtype != np.uint8:
            raise FormatError(f"{xn}: images must be unsigned bytes (IDX type 0x08, numpy uint8), not {x.dtype}")
        if x.ndim != 3 or x.shape[1:] != (28, 28):
            raise FormatError(f"{xn}: images must have shape (n, 28, 28), not {x.shape}")
        if y.ndim != 1 or y.dtype.kind not in "iu":
            raise FormatError(f"{yn}: labels must be a vector of integers, not shape {y.shape} of {y.dtype}")
        if len(x) != len(y):
            raise FormatError(f"{xn} holds {len(x)} images but {yn} holds {len(y)} labels")
        bad = (y < 0) | (y > 9)
        if bad.any():
            i = int(np.argmax(bad))
            raise FormatError(f"{yn}: label {int(y[i])} at index {i} is outside 0 … 9")
    return MnistArrays(arrays["x_train"], arrays["y_train"], arrays["x_test"], arrays["y_test"], source)
