"""Crash-safe writes: a reader sees the old file or the new one, never half of either."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path


def write_atomic(path: Path, data: bytes) -> None:
    """Temp file in the same directory, fsync, then one `os.replace`.

    The result keeps the replaced file's mode (a contributor's page keeps its
    permissions); a new file gets the mode any `open` would give it under the
    umask, so published files stay readable.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        keep: int | None = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        keep = None
    fd, tmp = _temp_file(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if keep is not None:
                os.fchmod(fh.fileno(), keep)
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _temp_file(path: Path) -> tuple[int, Path]:
    """Like tempfile.mkstemp, but created 0666 minus the umask rather than 0600
    (reading the umask would mean setting it, which races with other threads)."""
    while True:
        tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue


def write_new(path: Path, data: bytes) -> None:
    """Create `path`; raise FileExistsError rather than overwrite a contributor's work."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
