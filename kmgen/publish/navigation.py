"""Where a page that is not in the navigation belongs in it.

Resources and concept pages are reached through listings, so they have no nav
entry of their own; readers still need to see where they are. A resource is
under its type's page (a page of an ingested collection under its collection's
page), a concept under its facet's page: the plugin marks that entry (and its
section) as the current one while the page renders.
"""

from __future__ import annotations

from kmgen import schema
from kmgen.publish.collections import collection_src
from kmgen.publish.site import FACETS_DIR, Site, facet_src, type_src


def nav_entry(site: Site, src_uri: str) -> str | None:
    """The source path of the nav entry that stands for `src_uri` (None: itself or none)."""
    doc = site.pages.get(src_uri)
    if doc is not None:
        kind = doc.get("type")
        return (collection_src(doc) or type_src(kind)) if isinstance(kind, str) and kind in schema.TYPES else None
    parts = src_uri.split("/")
    if len(parts) == 3 and parts[0] == FACETS_DIR and parts[2] != "index.md":
        return facet_src(parts[1])
    return None
