"""What templates see. Every string that came from content is escaped here, once.

MkDocs renders templates with autoescape off, and Material prints `page.meta`
and `page.title` as they are. So front-matter and taxonomy strings become
`Markup` (already escaped) before any template sees them; our own templates
additionally run under `{% autoescape true %}` so a plain string left unescaped
by mistake is escaped there too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import quote

from markupsafe import Markup, escape

from kmgen import facets, schema
from kmgen.content import Document
from kmgen.publish import topics as reader_topics
from kmgen.publish import translations as versions
from kmgen.publish.lineage import Edge
from kmgen.publish.site import Site, type_src

# Only a handful of names: the code is shown for any other language.
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español", "pt": "Português", "ar": "العربية",
                  "sw": "Kiswahili", "de": "Deutsch", "ru": "Русский", "zh": "中文", "hi": "हिन्दी"}

DETAIL_FIELDS = ("country", "period", "community", "date")


def text(value: Any) -> Markup:
    """A front-matter value as escaped text ("" for nothing)."""
    if value is None:
        return Markup("")
    if isinstance(value, dt.date):
        return Markup(value.isoformat())
    if isinstance(value, list):
        return escape(", ".join(str(v) for v in value))
    return escape(str(value))


def texts(value: Any) -> tuple[Markup, ...]:
    items = value if isinstance(value, list) else ([] if value is None else [value])
    return tuple(text(v) for v in items if v is not None and str(v).strip())


@dataclass(frozen=True)
class Chip:
    facet_id: str
    concept_id: str
    facet: Markup
    label: Markup
    url: str


@dataclass(frozen=True)
class Link:
    title: Markup
    url: str  # site-relative for pages of this hub (templates pass it through `url`)
    external: bool = False
    note: Markup = Markup("")


@dataclass(frozen=True)
class Item:
    """One resource in a listing."""

    path: str
    url: str
    title: Markup
    summary: Markup
    type_id: str
    type_label: Markup
    type_url: str
    owner: Markup
    last_reviewed: str
    next_review: str
    overdue: bool
    via: tuple[Markup, ...] = ()  # narrower concepts a roll-up listing reached it through
    # Made when a template asks: kmgen's listings show no chips, and making them for
    # every member of every concept page was a twentieth of a build.
    make_chips: Callable[[], tuple[Chip, ...]] = field(default=tuple, repr=False, compare=False)

    @property
    def chips(self) -> tuple[Chip, ...]:
        return self.make_chips()


@dataclass(frozen=True)
class ResourceView:
    """Everything a resource page shows around its body."""

    item: Item
    contributors: tuple[Markup, ...]
    license: Link
    language: Markup
    language_code: str
    details: tuple[tuple[Markup, Markup], ...]
    adapted_from: tuple[Link, ...]
    adapted_by: tuple[Link, ...]
    related: tuple[Link, ...]
    today: str
    kind: str = "resource"
    # Set by kmgen.publish.translations / topics (reader-facing language and chips).
    translation: versions.TranslationView | None = None
    topics: reader_topics.Topics | None = None
    type_label: Markup = Markup("")  # the type's label in the page's language
    imported: Imported | None = None  # provenance of a page `kmgen ingest` brought in


@dataclass(frozen=True)
class Imported:
    """Where an ingested page came from, and whether anyone here has reviewed it yet."""

    source: Markup  # the generator, e.g. "gitbook"
    source_url: str  # https only, else ""
    path: Markup
    attribution: Markup
    reviewed: bool


def imported(doc: Document) -> Imported | None:
    record = doc.get(schema.IMPORTED)
    if not isinstance(record, dict):
        return None
    url = str(record.get("source_url") or "")
    return Imported(text(record.get("from")), url if url.startswith("https://") else "", text(record.get("path")),
                    text(record.get("attribution")), not schema.unreviewed_import(doc))


def type_label(type_id: Any) -> Markup:
    spec = schema.TYPES.get(type_id) if isinstance(type_id, str) else None
    return text(spec.label if spec else type_id)


def chips(site: Site, doc: Document) -> tuple[Chip, ...]:
    out = []
    for concept in site.concepts_of(doc):
        if concept.facet == facets.RESOURCE_TYPE:
            continue  # the type is shown on its own, linking to its type page
        facet = site.taxonomy.facets[concept.facet]
        out.append(Chip(facet.id, concept.id, text(facet.label), text(concept.label), site.concept_url(concept.id)))
    return tuple(out)


def item(site: Site, doc: Document, via: Iterable[str] = ()) -> Item:
    due = site.due(doc)
    reviewed = site.reviewed(doc)
    labels = tuple(text(site.taxonomy.concepts[c].label) for c in via if c in site.taxonomy.concepts)
    return Item(
        path=doc.path, url=site.url(doc.path), title=text(doc.get("title")), summary=text(doc.get("summary")),
        type_id=str(doc.get("type")), type_label=type_label(doc.get("type")),
        type_url=site.url(type_src(str(doc.get("type")))), owner=text(doc.get("owner")),
        last_reviewed=reviewed.isoformat() if reviewed else "", next_review=due.isoformat() if due else "",
        overdue=site.overdue(doc), via=labels, make_chips=partial(chips, site, doc))


def items(site: Site, docs: Iterable[Document]) -> tuple[Item, ...]:
    return tuple(item(site, d) for d in docs)


def lineage_link(site: Site, edge: Edge, target: str) -> Link:
    """A link to the other end of an edge: a published page, the outside world,
    or (for a hub page that is not published) its path as plain text."""
    note = Markup("translation") if edge.relation == "translation_of" else Markup("")
    if edge.external and target == edge.target:
        return Link(text(target), target, external=True, note=note)
    doc = site.pages.get(target)
    if doc is None:
        return Link(text(target), "", note=note)
    return Link(text(doc.get("title")), site.url(target), note=note)


def related(site: Site, path: str) -> tuple[Link, ...]:
    out = []
    for found in site.related.get(path, ()):
        other = site.pages.get(getattr(found, "path", ""))
        if other is None or other.path == path:
            continue
        # the reason, short: at most three shared concepts (most specific first, as
        # kmgen.related orders them) and the key terms both pages use
        shared = [site.taxonomy.concepts[s].label if s in site.taxonomy.concepts else s
                  for s in (getattr(found, "shared", ()) or ())[:3]]
        terms = list(getattr(found, "terms", ()) or ())[:3]
        reason = ", ".join(map(str, shared + [f"“{t}”" for t in terms]))
        out.append(Link(text(other.get("title")), site.url(other.path), note=text(reason)))
    return tuple(out)


def resource(site: Site, doc: Document) -> ResourceView:
    lang = str(doc.get("language") or schema.DEFAULT_LANGUAGE)
    lic = str(doc.get("license") or schema.DEFAULT_LICENSE)
    translation = versions.view(site, doc)
    other_versions = {v.url for v in translation.others}
    details = []
    for key in DETAIL_FIELDS:
        value = doc.get(key)
        if value is not None and value != "":
            if key == "country":
                places = site.tags[doc.path].get(facets.GEOGRAPHY, ())
                value = ", ".join(site.taxonomy.concepts[c].label for c in places) or value
            details.append((text(key.capitalize()), text(value)))
    return ResourceView(
        item=item(site, doc),
        contributors=texts(doc.get("contributors")),
        license=Link(text(lic), f"https://spdx.org/licenses/{quote(lic)}.html", external=True),
        language=text(LANGUAGE_NAMES.get(lang.split("-")[0], lang)),
        language_code=lang,
        details=tuple(details),
        # a translation is shown as one ("Translation of", "Also in"), not as an adaptation
        adapted_from=tuple(link for e in site.lineage.adapted_from(doc.path)
                           if (link := lineage_link(site, e, e.target)).url not in other_versions),
        adapted_by=tuple(link for e in site.lineage.adapted_by(doc.path)
                         if (link := lineage_link(site, e, e.page)).url not in other_versions),
        related=related(site, doc.path),
        today=site.settings.today.isoformat(),
        translation=translation,
        topics=reader_topics.topics(site, doc, lang),
        type_label=reader_topics.type_label(site, doc, lang),
        imported=imported(doc),
    )
