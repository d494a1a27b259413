"""The Find page's static search index: what the browser searches when no server answers.

Made from the same Documents and taxonomy as the Whoosh index (kmgen.index):
each resource's title, summary, owner, headings, the labels, synonyms, acronyms
and misspellings of every concept it carries (ancestors included, so *Digital
ID layer* finds pages tagged *identity*), and the start of its body.

The index is split into script files of about SHARD_BYTES each, every one
appending its part to a global (`kmgenFindShards`): a script element loads from
file:// where fetch is refused, and the browser can search the first part
while the rest arrives. None of it is downloaded until a reader starts a search.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from kmgen.content import Document
from kmgen.index import plain_text
from kmgen.publish.site import Site

FIND_DIR = "find"
API_SCRIPT = f"{FIND_DIR}/api.js"  # says whether a search API answers (kmgen serve replaces it)
FIELDS = ("path", "title", "summary", "owner", "concepts", "headings", "body")
CONCEPTS_SCRIPT = f"{FIND_DIR}/concepts.js"
BODY_CHARS = 400  # the start of the body: enough for a snippet, small enough at 10,000 pages
SHARD_BYTES = 160_000  # about 50 KB gzipped: one shard arrives in well under a second at 1.6 Mbit/s
NO_API = b"window.kmgenFindApi = null;\n"
# The vendored search library (overrides/assets/javascripts/vendor/minisearch-SOURCE.txt says where from).
ENGINE_SCRIPT = "assets/javascripts/vendor/minisearch-7.2.0.min.js"


def record(site: Site, doc: Document, numbers: dict[str, int]) -> list[str]:
    """One resource as the row of strings the browser indexes, in FIELDS order.
    Concepts are numbers into the concept list (concepts.js): their names are
    written once for the whole hub, not once per page."""
    body, headings = plain_text(doc.body)
    carried = [str(numbers[cid]) for ids in site.expanded.get(doc.path, {}).values() for cid in ids if cid in numbers]
    return [doc.path, _text(doc.get("title")) or doc.path, _text(doc.get("summary")), _text(doc.get("owner")),
            " ".join(dict.fromkeys(carried)), " · ".join(headings), _excerpt(body)]


def concept_names(site: Site) -> list[str]:
    """Every concept in use, as all its names (label, synonyms, acronyms, misspellings)."""
    return [" · ".join(dict.fromkeys((c.label, *c.alt_labels, *c.hidden_labels)))
            for c in (site.taxonomy.concepts[cid] for cid in _in_use(site))]


def _in_use(site: Site) -> list[str]:
    used = {cid for tags in site.expanded.values() for ids in tags.values() for cid in ids}
    return [cid for cid in site.taxonomy.concepts if cid in used]


def shard_name(n: int) -> str:
    return f"{FIND_DIR}/index-{n}.js"


def files(site: Site) -> dict[str, bytes]:
    """Site-relative file name -> contents: the index shards and the no-API marker."""
    shards = _split(site)
    out = {shard_name(n): _script(n, len(shards), rows) for n, rows in enumerate(shards)}
    out[API_SCRIPT] = NO_API
    out[CONCEPTS_SCRIPT] = _assign("kmgenFindConcepts", concept_names(site))
    return out


def manifest(site: Site) -> dict[str, Any]:
    """What the page needs to find the index: embedded in the Find page."""
    return {"shards": [shard_name(n) for n in range(len(_split(site)))], "api": API_SCRIPT,
            "concepts": CONCEPTS_SCRIPT, "engine": ENGINE_SCRIPT, "pages": len(site.resources)}


@lru_cache(maxsize=2)  # the page (manifest) and the files are made from one build's Site
def _split(site: Site) -> list[list[list[str]]]:
    numbers = {cid: n for n, cid in enumerate(_in_use(site))}
    return list(_shards([record(site, d, numbers) for d in site.resources]))


def _shards(rows: list[list[str]]) -> Iterator[list[list[str]]]:
    part: list[list[str]] = []
    size = 0
    for row in rows:
        part.append(row)
        size += sum(len(v) for v in row) + 8 * len(row)
        if size >= SHARD_BYTES:
            yield part
            part, size = [], 0
    if part or not rows:
        yield part


def _script(n: int, total: int, rows: list[list[str]]) -> bytes:
    data = _json({"shard": n, "of": total, "fields": FIELDS, "docs": rows})
    return f"(window.kmgenFindShards = window.kmgenFindShards || []).push({data});\n".encode()


def _assign(name: str, value: Any) -> bytes:
    return f"window.{name} = {_json(value)};\n".encode()


def _json(value: Any) -> str:
    # JSON is a JavaScript expression; U+2028/2029 are escaped for older engines.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace(
        "\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _excerpt(body: str) -> str:
    text = " ".join(body.split())
    if len(text) <= BODY_CHARS:
        return text
    cut = text.rfind(" ", 0, BODY_CHARS)
    return text[: cut if cut > BODY_CHARS // 2 else BODY_CHARS]


def _text(value: Any) -> str:
    if value is None or isinstance(value, (list, dict)):
        return ""
    return " ".join(str(value).split())
