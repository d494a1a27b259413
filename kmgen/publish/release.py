"""Swapping a verified build into place, keeping the previous release beside it.

Readers (a web server, someone browsing file://) must see the old site or the
new one, never a half-written or missing one. On Linux the two directories are
exchanged in one atomic `renameat2(RENAME_EXCHANGE)`; elsewhere two renames
leave a moment without `site/`, and a failure between them puts the old one back.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import sys
import tempfile
from pathlib import Path

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def previous_of(site: Path) -> Path:
    return site.with_name(site.name + ".previous")


def staging_dir(site: Path) -> Path:
    """A fresh directory next to `site` (same file system, so renames are atomic).
    Leftovers of builds that were killed are removed first."""
    site.parent.mkdir(parents=True, exist_ok=True)
    for stale in site.parent.glob(f".{site.name}.new-*"):
        shutil.rmtree(stale, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{site.name}.new-", dir=site.parent))
    # mkdtemp makes the folder private (0700); a web server running as another
    # user must read the published site, so it gets the mode any new folder gets.
    os.chmod(staging, 0o777 & ~current_umask())
    return staging


def current_umask() -> int:
    """The process's umask (reading it means setting it: put it straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def swap(staging: Path, site: Path) -> Path | None:
    """Make `staging` the site; the old site becomes `<site>.previous`.
    Returns where the previous release is, or None if there was none."""
    if not site.exists():
        os.rename(staging, site)
        return None
    if not site.is_dir() or site.is_symlink():
        raise OSError(errno.ENOTDIR, f"{site} exists and is not a directory; move it away first")
    previous = previous_of(site)
    if _exchange(staging, site):
        # The new release is live; `staging` now holds the old one.
        _replace(staging, previous)
        return previous
    trash = _set_aside(previous)
    os.rename(site, previous)
    try:
        os.rename(staging, site)
    except OSError:
        os.rename(previous, site)
        if trash is not None:
            os.rename(trash, previous)
        raise
    if trash is not None:
        shutil.rmtree(trash, ignore_errors=True)
    return previous


def _replace(src: Path, dst: Path) -> None:
    trash = _set_aside(dst)
    os.rename(src, dst)
    if trash is not None:
        shutil.rmtree(trash, ignore_errors=True)


def _set_aside(path: Path) -> Path | None:
    if not path.exists():
        return None
    trash = path.with_name(f".{path.name}.old-{os.getpid()}")
    if trash.exists():
        shutil.rmtree(trash)
    os.rename(path, trash)
    return trash


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths; False where the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    rc = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))
