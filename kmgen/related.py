"""Related pages: for every resource, the few pages most worth reading next.

Computed from the index by `kmgen index` and written to <index_dir>/related.json
(plain JSON, so the site build reads it without opening Whoosh). The site
publisher imports `load` and `RelatedItem`; keep both names and fields stable.

How two pages are scored (0..1):

    score = 0.6 * text + 0.4 * concepts

- text: cosine similarity of the pages' key terms. A page's key terms are the
  KEY_TERMS body terms with the highest tf-idf weight, from the words the
  indexing run analysed (kept between runs by kmgen.related_cache; term vectors
  are read only for pages neither holds) with document frequencies over the
  live pages as of the last full pass (kmgen.related_model); words
  only one page uses cannot relate it to another and words in a quarter of the
  hub say nothing, so both are left out.
- concepts: shared taxonomy concepts, ancestors included, as a Jaccard index in
  which each concept weighs its inverse document frequency: sharing 'identity'
  (a few pages) says more than sharing 'africa' (half the hub). The resource
  type is left out: being two case studies is a form, not a topic.

Text gets the larger share because it sees what a page is about even when
it is tagged sparsely; concepts keep the list on-topic (text alone drifts to
pages that merely share vocabulary) and give the reader a reason in words
they know. Pairs below MIN_SCORE are not listed unless a shared concept backs
them (MIN_SCORE_WITH_CONCEPT): no related pages is better than unrelated ones.

Candidates come from inverted lists of key terms and of concepts (rarest
first), so the work grows with the hub's size, not with its square. Pages are
taken in path order, so a full pass over an updated index and a fresh build
give the same file; a run that changed few pages scores only the lists those
pages can reach (kmgen.related_model says how, and how far that can drift).
"""

from __future__ import annotations

import functools
import hashlib
import heapq
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from kmgen import index_store, related_cache, related_model
from kmgen.index import SCHEMA_VERSION, open_index, text_analyzer
from kmgen.related_cache import Entry, Snapshot, Terms
from kmgen.related_model import (  # noqa: F401  (re-exported: RelatedItem and the weights are public)
    COMMON_MIN,
    COMMON_SHARE,
    KEY_TERMS,
    MIN_SCORE,
    MIN_SCORE_WITH_CONCEPT,
    PER_PAGE,
    WEIGHT_CONCEPTS,
    WEIGHT_TEXT,
    RelatedItem,
    Vector,
    term_idf,
    top_terms,
)
from kmgen.taxonomy import Taxonomy
from kmgen.writes import write_atomic

RELATED_FILE = "related.json"
FORMAT = "kmgen-related"
MAX_FILE_BYTES = 256 * 1024 * 1024


def key_terms(reader: Any, docnums: Iterable[int], count: int = KEY_TERMS) -> dict[int, Vector]:
    """Each page's `count` key terms with tf-idf weights, from the body term vectors
    and the index's document frequencies (kmgen.duplicates; related pages take
    theirs from the cache, see kmgen.related_model)."""
    pages = max(1, reader.doc_count())
    common = max(COMMON_MIN, pages * COMMON_SHARE)
    idf: dict[str, float] = {}
    out: dict[int, Vector] = {}
    for docnum in docnums:
        terms: Terms = {}
        if reader.has_vector(docnum, "body"):
            for term, tf in reader.vector_as("weight", docnum, "body"):
                terms.setdefault(tf, []).append(term)
                if term not in idf:
                    idf[term] = term_idf(pages, reader.doc_frequency("body", term), common)
        out[docnum] = top_terms(terms, idf, count)
    return out


def tfidf_vectors(all_terms: list[Terms], wanted: Iterable[int], count: int = KEY_TERMS) -> dict[int, Vector]:
    """Key terms of the pages numbered `wanted`, with document frequencies counted
    over `all_terms` (every live page, hub pages included). Counted here rather
    than asked of Whoosh, whose doc_frequency still counts pages deleted or
    replaced until their segment is merged."""
    df: Counter[str] = Counter()
    for terms in all_terms:
        for words in terms.values():
            df.update(words)
    pages = max(1, len(all_terms))
    common = max(COMMON_MIN, pages * COMMON_SHARE)
    idf = {term: term_idf(pages, n, common) for term, n in df.items()}
    return {num: top_terms(all_terms[num], idf, count) for num in wanted}


def cosine_neighbours(vectors: dict[int, Vector], keep: int | None = None) -> dict[int, dict[int, float]]:
    """docnum -> {other docnum: cosine} for pages sharing a key term (the `keep` best).
    Equal scores keep the order of `vectors`, so callers wanting the same result
    every run pass them in a stable order."""
    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for docnum, vector in vectors.items():
        for term, weight in vector.items():
            postings[term].append((docnum, weight))
    out: dict[int, dict[int, float]] = {}
    for docnum, vector in vectors.items():
        scores: dict[int, float] = defaultdict(float)
        for term, weight in vector.items():
            for other, w in postings[term]:
                scores[other] += weight * w
        scores.pop(docnum, None)
        if keep is not None and len(scores) > keep:
            scores = dict(heapq.nlargest(keep, scores.items(), key=lambda kv: kv[1]))
        out[docnum] = dict(scores)
    return out


def compute(ix: Any, taxonomy: Taxonomy | None = None,
            progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None) -> dict[str, list[RelatedItem]]:
    """Related pages for every resource in an open index, from scratch (hub pages
    are neither given related pages nor offered as one)."""
    with ix.searcher() as searcher:
        entries = related_cache.sync(searcher, {})
        return from_entries(entries, taxonomy, progress, _body_reader(searcher))


def from_entries(entries: dict[str, Entry], taxonomy: Taxonomy | None = None,
                 progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
                 body_of: Callable[[str], str] | None = None) -> dict[str, list[RelatedItem]]:
    """Related pages from every live page's entry, all weighed afresh (a full pass:
    kmgen.related_model). Pages go in path order, never in docnum order (which
    updates reshuffle), so ties break the same way every run. `body_of` reads a
    page's text when a key term's surface word is not at hand."""
    return related_model.full_pass(entries, taxonomy, progress, body_of)[0]


class _OpenedOnDemand:
    """The index, opened only when a run needs something only it holds (a page not
    cached, or a body for a surface word): a run on captured entries never opens it."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._ix: Any = None
        self._searcher: Any = None

    def __enter__(self) -> _OpenedOnDemand:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._searcher is not None:
            self._searcher.close()
        if self._ix is not None:
            self._ix.close()

    def searcher(self) -> Any:
        if self._searcher is None:
            self._ix = open_index(self.index_dir)
            self._searcher = self._ix.searcher()
        return self._searcher

    def body_of(self, path: str) -> str:
        return _body_reader(self.searcher())(path)


def _body_reader(searcher: Any) -> Callable[[str], str]:
    def body_of(path: str) -> str:
        stored = searcher.document(path=path)
        return str(stored.get("body", "")) if stored else ""
    return body_of


@functools.cache
def _analyzer() -> Any:
    """One analyzer for every page of a run: its stemmer keeps a cache of the
    words it has stemmed, which a fresh analyzer per page would start empty."""
    return text_analyzer()


def _surface(body: str, stems: Iterable[str]) -> dict[str, str]:
    """Key terms are stems ('registr'); show the word the page uses most for each.
    The index's own analyzer splits and stems the text, so each word maps to the
    very term the index holds; its character offsets give the word as written."""
    wanted = set(stems)
    seen: Counter[tuple[str, str]] = Counter()
    for token in _analyzer()(body, chars=True):
        if token.text in wanted:
            seen[(token.text, body[token.startchar:token.endchar].lower())] += 1
    best: dict[str, tuple[int, str]] = {}
    for (key, word), n in seen.items():
        if n > best.get(key, (0, ""))[0]:
            best[key] = (n, word)
    return {s: best[s][1] if s in best else s for s in wanted}


# -- the file --------------------------------------------------------------------------
def refresh(hub: Any, index_dir: Path, progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
            fresh: bool = False, captured: Mapping[str, Entry] | None = None,
            live: Mapping[str, str] | None = None) -> int:
    """Recompute related pages and write related.json; returns how many pages have
    related pages. Pages the cache (kmgen.related_cache) holds at their current
    fingerprint are not read again; when few pages changed since the last full
    pass, only the lists they can reach are scored again (kmgen.related_model).
    `fresh` ignores the cache, as a full rebuild of the index should. `captured`
    holds the entries of pages the caller has just indexed (their words in hand);
    `live` is every indexed page's fingerprint (from the index manifest when not given)."""
    cached, snap = ({}, None) if fresh else related_cache.read_cache(index_dir, terms=False)
    if live is None:
        manifest, _reason = index_store.read_manifest(Path(index_dir), SCHEMA_VERSION)
        live = manifest.pages if manifest else {}
    entries, missing = related_cache.known(live, captured or {}, cached)
    changed = {p for p, e in (captured or {}).items()
               if p in live and (p not in cached or cached[p].fingerprint != e.fingerprint)}
    changed |= set(missing) | (set(cached) - set(live))
    with _OpenedOnDemand(index_dir) as index:
        if missing:
            entries.update(related_cache.read(index.searcher(), missing))
        kept = _kept_lists(index_dir, snap, changed, entries, cached, hub.taxonomy)
        if snap is not None and kept is not None:
            scored = related_model.update(entries, cached, changed, snap, hub.taxonomy, index.body_of)
            pages = {p: items for p, items in kept.items() if p in entries and p not in changed}
            pages.update({p: [_as_json(i) for i in items] for p, items in scored.items() if items})
            related_cache.save(index_dir, entries.values(), snap, all_terms=False)
        else:
            _with_terms(index_dir, entries, index)
            related, snap = related_model.full_pass(entries, hub.taxonomy, progress, index.body_of)
            pages = {p: [_as_json(i) for i in items] for p, items in related.items()}
            related_cache.save(index_dir, entries.values(), snap, all_terms=True)
    _write_pages(index_dir, pages)
    return len(pages)


def _kept_lists(index_dir: Path, snap: Snapshot | None, changed: set[str], entries: Mapping[str, Entry],
                cached: Mapping[str, Entry], taxonomy: Taxonomy | None) -> dict[str, Any] | None:
    """The lists in related.json to keep where no change reaches, when the snapshot
    still stands: few pages changed since it was taken, the taxonomy is the same,
    every unchanged page is weighed under it, and related.json is intact. Else None."""
    if not (snap is not None and snap.changed + len(changed) <= related_model.DRIFT_SHARE * len(entries)
            and snap.taxonomy == related_model.taxonomy_digest(taxonomy)
            and all(e.vector is not None for p, e in cached.items() if not e.hub)):
        return None
    data, trouble = _checked(index_dir)
    return None if trouble else data["pages"]


def _with_terms(index_dir: Path, entries: dict[str, Entry], index: _OpenedOnDemand) -> None:
    """A full pass needs every page's terms: from the terms file, else the index."""
    related_cache.add_saved_terms(index_dir, entries)
    lacking = [p for p, e in entries.items() if e.terms is None]
    if lacking:
        entries.update(related_cache.read(index.searcher(), lacking))


def write(index_dir: Path, related: dict[str, list[RelatedItem]]) -> None:
    _write_pages(index_dir, {p: [_as_json(i) for i in items] for p, items in related.items()})


def _write_pages(index_dir: Path, pages: dict[str, Any]) -> None:
    # One serialisation serves as the file's pages and as what the checksum covers.
    canonical = _canonical(pages)
    checksum = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    text = f'{{"format":{json.dumps(FORMAT)},"version":1,"checksum":"{checksum}","pages":{canonical}}}'
    write_atomic(Path(index_dir) / RELATED_FILE, text.encode("utf-8"))


def _canonical(pages: Any) -> str:
    return json.dumps(pages, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _checksum(pages: Any) -> str:
    """sha256 of the pages as canonical JSON: a file cut short, edited or mixed up
    no longer matches, and `kmgen index` rebuilds it instead of publishing a site
    whose related pages silently vanished."""
    return hashlib.sha256(_canonical(pages).encode("utf-8")).hexdigest()


def problem(index_dir: Path) -> str:
    """Why related.json cannot be trusted ("" when it can): missing, unreadable,
    not kmgen's format, or its checksum does not match what it holds."""
    return _checked(index_dir)[1]


def _checked(index_dir: Path) -> tuple[Any, str]:
    """(the file's data, "") when it can be trusted, else (None, why not)."""
    path = Path(index_dir) / RELATED_FILE
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None, "it is too large"
        raw = path.read_bytes()
        data = json.loads(raw)
    except FileNotFoundError:
        return None, "there is no related-pages file"
    except OSError as exc:
        return None, f"it cannot be read ({exc.__class__.__name__})"
    except (ValueError, RecursionError):
        return None, "it is not valid JSON"
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("pages"), dict):
        return None, "it is not a kmgen related-pages file"
    # The file as `_write_pages` writes it ends with the very text the checksum
    # covers: hashing those bytes spares serialising every list again.
    start = raw.find(b',"pages":')
    pages_text = raw[start + 9:-1]
    if (start > 0 and raw.count(b',"pages":') == 1 and raw.endswith(b"}")
            and data.get("checksum") == hashlib.sha256(pages_text).hexdigest()):
        return data, ""
    if data.get("checksum") != _checksum(data["pages"]):
        return None, "it is damaged (its checksum does not match)"
    return data, ""


def _as_json(item: RelatedItem) -> dict[str, Any]:
    # What dataclasses.asdict gives, without its deep copies (a third of a refresh).
    return {"path": item.path, "title": item.title, "score": item.score, "shared": list(item.shared),
            "terms": list(item.terms)}


def count(index_dir: Path) -> int:
    """How many pages have related pages (without building the items)."""
    try:
        data = json.loads((Path(index_dir) / RELATED_FILE).read_bytes())
    except (OSError, ValueError):
        return 0
    pages = data.get("pages") if isinstance(data, dict) else None
    return len(pages) if isinstance(pages, dict) else 0


def load(index_dir: Path) -> dict[str, list[RelatedItem]]:
    """path -> related pages, best first; {} when there is no (readable) file.
    Entries of the wrong shape are skipped: the file is data, never code."""
    path = Path(index_dir) / RELATED_FILE
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return {}
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    pages = data.get("pages") if isinstance(data, dict) and data.get("format") == FORMAT else None
    if not isinstance(pages, dict):
        return {}
    out: dict[str, list[RelatedItem]] = {}
    for source, items in pages.items():
        good = [i for i in (_read_item(x) for x in items) if i] if isinstance(items, list) else []
        if isinstance(source, str) and good:
            out[source] = good
    return out


def _read_item(x: Any) -> RelatedItem | None:
    if not isinstance(x, dict):
        return None
    path, title, score = x.get("path"), x.get("title"), x.get("score")
    shared, terms = x.get("shared", []), x.get("terms", [])
    if not (isinstance(path, str) and isinstance(title, str) and isinstance(score, (int, float))
            and isinstance(shared, list) and isinstance(terms, list)):
        return None
    return RelatedItem(path, title, float(score), tuple(str(s) for s in shared), tuple(str(t) for t in terms))
