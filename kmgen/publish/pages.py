"""Every page of the site, content and generated, as MkDocs should see it.

For each page: the Markdown to render (a Document's body, never the file
again), the escaped metadata that becomes `page.meta`, the template and its
`kmgen` context, the page's JSON-LD, and whether it is listed in the nav.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, partial
from typing import Any

from markupsafe import Markup

from kmgen import schema, sources
from kmgen.content import Document
from kmgen.publish import jsonld, listings, views
from kmgen.publish.generated import Generated, generated_pages
from kmgen.publish.site import HOME, Site

RESOURCE_TEMPLATE = "kmgen/resource.html"
HOME_TEMPLATE = "kmgen/home.html"


@dataclass(frozen=True)
class PageSource:
    src_uri: str
    markdown: str
    meta: dict[str, Any]  # escaped values only: Material prints page.meta as it is
    # The `kmgen` template variable (None for plain hub pages) and the JSON-LD
    # script, made when first asked for: the page model is cheap to build, so
    # `kmgen check` (which needs only addresses) never renders a view, and a
    # build renders each page's view once, when MkDocs reaches that page.
    make_context: Callable[[], Any]
    make_jsonld: Callable[[], Markup]
    in_nav: bool
    section: str | None = None
    generated: bool = False

    @cached_property
    def context(self) -> Any:
        return self.make_context()

    @cached_property
    def jsonld(self) -> Markup:
        return self.make_jsonld()


def meta(title: Any, description: Any, template: str | None, generated: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"title": views.text(title), "description": views.text(description)}
    if template:
        out["template"] = template
    if generated:
        out["hide"] = ["toc"]  # listings have no headings to list; the width goes to the list
    return out


def _context_of(page: Generated) -> Any:
    return page.context


def _jsonld_of(page: Generated) -> Markup:
    return jsonld.script_json(page.jsonld)


class SitePages:
    """All pages by source path; generated pages never replace content pages."""

    def __init__(self, site: Site):
        self.site = site
        self.by_uri: dict[str, PageSource] = {}
        self.collisions: list[tuple[str, Generated]] = []  # (content or taxonomy path, generated page)
        for doc in site.pages.values():
            self.by_uri[doc.path] = self._content(doc)
        keys = {sources.url_key(p): p for p in site.hub.documents}
        for page in generated_pages(site):
            key = sources.url_key(page.src_uri)
            clash = keys.get(key)
            if clash is not None:
                self.collisions.append((clash, page))
                continue
            keys[key] = site.taxonomy.path  # two generated pages on one address: taxonomy ids clash
            self.by_uri[page.src_uri] = PageSource(
                page.src_uri, page.markdown, meta(page.title, page.description, page.template, True),
                partial(_context_of, page), partial(_jsonld_of, page),
                page.in_nav, page.section, generated=True)

    def _content(self, doc: Document) -> PageSource:
        site = self.site
        if doc.get("type") != schema.PAGE_TYPE:  # a resource: listed by type and facet, not in the nav
            return PageSource(doc.path, doc.body, meta(doc.get("title"), doc.get("summary"), RESOURCE_TEMPLATE),
                              lambda: views.resource(site, doc),
                              lambda: jsonld.script_json(jsonld.resource(site, doc)), False)
        home = doc.path == HOME
        return PageSource(doc.path, doc.body,
                          meta(doc.get("title"), doc.get("summary"), HOME_TEMPLATE if home else None),
                          (lambda: listings.home_view(site)) if home else lambda: None,
                          lambda: jsonld.script_json(jsonld.web_page(site, doc)), True)

    def generated(self) -> list[PageSource]:
        return [p for p in self.by_uri.values() if p.generated]

    def nav(self) -> list[Any]:
        """Home, the top-level generated pages, one section per group, then hub pages.
        Resources and concepts are reached through listings, which keeps every
        page's navigation small on a slow link."""
        top: list[Any] = [HOME] if HOME in self.by_uri else []
        sections: dict[str, list[str]] = {}
        hub_pages: list[str] = []
        for page in self.by_uri.values():
            if not page.in_nav or page.src_uri == HOME:
                continue
            if page.section:
                sections.setdefault(page.section, []).append(page.src_uri)
            elif page.generated:
                top.append(page.src_uri)
            else:
                hub_pages.append(page.src_uri)
        return top + [{title: uris} for title, uris in sections.items()] + sorted(hub_pages)
