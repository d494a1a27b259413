"""The index's text analyser, fast where Whoosh calls it most.

Whoosh analyses an indexed value once per use: the body is split, folded and
stemmed for its postings, again for its term vector and again (unstemmed) for
its spelling words, each time through a chain of generators that costs a few
microseconds per word. `TextAnalyzer` is that same chain (query parsing,
highlighting and anything unusual still go through it unchanged), but for the
plain indexing calls it splits the text with the chain's own pattern and looks
each distinct word up once: the chain itself runs on that one word, so every
token is exactly what the chain gives. The last value's words are kept, so the
second and third pass over a body are a list walk. `kmgen.related` reads the
same words (`analysed`) instead of analysing bodies again.

The cache of words is bounded, and neither cache is part of the pickled schema.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from whoosh import fields, formats
from whoosh.analysis import (
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.analysis.acore import Token
from whoosh.analysis.analyzers import CompositeAnalyzer
from whoosh.support.charset import accent_map
from whoosh.system import pack_uint

MAX_CACHED_WORDS = 500_000  # distinct words; a hostile body of made-up words cannot grow it further
_FAST_KWARGS = {"positions", "boosts", "mode"}
_STOP = ("", "")  # a word the chain drops (stop word, too short, too long)


def standard_chain() -> CompositeAnalyzer:
    """Words, lowercased, accents folded, English stop words and 1- or 41+-letter
    words dropped, Porter-stemmed: plain Whoosh, as a bare application would use it."""
    return (RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)
            | StopFilter(minsize=2, maxsize=40) | StemFilter())


@dataclass(frozen=True)
class Analysed:
    """The kept words of one value: as written, folded (unstemmed) and stemmed,
    and the position of the first (later ones follow on, as Whoosh renumbers)."""
    raw: list[str]
    folded: list[str]
    stems: list[str]
    first: int


class TextAnalyzer(CompositeAnalyzer):
    def __init__(self, *composables: Any) -> None:
        super().__init__(*composables)
        self._reset()

    def _reset(self) -> None:
        self._words: dict[str, tuple[str, str]] = {}
        self._last: tuple[str | None, Analysed | None] = (None, None)
        tokenizer = self.items[0]
        # The same pattern without its capture group, so findall returns whole matches.
        pattern = getattr(getattr(tokenizer, "expression", None), "pattern", None)
        self._split = (re.compile(pattern.replace("(\\.?", "(?:\\.?"), re.UNICODE).findall
                       if isinstance(tokenizer, RegexTokenizer) and not tokenizer.gaps and pattern else None)

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in ("_words", "_last", "_split")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._reset()

    def __call__(self, value: Any, no_morph: bool = False, **kwargs: Any) -> Iterator[Token]:
        if not isinstance(value, str) or not set(kwargs) <= _FAST_KWARGS:
            return super().__call__(value, no_morph=no_morph, **kwargs)
        done = self.analysed(value)
        if done is None:
            return super().__call__(value, no_morph=no_morph, **kwargs)
        return self._tokens(done, no_morph, kwargs)

    @staticmethod
    def _tokens(done: Analysed, no_morph: bool, kwargs: dict[str, Any]) -> Iterator[Token]:
        positions = bool(kwargs.get("positions"))
        token = Token(positions, False, removestops=True, mode=kwargs.get("mode", ""))
        for offset, text in enumerate(done.folded if no_morph else done.stems):
            token.text, token.boost, token.stopped = text, 1.0, False
            if positions:
                token.pos = done.first + offset
            yield token

    def analysed(self, value: str) -> Analysed | None:
        """The kept words of `value`, or None where only the chain itself can tell."""
        last, done = self._last
        if done is not None and (value is last or value == last):
            return done
        if self._split is None:
            return None
        raws = self._split(value)
        words = self._words
        new: dict[str, tuple[str, str]] = {}
        for raw in set(raws).difference(words):
            one = self._one(raw)
            if one is None:
                return None
            new[raw] = one
        if len(words) + len(new) > MAX_CACHED_WORDS:
            words.clear()  # bounded by the larger of the limit and one value's words
        words.update(new)
        found = [words[r] for r in raws]
        first = next((i for i, f in enumerate(found) if f is not _STOP), 0)
        kept = [(r, f) for r, f in zip(raws, found, strict=True) if f is not _STOP]
        done = Analysed([r for r, _f in kept], [f[0] for _r, f in kept], [f[1] for _r, f in kept], first)
        self._last = (value, done)
        return done

    def _one(self, raw: str) -> tuple[str, str] | None:
        """(folded, stem) of one word by the chain itself; _STOP when it drops the
        word; None when the chain does not see it as exactly one word."""
        stems = [t.text for t in super().__call__(raw)]
        folded = [t.text for t in super().__call__(raw, no_morph=True)]
        if len(stems) != len(folded) or len(stems) > 1:
            return None
        return (folded[0], stems[0]) if stems else _STOP


def text_analyzer() -> TextAnalyzer:
    return TextAnalyzer(*standard_chain().items)


# -- fields that take the analysed words as they are ------------------------------------
def _analysed(value: Any, analyzer: Any, kwargs: dict[str, Any]) -> Analysed | None:
    if isinstance(value, str) and isinstance(analyzer, TextAnalyzer) and set(kwargs) <= {"mode"}:
        return analyzer.analysed(value)
    return None


class OncePositions(formats.Positions):
    """Positions postings built from the analysed words: no token stream at all."""

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterable[tuple[Any, int, float, bytes]]:
        done = _analysed(value, analyzer, kwargs)
        if done is None:
            return super().word_values(value, analyzer, **kwargs)
        poses: dict[str, list[int]] = defaultdict(list)
        for offset, stem in enumerate(done.stems):
            poses[stem].append(done.first + offset)
        boost = self.field_boost
        return ((w, len(p), float(len(p)) * boost, self.encode(p)) for w, p in poses.items())


class OnceFrequency(formats.Frequency):
    """Frequency postings (term vectors) counted from the analysed words."""

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterable[tuple[Any, int, float, bytes]]:
        done = _analysed(value, analyzer, kwargs)
        if done is None:
            return super().word_values(value, analyzer, **kwargs)
        boost = self.field_boost
        return ((w, n, float(n) * boost, pack_uint(n)) for w, n in Counter(done.stems).items())


class OnceText(fields.TEXT):
    """A TEXT field over the analysed words that gives each spelling word to its
    writer once: Whoosh files every spelling word under document 0 and only ever
    asks which words exist (its corrector ranks by the main field's counts), so
    the same word from the next page is a posting that changes nothing. A writer
    unpickles its own schema, so the words seen live and die with one writer."""

    def __init__(self, analyzer: Any, stored: bool = False, spelling: bool = False, vector: bool = False) -> None:
        super().__init__(analyzer=analyzer, stored=stored, spelling=spelling,
                         vector=OnceFrequency() if vector else None)
        self.format = OncePositions()

    def spellable_words(self, value: Any) -> Iterator[str]:
        seen: set[str] = self.__dict__.setdefault("_spelled", set())
        new = [w for w in super().spellable_words(value) if w not in seen]
        seen.update(new)
        return iter(new)

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_spelled"}
