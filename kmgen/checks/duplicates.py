"""Near-duplicate pages, as warnings in `kmgen check` (KM701-KM703).

Reuse-and-improve starts here: a page that repeats another should usually be
an improvement to that page instead. Works from the loaded hub alone (no index
needed), so it runs in every pull request.

Each pair is reported once, on the page that looks like the newcomer: the one
with the later `date`/`last_reviewed`, then the shorter one (a trimmed
copy), then the later path; for a stub repeating a title, the stub. That is where a contributor's pull request
is, and where `kmgen check FILE` looks.
"""

from __future__ import annotations

import datetime as dt

from kmgen.checks import CheckOptions
from kmgen.content import Document, as_date
from kmgen.diagnostics import Diagnostic
from kmgen.duplicates import Pair, find_in_hub
from kmgen.hub import Hub


def check(hub: Hub, options: CheckOptions) -> list[Diagnostic]:
    out = []
    for pair in find_in_hub(hub):
        a, b = hub.documents[pair.a], hub.documents[pair.b]
        if pair.kind == "title":  # the stub is the page to improve away
            a_newer = pair.words_a < pair.words_b
        else:
            a_newer = _newcomer_key(a, pair.words_a) > _newcomer_key(b, pair.words_b)
        newer, older = (a, b) if a_newer else (b, a)
        out.append(_diagnostic(pair, newer, older))
    return out


def _newcomer_key(doc: Document, words: int) -> tuple[dt.date, int, str]:
    day = as_date(doc.get("date")) or as_date(doc.get("last_reviewed")) or dt.date.min
    return day, -words, doc.path


def _diagnostic(pair: Pair, newer: Document, older: Document) -> Diagnostic:
    title = older.get("title") or older.path
    hint = f"consider improving {older.path} instead, or make clear how this page differs"
    if pair.kind == "exact":
        return Diagnostic(newer.path, 0, "KM702", "warning",
                          f"the text is an exact copy of {older.path} ('{title}')", hint)
    if pair.kind == "title":
        words = min(pair.words_a, pair.words_b)
        return Diagnostic(newer.path, newer.line_of("title"), "KM703", "warning",
                          f"a stub of {words} words with the same title as {older.path}",
                          f"consider improving {older.path} instead", "title")
    return Diagnostic(newer.path, 0, "KM701", "warning",
                      f"near-duplicate of {older.path} ('{title}'): {round(pair.similarity * 100)}% "
                      "of the wording is the same", hint)
