"""Searchers kept open between queries, with each facet value's pages as a bitset.

A generation of the index never changes once written (kmgen.index_store), so a
searcher opened on one stays right for as long as that generation is the one
asked for; opening one reads every segment's tables, which cost as much as the
query itself. Facet counts come from one bitset per facet value (bit n set:
document n holds the value), made once per searcher from the index's own
postings and intersected with the query's matches: a popcount per value,
instead of asking Whoosh to categorise every match for every facet.

Searchers are kept per thread (a Whoosh searcher reads through shared file
handles) and per generation folder, the last few only.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from whoosh import query

from kmgen.index import FACET_PREFIX
from kmgen.search_spelling import Corrector

PLAIN_FIELDS = ("type", "language")  # exact-match fields counted like facets
KEEP = 4  # generations kept open per thread (a writer swapping in new ones leaves old ones behind)

Bitset = int  # bit n set: document number n


class OpenIndex:
    """One generation's searcher, and its facet bitsets once asked for.

    The bitsets depend only on the generation (document numbers never change
    in a written one), so every thread's searcher of one generation shares them:
    a server with several search threads makes them once, not once a thread."""

    def __init__(self, ix: Any, key: str | None = None):
        self.ix = ix
        self.key = key
        self.searcher = ix.searcher()
        self._values: dict[str, dict[str, Bitset]] | None = None
        self._corrector: Corrector | None = None
        self.parsers: dict[Any, Any] = {}  # query grouping -> parser (kmgen.search)

    def corrector(self) -> Corrector:
        if self._corrector is None:
            self._corrector = Corrector(self.searcher.reader())
        return self._corrector

    def facet_values(self) -> dict[str, dict[str, Bitset]]:
        """field -> value -> documents holding it, for every facet field and type and language."""
        if self._values is None:
            if self.key is None:
                self._values = self._read_values()
            else:
                with _shared_lock:
                    found = _shared.get(self.key)
                    if found is None:
                        found = _shared[self.key] = self._read_values()
                        while len(_shared) > KEEP:
                            _shared.popitem(last=False)
                    _shared.move_to_end(self.key)
                self._values = found
        return self._values

    def _read_values(self) -> dict[str, dict[str, Bitset]]:
        reader = self.searcher.reader()
        size = reader.doc_count_all()
        names = [n for n in reader.indexed_field_names() if n.startswith(FACET_PREFIX)]
        values: dict[str, dict[str, Bitset]] = {}
        for name in [*names, *PLAIN_FIELDS]:
            values[name] = {}
            for raw in reader.lexicon(name):
                value = raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
                values[name][value] = bitset(reader.postings(name, raw).all_ids(), size)
        if reader.has_deletions():  # a deleted page still has postings until the segment is merged
            alive = bitset((n for n in range(size) if not reader.is_deleted(n)), size)
            values = {name: {v: b & alive for v, b in vals.items()} for name, vals in values.items()}
        return values

    def matching(self, q: query.Query) -> Bitset:
        return bitset(self.searcher.docs_for_query(q), self.searcher.reader().doc_count_all())


_shared: OrderedDict[str, dict[str, dict[str, Bitset]]] = OrderedDict()
_shared_lock = threading.Lock()


def bitset(docnums: Iterable[int], size: int) -> Bitset:
    bits = bytearray(size // 8 + 1)
    for n in docnums:
        bits[n >> 3] |= 1 << (n & 7)
    return int.from_bytes(bits, "little")


_local = threading.local()


def opened(ix: Any) -> OpenIndex:
    """The open searcher of this index's generation (opened now if it is not yet)."""
    folder = getattr(getattr(ix, "storage", None), "folder", None)
    if folder is None:  # an index in memory (tests): nothing to key it by
        return OpenIndex(ix)
    cache: OrderedDict[str, OpenIndex] = getattr(_local, "cache", None) or OrderedDict()
    _local.cache = cache
    key = f"{folder}\0{getattr(ix, 'indexname', '')}"
    found = cache.get(key)
    if found is None:
        found = cache[key] = OpenIndex(ix, key)
        while len(cache) > KEEP:
            _key, old = cache.popitem(last=False)
            old.searcher.close()
    cache.move_to_end(key)
    return found


def forget() -> None:
    """Close every searcher this thread keeps (tests, and callers about to delete an index)."""
    cache: OrderedDict[str, OpenIndex] | None = getattr(_local, "cache", None)
    while cache:
        _key, old = cache.popitem()
        old.searcher.close()
