"""Did-you-mean: the closest word the hub uses, for a word of a query that it does not.

Whoosh keeps the unstemmed words of the title and body (their `spell_` fields).
A word counts as a typo when it is none of those words, even if its stem happens
to be indexed: 'registation' stems to 'regist', which 'registered' stems to as
well, so the stem alone cannot tell a typo from a real word. Candidates are the
hub's words within a small edit distance; the nearest wins, then the one on
more pages (Whoosh's own corrector ranks by frequency first, so 'legislation',
two edits away, beat 'registration', one edit away). A candidate that stems like
the typed word would find the same pages, so it is no correction at all.
"""

from __future__ import annotations

from typing import Any

from whoosh.analysis import Analyzer, CharsetFilter, LowercaseFilter, RegexTokenizer
from whoosh.support.charset import accent_map

from kmgen.index import text_analyzer

SPELLED_FIELDS = ("title", "body")  # indexed with spelling=True (kmgen.index.make_schema)
OTHER_TEXT_FIELDS = ("summary", "headings", "labels")  # no unstemmed words kept: a stem found here is trusted
SHORT_WORD = 4  # letters; words this short get one edit, longer ones two


def _plain_analyzer() -> Analyzer:
    """How the spelling fields hold words: lowercased and accent-folded, not stemmed."""
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


class Corrector:
    """Corrections over one open index generation, remembered per word."""

    def __init__(self, reader: Any):
        self.reader = reader
        self.stemmer = text_analyzer()
        self.plain = _plain_analyzer()
        self._seen: dict[str, str | None] = {}

    def correct(self, word: str) -> str | None:
        """The hub's word meant by `word`, or None when it is a word of the hub or nothing is close."""
        if word not in self._seen:
            if len(self._seen) > 10_000:  # bounded: queries come from anyone
                self._seen.clear()
            self._seen[word] = self._correct(word)
        return self._seen[word]

    def _stems(self, text: str) -> list[str]:
        return [t.text for t in self.stemmer(text)]

    def _correct(self, word: str) -> str | None:
        plain = [t.text for t in self.plain(word)]
        stems = self._stems(word)
        if len(plain) != 1 or not stems:  # stop words and odd input are left alone
            return None
        typed = plain[0]
        reader = self.reader
        if any(("spell_" + f, typed) in reader for f in SPELLED_FIELDS):
            return None
        if any((f, s) in reader for f in OTHER_TEXT_FIELDS for s in stems):
            return None
        for distance in range(1, (1 if len(typed) <= SHORT_WORD else 2) + 1):
            ranked = []
            for candidate in self._within(typed, distance):
                candidate_stems = self._stems(candidate)
                if not candidate_stems or candidate_stems == stems:
                    continue
                pages = sum(reader.doc_frequency(f, s) for f in SPELLED_FIELDS for s in candidate_stems)
                ranked.append((-pages, candidate))
            if ranked:
                return min(ranked)[1]
        return None

    def _within(self, typed: str, distance: int) -> set[str]:
        found: set[str] = set()
        for name in SPELLED_FIELDS:
            field = "spell_" + name
            if field not in self.reader.indexed_field_names():
                continue
            for term in self.reader.terms_within(field, typed, distance):
                text = term.decode("utf-8") if isinstance(term, bytes) else str(term)
                if text != typed:
                    found.add(text)
        return found
