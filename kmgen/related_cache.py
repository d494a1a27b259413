"""What related pages need of each indexed page, kept between runs of `kmgen index`.

Reading a page's body term vector from Whoosh (and, before this cache, a
doc_frequency per term) was most of the cost of related pages, and it was paid
for every page after any change. The cache, <index_dir>/related-cache.json,
keeps for each page what `kmgen.related` needs: title, concepts, its key
terms and their surface words, keyed by the page's path and index
fingerprint, with the statistics of the last full pass; the pages' full term
counts, which only a full pass needs, are in <index_dir>/related-terms.json
(terms of pages changed since that pass stay in the cache itself). Pages a
run indexes come with their words (kmgen.index analysed them). A run reads
from Whoosh only the pages neither holds at their fingerprint (the
fingerprint covers the file's hash and its resolved concepts, which the
content hash alone would miss); deleted pages simply drop out.

The file is derived data like the index: JSON (never pickle), written
atomically, with a format and version marker and the Whoosh version whose
analyzer made the terms. A file that is missing, unreadable, of another
version or of the wrong shape is ignored as a whole, and a malformed entry is
dropped: either way those pages are read from the index again. A full
rebuild of the index (`kmgen index --rebuild`) starts the cache afresh too.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kmgen import facets
from kmgen.index import FACET_PREFIX, SCHEMA_VERSION
from kmgen.index_analysis import Analysed
from kmgen.index_store import WHOOSH_VERSION
from kmgen.schema import PAGE_TYPE
from kmgen.writes import write_atomic

CACHE_FILE = "related-cache.json"
TERMS_FILE = "related-terms.json"
FORMAT = "kmgen-related-cache"
VERSION = 2
MAX_FILE_BYTES = 1024 * 1024 * 1024

Terms = dict[float, list[str]]  # term frequency -> the body terms with that frequency


@dataclass
class Entry:
    path: str
    fingerprint: str
    title: str
    hub: bool  # a hub page (type: page): counts for term statistics, is never listed
    concepts: tuple[str, ...]  # sorted; ancestors included, the resource type left out
    terms: Terms | None  # None: not loaded (TERMS_FILE holds them)
    surface: dict[str, str]  # stem -> the word the page uses most, for the stems asked so far
    body: str | None = field(default=None, compare=False)  # only while a run has it in hand
    # Every stem whose most used word is not the stem itself, when the run analysed
    # the page (kmgen.index): surface words then need no second look at the text.
    forms: dict[str, str] | None = field(default=None, compare=False)
    # The key terms and weights under the snapshot's statistics, and the lowest
    # score among the pages the text side kept as candidates (0.0: it kept all).
    vector: dict[str, float] | None = field(default=None, compare=False)
    floor: float = field(default=0.0, compare=False)
    terms_saved: bool = field(default=False, compare=False)  # TERMS_FILE holds these terms


@dataclass
class Snapshot:
    """Term and concept statistics of the last full related-pages pass: runs that
    change few pages weigh terms and concepts with these (kmgen.related_update)."""
    pages: int  # entries counted, hub pages included
    df: dict[str, int]  # body term -> pages using it
    concept_pages: int  # resources (hub pages are not) counted for concepts
    concept_df: dict[str, int]
    taxonomy: str  # digest of the taxonomy's concepts and their ancestors
    changed: int = 0  # pages added, changed or removed since


def from_fields(fields: Mapping[str, Any], analysed: Analysed | None) -> Entry:
    """A page's entry from what `kmgen.index` just gave Whoosh and the analyser's
    words of its body: the same entry `read_entry` would read back from the
    index, without reading it back."""
    if analysed is None:
        return _entry(fields, {}, str(fields.get("body", "")))
    counts = Counter(analysed.stems)
    terms: Terms = {}
    for term in sorted(counts):  # Whoosh's vectors are in term order too
        terms.setdefault(float(counts[term]), []).append(term)
    best: dict[str, tuple[int, str]] = {}
    for (stem, word), n in Counter(zip(analysed.stems, map(str.lower, analysed.raw), strict=True)).items():
        if n > best.get(stem, (0, ""))[0]:  # the first word seen wins a tie, as in kmgen.related._surface
            best[stem] = (n, word)
    entry = _entry(fields, terms, None)
    entry.forms = {stem: word for stem, (_n, word) in best.items() if word != stem}
    return entry


def known(live: Mapping[str, str], captured: Mapping[str, Entry], cached: Mapping[str, Entry]
          ) -> tuple[dict[str, Entry], list[str]]:
    """(entries, paths still to read from the index) for the live pages (path ->
    fingerprint): an entry just captured by the indexer, else a cached one whose
    fingerprint still matches."""
    out: dict[str, Entry] = {}
    missing: list[str] = []
    for path, fingerprint in live.items():
        entry = captured.get(path) or cached.get(path)
        if entry is not None and entry.fingerprint == fingerprint:
            out[path] = entry
        else:
            missing.append(path)
    return out, missing


def read(searcher: Any, paths: Iterable[str]) -> dict[str, Entry]:
    """Entries of `paths` read from the index (term vectors and stored fields)."""
    reader = searcher.reader()
    out: dict[str, Entry] = {}
    for path in paths:
        docnum = searcher.document_number(path=path)
        if docnum is not None:
            out[path] = read_entry(reader, docnum, reader.stored_fields(docnum))
    return out


def sync(searcher: Any, cached: Mapping[str, Entry]) -> dict[str, Entry]:
    """An entry for every page in the index: the cached one where the fingerprint
    still matches, else read from the index (the only place term vectors are read)."""
    reader = searcher.reader()
    out: dict[str, Entry] = {}
    for docnum, stored in reader.iter_docs():
        old = cached.get(stored["path"])
        if old is not None and old.fingerprint == stored.get("fingerprint"):
            out[old.path] = old
        else:
            out[stored["path"]] = read_entry(reader, docnum, stored)
    return out


def read_entry(reader: Any, docnum: int, stored: Mapping[str, Any]) -> Entry:
    terms: Terms = {}
    if reader.has_vector(docnum, "body"):
        for term, tf in reader.vector_as("weight", docnum, "body"):
            terms.setdefault(float(tf), []).append(term)
    return _entry(stored, terms, str(stored.get("body", "")))


def _entry(stored: Mapping[str, Any], terms: Terms, body: str | None) -> Entry:
    concepts: set[str] = set()
    for name, value in stored.items():
        facet_id = name[len(FACET_PREFIX):]
        if name.startswith(FACET_PREFIX) and facet_id != facets.RESOURCE_TYPE:
            concepts.update(cid for cid in str(value).split(",") if cid)
    path = stored["path"]
    return Entry(path, str(stored.get("fingerprint", "")), str(stored.get("title", path)),
                 stored.get("type") == PAGE_TYPE, tuple(sorted(concepts)), terms, {}, body)


# -- the files ---------------------------------------------------------------------
def _read_json(path: Path) -> Any:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None
        return json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None


def _ours(data: Any) -> bool:
    return (isinstance(data, dict) and data.get("format") == FORMAT and data.get("version") == VERSION
            and data.get("schema") == SCHEMA_VERSION and data.get("whoosh") == WHOOSH_VERSION
            and isinstance(data.get("pages"), dict))


def read_cache(index_dir: Path, terms: bool = True) -> tuple[dict[str, Entry], Snapshot | None]:
    """(path -> entry, snapshot); ({}, None) when there is no usable file. With
    `terms`, entries whose terms are in TERMS_FILE get them (else those are None)."""
    data = _read_json(Path(index_dir) / CACHE_FILE)
    if not _ours(data):
        return {}, None
    out = {}
    for key, raw in data["pages"].items():
        entry = _decode(key, raw)
        if entry is not None:
            out[key] = entry
    if terms:
        add_saved_terms(index_dir, out)
    return out, _snapshot(data.get("snapshot"))


def load(index_dir: Path) -> dict[str, Entry]:
    """path -> entry with its terms; entries whose terms cannot be found are left out."""
    entries, _snapshot = read_cache(index_dir)
    return {p: e for p, e in entries.items() if e.terms is not None}


def add_saved_terms(index_dir: Path, entries: dict[str, Entry]) -> None:
    wanted = [e for e in entries.values() if e.terms is None]
    if not wanted:
        return
    data = _read_json(Path(index_dir) / TERMS_FILE)
    pages = data["pages"] if _ours(data) else {}
    for entry in wanted:
        raw = pages.get(entry.path)
        if isinstance(raw, dict) and raw.get("fingerprint") == entry.fingerprint:
            entry.terms = _decode_terms(raw.get("terms"))
            entry.terms_saved = entry.terms is not None


def save(index_dir: Path, entries: Iterable[Entry], snapshot: Snapshot | None = None,
         all_terms: bool = True) -> None:
    """Write the cache; with `all_terms`, TERMS_FILE too (a full pass), else only the
    terms TERMS_FILE does not hold go into the cache (a run that changed a few pages)."""
    ordered = sorted(entries, key=lambda e: e.path)
    header = {"format": FORMAT, "version": VERSION, "schema": SCHEMA_VERSION, "whoosh": WHOOSH_VERSION}
    if all_terms:
        terms = {e.path: {"fingerprint": e.fingerprint, "terms": _encode_terms(e.terms or {})} for e in ordered}
        _write(index_dir / TERMS_FILE, {**header, "pages": terms})
        for e in ordered:
            e.terms_saved = e.terms is not None
    pages = {e.path: _encode(e) for e in ordered}
    _write(index_dir / CACHE_FILE, {**header, "snapshot": vars(snapshot) if snapshot else None, "pages": pages})


def _write(path: Path, data: Any) -> None:
    write_atomic(path, json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def remove(index_dir: Path) -> None:
    (Path(index_dir) / CACHE_FILE).unlink(missing_ok=True)
    (Path(index_dir) / TERMS_FILE).unlink(missing_ok=True)


def _encode_terms(terms: Terms) -> dict[str, Any]:
    # Terms of one frequency as one space-joined string: JSON parses a few long
    # strings about seven times faster than the same terms as lists. Whoosh's
    # tokenizer never puts a space in a term; should one ever, that group is a list.
    return {repr(tf): (words if any(" " in w for w in words) else " ".join(words))
            for tf, words in sorted(terms.items())}


def _encode(e: Entry) -> dict[str, Any]:
    out: dict[str, Any] = {"fingerprint": e.fingerprint, "title": e.title, "hub": e.hub,
                           "concepts": list(e.concepts), "surface": e.surface, "floor": e.floor,
                           "vector": _encode_vector(e.vector)}
    if not e.terms_saved and e.terms is not None:
        out["terms"] = _encode_terms(e.terms)
    return out


def _decode(path: Any, raw: Any) -> Entry | None:
    """An entry, or None when anything about it is not what `_encode` writes."""
    if not isinstance(raw, dict):
        return None
    fingerprint, title, hub = raw.get("fingerprint"), raw.get("title"), raw.get("hub")
    concepts, surface, floor, vector = raw.get("concepts"), raw.get("surface"), raw.get("floor"), raw.get("vector")
    if not (isinstance(path, str) and isinstance(fingerprint, str) and fingerprint and isinstance(title, str)
            and isinstance(hub, bool) and isinstance(concepts, list) and isinstance(surface, dict)
            and isinstance(floor, (int, float)) and not isinstance(floor, bool)
            and all(isinstance(c, str) for c in concepts)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in surface.items())):
        return None
    terms = _decode_terms(raw["terms"]) if "terms" in raw else None
    if "terms" in raw and terms is None:
        return None
    entry = Entry(path, fingerprint, title, hub, tuple(sorted(set(concepts))), terms, surface)  # type: ignore[arg-type]
    entry.vector, entry.floor = _decode_vector(vector), float(floor)
    entry.terms_saved = terms is None  # no terms here: TERMS_FILE holds them at this fingerprint
    return entry


def _encode_vector(vector: dict[str, float] | None) -> Any:
    # [terms joined by spaces, weights]: decoding two lists is a fraction of the
    # work of checking 25 pairs a page. Key terms never hold a space (as above).
    if vector is None:
        return None
    if any(" " in t for t in vector):
        return list(vector.items())
    return [" ".join(vector), list(vector.values())]


def _decode_vector(raw: Any) -> dict[str, float] | None:
    if not isinstance(raw, list):
        return None
    if len(raw) == 2 and isinstance(raw[0], str) and isinstance(raw[1], list):
        terms, weights = raw[0].split(" ") if raw[0] else [], raw[1]
        if len(terms) == len(weights) and all(type(w) is float for w in weights):
            return dict(zip(terms, weights, strict=True))
        return None
    out: dict[str, float] = {}
    for item in raw:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)
                and isinstance(item[1], (int, float)) and not isinstance(item[1], bool)):
            return None
        out[item[0]] = float(item[1])
    return out


def _decode_terms(groups: Any) -> Terms | None:
    if not isinstance(groups, dict):
        return None
    terms: Terms = {}
    try:
        for key, words in groups.items():
            tf = float(key)
            if isinstance(words, str):
                words = words.split(" ")
            if not (tf >= 1 and isinstance(words, list) and all(isinstance(w, str) for w in words)):
                return None
            terms[tf] = words
    except ValueError:
        return None
    return terms


def _snapshot(raw: Any) -> Snapshot | None:
    if not isinstance(raw, dict):
        return None
    try:
        snap = Snapshot(**raw)
    except TypeError:
        return None
    ints = (snap.pages, snap.concept_pages, snap.changed)
    if not (all(isinstance(n, int) and n >= 0 for n in ints) and isinstance(snap.taxonomy, str)
            and isinstance(snap.df, dict) and isinstance(snap.concept_df, dict)
            and all(isinstance(n, int) and n > 0 for n in snap.df.values())
            and all(isinstance(n, int) and n > 0 for n in snap.concept_df.values())):
        return None
    return snap
