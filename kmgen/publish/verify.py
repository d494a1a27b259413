"""Checks on a built site before it replaces the published one.

MkDocs validates the links written in Markdown; this also covers what the
templates wrote (chips, listings, lineage, navigation), the page count, the
machine-readable files, that nothing runs but the theme's own script and that
nothing is loaded from outside the site (`site_safety`). Pages are read with
an HTML5 parser, so the checks see what a browser sees.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element

from kmgen.publish import notfound, site_safety, verify_cache
from kmgen.publish.verify_cache import AuditCache

REQUIRED_FILES = ("sitemap.xml", "search/search_index.json", "search/search_index.js")
IGNORED_PAGES = frozenset({"404.html"})  # served at any address; its links are the theme's
SEARCH_INDEX = "search/search_index.json"


@dataclass
class _Page:
    ids: set[str] = field(default_factory=set)
    links: list[str] = field(default_factory=list)  # addresses linked to, each once, in order


def _collect(root: Element) -> _Page:
    page = _Page()
    links: dict[str, None] = {}
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        tag = site_safety.local_name(el.tag)
        values = {site_safety.local_name(k): v for k, v in el.attrib.items()}
        if "id" in values:
            page.ids.add(values["id"])
        if tag == "a" and "name" in values:
            page.ids.add(values["name"])
        for attr in ("href", "src"):
            if attr in values and not (tag == "link" and values.get("rel") in ("canonical", "alternate")):
                links[values[attr]] = None
    page.links = list(links)
    return page


def verify(site_dir: Path, content_pages: Iterable[str], generated_pages: Iterable[str],
           outputs: Iterable[str] = (), theme_dirs: Iterable[str] = (),
           cache_file: Path | None = None) -> list[str]:
    """Problems found in `site_dir` (empty: fit to publish). Page arguments are
    the site-relative addresses each accepted source and generated page must have;
    `theme_dirs` the template folders whose inline scripts are the theme's own;
    `cache_file` remembers pages that passed (`verify_cache`), None to parse all."""
    problems: list[str] = []
    expected = {_file_of(u) for u in content_pages}
    generated = {_file_of(u) for u in generated_pages}
    built = {p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*.html")}
    for rel in sorted(expected - built):
        problems.append(f"{rel}: missing (every accepted page must be built)")
    for rel in sorted(generated - built):
        problems.append(f"{rel}: missing generated page")
    for rel in sorted(built - expected - generated - IGNORED_PAGES):
        problems.append(f"{rel}: built, but no accepted source or generated page has this address")
    found = len(expected & built)
    if found != len(expected):
        problems.append(f"site has {found} of {len(expected)} accepted pages")
    for name in (*REQUIRED_FILES, *outputs):
        if not (site_dir / name).is_file():
            problems.append(f"{name}: missing")
    theme = site_safety.theme_scripts(tuple(theme_dirs))
    cache = AuditCache(cache_file, verify_cache.fingerprint(site_dir, theme) if cache_file else None)
    pages = _audit_pages(site_dir, sorted(built), theme, cache, problems)
    files = _SiteFiles(site_dir)
    for rel, page in pages.items():
        if rel not in IGNORED_PAGES:
            problems.extend(_links(files, rel, page, pages))
    problems.extend(_search_index(site_dir, cache))
    if not problems:
        cache.save()
    return problems


def _audit_pages(site_dir: Path, built: list[str], theme: tuple[re.Pattern[str], ...],
                 cache: AuditCache, problems: list[str]) -> dict[str, _Page]:
    """Every built page parsed and audited (problems appended to `problems`), or
    taken from the cache when its bytes passed before; returns each page's ids and links."""
    pages: dict[str, _Page] = {}
    for rel in built:
        data = (site_dir / rel).read_bytes()
        key = verify_cache.page_key(rel, data)
        known = cache.get(key)
        if known is not None:
            pages[rel] = _Page(*known)
            continue
        root = site_safety.parse(data.decode("utf-8", errors="replace"))
        allowed = theme + notfound.script_patterns() if rel == notfound.NOT_FOUND else theme
        found = site_safety.audit_tree(site_dir, rel, root, allowed, allow_base=rel == notfound.NOT_FOUND)
        problems.extend(found)
        pages[rel] = _collect(root)
        if not found:
            cache.put(key, pages[rel].ids, pages[rel].links)
    return pages


def _search_index(site_dir: Path, cache: AuditCache) -> list[str]:
    path = site_dir / SEARCH_INDEX
    if not path.is_file():
        return []
    raw = path.read_bytes()
    key = verify_cache.page_key(SEARCH_INDEX, raw)
    if cache.get(key) is not None:
        return []
    try:
        data = json.loads(raw.decode("utf-8"))
    except ValueError as exc:
        return [f"{SEARCH_INDEX}: not valid JSON ({exc})"]
    problems = site_safety.audit_search_index(data)
    if not problems:
        cache.put(key, set(), [])
    return problems


def _file_of(url: str) -> str:
    path = unquote(url)
    return path + "index.html" if path == "" or path.endswith("/") else path


class _SiteFiles:
    """What is a file or a folder in the built site, each path asked about once
    (the same navigation and chip links recur on every page)."""

    def __init__(self, site_dir: Path) -> None:
        self.site_dir = site_dir
        self._files: dict[str, bool] = {}
        self._dirs: dict[str, bool] = {}

    def is_file(self, target: str) -> bool:
        known = self._files.get(target)
        if known is None:
            known = self._files[target] = (self.site_dir / target).is_file()
        return known

    def is_dir(self, target: str) -> bool:
        known = self._dirs.get(target)
        if known is None:
            known = self._dirs[target] = (self.site_dir / target).is_dir()
        return known


def _links(files: _SiteFiles, rel: str, page: _Page, pages: dict[str, _Page]) -> list[str]:
    problems = []
    folder = posixpath.dirname(rel)
    for value in page.links:
        try:
            parts = urlsplit(value)
        except ValueError:
            problems.append(f"{rel}: link {value[:120]} is not a valid address")
            continue
        if parts.scheme or parts.netloc:
            continue  # what loads from outside is site_safety's to report
        if value.startswith("/"):
            problems.append(f"{rel}: absolute link {value} (breaks file:// and subfolder hosting)")
            continue
        target = posixpath.normpath(posixpath.join(folder, unquote(parts.path))) if parts.path else rel
        if target.startswith("../") or target == "..":
            problems.append(f"{rel}: link {value} leaves the site")
            continue
        if parts.path.endswith("/") or files.is_dir(target):
            target = posixpath.join(target, "index.html")
        if not files.is_file(target):
            problems.append(f"{rel}: link {value} points to a missing file")
        elif parts.fragment and "=" not in parts.fragment and target in pages \
                and unquote(parts.fragment) not in pages[target].ids:
            # a fragment with "=" is a page's state (a browse selection), not an element id
            problems.append(f"{rel}: link {value}: no anchor '#{unquote(parts.fragment)}' in {target}")
    return problems
