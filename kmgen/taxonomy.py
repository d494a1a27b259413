"""The reuse-and-improve taxonomy: facets (concept schemes) and their concepts.

The vocabulary is data (`content/taxonomy.yml`), modelled on SKOS. Contributors
may tag with any label, synonym or common misspelling; kmgen folds each term to
the concept's stable id and says what it folded, so the hub stays governed
without making contributors learn ids by heart.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kmgen.content import MAX_FRONT_MATTER_BYTES, safe_compose
from kmgen.diagnostics import Diagnostic

TAXONOMY_FILE = "taxonomy.yml"
MAX_CONCEPTS = 2000


@dataclass(frozen=True)
class Concept:
    id: str
    facet: str
    label: str
    definition: str = ""
    alt_labels: tuple[str, ...] = ()
    hidden_labels: tuple[str, ...] = ()
    broader: str | None = None
    related: tuple[str, ...] = ()
    notation: str | None = None
    line: int = 0
    # Preferred labels in other languages, as (language code, label) pairs: shown to
    # readers of a page in that language, never used to match tags.
    translations: tuple[tuple[str, str], ...] = ()

    def labels(self) -> tuple[str, ...]:
        return (self.id, self.label, *self.alt_labels, *self.hidden_labels)

    def label_in(self, language: str) -> str:
        """The preferred label in `language` ("fr", "pt-BR" ...), else the default one."""
        return _in_language(self.translations, language) or self.label


@dataclass(frozen=True)
class Facet:
    id: str
    key: str  # the front-matter key holding this facet's tags
    label: str
    definition: str = ""
    multiple: bool = True
    concepts: tuple[str, ...] = ()
    line: int = 0
    # What readers see next to a concept (on chips): plainer than the facet's label,
    # which maintainers use. Falls back to the label.
    reader_label: str = ""
    translations: tuple[tuple[str, str], ...] = ()  # reader labels in other languages

    def reader_label_in(self, language: str) -> str:
        return _in_language(self.translations, language) or self.reader_label or self.label


def _in_language(translations: tuple[tuple[str, str], ...], language: str) -> str:
    code = language.casefold()
    found = dict(translations)
    return found.get(code) or found.get(code.split("-")[0], "")


@dataclass(frozen=True)
class Match:
    """How a contributor's term resolved: to which concept, through which label."""

    term: str
    concept: Concept
    via: str  # "id", "label", "alt_label" or "hidden_label"

    @property
    def canonical(self) -> bool:
        return self.via == "id" and self.term == self.concept.id


def fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form of a label.

    'Données  personnelles', 'donnees-personnelles' and 'DONNEES_PERSONNELLES'
    all fold to 'donnees personnelles'.
    """
    if text.isascii():  # the common case, and page bodies are long
        bare = text
    else:
        decomposed = unicodedata.normalize("NFKD", text)
        bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.split(r"[^0-9a-z]+", bare.casefold())).strip()


class Taxonomy:
    """A loaded vocabulary with label lookup, suggestions and hierarchy."""

    def __init__(self, facets: Iterable[Facet], concepts: Iterable[Concept], path: str = TAXONOMY_FILE):
        self.path = path
        self.facets: dict[str, Facet] = {}
        for f in facets:
            self.facets.setdefault(f.id, f)  # a duplicate facet id is reported by load_taxonomy
        self.concepts: dict[str, Concept] = {}
        for c in concepts:
            self.concepts.setdefault(c.id, c)
        self._by_key = {f.key: f for f in self.facets.values()}
        # folded label -> [(concept id, via)], per facet and across facets
        self._labels: dict[str, list[tuple[str, str]]] = {}
        for c in self.concepts.values():
            for via, names in (("id", [c.id]), ("label", [c.label]), ("alt_label", c.alt_labels),
                               ("hidden_label", c.hidden_labels)):
                for name in names:
                    entry = (c.id, via)
                    bucket = self._labels.setdefault(fold(name), [])
                    if all(e[0] != c.id for e in bucket):
                        bucket.append(entry)
        self._narrower: dict[str, list[str]] = {}
        for c in self.concepts.values():
            if c.broader:
                self._narrower.setdefault(c.broader, []).append(c.id)

    # -- lookup -------------------------------------------------------------
    def facet_by_key(self, key: str) -> Facet | None:
        return self._by_key.get(key)

    def facet_keys(self) -> list[str]:
        return [f.key for f in self.facets.values()]

    def resolve(self, term: Any, facet: str | None = None) -> list[Match]:
        """Every concept the term names (in one facet, or in any facet)."""
        if not isinstance(term, str):
            return []
        found = []
        for cid, via in self._labels.get(fold(term), []):
            concept = self.concepts[cid]
            if facet is None or concept.facet == facet:
                found.append(Match(term, concept, via))
        return found

    def suggest(self, term: str, facet: str | None = None, limit: int = 3) -> list[Concept]:
        """Ranked 'did you mean' candidates: edit distance over every label, then
        word overlap so 'customer service' still finds 'Customer experience' when
        no label is closer."""
        query = fold(term)
        if not query:
            return []
        words = _words(query)
        scores: dict[str, tuple[float, float]] = {}
        for name, entries in self._labels.items():
            edit = _similarity(query, name)
            score = max(edit, _overlap(words, name))
            if score < SUGGEST_CUTOFF:
                continue
            for cid, _via in entries:
                if facet is not None and self.concepts[cid].facet != facet:
                    continue
                scores[cid] = max(scores.get(cid, (0.0, 0.0)), (score, edit))
        ranked = sorted(scores.items(), key=lambda item: (-item[1][0], -item[1][1], item[0]))
        return [self.concepts[cid] for cid, _s in ranked[:limit]]

    # -- hierarchy ----------------------------------------------------------
    def ancestors(self, cid: str) -> list[str]:
        out: list[str] = []
        seen = {cid}
        current = self.concepts.get(cid)
        while current is not None and current.broader and current.broader not in seen:
            out.append(current.broader)
            seen.add(current.broader)
            current = self.concepts.get(current.broader)
        return out

    def narrower(self, cid: str) -> list[str]:
        return sorted(self._narrower.get(cid, []))

    def descendants(self, cid: str) -> list[str]:
        out: list[str] = []
        stack = list(self.narrower(cid))
        while stack:
            child = stack.pop(0)
            if child not in out and child != cid:
                out.append(child)
                stack.extend(self.narrower(child))
        return out

    def expand(self, ids: Iterable[str]) -> list[str]:
        """The ids plus all their ancestors: a page tagged 'identity' also belongs
        to the 'Digital ID layer' listing."""
        out: list[str] = []
        for cid in ids:
            for x in (cid, *self.ancestors(cid)):
                if x not in out:
                    out.append(x)
        return out

    def top_concepts(self, facet: str) -> list[str]:
        """Concepts of the facet with no broader concept in it (a dangling or
        cross-facet broader is reported by load_taxonomy; the concept still shows)."""
        out = []
        for cid in dict.fromkeys(self.facets[facet].concepts):
            concept = self.concepts[cid]
            parent = self.concepts.get(concept.broader or "")
            if concept.facet == facet and (parent is None or parent.facet != facet):
                out.append(cid)
        return out


SUGGEST_CUTOFF = 0.6
# Words that say nothing about which concept was meant ("Leaders and officials").
_STOP_WORDS = frozenset({"a", "an", "and", "the", "of", "or", "for", "in", "on", "to", "with", "by",
                         "de", "des", "du", "et", "la", "le", "les", "y", "el"})


def _overlap(words: list[str], name: str) -> float:
    """Shared words (a misspelt word still counts), scored above the cutoff only
    when at least one word is shared: 0.45 + 0.5 x the Dice share of words in
    common, so a label wholly inside the term ('Identity' in 'digital identity')
    ranks above one sharing a word with it ('Digital team')."""
    label = _words(name)
    if not words or not label:
        return 0.0
    shared = sum(max(_word_match(w, x) for x in label) for w in words)
    if not shared:
        return 0.0
    return 0.45 + 0.5 * 2 * shared / (len(words) + len(label))


def _words(folded: str) -> list[str]:
    return [w for w in folded.split() if len(w) > 1 and w not in _STOP_WORDS]


def _word_match(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if min(len(a), len(b)) < 4:
        return 0.0
    similarity = _similarity(a, b)
    return similarity if similarity >= 0.8 else 0.0


def _similarity(a: str, b: str) -> float:
    """1 - normalised Levenshtein distance (bounded work: labels are short)."""
    if a == b:
        return 1.0
    if abs(len(a) - len(b)) > max(len(a), len(b)) // 2 + 2:
        return 0.0
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return 1.0 - prev[-1] / max(len(a), len(b))


# -- loading ----------------------------------------------------------------
_ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_FACET_KEYS = ("id", "key", "label", "definition", "multiple", "concepts", "reader_label", "labels")
_CONCEPT_KEYS = ("id", "label", "definition", "alt_labels", "hidden_labels", "broader", "related", "notation",
                 "labels")
_LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")


def load_taxonomy(root: Path, name: str = TAXONOMY_FILE) -> tuple[Taxonomy, list[Diagnostic]]:
    """Load and validate `content/taxonomy.yml`; problems come back as values."""
    path = root / name
    if Path(root).is_symlink() or path.is_symlink():
        return Taxonomy([], [], name), []  # not read: sources.scan reports the link (KM244, KM401)
    try:
        data = path.read_bytes()
    except OSError:
        return Taxonomy([], [], name), [Diagnostic(name, 0, "KM301", "error", "taxonomy file not found",
                                                   f"create {name} under the content folder")]
    node, diags = safe_compose(name, data, limit=16 * MAX_FRONT_MATTER_BYTES)
    if node is None:
        return Taxonomy([], [], name), diags
    loader = _TaxonomyReader(name)
    facets, concepts = loader.read(node)
    if len(concepts) > MAX_CONCEPTS:
        # Each concept is a generated page; past this a build takes minutes and the
        # site's navigation is unusable, so the whole vocabulary is refused, not cut.
        first_over = concepts[MAX_CONCEPTS]
        return Taxonomy([], [], name), diags + [Diagnostic(
            name, first_over.line, "KM247", "error",
            f"the taxonomy has {len(concepts):,} concepts; the limit is {MAX_CONCEPTS:,} "
            f"(each concept is a page of the site); concept {MAX_CONCEPTS + 1:,} is {first_over.id!r}",
            "split very large vocabularies (all places, all organisations) into a smaller set "
            "of concepts and use tags or alt_labels for the rest")]
    tax = Taxonomy(facets, concepts, name)
    return tax, diags + loader.diags + _validate(tax, facets, concepts)


class _TaxonomyReader:
    """Turns the composed YAML node tree into Facets and Concepts, noting lines."""

    def __init__(self, path: str):
        self.path = path
        self.diags: list[Diagnostic] = []

    def err(self, node: yaml.Node, code: str, message: str, hint: str = "") -> None:
        self.diags.append(Diagnostic(self.path, node.start_mark.line + 1, code, "error", message, hint))

    def read(self, root: yaml.Node) -> tuple[list[Facet], list[Concept]]:
        top = _mapping(root)
        if top is None or "facets" not in top or not isinstance(top["facets"], yaml.SequenceNode):
            self.err(root, "KM302", "expected a top-level 'facets:' list", "see the README for the format")
            return [], []
        facets: list[Facet] = []
        concepts: list[Concept] = []
        for fnode in top["facets"].value:
            fmap = _mapping(fnode)
            if fmap is None:
                self.err(fnode, "KM302", "each facet must be a mapping with id, key, label and concepts")
                continue
            self.known_keys(fmap, _FACET_KEYS, "facet")
            fid = self.text(fmap, "id", fnode)
            if not fid:
                continue
            cnodes = fmap.get("concepts")
            if not isinstance(cnodes, yaml.SequenceNode):
                self.err(cnodes or fnode, "KM302", f"facet {fid!r} needs a 'concepts:' list")
                cnodes = yaml.SequenceNode("tag:yaml.org,2002:seq", [])
            ids: list[str] = []
            for cnode in cnodes.value:
                concept = self.concept(cnode, fid)
                if concept is not None:
                    concepts.append(concept)
                    ids.append(concept.id)
            multiple = (_scalar(fmap.get("multiple")) or "true").casefold()
            facets.append(Facet(fid, self.text(fmap, "key", fnode) or fid.replace("-", "_"),
                                self.text(fmap, "label", fnode) or fid, _scalar(fmap.get("definition")) or "",
                                multiple not in ("false", "no", "off"), tuple(ids), fnode.start_mark.line + 1,
                                _scalar(fmap.get("reader_label")) or "", self.translations(fmap)))
        return facets, concepts

    def known_keys(self, mapping: dict[str, yaml.Node], known: tuple[str, ...], what: str) -> None:
        """A misspelt key ('altLabels') would silently drop its labels: report it."""
        for key, node in mapping.items():
            if key in known:
                continue
            snake = re.sub(r"(?<=[a-z])([A-Z])", r"_\1", key).lower()  # SKOS spells it altLabel
            close = difflib.get_close_matches(snake, known, n=1, cutoff=0.6)
            if close:
                hint = f"did you mean '{close[0]}'?"
            elif " " in key and _scalar(node) is None:
                hint = "a comma inside an unquoted value in { } starts a new key: put the value in quotes"
            else:
                hint = f"expected one of: {', '.join(known)}"
            self.err(node, "KM302", f"unknown {what} key {key!r}", hint)

    def concept(self, node: yaml.Node, facet: str) -> Concept | None:
        cmap = _mapping(node)
        if cmap is None:
            self.err(node, "KM302", "each concept must be a mapping with at least id and label")
            return None
        self.known_keys(cmap, _CONCEPT_KEYS, "concept")
        cid = self.text(cmap, "id", node)
        label = self.text(cmap, "label", node)
        if not cid or not label:
            return None
        if not _ID_RE.match(cid):
            self.err(cmap["id"], "KM303", f"concept id {cid!r} is not kebab-case",
                     "use lowercase letters, digits and single hyphens")
        return Concept(
            id=cid, facet=facet, label=label, definition=_scalar(cmap.get("definition")) or "",
            alt_labels=self.labels(cmap, "alt_labels"), hidden_labels=self.labels(cmap, "hidden_labels"),
            broader=_scalar(cmap.get("broader")), related=self.labels(cmap, "related"),
            notation=_scalar(cmap.get("notation")), line=node.start_mark.line + 1,
            translations=self.translations(cmap))

    def translations(self, mapping: dict[str, yaml.Node]) -> tuple[tuple[str, str], ...]:
        """`labels: {fr: Santé, es: Salud}`: one label per language code."""
        node = mapping.get("labels")
        if node is None:
            return ()
        if not isinstance(node, yaml.MappingNode):
            self.err(node, "KM302", "'labels' must map language codes to labels", "write labels: {fr: Santé}")
            return ()
        out: list[tuple[str, str]] = []
        for key, value in node.value:
            code, label = _scalar(key), _scalar(value)
            if code is None or not _LANGUAGE_RE.match(code.casefold()) or label is None:
                self.err(key, "KM302", f"'labels' expects a language code and a label, got {code!r}: {label!r}",
                         "write labels: {fr: Santé} with a code such as fr, es or pt-BR")
                continue
            out.append((code.casefold(), label))
        return tuple(out)

    def text(self, mapping: dict[str, yaml.Node], key: str, owner: yaml.Node) -> str | None:
        value = _scalar(mapping.get(key))
        if not value:
            self.err(owner, "KM302", f"missing '{key}'", f"add '{key}: ...'")
        return value

    def labels(self, mapping: dict[str, yaml.Node], key: str) -> tuple[str, ...]:
        node = mapping.get(key)
        if node is None:
            return ()
        if not isinstance(node, yaml.SequenceNode):
            self.err(node, "KM302", f"'{key}' must be a list", f"write {key}: [a, b]")
            return ()
        return tuple(v for v in (_scalar(n) for n in node.value) if v)


def _mapping(node: yaml.Node | None) -> dict[str, yaml.Node] | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    return {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def _scalar(node: yaml.Node | None) -> str | None:
    if isinstance(node, yaml.ScalarNode) and node.value != "":
        return str(node.value)
    return None


def _validate(tax: Taxonomy, facets: list[Facet], concepts: list[Concept]) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    path = tax.path

    def err(line: int, code: str, message: str, hint: str = "") -> None:
        diags.append(Diagnostic(path, line, code, "error", message, hint))

    seen: dict[str, Concept] = {}
    for c in concepts:
        if c.id in seen:
            err(c.line, "KM304", f"duplicate concept id {c.id!r} (first defined on line {seen[c.id].line})",
                "give each concept its own id")
        else:
            seen[c.id] = c
    keys: dict[str, Facet] = {}
    for f in facets:
        if tax.facets[f.id] is not f:
            err(f.line, "KM304", f"duplicate facet id {f.id!r} (first defined on line {tax.facets[f.id].line})",
                "give each facet its own id")
            continue
        if not _KEY_RE.match(f.key):
            err(f.line, "KM303", f"facet key {f.key!r} is not a valid front-matter key", "use snake_case")
        if f.key in keys:
            err(f.line, "KM304", f"facet key {f.key!r} is also used by facet {keys[f.key].id!r}")
        keys[f.key] = f
        labels: dict[str, str] = {}
        for cid in f.concepts:
            c = tax.concepts[cid]
            for name in dict.fromkeys(fold(x) for x in c.labels()):
                other = labels.get(name)
                if other and other != cid:
                    err(c.line, "KM305", f"label {name!r} of {cid!r} is also a label of {other!r} in facet {f.id!r}",
                        "a label must name one concept per facet; remove it from one of them")
                labels.setdefault(name, cid)
    for c in seen.values():
        if c.broader is not None:
            parent = tax.concepts.get(c.broader)
            if parent is None:
                err(c.line, "KM306", f"{c.id!r} has broader {c.broader!r}, which does not exist",
                    _did_you_mean(c.broader, seen))
            elif parent.facet != c.facet:
                err(c.line, "KM306", f"{c.id!r} has broader {c.broader!r} from another facet ({parent.facet!r})",
                    "a broader concept must be in the same facet")
        for r in c.related:
            if r not in tax.concepts:
                err(c.line, "KM306", f"{c.id!r} is related to {r!r}, which does not exist", _did_you_mean(r, seen))
        if _in_cycle(tax, c.id):
            err(c.line, "KM307", f"{c.id!r} is its own ancestor (broader cycle)", "remove one 'broader' link")
    return diags


def _in_cycle(tax: Taxonomy, cid: str) -> bool:
    seen: set[str] = set()
    current = tax.concepts.get(cid)
    while current is not None and current.broader:
        if current.broader == cid:
            return True
        if current.broader in seen:
            return False
        seen.add(current.broader)
        current = tax.concepts.get(current.broader)
    return False


def _did_you_mean(name: str, known: Mapping[str, Any]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"did you mean {close[0]!r}?" if close else "check the id"
