"""Checks on a built site before it replaces the published one.

MkDocs validates the links written in Markdown; this also covers what the
templates wrote (chips, listings, lineage, navigation), the page count, the
machine-readable files, and that nothing is loaded from outside the site
(the site must work offline).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

REQUIRED_FILES = ("sitemap.xml", "search/search_index.json", "search/search_index.js")
IGNORED_PAGES = frozenset({"404.html"})  # served at any address; its links are the theme's


@dataclass
class _Page:
    ids: set[str] = field(default_factory=set)
    links: list[tuple[str, str, str]] = field(default_factory=list)  # (tag, attribute, value)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = _Page()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if "id" in values:
            self.page.ids.add(values["id"])
        if tag == "a" and "name" in values:
            self.page.ids.add(values["name"])
        for attr in ("href", "src"):
            if attr in values and not (tag == "link" and values.get("rel") in ("canonical", "alternate")):
                self.page.links.append((tag, attr, values[attr]))


def _parse(path: Path) -> _Page:
    collector = _Collector()
    collector.feed(path.read_text(encoding="utf-8", errors="replace"))
    collector.close()
    return collector.page


def verify(site_dir: Path, content_pages: Iterable[str], generated_pages: Iterable[str],
           outputs: Iterable[str] = ()) -> list[str]:
    """Problems found in `site_dir` (empty: fit to publish). Page arguments are
    the site-relative addresses each accepted source and generated page must have."""
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
    pages = {rel: _parse(site_dir / rel) for rel in sorted(built)}
    for rel, page in pages.items():
        if rel not in IGNORED_PAGES:
            problems.extend(_links(site_dir, rel, page, pages))
    return problems


def _file_of(url: str) -> str:
    path = unquote(url)
    return path + "index.html" if path == "" or path.endswith("/") else path


def _links(site_dir: Path, rel: str, page: _Page, pages: dict[str, _Page]) -> list[str]:
    problems = []
    for tag, attr, value in page.links:
        parts = urlsplit(value)
        if parts.scheme or parts.netloc:
            # Scripts and styles only: an outside image degrades offline, a script breaks the page.
            if tag in ("script", "link") and parts.scheme in ("http", "https", ""):
                problems.append(f"{rel}: <{tag} {attr}> loads {value} from outside the site (breaks offline use)")
            continue
        if value.startswith("/"):
            problems.append(f"{rel}: absolute link {value} (breaks file:// and subfolder hosting)")
            continue
        target = posixpath.normpath(posixpath.join(posixpath.dirname(rel), unquote(parts.path))) if parts.path else rel
        if target.startswith("../") or target == "..":
            problems.append(f"{rel}: link {value} leaves the site")
            continue
        if parts.path.endswith("/") or (site_dir / target).is_dir():
            target = posixpath.join(target, "index.html")
        if not (site_dir / target).is_file():
            problems.append(f"{rel}: link {value} points to a missing file")
        elif parts.fragment and "=" not in parts.fragment and target in pages \
                and unquote(parts.fragment) not in pages[target].ids:
            # a fragment with "=" is a page's state (a browse selection), not an element id
            problems.append(f"{rel}: link {value}: no anchor '#{unquote(parts.fragment)}' in {target}")
    return problems
