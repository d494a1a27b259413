"""Pages the hub generates from its content: home (when content has none), browse,
one per content type, per facet and per concept, and the review lists.

Each provider is a function `Site -> list[Generated]`; add a page family by
appending a provider to `PROVIDERS` (its template goes in kmgen/theme/kmgen/).
A provider whose data comes from an optional module returns [] until that
module exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, partial
from typing import Any

from kmgen import facets, schema
from kmgen.publish import collections, jsonld, listings
from kmgen.publish.browse import browse_view
from kmgen.publish.site import BROWSE, COVERAGE, HOME, REVIEW, Site, addressable, concept_src, facet_src, type_src
from kmgen.reports.coverage import coverage_view


@dataclass(frozen=True)
class Generated:
    src_uri: str  # where the page would live under content/, e.g. "browse.md"
    title: str  # raw; escaped when it becomes page metadata
    description: str
    template: str  # Jinja template under kmgen/theme/ (a hub's overrides/ wins), e.g. "kmgen/browse.html"
    # The `kmgen` template variable and the JSON-LD, made when first asked for:
    # `kmgen check` needs only the pages' addresses, and a build makes each once.
    make_context: Callable[[], Any]
    make_jsonld: Callable[[], dict[str, Any]]
    in_nav: bool = True
    section: str | None = None  # nav section title; None: top level
    markdown: str = ""  # an optional body, rendered and sanitised like any page

    @cached_property
    def context(self) -> Any:
        return self.make_context()

    @cached_property
    def jsonld(self) -> dict[str, Any]:
        return self.make_jsonld()


Provider = Callable[[Site], list[Generated]]

TYPES_SECTION = "Resource types"
TOPICS_SECTION = "Topics"


def home(site: Site) -> list[Generated]:
    if HOME in site.hub.documents:
        return []  # the hub's own home page (if it is rejected, the build stops)
    name = site.settings.site_name
    return [Generated(HOME, name, f"{name}: browse the hub by every facet.", "kmgen/home.html",
                      lambda: listings.home_view(site), lambda: {"@context": jsonld.CONTEXT, **jsonld.website(site)})]


def browse(site: Site) -> list[Generated]:
    title = "Browse"
    return [Generated(BROWSE, title, "Every resource, filtered by any combination of facets.",
                      "kmgen/browse.html", lambda: browse_view(site),
                      lambda: jsonld.collection(site, BROWSE, title, site.resources))]


def type_pages(site: Site) -> list[Generated]:
    out = []
    for type_id, spec in schema.TYPES.items():
        out.append(Generated(type_src(type_id), _plural(spec.label), f"Every {spec.label.lower()} in the hub.",
                             "kmgen/type.html", partial(listings.type_view, site, type_id),
                             partial(jsonld.collection, site, type_src(type_id), spec.label, site.of_type(type_id)),
                             section=TYPES_SECTION))
    return out


def facet_pages(site: Site) -> list[Generated]:
    out = []
    for facet in site.taxonomy.facets.values():
        if not addressable(facet.id):
            continue  # reported by `kmgen check` (KM804)
        out.append(Generated(facet_src(facet.id), facet.label, facet.definition or f"Resources by {facet.label}.",
                             "kmgen/facet.html", partial(listings.facet_view, site, facet.id),
                             partial(_facet_jsonld, site, facet.id),
                             # resource types have their own pages in the nav
                             in_nav=facet.id != facets.RESOURCE_TYPE, section=TOPICS_SECTION))
        for cid in facet.concepts:
            if not addressable(cid):
                continue  # reported by the taxonomy check (KM303)
            concept = site.taxonomy.concepts[cid]
            src = concept_src(facet.id, cid)
            out.append(Generated(src, concept.label, concept.definition or f"Resources about {concept.label}.",
                                 "kmgen/concept.html", partial(listings.concept_view, site, cid),
                                 partial(jsonld.collection, site, src, concept.label, site.members(cid),
                                         about=concept),
                                 in_nav=False))
    return out


def _facet_jsonld(site: Site, facet_id: str) -> dict[str, Any]:
    facet = site.taxonomy.facets[facet_id]
    members = sorted({d.path for c in facet.concepts for d in site.members(c)})
    return jsonld.collection(site, facet_src(facet.id), facet.label, [site.pages[p] for p in members])


def review(site: Site) -> list[Generated]:
    def review_jsonld() -> dict[str, Any]:
        view = listings.review_view(site)
        return jsonld.collection(site, REVIEW, "Review", listings.documents(site, view.recent + view.due))

    return [Generated(REVIEW, "Review", "Recently reviewed pages and pages due for review.", "kmgen/review.html",
                      lambda: listings.review_view(site), review_jsonld)]




def coverage(site: Site) -> list[Generated]:
    view = coverage_view(site)
    if view is None:
        return []  # the taxonomy has fewer than two of the default facets
    title = "Coverage and gaps"
    description = "How many resources the hub has for each combination of topics; empty cells are the gaps."
    url = site.absolute(COVERAGE)

    def data() -> dict[str, Any]:
        return {"@context": jsonld.CONTEXT, "@type": "WebPage", "@id": url, "url": url, "name": title,
                "description": description, "isPartOf": jsonld.website(site)}

    # The view itself is made now: whether the page exists at all depends on it.
    return [Generated(COVERAGE, title, description, "kmgen/coverage.html", lambda: view, data)]


PROVIDERS: list[Provider] = [home, browse, type_pages, facet_pages, review, coverage, collections.pages]


def generated_pages(site: Site) -> list[Generated]:
    out: list[Generated] = []
    for provider in PROVIDERS:
        out.extend(provider(site))
    return out


def _plural(label: str) -> str:
    if label.endswith("s"):
        return label
    if label.endswith("y") and label[-2:-1] not in ("a", "e", "i", "o", "u"):
        return label[:-1] + "ies"
    return label + "s"
