"""The search index on disk: generations, a signed manifest, and one writer lock.

Whoosh keeps its segment table as a pickle, so opening an index means running
whatever that file says. kmgen therefore never opens a Whoosh directory on its
own: the index folder holds

    manifest.json     kmgen, schema and Whoosh versions, the current generation,
                      every file of that generation with its sha256, each
                      page's fingerprint, and an HMAC over all of it
    whoosh-<id>/      one generation: a complete Whoosh index
    related.json      related pages (plain JSON, see kmgen.related)
    related-cache.json  what related pages need of each page, and the statistics
                      of the last full pass (plain JSON, see kmgen.related_cache;
                      rebuilt when damaged)
    related-terms.json  each page's term counts, written by full passes
    kmgen.lock        held by the one process allowed to write

and a generation is opened only when the manifest's versions match, its
signature verifies with this machine's key, and the files on disk are exactly
the files it lists with the same checksums. Re-hashing every file on every
open cost more than the search itself on a large hub, so the manifest also
records each file's size, inode and change time (ctime) once the generation
is live: a file whose three still match is the file that was hashed (writing
to a file or touching its times sets its ctime to now, and no user can set
it back), and any other file is hashed again. `verify` always hashes all. Anything else (no manifest, a
manifest copied from elsewhere, a truncated segment, an extra TOC) is "not
trusted", and the index is rebuilt from the sources, which are the truth.

Every write makes a new generation (a full build, or hard links to the
current files plus Whoosh's new segments, which it never writes in place),
verifies it, and then swaps it in by replacing manifest.json: one rename.
Until that rename the previous generation is the index, whatever fails.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import whoosh
from whoosh.filedb.filestore import FileStorage

from kmgen import __version__
from kmgen.writes import write_atomic

MANIFEST = "manifest.json"
FORMAT = "kmgen-index"
LOCK_NAME = "kmgen.lock"
GENERATION_PREFIX = "whoosh-"
_GENERATION_RE = re.compile(r"^whoosh-[0-9a-f]{16}$")
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
WHOOSH_VERSION = whoosh.versionstring()


class IndexFailure(OSError):
    """The index cannot be used or written; the message says what to do.

    An OSError so callers that guard file work (`kmgen build`) report it as one."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "index failure"


class IndexLocked(IndexFailure):
    """Another process holds the writer lock."""


class IndexMissing(IndexFailure):
    """No index has been built in this folder yet."""


class IndexUntrusted(IndexFailure):
    """The folder's manifest, signature or files do not check out: rebuild from sources."""


@dataclass(frozen=True)
class Manifest:
    generation: str
    schema: int
    documents: int
    files: Mapping[str, str]  # file name in the generation -> sha256
    pages: Mapping[str, str]  # page path -> fingerprint of what was indexed
    kmgen: str = __version__
    whoosh: str = WHOOSH_VERSION
    extra: Mapping[str, Any] = field(default_factory=dict)
    stats: Mapping[str, list[int]] = field(default_factory=dict)  # file name -> [size, inode, ctime_ns]

    def payload(self) -> dict[str, Any]:
        return {"format": FORMAT, "kmgen": self.kmgen, "schema": self.schema, "whoosh": self.whoosh,
                "generation": self.generation, "documents": self.documents, "files": dict(self.files),
                "pages": dict(self.pages), "extra": dict(self.extra), "stats": dict(self.stats)}


# -- the machine key ------------------------------------------------------------
def key_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kmgen" / "index.key"


def _machine_key() -> bytes:
    """A random key kept in the user's cache folder (mode 0600), made on first use.
    A manifest signed with it can only have been written by this user on this machine."""
    path = key_path()
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(32))
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileExistsError:  # another process made it first
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError) as exc:
        raise IndexFailure(f"cannot keep the index key in {path}: {exc}; "
                           "set XDG_CACHE_HOME to a writable folder") from exc


def _sign(payload: Mapping[str, Any]) -> str:
    data = json.dumps(payload, sort_keys=True, ensure_ascii=True).encode("ascii")
    return hmac.new(_machine_key(), data, hashlib.sha256).hexdigest()


# -- reading the manifest ---------------------------------------------------------
def read_manifest(index_dir: Path, schema_version: int, full: bool = False) -> tuple[Manifest | None, str]:
    """The trusted manifest, or None and the reason the index cannot be used.
    `full` hashes every file even where its recorded size, inode and ctime match."""
    path = index_dir / MANIFEST
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            return None, "its manifest is too large"
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None, "there is no index yet"
    except (OSError, ValueError) as exc:
        return None, f"its manifest cannot be read ({exc.__class__.__name__})"
    manifest, problem = _parse(data, schema_version)
    if manifest is None:
        return None, problem
    problem = _check_files(index_dir / manifest.generation, manifest.files, {} if full else manifest.stats)
    return (None, problem) if problem else (manifest, "")


def _parse(data: Any, schema_version: int) -> tuple[Manifest | None, str]:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None, "its manifest is not a kmgen index manifest"
    payload = {k: v for k, v in data.items() if k != "signature"}
    for key, want in (("kmgen", __version__), ("schema", schema_version), ("whoosh", WHOOSH_VERSION)):
        if payload.get(key) != want:
            return None, f"it was built with {key} version {payload.get(key)!r}; this is {want!r}"
    signature = data.get("signature")
    if not isinstance(signature, str) or not hmac.compare_digest(signature, _sign(payload)):
        return None, "it was not built on this machine (its signature does not match)"
    generation, files, pages = payload.get("generation"), payload.get("files"), payload.get("pages")
    if not (isinstance(generation, str) and _GENERATION_RE.match(generation) and isinstance(files, dict)
            and isinstance(pages, dict) and isinstance(payload.get("documents"), int)):
        return None, "its manifest is damaged"
    stats = payload.get("stats")
    return Manifest(generation, schema_version, payload["documents"], files, pages,
                    extra=payload.get("extra") or {}, stats=stats if isinstance(stats, dict) else {}), ""


def _check_files(folder: Path, files: Mapping[str, str], stats: Mapping[str, Any]) -> str:
    try:
        present = {p.name for p in folder.iterdir() if not _is_lock(p.name)}
    except OSError:
        return "its files are missing"
    if present != set(files):
        odd = sorted(present ^ set(files))
        return f"its files do not match the manifest ({', '.join(odd[:3])})"
    for name, digest in files.items():
        try:
            if stats.get(name) == file_stat(folder / name):
                continue  # the very file that was hashed: see the module docstring
            if file_digest(folder / name) != digest:
                return f"its file {name} is damaged"
        except OSError:
            return "its files are missing"
    return ""


def file_stat(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_ino, st.st_ctime_ns]


def _is_lock(name: str) -> bool:
    return name.endswith("LOCK")  # Whoosh's writer lock file (empty, left behind)


def file_digest(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            sha.update(chunk)
    return sha.hexdigest()


# -- writing -------------------------------------------------------------------------
def new_generation(index_dir: Path, base: Path | None = None) -> Path:
    """A fresh generation folder; with `base`, holding hard links to its files
    (Whoosh writes new files and never changes old ones, so the live generation
    is untouched). Falls back to copies where hard links are not possible."""
    folder = index_dir / f"{GENERATION_PREFIX}{secrets.token_hex(8)}"
    folder.mkdir()
    if base is not None:
        for src in base.iterdir():
            if _is_lock(src.name):
                continue
            try:
                os.link(src, folder / src.name)
            except OSError:
                shutil.copy2(src, folder / src.name)
    return folder


def swap_in(index_dir: Path, manifest: Manifest) -> None:
    """Sign and write the manifest: the one rename that makes `manifest.generation`
    the index. Then remove every other generation."""
    folder = index_dir / manifest.generation
    files = {p.name: file_digest(p) for p in sorted(folder.iterdir()) if not _is_lock(p.name)}
    payload = Manifest(manifest.generation, manifest.schema, manifest.documents, files, manifest.pages,
                       extra=manifest.extra).payload()
    payload["signature"] = _sign(payload)
    write_atomic(index_dir / MANIFEST, json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("utf-8"))
    remove_generations(index_dir, keep=manifest.generation)
    # Removing the old generation unlinks files the new one shares (hard links),
    # which changes their ctime: record the stats only now, in a second manifest.
    # A crash in between leaves a manifest without stats, which hashes on open.
    payload.pop("signature")
    payload["stats"] = {name: file_stat(folder / name) for name in files}
    payload["signature"] = _sign(payload)
    write_atomic(index_dir / MANIFEST, json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("utf-8"))


def remove_generations(index_dir: Path, keep: str | None) -> None:
    """Delete generation folders other than `keep` (failed or replaced builds).
    Only folders named like ours are touched."""
    for path in index_dir.iterdir():
        if path.is_dir() and _GENERATION_RE.match(path.name) and path.name != keep:
            shutil.rmtree(path, ignore_errors=True)


@contextmanager
def locked(index_dir: Path) -> Iterator[None]:
    """Hold the index's writer lock, or fail at once: a second writer must not
    wait on, or interleave with, the first."""
    index_dir.mkdir(parents=True, exist_ok=True)
    lock = FileStorage(str(index_dir)).lock(LOCK_NAME)
    if not lock.acquire(blocking=False):
        raise IndexLocked(f"index is locked: another kmgen process is writing {index_dir}; "
                          "try again when it has finished")
    try:
        yield
    finally:
        lock.release()
