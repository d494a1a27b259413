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
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element

from kmgen.publish import notfound, site_safety

REQUIRED_FILES = ("sitemap.xml", "search/search_index.json", "search/search_index.js")
IGNORED_PAGES = frozenset({"404.html"})  # served at any address; its links are the theme's
SEARCH_INDEX = "search/search_index.json"


@dataclass
class _Page:
    ids: set[str] = field(default_factory=set)
    links: list[tuple[str, str, str]] = field(default_factory=list)  # (tag, attribute, value)


def _collect(root: Element) -> _Page:
    page = _Page()
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
                page.links.append((tag, attr, values[attr]))
    return page


def verify(site_dir: Path, content_pages: Iterable[str], generated_pages: Iterable[str],
           outputs: Iterable[str] = (), theme_dirs: Iterable[str] = ()) -> list[str]:
    """Problems found in `site_dir` (empty: fit to publish). Page arguments are
    the site-relative addresses each accepted source and generated page must have;
    `theme_dirs` the template folders whose inline scripts are the theme's own."""
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
    pages: dict[str, _Page] = {}
    for rel in sorted(built):
        root = site_safety.parse((site_dir / rel).read_text(encoding="utf-8", errors="replace"))
        if rel == notfound.NOT_FOUND:
            problems.extend(site_safety.audit_tree(site_dir, rel, root, theme + notfound.script_patterns(),
                                                   allow_base=True))
        else:
            problems.extend(site_safety.audit_tree(site_dir, rel, root, theme))
        pages[rel] = _collect(root)
    for rel, page in pages.items():
        if rel not in IGNORED_PAGES:
            problems.extend(_links(site_dir, rel, page, pages))
    problems.extend(_search_index(site_dir))
    return problems


def _search_index(site_dir: Path) -> list[str]:
    path = site_dir / SEARCH_INDEX
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        return [f"{SEARCH_INDEX}: not valid JSON ({exc})"]
    return site_safety.audit_search_index(data)


def _file_of(url: str) -> str:
    path = unquote(url)
    return path + "index.html" if path == "" or path.endswith("/") else path


def _links(site_dir: Path, rel: str, page: _Page, pages: dict[str, _Page]) -> list[str]:
    problems = []
    for _tag, _attr, value in page.links:
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
