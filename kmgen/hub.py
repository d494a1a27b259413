"""A whole hub loaded once: every Document, its resolved tags, and every problem."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kmgen import facets, schema, sources
from kmgen.content import Document, load_document
from kmgen.diagnostics import Diagnostic
from kmgen.hub_config import load_hub_config
from kmgen.taxonomy import Taxonomy, load_taxonomy

DEFAULT_CONTENT = Path("content")


@dataclass
class Hub:
    root: Path
    taxonomy: Taxonomy
    documents: dict[str, Document]  # every file that parsed, by relative path
    tags: dict[str, facets.Tags]
    assets: list[str]
    diagnostics: list[Diagnostic] = field(default_factory=list)

    _errors: tuple[int, frozenset[str]] = field(default=(-1, frozenset()), init=False, repr=False, compare=False)

    def paths_with_errors(self) -> frozenset[str]:
        """Every path with an error, computed once per batch of diagnostics: checks
        only ever append to `diagnostics`, so its length says when to look again
        (a scan per page made every lookup, and the build, quadratic)."""
        seen, paths = self._errors
        if seen != len(self.diagnostics):
            paths = frozenset(d.path for d in self.diagnostics if d.severity == "error")
            self._errors = (len(self.diagnostics), paths)
        return paths

    def errors_in(self, path: str) -> bool:
        return path in self.paths_with_errors()

    def accepted(self) -> list[Document]:
        """Pages that will be published: no errors, not drafts."""
        errors = self.paths_with_errors()
        return [d for p, d in sorted(self.documents.items())
                if p not in errors and d.get("status", "published") != "draft"]

    def resources(self) -> list[Document]:
        """Accepted pages that are resources (everything but hub pages like the home page)."""
        return [d for d in self.accepted() if d.get("type") != schema.PAGE_TYPE]

    def drafts(self) -> set[str]:
        return {p for p, d in self.documents.items() if d.get("status") == "draft"}

    def tags_of(self, path: str) -> facets.Tags:
        return self.tags.get(path, {})


def load_hub(root: Path = DEFAULT_CONTENT,
             progress: Callable[[Iterable[str]], Iterable[str]] | None = None) -> Hub:
    """Load and validate every page under `root`, collecting every problem in one pass."""
    root = Path(root)
    taxonomy, diags = load_taxonomy(root)
    pages, assets, file_diags = sources.scan(root)
    diags.extend(file_diags)
    documents: dict[str, Document] = {}
    tags: dict[str, facets.Tags] = {}
    keys = tuple(taxonomy.facet_keys())
    config, config_diags = load_hub_config(root, frozenset(schema.FIELDS) | frozenset(keys))
    diags.extend(config_diags)
    for rel in progress(pages) if progress else pages:
        doc, load_diags = load_document(root, rel)
        diags.extend(load_diags)
        if doc is None:
            continue
        documents[rel] = doc
        diags.extend(schema.validate(doc, keys, config.extra_fields))
        if doc.has_front_matter:
            doc_tags, tag_diags = facets.resolve(doc, taxonomy)
            tags[rel] = doc_tags
            diags.extend(tag_diags)
    return Hub(root, taxonomy, documents, tags, assets, diags)
