"""Coverage and gaps: the capacity-building inventory as a matrix of facet concepts.

Rows, columns (and, with three facets, one table per concept of the third)
are concepts down to a chosen depth of each facet's hierarchy. A resource
counts in every cell whose concepts it is tagged with or has a narrower
concept of (`identity` counts for the Digital ID layer), so a top-level
matrix stays complete however finely pages are tagged. Empty cells are gaps.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from kmgen import facets, schema
from kmgen.content import Document
from kmgen.publish.site import BROWSE, Site, addressable, facet_src
from kmgen.publish.views import Link, text
from kmgen.taxonomy import Taxonomy, fold

DEFAULT_FACETS = ("building-block", "audience", "resource-type")
EMPTY = "·"  # marks a gap in text and Markdown tables
CellKey = tuple[str, ...]  # one concept id per axis


@dataclass(frozen=True)
class Heading:
    id: str
    label: str
    level: int  # 0 for a top concept, 1 for its narrower concepts, ...


@dataclass(frozen=True)
class Axis:
    facet: str
    label: str
    concepts: tuple[Heading, ...]  # in hierarchy order: each concept before its narrower ones


@dataclass(frozen=True)
class Cell:
    paths: tuple[str, ...]
    languages: tuple[str, ...]
    overdue: int

    @property
    def count(self) -> int:
        return len(self.paths)


@dataclass(frozen=True)
class Matrix:
    axes: tuple[Axis, ...]
    cells: Mapping[CellKey, Cell]  # every combination, empty ones included
    resources: int
    unclassified: Mapping[str, int]  # facet id -> resources with no concept of that facet
    today: str

    def keys(self) -> list[CellKey]:
        """Every cell in reading order: table by table, row by row."""
        rows, cols = self.axes[0].concepts, self.axes[1].concepts
        return [(r.id, c.id) + ((layer.id,) if layer else ()) for layer in self.slices() for r in rows for c in cols]

    def gaps(self) -> list[CellKey]:
        return [key for key in self.keys() if self.cells[key].count == 0]

    def slices(self) -> list[Heading | None]:
        """One table per concept of the third facet (a single table for two facets)."""
        return list(self.axes[2].concepts) if len(self.axes) == 3 else [None]

    def cell(self, row: str, col: str, layer: Heading | None) -> Cell:
        return self.cells[(row, col) if layer is None else (row, col, layer.id)]

    @cached_property
    def _names(self) -> dict[str, str]:
        return {h.id: h.label for axis in self.axes for h in axis.concepts}

    def label(self, key: CellKey) -> str:
        return " × ".join(self._names[cid] for cid in key)


def parse_facets(tax: Taxonomy, text: str) -> tuple[str, ...]:
    """'building-block,audience' -> facet ids; keys (`building_blocks`) and labels work too."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    if len(names) not in (2, 3):
        raise ValueError(f"expected 2 or 3 facets separated by commas, got {len(names)}")
    out: list[str] = []
    for name in names:
        facet = _facet(tax, name)
        if facet is None:
            raise ValueError(f"unknown facet {name!r}; expected one of {sorted(tax.facets)}")
        if facet in out:
            raise ValueError(f"facet {facet!r} is given twice")
        out.append(facet)
    return tuple(out)


def _facet(tax: Taxonomy, name: str) -> str | None:
    if name in tax.facets:
        return name
    by_key = tax.facet_by_key(name)
    if by_key is not None:
        return by_key.id
    return next((f.id for f in tax.facets.values() if fold(f.label) == fold(name)), None)


def axis(tax: Taxonomy, facet_id: str, depth: int) -> Axis:
    headings: list[Heading] = []
    seen: set[str] = set()

    def walk(ids: list[str], level: int) -> None:
        for cid in ids:
            concept = tax.concepts.get(cid)
            if cid in seen or concept is None or concept.facet != facet_id:
                continue  # a broader cycle is reported by the taxonomy check; never loop on it
            seen.add(cid)
            headings.append(Heading(cid, concept.label, level))
            if level + 1 < depth:
                walk(tax.narrower(cid), level + 1)

    walk(tax.top_concepts(facet_id), 0)
    return Axis(facet_id, tax.facets[facet_id].label, tuple(headings))


def build(resources: Sequence[Document], tags: Mapping[str, facets.Tags], tax: Taxonomy,
          facet_ids: Sequence[str], depth: int, today: dt.date) -> Matrix:
    axes = tuple(axis(tax, f, depth) for f in facet_ids)
    members: dict[CellKey, list[Document]] = {
        key: [] for key in itertools.product(*([h.id for h in a.concepts] for a in axes))}
    unclassified = dict.fromkeys(facet_ids, 0)
    for doc in resources:
        tagged = facets.expanded(tags.get(doc.path, {}), tax)
        per_axis = []
        for a in axes:
            wanted = {h.id for h in a.concepts}
            if not tagged.get(a.facet):
                unclassified[a.facet] += 1
            per_axis.append([cid for cid in tagged.get(a.facet, ()) if cid in wanted])
        for key in itertools.product(*per_axis):
            members[key].append(doc)
    cells = {key: _cell(docs, today) for key, docs in members.items()}
    return Matrix(axes, cells, len(resources), unclassified, today.isoformat())


def _cell(docs: list[Document], today: dt.date) -> Cell:
    languages = sorted({str(d.get("language") or schema.DEFAULT_LANGUAGE) for d in docs})
    overdue = sum(1 for d in docs if (due := schema.review_due(d)) is not None and due < today)
    return Cell(tuple(sorted(d.path for d in docs)), tuple(languages), overdue)


def to_json(m: Matrix) -> dict[str, Any]:
    ids = [a.facet for a in m.axes]

    def cell(key: CellKey, c: Cell) -> dict[str, Any]:
        return {"concepts": dict(zip(ids, key, strict=True)), "count": c.count, "languages": list(c.languages),
                "overdue": c.overdue, "paths": list(c.paths)}

    return {
        "today": m.today, "resources": m.resources,
        "facets": [{"id": a.facet, "label": a.label,
                    "concepts": [{"id": h.id, "label": h.label, "level": h.level} for h in a.concepts]}
                   for a in m.axes],
        "cells": [cell(k, m.cells[k]) for k in m.keys()],
        "gaps": [dict(zip(ids, k, strict=True)) for k in m.gaps()],
        "unclassified": dict(m.unclassified),
        "summary": {"cells": len(m.cells), "empty": len(m.gaps())},
    }


def cell_text(c: Cell) -> str:
    """'3 en,fr !1': three resources in English and French, one overdue for review."""
    if c.count == 0:
        return EMPTY
    return f"{c.count} {','.join(c.languages)}" + (f" !{c.overdue}" if c.overdue else "")


def _grid(m: Matrix, layer: Heading | None, indent: str) -> list[list[str]]:
    rows, cols = m.axes[0], m.axes[1]
    grid = [[f"{rows.label} \\ {cols.label}", *(h.label for h in cols.concepts)]]
    for r in rows.concepts:
        grid.append([indent * r.level + r.label, *(cell_text(m.cell(r.id, c.id, layer)) for c in cols.concepts)])
    return grid


def _layer_title(m: Matrix, layer: Heading | None) -> str:
    return f"{m.axes[2].label}: {layer.label}" if layer is not None else ""


def to_text(m: Matrix) -> str:
    out = [f"Coverage of {m.resources} resources by " + " × ".join(a.label for a in m.axes) + f" (as of {m.today})",
           f"A cell: resources, their languages, !n overdue for review. {EMPTY} = no resource: a gap.", ""]
    for layer in m.slices():
        if layer is not None:
            out.append(_layer_title(m, layer))
        grid = _grid(m, layer, "  ")
        widths = [max(len(row[i]) for row in grid) for i in range(len(grid[0]))]
        for row in grid:
            cells = (v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(row, widths, strict=True)))
            out.append("  ".join(cells).rstrip())
        out.append("")
    out += _gap_lines(m, "  - ")
    return "\n".join(out).rstrip()


def to_markdown(m: Matrix) -> str:
    out = [f"Resources by {' × '.join(a.label for a in m.axes)}, as of {m.today}. "
           f"A cell gives the number of resources, their languages and how many are overdue for review (!n); "
           f"{EMPTY} marks a gap.", ""]
    for layer in m.slices():
        if layer is not None:
            out += [f"### {_md(_layer_title(m, layer))}", ""]
        grid = _grid(m, layer, "↳ ")
        out.append("| " + " | ".join(_md(v) for v in grid[0]) + " |")
        out.append("| --- |" + " ---: |" * (len(grid[0]) - 1))
        out += ["| " + " | ".join(_md(v) for v in row) + " |" for row in grid[1:]]
        out.append("")
    out += _gap_lines(m, "- ")
    return "\n".join(out).rstrip()


def _gap_lines(m: Matrix, bullet: str) -> list[str]:
    gaps = m.gaps()
    out = [f"Gaps: {len(gaps)} of {len(m.cells)} combinations have no resource" + (":" if gaps else ".")]
    out += [bullet + m.label(key) for key in gaps]
    missing = untagged(m)
    if missing:
        out += ["", "Not in the matrix: " + "; ".join(missing) + "."]
    return out


def untagged(m: Matrix) -> list[str]:
    """'1 of 4 resources has no Building block', per facet that leaves some out."""
    return [f"{n} of {m.resources} resources {'has' if n == 1 else 'have'} no {a.label}"
            for a in m.axes if (n := m.unclassified[a.facet])]


def _md(value: str) -> str:
    return value.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


# -- the published page ("Coverage and gaps") ---------------------------------
# Values for kmgen/theme/kmgen/coverage.html: every string escaped here, once.

@dataclass(frozen=True)
class CellView:
    count: int
    languages: Markup
    overdue: int
    label: Markup  # the concepts it crosses, e.g. "Identity × Civil servants"
    url: str = ""  # the browse page filtered to exactly these concepts (site-relative)


@dataclass(frozen=True)
class RowView:
    head: Link
    level: int
    cells: tuple[CellView, ...]


@dataclass(frozen=True)
class TableView:
    layer: Link | None  # the third facet's concept this table is for
    rows: tuple[RowView, ...]
    gaps: tuple[Markup, ...] = ()  # "Identity × Citizens": the empty cells, in words


@dataclass(frozen=True)
class MissingFacet:
    """Resources that the matrix leaves out because they have no concept of a facet."""

    facet: Link
    pages: tuple[Link, ...]


@dataclass(frozen=True)
class CoverageView:
    facets: tuple[Link, ...]
    columns: tuple[Link, ...]
    tables: tuple[TableView, ...]
    resources: int
    cells: int
    gaps: int
    unclassified: tuple[Markup, ...]
    today: str
    kind: str = "coverage"
    missing: tuple[MissingFacet, ...] = ()


def coverage_view(site: Site, facet_ids: Sequence[str] = DEFAULT_FACETS, depth: int = 1) -> CoverageView | None:
    """The default matrix for the site, or None when the taxonomy lacks two of its facets."""
    present = [f for f in facet_ids if f in site.taxonomy.facets]
    if len(present) < 2:
        return None
    m = build(site.resources, site.tags, site.taxonomy, present, depth, site.settings.today)

    def head(h: Heading, facet_id: str) -> Link:
        linked = addressable(facet_id) and addressable(h.id)
        return Link(text(h.label), site.concept_url(h.id) if linked else "")

    rows, cols = m.axes[0], m.axes[1]
    tables = []
    for layer in m.slices():
        body = tuple(RowView(head(r, rows.facet), r.level, tuple(
            _cell_view(site, m, m.cell(r.id, c.id, layer), (r.id, c.id) + ((layer.id,) if layer else ()))
            for c in cols.concepts)) for r in rows.concepts)
        gaps = tuple(text(f"{r.label} × {c.label}") for r in rows.concepts for c in cols.concepts
                     if m.cell(r.id, c.id, layer).count == 0)
        tables.append(TableView(head(layer, m.axes[2].facet) if layer else None, body, gaps))
    facet_links = tuple(Link(text(a.label), site.url(facet_src(a.facet)) if addressable(a.facet) else "")
                        for a in m.axes)
    missing = tuple(text(line) for line in untagged(m))
    return CoverageView(facet_links, tuple(head(c, cols.facet) for c in cols.concepts), tuple(tables),
                        m.resources, len(m.cells), len(m.gaps()), missing, m.today,
                        missing=_missing(site, m, facet_links))


def _missing(site: Site, m: Matrix, facet_links: tuple[Link, ...]) -> tuple[MissingFacet, ...]:
    """Names the pages behind "n resources have no Building block", per facet."""
    out = []
    for a, link in zip(m.axes, facet_links, strict=True):
        pages = tuple(Link(text(d.get("title")), site.url(d.path)) for d in site.resources
                      if not facets.expanded(site.tags.get(d.path, {}), site.taxonomy).get(a.facet))
        if pages:
            out.append(MissingFacet(link, pages))
    return tuple(out)


def _cell_view(site: Site, m: Matrix, c: Cell, key: CellKey) -> CellView:
    return CellView(c.count, text(", ".join(c.languages)), c.overdue, text(m.label(key)),
                    browse_url(site, m, key) if c.count else "")


def browse_url(site: Site, m: Matrix, key: CellKey) -> str:
    """The browse page ticked with the cell's concepts (its address keeps a selection as
    `#facet=concept&...`); it lists exactly the cell's resources, narrower concepts rolled up."""
    selection = "&".join(f"{quote(a.facet)}={quote(cid)}" for a, cid in zip(m.axes, key, strict=True))
    return f"{site.url(BROWSE)}#{selection}"
