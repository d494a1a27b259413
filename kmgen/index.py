"""The Whoosh index of a hub: its schema, what a page becomes, and building it.

The index is derived data. `build_index` brings it in line with the accepted
pages of a loaded hub: incrementally by fingerprint (unchanged pages are
skipped, changed ones updated, deleted ones removed), or from scratch when
asked, when there is no index yet, or when the one on disk cannot be trusted
(see kmgen.index_store for what "trusted" means and how writes are swapped in).
Searching lives in kmgen.search, related pages in kmgen.related and
near-duplicates in kmgen.duplicates; all of them read what this module wrote.

Only the classic Whoosh 2.7 API is used, so whoosh-reloaded stays a drop-in;
tests/test_index.py exercises every Whoosh feature kmgen relies on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import whoosh.index
from whoosh import fields, query

from kmgen import facets, index_analysis, index_store, schema
from kmgen.content import Document, as_date
from kmgen.hub import Hub
from kmgen.index_analysis import OnceText
from kmgen.index_store import IndexFailure, IndexLocked, IndexMissing, IndexUntrusted, Manifest
from kmgen.taxonomy import Taxonomy

__all__ = ["IndexFailure", "IndexLocked", "IndexMissing", "IndexStats", "IndexUntrusted", "SCHEMA_VERSION",
           "build_index", "document_to_fields", "facet_field", "make_schema", "open_index", "plain_text"]

# Bump whenever make_schema() or document_to_fields() changes what is indexed:
# an index built with another version is rebuilt, never misread.
SCHEMA_VERSION = 3
FACET_PREFIX = "facet_"
TEXT_FIELDS = ("title", "summary", "headings", "labels", "body")

Progress = Callable[[Iterable[Any]], Iterable[Any]]


def text_analyzer() -> index_analysis.TextAnalyzer:
    """Words, lowercased, accents folded ('État civil' finds 'etat civil'), English
    stop words dropped, Porter-stemmed ('registrations' finds 'registration').
    maxsize bounds hostile 10,000-letter 'words'. Whoosh's own chain, each distinct
    word analysed once (kmgen.index_analysis)."""
    return index_analysis.text_analyzer()


def make_schema() -> fields.Schema:
    text = text_analyzer()
    sch = fields.Schema(
        # The page's path relative to content/: the unique key that updates and
        # deletes address, and the link a result points to.
        path=fields.ID(unique=True, stored=True),
        # sha256 of the source file, shown by tools; `fingerprint` (the file hash
        # plus the page's resolved tags) is what incremental runs compare, so a
        # taxonomy change that moves a concept re-indexes the pages it touches.
        hash=fields.ID(stored=True),
        fingerprint=fields.ID(stored=True),
        # The four text fields people search, boosted at query time in that
        # order (kmgen.search). Stored for result titles and snippets; the body
        # also keeps term vectors (frequencies: nothing reads their positions) so
        # key terms (related pages, duplicates) are read, not re-analysed.
        # spelling=True keeps the unstemmed words for "did you mean".
        # OnceText: Whoosh's TEXT over words analysed once (kmgen.index_analysis).
        title=OnceText(text, stored=True, spelling=True),
        summary=OnceText(text, stored=True),
        headings=OnceText(text, stored=True),
        body=OnceText(text, stored=True, vector=True, spelling=True),
        # Labels and synonyms of the page's concepts: a search for 'CRVS' finds a
        # page tagged 'civil-registration' that never spells the acronym out.
        labels=OnceText(text),
        # Exact-match fields for filters, counts and display.
        type=fields.ID(stored=True),
        language=fields.ID(stored=True),
        owner=fields.ID(stored=True),
        last_reviewed=fields.DATETIME(stored=True),
        date=fields.DATETIME(stored=True),
    )
    # One keyword field per taxonomy facet, named facet_<facet id>, holding the
    # page's canonical concept ids and all their ancestors: a filter on a broader
    # concept ('digital-id-layer') matches pages tagged with a narrower one
    # ('identity') by a plain term lookup. A glob field keeps the schema fixed
    # while the taxonomy (data, not code) gains or loses facets.
    sch.add(FACET_PREFIX + "*", fields.KEYWORD(stored=True, commas=True, scorable=True), glob=True)
    return sch


def facet_field(facet_id: str) -> str:
    return FACET_PREFIX + facet_id


# -- a page as fields ------------------------------------------------------------
_FENCE_RE = re.compile(r"^\s*(```|~~~)")
_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_REF_DEF_RE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+.*$")
_RULE_RE = re.compile(r"^\s*\|?\s*:?-{2,}[-:|\s]*$|^\s*([-*_])(\s*\1){2,}\s*$")
_IMAGE_RE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK_RE = re.compile(r"\[([^\]]*)\](\([^)]*\)|\[[^\]]*\])")
_URL_RE = re.compile(r"<?https?://[^\s>)]+>?")
_TAG_RE = re.compile(r"<[^>\n]{0,400}>")
_ATTR_RE = re.compile(r"\{:?[^}\n]{0,200}\}")
_LEAD_RE = re.compile(r"^\s*(?:>[\s>]*)?(?:(?:[-*+]|\d{1,9}[.)]|!!!|\?\?\?\+?)(?=\s))?")
_MARKS = str.maketrans({c: " " for c in "*_`~|"})


def plain_text(markdown: str) -> tuple[str, list[str]]:
    """(body text, headings) of a Markdown body, without the markup: what a reader
    reads, so neither searches nor snippets see URLs, link syntax or HTML."""
    out: list[str] = []
    headings: list[str] = []
    for line in markdown.split("\n"):
        if _FENCE_RE.match(line) or _REF_DEF_RE.match(line) or _RULE_RE.match(line):
            continue
        heading = _HEADING_RE.match(line)
        if heading:
            headings.append(_inline(heading.group(1)))
            out.append("")
            continue
        out.append(_inline(line))
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()
    return text, [h for h in headings if h]


def _inline(line: str) -> str:
    # Each pattern only where its telltale character is: most lines are prose.
    if "]" in line:
        line = _LINK_RE.sub(r"\1", _IMAGE_RE.sub(r"\1", line))
    if "://" in line:
        line = _URL_RE.sub(" ", line)
    if "<" in line:
        line = _TAG_RE.sub(" ", line)
    if "{" in line:
        line = _ATTR_RE.sub(" ", line)
    return " ".join(_LEAD_RE.sub("", line, count=1).translate(_MARKS).split())


def document_to_fields(doc: Document, tags: facets.Tags, taxonomy: Taxonomy) -> dict[str, Any]:
    """What the index holds for one page (pure: same inputs, same fields)."""
    body, headings = plain_text(doc.body)
    expanded = facets.expanded(tags, taxonomy)
    out: dict[str, Any] = {
        "path": doc.path,
        "hash": doc.content_hash,
        "fingerprint": fingerprint(doc, tags, taxonomy),
        "title": _text(doc.get("title")) or doc.path,
        "summary": _text(doc.get("summary")),
        "headings": "\n".join(headings),
        "body": body,
        "labels": " ".join(_labels(expanded, taxonomy)),
        "type": _text(doc.get("type")) or schema.PAGE_TYPE,
        "language": _text(doc.get("language")) or schema.DEFAULT_LANGUAGE,
        "owner": _text(doc.get("owner")),
    }
    for key in ("last_reviewed", "date"):
        day = as_date(doc.get(key))
        if day is not None:
            out[key] = dt.datetime(day.year, day.month, day.day)
    for facet_id, ids in expanded.items():
        if ids:
            out[facet_field(facet_id)] = ",".join(ids)
    return {k: v for k, v in out.items() if v != ""}


def fingerprint(doc: Document, tags: facets.Tags, taxonomy: Taxonomy) -> str:
    """Changes when anything the index holds for the page would change: the file,
    its resolved concepts and their ancestors and labels, or the schema."""
    expanded = facets.expanded(tags, taxonomy)
    data = json.dumps([SCHEMA_VERSION, doc.content_hash, sorted(expanded.items()), _labels(expanded, taxonomy)])
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def _labels(expanded: Mapping[str, tuple[str, ...]], taxonomy: Taxonomy) -> list[str]:
    out: list[str] = []
    for ids in expanded.values():
        for cid in ids:
            concept = taxonomy.concepts.get(cid)
            if concept is not None:
                out.extend((concept.label, *concept.alt_labels))
    return out


def _text(value: Any) -> str:
    if value is None or isinstance(value, (list, dict)):
        return ""
    return str(value).strip()


# -- building ---------------------------------------------------------------------
@dataclass(frozen=True)
class IndexStats:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    documents: int = 0  # pages in the index now (= accepted pages)
    rebuilt: bool = False
    reason: str = ""  # why it was rebuilt from scratch
    related: int = 0  # pages with related pages written to related.json
    seconds: float = 0.0
    related_seconds: float = 0.0  # of `seconds`, spent on related pages

    @property
    def changed(self) -> bool:
        return self.rebuilt or bool(self.added or self.updated or self.removed)


def build_index(hub: Hub, index_dir: Path, progress: Progress | None = None, rebuild: bool = False,
                related: bool = True, verify: bool = False) -> IndexStats:
    """Bring the index in `index_dir` in line with the hub's accepted pages.

    Raises IndexLocked at once when another process is writing, and IndexFailure
    when the new index does not verify (the previous one is then still in place).
    With `verify`, every file of the current index is hashed again first (an
    ordinary run trusts files whose size, inode and ctime are as recorded).
    With `related`, also refreshes related.json when anything changed.
    """
    from kmgen import related as related_pages

    start = time.perf_counter()
    index_dir = Path(index_dir)
    with index_store.locked(index_dir):
        pages = {d.path: d for d in hub.accepted()}
        manifest, reason = (None, "a rebuild was requested") if rebuild else index_store.read_manifest(
            index_dir, SCHEMA_VERSION, full=verify)
        prints = _fingerprints(hub, pages, manifest)
        stats = None
        captured: dict[str, Any] = {}  # path -> related_cache.Entry of each page indexed now
        if manifest is not None:
            try:
                stats = _incremental(hub, index_dir, manifest, pages, prints, progress, captured)
            except OSError:
                raise
            except Exception as exc:  # verified files Whoosh still cannot update: rebuild them
                reason = f"it could not be updated ({exc.__class__.__name__}: {exc})"
        if stats is None:
            captured.clear()
            stats = _full(hub, index_dir, pages, prints, progress, reason, captured)
        count, related_start = 0, time.perf_counter()
        if related and (stats.changed or related_pages.problem(index_dir)):
            # A full rebuild is a fresh start: the related-pages cache is not reused either.
            # A missing or damaged related.json is rebuilt (from the cache, which checks itself).
            count = related_pages.refresh(hub, index_dir, progress, fresh=stats.rebuilt, captured=captured,
                                          live=prints)
        elif related:
            count = related_pages.count(index_dir)
    return IndexStats(stats.added, stats.updated, stats.removed, stats.unchanged, stats.documents, stats.rebuilt,
                      stats.reason, count, time.perf_counter() - start, time.perf_counter() - related_start)


def _fingerprints(hub: Hub, pages: Mapping[str, Document], manifest: Manifest | None) -> dict[str, str]:
    """Each page's fingerprint: the recorded one where the file and the taxonomy are
    as they were when it was recorded (a page's tags come from its file and the
    taxonomy, so its fingerprint cannot have moved), else computed."""
    digest = taxonomy_digest(hub.taxonomy)
    extra = manifest.extra if manifest is not None else {}
    hashes = extra.get("hashes") if digest and extra.get("taxonomy") == digest else None
    known = manifest.pages if manifest is not None and isinstance(hashes, dict) else {}
    hashes = hashes if isinstance(hashes, dict) else {}
    out = {}
    for path, doc in pages.items():
        recorded = known.get(path)
        if recorded is not None and hashes.get(path) == doc.content_hash:
            out[path] = recorded
        else:
            out[path] = fingerprint(doc, hub.tags_of(path), hub.taxonomy)
    return out


def taxonomy_digest(taxonomy: Taxonomy) -> str:
    """Changes with anything of the taxonomy a page's tags, concepts or labels depend
    on ("" when that cannot be told: then every fingerprint is computed)."""
    text = repr((sorted(taxonomy.facets.items()), sorted(taxonomy.concepts.items())))
    return "" if " at 0x" in text else hashlib.sha256(text.encode("utf-8")).hexdigest()


def _full(hub: Hub, index_dir: Path, pages: Mapping[str, Document], prints: Mapping[str, str],
          progress: Progress | None, reason: str, captured: dict[str, Any]) -> IndexStats:
    folder = index_store.new_generation(index_dir)
    try:
        ix = whoosh.index.create_in(str(folder), make_schema())
        with _swapped_in(index_dir, folder, ix, _bulk_writer(ix), pages, prints, hub.taxonomy) as writer:
            for path in progress(list(pages)) if progress else pages:
                writer.add_document(**_fields(hub, pages[path], writer, captured))
    except BaseException:
        index_store.remove_generations(index_dir, keep=_current(index_dir))
        raise
    return IndexStats(added=len(pages), documents=len(pages), rebuilt=True, reason=reason)


def _fields(hub: Hub, doc: Document, writer: Any, captured: dict[str, Any]) -> dict[str, Any]:
    """The page's fields; its body is analysed here, once: the writer reuses the
    words for postings, vector and spelling (kmgen.index_analysis), and related
    pages take its terms from `captured` instead of reading them back."""
    from kmgen import related_cache

    out = document_to_fields(doc, hub.tags_of(doc.path), hub.taxonomy)
    analyzer = writer.schema["body"].analyzer
    body = out.get("body", "")
    analysed = analyzer.analysed(body) if isinstance(analyzer, index_analysis.TextAnalyzer) else None
    captured[doc.path] = related_cache.from_fields(out, analysed)
    return out


def _bulk_writer(ix: Any) -> Any:
    """One writer in this process: each body is analysed once, here, and its words
    serve both Whoosh and related pages. (Writer processes, one per core, used to
    halve a full build's wall time on an idle machine, but each analysed every
    body again for the related pages, and on a shared machine they do not pay.)"""
    return ix.writer(limitmb=256)


def _incremental(hub: Hub, index_dir: Path, manifest: Manifest, pages: Mapping[str, Document],
                 prints: Mapping[str, str], progress: Progress | None, captured: dict[str, Any]) -> IndexStats:
    old = manifest.pages
    removed = sorted(set(old) - set(pages))
    added = sorted(set(pages) - set(old))
    updated = sorted(p for p in pages if p in old and old[p] != prints[p])
    unchanged = len(pages) - len(added) - len(updated)
    if not (removed or added or updated):
        return IndexStats(unchanged=unchanged, documents=len(pages))
    folder = index_store.new_generation(index_dir, base=index_dir / manifest.generation)
    try:
        ix = whoosh.index.open_dir(str(folder))
        with _swapped_in(index_dir, folder, ix, ix.writer(limitmb=256), pages, prints, hub.taxonomy) as writer:
            for path in removed:
                writer.delete_by_term("path", path)
            work = added + updated
            for path in progress(work) if progress else work:
                writer.update_document(**_fields(hub, pages[path], writer, captured))
    except BaseException:
        index_store.remove_generations(index_dir, keep=manifest.generation)
        raise
    return IndexStats(len(added), len(updated), len(removed), unchanged, len(pages))


@contextmanager
def _swapped_in(index_dir: Path, folder: Path, ix: Any, writer: Any, pages: Mapping[str, Document],
                prints: Mapping[str, str], taxonomy: Taxonomy) -> Iterator[Any]:
    """Yields `writer` for the block to fill; then commits it, verifies the new
    generation and swaps it in. A failing block cancels the writer first, so its
    lock and half-written segment do not outlive the failure."""
    try:
        yield writer
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    _verify(ix, pages)
    ix.close()
    hashes = {p: doc.content_hash for p, doc in pages.items()}
    extra = {"taxonomy": taxonomy_digest(taxonomy), "hashes": hashes}
    index_store.swap_in(index_dir, Manifest(folder.name, SCHEMA_VERSION, len(pages), {}, dict(prints), extra=extra))


def _verify(ix: Any, pages: Mapping[str, Document]) -> None:
    """Before a generation is swapped in: as many documents as accepted pages, and
    a smoke query finds a page by path and by a word of its title."""
    with ix.searcher() as searcher:
        if searcher.doc_count() != len(pages):
            raise IndexFailure(f"the new index holds {searcher.doc_count()} pages, expected {len(pages)}; "
                               "the previous index was kept")
        if not pages:
            return
        path = min(pages)
        stored = searcher.document(path=path)
        words = [t.text for t in text_analyzer()(str(stored.get("title", "")) if stored else "")]
        found = searcher.search(query.Term("title", words[0]), limit=None) if words else None
        if stored is None or (found is not None and not any(hit["path"] == path for hit in found)):
            raise IndexFailure(f"the new index does not find {path}; the previous index was kept")


def _current(index_dir: Path) -> str | None:
    manifest, _reason = index_store.read_manifest(index_dir, SCHEMA_VERSION)
    return manifest.generation if manifest else None


def open_index(index_dir: Path) -> Any:
    """The current generation as a Whoosh index, opened only when trusted.

    Raises IndexMissing when there is none and IndexUntrusted when it cannot be
    used; both messages say to run `kmgen index`."""
    index_dir = Path(index_dir)
    manifest, reason = index_store.read_manifest(index_dir, SCHEMA_VERSION)
    if manifest is None and reason.startswith("its file"):
        # A writer may have swapped generations while we read: look once more.
        manifest, reason = index_store.read_manifest(index_dir, SCHEMA_VERSION)
    if manifest is None:
        if not (index_dir / index_store.MANIFEST).exists():
            raise IndexMissing(f"no search index in {index_dir}; run 'kmgen index' first")
        raise IndexUntrusted(f"the index in {index_dir} cannot be used: {reason}; "
                             "run 'kmgen index' to rebuild it from the sources")
    try:
        return whoosh.index.open_dir(str(index_dir / manifest.generation))
    except Exception as exc:  # a verified file Whoosh still cannot read: rebuild
        raise IndexUntrusted(f"the index in {index_dir} cannot be read ({exc.__class__.__name__}); "
                             "run 'kmgen index' to rebuild it") from exc
