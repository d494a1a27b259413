"""KM245: contributed files that would shadow a file the site itself writes.

A page or image at an address the build or the theme owns (the 404 page, the
favicon, the search index, theme assets, the catalog, feed and taxonomy
exports, the folders of generated type and facet pages) would replace it or be
replaced by it, depending on build order. Generated pages that exist today are
reported as KM802 by the publish preflight; this check reserves the whole
namespace, so adding a concept or type later cannot collide with content.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from kmgen import schema
from kmgen.diagnostics import Diagnostic
from kmgen.hub import Hub
from kmgen.publish.site import (
    BROWSE_FILE,
    CATALOG_FILE,
    FACETS_DIR,
    FEED_FILE,
    TAXONOMY_FILE,
    TAXONOMY_IRI_DIR,
    TYPES_DIR,
    addressable,
    concept_src,
    facet_src,
    type_src,
)
from kmgen.sources import url_key

if TYPE_CHECKING:
    from kmgen.checks import CheckOptions

# What MkDocs and Material write at the site root (site.py names kmgen's own files).
THEME_FILES = ("404.html", "sitemap.xml", "sitemap.xml.gz")
THEME_DIRS = ("search", "assets")
THEME_STEMS = ("404", "favicon")  # any suffix: 404.md, favicon.png, favicon.ico ...

RESERVED_FILES = frozenset({CATALOG_FILE, TAXONOMY_FILE, FEED_FILE, BROWSE_FILE, *THEME_FILES})
RESERVED_DIRS = frozenset({TYPES_DIR, FACETS_DIR, TAXONOMY_IRI_DIR.strip("/"), *THEME_DIRS})


def reserved_reason(rel: str) -> str | None:
    """Why `rel` (a content path) may not exist, or None when it may."""
    key = url_key(rel).strip("/")
    top = key.split("/", 1)[0]
    name = posixpath.basename(rel)
    stem = name.split(".", 1)[0].casefold()
    if "/" not in rel and (name.casefold() in RESERVED_FILES or stem in THEME_STEMS):
        return f"'{name}' at the top of the site is written by the build or the theme"
    if top in RESERVED_DIRS:
        return f"the folder '{top}/' of the site is written by the build or the theme"
    return None


def _generated_keys(hub: Hub) -> set[str]:
    """Addresses of the type and facet pages the build generates: a content file
    there is KM802 already (kmgen.publish.preflight), so it is not reported twice."""
    srcs = [type_src(t) for t in schema.TYPES]
    for facet in hub.taxonomy.facets.values():
        if addressable(facet.id):
            srcs.append(facet_src(facet.id))
            srcs.extend(concept_src(facet.id, c) for c in facet.concepts if addressable(c))
    return {url_key(src) for src in srcs}


def check(hub: Hub, options: CheckOptions | None = None) -> list[Diagnostic]:
    generated = _generated_keys(hub)
    diags = []
    for rel in sorted([*hub.documents, *hub.assets]):
        why = reserved_reason(rel)
        if why and url_key(rel) not in generated:
            diags.append(Diagnostic(rel, 0, "KM245", "error", f"{rel} would shadow a file of the site: {why}",
                                    "rename or move it (for example under a folder named after its topic)"))
    return diags
