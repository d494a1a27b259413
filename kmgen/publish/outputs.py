"""Write the machine-readable files into a built site: catalog, feed, browse data, SKOS."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kmgen.publish import browse, catalog, find_index
from kmgen.publish.site import BROWSE_FILE, CATALOG_FILE, FEED_FILE, TAXONOMY_FILE, Site


def write_outputs(site: Site, site_dir: Path) -> list[str]:
    """Returns the names written. The taxonomy is published as SKOS when
    `kmgen.skos` (the taxonomy export) is available."""
    written = {
        CATALOG_FILE: _json(catalog.catalog(site)),
        FEED_FILE: catalog.feed(site),
        BROWSE_FILE: _json(browse.data(site)),
    }
    to_jsonld = Site.optional("kmgen.skos", "to_jsonld")
    if to_jsonld is not None:
        written[TAXONOMY_FILE] = _json(to_jsonld(site.taxonomy, site.taxonomy_base()))
    written.update(find_index.files(site))
    for name, data in written.items():
        (site_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (site_dir / name).write_bytes(data)
    return sorted(written)


def _json(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
