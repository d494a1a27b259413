"""Problems that only matter once the hub is published (KM801-KM804).

Registered as a `kmgen check` check, so contributors see them in their pull
request rather than when a maintainer publishes.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from kmgen.diagnostics import Diagnostic
from kmgen.hub import Hub
from kmgen.publish.lineage import normalise
from kmgen.publish.pages import SitePages
from kmgen.publish.site import Settings, Site, addressable

if TYPE_CHECKING:
    from kmgen.checks import CheckOptions

# Characters that would have to be escaped in a link or could end an HTML
# attribute: a file name holding them becomes an address that breaks somewhere.
_UNSAFE = re.compile(r"[\"'<>`#?%\\{}|^\x00-\x1f\x7f]")


def check(hub: Hub, options: CheckOptions | None = None) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    for rel in sorted([*hub.documents, *hub.assets]):
        bad = sorted(set(_UNSAFE.findall(rel)))
        if bad:
            shown = " ".join(repr(c) for c in bad)
            diags.append(Diagnostic(rel, 0, "KM801", "error",
                                    f"file name has characters that break web addresses: {shown}",
                                    "rename the file using letters, digits, '-' and '_'"))
    for facet in hub.taxonomy.facets.values():
        if not addressable(facet.id):
            diags.append(Diagnostic(hub.taxonomy.path, facet.line, "KM804", "error",
                                    f"facet id {facet.id!r} cannot be part of a page address",
                                    "use lowercase letters, digits and single hyphens"))
    diags.extend(_collisions(hub))
    diags.extend(_unpublished_sources(hub))
    return diags


def _collisions(hub: Hub) -> list[Diagnostic]:
    pages = SitePages(Site(hub, Settings()))
    return [Diagnostic(path, 0, "KM802", "error",
                       f"publishes to the same address as the generated page '{page.title}' ({page.src_uri})",
                       "rename or move this file; that address is reserved for the hub's own page")
            for path, page in pages.collisions]


def _unpublished_sources(hub: Hub) -> list[Diagnostic]:
    """`based_on` naming a hub page that exists but will not be published: the
    lineage would point nowhere, so say why."""
    published = {d.path for d in hub.accepted()}
    diags = []
    drafts = hub.drafts()
    for doc in hub.accepted():
        for key in ("based_on", "translation_of"):
            value = doc.get(key)
            for i, item in enumerate(value if isinstance(value, list) else [value]):
                target = normalise(item) if isinstance(item, str) else ""
                if not target or target in published or target not in hub.documents:
                    continue
                why = "a draft" if target in drafts else "rejected by kmgen check"
                lines = doc.item_lines.get(key, ())
                diags.append(Diagnostic(doc.path, lines[i] if i < len(lines) else doc.line_of(key), "KM803",
                                        "warning", f"'{key}' names {target}, which is {why}, so the link is "
                                        "shown as plain text", "publish that page, or point at another source", key))
    return diags
