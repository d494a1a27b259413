"""Old addresses of ingested pages, as `aliases:` the hub publishes as redirects.

A source page's `aliases` (Hugo), `redirect_from` (Jekyll, Eleventy) and the
redirect stubs that point at it (`redirect_to`, `redirectto`) name addresses
of the source site. In the hub the collection lives under its folder, so each
becomes an address under that folder (`/old/post/` of a collection in
`content/blog/` is `blog/old/post/`). An address kmgen could not publish
safely (another site, odd characters) or that falls on one of the collection's
pages or another alias is left out and listed in the report; a stub pointing
to another site is never followed (the source is untrusted).
"""

from __future__ import annotations

import posixpath
import re

from kmgen.ingest.links import SiteMap, site_key
from kmgen.publish.redirects import alias_file, file_key
from kmgen.sources import url_key


def source_path(url: str, page_url: str, site: SiteMap) -> str | None:
    """A source site address as a path from the site's root ("old/post/"), None for another site's.
    `page_url` "" reads a relative address from the site's root (Jekyll, Eleventy), a page's
    address reads it from that page's folder (Hugo)."""
    url = url.strip()
    if site.site_host and url.startswith(site.site_host):
        url = url[len(site.site_host):]
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//", url):
        return None
    path = url.split("#", 1)[0].split("?", 1)[0]
    if not path.startswith("/"):
        path = posixpath.join(posixpath.dirname(page_url.rstrip("/")) or "/", path)
    root = site.site_root
    if root and (path == root or path.startswith(root + "/")):
        path = path[len(root):]
    return path.lstrip("/") or None


def hub_alias(url: str, page_url: str, site: SiteMap, prefix: str) -> str | None:
    """The hub address of a source site address, or None for another site's."""
    path = source_path(url, page_url, site)
    if path is None:
        return None
    return f"{prefix.strip('/')}/{path}" if prefix.strip("/") else path


def collect(pages: list[tuple[str, str, list[str]]], stubs: list[dict[str, str]], site: SiteMap,
            prefix: str, page_relative: bool) -> tuple[dict[str, list[str]], list[dict[str, str]]]:
    """`pages`: (source rel, its address on the source site, its old addresses) per ingested page;
    `stubs`: redirect stubs {from, to}; `page_relative`: a relative old address is read from the
    page's folder (Hugo) rather than the site's root. Returns (aliases by source rel, refused ones)."""
    wanted = [(rel, old, url if page_relative else "") for rel, url, olds in pages for old in olds]
    ingested = {rel for rel, _url, _olds in pages}
    for stub in stubs:
        path = source_path(stub["to"], stub["from"], site)
        target = site.pages_by_url.get(site_key("/" + path)) if path else None
        if target in ingested:
            wanted.append((str(target), stub["from"], "/"))
    base = prefix.strip("/")
    taken = {url_key(posixpath.join(base, dest)) for dest in site.dest.values()}
    out: dict[str, list[str]] = {}
    refused: list[dict[str, str]] = []
    for rel, old, page_url in wanted:
        alias = hub_alias(old, page_url, site, prefix)
        file, why = alias_file(alias) if alias else (None, "an address on another site")
        if file is None:
            refused.append({"page": rel, "from": old, "reason": why})
            continue
        key = file_key(file)
        if key == url_key(posixpath.join(base, site.dest[rel])):
            continue  # the page's own address: nothing to redirect
        if key in taken:
            if alias not in out.get(rel, []):
                refused.append({"page": rel, "from": old, "reason": "falls on a page or another alias"})
            continue
        taken.add(key)
        out.setdefault(rel, []).append(str(alias))
    return out, refused
