"""Snippets of search hits: where a page matches, with the matched words marked.

Whoosh's highlighter re-analyses a hit's whole stored body (every word split,
folded and stemmed) to find the few places that match: most of a query's time
on a hub of long pages. A matched word's stem starts almost every word it
stems from ('registr' in 'registration'), so a plain substring search finds
the few places worth analysing, and only a short window around each one goes
through the highlighter. When no window is found that way (a stem the word
does not start with, an accent folded away), the whole body is highlighted as
before; a page with no stored body (a summary-only page) uses its summary.
"""

from __future__ import annotations

import re
from typing import Any

from whoosh import highlight

WINDOW_BEFORE = 120  # characters kept before a match ...
WINDOW_AFTER = 200  # ... and after it, before the highlighter cuts its own fragment
WINDOWS = 2
MAXCHARS = 240
SURROUND = 60


class Marks(highlight.Formatter):
    """Matched words as **word**: readable in a terminal, easy to re-mark in HTML."""

    between = " … "

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return "**" + highlight.get_text(text, token, replace) + "**"


def fragmenter() -> highlight.Fragmenter:
    return highlight.ContextFragmenter(maxchars=MAXCHARS, surround=SURROUND)


def snippet(hit: Any, words: frozenset[str], analyzer: Any) -> str:
    """The hit's snippet; `words` are the query's terms in the body field, as indexed."""
    body = str(hit.get("body", "") or "")
    if body:
        marked = _from_windows(body, words, analyzer)
        if marked is None:  # no cheap way in: the highlighter reads the whole body
            marked = hit.highlights("body", top=2)
        if marked:
            return str(marked)
    summary = str(hit.get("summary", "") or "")
    if summary:
        marked = hit.highlights("summary", top=1)
        if marked:
            return str(marked)
    return summary or " ".join(body.split()[:40])


def _from_windows(body: str, words: frozenset[str], analyzer: Any) -> str | None:
    """Highlight short windows around the first places a query stem appears;
    None when no stem appears as written (the caller falls back)."""
    if not words:
        return ""
    lowered = body.lower()
    starts: list[int] = []
    for word in words:
        stem = word[:-1] if len(word) > 3 else word  # 'happi' is how 'happy' stems
        if not stem.isascii() or not stem.isalnum():
            return None
        found = re.search(rf"(?<![^\W_]){re.escape(stem)}", lowered)
        if found:
            starts.append(found.start())
    if not starts:
        return None if not body.isascii() else ""
    windows: list[tuple[int, int]] = []
    for start in sorted(starts):
        lo, hi = max(0, start - WINDOW_BEFORE), min(len(body), start + WINDOW_AFTER)
        lo, hi = _whole_words(body, lo, start, hi)
        if windows and lo <= windows[-1][1]:
            windows[-1] = (windows[-1][0], hi)
        else:
            windows.append((lo, hi))
    parts = []
    for lo, hi in windows[:WINDOWS]:
        marked = highlight.highlight(body[lo:hi], words, analyzer, fragmenter(), Marks(), top=1, mode="index")
        if marked:
            parts.append(marked)
    return Marks.between.join(parts) if parts else None


def _whole_words(body: str, lo: int, start: int, hi: int) -> tuple[int, int]:
    """The window moved in to the nearest spaces, so it neither starts nor ends mid-word."""
    if lo:
        cut = body.find(" ", lo, start)
        lo = cut + 1 if cut >= 0 else lo
    if hi < len(body):
        cut = body.rfind(" ", start, hi)
        hi = cut if cut > start else hi
    return lo, hi
