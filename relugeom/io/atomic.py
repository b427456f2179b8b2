"""Atomic file writes: a file relugeom writes is either the old one or the whole new one, never half of it.

Every writer of the package writes to a temporary file in the destination's directory, flushes it,
``os.fsync``\\ s it and then ``os.replace``\\ s it onto the destination (one atomic rename on POSIX and
Windows). On any exception inside the ``with`` block, including :class:`KeyboardInterrupt`, the temporary
is removed, the destination is left as it was, and the exception goes on.

* :func:`atomic_write`: a file object to write into (text ``"w"`` or binary ``"wb"``).
* :func:`atomic_path`: a temporary *path*, for libraries that open the file themselves and choose what to
  do from its extension (matplotlib's ``savefig``, ``onnx.save``, ``torch.save``, safetensors'
  ``save_file``): the temporary keeps the destination's extension, ``plot.png`` → ``.plot.<random>.tmp.png``.
* :func:`atomic_savefig`: ``fig.savefig`` through :func:`atomic_path`.
* :func:`check_writable`: the checks the writers make first (the directory exists, is a directory, is
  writable; the path is not a directory), without writing anything, so a command line can refuse a bad
  output option before it starts the work.
* :func:`pending_temporaries` / :func:`remove_pending`: the temporaries being written right now (all
  threads), and their removal, for a command line that must stop hard (a second Ctrl-C, a signal).

The temporaries are named ``.<name>.<8 hex digits>.tmp`` (:func:`atomic_write`) or
``.<stem>.<8 hex digits>.tmp<ext>`` (:func:`atomic_path`): hidden, and easy to recognise should a hard
kill (``kill -9``, a power cut) leave one behind. A new file gets the usual permissions (``0o666`` less
the umask); a replaced file keeps its permission bits. A symbolic link at the destination is written
through (its target is replaced), as ``open(path, "w")`` does.

Examples
--------
>>> import os, tempfile
>>> d = tempfile.mkdtemp()
>>> path = os.path.join(d, "note.txt")
>>> with atomic_write(path) as fh:
...     _ = fh.write("first\\n")
>>> try:
...     with atomic_write(path) as fh:
...         _ = fh.write("half of a second vers")
...         raise KeyboardInterrupt
... except KeyboardInterrupt:
...     pass
>>> open(path).read(), os.listdir(d), pending_temporaries()
('first\\n', ['note.txt'], ())
>>> with atomic_path(os.path.join(d, "a.bin")) as tmp:
...     os.path.basename(tmp).startswith(".a.") and tmp.endswith(".tmp.bin")
...     with open(tmp, "wb") as fh:
...         _ = fh.write(b"\\x00")
True
>>> sorted(os.listdir(d))
['a.bin', 'note.txt']
>>> check_writable(os.path.join(d, "missing", "x.json"), "the network")  # doctest: +ELLIPSIS
Traceback (most recent call last):
    ...
relugeom.exceptions.FormatError: cannot write the network .../missing/x.json: directory .../missing does not exist; create it or choose another path
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import threading
from typing import IO, Any, Iterator

from ..exceptions import FormatError, InvalidArgumentError

__all__ = [
    "atomic_write",
    "atomic_path",
    "atomic_savefig",
    "check_writable",
    "pending_temporaries",
    "remove_pending",
]

_PENDING: dict[str, None] = {}  # temporaries in flight, in creation order (a dict as an ordered set)
_LOCK = threading.RLock()  # re-entrant: a signal handler may call remove_pending while its thread holds it
_MODES = {"w": "w", "wt": "w", "wb": "wb"}
_STEM_MAX = 120  # keeps ".<stem>.<8 hex>.tmp<ext>" within the usual 255-byte file-name limit


# ------------------------------------------------------------------------------------------- the registry


def pending_temporaries() -> tuple[str, ...]:
    """The temporary files being written now (by every thread), oldest first.

    >>> pending_temporaries()
    ()
    """
    with _LOCK:
        return tuple(_PENDING)


def remove_pending() -> int:
    """Remove every temporary being written now and forget them; return how many files were removed.

    For a command line that must stop hard. A writer whose temporary was removed fails with a
    :class:`~relugeom.exceptions.FormatError` when it tries to finish, and its destination is left as it was.

    >>> remove_pending()
    0
    """
    with _LOCK:
        paths = tuple(_PENDING)
        _PENDING.clear()
    removed = 0
    for tmp in paths:
        try:
            os.remove(tmp)
        except OSError:  # already gone (renamed into place, or never created)
            continue
        removed += 1
    return removed


def _register(tmp: str) -> None:
    with _LOCK:
        _PENDING[tmp] = None


def _forget(tmp: str) -> None:
    with _LOCK:
        _PENDING.pop(tmp, None)


def _discard(tmp: str) -> None:
    """Remove a temporary after a failure, quietly: the failure's own exception is what the caller sees."""
    with contextlib.suppress(OSError):
        os.remove(tmp)
    _forget(tmp)


# ----------------------------------------------------------------------------------------------- checks


def _refusal(path: str) -> str | None:
    """Why ``path`` cannot be written (the part of the message after the path), or None."""
    if os.path.isdir(path):
        return "it is a directory; give a file name (inside it, or another path)"
    folder = os.path.dirname(path) or os.curdir
    if not os.path.exists(folder):
        return f"directory {folder} does not exist; create it or choose another path"
    if not os.path.isdir(folder):
        return f"{folder} is not a directory; choose another path"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"directory {folder} is not writable; change its permissions or choose another path"
    return None


def check_writable(path: str | os.PathLike, what: str = "") -> None:
    """Refuse, without writing anything, a path the atomic writers could not write.

    The checks: the directory of ``path`` exists and is a directory, it is writable (``os.access``), and
    ``path`` is not an existing directory. An existing file at ``path`` is fine (it would be replaced).

    Parameters
    ----------
    path : str or path-like
    what : str
        What the file is, for the message: a noun phrase (``"the plot"``) or an option (``"--plot"``).

    Raises
    ------
    FormatError
        One sentence naming the path and what to do.

    Examples
    --------
    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> check_writable(os.path.join(d, "plot.png"), "--plot")  # fine: returns None
    >>> check_writable(d, "--plot")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    relugeom.exceptions.FormatError: cannot write --plot ...: it is a directory; give a file name (inside it, or another path)
    """
    target = _destination(path)
    why = _refusal(target)
    if why is not None:
        raise FormatError(f"cannot write {what + ' ' if what else ''}{os.fspath(path)}: {why}")


def _destination(path: str | os.PathLike) -> str:
    """``path`` as a string, through a symbolic link (``open(path, "w")`` writes through one too)."""
    target = os.fspath(path)
    if isinstance(target, bytes):
        target = os.fsdecode(target)
    return os.path.realpath(target) if os.path.islink(target) else target


def _start(path: str | os.PathLike) -> str:
    """The destination, checked (:class:`FormatError` if it cannot be written)."""
    dest = _destination(path)
    why = _refusal(dest)
    if why is not None:
        raise FormatError(f"cannot write {os.fspath(path)}: {why}")
    return dest


def _temporary_name(dest: str, keep_extension: bool) -> str:
    folder, name = os.path.split(dest)
    if keep_extension:
        stem, ext = os.path.splitext(name)
        return os.path.join(folder, f".{stem[:_STEM_MAX]}.{secrets.token_hex(4)}.tmp{ext}")
    return os.path.join(folder, f".{name[:_STEM_MAX]}.{secrets.token_hex(4)}.tmp")


def _copy_permissions(dest: str, tmp: str) -> None:
    """Give the temporary the permission bits of the file it replaces (best effort)."""
    with contextlib.suppress(OSError):
        os.chmod(tmp, stat.S_IMODE(os.stat(dest).st_mode))


def _fsync_directory(folder: str) -> None:
    """Make the rename durable where the platform allows it (POSIX); elsewhere, nothing."""
    try:
        fd = os.open(folder or os.curdir, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _finish(tmp: str, dest: str, path: str | os.PathLike) -> None:
    """Rename the (synced) temporary onto the destination."""
    try:
        os.replace(tmp, dest)
    except OSError as err:
        raise FormatError(f"cannot write {os.fspath(path)}: {err.strerror or err}") from None
    _forget(tmp)
    _fsync_directory(os.path.dirname(dest))


# ---------------------------------------------------------------------------------------------- writers


@contextlib.contextmanager
def atomic_write(
    path: str | os.PathLike, mode: str = "w", encoding: str | None = "utf-8", newline: str | None = None
) -> Iterator[IO[Any]]:
    """Write ``path`` atomically: yield a file object on a temporary, replace ``path`` with it on success.

    Parameters
    ----------
    path : str or path-like
        The destination. Its directory must exist and be writable.
    mode : "w" or "wb"
        Text (``"w"``, also spelled ``"wt"``) or binary (``"wb"``).
    encoding, newline :
        As for :func:`open`, in text mode; ignored in binary mode.

    Raises
    ------
    FormatError
        Before writing, when the destination cannot be written (see :func:`check_writable`); after, when
        the temporary cannot be flushed, synced or renamed (a full disk, say). An exception raised inside
        the ``with`` block goes on unchanged, after the temporary is removed.

    Examples
    --------
    >>> import tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "table.csv")
    >>> with atomic_write(path, newline="") as fh:
    ...     _ = fh.write("a,b\\r\\n")
    >>> open(path, "rb").read()
    b'a,b\\r\\n'
    """
    if mode not in _MODES:
        raise InvalidArgumentError(f"atomic_write mode must be 'w' or 'wb', not {mode!r}")
    dest = _start(path)
    binary = _MODES[mode] == "wb"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = _temporary_name(dest, keep_extension=False)
        _register(tmp)  # before it exists: an interruption right after creation still finds it listed
        try:
            fd = os.open(tmp, flags, 0o666)  # 0o666 less the umask, like open(path, "w")
            break
        except FileExistsError:
            _forget(tmp)
        except OSError as err:
            _forget(tmp)
            raise FormatError(f"cannot write {os.fspath(path)}: {err.strerror or err}") from None
    try:
        fh = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding=encoding, newline=newline)
    except BaseException:
        os.close(fd)
        _discard(tmp)
        raise
    try:
        _copy_permissions(dest, tmp)
        yield fh
        try:
            if fh.closed:  # the block closed it: sync through a new descriptor
                _fsync_file(tmp)
            else:
                fh.flush()
                os.fsync(fh.fileno())
                fh.close()
        except OSError as err:
            raise FormatError(f"cannot write {os.fspath(path)}: {err.strerror or err}") from None
        _finish(tmp, dest, path)
    except BaseException:
        with contextlib.suppress(Exception):
            fh.close()
        _discard(tmp)
        raise


def _fsync_file(tmp: str) -> None:
    fd = os.open(tmp, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[str]:
    """Write ``path`` atomically through a library that wants a path: yield a temporary path, then replace.

    The temporary is in the same directory and keeps the extension of ``path`` (``plot.png`` →
    ``.plot.<random>.tmp.png``), since matplotlib, onnx and others choose the format from it. The code in
    the ``with`` block must create the file at the yielded path; relugeom then syncs it and renames it onto
    ``path``.

    Raises
    ------
    FormatError
        Before writing, when the destination cannot be written (see :func:`check_writable`); after, when the
        block did not create the temporary, or it cannot be synced or renamed. An exception raised inside
        the ``with`` block goes on unchanged, after the temporary (if any) is removed.

    Examples
    --------
    >>> import tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "model.onnx")
    >>> with atomic_path(path) as tmp:  # a writer that forgets to write  # doctest: +ELLIPSIS
    ...     pass
    Traceback (most recent call last):
        ...
    relugeom.exceptions.FormatError: cannot write .../model.onnx: the writer did not create the temporary file .../.model....tmp.onnx, so nothing was written
    >>> os.path.exists(path)
    False
    """
    dest = _start(path)
    tmp = _temporary_name(dest, keep_extension=True)
    while os.path.lexists(tmp):
        tmp = _temporary_name(dest, keep_extension=True)
    _register(tmp)
    try:
        yield tmp
        if not os.path.isfile(tmp):
            raise FormatError(
                f"cannot write {os.fspath(path)}: the writer did not create the temporary file {tmp}, "
                f"so nothing was written"
            )
        _copy_permissions(dest, tmp)
        try:
            _fsync_file(tmp)
        except OSError as err:
            raise FormatError(f"cannot write {os.fspath(path)}: {err.strerror or err}") from None
        _finish(tmp, dest, path)
    except BaseException:
        _discard(tmp)
        raise


def atomic_savefig(fig: Any, path: Any, **kwargs: Any) -> None:
    """``fig.savefig(path, **kwargs)`` through :func:`atomic_path` (matplotlib is not imported here).

    The format is ``kwargs["format"]`` if given, else the extension of ``path``, else the figure's default
    (``savefig.format``, PNG) — and the picture is written at ``path`` itself: a path without extension is
    not given one. A file object (anything with ``write``) is handed to ``savefig`` as it is.
    """
    if hasattr(path, "write"):
        fig.savefig(path, **kwargs)
        return
    fmt = kwargs.pop("format", None) or os.path.splitext(os.fspath(path))[1][1:] or fig.canvas.get_default_filetype()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=fmt, **kwargs)
