"""The published site as data: which pages it has, where each lives, how they connect.

Built once per build from a loaded `Hub`. Everything the generated pages, the
page templates and the machine-readable outputs need is derived here, so none
of them re-reads sources or MkDocs' `page.meta`.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from kmgen import facets, schema
from kmgen.content import Document, as_date
from kmgen.hub import Hub
from kmgen.publish.lineage import Lineage
from kmgen.taxonomy import Concept

# Where generated pages live (paths as if they were under content/).
HOME = "index.md"
BROWSE = "browse.md"
REVIEW = "review.md"
COVERAGE = "coverage.md"
TYPES_DIR = "types"
FACETS_DIR = "facets"

# Machine-readable files written at the site root.
CATALOG_FILE = "catalog.json"
TAXONOMY_FILE = "taxonomy.jsonld"
FEED_FILE = "feed.xml"
BROWSE_FILE = "browse.json"
TAXONOMY_IRI_DIR = "taxonomy/"  # concept IRIs: <site_url>taxonomy/<facet>/<concept>


_SEGMENT = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def addressable(ident: str) -> bool:
    """A facet or concept id that can be one segment of a page address
    (no '/', '..', spaces or quotes: the taxonomy is contributed data too)."""
    return bool(_SEGMENT.match(ident))


def type_src(type_id: str) -> str:
    return f"{TYPES_DIR}/{type_id}.md"


def facet_src(facet_id: str) -> str:
    return f"{FACETS_DIR}/{facet_id}/index.md"


def concept_src(facet_id: str, concept_id: str) -> str:
    return f"{FACETS_DIR}/{facet_id}/{concept_id}.md"


def page_url(src_uri: str, use_directory_urls: bool) -> str:
    """The address MkDocs gives a Markdown source, relative to the site root."""
    stem = src_uri[: -len(".md")] if src_uri.endswith(".md") else src_uri
    name = posixpath.basename(stem)
    if use_directory_urls:
        folder = posixpath.dirname(stem) if name in ("index", "README") else stem
        url = folder + "/" if folder else ""
    else:
        if name == "README":
            stem = posixpath.join(posixpath.dirname(stem), "index")
        url = stem + ".html"
    return quote(url)


@dataclass(frozen=True)
class Settings:
    """What the site build knows about its configuration (from mkdocs.yml)."""

    site_name: str = "Knowledge hub"
    site_url: str = ""  # canonical root, "" when unknown
    use_directory_urls: bool = False
    today: dt.date = field(default_factory=dt.date.today)
    index_dir: Path = Path(".kmgen/index")
    recent_days: int = 180  # "recently reviewed" window
    due_soon_days: int = 60  # "due for review" also lists pages due this soon


class Site:
    """The accepted pages of a hub, with their facets, addresses and lineage."""

    def __init__(self, hub: Hub, settings: Settings, related: Mapping[str, Sequence[Any]] | None = None):
        self.hub = hub
        self.taxonomy = hub.taxonomy
        self.settings = settings
        self.pages: dict[str, Document] = {d.path: d for d in hub.accepted()}
        self.resources: list[Document] = sorted(hub.resources(), key=lambda d: _sort_title(d))
        self.related: Mapping[str, Sequence[Any]] = related or {}
        self.tags: dict[str, facets.Tags] = {p: hub.tags_of(p) for p in self.pages}
        self.expanded = {p: facets.expanded(t, self.taxonomy) for p, t in self.tags.items()}
        self.lineage = Lineage(self.pages)
        self._members: dict[str, list[str]] = {}
        for doc in self.resources:
            for ids in self.expanded[doc.path].values():
                for cid in ids:
                    self._members.setdefault(cid, []).append(doc.path)

    # -- addresses ------------------------------------------------------------
    def url(self, src_uri: str) -> str:
        return page_url(src_uri, self.settings.use_directory_urls)

    def absolute(self, src_uri: str) -> str:
        """Canonical address (site_url + page address); site-relative without a site_url."""
        return self.settings.site_url + self.url(src_uri)

    def file_url(self, name: str) -> str:
        return self.settings.site_url + name

    def concept_url(self, cid: str) -> str:
        return self.url(concept_src(self.taxonomy.concepts[cid].facet, cid))

    def taxonomy_base(self) -> str | None:
        """Where the published taxonomy's IRIs start (None: the export's default)."""
        return self.settings.site_url + TAXONOMY_IRI_DIR if self.settings.site_url else None

    def concept_iri(self, cid: str) -> str | None:
        """The concept's SKOS IRI in taxonomy.jsonld, when the taxonomy is exported."""
        make = self.optional("kmgen.skos", "concept_iri")
        return make(self.taxonomy_base(), self.taxonomy.concepts[cid]) if make else None

    # -- membership -----------------------------------------------------------
    def members(self, cid: str) -> list[Document]:
        """Resources tagged with the concept or any narrower one (the roll-up)."""
        return [self.pages[p] for p in self._members.get(cid, [])]

    def tagged(self, doc: Document, cid: str) -> bool:
        """Tagged with exactly this concept, not only through a narrower one."""
        return any(cid in ids for ids in self.tags[doc.path].values())

    def of_type(self, type_id: str) -> list[Document]:
        return [d for d in self.resources if d.get("type") == type_id]

    def facets_in_use(self) -> list[str]:
        facets_ = self.taxonomy.facets
        return [fid for fid in facets_ if any(self._members.get(c) for c in facets_[fid].concepts)]

    def concepts_of(self, doc: Document) -> list[Concept]:
        """The concepts a page is tagged with, in taxonomy facet order."""
        tags = self.tags.get(doc.path, {})
        return [self.taxonomy.concepts[cid] for fid in self.taxonomy.facets for cid in tags.get(fid, ())
                if cid in self.taxonomy.concepts]

    def contributors(self, doc: Document) -> list[Any]:
        """The page's contributors as a list: one name may be written without brackets."""
        value = doc.get("contributors")
        return value if isinstance(value, list) else ([value] if value else [])

    # -- review ---------------------------------------------------------------
    def reviewed(self, doc: Document) -> dt.date | None:
        return as_date(doc.get("last_reviewed"))

    def due(self, doc: Document) -> dt.date | None:
        return schema.review_due(doc)

    def overdue(self, doc: Document) -> bool:
        due = self.due(doc)
        return due is not None and due < self.settings.today

    def recently_reviewed(self, limit: int | None = None) -> list[Document]:
        since = self.settings.today - dt.timedelta(days=self.settings.recent_days)
        recent = [d for d in self.resources if (r := self.reviewed(d)) is not None and r >= since]
        recent.sort(key=lambda d: (self.reviewed(d), d.path), reverse=True)
        return recent[:limit] if limit else recent

    def due_for_review(self) -> list[Document]:
        """Overdue pages and pages due soon, soonest (most overdue) first."""
        horizon = self.settings.today + dt.timedelta(days=self.settings.due_soon_days)
        due = [d for d in self.resources if (when := self.due(d)) is not None and when <= horizon]
        due.sort(key=lambda d: (self.due(d), d.path))
        return due

    # -- optional collaborators -------------------------------------------------
    @staticmethod
    def optional(module: str, attr: str) -> Any:
        """A function from a kmgen module another part of the project provides,
        or None while that module does not exist yet."""
        try:
            found = importlib.util.find_spec(module)
        except ModuleNotFoundError:
            return None
        if found is None:
            return None
        return getattr(importlib.import_module(module), attr, None)


def load_related(index_dir: Path) -> Mapping[str, Sequence[Any]]:
    """Related pages computed by the index (`kmgen.related`), or none at all."""
    load = Site.optional("kmgen.related", "load")
    if load is None or not Path(index_dir).exists():
        return {}
    return load(index_dir) or {}


def _sort_title(doc: Document) -> tuple[str, str]:
    title = doc.get("title")
    return (title.casefold() if isinstance(title, str) else "", doc.path)
