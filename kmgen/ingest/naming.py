"""Where each source file lands in the collection, and the addresses the source site gave it.

Folder pages (`index.md`, Hugo's `_index.md`, GitBook's `README.md`) become the
folder's `index.md`; names keep their letters (accents included) and lose what
breaks a web address; names that would publish to one address get stable
`-2`, `-3` suffixes, decided by sorted source path so a second run agrees.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Any

from kmgen.sources import url_key

INDEX_NAMES = frozenset({"index", "_index", "readme"})
PAGE_SUFFIXES = (".md", ".markdown")
_UNSAFE_CHARS = re.compile(r"[^\w.\-]+")


def slug(segment: str) -> str:
    text = unicodedata.normalize("NFC", segment)
    text = _UNSAFE_CHARS.sub("-", text)
    text = re.sub(r"-{2,}", "-", text).strip("-.")
    return text or "page"


def collection_rel(page_rel: str, fmt: str, jekyll_collections: Iterable[str] = ()) -> str:
    """The path inside the collection, before names are made unique."""
    parts = list(PurePosixPath(page_rel).parts)
    if fmt == "jekyll" and parts and parts[0].startswith("_"):
        name = parts[0][1:]
        parts = parts[1:] if name == "pages" else [name, *parts[1:]]
    if not parts:
        return "index.md"
    stem, suffix = _split(parts[-1])
    if suffix in PAGE_SUFFIXES:
        last = "index.md" if stem.lower() in INDEX_NAMES else slug(stem) + ".md"
    else:
        last = slug(stem) + suffix.lower()
    return "/".join([*(slug(p) for p in parts[:-1]), last])


def _split(name: str) -> tuple[str, str]:
    path = PurePosixPath(name)
    return path.stem, path.suffix.lower()


def unique(wanted: dict[str, str]) -> dict[str, str]:
    """source rel -> dest rel with no two destinations on one address."""
    taken: dict[str, str] = {}
    out: dict[str, str] = {}
    for source in sorted(wanted, key=lambda s: (wanted[s].count("/"), wanted[s], s)):
        dest = first = wanted[source]
        stem, _dot, suffix = first.rpartition(".")
        n = 2
        while url_key(dest) in taken:
            dest = f"{stem}-{n}.{suffix}"
            n += 1
        taken[url_key(dest)] = source
        out[source] = dest
    return out


def site_urls(page_rel: str, fmt: str, fields: dict[str, Any], languages: Iterable[str]) -> list[str]:
    """Every address the source site served this page at (first: the one its relative links are relative to)."""
    parts = list(PurePosixPath(page_rel).with_suffix("").parts)
    if fmt == "jekyll" and parts and parts[0].startswith("_"):
        parts = parts[1:] if parts[0] == "_pages" else [parts[0][1:], *parts[1:]]
    if parts and parts[-1].lower() in INDEX_NAMES:
        parts = parts[:-1]
    urls = ["/" + "/".join(parts) + ("/" if parts else "")]
    if fmt == "hugo" and parts and parts[0] in set(languages):
        urls.append("/" + "/".join(parts[1:]) + ("/" if parts[1:] else ""))
    for key in ("permalink", "url", "URL"):
        value = fields.get(key)
        if isinstance(value, str) and value.strip() and "{" not in value:
            urls.insert(0, value.strip() if value.startswith("/") else "/" + value.strip())
    slug_value = fields.get("slug")
    if fmt == "hugo" and isinstance(slug_value, str) and slug_value.strip() and parts:
        urls.append("/" + "/".join([*parts[:-1], slug_value.strip()]) + "/")
    return urls


def language_of(page_rel: str, fmt: str, languages: Iterable[str]) -> str | None:
    """Hugo's content/<lang>/ folders say the language of everything under them."""
    first = PurePosixPath(page_rel).parts[0] if "/" in page_rel else ""
    known = set(languages)
    if fmt == "hugo" and first and (first in known or (not known and re.fullmatch(r"[a-z]{2}", first))):
        return first
    return None
