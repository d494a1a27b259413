"""Transfer size of the home page and of a typical resource page of a built site.

Sums the HTML and every stylesheet, script, font and icon the page references
(fonts found through the stylesheets' url(...)), raw and gzip-compressed as a
web server would send them. The search worker and index, which the theme loads
in the background once per visit, are shown on their own line.

Usage: .venv/bin/python bench/page_weight.py [SITE_DIR]      (default: site)
"""

from __future__ import annotations

import gzip
import json
import posixpath
import re
import statistics
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

FONT_SUFFIXES = (".woff2", ".woff", ".ttf", ".otf", ".eot")
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "script" and a.get("src"):
            self.refs.append(a["src"])
        elif tag == "link" and a.get("rel") in ("stylesheet", "icon") and a.get("href"):
            self.refs.append(a["href"])


def local(base: Path, ref: str, site: Path) -> Path | None:
    parts = urlsplit(ref)
    if parts.scheme or parts.netloc:
        return None
    path = (base.parent / unquote(parts.path)).resolve()
    return path if path.is_file() and path.is_relative_to(site.resolve()) else None


def page_files(page: Path, site: Path) -> dict[str, list[Path]]:
    parser = _Refs()
    parser.feed(page.read_text(encoding="utf-8"))
    groups: dict[str, list[Path]] = {"html": [page], "css": [], "js": [], "fonts": [], "other": []}
    for ref in parser.refs:
        path = local(page, ref, site)
        if path is None:
            continue
        kind = {".css": "css", ".js": "js"}.get(path.suffix, "other")
        groups[kind].append(path)
        if kind == "css":
            for url in CSS_URL.findall(path.read_text(encoding="utf-8", errors="replace")):
                font = local(path, url, site)
                if font is not None and font.suffix in FONT_SUFFIXES and font not in groups["fonts"]:
                    groups["fonts"].append(font)
    return groups


def sizes(paths: list[Path]) -> tuple[int, int]:
    raw = sum(p.stat().st_size for p in paths)
    packed = sum(len(gzip.compress(p.read_bytes(), 6)) for p in paths)
    return raw, packed


def typical_resource(site: Path) -> Path | None:
    """The resource page of median size, from the site's catalog."""
    catalog = site / "catalog.json"
    if not catalog.is_file():
        return None
    pages = []
    for entry in json.loads(catalog.read_text(encoding="utf-8"))["resources"]:
        rel = posixpath.splitext(entry["path"])[0] + ".html"
        if (site / rel).is_file():
            pages.append(site / rel)
    if not pages:
        return None
    median = statistics.median_low(p.stat().st_size for p in pages)
    return next(p for p in pages if p.stat().st_size == median)


def kib(n: int) -> str:
    return f"{n / 1024:7.1f}"


def report(site: Path) -> None:
    rows = [("home", site / "index.html")]
    resource = typical_resource(site)
    if resource is not None:
        rows.append((f"resource ({resource.relative_to(site).as_posix()})", resource))
    print(f"{'page':48} {'html':>7} {'css':>7} {'js':>7} {'fonts':>7} {'other':>7} {'total':>7} {'gzip':>7}  (KiB)")
    for label, page in rows:
        groups = page_files(page, site)
        parts = [sizes(groups[k])[0] for k in ("html", "css", "js", "fonts", "other")]
        everything = [p for paths in groups.values() for p in paths]
        raw, packed = sizes(everything)
        print(f"{label:48} " + " ".join(kib(n) for n in parts) + f" {kib(raw)} {kib(packed)}")
    search = sorted((site / "assets/javascripts/workers").glob("search.*.js")) + [site / "search/search_index.json"]
    search = [p for p in search if p.is_file()]
    raw, packed = sizes(search)
    print(f"{'search worker + index (background, once a visit)':48} {'':>39} {kib(raw)} {kib(packed)}")


def main() -> None:
    site = Path(sys.argv[1] if len(sys.argv) > 1 else "site")
    if not (site / "index.html").is_file():
        raise SystemExit(f"{site}/index.html not found: run `kmgen build` first")
    report(site)


if __name__ == "__main__":
    main()
