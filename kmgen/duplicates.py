"""Near-duplicate pages: pairs that say the same thing, found so they can be merged.

Three kinds of pair:
- exact: the same body text word for word (front matter aside);
- near: word 3-shingle Jaccard of the bodies at or above the threshold (0.7 by
  default). Changing 3% of the words of a page, spread out, touches about 9%
  of its 3-word shingles, which leaves a Jaccard of about 0.83; two pages
  that merely share a template's headings stay far below 0.3;
- title: a stub (under STUB_WORDS words) that repeats the title of a fuller page.

Finding candidates is the expensive part, and there are two ways, both
confirmed by the same exact Jaccard:
- `find_in_index` (`kmgen duplicates`): pages whose key terms in the index
  (their term vectors) are alike are compared;
- `find_in_texts` (`kmgen check`, which must not need an index): a bottom-k
  sketch per page (the SKETCH smallest shingle hashes). Pages whose sketches
  share SHARED_MIN values are compared; near-copies share most of them,
  unrelated pages almost none. Sketch values found in more than MAX_POSTING
  pages (boilerplate) are ignored, so the work stays near-linear in pages.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from kmgen.index import plain_text
from kmgen.taxonomy import fold

SHINGLE = 3
THRESHOLD = 0.7
MIN_WORDS = 40  # shorter bodies say too little to call two of them "the same"
STUB_WORDS = 80
SKETCH = 64
SHARED_MIN = 4
MAX_POSTING = 50
CANDIDATE_COSINE = 0.8  # copies, even edited ones, keep nearly all their key terms
CANDIDATES = 10  # per page, the most alike by key terms


@dataclass(frozen=True)
class Text:
    path: str
    title: str
    words: tuple[str, ...]  # the body's words, folded (case, accents, punctuation)

    @property
    def folded_title(self) -> str:
        return fold(self.title)


@dataclass(frozen=True)
class Pair:
    a: str  # paths, a < b
    b: str
    kind: str  # "exact" | "near" | "title"
    similarity: float  # Jaccard of the bodies' word 3-shingles
    words_a: int
    words_b: int
    title_a: str = ""
    title_b: str = ""

    def describe(self) -> str:
        if self.kind == "exact":
            return "the same text word for word"
        if self.kind == "title":
            stub, words = (self.a, self.words_a) if self.words_a < self.words_b else (self.b, self.words_b)
            return f"the same title; {stub} is a stub of {words} words"
        return f"{round(self.similarity * 100)}% of their wording is the same"


def make_text(path: str, title: Any, markdown_body: str) -> Text:
    body, headings = plain_text(markdown_body)
    return Text(path, str(title) if title else path, tuple(fold("\n".join([*headings, body])).split()))


def shingles(words: tuple[str, ...]) -> frozenset[int]:
    """Hashes of every run of SHINGLE consecutive words (hash() is stable within a
    run, which is all a comparison needs)."""
    if len(words) < SHINGLE:
        return frozenset({hash(words)}) if words else frozenset()
    return frozenset(map(hash, zip(*(words[i:] for i in range(SHINGLE)), strict=False)))


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


class _Shingles:
    """Shingle sets computed once per page, on demand."""

    def __init__(self, texts: dict[str, Text]):
        self.texts = texts
        self._sets: dict[str, frozenset[int]] = {}

    def __getitem__(self, path: str) -> frozenset[int]:
        if path not in self._sets:
            self._sets[path] = shingles(self.texts[path].words)
        return self._sets[path]


def confirm(a: Text, b: Text, sets: _Shingles, threshold: float) -> Pair | None:
    if a.path > b.path:
        a, b = b, a
    if len(a.words) < MIN_WORDS or len(b.words) < MIN_WORDS:
        return None
    if a.words == b.words:
        return Pair(a.path, b.path, "exact", 1.0, len(a.words), len(b.words), a.title, b.title)
    sa, sb = sets[a.path], sets[b.path]
    if min(len(sa), len(sb)) < threshold * max(len(sa), len(sb)):
        return None  # Jaccard is at most the ratio of the set sizes
    similarity = jaccard(sa, sb)
    if similarity < threshold:
        return None
    return Pair(a.path, b.path, "near", round(similarity, 4), len(a.words), len(b.words), a.title, b.title)


def same_title_stubs(texts: Iterable[Text], sets: _Shingles) -> list[Pair]:
    by_title: dict[str, list[Text]] = defaultdict(list)
    for t in texts:
        if t.folded_title and t.title != t.path:
            by_title[t.folded_title].append(t)
    out = []
    for group in by_title.values():
        for a, b in combinations(sorted(group, key=lambda t: t.path), 2):
            stub, full = (a, b) if len(a.words) < len(b.words) else (b, a)
            if len(stub.words) < STUB_WORDS <= len(full.words):
                out.append(Pair(a.path, b.path, "title", round(jaccard(sets[a.path], sets[b.path]), 4),
                                len(a.words), len(b.words), a.title, b.title))
    return out


def _merge(found: Iterable[Pair]) -> list[Pair]:
    """One pair per two pages (an exact or near copy wins over a title match)."""
    rank = {"exact": 0, "near": 1, "title": 2}
    best: dict[tuple[str, str], Pair] = {}
    for p in found:
        key = (p.a, p.b)
        if key not in best or rank[p.kind] < rank[best[key].kind]:
            best[key] = p
    return sorted(best.values(), key=lambda p: (-p.similarity, p.a, p.b))


# -- without an index: sketches -----------------------------------------------------------
def find_in_texts(texts: Iterable[Text], threshold: float = THRESHOLD) -> list[Pair]:
    by_path = {t.path: t for t in texts}
    sets = _Shingles(by_path)
    postings: dict[int, list[str]] = defaultdict(list)
    for path, text in by_path.items():
        if len(text.words) >= MIN_WORDS:
            for value in heapq.nsmallest(SKETCH, sets[path]):
                postings[value].append(path)
    shared: Counter[tuple[str, str]] = Counter()
    for paths in postings.values():
        if 1 < len(paths) <= MAX_POSTING:
            shared.update(combinations(sorted(paths), 2))
    found = [confirm(by_path[a], by_path[b], sets, threshold) for (a, b), n in shared.items() if n >= SHARED_MIN]
    return _merge([p for p in found if p] + same_title_stubs(by_path.values(), sets))


def find_in_hub(hub: Any, threshold: float = THRESHOLD) -> list[Pair]:
    """Every page that parsed, drafts and pages with errors too: a contributor
    should hear about a duplicate before the page is otherwise ready."""
    texts = [make_text(path, doc.get("title"), doc.body) for path, doc in sorted(hub.documents.items())]
    return find_in_texts(texts, threshold)


# -- with the index: key-term candidates ----------------------------------------------------
def find_in_index(ix: Any, threshold: float = THRESHOLD) -> list[Pair]:
    """Pairs among the indexed pages. Candidates are pages whose key terms (tf-idf
    weighted, from the index's term vectors; see kmgen.related) have a cosine of
    at least CANDIDATE_COSINE: copies share nearly all their key terms."""
    from kmgen.related import cosine_neighbours, key_terms

    with ix.searcher() as searcher:
        texts: dict[int, Text] = {}
        for docnum, stored in searcher.reader().iter_docs():
            path = stored["path"]
            words = fold("\n".join([stored.get("headings", ""), stored.get("body", "")])).split()
            texts[docnum] = Text(path, stored.get("title", path), tuple(words))
        long_enough = [n for n, t in texts.items() if len(t.words) >= MIN_WORDS]
        neighbours = cosine_neighbours(key_terms(searcher.reader(), long_enough), keep=CANDIDATES)
    candidates = {tuple(sorted((texts[a].path, texts[b].path)))
                  for a, found in neighbours.items() for b, cos in found.items() if cos >= CANDIDATE_COSINE}
    by_words: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for text in texts.values():
        by_words[text.words].append(text.path)
    for paths in by_words.values():  # exact copies, even of pages with no key terms
        candidates.update(combinations(sorted(paths), 2))
    by_path = {t.path: t for t in texts.values()}
    sets = _Shingles(by_path)
    found = [confirm(by_path[a], by_path[b], sets, threshold) for a, b in sorted(candidates)]
    return _merge([p for p in found if p] + same_title_stubs(by_path.values(), sets))


def as_json(pairs: list[Pair]) -> list[dict[str, Any]]:
    return [{"a": p.a, "b": p.b, "kind": p.kind, "similarity": p.similarity, "title_a": p.title_a,
             "title_b": p.title_b, "words_a": p.words_a, "words_b": p.words_b, "reason": p.describe()}
            for p in pairs]
