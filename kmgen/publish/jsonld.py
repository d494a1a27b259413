"""schema.org JSON-LD for every page, so search engines and catalogues read the hub.

Resources are `LearningResource` (or `CreativeWork` for stories and community
outputs) with what they are about, for whom, at which level, what they are
based on, licence, language and review date. Listing pages are
`CollectionPage`s with an `ItemList`; hub pages are `WebPage`s of the `WebSite`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from kmgen import facets, schema
from kmgen.content import Document
from kmgen.publish.site import HOME, Site, concept_src, facet_src
from kmgen.taxonomy import Concept

CONTEXT = "https://schema.org"
# Stories and community outputs are works, not teaching material.
CREATIVE_WORK_TYPES = frozenset({"case-study", "cop-output"})

# Facets with a schema.org property of their own (by facet id); every concept
# is also listed under `about`.
AUDIENCE = "audience"
LEVEL = ("capacity-level", "capacity")
SKILL = ("skill-type", "skill")
GEOGRAPHY = "geography"


def script_json(data: Any) -> Markup:
    """JSON safe to place inside <script>: no `</script>`, no HTML comment openers."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def website(site: Site) -> dict[str, Any]:
    root = site.absolute(HOME)
    return {"@type": "WebSite", "@id": site.settings.site_url or root, "name": site.settings.site_name,
            "url": site.settings.site_url or root}


def defined_term(site: Site, concept: Concept) -> dict[str, Any]:
    facet = site.taxonomy.facets[concept.facet]
    term: dict[str, Any] = {
        "@type": "DefinedTerm", "@id": site.absolute(concept_src(concept.facet, concept.id)),
        "name": concept.label, "termCode": concept.id,
        "inDefinedTermSet": {"@type": "DefinedTermSet", "@id": site.absolute(facet_src(facet.id)),
                             "name": facet.label}}
    iri = site.concept_iri(concept.id)
    if iri:
        term["sameAs"] = iri  # the skos:Concept in taxonomy.jsonld
    return term


def resource(site: Site, doc: Document) -> dict[str, Any]:
    url = site.absolute(doc.path)
    type_id = str(doc.get("type"))
    concepts = site.concepts_of(doc)
    lic = str(doc.get("license") or schema.DEFAULT_LICENSE)
    data: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "CreativeWork" if type_id in CREATIVE_WORK_TYPES else "LearningResource",
        "@id": url, "url": url,
        "name": _str(doc.get("title")), "description": _str(doc.get("summary")),
        "inLanguage": _str(doc.get("language") or schema.DEFAULT_LANGUAGE),
        "license": f"https://spdx.org/licenses/{quote(lic)}.html",
        "learningResourceType": schema.TYPES[type_id].label if type_id in schema.TYPES else type_id,
        "maintainer": {"@type": "Organization", "name": _str(doc.get("owner"))},
        "isPartOf": website(site),
        "about": [defined_term(site, c) for c in concepts if c.facet != facets.RESOURCE_TYPE],
        "keywords": [c.label for c in concepts],
    }
    reviewed = site.reviewed(doc)
    if reviewed:
        data["dateModified"] = reviewed.isoformat()
    names = site.contributors(doc)
    if names:
        data["contributor"] = [{"name": _str(n)} for n in names]
    data.update(_facet_properties(site, concepts))
    data.update(_lineage(site, doc))
    return data


def _facet_properties(site: Site, concepts: Sequence[Concept]) -> dict[str, Any]:
    out: dict[str, list[Any]] = {}
    for c in concepts:
        if c.facet == AUDIENCE:
            out.setdefault("audience", []).append({"@type": "Audience", "audienceType": c.label})
        elif c.facet in LEVEL:
            out.setdefault("educationalLevel", []).append(defined_term(site, c))
        elif c.facet in SKILL:
            out.setdefault("teaches", []).append(defined_term(site, c))
        elif c.facet == GEOGRAPHY:
            out.setdefault("spatialCoverage", []).append({"@type": "Place", "name": c.label})
    return out


def _lineage(site: Site, doc: Document) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for edge in site.lineage.adapted_from(doc.path):
        if edge.external:
            target: dict[str, Any] = {"@id": edge.target}
        elif edge.target in site.pages:
            target = {"@id": site.absolute(edge.target), "name": _str(site.pages[edge.target].get("title"))}
        else:
            continue
        key = "translationOfWork" if edge.relation == "translation_of" else "isBasedOn"
        out.setdefault(key, []).append(target)
    return out


def web_page(site: Site, doc: Document) -> dict[str, Any]:
    url = site.absolute(doc.path)
    return {"@context": CONTEXT, "@type": "WebPage", "@id": url, "url": url, "name": _str(doc.get("title")),
            "description": _str(doc.get("summary")), "isPartOf": website(site)}


def collection(site: Site, src_uri: str, title: str, docs: Sequence[Document],
               about: Concept | None = None) -> dict[str, Any]:
    url = site.absolute(src_uri)
    data: dict[str, Any] = {
        "@context": CONTEXT, "@type": "CollectionPage", "@id": url, "url": url, "name": title,
        "isPartOf": website(site),
        "mainEntity": {"@type": "ItemList", "numberOfItems": len(docs), "itemListElement": [
            {"@type": "ListItem", "position": i, "url": site.absolute(d.path), "name": _str(d.get("title"))}
            for i, d in enumerate(docs, 1)]},
    }
    if about is not None:
        data["about"] = defined_term(site, about)
    return data


def _str(value: Any) -> str:
    return "" if value is None else str(value)
