"""A full disk for one folder, injected into a kmgen process by tests/test_faults.py.

Put this folder on PYTHONPATH and set KMGEN_FAULT_DIR (the folder) and
KMGEN_FAULT_BYTES (how many bytes may still be written there): every write
beyond that, through open(), os.write, os.sendfile or os.copy_file_range, fails
with ENOSPC as a full file system would. Python loads `sitecustomize` at start,
before kmgen, MkDocs or Whoosh import anything, so every writer sees the same
patched functions. Without KMGEN_FAULT_DIR it does nothing.
"""

from __future__ import annotations

import builtins
import errno
import io
import os
from typing import Any

_FOLDER = os.environ.get("KMGEN_FAULT_DIR", "")
_BUDGET = int(os.environ.get("KMGEN_FAULT_BYTES", "0") or 0)
_written = [0]


def _inside(path: str) -> bool:
    return bool(path) and os.path.realpath(path).startswith(os.path.realpath(_FOLDER) + os.sep)


def _fd_path(fd: int) -> str:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return ""


def _spend(size: int) -> None:
    if _written[0] + size > _BUDGET or (size == 0 and _written[0] >= _BUDGET):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    _written[0] += size


class _FullDiskFile:
    """A writable file whose writes count against the budget."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def write(self, data: Any) -> int:
        _spend(len(data))
        return int(self._inner.write(data))

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __enter__(self) -> _FullDiskFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._inner.close()

    def __iter__(self) -> Any:
        return iter(self._inner)


def _install() -> None:
    real_open, real_write = builtins.open, os.write
    real_sendfile = os.sendfile
    real_copy_range = getattr(os, "copy_file_range", None)

    def open_(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        handle = real_open(file, mode, *args, **kwargs)
        if not any(c in mode for c in "wax+"):
            return handle
        where = _fd_path(file) if isinstance(file, int) else os.fsdecode(os.fspath(file))
        return _FullDiskFile(handle) if _inside(where) else handle

    def write(fd: int, data: Any) -> int:
        if _inside(_fd_path(fd)):
            _spend(len(data))
        return real_write(fd, data)

    def sendfile(out_fd: int, in_fd: int, offset: Any, count: int) -> int:
        if not _inside(_fd_path(out_fd)):
            return real_sendfile(out_fd, in_fd, offset, count)
        _spend(0)  # a disk already full refuses even the first byte
        sent = real_sendfile(out_fd, in_fd, offset, min(count, 64 * 1024))
        _spend(sent)  # a disk that fills up part way has taken part of the file
        return sent

    builtins.open = io.open = open_  # type: ignore[assignment]
    os.write = write
    os.sendfile = sendfile
    if real_copy_range is not None:
        def copy_range(src: int, dst: int, count: int, *args: Any) -> int:
            if not _inside(_fd_path(dst)):
                return int(real_copy_range(src, dst, count, *args))
            _spend(0)
            copied = int(real_copy_range(src, dst, min(count, 64 * 1024), *args))
            _spend(copied)
            return copied

        os.copy_file_range = copy_range


if _FOLDER:
    _install()
