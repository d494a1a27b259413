"""A Jekyll site's navigation data (`_data/navigation.yml` and the like): the order of its pages.

Themes shape these files differently (`text/href/children`, `title/url/links`,
`entries/folders/folderitems`, plain lists of addresses), so they are walked
without a schema: every address found, depth first and in the order written,
is a position. Addresses are matched to pages by their old URL (permalink
included), after the site's root (`--site-root`, `baseurl`) and Liquid
wrappers (`{{ site.baseurl }}`, `| relative_url`) are taken off. Only data
files named for navigation are read: a footer's links are not the site's order.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from kmgen.ingest.frontmatter import ForeignFrontMatterError, safe_yaml
from kmgen.ingest.links import SiteMap, site_key

NAV_DATA_RULE = "navigation data (used for the collection's order)"
_NAV_NAME = re.compile(r"nav|menu|sidebar|toc|contents|chapters", re.I)
_SUFFIXES = (".yml", ".yaml", ".json")
# Keys themes use for an entry's address, most specific first.
_ADDRESS_KEYS = ("href", "url", "link", "path", "permalink", "page", "file")
_LIQUID_ROOT = re.compile(r"\{\{-?\s*(?:site\.(?:baseurl|url)|base\.url)\s*-?\}\}")
_LIQUID_FILTER = re.compile(
    r"^\{\{-?\s*['\"]([^'\"]*)['\"]\s*\|\s*(?:relative_url|absolute_url|prepend:[^}]*)\s*-?\}\}$")
_MAX_DEPTH, _MAX_ENTRIES, _MAX_BYTES = 40, 20_000, 2 * 1024 * 1024


@dataclass(frozen=True)
class NavEntry:
    address: str
    data_file: str  # where it was written (for the report)


def data_files(files: list[str]) -> list[str]:
    """The navigation data files of a Jekyll (or Eleventy) tree, in path order
    (`_data/navigation.yml`, `_data/sidebars/docs.yml`, `src/_data/menu.json` ...)."""
    return [f for f in files if f.endswith(_SUFFIXES) and _NAV_NAME.search(f.partition("_data/")[2])
            and (f.startswith("_data/") or "/_data/" in f)]


def read_entries(root: Path, nav_files: list[str], warnings: list[str]) -> list[NavEntry]:
    """Every address in the navigation data, in reading order; an unreadable file is a warning."""
    out: list[NavEntry] = []
    for rel in nav_files:
        data = _load(root / rel, rel, warnings)
        out.extend(NavEntry(address, rel) for address in _addresses(data, 0))
        if len(out) > _MAX_ENTRIES:
            warnings.append(f"{rel}: more than {_MAX_ENTRIES:,} navigation entries; the rest not read")
            return out[:_MAX_ENTRIES]
    return out


def _load(path: Path, rel: str, warnings: list[str]) -> Any:
    try:
        if path.stat().st_size > _MAX_BYTES:
            warnings.append(f"{rel}: navigation data larger than {_MAX_BYTES:,} bytes; not read")
            return None
        text = path.read_text("utf-8")
        return json.loads(text) if rel.endswith(".json") else safe_yaml(text)
    except (OSError, UnicodeDecodeError, ValueError, ForeignFrontMatterError, RecursionError) as exc:
        warnings.append(f"{rel}: navigation data not read ({exc}); pages keep their front-matter order")
        return None


def _addresses(value: Any, depth: int) -> Iterator[str]:
    if depth > _MAX_DEPTH:
        return
    if isinstance(value, dict):
        key = next((k for k in _ADDRESS_KEYS if isinstance(value.get(k), str) and value[k].strip()), None)
        if key is not None:
            yield value[key].strip()
        for child_key, child in value.items():
            if child_key != key and isinstance(child, (dict, list)):
                yield from _addresses(child, depth + 1)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, str) and item.strip():
                yield item.strip()  # a plain list of addresses or page names
            else:
                yield from _addresses(item, depth + 1)


def positions(entries: list[NavEntry], site: SiteMap, baseurl: str) -> dict[str, tuple[int, str]]:
    """Source rel -> (position among the pages the navigation names, data file). The first mention
    of a page counts; entries that lead to no ingested page take no position."""
    out: dict[str, tuple[int, str]] = {}
    for entry in entries:
        rel = page_for(entry.address, site, baseurl)
        if rel is not None and rel in site.dest and rel not in out:
            out[rel] = (len(out) + 1, entry.data_file)
    return out


def page_for(address: str, site: SiteMap, baseurl: str) -> str | None:
    """The source page an address in the navigation data leads to, or None."""
    address = _unwrap(address)
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//", address):
        if not site.site_host or not address.startswith(site.site_host):
            return None
        address = address[len(site.site_host):] or "/"
    path = address.split("#", 1)[0].split("?", 1)[0]
    if not path:
        return None
    as_file = posixpath.normpath(path.lstrip("/"))
    if PurePosixPath(as_file).suffix.lower() in (".md", ".markdown") and as_file in site.files:
        return as_file
    path = path if path.startswith("/") else "/" + path
    for root in (site.site_root, "/" + baseurl.strip("/") if baseurl.strip("/") else ""):
        if root and (path == root or path.startswith(root + "/")):
            path = path[len(root):] or "/"
            break
    found = site.pages_by_url.get(site_key(path))
    if found is None and "/" not in address.strip("/"):  # a bare page name (`docs: [home, install]`)
        found = site.pages_by_name.get(address.strip("/").removesuffix(".md").casefold())
    return found


def _unwrap(address: str) -> str:
    """`{{ site.baseurl }}/x/` -> `/x/`; `{{ '/x/' | relative_url }}` -> `/x/`."""
    m = _LIQUID_FILTER.match(address)
    if m:
        return m.group(1)
    return _LIQUID_ROOT.sub("", address).strip()
