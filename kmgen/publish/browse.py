"""The browse page: every resource, filterable by every facet.

Without JavaScript the page is a plain pre-rendered list (and each concept's
count links to the concept's own page). `assets/javascripts/kmgen-browse.js`
enhances it from the data built here, embedded in the page so it also works
from file:// where a fetch would be refused; the same data is published as
browse.json for other tools. The page is also the hub's Find page: its search
field searches the static index of `kmgen.publish.find_index` (or the API of
`kmgen serve` when one answers) and combines the words with the ticks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from kmgen.publish import find_index, views
from kmgen.publish.jsonld import script_json
from kmgen.publish.site import Site
from kmgen.publish.views import Item, text


@dataclass(frozen=True)
class Option:
    """One checkbox: a concept of a facet, indented under its broader concept."""

    value: str  # "facet/concept", the token the script filters on
    label: Markup
    url: str
    count: int
    depth: int


@dataclass(frozen=True)
class FacetFilter:
    id: str
    label: Markup
    options: tuple[Option, ...]


@dataclass(frozen=True)
class Row:
    item: Item
    tokens: str  # space-separated "facet/concept" tokens, ancestors included


@dataclass(frozen=True)
class BrowseView:
    filters: tuple[FacetFilter, ...]
    rows: tuple[Row, ...]
    data: Markup  # the embedded JSON
    total: int
    kind: str = "browse"


def token(facet_id: str, concept_id: str) -> str:
    return f"{facet_id}/{concept_id}"


def tokens(site: Site, path: str) -> list[str]:
    return [token(fid, cid) for fid, ids in site.expanded[path].items() for cid in ids]


def _options(site: Site, facet_id: str) -> tuple[Option, ...]:
    tax = site.taxonomy
    out: list[Option] = []

    def walk(ids: list[str], depth: int, seen: frozenset[str]) -> None:
        for cid in ids:
            if cid in seen or cid not in tax.concepts:
                continue
            count = len(site.members(cid))
            if count:
                out.append(Option(token(facet_id, cid), text(tax.concepts[cid].label), site.concept_url(cid),
                                  count, depth))
            walk(tax.narrower(cid), depth + 1, seen | {cid})

    walk(tax.top_concepts(facet_id), 0, frozenset())
    return tuple(out)


def data(site: Site, full: bool = True) -> dict[str, Any]:
    """Facets, concepts and each resource's tokens. The page embeds the short form
    (what the script needs); browse.json is the full form for other tools."""
    tax = site.taxonomy
    if not full:
        return {"facets": site.facets_in_use(), "find": find_index.manifest(site),
                "resources": [{"path": d.path, "tags": tokens(site, d.path)} for d in site.resources]}
    return {
        "facets": [{"id": fid, "label": tax.facets[fid].label,
                    "concepts": [{"id": cid, "label": tax.concepts[cid].label, "broader": tax.concepts[cid].broader}
                                 for cid in tax.facets[fid].concepts]}
                   for fid in site.facets_in_use()],
        "resources": [{"path": d.path, "url": site.url(d.path), "title": str(d.get("title")),
                       "type": str(d.get("type")), "tags": tokens(site, d.path)} for d in site.resources],
    }


def browse_view(site: Site) -> BrowseView:
    filters = tuple(FacetFilter(fid, text(site.taxonomy.facets[fid].label), _options(site, fid))
                    for fid in site.facets_in_use())
    rows = tuple(Row(views.item(site, d), " ".join(tokens(site, d.path))) for d in site.resources)
    return BrowseView(filters, rows, script_json(data(site, full=False)), len(rows))
