"""Tag suggestions: which concepts a page is about, with a confidence and the evidence.

Kinds of evidence, combined as independent witnesses (noisy-or):

- labels: a concept's label, synonym or misspelling written in the page, worth
  more in the title, summary and headings than in the body, and less when the
  phrase is in most pages of the hub (it then tells pages apart poorly);
- definition: the words of the concept's labels and definition against the
  page's words (tf-idf cosine), a weak witness on its own;
- neighbours: the concepts carried by the pages most like this one (shared
  words, plus shared tags when the page already has some);
- lineage: for the reuse facet, whether the page declares `based_on` or
  `translation_of`.

The default threshold comes from `bench/tag_bench.py` (leave-one-out on the
sample hub); see the README.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kmgen import facets, fixing
from kmgen.content import Document
from kmgen.taxonomy import Concept, Taxonomy, fold
from kmgen.writes import write_atomic

DEFAULT_MIN_CONFIDENCE = 0.5
FIELD_WEIGHTS = {"title": 3.0, "summary": 2.0, "headings": 2.0, "body": 1.0}
NEIGHBOURS = 5
VECTOR_WORDS = 60  # words per page compared when looking for neighbours
NEIGHBOUR_DAMPING = 0.5
# The reuse facet's concept (by label) that a page's lineage fields point to, and how strongly.
REUSE_FACET = "reuse"
LINEAGE = {"translation_of": ("translated", 2.0), "based_on": ("adapted", 1.0), "": ("original", 1.0)}
TAG_SHARE = 0.3  # how much sharing the page's known tags adds to a neighbour's similarity
# How far each witness alone can take the confidence.
LABEL_WEIGHT, DEFINITION_WEIGHT, NEIGHBOUR_WEIGHT = 0.95, 0.5, 0.8
MAX_PHRASE = 6  # longest label, in words, matched as a phrase
SHORT_LABEL = 3  # labels this short (ID, KE, NO) only match as written, case and all

_STOP = frozenset("""a about above after again all also an and any are as at be because been before being
between both but by can could did do does doing down during each few for from further had has have having
he her here hers him his how i if in into is it its itself just more most must no nor not now of off on
once only or other our ours out over own same she should so some such than that the their them then there
these they this those through to too under until up very was we were what when where which while who whom
why will with would you your within without may might use used using one two new also""".split())
_CODE_RE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.M | re.S)
_URL_RE = re.compile(r"\]\([^)]*\)|<[^>]+>|https?://\S+")
# Linear on hostile input: no nested or adjacent unbounded groups to backtrack over.
_HEADING_RE = re.compile(r"^#{1,6}[ \t]+([^\n]*)$", re.M)


@dataclass(frozen=True)
class Suggestion:
    concept: str
    facet: str
    key: str  # the front-matter key it is written to
    label: str
    confidence: float
    words: tuple[str, ...] = ()  # evidence: "title: digital id", "definition: wallet"
    neighbours: tuple[str, ...] = ()  # evidence: paths of similar pages carrying it

    def as_json(self) -> dict[str, object]:
        return {"concept": self.concept, "label": self.label, "facet": self.facet, "key": self.key,
                "confidence": self.confidence, "evidence": {"words": list(self.words),
                                                            "neighbours": list(self.neighbours)}}


@dataclass
class _Page:
    """A page's text, folded, by field."""

    fields: dict[str, list[str]]  # field -> folded words, in order
    raw: str  # original text, for short labels matched as written
    vector: dict[str, float] = field(default_factory=dict)  # tf-idf, unit length


def page_fields(doc: Document) -> dict[str, str]:
    """Title, summary, headings and body text (code, links and markup left out)."""
    body = _URL_RE.sub(" ", _CODE_RE.sub(" ", doc.body))
    headings = " . ".join(h.rstrip(" \t#") for h in _HEADING_RE.findall(body))
    return {"title": _text(doc.get("title")), "summary": _text(doc.get("summary")),
            "headings": headings, "body": _HEADING_RE.sub(" ", body)}


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


class Suggester:
    """Built once per hub: label and word statistics, page vectors, known tags."""

    def __init__(self, tax: Taxonomy, documents: Mapping[str, Document], tags: Mapping[str, facets.Tags]):
        self.tax = tax
        self.tags = dict(tags)
        self.pages: dict[str, _Page] = {}
        self.lineage = {path: _lineage(doc) for path, doc in documents.items()}
        for path, doc in documents.items():
            if doc.has_front_matter:
                texts = page_fields(doc)
                self.pages[path] = _Page({k: fold(v).split() for k, v in texts.items()}, " ".join(texts.values()))
        self.phrases = _phrases(tax)
        self.lengths: dict[str, set[int]] = {}  # first word of a phrase -> phrase lengths
        for phrase in self.phrases:
            words = phrase.split()
            self.lengths.setdefault(words[0], set()).add(len(words))
        self.short = _short_labels(tax)
        self.short_re = (re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, sorted(self.short, key=len, reverse=True)))
                                    + r")(?![\w-])") if self.short else None)
        df: Counter[str] = Counter()
        self.phrase_df: Counter[str] = Counter()  # pages each label phrase is found in
        for page in self.pages.values():
            df.update({w for words in page.fields.values() for w in words})
            hits = self._label_hits(page).values()
            self.phrase_df.update({p for by_field in hits for found in by_field.values() for p in found})
        n = len(self.pages) or 1
        self.idf = {w: math.log((n + 1) / (c + 1)) + 1 for w, c in df.items()}
        self.n = n
        self.postings: dict[str, list[tuple[str, float]]] = {}  # word -> (page, weight) for neighbours
        self.carried = {p: {cid for ids in t.values() for cid in ids} for p, t in self.tags.items()}
        for path, page in self.pages.items():
            page.vector = self._vector(_weighted(page))
            for w, v in _top(page.vector):
                self.postings.setdefault(w, []).append((path, v))
        self.concept_vectors = {cid: self._vector(_concept_words(c)) for cid, c in tax.concepts.items()}

    # -- evidence -----------------------------------------------------------
    def _label_hits(self, page: _Page) -> dict[str, dict[str, set[str]]]:
        """concept id -> field -> label phrases of it found in that field."""
        hits: dict[str, dict[str, set[str]]] = {}
        for name, words in page.fields.items():
            for i, word in enumerate(words):
                for n in self.lengths.get(word, ()):
                    phrase = " ".join(words[i:i + n])
                    for cid in self.phrases.get(phrase, ()):
                        hits.setdefault(cid, {}).setdefault(name, set()).add(phrase)
        for label in set(self.short_re.findall(page.raw)) if self.short_re else ():
            for cid in self.short[label]:
                hits.setdefault(cid, {}).setdefault("body", set()).add(label)
        return hits

    def _vector(self, counts: Mapping[str, float]) -> dict[str, float]:
        vec = {w: (1 + math.log(c)) * self.idf.get(w, math.log(self.n + 1) + 1) for w, c in counts.items() if c > 0}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {w: v / norm for w, v in vec.items()}

    def neighbours(self, path: str, known: set[str]) -> list[tuple[str, float]]:
        """The pages most like `path`: word cosine (over each page's strongest
        words), plus a share of the known tags they also carry."""
        sims: dict[str, float] = {}
        for w, v in _top(self.pages[path].vector):
            for other, weight in self.postings.get(w, ()):
                sims[other] = sims.get(other, 0.0) + v * weight
        scored = []
        for other, theirs in self.carried.items():
            if other == path or other not in self.pages:
                continue
            sim = sims.get(other, 0.0)
            if known and theirs:
                sim += TAG_SHARE * len(known & theirs) / len(known | theirs)
            if sim > 0.05:
                scored.append((other, sim))
        scored.sort(key=lambda x: (-x[1], x[0]))
        return scored[:NEIGHBOURS]

    # -- suggestions --------------------------------------------------------
    def suggest(self, path: str, known: facets.Tags | None = None) -> list[Suggestion]:
        """Concepts for the page at `path`, best first. `known` are the tags it
        already has (default: its own); those and their ancestors are skipped."""
        if path not in self.pages:
            return []
        known = self.tags.get(path, {}) if known is None else known
        known_ids = {cid for ids in known.values() for cid in ids}
        implied = set(self.tax.expand(known_ids))
        page = self.pages[path]
        hits = self._label_hits(page)
        lineage = self._lineage_hint(path)
        near = self.neighbours(path, known_ids)
        # Damped: one faintly similar page carrying a concept is weak evidence.
        total = sum(s for _p, s in near) + NEIGHBOUR_DAMPING
        out: list[Suggestion] = []
        for cid, concept in self.tax.concepts.items():
            if cid in implied or concept.facet == facets.RESOURCE_TYPE:
                continue
            label_score, words = self._label_score(hits.get(cid, {}))
            if cid in lineage:
                label_score += lineage[cid][0]
                words = (lineage[cid][1], *words)
            overlap = _cosine(page.vector, self.concept_vectors[cid])
            carriers = [(p, s) for p, s in near if cid in self.tags[p].get(concept.facet, ())]
            confidence = _combine(label_score, overlap, sum(s for _p, s in carriers) / total)
            if confidence < 0.05:
                continue
            if overlap > 0.05:
                said = {w for item in words for w in item.split(": ", 1)[1].lower().split()}
                words += tuple(f"definition: {w}" for w in _shared_words(page.vector, self.concept_vectors[cid])
                               if w not in said)
            out.append(Suggestion(cid, concept.facet, self.tax.facets[concept.facet].key, concept.label,
                                  round(confidence, 3), words, tuple(p for p, _s in carriers)))
        return self._prune(out, known)

    def _lineage_hint(self, path: str) -> dict[str, tuple[float, str]]:
        """The reuse facet follows from `translation_of` and `based_on` (DESIGN.md §4):
        a page with neither is most likely original."""
        field = self.lineage.get(path, "")
        label, strength = LINEAGE[field]
        found = self.tax.resolve(label, REUSE_FACET)
        evidence = f"front matter: {field}" if field else "front matter: no based_on"
        return {found[0].concept.id: (strength, evidence)} if len(found) == 1 else {}

    def _label_score(self, found: dict[str, set[str]]) -> tuple[float, tuple[str, ...]]:
        score = 0.0
        words: list[str] = []
        for name in FIELD_WEIGHTS:
            for phrase in sorted(found.get(name, ())):
                rarity = math.log((self.n + 1) / (self.phrase_df.get(phrase, 0) + 1)) / math.log(self.n + 1)
                score += FIELD_WEIGHTS[name] * max(rarity, 0.05) * 0.5
                words.append(f"{name}: {phrase}")
        return score, tuple(words)

    def _prune(self, found: list[Suggestion], known: facets.Tags) -> list[Suggestion]:
        """One value for a single-valued facet; no broader concept of a better suggestion."""
        found.sort(key=lambda s: (-s.confidence, s.concept))
        best = {s.concept: s.confidence for s in found}
        out: list[Suggestion] = []
        single_done: set[str] = set()
        for s in found:
            facet = self.tax.facets[s.facet]
            if not facet.multiple and (known.get(s.facet) or s.facet in single_done):
                continue
            if any(best.get(d, 0.0) >= s.confidence for d in self.tax.descendants(s.concept)):
                continue
            single_done.add(s.facet)
            out.append(s)
        return out


def _combine(label_score: float, overlap: float, vote: float) -> float:
    """Noisy-or of the three witnesses, each capped by how far it alone may go."""
    return 1 - ((1 - LABEL_WEIGHT * (1 - math.exp(-label_score)))
                * (1 - DEFINITION_WEIGHT * min(1.0, 2 * overlap))
                * (1 - NEIGHBOUR_WEIGHT * vote))


def _lineage(doc: Document) -> str:
    return next((key for key in ("translation_of", "based_on") if doc.get(key)), "")


def _phrases(tax: Taxonomy) -> dict[str, list[str]]:
    """folded label phrase -> concept ids (short labels are matched separately)."""
    out: dict[str, list[str]] = {}
    for c in tax.concepts.values():
        for name in c.labels():
            phrase = fold(name)
            if len(phrase) > SHORT_LABEL and len(phrase.split()) <= MAX_PHRASE and c.id not in out.get(phrase, []):
                out.setdefault(phrase, []).append(c.id)
    return out


def _short_labels(tax: Taxonomy) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for c in tax.concepts.values():
        for name in c.labels():
            if 0 < len(fold(name)) <= SHORT_LABEL and c.id not in out.get(name.strip(), []):
                out.setdefault(name.strip(), []).append(c.id)
    return out


def _top(vector: Mapping[str, float]) -> list[tuple[str, float]]:
    """A page's strongest words: enough to find its neighbours, cheap to compare."""
    return sorted(vector.items(), key=lambda x: (-x[1], x[0]))[:VECTOR_WORDS]


def _weighted(page: _Page) -> dict[str, float]:
    counts: dict[str, float] = {}
    for name, words in page.fields.items():
        for w in words:
            if w not in _STOP and len(w) > 2 and not w.isdigit():
                counts[w] = counts.get(w, 0.0) + FIELD_WEIGHTS[name]
    return counts


def _concept_words(c: Concept) -> Counter[str]:
    counts: Counter[str] = Counter()
    for text, weight in ((c.label, 2), (" ".join(c.alt_labels), 2), (c.definition, 1)):
        for w in fold(text).split():
            if w not in _STOP and len(w) > 2:
                counts[w] += weight
    return counts


def _cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(w, 0.0) for w, v in a.items())


def _shared_words(page: Mapping[str, float], concept: Mapping[str, float], limit: int = 4) -> list[str]:
    """The words a page shares with a concept's labels and definition, strongest first."""
    return [w for _s, w in sorted(((page[w] * v, w) for w, v in concept.items() if w in page), reverse=True)[:limit]]


def suggest_pages(suggester: Suggester, paths: Iterable[str],
                  min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> dict[str, list[Suggestion]]:
    return {p: [s for s in suggester.suggest(p) if s.confidence >= min_confidence] for p in paths}


def apply(root: Path, doc: Document, tax: Taxonomy, accepted: Iterable[Suggestion]) -> list[str]:
    """Write accepted suggestions into their facets' keys with the guarded edit
    (kmgen.fixing); returns the concept ids written. Raises fixing.EditRefused."""
    changes: dict[str, fixing.Value] = {}
    added: list[str] = []
    for s in accepted:
        facet = tax.facets[s.facet]
        value = doc.fields.get(s.key)
        old = [] if value is None else facets.terms(doc, s.key)
        current = changes.get(s.key, old)
        if not all(isinstance(t, str) for t in current) or (not facet.multiple and current):
            continue
        changes[s.key] = s.concept if not facet.multiple else [*current, s.concept]
        added.append(s.concept)
    if not changes:
        return []
    data, out = fixing.planned_edit(root, doc, tax, changes, added)
    if out == data:
        return []
    write_atomic(root / doc.path, out)
    return added
