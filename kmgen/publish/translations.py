"""Which pages are translations of which, for the language switcher and the
"Translation of ..." line: a page's `translation_of` names its source, and the
source and all its translations are one family, each in its own language.

Staleness is read from `kmgen.reports.freshness` (the same reading `kmgen check`
and `kmgen report freshness` use), so the notice on a page never disagrees with them.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from kmgen import schema
from kmgen.content import Document
from kmgen.i18n import language_name
from kmgen.publish.lineage import is_web_address, normalise
from kmgen.publish.site import Site
from kmgen.reports import freshness


@dataclass(frozen=True)
class LanguageLink:
    """Another language version of a page."""

    title: Markup
    url: str
    language: str  # code, for hreflang/lang
    name: Markup  # the language's own name ("Français")


@dataclass(frozen=True)
class TranslationView:
    source: LanguageLink | None  # what this page translates (None: it is not a translation)
    others: tuple[LanguageLink, ...]  # every other version: the source, then the other translations
    stale: bool  # the source changed after this page was translated
    source_changed_to: str  # the source's current hash, for the notice


def language_of(doc: Document) -> str:
    value = doc.get("language")
    return value.strip() if isinstance(value, str) and value.strip() else schema.DEFAULT_LANGUAGE


def source_of(site: Site, doc: Document) -> str | None:
    """The published hub page a page translates, if any."""
    value = doc.get("translation_of")
    if not isinstance(value, str) or not value.strip() or is_web_address(value.strip()):
        return None
    target = normalise(value)
    return target if target in site.pages and target != doc.path else None


def translations_of(site: Site, path: str) -> list[str]:
    return sorted(p for p, d in site.pages.items() if p != path and source_of(site, d) == path)


def view(site: Site, doc: Document) -> TranslationView:
    source = source_of(site, doc)
    root = source or doc.path
    family = [root, *translations_of(site, root)]
    others = tuple(_link(site, site.pages[p]) for p in family if p != doc.path)
    state = freshness.translation_of(doc, site.hub) if source else None
    stale = state is not None and state.status == freshness.CHANGED
    return TranslationView(_link(site, site.pages[source]) if source else None, others, stale,
                           state.current if state else "")


def _link(site: Site, doc: Document) -> LanguageLink:
    language = language_of(doc)
    title = doc.get("title")
    return LanguageLink(escape(str(title or doc.path)), site.url(doc.path), language, escape(language_name(language)))
