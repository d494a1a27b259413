"""Collections `kmgen ingest` brought in: each one's page in its source's order, and its credit.

Every ingested page records `imported: {collection, order, attribution,
source_url ...}`. A collection gets one generated page (in the nav's
"Collections" section) listing its pages in the order the source gave them
(SUMMARY.md, Hugo `weight`, Jekyll `nav_order`, Eleventy navigation): pages
with an order first, by that order, then the rest by title. Its resources mark
that page as where they are. The site footer credits each collection whose
licence asks for attribution (CC BY, CC BY-SA, OGL ...; not CC0 or the public
domain) with its attribution text and source.
"""

from __future__ import annotations

import math
import posixpath
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from markupsafe import Markup

from kmgen import schema
from kmgen.content import Document
from kmgen.publish import jsonld, views
from kmgen.publish.site import Site

if TYPE_CHECKING:
    from kmgen.publish.generated import Generated

COLLECTIONS_DIR = "collections"
SECTION = "Collections"
TEMPLATE = "kmgen/collection.html"
# Licences that ask nothing of a reuser: everything else is credited in the footer.
NO_ATTRIBUTION = frozenset({"cc0-1.0", "pddl-1.0", "unlicense", "0bsd", "cc-pddc", "public-domain", "wtfpl"})
_SLUG = re.compile(r"[^a-z0-9]+")
_INDEX_NAMES = ("index.md", "README.md")


@dataclass(frozen=True)
class Credit:
    """One collection's line in the footer."""

    name: Markup
    licenses: tuple[views.Link, ...]
    attribution: Markup
    source_url: str  # https only, else ""


@dataclass(frozen=True)
class CollectionView:
    name: Markup
    credit: Credit
    items: tuple[views.Item, ...]


def collection_of(doc: Document) -> str | None:
    record = doc.get(schema.IMPORTED)
    name = record.get("collection") if isinstance(record, dict) else None
    return name.strip() if isinstance(name, str) and name.strip() else None


def slug(name: str) -> str:
    return _SLUG.sub("-", name.casefold()).strip("-")


def collection_src(doc: Document) -> str | None:
    """The collection page a page of an ingested collection belongs under (None: no collection)."""
    name = collection_of(doc)
    return f"{COLLECTIONS_DIR}/{slug(name)}.md" if name and slug(name) else None


def order_key(doc: Document) -> tuple[int, float, str, str]:
    """Pages with a source order first (by it), then the rest; ties by title."""
    record = doc.get(schema.IMPORTED)
    order = _number(record.get("order")) if isinstance(record, dict) else None
    title = doc.get("title")
    return (0 if order is not None else 1, order if order is not None else 0.0,
            title.casefold() if isinstance(title, str) else "", doc.path)


def in_order(docs: list[Document]) -> list[Document]:
    """A collection's pages as its source orders them, folder by folder: Hugo weights and Jekyll
    `nav_order` count among siblings, so a folder takes its place by its index page's order (a
    folder without one, by the first of its pages with an order: navigation data numbers pages
    across the whole site), its index page comes first in it, then its pages and subfolders by
    `order_key`."""
    index_of = {posixpath.dirname(d.path): d for d in docs if posixpath.basename(d.path) in _INDEX_NAMES}
    first_in: dict[str, tuple[int, float, str, str]] = {}  # a folder without an index page: its first page
    for doc in docs:
        own_key, folder = order_key(doc), posixpath.dirname(doc.path)
        while own_key[0] == 0 and folder:
            first_in[folder] = min(first_in.get(folder, own_key), own_key)
            folder = posixpath.dirname(folder)

    def entry(folder: str) -> tuple[int, float, str, str]:
        index = index_of.get(folder)
        if index is not None:
            return order_key(index)
        return first_in.get(folder) or (1, 0.0, posixpath.basename(folder).casefold(), folder)

    def key(doc: Document) -> list[tuple[int, float, str, str]]:
        folder = posixpath.dirname(doc.path)
        parts = folder.split("/") if folder else []
        levels = [entry("/".join(parts[:i])) for i in range(1, len(parts) + 1)]
        own = (-1, 0.0, "", "") if index_of.get(folder) is doc else order_key(doc)
        return [*levels, own]

    return sorted(docs, key=key)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    try:
        number = float(str(value).replace(",", "").strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def members(site: Site) -> dict[str, list[Document]]:
    """Published pages by collection name, each list in the collection's order."""
    groups: dict[str, list[Document]] = {}
    for doc in site.pages.values():
        name = collection_of(doc)
        if name:
            groups.setdefault(name, []).append(doc)
    return {name: in_order(docs) for name, docs in sorted(groups.items(), key=lambda kv: kv[0].casefold())}


def credit(name: str, docs: list[Document]) -> Credit:
    licenses = sorted({str(d.get("license") or schema.DEFAULT_LICENSE) for d in docs})
    records = [d.get(schema.IMPORTED) for d in docs]
    attribution = next((r["attribution"] for r in records if isinstance(r.get("attribution"), str)), "")
    url = next((r["source_url"] for r in records if isinstance(r.get("source_url"), str)), "")
    return Credit(views.text(name),
                  tuple(views.Link(views.text(lic), f"https://spdx.org/licenses/{quote(lic)}.html", external=True)
                        for lic in licenses),
                  views.text(attribution), url if url.startswith("https://") else "")


def credits(site: Site) -> tuple[Credit, ...]:
    """The collections whose licence (any licence of their pages) asks for attribution."""
    out = []
    for name, docs in members(site).items():
        found = credit(name, docs)
        if any(str(link.title).casefold() not in NO_ATTRIBUTION for link in found.licenses):
            out.append(found)
    return tuple(out)


def pages(site: Site) -> list[Generated]:
    """One generated page per collection (a provider of kmgen.publish.generated)."""
    from kmgen.publish.generated import Generated

    out = []
    for name, docs in members(site).items():
        src = collection_src(docs[0])
        if src is None:
            continue
        resources = [d for d in docs if d.get("type") != schema.PAGE_TYPE]

        def view(name: str = name, docs: list[Document] = docs) -> CollectionView:
            return CollectionView(views.text(name), credit(name, docs), views.items(site, docs))

        def data(src: str = src, name: str = name, docs: list[Document] = resources) -> dict[str, Any]:
            return jsonld.collection(site, src, name, docs)

        out.append(Generated(src, name, f"Every page of {name}, in the order its source gave them.", TEMPLATE,
                             view, data, section=SECTION))
    return out
