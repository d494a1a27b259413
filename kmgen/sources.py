"""Which files may live under content/, and which would publish to the same URL."""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from kmgen import file_kind
from kmgen.diagnostics import Diagnostic

PAGE_SUFFIX = ".md"
ASSET_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".pdf"})
DATA_FILES = frozenset({"taxonomy.yml", "kmgen.yml"})  # at the content root only: data for kmgen, not pages


def scan(root: Path) -> tuple[list[str], list[str], list[Diagnostic]]:
    """Walk `root` without following links: (pages, assets, problems)."""
    pages: list[str] = []
    assets: list[str] = []
    diags: list[Diagnostic] = []
    if Path(root).is_symlink():
        # os.walk would follow it: a hub pointed at /etc would list /etc.
        return [], [], [_err(".", "KM244", f"the content folder {root} is a symbolic link; nothing was read",
                             "point --content at the real folder, or copy the content in")]
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        base = Path(dirpath)
        for name in sorted(dirnames):
            if (base / name).is_symlink():
                rel = _rel(root, base / name)
                diags.append(_err(rel, "KM401", "symbolic links are not allowed under content/",
                                  "copy the folder in instead of linking to it"))
        dirnames[:] = sorted(d for d in dirnames if not (base / d).is_symlink())
        for name in sorted(filenames):
            path = base / name
            rel = _rel(root, path)
            suffix = PurePosixPath(name).suffix.lower()
            if path.is_symlink():
                diags.append(_err(rel, "KM401", "symbolic links are not allowed under content/",
                                  "copy the file in instead of linking to it"))
            elif rel in DATA_FILES:
                continue
            elif suffix == PAGE_SUFFIX and not name.startswith("."):
                pages.append(rel)
            elif suffix in ASSET_SUFFIXES and not name.startswith("."):
                assets.append(rel)
                diags.extend(file_kind.check_asset(path, rel, suffix))
            else:
                diags.append(_err(rel, "KM402", f"file type not allowed under content/: '{name}'",
                                  "only Markdown pages (.md), images (png, jpg, gif, webp, avif) and PDF "
                                  "are published; move or delete this file"))
    diags.extend(collisions(pages, assets))
    diags.extend(d for rel in [*pages, *assets] for d in file_kind.check_name(rel))
    return sorted(pages), sorted(assets), diags


def page_times(root: Path) -> dict[str, int]:
    """Every page `scan` would list, with its modification time (ns), in one walk
    that checks nothing else: what the staleness note needs on each `kmgen search`
    (at 10,000 pages a tenth of a full scan's time)."""
    out: dict[str, int] = {}
    if Path(root).is_symlink():
        return out
    stack = [("", os.fspath(root))]
    while stack:
        prefix, folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.is_symlink():
                continue  # scan reports it (KM401) and never follows it
            rel = prefix + entry.name
            if entry.is_dir():
                stack.append((rel + "/", entry.path))
            elif (not entry.name.startswith(".") and entry.name.lower().endswith(PAGE_SUFFIX)
                  and rel not in DATA_FILES):
                out[rel] = entry.stat().st_mtime_ns
    return out


def url_key(rel: str) -> str:
    """The URL a source publishes to, folded the way file systems and browsers clash:
    `a.md` and `a/index.md` are both /a/; `A.md` and `a.md` collide on macOS and
    Windows; composed and decomposed accents are the same name to a reader."""
    path = PurePosixPath(rel)
    if path.suffix.lower() == PAGE_SUFFIX:
        stem = path.with_suffix("")
        if stem.name.lower() in ("index", "readme"):
            stem = stem.parent
        key = str(stem) + "/"
    else:
        key = str(path)
    return unicodedata.normalize("NFC", key).casefold()


def collisions(pages: Iterable[str], assets: Iterable[str]) -> list[Diagnostic]:
    groups: dict[str, list[str]] = {}
    for rel in [*pages, *assets]:
        groups.setdefault(url_key(rel), []).append(rel)
    diags = []
    for key, rels in sorted(groups.items()):
        if len(rels) > 1:
            rels.sort()
            for rel in rels:
                others = ", ".join(r for r in rels if r != rel)
                diags.append(_err(rel, "KM403", f"publishes to the same address (/{key.strip('/')}/) as {others}",
                                  "rename or merge one of these files"))
    return diags


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _err(path: str, code: str, message: str, hint: str) -> Diagnostic:
    return Diagnostic(path, 0, code, "error", message, hint)
