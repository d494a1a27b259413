"""Reuse lineage: what a page was adapted from, and what adapted it.

`based_on` (and `translation_of`) point from the adapting page to its source,
either a hub path relative to content/ or a web address. Readers need both
directions, so the edges are indexed by source and by target.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass

from kmgen.content import Document

RELATIONS = ("based_on", "translation_of")


@dataclass(frozen=True)
class Edge:
    page: str  # the adapting page (hub path)
    target: str  # hub path (normalised) or web address
    relation: str  # "based_on" or "translation_of"

    @property
    def external(self) -> bool:
        return is_web_address(self.target)


def is_web_address(value: str) -> bool:
    return value.startswith(("https://", "http://"))


def normalise(target: str) -> str:
    """`./playbooks/x.md`, `/playbooks/x.md` and `playbooks/x.md` are one page."""
    if is_web_address(target):
        return target
    relative = target.strip().lstrip("/")
    return posixpath.normpath(relative) if relative else ""


def edges_of(doc: Document) -> list[Edge]:
    out: list[Edge] = []
    for relation in RELATIONS:
        value = doc.get(relation)
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, str) and item.strip():
                target = normalise(item)
                if target and all(e.target != target for e in out):
                    out.append(Edge(doc.path, target, relation))
    return out


class Lineage:
    """Both directions of every reuse edge among the given pages."""

    def __init__(self, pages: Mapping[str, Document]):
        self._from: dict[str, list[Edge]] = {}
        self._by: dict[str, list[Edge]] = {}
        for path in sorted(pages):
            for edge in edges_of(pages[path]):
                self._from.setdefault(path, []).append(edge)
                if not edge.external:
                    self._by.setdefault(edge.target, []).append(edge)

    def adapted_from(self, path: str) -> list[Edge]:
        return list(self._from.get(path, []))

    def adapted_by(self, path: str) -> list[Edge]:
        return list(self._by.get(path, []))
