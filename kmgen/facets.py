"""A page's facet values, resolved against the taxonomy to canonical concept ids.

Every term a contributor wrote is kept: it either folds to a concept (a note
when it was not already the canonical id) or is reported with suggestions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kmgen.content import Document
from kmgen.diagnostics import Diagnostic
from kmgen.schema import FIELDS, PAGE_TYPE, PLACEHOLDER, TYPES, type_error
from kmgen.taxonomy import Match, Taxonomy

TAGS_KEY = "tags"
COUNTRY_KEY = "country"  # a case study's country is a geography concept
GEOGRAPHY = "geography"
RESOURCE_TYPE = "resource-type"

Tags = Mapping[str, tuple[str, ...]]  # facet id -> concept ids, in the order written


def term_keys(doc: Document, tax: Taxonomy) -> list[tuple[str, str | None]]:
    """(key, facet id) for every front-matter key of `doc` holding taxonomy terms;
    the facet id is None for `tags`, whose terms may come from any facet."""
    out: list[tuple[str, str | None]] = []
    for key in doc.fields:
        facet = tax.facet_by_key(key)
        if key == TAGS_KEY:
            out.append((key, None))
        elif key == COUNTRY_KEY and GEOGRAPHY in tax.facets:
            out.append((key, GEOGRAPHY))
        elif facet is not None:
            out.append((key, facet.id))
    return out


def terms(doc: Document, key: str) -> list[Any]:
    value = doc.fields.get(key)
    return value if isinstance(value, list) else [value]


def _schema_reports(facet_id: str | None, term: Any) -> bool:
    """`type` is a schema field too: hub pages (`type: page`) are not resources,
    and an unknown type is already reported by the schema (KM226)."""
    return facet_id == RESOURCE_TYPE and (term == PAGE_TYPE or term not in TYPES)


def resolve(doc: Document, tax: Taxonomy) -> tuple[Tags, list[Diagnostic]]:
    """Fold every facet value of `doc`; returns tags and diagnostics (KM310-KM313)."""
    found: dict[str, list[str]] = {}
    diags: list[Diagnostic] = []
    for key, facet_id in term_keys(doc, tax):
        facet = tax.facet_by_key(key)
        items = terms(doc, key)
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
            if _schema_reports(facet_id, term):
                continue
            match, problem = _one(doc, tax, key, term, facet_id, line)
            if problem:
                diags.append(problem)
            if match:
                bucket = found.setdefault(match.concept.facet, [])
                if match.concept.id not in bucket:
                    bucket.append(match.concept.id)
    return {k: tuple(v) for k, v in found.items()}, diags


def canonical(tax: Taxonomy, term: Any, facet_id: str | None) -> str | None:
    """The concept id to write instead of `term`, or None when `term` is already
    canonical, unknown or ambiguous (or its id would itself be ambiguous in `tags`)."""
    if not isinstance(term, str) or _schema_reports(facet_id, term):
        return None
    matches = tax.resolve(term, facet_id)
    if len(matches) != 1 or matches[0].canonical:
        return None
    cid = matches[0].concept.id
    if len(tax.resolve(cid, facet_id)) != 1:
        return None
    return cid


def _one(doc: Document, tax: Taxonomy, key: str, term: str, facet_id: str | None,
         line: int) -> tuple[Match | None, Diagnostic | None]:
    if PLACEHOLDER in term:
        if key in FIELDS and isinstance(doc.fields.get(key), str):
            return None, None  # a schema field holding one text: the schema reports it (KM230)
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


def usage(tax: Taxonomy, tags: Mapping[str, Tags]) -> dict[str, set[str]]:
    """concept id -> the pages tagged with it or with a narrower concept."""
    out: dict[str, set[str]] = {cid: set() for cid in tax.concepts}
    for path, page_tags in tags.items():
        for cid in tax.expand(cid for ids in page_tags.values() for cid in ids):
            out.setdefault(cid, set()).add(path)
    return out


def usage_tree(tax: Taxonomy, tags: Mapping[str, Tags]) -> list[dict[str, Any]]:
    """Every facet with its concept tree and page counts, ready for JSON or a listing."""
    used = usage(tax, tags)

    def node(cid: str, seen: frozenset[str]) -> dict[str, Any]:
        c = tax.concepts[cid]
        children = [node(n, seen | {cid}) for n in tax.narrower(cid) if n not in seen]
        direct = sum(1 for t in tags.values() if cid in t.get(c.facet, ()))
        return {"id": cid, "label": c.label, "pages": len(used[cid]), "tagged": direct, "narrower": children}

    out = []
    for facet in tax.facets.values():
        pages = set().union(*(used[cid] for cid in facet.concepts)) if facet.concepts else set()
        out.append({"id": facet.id, "key": facet.key, "label": facet.label, "multiple": facet.multiple,
                    "pages": len(pages), "concepts": [node(cid, frozenset()) for cid in tax.top_concepts(facet.id)]})
    return out


def unused(tax: Taxonomy, tags: Mapping[str, Tags]) -> dict[str, list[str]]:
    """facet id -> concepts no page is tagged with (nor with anything narrower): the gaps."""
    used = usage(tax, tags)
    out: dict[str, list[str]] = {}
    for facet in tax.facets.values():
        gaps = [cid for cid in facet.concepts if not used[cid]]
        if gaps:
            out[facet.id] = gaps
    return out
