"""Searching the hub index: ranked hits with snippets, facet filters and counts.

Queries come from readers and scripts, so they are bounded before Whoosh sees
them (see `bound_query`): a hostile query gets a clear QueryError or a
degraded query with a note saying what was dropped, never a traceback.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh import collectors, qparser, query
from whoosh.index import Index

from kmgen import facets, schema, search_cache, snippets
from kmgen.index import FACET_PREFIX, TEXT_FIELDS, facet_field, open_index, text_analyzer
from kmgen.taxonomy import Taxonomy, fold

# Query-time boosts: a word in the title says most about what a page is, the
# summary is the author's own one-line description, headings name its parts,
# concept labels come from tagging, and the body mentions everything.
FIELD_BOOSTS = {"title": 4.0, "summary": 2.5, "headings": 1.8, "labels": 1.5, "body": 1.0}
MAX_QUERY_CHARS = 500
MAX_WORDS = 32
MAX_PARENS = 16  # pairs; deeper or more nesting is read as plain words
MIN_WILDCARD_PREFIX = 3  # 'reg*' is fine; '*tion' or 'a*' would walk the whole vocabulary
COUNT_FIELDS = ("type", "language")
_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}


class QueryError(ValueError):
    """A query or filter kmgen will not run; the message says why and what to do."""


@dataclass(frozen=True)
class Hit:
    path: str
    title: str
    type: str
    score: float
    snippet: str
    summary: str = ""


@dataclass(frozen=True)
class FacetCount:
    value: str
    label: str
    count: int


@dataclass(frozen=True)
class FacetFilter:
    key: str  # as the user wrote it
    field: str  # the index field
    value: str  # the indexed value: a canonical concept id, a type or language
    label: str


@dataclass
class SearchResults:
    query: str  # the query as run, after bounding
    total: int
    hits: list[Hit]
    counts: dict[str, list[FacetCount]] = field(default_factory=dict)
    did_you_mean: str | None = None
    notes: list[str] = field(default_factory=list)


# -- bounding hostile queries ---------------------------------------------------------
def bound_query(text: str) -> tuple[str, list[str], list[str]]:
    """The query with what Whoosh must not see removed, and notes saying what went.

    Returns (query, notes, words left by dropped wildcards); raises QueryError
    for queries too long or with too many words to run."""
    notes: list[str] = []
    clean = re.sub(r"[\x00-\x1f\x7f]", " ", text)
    if clean != text:
        notes.append("control characters were removed from the query")
    if len(clean) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is {len(clean):,} characters long; the limit is {MAX_QUERY_CHARS}")
    words = [w for w in re.split(r"[\s()]+", clean) if w]
    if len(words) > MAX_WORDS:
        raise QueryError(f"the query has {len(words):,} words; the limit is {MAX_WORDS}")
    if clean.count("(") > MAX_PARENS or _depth(clean) > 4 or clean.count("(") != clean.count(")"):
        if "(" in clean or ")" in clean:
            clean = re.sub(r"[()]", " ", clean)
            notes.append("parentheses were ignored")
    if clean.count('"') % 2:
        clean = clean.replace('"', " ")
        notes.append("an unclosed quote was ignored")
    clean, dropped = _bound_wildcards(clean)
    if dropped:
        notes.append(f"wildcards need at least {MIN_WILDCARD_PREFIX} letters before them; "
                     f"searched for {', '.join(repr(w) for w in dropped)} instead")
    return " ".join(clean.split()), notes, dropped


def _depth(text: str) -> int:
    depth = deepest = 0
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        deepest = max(deepest, depth)
    return deepest


def _bound_wildcards(text: str) -> tuple[str, list[str]]:
    dropped: list[str] = []

    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        literal = word.split(":", 1)[-1]
        stars = [i for i, ch in enumerate(literal) if ch in "*?"]
        if stars and stars[0] >= MIN_WILDCARD_PREFIX:  # none: the wildcard is in a field name ('*:')
            return word
        plain = re.sub(r"[*?]", "", word)
        dropped.append(plain.split(":", 1)[-1] or "(nothing)")
        return plain

    return re.sub(r"[^\s()\"]*[*?][^\s()\"]*", fix, text), dropped


# -- facet filters --------------------------------------------------------------------
def facet_filter(spec: str, taxonomy: Taxonomy | None) -> FacetFilter:
    """`key=value` as a filter. The key is a facet id, a front-matter key, `type`
    or `language`; the value any label or synonym of a concept of that facet."""
    key, sep, value = spec.partition("=")
    key, value = key.strip(), value.strip()
    if not sep or not key or not value:
        raise QueryError(f"expected a facet filter as KEY=VALUE (e.g. sector=health), got {spec!r}")
    if key in ("language", "lang"):
        return FacetFilter(key, "language", value, value)
    facet_id = _facet_id(key, taxonomy)
    if key == "type" and (facet_id is None or fold(value) == schema.PAGE_TYPE):
        if value not in schema.TYPES and value != schema.PAGE_TYPE:
            raise QueryError(f"unknown type {value!r}; expected one of: {', '.join([*schema.TYPES, 'page'])}")
        return FacetFilter(key, "type", value, value)
    if facet_id is None:
        known = sorted({*(f.id for f in taxonomy.facets.values()), "type", "language"}) if taxonomy else []
        raise QueryError(f"unknown facet {key!r}" + (f"; expected one of: {', '.join(known)}" if known else ""))
    if taxonomy is None:
        return FacetFilter(key, facet_field(facet_id), value, value)
    matches = taxonomy.resolve(value, facet_id)
    if not matches:
        options = taxonomy.suggest(value, facet_id)
        hint = ("; did you mean " + ", ".join(f"'{c.id}' ({c.label})" for c in options) + "?") if options else (
            "; run 'kmgen taxonomy show' to list terms")
        raise QueryError(f"unknown {taxonomy.facets[facet_id].label} {value!r}{hint}")
    concept = matches[0].concept
    return FacetFilter(key, facet_field(facet_id), concept.id, concept.label)


def _facet_id(key: str, taxonomy: Taxonomy | None) -> str | None:
    if taxonomy is None:
        return key if re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", key) and key not in ("type", "language") else None
    if key in taxonomy.facets:
        return key
    if key == facets.COUNTRY_KEY and facets.GEOGRAPHY in taxonomy.facets:
        return facets.GEOGRAPHY
    facet = taxonomy.facet_by_key(key)
    return facet.id if facet else None


def _filter_query(filters: Sequence[FacetFilter]) -> query.Query | None:
    """Values of one facet are alternatives; different facets must all hold."""
    by_field: dict[str, list[query.Query]] = {}
    for f in filters:
        by_field.setdefault(f.field, []).append(query.Term(f.field, f.value))
    if not by_field:
        return None
    parts = [terms[0] if len(terms) == 1 else query.Or(terms) for terms in by_field.values()]
    return parts[0] if len(parts) == 1 else query.And(parts)


# -- searching -----------------------------------------------------------------------
def search(source: Path | str | Index, text: str, filters: Iterable[FacetFilter] = (), limit: int = 10,
           counts: bool = False, taxonomy: Taxonomy | None = None) -> SearchResults:
    """Ranked pages for `text` (Whoosh query syntax: words, "phrases", prefix*,
    AND/OR/NOT, field:word), optionally filtered and with facet counts.

    `source` is an index folder or an index already opened with kmgen.index.open_index.
    Its searcher stays open for the next query (kmgen.search_cache)."""
    if not isinstance(source, Index):
        ix = open_index(Path(source))
        try:
            return search(ix, text, filters, limit, counts, taxonomy)
        finally:
            ix.close()
    ix = source
    cleaned, notes, dropped = bound_query(text)
    filters = list(filters)
    open_ix = search_cache.opened(ix)
    q, more = _parse(open_ix, cleaned, AND_GROUP)
    notes.extend(more)
    if q is None:
        allowed = _allowed(open_ix, filters)
        if allowed is None:
            raise QueryError("nothing to search for (very common words and single letters are skipped); "
                             "give some words or a --facet filter")
        no_words: frozenset[str] = frozenset()
        ranked, matched, words = _first_pages(allowed, limit), allowed, no_words
    else:
        ranked, matched, words = _run(open_ix, q, filters, limit)
        if not ranked and len(cleaned.split()) > 1 and not _OPERATORS & set(cleaned.split()):
            q_any, _ = _parse(open_ix, cleaned, OR_GROUP)
            if q_any is not None:
                any_ranked, any_matched, any_words = _run(open_ix, q_any, filters, limit)
                if any_ranked:
                    notes.append("no page has every word; showing pages with any of them")
                    ranked, matched, words = any_ranked, any_matched, any_words
    out = SearchResults(cleaned, matched.bit_count(), _hits(open_ix, ranked, words), notes=notes,
                        did_you_mean=_did_you_mean(open_ix, cleaned, set(dropped)))
    if counts:
        out.counts = _counts(open_ix, matched, taxonomy)
    return out


AND_GROUP = qparser.AndGroup
OR_GROUP = qparser.OrGroup.factory(0.9)


def warm(ix: Index) -> None:
    """Open this thread's searcher on the index and make what counting and
    correcting need, before the first query asks for them."""
    open_ix = search_cache.opened(ix)
    open_ix.facet_values()
    open_ix.corrector()


def _parser(open_ix: search_cache.OpenIndex, group: Any) -> qparser.QueryParser:
    """One parser per searcher and grouping: making one builds every plugin anew."""
    found = open_ix.parsers.get(group)
    if found is None:
        schema_: Any = open_ix.ix.schema
        found = qparser.MultifieldParser(list(TEXT_FIELDS), schema_, fieldboosts=FIELD_BOOSTS, group=group)
        found.remove_plugin_class(qparser.RangePlugin)  # ranges over words expand to the whole vocabulary
        open_ix.parsers[group] = found
    return found


def _parse(open_ix: search_cache.OpenIndex, text: str, group: Any) -> tuple[query.Query | None, list[str]]:
    if not text.strip():
        return None, []
    try:
        q = _parser(open_ix, group).parse(text)
    except Exception:  # the parser's own failures on odd input (RecursionError too): fall back to words
        words = [t.text for t in text_analyzer()(text)][:MAX_WORDS]
        if not words:
            return None, ["the query syntax was not understood"]
        q = query.And([query.Or([query.Term(f, w, boost=FIELD_BOOSTS[f]) for f in TEXT_FIELDS]) for w in words])
        return q, ["the query syntax was not understood; searched for its words"]
    if q is query.NullQuery:
        return None, []
    _union_trees(q)
    return q, []


def _union_trees(q: query.Query) -> None:
    """Every Or matched by Whoosh's tree of unions. On segments under 5,000 pages
    Whoosh otherwise reads each Or into an array, clearing and scanning 2,048 slots
    a block in Python: twice as slow for the sparse Or over five fields that each
    word of a query becomes, with the same scores (measured on the serve bench's searches)."""
    if isinstance(q, query.Or):
        q.matcher_type = query.Or.DEFAULT_MATCHER
    for child in q.children():
        _union_trees(child)


class _EveryMatch(collectors.TopCollector):
    """The top `limit` pages by score, and a bitset of every match. Whoosh's own
    top collector skips blocks that cannot make the top and so counts by running
    the query a second time; counts need every match, so nothing is skipped."""

    def __init__(self, limit: int, size: int):
        super().__init__(limit=limit, usequality=False)
        self.bits = bytearray(size // 8 + 1)

    def _collect(self, global_docnum: int, score: float) -> float:
        self.bits[global_docnum >> 3] |= 1 << (global_docnum & 7)
        self.total += 1
        items = self.items
        if len(items) < self.limit:
            heapq.heappush(items, (score, -global_docnum))
        elif score > items[0][0]:
            heapq.heapreplace(items, (score, -global_docnum))  # minscore stays unset: every match is seen
        return -score


Ranked = list[tuple[int, float]]  # (document number, score), best first


def _run(open_ix: search_cache.OpenIndex, q: query.Query, filters: Sequence[FacetFilter],
         limit: int) -> tuple[Ranked, int, frozenset[str]]:
    """(the top `limit`, every match as a bitset, the query's words in the body as indexed)."""
    searcher = open_ix.searcher
    top = _EveryMatch(max(1, limit), searcher.reader().doc_count_all())
    filter_q = _filter_query(filters)
    collector: Any = collectors.FilterCollector(top, allow=filter_q) if filter_q is not None else top
    try:
        searcher.search_with_collector(q, collector)
        words = frozenset(t[1].decode("utf-8") if isinstance(t[1], bytes) else str(t[1])
                          for t in q.existing_terms(searcher.reader(), expand=True, fieldname="body"))
    except Exception as exc:  # bounded input can still trip an edge case: say so, never trace back
        raise QueryError(f"the query could not be run ({exc.__class__.__name__}); "
                         "try fewer or simpler words") from exc
    ranked = [(-docnum, score) for score, docnum in sorted(top.items, reverse=True)]
    return ranked, int.from_bytes(top.bits, "little"), words


def _allowed(open_ix: search_cache.OpenIndex, filters: Sequence[FacetFilter]) -> int | None:
    """The pages the filters allow, as a bitset (None: no filter): values of one
    facet are alternatives, different facets must all hold (as `_filter_query`)."""
    if not filters:
        return None
    values = open_ix.facet_values()
    by_field: dict[str, int] = {}
    for f in filters:
        by_field[f.field] = by_field.get(f.field, 0) | values.get(f.field, {}).get(f.value, 0)
    allowed = -1  # every bit set
    for pages in by_field.values():
        allowed &= pages
    return allowed


def _first_pages(bits: int, limit: int) -> Ranked:
    """Filters alone rank nothing: the first pages in index order, as Whoosh's Every() gave them."""
    out: Ranked = []
    while bits and len(out) < max(1, limit):
        low = bits & -bits
        out.append((low.bit_length() - 1, 1.0))
        bits ^= low
    return out


def _hits(open_ix: search_cache.OpenIndex, ranked: Ranked, words: frozenset[str]) -> list[Hit]:
    """The shown hits with snippets (only these get one). Whoosh stores no value
    for an empty field: a summary-only page takes its snippet from the summary."""
    out = []
    for docnum, score in ranked:
        stored = open_ix.searcher.stored_fields(docnum)
        out.append(Hit(stored["path"], stored.get("title", stored["path"]), stored.get("type", ""),
                       round(score, 4), " ".join(snippets.snippet(stored, words).split()),
                       stored.get("summary", "")))
    return out


def _counts(open_ix: search_cache.OpenIndex, matched: int, taxonomy: Taxonomy | None) -> dict[str, list[FacetCount]]:
    """Matching pages per facet value: one popcount per value."""
    values = open_ix.facet_values()
    names = [n for n in values if n.startswith(FACET_PREFIX)]
    plain = [n for n in COUNT_FIELDS if not (n == "type" and facet_field(facets.RESOURCE_TYPE) in names)]
    out: dict[str, list[FacetCount]] = {}
    for name in [*names, *plain]:
        key = name[len(FACET_PREFIX):] if name.startswith(FACET_PREFIX) else name
        rows = []
        for value, pages in values.get(name, {}).items():
            count = (matched & pages).bit_count()
            if count:
                concept = taxonomy.concepts.get(value) if taxonomy else None
                rows.append(FacetCount(value, concept.label if concept else value, count))
        if rows:
            out[key] = sorted(rows, key=lambda r: (-r.count, r.value))
    return out


def _did_you_mean(open_ix: search_cache.OpenIndex, text: str, skip: set[str]) -> str | None:
    """The query with each word the hub does not use replaced by the closest word it
    does (kmgen.search_spelling), if any."""
    changed = text
    for word in dict.fromkeys(re.findall(r"(?<![\w:*?])[^\W\d_]{3,}(?![\w*?:])", text)):
        if word in _OPERATORS or word in skip:  # what is left of '*tion' is no typo
            continue
        found = open_ix.corrector().correct(word)
        if found:
            changed = re.sub(rf"(?<![\w]){re.escape(word)}(?![\w])", found, changed)
    return changed if changed != text else None


def as_json(results: SearchResults) -> dict[str, Any]:
    return {
        "query": results.query,
        "total": results.total,
        "did_you_mean": results.did_you_mean,
        "notes": results.notes,
        "hits": [{"path": h.path, "title": h.title, "type": h.type, "score": h.score, "snippet": h.snippet,
                  "summary": h.summary} for h in results.hits],
        "counts": {k: [{"value": c.value, "label": c.label, "count": c.count} for c in v]
                   for k, v in results.counts.items()},
    }
