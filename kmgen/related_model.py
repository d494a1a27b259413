"""Scoring related pages (see kmgen.related for how) from cached entries, weighed
with a snapshot of the hub's term and concept statistics.

A full pass takes a new snapshot and scores every page. When only a few pages
changed since, the snapshot is kept and only the pages a change can reach are
scored again (`update`): with the statistics fixed, a page's key terms depend
on its own text alone, so page P's list can only move when a changed page X
was or becomes one of P's candidates: X shared key terms with P scoring at
least the lowest of P's kept text candidates (P's `floor`, 0 when it kept all),
or X is among the first CONCEPT_CANDIDATES pages of a concept P has (only
those are ever concept candidates). Every other list is exactly what a full
pass with the same snapshot gives (tests/test_related_update.py). Once more
than DRIFT_SHARE of the pages changed since the snapshot, or the taxonomy
changed, kmgen.related makes a full pass again, which is exactly what a fresh
build gives: between two full passes, the drift is the difference between the
snapshot's document frequencies and today's, from at most that share of pages.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kmgen.related_cache import Entry, Snapshot, Terms
from kmgen.taxonomy import Taxonomy

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
DRIFT_SHARE = 0.01  # of the pages changed since the snapshot: then a full pass again
_SLACK = 1e-9  # float sums in another order: a candidate this close to the floor counts as reaching it

Vector = dict[str, float]  # key term -> weight, unit length
BodyOf = Callable[[str], str]
Progress = Callable[[Iterable[Any]], Iterable[Any]]


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


def term_idf(pages: int, n: int, common: float) -> float:
    # 0.0: not a key term anywhere (unique to one page, or too common)
    return math.log(pages / n) if 1 < n <= common else 0.0


def top_terms(terms: Terms, idf: Mapping[str, float], count: int = KEY_TERMS) -> Vector:
    scored: list[tuple[float, str]] = []
    for tf, words in terms.items():
        boost = 1 + math.log(tf)
        scored.extend([(boost * weight, term) for term in words if (weight := idf[term])])
    top = heapq.nlargest(count, scored)  # (weight, term): ties go the same way whatever the input order
    norm = math.sqrt(sum(w * w for w, _t in top)) or 1.0
    return {t: w / norm for w, t in top}


class _SnapshotIdf(dict[str, float]):
    """idf of each body term under the snapshot, computed when first asked."""

    def __init__(self, snap: Snapshot) -> None:
        super().__init__()
        self.snap = snap
        self.pages = max(1, snap.pages)
        self.common = max(COMMON_MIN, self.pages * COMMON_SHARE)

    def __missing__(self, term: str) -> float:
        value = self[term] = term_idf(self.pages, self.snap.df.get(term, 0), self.common)
        return value


def taxonomy_digest(taxonomy: Taxonomy | None) -> str:
    if taxonomy is None:
        return ""
    data = sorted((cid, list(taxonomy.ancestors(cid))) for cid in taxonomy.concepts)
    return hashlib.sha256(json.dumps(data).encode("utf-8")).hexdigest()


def take_snapshot(entries: Iterable[Entry], taxonomy: Taxonomy | None) -> Snapshot:
    df: Counter[str] = Counter()
    concept_df: Counter[str] = Counter()
    pages = resources = 0
    for entry in entries:
        pages += 1
        for words in (entry.terms or {}).values():
            df.update(words)
        if not entry.hub:
            resources += 1
            concept_df.update(entry.concepts)
    return Snapshot(pages, dict(df), resources, dict(concept_df), taxonomy_digest(taxonomy))


class Model:
    """Every live page, numbered in path order, weighed with one snapshot."""

    def __init__(self, entries: Mapping[str, Entry], snap: Snapshot, taxonomy: Taxonomy | None) -> None:
        ordered = [entries[p] for p in sorted(entries)]
        self.taxonomy = taxonomy
        self.pages = {n: _Page(n, e, dict.fromkeys(e.concepts)) for n, e in enumerate(ordered) if not e.hub}
        self.nums = {page.path: n for n, page in self.pages.items()}
        n_resources = max(1, snap.concept_pages)
        self.idf = {cid: math.log(1 + n_resources / n) for cid, n in snap.concept_df.items()}
        for page in self.pages.values():
            for cid in page.concepts.keys() - self.idf.keys():  # new since the snapshot: as rare as can be
                self.idf[cid] = math.log(1 + n_resources)
        for page in self.pages.values():
            page.weight = sum(self.idf[c] for c in page.concepts)
        term_weights = _SnapshotIdf(snap)
        for page in self.pages.values():  # a changed page's key terms, under the snapshot's statistics
            if page.entry.vector is None:
                page.entry.vector = top_terms(page.entry.terms or {}, term_weights)
        self.by_concept: dict[str, list[int]] = defaultdict(list)
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for num, page in self.pages.items():
            for cid in page.concepts:
                self.by_concept[cid].append(num)
            for term, weight in self.vector(num).items():
                self.postings[term].append((num, weight))

    def vector(self, num: int) -> Vector:
        return self.pages[num].entry.vector or {}

    def text_row(self, num: int) -> dict[int, float]:
        """Cosines with the pages sharing a key term, the TEXT_CANDIDATES best; sets the page's floor."""
        scores: dict[int, float] = defaultdict(float)
        for term, weight in self.vector(num).items():
            for other, w in self.postings[term]:
                scores[other] += weight * w
        scores.pop(num, None)
        floor = 0.0
        if len(scores) >= TEXT_CANDIDATES:
            scores = dict(heapq.nlargest(TEXT_CANDIDATES, scores.items(), key=lambda kv: kv[1]))
            floor = min(scores.values())
        self.pages[num].entry.floor = floor
        return dict(scores)

    def best(self, num: int, text: dict[int, float], body_of: BodyOf | None) -> list[RelatedItem]:
        page = self.pages[num]
        items = []
        for other in (set(text) | self._concept_candidates(page)) - {num}:
            csim = self._concept_similarity(page, self.pages[other])
            score = WEIGHT_TEXT * min(1.0, text.get(other, 0.0)) + WEIGHT_CONCEPTS * csim
            if score >= MIN_SCORE or (csim > 0 and score >= MIN_SCORE_WITH_CONCEPT):
                items.append((score, self.pages[other].path, other))
        best = heapq.nsmallest(PER_PAGE, items, key=lambda i: (-i[0], i[1]))
        if not best:
            return []
        words = surface_words(page.entry, self.vector(num), body_of)
        return [self._item(page, self.pages[o], s, words) for s, _p, o in best]

    def _concept_candidates(self, page: _Page) -> set[int]:
        """Pages sharing the page's rarest concepts, until there are enough to rank."""
        out: set[int] = set()
        for cid in sorted(page.concepts, key=lambda c: (-self.idf[c], c)):
            out.update(self.by_concept[cid][:CONCEPT_CANDIDATES])
            if len(out) >= CONCEPT_CANDIDATES:
                break
        return out

    def _concept_similarity(self, a: _Page, b: _Page) -> float:
        if not a.weight or not b.weight:
            return 0.0
        shared = sum(self.idf[c] for c in a.concepts if c in b.concepts)
        return shared / (a.weight + b.weight - shared)

    def _item(self, page: _Page, other: _Page, score: float, words: dict[str, str]) -> RelatedItem:
        shared = page.concepts.keys() & other.concepts.keys()
        if self.taxonomy is not None:  # 'identity' says more than its ancestor 'digital-id-layer'
            broader = {a for cid in shared for a in self.taxonomy.ancestors(cid)}
            shared = shared - broader
        ordered = sorted(shared, key=lambda c: (-self.idf[c], c))
        mine, theirs = self.vector(page.num), self.vector(other.num)
        common = sorted(mine.keys() & theirs.keys(), key=lambda t: (-mine[t] * theirs[t], t))[:5]
        return RelatedItem(other.path, other.entry.title, round(score, 4), tuple(ordered),
                           tuple(words[t] for t in common))

    # -- what a change reaches ------------------------------------------------------------
    def reached_by(self, before: Entry | None, now: Entry | None, old_members: Callable[[str], list[str]]) -> set[int]:
        """Pages whose list may move because one page went from `before` to `now`
        (either None when the page was added or deleted)."""
        out: set[int] = set()
        for entry in (before, now):
            if entry is None or entry.hub:
                continue
            scores: dict[int, float] = defaultdict(float)
            for term, weight in (entry.vector or {}).items():
                for other, w in self.postings.get(term, ()):
                    scores[other] += weight * w
            out.update(o for o, s in scores.items() if s >= self.pages[o].entry.floor - _SLACK)
            for cid in entry.concepts:
                members = [self.pages[n].path for n in self.by_concept.get(cid, ())]
                if _early(entry.path, members) or _early(entry.path, old_members(cid)):
                    out.update(self.by_concept.get(cid, ()))
        return out


def _early(path: str, members: list[str]) -> bool:
    """Whether `path` is (or would be) among the first CONCEPT_CANDIDATES of `members` (path order)."""
    return sum(1 for m in members if m < path) < CONCEPT_CANDIDATES


def surface_words(entry: Entry, stems: Iterable[str], body_of: BodyOf | None) -> dict[str, str]:
    """The words of `stems` as the page writes them: from the run's analysis when it
    has one, else cached when they cover `stems` (a stem's word depends only on the
    page's text, which the fingerprint pins), else read from the text."""
    from kmgen.related import _surface

    wanted = list(stems)
    if entry.forms is not None:
        entry.surface = {s: entry.forms.get(s, s) for s in wanted}
    elif any(s not in entry.surface for s in wanted):
        body = entry.body if entry.body is not None else body_of(entry.path) if body_of else ""
        entry.surface = _surface(body, wanted)
    return entry.surface


def full_pass(entries: Mapping[str, Entry], taxonomy: Taxonomy | None, progress: Progress | None = None,
              body_of: BodyOf | None = None, snap: Snapshot | None = None
              ) -> tuple[dict[str, list[RelatedItem]], Snapshot]:
    """Every page's list, weighed with `snap` or (normally) a new snapshot of `entries`."""
    if snap is None:
        snap = take_snapshot(entries.values(), taxonomy)
        for entry in entries.values():
            entry.vector = None  # weighed again under the new snapshot
    model = Model(entries, snap, taxonomy)
    out: dict[str, list[RelatedItem]] = {}
    for num in progress(list(model.pages)) if progress else list(model.pages):
        items = model.best(num, model.text_row(num), body_of)
        if items:
            out[model.pages[num].path] = items
    return out, snap


def update(entries: Mapping[str, Entry], before: Mapping[str, Entry], changed: set[str], snap: Snapshot,
           taxonomy: Taxonomy | None, body_of: BodyOf | None) -> dict[str, list[RelatedItem]]:
    """The lists a change reaches, scored again under `snap` after `changed` pages
    moved from `before` to `entries` (an empty list: the page now has none). Every
    other list stays what it was."""
    model = Model(entries, snap, taxonomy)

    def old_members(cid: str) -> list[str]:
        kept = [model.pages[n].path for n in model.by_concept.get(cid, ()) if model.pages[n].path not in changed]
        gone = [p for p in changed if p in before and not before[p].hub and cid in before[p].concepts]
        return kept + gone

    reached: set[int] = set()
    for path in changed:
        now = model.nums.get(path)
        if now is not None:
            reached.add(now)
        reached |= model.reached_by(before.get(path), model.pages[now].entry if now is not None else None,
                                    old_members)
    snap.changed += len(changed)
    return {model.pages[num].path: model.best(num, model.text_row(num), body_of) for num in sorted(reached)}
