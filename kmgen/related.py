"""Related pages: for every resource, the few pages most worth reading next.

Computed from the index by `kmgen index` and written to <index_dir>/related.json
(plain JSON, so the site build reads it without opening Whoosh). The site
publisher imports `load` and `RelatedItem`; keep both names and fields stable.

How two pages are scored (0..1):

    score = 0.6 * text + 0.4 * concepts

- text: cosine similarity of the pages' key terms. A page's key terms are the
  KEY_TERMS body terms with the highest tf-idf weight, from the index's term
  vectors (kept between runs by kmgen.related_cache, so a run reads only the
  pages that changed) with document frequencies over the live pages; words
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
taken in path order, so an updated index and a fresh one give the same file.
"""

from __future__ import annotations

import functools
import hashlib
import heapq
import json
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kmgen import index_store, related_cache
from kmgen.index import SCHEMA_VERSION, open_index, text_analyzer
from kmgen.related_cache import Entry, Terms
from kmgen.taxonomy import Taxonomy
from kmgen.writes import write_atomic

RELATED_FILE = "related.json"
FORMAT = "kmgen-related"
WEIGHT_TEXT = 0.6
WEIGHT_CONCEPTS = 0.4
PER_PAGE = 5
MIN_SCORE = 0.2
# A weaker pair is still listed when the two pages also share a taxonomy concept:
# on a small hub written by many hands, text overlap alone stays low even between
# two birth-registration case studies, while a shared concept is a reason a reader
# can see. Text overlap alone below MIN_SCORE is noise and is never listed.
MIN_SCORE_WITH_CONCEPT = 0.1
KEY_TERMS = 25
COMMON_SHARE = 0.25  # a term in more than this share of pages is not a key term ...
COMMON_MIN = 50  # ... once the hub is large enough for shares to mean something
TEXT_CANDIDATES = 30
CONCEPT_CANDIDATES = 30
MAX_FILE_BYTES = 256 * 1024 * 1024

Vector = dict[str, float]  # key term -> weight, unit length


@dataclass(frozen=True)
class RelatedItem:
    path: str
    title: str
    score: float
    shared: tuple[str, ...]  # concept ids both pages hold (the most specific ones)
    terms: tuple[str, ...]  # key terms both pages share, as words


@dataclass
class _Page:
    num: int  # position in path order
    entry: Entry
    concepts: dict[str, None]  # concept ids in sorted order (float sums then add up the same way every run)
    weight: float = 0.0  # the sum of its concepts' idf

    @property
    def path(self) -> str:
        return self.entry.path

    @property
    def title(self) -> str:
        return self.entry.title


def key_terms(reader: Any, docnums: Iterable[int], count: int = KEY_TERMS) -> dict[int, Vector]:
    """Each page's `count` key terms with tf-idf weights, from the body term vectors
    and the index's document frequencies (kmgen.duplicates; related pages take
    theirs from the cache, see `tfidf_vectors`)."""
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
                    idf[term] = _term_idf(pages, reader.doc_frequency("body", term), common)
        out[docnum] = _top_terms(terms, idf, count)
    return out


def tfidf_vectors(all_terms: list[Terms], wanted: Iterable[int], count: int = KEY_TERMS) -> dict[int, Vector]:
    """Key terms of the pages numbered `wanted`, with document frequencies counted
    over `all_terms` (every live page, hub pages included). Counted here rather
    than asked of Whoosh, whose doc_frequency still counts pages deleted or
    replaced until their segment is merged: an updated index and a fresh one
    then disagree, and the related pages with them."""
    df: Counter[str] = Counter()
    for terms in all_terms:
        for words in terms.values():
            df.update(words)
    pages = max(1, len(all_terms))
    common = max(COMMON_MIN, pages * COMMON_SHARE)
    idf = {term: _term_idf(pages, n, common) for term, n in df.items()}
    return {num: _top_terms(all_terms[num], idf, count) for num in wanted}


def _term_idf(pages: int, n: int, common: float) -> float:
    # 0.0: not a key term anywhere (unique to one page, or too common)
    return math.log(pages / n) if 1 < n <= common else 0.0


def _top_terms(terms: Terms, idf: dict[str, float], count: int) -> Vector:
    scored: list[tuple[float, str]] = []
    for tf, words in terms.items():
        boost = 1 + math.log(tf)
        scored.extend([(boost * weight, term) for term in words if (weight := idf[term])])
    top = heapq.nlargest(count, scored)  # (weight, term): ties go the same way whatever the input order
    norm = math.sqrt(sum(w * w for w, _t in top)) or 1.0
    return {t: w / norm for w, t in top}


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


def compute(ix: Any, taxonomy: Taxonomy | None = None, per_page: int = PER_PAGE,
            progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None) -> dict[str, list[RelatedItem]]:
    """Related pages for every resource in an open index, from scratch (hub pages
    are neither given related pages nor offered as one)."""
    with ix.searcher() as searcher:
        entries = related_cache.sync(searcher, {})
        return from_entries(entries, taxonomy, per_page, progress, _body_reader(searcher))


def from_entries(entries: dict[str, Entry], taxonomy: Taxonomy | None = None, per_page: int = PER_PAGE,
                 progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
                 body_of: Callable[[str], str] | None = None) -> dict[str, list[RelatedItem]]:
    """Related pages from every live page's cache entry. Everything is recomputed:
    one changed page shifts the document frequency of hundreds of terms, and so
    the tf-idf weight of nearly every page, its cosines and its rounded scores;
    only a full pass over the entries gives exactly what a fresh build gives, and
    without Whoosh it is cheap. Pages go in path order, never in docnum order
    (which updates reshuffle), so ties break the same way every run.
    `body_of` reads a page's text when a key term's surface word is not cached."""
    ordered = [entries[p] for p in sorted(entries)]
    pages = {n: _Page(n, e, dict.fromkeys(e.concepts)) for n, e in enumerate(ordered) if not e.hub}
    idf = _idf(pages)
    vectors = tfidf_vectors([e.terms for e in ordered], pages)
    text = cosine_neighbours(vectors, keep=TEXT_CANDIDATES)
    by_concept: dict[str, list[int]] = defaultdict(list)
    for num, page in pages.items():
        for cid in page.concepts:
            by_concept[cid].append(num)
    out: dict[str, list[RelatedItem]] = {}
    for num in progress(list(pages)) if progress else list(pages):
        page = pages[num]
        items = []
        for other in (set(text[num]) | _concept_candidates(page, by_concept, idf)) - {num}:
            csim = _concept_similarity(page, pages[other], idf)
            score = WEIGHT_TEXT * min(1.0, text[num].get(other, 0.0)) + WEIGHT_CONCEPTS * csim
            if score >= MIN_SCORE or (csim > 0 and score >= MIN_SCORE_WITH_CONCEPT):
                items.append((score, pages[other].path, other))
        best = heapq.nsmallest(per_page, items, key=lambda i: (-i[0], i[1]))
        if best:
            words = _surface_words(page.entry, vectors[num], body_of)
            out[page.path] = [_item(page, pages[o], s, vectors, idf, taxonomy, words) for s, _p, o in best]
    return out


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


def _idf(pages: dict[int, _Page]) -> dict[str, float]:
    df = Counter(cid for p in pages.values() for cid in p.concepts)
    idf = {cid: math.log(1 + len(pages) / n) for cid, n in df.items()}
    for page in pages.values():
        page.weight = sum(idf[c] for c in page.concepts)
    return idf


def _concept_candidates(page: _Page, by_concept: dict[str, list[int]], idf: dict[str, float]) -> set[int]:
    """Pages sharing the page's rarest concepts, until there are enough to rank."""
    out: set[int] = set()
    for cid in sorted(page.concepts, key=lambda c: (-idf[c], c)):
        out.update(by_concept[cid][:CONCEPT_CANDIDATES])
        if len(out) >= CONCEPT_CANDIDATES:
            break
    return out


def _concept_similarity(a: _Page, b: _Page, idf: dict[str, float]) -> float:
    if not a.weight or not b.weight:
        return 0.0
    shared = sum(idf[c] for c in a.concepts if c in b.concepts)
    return shared / (a.weight + b.weight - shared)


def _item(page: _Page, other: _Page, score: float, vectors: dict[int, Vector], idf: dict[str, float],
          taxonomy: Taxonomy | None, words: dict[str, str]) -> RelatedItem:
    shared = page.concepts.keys() & other.concepts.keys()
    if taxonomy is not None:  # 'identity' says more than its ancestor 'digital-id-layer'
        broader = {a for cid in shared for a in taxonomy.ancestors(cid)}
        shared = shared - broader
    ordered = sorted(shared, key=lambda c: (-idf[c], c))
    mine, theirs = vectors[page.num], vectors[other.num]
    common = sorted(mine.keys() & theirs.keys(), key=lambda t: (-mine[t] * theirs[t], t))[:5]
    return RelatedItem(other.path, other.title, round(score, 4), tuple(ordered), tuple(words[t] for t in common))


def _surface_words(entry: Entry, stems: Iterable[str], body_of: Callable[[str], str] | None) -> dict[str, str]:
    """The cached surface words when they cover `stems` (a stem's word depends only
    on the page's text, which the fingerprint pins); else read from the text."""
    wanted = list(stems)
    if entry.forms is not None:
        entry.surface = {s: entry.forms.get(s, s) for s in wanted}
    elif any(s not in entry.surface for s in wanted):
        body = entry.body if entry.body is not None else body_of(entry.path) if body_of else ""
        entry.surface = _surface(body, wanted)
    return entry.surface


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
    related pages. Term vectors are read only for pages the cache (kmgen.related_cache)
    does not hold at their current fingerprint; `fresh` ignores the cache, as a
    full rebuild of the index should. `captured` holds the entries of pages the
    caller has just indexed (their words in hand); `live` is every indexed page's
    fingerprint (read from the index manifest when not given)."""
    cached = {} if fresh else related_cache.load(index_dir)
    if live is None:
        manifest, _reason = index_store.read_manifest(Path(index_dir), SCHEMA_VERSION)
        live = manifest.pages if manifest else {}
    entries, missing = related_cache.known(live, captured or {}, cached)
    with _OpenedOnDemand(index_dir) as index:
        if missing:
            entries.update(related_cache.read(index.searcher(), missing))
        related = from_entries(entries, hub.taxonomy, progress=progress, body_of=index.body_of)
    related_cache.save(index_dir, entries.values())
    write(index_dir, related)
    return len(related)


def write(index_dir: Path, related: dict[str, list[RelatedItem]]) -> None:
    pages = {p: [_as_json(i) for i in items] for p, items in sorted(related.items())}
    data = {"format": FORMAT, "version": 1, "checksum": _checksum(pages), "pages": pages}
    write_atomic(Path(index_dir) / RELATED_FILE, json.dumps(data, indent=1, ensure_ascii=False).encode("utf-8"))


def _checksum(pages: Any) -> str:
    """sha256 of the pages as canonical JSON: a file cut short, edited or mixed up
    no longer matches, and `kmgen index` rebuilds it instead of publishing a site
    whose related pages silently vanished."""
    canonical = json.dumps(pages, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def problem(index_dir: Path) -> str:
    """Why related.json cannot be trusted ("" when it can): missing, unreadable,
    not kmgen's format, or its checksum does not match what it holds."""
    path = Path(index_dir) / RELATED_FILE
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return "it is too large"
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return "there is no related-pages file"
    except OSError as exc:
        return f"it cannot be read ({exc.__class__.__name__})"
    except (ValueError, RecursionError):
        return "it is not valid JSON"
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("pages"), dict):
        return "it is not a kmgen related-pages file"
    if data.get("checksum") != _checksum(data["pages"]):
        return "it is damaged (its checksum does not match)"
    return ""


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
