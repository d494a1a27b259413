"""The topic chips of a resource page, in reader-facing words and the page's language.

A page is often tagged with 15-25 concepts. Readers need the few that set it
apart, so the chips shown first are the most specific: a concept is dropped
when a narrower one of it is also tagged, and the rest are ordered by how few
pages share them. Everything else stays one click away, grouped by facet.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from kmgen import facets, schema
from kmgen.content import Document
from kmgen.publish.site import Site

SHOWN = 6  # chips shown before "More topics": about two lines in the side panel


@dataclass(frozen=True)
class Chip:
    facet_id: str
    concept_id: str
    facet: Markup  # the facet's reader label
    label: Markup
    url: str


@dataclass(frozen=True)
class Topics:
    shown: tuple[Chip, ...]
    more: tuple[Chip, ...]  # in taxonomy order, collapsed


def chip(site: Site, cid: str, language: str) -> Chip:
    concept = site.taxonomy.concepts[cid]
    facet = site.taxonomy.facets[concept.facet]
    return Chip(facet.id, cid, escape(facet.reader_label_in(language)), escape(concept.label_in(language)),
                site.concept_url(cid))


def type_label(site: Site, doc: Document, language: str) -> Markup:
    """The page's type as the taxonomy names it in `language` (the schema's label otherwise)."""
    kind = doc.get("type")
    concept = site.taxonomy.concepts.get(kind) if isinstance(kind, str) else None
    if concept is not None and concept.facet == facets.RESOURCE_TYPE:
        return escape(concept.label_in(language))
    spec = schema.TYPES.get(kind) if isinstance(kind, str) else None
    return escape(spec.label if spec else str(kind))


def most_specific(site: Site, doc: Document) -> list[str]:
    """Tagged concepts (resource type aside) without those a narrower tagged one implies."""
    tagged = [c.id for c in site.concepts_of(doc) if c.facet != facets.RESOURCE_TYPE]
    implied = {a for cid in tagged for a in site.taxonomy.ancestors(cid)}
    return [cid for cid in tagged if cid not in implied]


def topics(site: Site, doc: Document, language: str) -> Topics:
    tagged = most_specific(site, doc)
    order = {cid: n for n, cid in enumerate(tagged)}
    # fewest pages first: a concept every page has says little about this one
    ranked = sorted(tagged, key=lambda cid: (len(site.members(cid)), order[cid]))
    first = set(ranked[:SHOWN])
    shown = tuple(chip(site, cid, language) for cid in tagged if cid in first)
    more = tuple(chip(site, cid, language) for cid in tagged if cid not in first)
    return Topics(shown, more)
