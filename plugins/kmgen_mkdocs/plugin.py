"""The `kmgen` MkDocs plugin: wires MkDocs events to kmgen.publish, nothing more.

kmgen is the one parser of record (DESIGN.md §6): the plugin loads the hub
once, publishes only the pages kmgen accepted, hands MkDocs each page's body
and escaped metadata from its `Document` (MkDocs never parses front matter),
adds the generated pages, sanitises every rendered body and gives templates
their context.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink

import kmgen
from kmgen import i18n
from kmgen.checks import render_budget
from kmgen.hub import Hub, load_hub
from kmgen.publish import collections, notfound, placeholders, preflight, redirects, sanitize
from kmgen.publish.navigation import nav_entry
from kmgen.publish.outputs import write_outputs
from kmgen.publish.pages import PageSource, SitePages
from kmgen.publish.site import Settings, Site, load_related

log = logging.getLogger("mkdocs.plugins.kmgen")

# kmgen's page templates, styles and scripts, shipped inside the package.
THEME_DIR = Path(kmgen.__file__).parent / "theme"


class KmgenConfig(Config):
    index_dir = c.Type(str, default=".kmgen/index")
    # Settings `kmgen build` would refuse (kmgen.checks.config_guard), allowed by name.
    allow_unsafe = c.ListOfItems(c.Type(str), default=[])


class KmgenPlugin(BasePlugin[KmgenConfig]):
    def __init__(self) -> None:
        # `kmgen build` hands over the hub it has already loaded and checked.
        self.hub: Hub | None = None
        self.site: Site | None = None
        self.pages: SitePages | None = None
        # The source page MkDocs is working on, so a renderer crash can name it.
        self.current_page: str | None = None
        self.site_language = "en"
        self.marked: list[Any] = []  # nav entries marked current for the page being rendered
        self.redirect_files: list[str] = []  # old addresses written as redirect pages (site-relative)
        self.credits: tuple[collections.Credit, ...] = ()  # ingested collections the footer credits

    @event_priority(-50)  # after other plugins settle the config (offline turns off directory URLs)
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        render_budget.tolerate_marked_sections()  # a plain `mkdocs build` must not die on `<![` in code either
        hub = self.hub or _load_checked(Path(config.docs_dir))
        index_dir = Path(config.config_file_path or ".").parent / self.config.index_dir
        site_url = config.site_url or ""
        settings = Settings(site_name=config.site_name, use_directory_urls=config.use_directory_urls,
                            site_url=site_url if not site_url or site_url.endswith("/") else site_url + "/",
                            index_dir=index_dir)
        self.site_language = str(config.theme.get("language") or "en")
        _add_kmgen_theme(config)
        if placeholders.is_placeholder(config.repo_url):
            # no header button or edit links into an example repository (kmgen build says so)
            config.repo_url = None
            config.repo_name = None
            config.edit_uri = None
        self.site = Site(hub, settings, load_related(index_dir))
        self.pages = SitePages(self.site)
        self.credits = collections.credits(self.site)
        if config.nav is None:
            config.nav = self.pages.nav()
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        assert self.site is not None and self.pages is not None
        hub = self.site.hub
        docs_dir = os.path.normpath(config.docs_dir)
        assets = {a for a in hub.assets if not hub.errors_in(a)}
        drafts = hub.drafts()
        kept = []
        for file in files:
            if file.src_dir is None or os.path.normpath(file.src_dir) != docs_dir:
                kept.append(file)  # theme assets
                continue
            source = self.pages.by_uri.get(file.src_uri)
            if source is not None and not source.generated:
                file.inclusion = _inclusion(source)
                kept.append(file)
            elif file.src_uri in assets:
                kept.append(file)
            elif file.src_uri in drafts:
                log.info(f"kmgen: {file.src_uri} is a draft and is not published")
        for source in self.pages.generated():
            kept.append(File.generated(config, source.src_uri, content=source.markdown,
                                       inclusion=_inclusion(source)))
        return Files(kept)

    @event_priority(100)
    def on_pre_page(self, page: Page, *, config: MkDocsConfig, files: Files) -> Page:
        self.current_page = page.file.src_uri
        return page

    def on_env(self, env: Any, *, config: MkDocsConfig, files: Files) -> Any:
        self.current_page = None  # every page is read and rendered to HTML; templates come next
        return env

    def on_page_read_source(self, *, page: Page, config: MkDocsConfig) -> str | None:
        # MkDocs would parse the file's front matter itself; it gets nothing to
        # parse, and the Document's body arrives in on_page_markdown.
        return "" if self._source(page) is not None else None

    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        source = self._source(page)
        if source is None:
            return markdown
        page.meta = dict(source.meta)
        if page.edit_url:
            page.edit_url = quote(page.edit_url, safe=":/?#@!$&()*+,;=%~")
        return source.markdown

    @event_priority(100)  # before any plugin (search included) reads the body
    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        # Material writes toc ids and titles into the page as they are (the
        # table of contents and the skip link): ids get the same mapping the
        # sanitiser gives the headings, so entries and anchors still agree.
        for link in _anchors(page.toc):
            link.id = sanitize.safe_id(link.id)
            link.title = sanitize.plain(link.title)
        source = self._source(page)
        if source is not None and getattr(source.context, "kind", "") == "resource" and source.context.related:
            # the template adds this section after the body; the toc lists it too
            language = self._language(page)
            page.toc.items.append(AnchorLink(i18n.translations(language).gettext("Related pages"), "kmgen-related", 2))
        return sanitize.clean(html)

    @event_priority(100)
    def on_page_context(self, context: Any, *, page: Page, config: MkDocsConfig, nav: Navigation) -> Any:
        self.current_page = page.file.src_uri
        source = self._source(page)
        if source is not None:
            context["kmgen"] = source.context
            context["kmgen_jsonld"] = source.jsonld
        # The page's language runs the whole document: <html lang>, Material's chrome
        # (theme.language, read while this page renders; reset in on_post_page) and kmgen's.
        language = self._language(page)
        config.theme["language"] = i18n.theme_language(language, self.site_language)
        context.update(i18n.template_functions(language))
        context["kmgen_language"] = language
        context["kmgen_credits"] = self.credits
        # a resource marks its type's nav entry, a concept its facet's: readers see where they are
        entry = nav_entry(self.site, page.file.src_uri) if self.site else None
        self.marked = [p for p in nav.pages if entry and p.file.src_uri == entry]
        for marked in self.marked:
            marked.active = True
        return context

    def on_template_context(self, context: Any, *, template_name: str, config: MkDocsConfig) -> Any:
        if template_name == notfound.NOT_FOUND:  # no page context: the footer credits come from here
            notfound.template_context(context, self.credits, self.site_language)
        return context

    @event_priority(-100)
    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        self.current_page = None
        config.theme["language"] = self.site_language  # 404.html and the next page start from the site's
        for marked in self.marked:
            marked.active = False
        self.marked = []
        return output

    def _language(self, page: Page) -> str:
        doc = self.site.pages.get(page.file.src_uri) if self.site else None
        return i18n.page_language(doc.get("language") if doc else None, self.site_language)

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        assert self.site is not None
        write_outputs(self.site, Path(config.site_dir))
        self.redirect_files = redirects.write(self.site, Path(config.site_dir), config.theme.get_env(),
                                              self.site_language)
        notfound.make_portable(Path(config.site_dir), config.site_url)

    def _source(self, page: Page) -> PageSource | None:
        return self.pages.by_uri.get(page.file.src_uri) if self.pages else None


def _load_checked(root: Path) -> Hub:
    """Used by a plain `mkdocs build`: pages kmgen rejects are left out, and
    each is a warning, so a strict build fails and says why."""
    hub = load_hub(root)
    hub.diagnostics.extend(preflight.check(hub))
    for d in hub.diagnostics:
        if d.severity == "error":
            log.warning(f"kmgen: {d.to_text()} (not published)")
    return hub


def _add_kmgen_theme(config: MkDocsConfig) -> None:
    """Put kmgen's theme folder on the theme's search path: after the hub's own
    custom_dir (whose files still override kmgen's) and before Material's."""
    dirs = config.theme.dirs
    theme = os.fspath(THEME_DIR)
    if theme not in dirs:
        dirs.insert(1 if config.theme.custom_dir else 0, theme)


def _inclusion(source: PageSource) -> InclusionLevel:
    return InclusionLevel.INCLUDED if source.in_nav else InclusionLevel.NOT_IN_NAV


def _anchors(links: Any) -> Iterator[AnchorLink]:
    for link in links:
        yield link
        yield from _anchors(link.children)
