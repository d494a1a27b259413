"""The search API's engine: the Whoosh index kept open, refreshed when `kmgen index` swaps in a new one.

Requests come from anyone who can reach the server, so every parameter is
bounded here and a bad one is a `RequestError` (a 400 with the message), never a
traceback. Searching itself is `kmgen.search`; this module adds paging, each
hit's address and facets (from the built site's browse.json), and suggestions.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kmgen import index_store, search
from kmgen.index import IndexFailure, open_index
from kmgen.publish.site import BROWSE_FILE, page_url
from kmgen.taxonomy import TAXONOMY_FILE, Taxonomy, load_taxonomy

MAX_PAGE_SIZE = 100
MAX_PAGE = 100  # page * size past this is paging through the whole hub: use catalog.json instead
MAX_FILTERS = 20
MAX_FILTER_CHARS = 200
MAX_SUGGEST_CHARS = 100
MAX_SUGGESTIONS = 20
RESULT_CACHE = 2048  # answers kept per process; a few MB at most (each is one page of hits and the counts)


class RequestError(ValueError):
    """A request the API will not run; the message says why (sent with a 400)."""


class Unavailable(RuntimeError):
    """No usable index (sent with a 503 and the reason)."""


@dataclass(frozen=True)
class _Signature:
    """What changes when `kmgen index` writes a new generation (the manifest is replaced)."""

    inode: int
    mtime_ns: int
    size: int


class ResultCache:
    """The last answers, least recently used dropped first. Keys carry the index's
    signature, so an answer from an older index is never found; every entry is
    dropped when the index or the site changes anyway, to free the memory."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[Hashable, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable) -> dict[str, Any] | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                self.misses += 1
                return None
            self.hits += 1
            self._items.move_to_end(key)
            return found

    def put(self, key: Hashable, value: dict[str, Any]) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class SearchService:
    """One open index shared by all requests, reopened when the manifest changes.

    `cache_size` answers are kept (0: none), keyed by the index's signature, the
    query with its spacing normalised, the filters as given, the page and its size."""

    def __init__(self, index_dir: Path, content_dir: Path, site_dir: Path, cache_size: int = RESULT_CACHE):
        self.index_dir = index_dir
        self.content_dir = content_dir
        self.site_dir = site_dir
        self.results = ResultCache(cache_size)
        self._lock = threading.Lock()
        self._ix: Any = None
        self._seen: _Signature | None = None
        self.taxonomy: Taxonomy | None = None
        self._browse: dict[str, Any] = {}
        self._titles: list[tuple[str, str]] = []  # (title, path)
        self.reload_site()

    # -- state --------------------------------------------------------------------
    def reload_site(self) -> None:
        """Re-read the taxonomy and the site's browse data (after a rebuild)."""
        taxonomy = None
        if (self.content_dir / TAXONOMY_FILE).is_file():
            taxonomy, _diags = load_taxonomy(self.content_dir)  # its problems are `kmgen check`'s to report
        browse: dict[str, Any] = {}
        try:
            data = json.loads((self.site_dir / BROWSE_FILE).read_text(encoding="utf-8"))
            browse = {r["path"]: r for r in data.get("resources", []) if isinstance(r, dict) and "path" in r}
        except (OSError, ValueError):
            pass  # no built site yet: hits still have their path and a computed address
        with self._lock:
            self.taxonomy = taxonomy
            self._browse = browse
            self._titles = sorted((str(r.get("title", "")), p) for p, r in browse.items())
        self.results.clear()

    def _signature(self) -> _Signature | None:
        try:
            st = (self.index_dir / index_store.MANIFEST).stat()
        except OSError:
            return None
        return _Signature(st.st_ino, st.st_mtime_ns, st.st_size)

    def index(self) -> Any:
        """The open index, reopened first if `kmgen index` has replaced it."""
        return self._current()[0]

    def _current(self) -> tuple[Any, _Signature | None]:
        """The open index and the signature it was opened at."""
        now = self._signature()
        with self._lock:
            if self._ix is None or now != self._seen:
                try:
                    ix = open_index(self.index_dir)
                except IndexFailure as exc:
                    raise Unavailable(str(exc)) from exc
                self._ix, self._seen = ix, now
                self.results.clear()
            return self._ix, self._seen

    def warm(self) -> None:
        """Open the index and make its facet bitsets now, so the first reader does not wait."""
        try:
            search.warm(self.index())
        except Unavailable:
            pass  # no index yet: searches answer 503 until `kmgen index` makes one

    # -- endpoints ----------------------------------------------------------------
    def search(self, params: Mapping[str, list[str]]) -> dict[str, Any]:
        text = _one(params, "q", "")
        page = _number(params, "page", 1, 1, MAX_PAGE)
        size = _number(params, "size", 10, 1, MAX_PAGE_SIZE)
        specs = params.get("facet", [])
        if len(specs) > MAX_FILTERS:
            raise RequestError(f"too many facet filters: {len(specs)}; the limit is {MAX_FILTERS}")
        for spec in specs:
            if len(spec) > MAX_FILTER_CHARS:
                raise RequestError(f"a facet filter is {len(spec):,} characters long; the limit is {MAX_FILTER_CHARS}")
        ix, signature = self._current()
        key = (signature, " ".join(text.split()), tuple(specs), page, size)
        cached = self.results.get(key)
        if cached is not None:
            return cached
        try:
            filters = [search.facet_filter(spec, self.taxonomy) for spec in specs]
            results = search.search(ix, text, filters, limit=page * size, counts=True, taxonomy=self.taxonomy)
        except search.QueryError as exc:
            raise RequestError(str(exc)) from None
        body = search.as_json(results)
        body["hits"] = [self._hit(h) for h in body["hits"][(page - 1) * size:]]
        body.update(page=page, size=size, filters=[{"facet": f.key, "value": f.value, "label": f.label}
                                                   for f in filters])
        self.results.put(key, body)
        return body

    def _hit(self, hit: dict[str, Any]) -> dict[str, Any]:
        known = self._browse.get(hit["path"], {})
        facets: dict[str, list[str]] = {}
        for token in known.get("tags", []):
            facet, _, concept = str(token).partition("/")
            facets.setdefault(facet, []).append(concept)
        url = known.get("url") or page_url(hit["path"], use_directory_urls=False)
        return {**hit, "url": url, "facets": facets}

    def suggest(self, params: Mapping[str, list[str]]) -> dict[str, Any]:
        prefix = _one(params, "q", "").strip()
        if len(prefix) > MAX_SUGGEST_CHARS:
            raise RequestError(f"the prefix is {len(prefix):,} characters long; the limit is {MAX_SUGGEST_CHARS}")
        limit = _number(params, "limit", 8, 1, MAX_SUGGESTIONS)
        if not prefix:
            return {"query": prefix, "suggestions": []}
        folded = prefix.casefold()
        out: list[dict[str, str]] = []
        seen: set[str] = set()
        for title, path in self._titles:
            if _starts(title, folded) and title not in seen:
                seen.add(title)
                out.append({"text": title, "kind": "title", "path": path,
                            "url": self._browse[path].get("url", "")})
        if self.taxonomy is not None:
            for concept in self.taxonomy.concepts.values():
                names = (concept.label, *concept.alt_labels)
                hit = next((n for n in names if _starts(n, folded)), None)
                if hit is not None and hit not in seen:
                    seen.add(hit)
                    out.append({"text": hit, "kind": "concept", "facet": concept.facet, "concept": concept.id,
                                "label": concept.label})
        out.sort(key=lambda s: (not s["text"].casefold().startswith(folded), s["kind"] != "concept", s["text"]))
        return {"query": prefix, "suggestions": out[:limit]}

    def health(self) -> dict[str, Any]:
        try:
            pages = self.index().doc_count()
        except Unavailable as exc:
            return {"status": "unavailable", "reason": str(exc)}
        return {"status": "ok", "pages": pages, "taxonomy": self.taxonomy is not None,
                "site": (self.site_dir / "index.html").is_file(),
                "result_cache": {"size": self.results.size, "hits": self.results.hits,
                                 "misses": self.results.misses}}


def _starts(text: str, folded_prefix: str) -> bool:
    """The text, or one of its words, starts with the prefix."""
    low = text.casefold()
    return low.startswith(folded_prefix) or any(w.startswith(folded_prefix) for w in low.split())


def _one(params: Mapping[str, list[str]], name: str, default: str) -> str:
    values = params.get(name, [])
    if len(values) > 1:
        raise RequestError(f"'{name}' was given {len(values)} times; give it once")
    return values[0] if values else default


def _number(params: Mapping[str, list[str]], name: str, default: int, low: int, high: int) -> int:
    raw = _one(params, name, "")
    if raw == "":
        return default
    if not raw.isdigit() or len(raw) > 6:
        raise RequestError(f"'{name}' must be a whole number from {low} to {high}, got {raw[:20]!r}")
    value = int(raw)
    if not low <= value <= high:
        raise RequestError(f"'{name}' must be from {low} to {high}, got {value}")
    return value
