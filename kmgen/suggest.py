"""Tag suggestions: which concepts a page is about, with a confidence and the evidence.

Kinds of evidence (witnesses), for every concept:

- labels: a concept's label, synonym or misspelling written in the page, plurals
  folded ('registries' finds 'Registry'), worth more in the title, summary and
  headings than in the body, and less when the phrase is in most pages of the
  hub (it then tells pages apart poorly);
- definition: the words of the concept's labels and definition against the
  page's words (tf-idf cosine);
- neighbours: the share, by similarity, of the most similar tagged pages that
  carry the concept, with the concept's base rate in the hub voting as one more
  page (shared words, plus shared tags when the page already has some);
- lineage: for the reuse facet, whether the page declares `based_on` or
  `translation_of` (counted with the labels).

A logistic model turns the witnesses into a confidence. Its weights are learnt
from the hub itself: every tagged page is predicted with its own tags hidden, so
a confidence of 0.7 means about 70% of such suggestions were right on this hub
(kmgen.suggest_evidence). The default threshold comes from `bench/tag_bench.py`
(leave-one-out on the sample hub); see the README.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kmgen import facets, fixing, frontmatter_edit
from kmgen import suggest_evidence as ev
from kmgen.content import Document
from kmgen.taxonomy import Taxonomy, fold
from kmgen.writes import write_atomic

# The threshold with the best F1 among those with precision >= 0.85 in
# bench/tag_bench.py on the sample hub (0.6: P 0.88, R 0.37, F1 0.52). The
# confidences are calibrated, so it also reads as "right at least 60% of the time".
DEFAULT_MIN_CONFIDENCE = 0.6
FIELD_WEIGHTS = {"title": 3.0, "summary": 2.0, "headings": 2.0, "body": 1.0}
NEIGHBOURS = 10
# The base rate of a concept votes with the neighbours as one fully similar page would
# (pages are a cosine of 0.1-0.4 alike): no neighbours, the vote is the base rate.
PRIOR_WEIGHT = 1.0
# The reuse facet's concept (by label) that a page's lineage fields point to, and how strongly.
REUSE_FACET = "reuse"
LINEAGE = {"translation_of": ("translated", 2.0), "based_on": ("adapted", 1.0), "": ("original", 1.0)}
TAG_SHARE = 0.3  # how much sharing the page's known tags adds to a neighbour's similarity
TRAINING_PAGES = 200  # tagged pages the model learns its weights from, at most (cost grows with the square)
MAX_PHRASE = 6  # longest label, in words, matched as a phrase
SHORT_LABEL = 3  # labels this short (ID, KE, NO) only match as written, case and all
_CODE_RE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.M | re.S)
_URL_RE = re.compile(r"\]\([^)]*\)|<[^>]+>|https?://\S+")
# Linear on hostile input: no nested or adjacent unbounded groups to backtrack over.
_HEADING_RE = re.compile(r"^#{1,6}[ \t]+([^\n]*)$", re.M)

Witness = tuple[tuple[float, ...], float, tuple[str, ...], tuple[str, ...]]  # features, overlap, words, neighbours


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
    """A page's text, folded, by field: as written (for evidence) and plural-folded (for matching)."""

    fields: dict[str, list[str]]  # field -> folded words, in order
    raw: str  # original text, for short labels matched as written
    stems: dict[str, list[str]] = field(default_factory=dict)  # field -> plural-folded words
    vector: dict[str, float] = field(default_factory=dict)  # tf-idf over stems, unit length

    def __post_init__(self) -> None:
        self.stems = {k: [ev.stem(w) for w in words] for k, words in self.fields.items()}


def page_fields(doc: Document) -> dict[str, str]:
    """Title, summary, headings and body text (code, links and markup left out)."""
    body = _URL_RE.sub(" ", _CODE_RE.sub(" ", doc.body))
    headings = " . ".join(h.rstrip(" \t#") for h in _HEADING_RE.findall(body))
    return {"title": _text(doc.get("title")), "summary": _text(doc.get("summary")),
            "headings": headings, "body": _HEADING_RE.sub(" ", body)}


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


class Suggester:
    """Built once per hub: label and word statistics, page vectors, known tags.
    The model's weights are learnt from the tagged pages on first use."""

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
        self._index()
        # Tags say which pages are alike (all of them) and what a neighbour votes for (all but `type`).
        self.carried = {p: {cid for ids in t.values() for cid in ids} for p, t in self.tags.items()}
        self.voters = sum(1 for p in self.tags if self._votes_for(p))
        self.concept_count = Counter(cid for t in self.tags.values() for ids in t.values() for cid in ids)
        self.concept_vectors = {cid: self._vector(ev.concept_words(c)) for cid, c in tax.concepts.items()}
        self._weights: tuple[float, ...] | None = None

    def _index(self) -> None:
        """Word and label-phrase document frequencies, page vectors and their postings."""
        df: Counter[str] = Counter()
        self.phrase_df: Counter[str] = Counter()  # pages each (plural-folded) label phrase is found in
        for page in self.pages.values():
            df.update({w for words in page.stems.values() for w in words})
            hits = self._label_hits(page).values()
            self.phrase_df.update({key for by_field in hits for found in by_field.values() for key in found.values()})
        self.n = len(self.pages) or 1
        self.idf = {w: math.log((self.n + 1) / (c + 1)) + 1 for w, c in df.items()}
        self.postings: dict[str, list[tuple[str, float]]] = {}  # word -> (page, weight), for neighbours
        for path, page in self.pages.items():
            page.vector = self._vector(_weighted(page))
            for w, v in page.vector.items():
                self.postings.setdefault(w, []).append((path, v))

    # -- evidence -----------------------------------------------------------
    def _label_hits(self, page: _Page) -> dict[str, dict[str, dict[str, str]]]:
        """concept id -> field -> label phrases of it found there (as written -> plural-folded)."""
        hits: dict[str, dict[str, dict[str, str]]] = {}
        for name, words in page.stems.items():
            for i, word in enumerate(words):
                for n in self.lengths.get(word, ()):
                    key = " ".join(words[i:i + n])
                    for cid in self.phrases.get(key, ()):
                        hits.setdefault(cid, {}).setdefault(name, {})[" ".join(page.fields[name][i:i + n])] = key
        for label in set(self.short_re.findall(page.raw)) if self.short_re else ():
            for cid in self.short[label]:
                hits.setdefault(cid, {}).setdefault("body", {})[label] = label
        return hits

    def _vector(self, counts: Mapping[str, float]) -> dict[str, float]:
        vec = {w: (1 + math.log(c)) * self.idf.get(w, math.log(self.n + 1) + 1) for w, c in counts.items() if c > 0}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {w: v / norm for w, v in vec.items()}

    def neighbours(self, path: str, known: set[str]) -> list[tuple[str, float]]:
        """The tagged pages most like `path`: word cosine, plus a share of the
        known tags they also carry."""
        sims: dict[str, float] = {}
        for w, v in self.pages[path].vector.items():
            for other, weight in self.postings.get(w, ()):
                sims[other] = sims.get(other, 0.0) + v * weight
        scored = []
        for other, theirs in self.carried.items():
            if other == path or other not in self.pages or not self._votes_for(other):
                continue
            sim = sims.get(other, 0.0)
            if known and theirs:
                sim += TAG_SHARE * len(known & theirs) / len(known | theirs)
            if sim > 0:
                scored.append((other, sim))
        scored.sort(key=lambda x: (-x[1], x[0]))
        return scored[:NEIGHBOURS]

    def _votes_for(self, path: str) -> bool:
        return any(ids for f, ids in self.tags.get(path, {}).items() if f != facets.RESOURCE_TYPE)

    def _votes(self, path: str, near: list[tuple[str, float]]) -> dict[str, tuple[float, tuple[str, ...]]]:
        """concept id -> (similarity-weighted share of the neighbours carrying it, those
        neighbours): the similarity of the neighbours carrying it over their total. The
        concept's base rate in the hub votes too, with PRIOR_WEIGHT, so that a few faintly
        similar pages count for little and no neighbours means the base rate."""
        priors = self._priors(path)
        total = sum(s for _p, s in near) + PRIOR_WEIGHT
        carried: dict[str, list[str]] = {}
        weight: dict[str, float] = {}
        for p, s in near:
            for cid in self._carried_ids(p):
                carried.setdefault(cid, []).append(p)
                weight[cid] = weight.get(cid, 0.0) + s
        return {cid: ((weight.get(cid, 0.0) + PRIOR_WEIGHT * priors[cid]) / total, tuple(carried.get(cid, ())))
                for cid in self.tax.concepts}

    def _carried_ids(self, path: str) -> set[str]:
        # Exact concepts only: counting a neighbour's broader concepts too was measured
        # (bench/tag_bench.py) to suggest layers where the pages carry blocks.
        return {c for ids in self.tags.get(path, {}).values() for c in ids}

    def _priors(self, path: str) -> dict[str, float]:
        """Each concept's base rate: its share of the other tagged pages."""
        mine = self._carried_ids(path)
        tagged = self.voters - self._votes_for(path)
        return {cid: (self.concept_count[cid] - (cid in mine)) / tagged if tagged > 0 else 0.0
                for cid in self.tax.concepts}

    def _witnesses(self, path: str, known_ids: set[str]) -> dict[str, Witness]:
        """concept id -> the model's features, the definition overlap, label evidence and
        voting neighbours, for every concept the page does not already imply."""
        implied = set(self.tax.expand(known_ids))
        page = self.pages[path]
        hits = self._label_hits(page)
        lineage = self._lineage_hint(path)
        votes = self._votes(path, self.neighbours(path, known_ids))
        out: dict[str, Witness] = {}
        for cid, concept in self.tax.concepts.items():
            if cid in implied or concept.facet == facets.RESOURCE_TYPE:
                continue
            label_score, words = self._label_score(hits.get(cid, {}))
            if cid in lineage:
                label_score += lineage[cid][0]
                words = (lineage[cid][1], *words)
            overlap = ev.cosine(page.vector, self.concept_vectors[cid])
            vote, carriers = votes[cid]
            out[cid] = (ev.features(vote, self.voters, label_score, overlap), overlap, words, carriers)
        return out

    # -- the model ----------------------------------------------------------
    @property
    def weights(self) -> tuple[float, ...]:
        """Learnt from the hub: each tagged page predicted with its own tags hidden
        (all but `type`), against the concepts it carries in the facets it tags."""
        if self._weights is None:
            rows: list[tuple[tuple[float, ...], bool]] = []
            tagged = sorted(p for p in self.pages if self._votes_for(p))
            for path in tagged[::max(1, math.ceil(len(tagged) / TRAINING_PAGES))]:
                own = self.tags[path]
                known = set(own.get(facets.RESOURCE_TYPE, ()))
                for cid, (x, *_rest) in self._witnesses(path, known).items():
                    rows.append((x, cid in own.get(self.tax.concepts[cid].facet, ())))
            self._weights = ev.fit(rows)
        return self._weights

    # -- suggestions --------------------------------------------------------
    def suggest(self, path: str, known: facets.Tags | None = None) -> list[Suggestion]:
        """Concepts for the page at `path`, best first. `known` are the tags it
        already has (default: its own); those and their ancestors are skipped."""
        if path not in self.pages:
            return []
        known = self.tags.get(path, {}) if known is None else known
        vector = self.pages[path].vector
        out: list[Suggestion] = []
        witnesses = self._witnesses(path, {c for ids in known.values() for c in ids})
        for cid, (x, overlap, words, carriers) in witnesses.items():
            confidence = ev.confidence(self.weights, x)
            if confidence < 0.05:
                continue
            if overlap > 0.05:
                said = {ev.stem(w) for item in words for w in fold(item.split(": ", 1)[1]).split()}
                words += tuple(f"definition: {w}" for w in ev.shared_words(vector, self.concept_vectors[cid])
                               if w not in said)
            concept = self.tax.concepts[cid]
            out.append(Suggestion(cid, concept.facet, self.tax.facets[concept.facet].key, concept.label,
                                  round(confidence, 3), words, carriers))
        return self._prune(out, known)

    def _lineage_hint(self, path: str) -> dict[str, tuple[float, str]]:
        """The reuse facet follows from `translation_of` and `based_on` (DESIGN.md §4):
        a page with neither is most likely original."""
        field = self.lineage.get(path, "")
        label, strength = LINEAGE[field]
        found = self.tax.resolve(label, REUSE_FACET)
        evidence = f"front matter: {field}" if field else "front matter: no based_on"
        return {found[0].concept.id: (strength, evidence)} if len(found) == 1 else {}

    def _label_score(self, found: dict[str, dict[str, str]]) -> tuple[float, tuple[str, ...]]:
        score = 0.0
        words: list[str] = []
        for name in FIELD_WEIGHTS:
            for phrase, key in sorted(found.get(name, {}).items()):
                rarity = math.log((self.n + 1) / (self.phrase_df.get(key, 0) + 1)) / math.log(self.n + 1)
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


def _lineage(doc: Document) -> str:
    return next((key for key in ("translation_of", "based_on") if doc.get(key)), "")


def _phrases(tax: Taxonomy) -> dict[str, list[str]]:
    """plural-folded label phrase -> concept ids (short labels are matched separately)."""
    out: dict[str, list[str]] = {}
    for c in tax.concepts.values():
        for name in c.labels():
            phrase = " ".join(ev.stems(name))
            if len(fold(name)) > SHORT_LABEL and len(phrase.split()) <= MAX_PHRASE and c.id not in out.get(phrase, []):
                out.setdefault(phrase, []).append(c.id)
    return out


def _short_labels(tax: Taxonomy) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for c in tax.concepts.values():
        for name in c.labels():
            if 0 < len(fold(name)) <= SHORT_LABEL and c.id not in out.get(name.strip(), []):
                out.setdefault(name.strip(), []).append(c.id)
    return out


def _weighted(page: _Page) -> dict[str, float]:
    counts: dict[str, float] = {}
    for name, words in page.stems.items():
        for w in words:
            if ev.content_word(w):
                counts[w] = counts.get(w, 0.0) + FIELD_WEIGHTS[name]
    return counts


def suggest_pages(suggester: Suggester, paths: Iterable[str],
                  min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> dict[str, list[Suggestion]]:
    return {p: [s for s in suggester.suggest(p) if s.confidence >= min_confidence] for p in paths}


def apply(root: Path, doc: Document, tax: Taxonomy, accepted: Iterable[Suggestion]) -> list[str]:
    """Write accepted suggestions into their facets' keys with the guarded edit
    (kmgen.fixing); returns the concept ids written. Raises frontmatter_edit.EditRefused."""
    changes: dict[str, frontmatter_edit.Value] = {}
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
