"""Machine-readable exports at the site root: the DCAT catalog and the Atom feed.

`catalog.json` is JSON-LD with its context inline (it works offline, and a
JSON-only reader can ignore the @-keys): one `dcat:Resource` per published
resource, with its facets both as subject IRIs and as a plain map.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import quote

from kmgen import schema
from kmgen.content import Document
from kmgen.publish.site import CATALOG_FILE, FEED_FILE, HOME, Site, concept_src

CATALOG_CONTEXT: dict[str, Any] = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "title": "dct:title",
    "description": "dct:description",
    "type": "dct:type",
    "language": "dct:language",
    "license": {"@id": "dct:license", "@type": "@id"},
    "modified": {"@id": "dct:modified", "@type": "xsd:date"},
    "landingPage": {"@id": "dcat:landingPage", "@type": "@id"},
    "homepage": {"@id": "foaf:homepage", "@type": "@id"},
    "publisher": "dct:publisher",
    "contributor": "dct:contributor",
    "name": "foaf:name",
    "subject": {"@id": "dct:subject", "@type": "@id"},
    "keyword": "dcat:keyword",
    "source": {"@id": "dct:source", "@type": "@id"},
    "resources": {"@id": "dcat:resource", "@container": "@set"},
    "facets": {"@id": "urn:kmgen:facets", "@type": "@json"},
    "path": {"@id": "urn:kmgen:path"},
    "nextReview": {"@id": "urn:kmgen:nextReview", "@type": "xsd:date"},
}

ATOM = "http://www.w3.org/2005/Atom"
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # characters XML 1.0 cannot hold
FEED_SIZE = 50


def catalog(site: Site) -> dict[str, Any]:
    return {
        "@context": CATALOG_CONTEXT,
        "@id": site.file_url(CATALOG_FILE),
        "@type": "dcat:Catalog",
        "title": site.settings.site_name,
        "homepage": site.absolute(HOME),
        "resources": [entry(site, d) for d in site.resources],
    }


def entry(site: Site, doc: Document) -> dict[str, Any]:
    lic = str(doc.get("license") or schema.DEFAULT_LICENSE)
    concepts = site.concepts_of(doc)
    out: dict[str, Any] = {
        "@id": site.absolute(doc.path),
        "@type": "dcat:Resource",
        "path": doc.path,
        "title": str(doc.get("title")),
        "description": str(doc.get("summary")),
        "type": str(doc.get("type")),
        "language": str(doc.get("language") or schema.DEFAULT_LANGUAGE),
        "license": f"https://spdx.org/licenses/{quote(lic)}.html",
        "landingPage": site.absolute(doc.path),
        "publisher": {"@type": "foaf:Organization", "name": str(doc.get("owner"))},
        # DCAT subjects are the SKOS concepts of taxonomy.jsonld (their pages when it is not published)
        "subject": [site.concept_iri(c.id) or site.absolute(concept_src(c.facet, c.id)) for c in concepts],
        "keyword": [c.label for c in concepts],
        "facets": {fid: list(ids) for fid, ids in site.tags[doc.path].items()},
    }
    reviewed, due = site.reviewed(doc), site.due(doc)
    if reviewed:
        out["modified"] = reviewed.isoformat()
    if due:
        out["nextReview"] = due.isoformat()
    names = site.contributors(doc)
    if names:
        out["contributor"] = [{"name": str(c)} for c in names]
    sources = [e.target if e.external else site.absolute(e.target) for e in site.lineage.adapted_from(doc.path)
               if e.external or e.target in site.pages]
    if sources:
        out["source"] = sources
    return out


def feed(site: Site) -> bytes:
    """Atom feed of resources, most recently reviewed (new or updated) first."""
    dated = [(r, d) for d in site.resources if (r := site.reviewed(d)) is not None]
    dated.sort(key=lambda pair: (pair[0], pair[1].path), reverse=True)
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed")
    _sub(root, "title", f"{site.settings.site_name}: new and updated resources")
    _sub(root, "id", site.file_url(FEED_FILE))
    _sub(root, "updated", _stamp(dated[0][0] if dated else site.settings.today))
    _sub(root, "link", rel="self", href=site.file_url(FEED_FILE))
    _sub(root, "link", href=site.absolute(HOME))
    for reviewed, doc in dated[:FEED_SIZE]:
        item = _sub(root, "entry")
        _sub(item, "title", str(doc.get("title")))
        _sub(item, "id", site.absolute(doc.path))
        _sub(item, "link", href=site.absolute(doc.path))
        _sub(item, "updated", _stamp(reviewed))
        _sub(item, "summary", str(doc.get("summary")))
        _sub(_sub(item, "author"), "name", str(doc.get("owner")))
        for c in site.concepts_of(doc):
            _sub(item, "category", term=c.id, label=c.label, scheme=site.taxonomy.facets[c.facet].id)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: _NOT_XML.sub("", v) for k, v in attrs.items()})
    if text is not None:
        el.text = _NOT_XML.sub("", text)
    return el


def _stamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"
