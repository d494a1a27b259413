"""A source hub on disk: which generator wrote it, where its pages live, every file in it.

Detection looks only at the tree (configuration files first, then what the
pages themselves carry) and says why it chose, so a wrong guess is easy to see
and override with `--from`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

FORMATS = ("hugo", "jekyll", "eleventy", "gitbook", "markdown")
_HUGO_CONFIGS = ("hugo.toml", "hugo.yaml", "hugo.yml", "hugo.json", "config.toml", "config.yaml", "config.yml",
                 "config.json")
_ELEVENTY_CONFIGS = (".eleventy.js", ".eleventy.cjs", "eleventy.config.js", "eleventy.config.cjs",
                     "eleventy.config.mjs")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\ufeff]")
SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "node_modules"})


@dataclass
class SourceTree:
    root: Path
    format: str
    why: str
    page_root: str  # POSIX path relative to root ("" for the root itself)
    files: list[str]  # every file, relative to root, sorted
    config: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def in_pages(self, rel: str) -> bool:
        return not self.page_root or rel.startswith(self.page_root + "/")

    def page_rel(self, rel: str) -> str:
        """The path inside the page root (what the site's addresses are made from)."""
        return rel[len(self.page_root) + 1:] if self.page_root else rel


def list_files(root: Path) -> list[str]:
    """Every regular file under root, without following links; version-control folders are not the
    hub's content and are not listed (nor counted)."""
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS)
        base = Path(dirpath)
        out.extend((base / name).relative_to(root).as_posix() for name in filenames)
    return sorted(out)


def detect(root: Path, files: list[str]) -> tuple[str, str]:
    """(format, why) from the tree alone."""
    top = {f for f in files if "/" not in f}
    dirs = {f.split("/", 1)[0] for f in files if "/" in f}
    hugo_config = sorted(top & set(_HUGO_CONFIGS)) or (["config/"] if "config" in dirs else [])
    if hugo_config and "content" in dirs:
        return "hugo", f"found {hugo_config[0]} and a content/ folder (Hugo's layout)"
    if "_config.yml" in top or "_config.yaml" in top:
        return "jekyll", "found _config.yml (Jekyll's site configuration)"
    eleventy = sorted(top & set(_ELEVENTY_CONFIGS))
    if eleventy:
        return "eleventy", f"found {eleventy[0]} (Eleventy's configuration)"
    if ".gitbook.yaml" in top:
        return "gitbook", "found .gitbook.yaml (GitBook's space configuration)"
    if "SUMMARY.md" in top:
        return "gitbook", "found SUMMARY.md at the top (GitBook's table of contents)"
    marker = _eleventy_marker(root, files)
    if marker:
        return "eleventy", f"no configuration file, but {marker} carries Eleventy front matter (eleventyNavigation)"
    return "markdown", "no generator configuration found: plain Markdown files"


def _eleventy_marker(root: Path, files: list[str]) -> str | None:
    """Snapshots often keep only the pages; Eleventy's own front-matter keys still name it."""
    for rel in [f for f in files if f.endswith(".md")][:200]:
        try:
            head = (root / rel).read_bytes()[:4096].decode("utf-8", "replace")
        except OSError:
            continue
        if "\neleventyNavigation:" in head or "\neleventyExcludeFromCollections:" in head:
            return rel
    return None


def open_tree(root: Path, wanted: str = "auto") -> SourceTree:
    files = list_files(root)
    if wanted == "auto":
        fmt, why = detect(root, files)
    else:
        fmt, why = wanted, f"--from {wanted}"
    tree = SourceTree(root, fmt, why, "", files)
    {"hugo": _hugo, "jekyll": _jekyll, "gitbook": _gitbook, "eleventy": _eleventy}.get(fmt, _plain)(tree)
    return tree


def _hugo(tree: SourceTree) -> None:
    if any(f.startswith("content/") for f in tree.files):
        tree.page_root = "content"
    langs: set[str] = set()
    for rel in tree.files:
        if rel.startswith("config/") and rel.endswith(("languages.yaml", "languages.yml", "languages.toml")):
            langs.update(_language_keys(tree.root / rel))
    tree.config["languages"] = sorted(langs)


def _language_keys(path: Path) -> list[str]:
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    return re.findall(r"^\[?([a-z]{2,3}(?:-[A-Za-z]{2,4})?)\]?\s*[:=\n]", text, re.M)


def _jekyll(tree: SourceTree) -> None:
    config = _read_yaml(tree.root / "_config.yml", tree) if (tree.root / "_config.yml").is_file() else {}
    tree.config["exclude"] = [str(x) for x in config.get("exclude") or [] if isinstance(x, (str, int))]
    collections = config.get("collections") or {}
    tree.config["collections"] = sorted(str(k) for k in collections) if isinstance(collections, dict) else []
    tree.config["baseurl"] = str(config.get("baseurl") or "")


def _eleventy(tree: SourceTree) -> None:
    # Eleventy's input folder is set in JavaScript; the common choices are tried in order.
    for candidate in ("src", "content", "site", "docs"):
        if any(f.startswith(candidate + "/") and f.endswith(".md") for f in tree.files):
            top_md = [f for f in tree.files if "/" not in f and f.endswith(".md")]
            if all(_repo_meta(f) for f in top_md):
                tree.page_root = candidate
                return


def _gitbook(tree: SourceTree) -> None:
    path = tree.root / ".gitbook.yaml"
    config = _read_yaml(path, tree) if path.is_file() else {}
    clean: dict[str, Any] = {}
    for key, value in config.items():
        bare = _ZERO_WIDTH.sub("", str(key))
        if bare != key:
            tree.warnings.append(f".gitbook.yaml: key {key!r} holds zero-width characters; read as {bare!r}")
        clean[bare] = value
    root = str(clean.get("root") or "").strip().strip("./").strip("/")
    if root and any(f.startswith(root + "/") for f in tree.files):
        tree.page_root = root
    structure = clean.get("structure") if isinstance(clean.get("structure"), dict) else {}
    summary = str((structure or {}).get("summary") or "SUMMARY.md")
    tree.config["summary"] = str(PurePosixPath(tree.page_root) / summary) if tree.page_root else summary


def _plain(tree: SourceTree) -> None:
    return None


def _repo_meta(rel: str) -> bool:
    name = PurePosixPath(rel).stem.upper()
    return name in REPO_META_NAMES


REPO_META_NAMES = frozenset({"README", "LICENSE", "LICENCE", "CONTRIBUTING", "CODE_OF_CONDUCT", "SECURITY",
                             "CHANGELOG", "SOURCE", "AUTHORS", "NOTICE", "SUPPORT", "GOVERNANCE"})


def _read_yaml(path: Path, tree: SourceTree) -> dict[str, Any]:
    from kmgen.ingest.frontmatter import ForeignFrontMatterError, safe_yaml

    try:
        value = safe_yaml(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ForeignFrontMatterError) as exc:
        tree.warnings.append(f"{path.name}: not read ({exc})")
        return {}
    return value if isinstance(value, dict) else {}
