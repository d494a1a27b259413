"""The index's analyser gives exactly the tokens of Whoosh's own chain, for any
text, in every way Whoosh calls it while indexing; and what related pages take
from it equals what they would read back from the index."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kmgen import related_cache
from kmgen.hub import load_hub
from kmgen.index import build_index, open_index
from kmgen.index_analysis import MAX_CACHED_WORDS, TextAnalyzer, standard_chain, text_analyzer

pytestmark = pytest.mark.usefixtures("machine_key")

WORDS = ["the", "a", "of", "Registration", "registrations", "registered", "État", "İstanbul", "naïve", "ﬁne",
         "Straße", "ǅungla", "3.14", "a.b.c", "x_y", "__init__", "日本語", "e\u0301", "I", "x" * 41, "x" * 40,
         "\u200b", "don't", "U.S.A.", "..", "—", "\n", " ", "\t", ",", "1", "12"]
texts = st.one_of(st.text(max_size=200), st.lists(st.sampled_from(WORDS), max_size=40).map(" ".join),
                  st.lists(st.sampled_from(WORDS), max_size=40).map("".join))
INDEX_CALLS = [{"positions": True, "boosts": True, "mode": "index"}, {"boosts": True, "mode": "index"},
               {"no_morph": True}, {"mode": "query"}, {"positions": True, "chars": True}]


def tokens(analyzer, text: str, kwargs: dict) -> list[tuple]:
    return [(t.text, getattr(t, "pos", None) if kwargs.get("positions") else None,
             getattr(t, "startchar", None) if kwargs.get("chars") else None) for t in analyzer(text, **kwargs)]


@settings(max_examples=300, deadline=None)
@given(texts)
def test_every_call_gives_the_chains_tokens(text: str) -> None:
    fast, chain = text_analyzer(), standard_chain()
    for kwargs in INDEX_CALLS * 2:  # the second round answers from the cached words
        assert tokens(fast, text, dict(kwargs)) == tokens(chain, text, dict(kwargs))


def test_positions_follow_whooshs_renumbering_after_leading_stop_words() -> None:
    fast = text_analyzer()
    assert [(t.text, t.pos) for t in fast("the of cats and dogs", positions=True, mode="index")] == \
        [("cat", 2), ("dog", 3)]


def test_the_pickled_analyser_keeps_no_cache_and_still_works() -> None:
    fast = text_analyzer()
    list(fast("registrations everywhere", mode="index"))
    again = pickle.loads(pickle.dumps(fast))
    assert isinstance(again, TextAnalyzer) and again == fast and not again._words
    assert [t.text for t in again("registrations everywhere", mode="index")] == ["registr", "everywher"]


def test_the_word_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    import kmgen.index_analysis as ia

    monkeypatch.setattr(ia, "MAX_CACHED_WORDS", 10)
    fast = text_analyzer()
    for start in (0, 50, 100):
        text = " ".join(f"word{n}x" for n in range(start, start + 50))
        assert [t.text for t in fast(text, mode="index")] == [t.text for t in standard_chain()(text, mode="index")]
        assert len(fast._words) == 50  # emptied before each new value's 50 words
    assert MAX_CACHED_WORDS > 10


def test_captured_entries_equal_what_the_index_holds(make_hub, tmp_path: Path) -> None:
    from test_related import many_pages

    root = make_hub(many_pages())
    index_dir = tmp_path / "index"
    build_index(load_hub(root), index_dir)
    cached = related_cache.load(index_dir)
    ix = open_index(index_dir)
    try:
        with ix.searcher() as searcher:
            read = related_cache.read(searcher, list(cached))
    finally:
        ix.close()
    assert set(read) == set(cached) == set(many_pages())
    for path, entry in read.items():
        mine = cached[path]
        assert (mine.fingerprint, mine.title, mine.hub, mine.concepts, mine.terms) == \
            (entry.fingerprint, entry.title, entry.hub, entry.concepts, entry.terms)


@settings(max_examples=100, deadline=None)
@given(texts)
def test_surface_words_from_the_analysis_equal_those_read_from_the_text(text: str) -> None:
    from kmgen import related

    analysed = text_analyzer().analysed(text)
    assert analysed is not None
    entry = related_cache.from_fields({"path": "a.md", "fingerprint": "f", "title": "A", "body": text}, analysed)
    stems = {t for group in entry.terms.values() for t in group}
    assert entry.forms is not None
    assert {s: entry.forms.get(s, s) for s in stems} == related._surface(text, stems)
