"""Is the search index older than the content? A read-only comparison for the
commands that answer from the index (`kmgen search`, `kmgen related`).

The index manifest records, for every page it holds, a fingerprint of what was
indexed. A page changed since then has another fingerprint, a page added since
then is accepted but absent, a page deleted since then is listed but gone.
Only pages written after the manifest (by modification time, with some slack
for coarse clocks) and pages the manifest lists are looked at, so a search on
an up-to-date hub reads no page at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kmgen import facets, index_store, schema, sources
from kmgen.content import load_document
from kmgen.taxonomy import TAXONOMY_FILE, Taxonomy, load_taxonomy

SLACK_NS = 2_000_000_000  # file systems with 1 s or 2 s timestamps: re-read what may be as new as the index


@dataclass(frozen=True)
class Staleness:
    changed: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.changed or self.added or self.deleted)

    def describe(self) -> str:
        parts = [f"{len(self.changed)} changed" if self.changed else "",
                 f"{len(self.added)} added" if self.added else "",
                 f"{len(self.deleted)} deleted" if self.deleted else ""]
        pages = len(self.changed) + len(self.added) + len(self.deleted)
        return (f"the index is older than the content ({', '.join(p for p in parts if p)}: "
                f"{pages} page{'' if pages == 1 else 's'} since it was built); results may be out of date, "
                "run 'kmgen index' to refresh it")

    def as_json(self) -> dict[str, Any]:
        return {"changed": list(self.changed), "added": list(self.added), "deleted": list(self.deleted)}


def staleness(content_dir: Path, index_dir: Path) -> Staleness | None:
    """What changed in `content_dir` since the index in `index_dir` was built;
    None when that cannot be told (no content folder, no usable index)."""
    from kmgen.index import SCHEMA_VERSION

    manifest_path = Path(index_dir) / index_store.MANIFEST
    if not content_dir.is_dir():
        return None
    manifest, _reason = index_store.read_manifest(Path(index_dir), SCHEMA_VERSION)
    if manifest is None:
        return None
    try:
        built = manifest_path.stat().st_mtime_ns - SLACK_NS
    except OSError:
        return None
    times = sources.page_times(content_dir)
    pages = sorted(times)
    indexed = dict(manifest.pages)
    deleted = tuple(sorted(set(indexed) - set(times)))
    if _newer(content_dir / TAXONOMY_FILE, built):
        candidates = pages  # every page's concepts and labels may have changed
    else:
        candidates = [p for p in pages if times[p] >= built]
    changed, added = _compare(content_dir, candidates, indexed)
    return Staleness(tuple(changed), tuple(added), deleted)


def _newer(path: Path, than_ns: int) -> bool:
    try:
        return path.stat().st_mtime_ns >= than_ns
    except OSError:
        return False


def _compare(content_dir: Path, candidates: Iterable[str], indexed: dict[str, str]) -> tuple[list[str], list[str]]:
    """(changed, added) among `candidates`: a page is compared as the index would
    see it, accepted or not, by the fingerprint the index records."""
    from kmgen.index import fingerprint

    changed: list[str] = []
    added: list[str] = []
    taxonomy: Taxonomy | None = None
    for rel in candidates:
        if taxonomy is None:
            taxonomy, _diags = load_taxonomy(content_dir)
        print_now = _fingerprint_if_accepted(content_dir, rel, taxonomy, fingerprint)
        before = indexed.get(rel)
        if print_now is None and before is not None:
            changed.append(rel)  # the index still holds a page that is now rejected or a draft
        elif print_now is not None and before is None:
            added.append(rel)
        elif print_now is not None and print_now != before:
            changed.append(rel)
    return changed, added


def _fingerprint_if_accepted(content_dir: Path, rel: str, taxonomy: Taxonomy, fingerprint: Any) -> str | None:
    # The same acceptance as the index's (kmgen.hub.Hub.accepted): no errors, not a draft.
    doc, diags = load_document(content_dir, rel)
    if doc is None or doc.get("status", "published") == "draft":
        return None
    diags = [*diags, *schema.validate(doc, tuple(taxonomy.facet_keys()))]
    tags: facets.Tags = {}
    if doc.has_front_matter:
        tags, tag_diags = facets.resolve(doc, taxonomy)
        diags.extend(tag_diags)
    if any(d.severity == "error" for d in diags):
        return None
    return str(fingerprint(doc, tags, taxonomy))
