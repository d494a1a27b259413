"""The taxonomy as SKOS: JSON-LD, Turtle and CSV.

Each facet is a `skos:ConceptScheme`, each concept a `skos:Concept` with its
labels, definition, hierarchy and notation. IRIs are made from a base URL and
the ids alone, so they stay the same from one export to the next and other
catalogues can link to a concept for good. The three formats are rendered from
one list of statements, so they cannot disagree.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from kmgen.taxonomy import Concept, Taxonomy

SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DEFAULT_BASE = "https://example.org/kmgen/taxonomy/"
LANGUAGE = "en"
CSV_COLUMNS = ("facet", "id", "label", "alt_labels", "hidden_labels", "definition", "broader", "narrower",
               "related", "notation", "iri")
CSV_SEPARATOR = " | "  # between the values of one multi-valued cell

# Properties whose values are IRIs (the rest are literals), in output order.
_LINKS = ("inScheme", "topConceptOf", "hasTopConcept", "broader", "narrower", "related")
_ORDER = ("prefLabel", "altLabel", "hiddenLabel", "definition", "notation", *_LINKS)


@dataclass(frozen=True)
class Text:
    """A literal; labels and definitions carry a language, notations do not."""

    value: str
    language: str | None = LANGUAGE


@dataclass
class Resource:
    """One subject with its type and its SKOS properties (by local name)."""

    iri: str
    kind: str  # "ConceptScheme" or "Concept"
    properties: dict[str, list[str | Text]] = field(default_factory=dict)

    def add(self, name: str, *values: str | Text) -> None:
        if values:
            self.properties.setdefault(name, []).extend(values)


def base_iri(base: str | None = None) -> str:
    """The base all IRIs start with: DEFAULT_BASE when none is given; an http(s) URL
    ending in '/' or '#' otherwise."""
    if not base:
        return DEFAULT_BASE
    if not base.startswith(("https://", "http://")) or any(c in base for c in ' <>"{}|\\^`'):
        raise ValueError(f"the base must be an http(s) URL, got {base!r}")
    return base if base.endswith(("/", "#")) else base + "/"


def scheme_iri(base: str, facet_id: str) -> str:
    return base_iri(base) + quote(facet_id, safe="")


def concept_iri(base: str, concept: Concept) -> str:
    return f"{scheme_iri(base, concept.facet)}/{quote(concept.id, safe='')}"


def resources(tax: Taxonomy, base: str | None = None) -> list[Resource]:
    """Every scheme and concept of the taxonomy, facet by facet, in file order."""
    base = base_iri(base)
    out: list[Resource] = []
    for facet in tax.facets.values():
        scheme = Resource(scheme_iri(base, facet.id), "ConceptScheme")
        scheme.add("prefLabel", Text(facet.label))
        if facet.definition:
            scheme.add("definition", Text(facet.definition))
        members = [tax.concepts[cid] for cid in dict.fromkeys(facet.concepts) if tax.concepts[cid].facet == facet.id]
        scheme.add("hasTopConcept", *(concept_iri(base, c) for c in members if _is_top(tax, c)))
        out.append(scheme)
        out.extend(_concept(tax, base, c) for c in members)
    return out


def _is_top(tax: Taxonomy, concept: Concept) -> bool:
    parent = tax.concepts.get(concept.broader or "")
    return parent is None or parent.facet != concept.facet


def _concept(tax: Taxonomy, base: str, c: Concept) -> Resource:
    res = Resource(concept_iri(base, c), "Concept")
    res.add("prefLabel", Text(c.label))
    res.add("altLabel", *(Text(x) for x in c.alt_labels))
    res.add("hiddenLabel", *(Text(x) for x in c.hidden_labels))
    if c.definition:
        res.add("definition", Text(c.definition))
    if c.notation:
        res.add("notation", Text(c.notation, None))
    res.add("inScheme", scheme_iri(base, c.facet))
    if _is_top(tax, c):
        res.add("topConceptOf", scheme_iri(base, c.facet))
    else:
        res.add("broader", concept_iri(base, tax.concepts[c.broader or ""]))
    res.add("narrower", *(concept_iri(base, tax.concepts[n]) for n in tax.narrower(c.id)))
    res.add("related", *(concept_iri(base, tax.concepts[r]) for r in c.related if r in tax.concepts))
    return res


# -- JSON-LD ----------------------------------------------------------------
def context() -> dict[str, Any]:
    ctx: dict[str, Any] = {"skos": SKOS, "ConceptScheme": "skos:ConceptScheme", "Concept": "skos:Concept"}
    for name in _ORDER:
        ctx[name] = {"@id": f"skos:{name}", "@type": "@id"} if name in _LINKS else f"skos:{name}"
    return ctx


def to_jsonld(tax: Taxonomy, base: str | None = None) -> dict[str, Any]:
    """The taxonomy as a JSON-LD document (compacted, one `@graph`)."""
    graph = []
    for res in resources(tax, base):
        node: dict[str, Any] = {"@id": res.iri, "@type": res.kind}
        for name in _ORDER:
            values = res.properties.get(name)
            if values:
                node[name] = [_json_value(v) for v in values]
        graph.append(node)
    return {"@context": context(), "@graph": graph}


def _json_value(value: str | Text) -> Any:
    if isinstance(value, str):
        return value
    if value.language is None:
        return value.value
    return {"@value": value.value, "@language": value.language}


# -- Turtle -----------------------------------------------------------------
def to_turtle(tax: Taxonomy, base: str | None = None) -> str:
    out = [f"@prefix skos: <{SKOS}> .", ""]
    for res in resources(tax, base):
        lines = [f"<{res.iri}> a skos:{res.kind}"]
        for name in _ORDER:
            values = res.properties.get(name)
            if values:
                lines.append(f"    skos:{name} " + ",\n        ".join(_turtle_value(v) for v in values))
        out.append(" ;\n".join(lines) + " .")
        out.append("")
    return "\n".join(out)


_TURTLE_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _turtle_value(value: str | Text) -> str:
    if isinstance(value, str):
        return f"<{value}>"
    text = "".join(_TURTLE_ESCAPES.get(c, c if c.isprintable() else f"\\u{ord(c):04X}") for c in value.value)
    return f'"{text}"' + (f"@{value.language}" if value.language else "")


# -- CSV --------------------------------------------------------------------
def to_csv(tax: Taxonomy, base: str | None = None) -> str:
    """One row per concept; multi-valued cells are joined with ' | '."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for facet in tax.facets.values():
        for cid in facet.concepts:
            c = tax.concepts[cid]
            if c.facet != facet.id:
                continue
            writer.writerow([facet.id, c.id, c.label, CSV_SEPARATOR.join(c.alt_labels),
                             CSV_SEPARATOR.join(c.hidden_labels), c.definition, c.broader or "",
                             CSV_SEPARATOR.join(tax.narrower(c.id)), CSV_SEPARATOR.join(c.related),
                             c.notation or "", concept_iri(base_iri(base), c)])
    return buf.getvalue()
