"""Template contexts of the listing pages: facets, concepts, types, review lists, home.

Each builder returns a frozen value with escaped strings (see `views`); the
Jinja templates in kmgen/theme/kmgen/ turn them into HTML.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from kmgen import facets, schema
from kmgen.content import Document
from kmgen.publish import review, views
from kmgen.publish.site import BROWSE, CATALOG_FILE, FEED_FILE, REVIEW, TAXONOMY_FILE, Site, facet_src, type_src
from kmgen.publish.views import Item, Link, text
from kmgen.reports import freshness


@dataclass(frozen=True)
class ConceptNode:
    """A concept in a hierarchy listing: its pages are rolled up from narrower ones."""

    id: str
    label: Markup
    url: str
    count: int  # resources tagged with it or any narrower concept
    direct: int  # resources tagged with exactly this concept
    children: tuple[ConceptNode, ...]


@dataclass(frozen=True)
class Count:
    label: Markup
    url: str
    count: int
    definition: Markup = Markup("")


@dataclass(frozen=True)
class FacetView:
    id: str
    label: Markup
    definition: Markup
    concepts: tuple[ConceptNode, ...]
    total: int
    kind: str = "facet"


@dataclass(frozen=True)
class ConceptView:
    id: str
    label: Markup
    definition: Markup
    alt_labels: tuple[Markup, ...]
    facet: Link
    broader: tuple[Link, ...]  # from the top of the hierarchy down to the parent
    narrower: tuple[ConceptNode, ...]
    related: tuple[Link, ...]
    items: tuple[Item, ...]
    direct: int
    kind: str = "concept"


@dataclass(frozen=True)
class TypeView:
    id: str
    label: Markup
    definition: Markup
    items: tuple[Item, ...]
    kind: str = "type"


@dataclass(frozen=True)
class ReviewView:
    recent: tuple[Item, ...]
    due: tuple[Item, ...]
    today: str
    recent_days: int
    due_soon_days: int
    kind: str = "review"
    owners: tuple[review.OwnerGroup, ...] = ()  # every resource's due date, by owner
    overdue: int = 0
    due_soon: int = 0
    missing: int = 0


@dataclass(frozen=True)
class HomeView:
    total: int
    types: tuple[Count, ...]
    facets: tuple[Count, ...]
    recent: tuple[Item, ...]
    overdue: int
    browse_url: str
    review_url: str
    catalog_url: str
    feed_url: str
    taxonomy_url: str  # "" until the taxonomy can be exported as SKOS
    kind: str = "home"


def tree(site: Site, ids: list[str], seen: frozenset[str] = frozenset()) -> tuple[ConceptNode, ...]:
    nodes = []
    for cid in ids:
        if cid in seen or cid not in site.taxonomy.concepts:
            continue  # a broader cycle is reported by the taxonomy check; never loop on it
        concept = site.taxonomy.concepts[cid]
        members = site.members(cid)
        nodes.append(ConceptNode(cid, text(concept.label), site.concept_url(cid), len(members),
                                 sum(1 for d in members if site.tagged(d, cid)),
                                 tree(site, site.taxonomy.narrower(cid), seen | {cid})))
    return tuple(nodes)


def facet_view(site: Site, facet_id: str) -> FacetView:
    facet = site.taxonomy.facets[facet_id]
    total = {d.path for c in facet.concepts for d in site.members(c)}
    return FacetView(facet.id, text(facet.label), text(facet.definition),
                     tree(site, site.taxonomy.top_concepts(facet_id)), len(total))


def concept_view(site: Site, cid: str) -> ConceptView:
    tax = site.taxonomy
    concept = tax.concepts[cid]
    facet = tax.facets[concept.facet]
    chain = [c for c in reversed(tax.ancestors(cid)) if c in tax.concepts]
    members = site.members(cid)
    listed = []
    for doc in members:
        via = [] if site.tagged(doc, cid) else [c for c in tax.descendants(cid) if site.tagged(doc, c)]
        listed.append(views.item(site, doc, via))
    return ConceptView(
        id=cid, label=text(concept.label), definition=text(concept.definition),
        alt_labels=tuple(text(a) for a in concept.alt_labels),
        facet=Link(text(facet.label), site.url(facet_src(facet.id))),
        broader=tuple(Link(text(tax.concepts[c].label), site.concept_url(c)) for c in chain),
        narrower=tree(site, tax.narrower(cid), frozenset({cid, *chain})),
        related=tuple(Link(text(tax.concepts[r].label), site.concept_url(r)) for r in concept.related
                      if r in tax.concepts),
        items=tuple(listed), direct=sum(1 for d in members if site.tagged(d, cid)))


def type_definition(site: Site, type_id: str) -> Markup:
    concept = site.taxonomy.concepts.get(type_id)
    if concept is not None and concept.facet == facets.RESOURCE_TYPE:
        return text(concept.definition)
    return Markup("")


def type_view(site: Site, type_id: str) -> TypeView:
    return TypeView(type_id, views.type_label(type_id), type_definition(site, type_id),
                    views.items(site, site.of_type(type_id)))


def review_view(site: Site) -> ReviewView:
    # due dates, window and states as `kmgen report freshness` has them (kmgen.publish.review)
    s = site.settings
    rows = review.rows(site)
    states = [r.state for r in rows]
    return ReviewView(views.items(site, site.recently_reviewed()), review.due(rows), s.today.isoformat(),
                      s.recent_days, freshness.DUE_SOON_DAYS, owners=review.by_owner(rows),
                      overdue=states.count(freshness.OVERDUE), due_soon=states.count(freshness.DUE_SOON),
                      missing=states.count(review.MISSING))


def home_view(site: Site) -> HomeView:
    types = tuple(Count(views.type_label(t), site.url(type_src(t)), len(site.of_type(t)),
                        type_definition(site, t)) for t in schema.TYPES)
    facet_counts = []
    for fid in site.taxonomy.facets:
        if fid == facets.RESOURCE_TYPE:
            continue
        facet = site.taxonomy.facets[fid]
        used = {d.path for c in facet.concepts for d in site.members(c)}
        facet_counts.append(Count(text(facet.label), site.url(facet_src(fid)), len(used), text(facet.definition)))
    return HomeView(
        total=len(site.resources), types=types, facets=tuple(facet_counts),
        recent=views.items(site, site.recently_reviewed(limit=5)),
        overdue=sum(1 for d in site.resources if site.overdue(d)),
        browse_url=site.url(BROWSE), review_url=site.url(REVIEW), catalog_url=CATALOG_FILE, feed_url=FEED_FILE,
        taxonomy_url=TAXONOMY_FILE if Site.optional("kmgen.skos", "to_jsonld") else "")


def documents(site: Site, view_items: tuple[Item, ...]) -> list[Document]:
    """The Documents behind listed items (for JSON-LD item lists)."""
    return [site.pages[i.path] for i in view_items]
