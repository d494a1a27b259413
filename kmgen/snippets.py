"""Snippets of search hits: where a page matches, with the matched words marked.

Only the hits shown get a snippet, and a snippet reads a bounded part of the
page. A matched word's stem starts almost every word it stems from ('registr'
in 'registration'), so a plain substring search (C speed) finds the first
places worth showing; only the words of a short window around each one are
stemmed, each distinct word once (a cache shared by every query), and marked
when their stem is one the query matched. Whoosh's highlighter analysed the
whole stored body of every hit instead: most of a query's time on a hub of long
pages. When no stem appears as written (one the word does not start with, an
accent folded away), the first WORDS_SCANNED words are stemmed one by one to
find a place; a page with no stored body (a summary-only page) uses its summary.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from kmgen.index import text_analyzer

WINDOW_BEFORE = 60  # characters kept before a match ...
WINDOW_AFTER = 180  # ... and after it
WINDOWS = 2
TRIES = 20  # places a stem appears that are checked for a word that really stems to it
WORDS_SCANNED = 3000  # words of a body looked at one by one when no stem appears as written
BETWEEN = " … "
_WORD = re.compile(r"\w+", re.UNICODE)
_ANALYZER = text_analyzer()  # the body's analyzer (kmgen.index.make_schema): what the query's terms are


@functools.lru_cache(maxsize=200_000)
def stems(word: str) -> frozenset[str]:
    """The indexed forms of one word ('Registrations' -> {'registr'})."""
    return frozenset(t.text for t in _ANALYZER(word))


def snippet(hit: Any, words: frozenset[str]) -> str:
    """The hit's snippet; `words` are the query's terms in the body field, as indexed."""
    body = str(hit.get("body", "") or "")
    if body:
        marked = _from_windows(body, words)
        if marked:
            return marked
    summary = str(hit.get("summary", "") or "")
    if summary:
        return mark(summary, words) if words else summary
    return " ".join(body.split()[:40])


def mark(text: str, words: frozenset[str]) -> str:
    """`text` with each word whose stem is one of `words` as **word**."""
    return _WORD.sub(lambda m: f"**{m.group(0)}**" if stems(m.group(0)) & words else m.group(0), text)


def _from_windows(body: str, words: frozenset[str]) -> str:
    """Marked windows around the first places a query word appears; '' when none does."""
    if not words:
        return ""
    starts = _starts_as_written(body, words)
    if starts is None:
        starts = _starts_word_by_word(body, words)
    windows: list[tuple[int, int]] = []
    for start in sorted(starts):
        lo, hi = _whole_words(body, max(0, start - WINDOW_BEFORE), start, min(len(body), start + WINDOW_AFTER))
        if windows and lo <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(hi, windows[-1][1]))
        else:
            windows.append((lo, hi))
    shown = windows[:WINDOWS]
    if not shown:
        return ""
    text = BETWEEN.join(mark(" ".join(body[lo:hi].split()), words) for lo, hi in shown)
    return ("…" if shown[0][0] else "") + text + ("…" if shown[-1][1] < len(body) else "")


def _starts_as_written(body: str, words: frozenset[str]) -> list[int] | None:
    """Where each stem first starts a word of the body; None when some stem cannot be looked for that way."""
    lowered = body.lower()
    starts: list[int] = []
    for word in words:
        stem = word[:-1] if len(word) > 3 else word  # 'happi' is how 'happy' stems
        if not stem.isascii() or not stem.isalnum():
            return None
        for n, found in enumerate(re.finditer(rf"(?<![^\W_]){re.escape(stem)}", lowered)):
            if n >= TRIES:  # 'regist' starts 'registry' too: a few places are looked at, not every one
                break
            if stems(_word_at(body, found.start())) & words:
                starts.append(found.start())
                break
    return starts if starts or body.isascii() else None


def _starts_word_by_word(body: str, words: frozenset[str]) -> list[int]:
    starts: list[int] = []
    for n, m in enumerate(_WORD.finditer(body)):
        if n >= WORDS_SCANNED or len(starts) >= WINDOWS:
            break
        if stems(m.group(0)) & words:
            starts.append(m.start())
    return starts


def _word_at(body: str, start: int) -> str:
    found = _WORD.match(body, start)
    return found.group(0) if found else ""


def _whole_words(body: str, lo: int, start: int, hi: int) -> tuple[int, int]:
    """The window moved in to the nearest spaces, so it neither starts nor ends mid-word."""
    if lo:
        cut = body.find(" ", lo, start)
        lo = cut + 1 if cut >= 0 else lo
    if hi < len(body):
        cut = body.rfind(" ", start, hi)
        hi = cut if cut > start else hi
    return lo, hi
