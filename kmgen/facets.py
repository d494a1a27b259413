"""A page's facet values, resolved against the taxonomy to canonical concept ids.

Every term a contributor wrote is kept: it either folds to a concept (a note
when it was not already the canonical id) or is reported with suggestions.
"""

from __future__ import annotations

from collections.abc import Mapping

from kmgen.content import Document
from kmgen.diagnostics import Diagnostic
from kmgen.schema import FIELDS, PLACEHOLDER, type_error
from kmgen.taxonomy import Match, Taxonomy

TAGS_KEY = "tags"
COUNTRY_KEY = "country"  # a case study's country is a geography concept
GEOGRAPHY = "geography"
RESOURCE_TYPE = "resource-type"

Tags = Mapping[str, tuple[str, ...]]  # facet id -> concept ids, in the order written


def resolve(doc: Document, tax: Taxonomy) -> tuple[Tags, list[Diagnostic]]:
    """Fold every facet value of `doc`; returns tags and diagnostics (KM310-KM314)."""
    found: dict[str, list[str]] = {}
    diags: list[Diagnostic] = []
    for key, value in doc.fields.items():
        facet = tax.facet_by_key(key)
        if key == TAGS_KEY:
            facet_id = None
        elif key == COUNTRY_KEY and GEOGRAPHY in tax.facets:
            facet_id = GEOGRAPHY
        elif facet is not None:
            facet_id = facet.id
        else:
            continue
        items = value if isinstance(value, list) else [value]
        if facet is not None and not facet.multiple and len(items) > 1:
            diags.append(Diagnostic(doc.path, doc.line_of(key), "KM313", "error",
                                    f"'{key}' takes one value, got {len(items)}", "keep the one that fits best",
                                    key))
        for i, term in enumerate(items):
            line = _line(doc, key, i)
            if not isinstance(term, str) or not term.strip():
                if key not in FIELDS:  # schema.validate already reports its own fields
                    diags.append(type_error(doc, key, term, "text", line))
                continue
            match, problem = _one(doc, tax, key, term, facet_id, line)
            if problem:
                diags.append(problem)
            if match:
                bucket = found.setdefault(match.concept.facet, [])
                if match.concept.id not in bucket:
                    bucket.append(match.concept.id)
    return {k: tuple(v) for k, v in found.items()}, diags


def _one(doc: Document, tax: Taxonomy, key: str, term: str, facet_id: str | None,
         line: int) -> tuple[Match | None, Diagnostic | None]:
    if PLACEHOLDER in term:
        return None, Diagnostic(doc.path, line, "KM230", "error", f"'{key}' still holds the template placeholder",
                                f"replace '{term}' with a real term", key)
    matches = tax.resolve(term, facet_id)
    if not matches:
        where = f"facet '{tax.facets[facet_id].label}'" if facet_id else "the taxonomy"
        options = tax.suggest(term, facet_id)
        if options:
            hint = "did you mean " + ", ".join(f"'{c.id}' ({c.label})" for c in options) + "?"
        else:
            hint = f"run 'kmgen taxonomy show' to list terms, or propose '{term}' in taxonomy.yml"
        return None, Diagnostic(doc.path, line, "KM310", "error", f"unknown term '{term}' in {where}", hint, key)
    if len(matches) > 1:
        names = ", ".join(f"{m.concept.facet}:{m.concept.id}" for m in matches)
        return None, Diagnostic(doc.path, line, "KM311", "error", f"'{term}' is ambiguous ({names})",
                                f"put it under the facet's own key, e.g. {tax.facets[matches[0].concept.facet].key}:",
                                key)
    match = matches[0]
    if match.canonical:
        return match, None
    return match, Diagnostic(doc.path, line, "KM312", "note",
                             f"'{term}' read as '{match.concept.id}' ({match.concept.label})",
                             "kmgen check --fix writes the canonical id", key)


def _line(doc: Document, key: str, index: int) -> int:
    lines = doc.item_lines.get(key, ())
    return lines[index] if index < len(lines) else doc.line_of(key)


def expanded(tags: Tags, tax: Taxonomy) -> dict[str, tuple[str, ...]]:
    """Tags plus every ancestor, for listings and search filters."""
    return {facet: tuple(tax.expand(ids)) for facet, ids in tags.items()}
