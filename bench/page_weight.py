"""Transfer size of the home page, a typical resource page and the Find page of a
built site, and what the Find page's first search downloads.

Sums the HTML and every stylesheet, script, font and icon the page references
(fonts found through the stylesheets' url(...)), raw and gzip-compressed as a
web server would send them. Nothing of the search index is downloaded by a page
view: the Find page loads the search library, the concept names and the first
part of its static index when the reader starts a search (the rest follows while
the first results show). Material's own index is still written to the site but no
page asks for it (the header box leads to Find).

With --pages 1000,10000 it also writes synthetic hubs of those sizes (those of
bench/index_bench.py) and prints the static index's size for each, with the time
the first search's downloads take at 1.6 Mbit/s and 150 ms a request.

With --time it also times a first search in headless Chromium on those hubs: over
HTTP from a compressing static server with Chromium's network emulation at
1.6 Mbit/s and 150 ms latency, and from file://.

Usage: .venv/bin/python bench/page_weight.py [SITE_DIR] [--pages 1000,10000] [--time]   (default: site)
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import io
import json
import posixpath
import re
import shutil
import statistics
import sys
import tempfile
import threading
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import index_bench  # noqa: E402  (the synthetic hubs of the index benchmark)

from kmgen.hub import load_hub  # noqa: E402
from kmgen.publish import find_index  # noqa: E402
from kmgen.publish.site import Settings, Site  # noqa: E402

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
    rows = [("home", site / "index.html"), ("Find (browse.html)", site / "browse.html")]
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
    find = site / find_index.FIND_DIR
    shards = sorted(find.glob("index-*.js"), key=lambda p: int(p.stem.split("-")[1]))
    first = [site / find_index.ENGINE_SCRIPT, site / find_index.CONCEPTS_SCRIPT, site / find_index.API_SCRIPT,
             *shards[:1]]
    for label, paths in (("Find: first search (library, concepts, first part)", first),
                         (f"Find: whole static index ({len(shards)} parts)", shards),
                         ("Material's index (written, never downloaded)", [site / "search/search_index.json"])):
        raw, packed = sizes([p for p in paths if p.is_file()])
        print(f"{label:48} {'':>39} {kib(raw)} {kib(packed)}")


BANDWIDTH = 1.6e6 / 8  # bytes a second: Chromium's "slow 4G"-like emulation the issue names
LATENCY = 0.150


def synthetic(pages: int, timed: bool) -> None:
    """The static index of a generated hub of `pages` pages (no site build needed)."""
    with tempfile.TemporaryDirectory() as tmp:
        vocab = index_bench.write_hub(Path(tmp) / "content", pages)
        hub = load_hub(Path(tmp) / "content")
        site = Site(hub, Settings())
        files = find_index.files(site)
        manifest = find_index.manifest(site)
    shards = [data for name, data in files.items() if name.startswith(f"{find_index.FIND_DIR}/index-")]
    engine = (Path(__file__).resolve().parent.parent / "kmgen" / "theme" / find_index.ENGINE_SCRIPT).read_bytes()
    first = [engine, files[find_index.CONCEPTS_SCRIPT], files[find_index.API_SCRIPT], shards[0]]
    whole = sum(len(gzip.compress(d, 6)) for d in shards)
    first_gz = [len(gzip.compress(d, 6)) for d in first]
    seconds = sum(n / BANDWIDTH + LATENCY for n in first_gz)  # the page loads them one after another
    print(f"{pages:>6} pages: static index {sum(len(d) for d in shards) / 1024:8.1f} KiB raw, {whole / 1024:7.1f} KiB"
          f" gzip in {len(shards)} parts; first search downloads {sum(first_gz) / 1024:6.1f} KiB gzip"
          f" (~{seconds:.1f} s at 1.6 Mbit/s, 150 ms a request), the rest {(whole - first_gz[-1]) / 1024:.1f} KiB"
          " while results show")
    if timed:
        word = vocab[40]  # a common word of the synthetic hubs' Zipf vocabulary
        http_s, file_s = first_results(files, manifest, word)
        print(f"{pages:>6} pages: first results for {word!r} in headless Chromium: {http_s:.2f} s over HTTP "
              f"(gzip, throttled to 1.6 Mbit/s and 150 ms), {file_s:.2f} s from file://")


HARNESS = """<!doctype html><meta charset="utf-8"><title>Find timing</title>
<script src="kmgen-find.js"></script>
<script>
window.startSearch = function (manifest, word) {
  var t0 = performance.now();
  window.kmgenFindEngine.configure(manifest, ".");
  window.kmgenFindEngine.search(word, function (result) {
    if (window.firstResults === undefined && Object.keys(result.rank).length) {
      window.firstResults = (performance.now() - t0) / 1000;
    }
  });
};
</script>
"""


def first_results(files: dict[str, bytes], manifest: dict[str, object], word: str) -> tuple[float, float]:
    """Seconds from the start of a search to its first results, over throttled HTTP and from file://."""
    from playwright.sync_api import sync_playwright

    repo = Path(__file__).resolve().parent.parent / "kmgen" / "theme"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name, data in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(data)
        (root / find_index.ENGINE_SCRIPT).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(repo / find_index.ENGINE_SCRIPT, root / find_index.ENGINE_SCRIPT)
        shutil.copy(repo / "assets/javascripts/kmgen-find.js", root / "kmgen-find.js")
        (root / "t.html").write_text(HARNESS, encoding="utf-8")
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Gzipped, directory=tmp))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=[
                    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"])
                over_http = _time(browser, f"http://127.0.0.1:{server.server_address[1]}/t.html", manifest, word,
                                  throttle=True)
                from_file = _time(browser, (root / "t.html").as_uri(), manifest, word, throttle=False)
                browser.close()
        finally:
            server.shutdown()
    return over_http, from_file


def _time(browser: Any, url: str, manifest: dict[str, object], word: str, throttle: bool) -> float:
    context = browser.new_context()
    tab = context.new_page()
    tab.goto(url)
    if throttle:
        cdp = context.new_cdp_session(tab)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": LATENCY * 1000,
                                                      "downloadThroughput": BANDWIDTH, "uploadThroughput": BANDWIDTH})
    tab.evaluate("([m, w]) => window.startSearch(m, w)", [manifest, word])
    tab.wait_for_function("window.firstResults !== undefined", timeout=120_000)
    seconds = float(tab.evaluate("window.firstResults"))
    context.close()
    return seconds


class _Gzipped(http.server.SimpleHTTPRequestHandler):
    """A static host that compresses, as most do."""

    def send_head(self):  # type: ignore[no-untyped-def]
        path = Path(self.translate_path(self.path))
        if not path.is_file() or "gzip" not in self.headers.get("Accept-Encoding", ""):
            return super().send_head()
        data = gzip.compress(path.read_bytes(), 6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        return io.BytesIO(data)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002  (the base class's name)
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", nargs="?", default="site", type=Path)
    parser.add_argument("--pages", default="", help="comma-separated synthetic hub sizes, e.g. 1000,10000")
    parser.add_argument("--time", action="store_true",
                        help="also time a first search in headless Chromium (throttled HTTP, and file://)")
    args = parser.parse_args()
    if (args.site / "index.html").is_file():
        report(args.site)
    elif not args.pages:
        raise SystemExit(f"{args.site}/index.html not found: run `kmgen build` first")
    for n in (int(x) for x in args.pages.split(",") if x):
        synthetic(n, args.time)


if __name__ == "__main__":
    main()
