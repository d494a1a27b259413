"""`kmgen check --fix`: which front-matter terms to fold to their concept ids (and
dates and blank lines to tidy), and the hub-wide rewrite and its check (KM320). The byte-exact edit itself, which
refuses anything but a front-matter-only change, is kmgen.frontmatter_edit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kmgen import dates, facets, schema
from kmgen.content import Document, as_date, parse_document
from kmgen.diagnostics import Diagnostic
from kmgen.frontmatter_edit import Change, EditRefused, Value, edit_front_matter, remove_leading_blank_lines
from kmgen.hub import Hub
from kmgen.taxonomy import Taxonomy
from kmgen.writes import write_atomic

if TYPE_CHECKING:
    from kmgen.checks import CheckOptions


def canonical_changes(doc: Document, tax: Taxonomy) -> dict[str, Value]:
    """Each facet key holding a non-canonical term (a KM312 note), with every such
    term folded to its concept id; a term folding onto one already there is dropped."""
    changes: dict[str, Value] = {}
    for key, facet_id in facets.term_keys(doc, tax):
        items = facets.terms(doc, key)
        if not all(isinstance(t, str) for t in items):
            continue
        folded = [facets.canonical(tax, t, facet_id) for t in items]
        if not any(folded):
            continue
        new = list(dict.fromkeys(cid or t for cid, t in zip(folded, items, strict=True)))
        changes[key] = new if isinstance(doc.fields[key], list) else new[0]
    return changes


def date_changes(doc: Document) -> dict[str, Change]:
    """Each date field written in another generator's shape (`2016-02-03 10:58:53
    -0400`, `Dec 2, 2013`) that has exactly one reading, as that date."""
    changes: dict[str, Change] = {}
    for key, value in doc.fields.items():
        spec = schema.FIELDS.get(key)
        if spec is None or spec.kind != "date" or as_date(value) is not None:
            continue
        day = dates.normalise_date(value)
        if day is not None:
            changes[key] = day
    return changes


def planned_edit(root: Path, doc: Document, tax: Taxonomy, changes: Mapping[str, Change],
                 added: Sequence[str] = (), tidy: bool = False) -> tuple[bytes, bytes]:
    """(current bytes, edited bytes) of `doc`'s file. Refuses when the file changed
    since it was loaded, or when the edited page would not carry exactly the same
    concepts plus `added`. `tidy` also removes blank lines before the front matter."""
    data = (root / doc.path).read_bytes()
    if hashlib.sha256(data).hexdigest() != doc.content_hash:
        raise EditRefused("the file changed since it was read")
    out = edit_front_matter(remove_leading_blank_lines(data, doc.path) if tidy else data, changes, doc.path)
    if out != data:
        new, _diags = parse_document(doc.path, out)
        if new is None or _concepts(new, tax) != _concepts(doc, tax) | set(added):
            raise EditRefused("the edited page would carry different concepts than intended")
    return data, out


def _concepts(doc: Document, tax: Taxonomy) -> set[str]:
    tags, _diags = facets.resolve(doc, tax)
    return {cid for ids in tags.values() for cid in ids}


def _rewritable(hub: Hub) -> Iterator[tuple[str, Document, dict[str, Change]]]:
    """Pages `--fix` would change (non-canonical terms, blank lines before the front
    matter) and their field changes, in path order: one list for `fix_hub` to
    rewrite and `check` to report on, so the two never disagree."""
    for rel, doc in sorted(hub.documents.items()):
        changes: dict[str, Change] = {**canonical_changes(doc, hub.taxonomy), **date_changes(doc)}
        if changes or doc.front_matter_start > 1:
            yield rel, doc, changes


def fix_hub(hub: Hub) -> list[str]:
    """Rewrite every synonym or non-canonical spelling to the concept id, front-matter
    lines only. Returns the paths changed; a refused file is left untouched and
    reported by `check` (KM320)."""
    changed: list[str] = []
    for rel, doc, changes in _rewritable(hub):
        try:
            data, out = planned_edit(hub.root, doc, hub.taxonomy, changes, tidy=True)
        except (EditRefused, OSError):
            continue
        if out != data:
            write_atomic(hub.root / rel, out)
            changed.append(rel)
    return changed


def check(hub: Hub, options: CheckOptions | None = None) -> list[Diagnostic]:
    """KM320: pages whose non-canonical terms `kmgen check --fix` cannot rewrite safely."""
    diags: list[Diagnostic] = []
    for rel, doc, changes in _rewritable(hub):
        try:
            planned_edit(hub.root, doc, hub.taxonomy, changes, tidy=True)
        except OSError:
            continue
        except EditRefused as exc:
            key = next(iter(changes), None)
            what = f"the terms of '{key}'" if key else "the blank lines before the front matter"
            diags.append(Diagnostic(rel, doc.line_of(key) if key else 1, "KM320", "note",
                                    f"kmgen check --fix cannot rewrite {what} here: {exc}",
                                    "write the canonical ids by hand" if key else "delete the blank lines by hand",
                                    key))
    return diags
