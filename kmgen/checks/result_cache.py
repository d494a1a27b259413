"""`kmgen check` results remembered for a hub that has not changed since they were found.

Checking a hub means loading every page, validating it, rendering every body
(cached per body by `render`) and looking across pages (links, duplicates).
When nothing a check reads has changed, the diagnostics are the same, so they
are kept in `.kmgen/check-results.json` next to the content folder, under a
fingerprint of everything the checks depend on:

- the bytes of every file under the content folder (pages, assets, the
  taxonomy, the hub's configuration), by path;
- the mkdocs.yml whose Markdown settings the render check uses;
- the options, and today's date (review dates fall due);
- kmgen's own code (every file of the package, by size and modification time,
  so an upgrade or a local edit is never answered from old results).

`kmgen check` and `kmgen build` read and write the same file. A run whose
results depend on the machine's load (a page over its render-time budget) is
not kept. The fingerprint is keyed with this user's machine key (`signed`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import kmgen
from kmgen import sources
from kmgen.checks import CheckOptions
from kmgen.checks.render_budget import TIMEOUT
from kmgen.diagnostics import Diagnostic
from kmgen.hub import Hub

CACHE_FILE = "check-results.json"
CACHE_VERSION = 1


@dataclass
class CheckResults:
    diagnostics: list[Diagnostic]
    pages: list[str]  # every page file the run looked at
    unreadable: list[str]  # those that could not be loaded


def of_hub(hub: Hub, diagnostics: list[Diagnostic]) -> CheckResults:
    """A run's results: its diagnostics and which page files it could and could not load."""
    pages, _assets, _problems = sources.scan(hub.root)
    return CheckResults(diagnostics, pages, [p for p in pages if p not in hub.documents])


def cache_path(root: Path) -> Path:
    return root.parent / ".kmgen" / CACHE_FILE


def fingerprint(root: Path, options: CheckOptions) -> str | None:
    """A hash of everything the checks read, or None when some of it cannot be read."""
    state = hashlib.sha256()
    settings = [CACHE_VERSION, kmgen.__version__, options.today.isoformat(), options.strict_freshness,
                options.render_seconds, options.render_cache, str(options.site_config or "")]
    state.update(json.dumps(settings).encode())
    try:
        _hash_code(state)
        config = options.site_config or root.parent / "mkdocs.yml"
        state.update(b"config\0" + (config.read_bytes() if config.is_file() else b"-") + b"\0")
        _hash_tree(state, root)
    except OSError:
        return None
    return signed(state.hexdigest())


def _hash_code(state: Any) -> None:
    package = Path(kmgen.__file__).parent
    for path in sorted(package.rglob("*")):
        if "__pycache__" in path.parts or not path.is_file():
            continue
        info = path.stat()
        state.update(f"code\0{path.relative_to(package).as_posix()}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())


def _hash_tree(state: Any, root: Path) -> None:
    """Every entry under `root`, sorted: files by their bytes, links by their target."""
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        here = Path(folder)
        for name in sorted([*files, *(d for d in dirs if (here / d).is_symlink())]):
            path = here / name
            rel = path.relative_to(root).as_posix().encode("utf-8", "surrogateescape")
            if path.is_symlink():
                state.update(b"link\0" + rel + b"\0" + os.fsencode(os.readlink(path)) + b"\0")
            elif path.is_file():
                data = path.read_bytes()
                state.update(b"file\0" + rel + b"\0" + str(len(data)).encode() + b"\0" + data)
            else:
                state.update(b"other\0" + rel + b"\0")


def load(root: Path, key: str | None) -> CheckResults | None:
    if key is None:
        return None
    try:
        data = json.loads(cache_path(root).read_bytes())
        if data.get("fingerprint") != key:
            return None
        return CheckResults([Diagnostic(**d) for d in data["diagnostics"]],
                            [str(p) for p in data["pages"]], [str(p) for p in data["unreadable"]])
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None  # none yet, or damaged: check again


def save(root: Path, key: str | None, results: CheckResults) -> None:
    if key is None or any(d.code == TIMEOUT for d in results.diagnostics):
        return
    from kmgen.writes import write_atomic

    data = {"fingerprint": key, "diagnostics": [asdict(d) for d in results.diagnostics],
            "pages": results.pages, "unreadable": results.unreadable}
    try:
        write_atomic(cache_path(root), json.dumps(data, separators=(",", ":")).encode("utf-8", "surrogatepass"))
    except OSError:
        pass  # a read-only checkout is checked all the same, only slower next time


def signed(fingerprint: str | None) -> str | None:
    """`fingerprint` keyed with this user's machine key (the one the index manifest is
    signed with): a cache file planted in a pull request (`.kmgen/` can be committed)
    can never match, since its author cannot know the key. None when there is no key."""
    from kmgen import index_store

    if fingerprint is None:
        return None
    try:
        key = index_store._machine_key()  # noqa: SLF001 (one key per user for every derived file)
    except index_store.IndexFailure:
        return None  # no place to keep a key: nothing is cached
    return hmac.new(key, fingerprint.encode("ascii"), hashlib.sha256).hexdigest()
