"""Related pages: planted pairs are found with their reasons, unrelated pages are not."""

from __future__ import annotations

import dataclasses
import json
import random
from collections import Counter
from pathlib import Path

import pytest

from conftest import REPO, made_up_words, page, run_kmgen
from kmgen import related, related_cache
from kmgen.hub import load_hub
from kmgen.index import build_index, open_index
from kmgen.related import RelatedItem

pytestmark = pytest.mark.usefixtures("machine_key")


VOCABULARY = made_up_words(seed=11, draws=3000)


def prose(seed: int, words: int = 250, topic: list[str] | None = None, vocabulary: list[str] = VOCABULARY) -> str:
    """Made-up text: Zipf-distributed background words, 30% from a topic if given."""
    rng = random.Random(seed)
    weights = [1 / (r + 1) for r in range(len(vocabulary))]
    out = rng.choices(vocabulary, weights=weights, k=words)
    if topic:
        out = [rng.choice(topic) if rng.random() < 0.3 else w for w in out]
    return " ".join(out) + ".\n"


CRVS_TOPIC = ["birth", "certificate", "registrar", "civil", "registration", "newborn", "midwife", "notification"]
FARM_TOPIC = ["farmer", "harvest", "seed", "voucher", "cooperative", "maize", "irrigation", "market"]
CASE = "country: {c}\nperiod: \"2019-2023\"\nsector: [civil-registration]\nbuilding_blocks: [{b}]\n"


def hub_pages() -> dict[str, str]:
    return {
        "case-studies/togo.md": page("Births in Togo", "case-study", CASE.format(c="togo", b="identity"),
                                     prose(1, topic=CRVS_TOPIC)),
        "case-studies/kenya.md": page("Births in Kenya", "case-study", CASE.format(c="kenya", b="registration"),
                                      prose(2, topic=CRVS_TOPIC)),
        "guidelines/farming.md": page("Paying farmers", "guideline", "sector: [agriculture]\n",
                                      prose(3, topic=FARM_TOPIC)),
        "guidelines/health-a.md": page("Clinic staffing", "guideline",
                                       "sector: [health]\nbuilding_blocks: [payments]\n",
                                       prose(4, vocabulary=["alpha" + w for w in VOCABULARY])),
        "guidelines/health-b.md": page("Clinic supplies", "guideline",
                                       "sector: [health]\nbuilding_blocks: [payments]\n",
                                       prose(5, vocabulary=["omega" + w for w in VOCABULARY])),
        "index.md": "---\ntitle: Home\nsummary: The hub.\ntype: page\n---\n" + prose(6, topic=CRVS_TOPIC),
    }


@pytest.fixture
def indexed(make_hub, tmp_path: Path) -> tuple[Path, Path]:
    root = make_hub(hub_pages())
    index_dir = tmp_path / "index"
    build_index(load_hub(root), index_dir)
    return root, index_dir


def test_planted_related_pages_come_first_with_their_reasons(indexed) -> None:
    _root, index_dir = indexed
    found = related.load(index_dir)
    togo = found["case-studies/togo.md"]
    assert togo[0].path == "case-studies/kenya.md" and togo[0].title == "Births in Kenya"
    # Both are in the Digital ID layer through different blocks, and in Africa through their countries;
    # the rarest concepts come first (here all are as rare). Key terms are words, not stems.
    assert togo[0].shared == ("africa", "civil-registration", "digital-id-layer")
    assert set(togo[0].terms) <= set(CRVS_TOPIC) and len(togo[0].terms) >= 3
    assert 0.3 < togo[0].score <= 1.0


def test_unrelated_pages_and_hub_pages_are_not_listed(indexed) -> None:
    _root, index_dir = indexed
    found = related.load(index_dir)
    assert "guidelines/farming.md" not in found  # nothing else is about farming or agriculture
    assert all(i.path != "guidelines/farming.md" for items in found.values() for i in items)
    assert "index.md" not in found
    assert all(i.path != "index.md" for items in found.values() for i in items)


def test_shared_concepts_alone_relate_pages_with_unrelated_text(indexed) -> None:
    _root, index_dir = indexed
    found = related.load(index_dir)
    [item] = found["guidelines/health-a.md"]
    assert item.path == "guidelines/health-b.md"
    assert item.shared == ("health", "payments")  # 'payments-layer' is implied by 'payments'
    assert item.score == pytest.approx(related.WEIGHT_CONCEPTS) and item.terms == ()


def test_related_pages_follow_changes(indexed) -> None:
    root, index_dir = indexed
    (root / "case-studies/kenya.md").unlink()
    stats = build_index(load_hub(root), index_dir)
    assert stats.removed == 1
    assert all(i.path != "case-studies/kenya.md" for i in related.load(index_dir).get("case-studies/togo.md", []))


def test_compute_is_what_the_index_writes(indexed) -> None:
    root, index_dir = indexed
    ix = open_index(index_dir)
    try:
        assert related.compute(ix, load_hub(root).taxonomy) == related.load(index_dir)
    finally:
        ix.close()


def test_load_is_safe_and_forgiving(tmp_path: Path) -> None:
    assert related.load(tmp_path / "missing") == {}
    (tmp_path / related.RELATED_FILE).write_text("{not json")
    assert related.load(tmp_path) == {}
    (tmp_path / related.RELATED_FILE).write_text(json.dumps({"format": "kmgen-related", "version": 1, "pages": {
        "a.md": [{"path": "b.md", "title": "B", "score": 0.5, "shared": ["x"], "terms": ["y"]},
                 {"path": 3, "title": "bad"}, "junk"],
        "c.md": "junk"}}))
    assert related.load(tmp_path) == {"a.md": [RelatedItem("b.md", "B", 0.5, ("x",), ("y",))]}
    item = related.load(tmp_path)["a.md"][0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.score = 1.0  # type: ignore[misc]
    assert [f.name for f in dataclasses.fields(RelatedItem)] == ["path", "title", "score", "shared", "terms"]


def test_kmgen_related_shows_reasons(indexed) -> None:
    root, index_dir = indexed
    proc = run_kmgen("related", str(root / "case-studies/togo.md"), "--content", str(root),
                     "--index-dir", str(index_dir), check=True)
    lines = proc.stdout.splitlines()
    assert lines[0] == "related to case-studies/togo.md:"
    assert lines[1].startswith(" 1. Births in Kenya (case-studies/kenya.md)  score ")
    assert lines[2].startswith("    shared: Africa, Civil registration, Digital ID layer; terms: ")
    proc = run_kmgen("related", "case-studies/togo.md", "--content", str(root), "--index-dir", str(index_dir),
                     "--format", "json", check=True)
    data = json.loads(proc.stdout)
    assert data["path"] == "case-studies/togo.md" and data["related"][0]["path"] == "case-studies/kenya.md"


def test_kmgen_related_explains_missing_pages(indexed, tmp_path: Path) -> None:
    root, index_dir = indexed
    proc = run_kmgen("related", "nope.md", "--content", str(root), "--index-dir", str(index_dir))
    assert proc.returncode == 1
    assert proc.stderr == ("error: nope.md is not in the index: only accepted pages are "
                           "(run 'kmgen check' to see why, then 'kmgen index')\n")
    proc = run_kmgen("related", "index.md", "--content", str(root), "--index-dir", str(index_dir), check=True)
    assert proc.stdout == "no related pages for index.md\n"
    proc = run_kmgen("related", "x.md", "--index-dir", str(tmp_path / "none"))
    assert proc.returncode == 1 and "run 'kmgen index' first" in proc.stderr


def test_on_the_sample_hub_the_civil_registration_case_studies_relate(tmp_path: Path) -> None:
    """Two birth-registration stories by different authors share little wording; the
    concept they share must still bring each into the other's related list."""
    hub = load_hub(REPO / "content")
    build_index(hub, tmp_path / "index")
    found = related.load(tmp_path / "index")
    niue, nigeria = "case-studies/niue-civil-registration.md", "case-studies/nigeria-birth-registration-pilot.md"
    assert nigeria in [i.path for i in found[niue]]
    assert niue in [i.path for i in found[nigeria]]
    assert all(found.get(d.path) for d in hub.resources()), "every sample resource has related pages"


# -- the cache: incremental runs give what a fresh build gives ------------------------------
@pytest.fixture
def vector_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every term vector Whoosh reads (all go through a segment reader's `vector`)."""
    from whoosh.reading import SegmentReader

    reads: list[int] = []
    original = SegmentReader.vector

    def counted(self: SegmentReader, docnum: int, fieldname: str, format_: object = None) -> object:
        reads.append(docnum)
        return original(self, docnum, fieldname, format_)

    monkeypatch.setattr(SegmentReader, "vector", counted)
    return reads


def many_pages() -> dict[str, str]:
    """hub_pages plus enough related material for scores to move when one page changes."""
    pages = hub_pages()
    for n in range(12):
        topic, sector = (CRVS_TOPIC, "civil-registration") if n % 2 else (FARM_TOPIC, "agriculture")
        pages[f"guidelines/g{n:02d}.md"] = page(f"Guideline {n}", "guideline", f"sector: [{sector}]\n",
                                                prose(100 + n, words=150, topic=topic))
    return pages


def fresh_related(root: Path, elsewhere: Path) -> dict:
    build_index(load_hub(root), elsewhere, rebuild=True)
    return json.loads((elsewhere / related.RELATED_FILE).read_text(encoding="utf-8"))


def related_json(index_dir: Path) -> dict:
    return json.loads((index_dir / related.RELATED_FILE).read_text(encoding="utf-8"))


def test_incremental_refresh_gives_what_a_fresh_build_gives(make_hub, tmp_path: Path, vector_reads) -> None:
    root = make_hub(many_pages())
    index_dir = tmp_path / "index"
    build_index(load_hub(root), index_dir)
    assert vector_reads == []  # every page's terms come from the run's own analysis of it
    (root / "guidelines/g03.md").write_text(page("Guideline 3", "guideline", "sector: [health]\n",
                                                 prose(7, words=150, topic=CRVS_TOPIC)), encoding="utf-8")
    (root / "guidelines/g04.md").unlink()
    (root / "guidelines/new.md").write_text(page("New", "guideline", "sector: [civil-registration]\n",
                                                 prose(8, words=150, topic=CRVS_TOPIC)), encoding="utf-8")
    vector_reads.clear()
    stats = build_index(load_hub(root), index_dir)
    assert (stats.rebuilt, stats.added, stats.updated, stats.removed) == (False, 1, 1, 1)
    assert vector_reads == []  # the changed and new pages were analysed now; the rest come from the cache
    expected = fresh_related(root, tmp_path / "fresh")
    assert related_json(index_dir) == expected
    # What makes this more than a formality: the updated index still counts the
    # replaced and deleted pages in its document frequencies (a fresh one does not).
    ix = open_index(index_dir)
    try:
        reader = ix.reader()
        live = Counter(t for d in reader.all_doc_ids() for t, _w in reader.vector_as("weight", d, "body"))
        assert any(reader.doc_frequency("body", t) != n for t, n in live.items())
    finally:
        ix.close()

def test_a_taxonomy_change_refreshes_the_concepts_of_the_pages_it_touches(make_hub, tmp_path: Path,
                                                                           vector_reads) -> None:
    from conftest import MINI_TAXONOMY

    root = make_hub(many_pages())
    index_dir = tmp_path / "index"
    build_index(load_hub(root), index_dir)
    assert related.load(index_dir)["guidelines/health-a.md"][0].shared == ("health", "payments")
    # The pages' files are untouched; only what 'payments' means moves.
    make_hub({}, taxonomy=MINI_TAXONOMY.replace("{id: payments, label: Payments, broader: payments-layer,",
                                                "{id: payments, label: Payments, broader: digital-id-layer,"))
    vector_reads.clear()
    stats = build_index(load_hub(root), index_dir)
    assert stats.updated == 2 and not stats.rebuilt and vector_reads == []
    assert related_json(index_dir) == fresh_related(root, tmp_path / "fresh")
    assert "digital-id-layer" in related_cache.load(index_dir)["guidelines/health-a.md"].concepts


def test_a_run_with_nothing_new_reads_no_term_vectors(make_hub, tmp_path: Path, vector_reads) -> None:
    root = make_hub(many_pages())
    index_dir = tmp_path / "index"
    hub = load_hub(root)
    build_index(hub, index_dir)
    written = (index_dir / related.RELATED_FILE).read_bytes()
    vector_reads.clear()
    assert not build_index(hub, index_dir).changed
    assert related.refresh(hub, index_dir) == len(related.load(index_dir))  # recomputed from the cache alone
    assert vector_reads == []
    assert (index_dir / related.RELATED_FILE).read_bytes() == written


@pytest.mark.parametrize("damage", ["garbage", "truncated", "other-version", "bad-entry"])
def test_a_damaged_cache_is_ignored_and_rebuilt(make_hub, tmp_path: Path, vector_reads, damage: str) -> None:
    root = make_hub(many_pages())
    index_dir = tmp_path / "index"
    build_index(load_hub(root), index_dir)
    cache = index_dir / related_cache.CACHE_FILE
    data = json.loads(cache.read_bytes())
    if damage == "garbage":
        cache.write_bytes(b"\x00\xffnot json")
    elif damage == "truncated":
        cache.write_bytes(cache.read_bytes()[:len(cache.read_bytes()) // 2])
    elif damage == "other-version":
        cache.write_text(json.dumps({**data, "version": related_cache.VERSION + 1}), encoding="utf-8")
    else:  # one page's terms are not term groups: only that page is read again
        data["pages"]["case-studies/togo.md"]["terms"] = {"one": "birth"}
        cache.write_text(json.dumps(data), encoding="utf-8")
    (root / "guidelines/g01.md").unlink()
    vector_reads.clear()
    build_index(load_hub(root), index_dir)
    assert len(vector_reads) == (1 if damage == "bad-entry" else len(many_pages()) - 1)
    assert related_json(index_dir) == fresh_related(root, tmp_path / "fresh")
    assert set(related_cache.load(index_dir)) == set(many_pages()) - {"guidelines/g01.md"}  # whole again
    assert related_cache.load(index_dir) == related_cache.load(tmp_path / "fresh")


def test_a_full_rebuild_does_not_reuse_the_cache(indexed, vector_reads) -> None:
    root, index_dir = indexed
    cache = index_dir / related_cache.CACHE_FILE
    data = json.loads(cache.read_bytes())
    data["pages"]["case-studies/kenya.md"]["title"] = "A stale title"  # its fingerprint still matches
    cache.write_text(json.dumps(data), encoding="utf-8")
    vector_reads.clear()
    build_index(load_hub(root), index_dir, rebuild=True)
    assert related.load(index_dir)["case-studies/togo.md"][0].title == "Births in Kenya"
    assert vector_reads == []


def test_related_json_holds_every_field_of_an_item(indexed) -> None:
    _root, index_dir = indexed
    data = related_json(index_dir)
    for items in related.load(index_dir).values():
        for item in items:
            assert json.loads(json.dumps(dataclasses.asdict(item))) == json.loads(json.dumps(related._as_json(item)))
    assert data["format"] == related.FORMAT and data["version"] == 1


# -- a damaged related.json (issue 11, item 7) ----------------------------------------------
def _drop_one_page(data: dict) -> bytes:
    data["pages"].pop(sorted(data["pages"])[0])
    return json.dumps(data).encode("utf-8")


RELATED_DAMAGE = {
    "garbage": lambda raw: b"\x00\xffnot json",
    "truncated": lambda raw: raw[: len(raw) // 2],
    "empty": lambda raw: b"",
    "not-an-object": lambda raw: b"[]",
    "page-removed": lambda raw: _drop_one_page(json.loads(raw)),
    "score-edited": lambda raw: raw.replace(b'"score":0.', b'"score":1.', 1),
}


@pytest.mark.parametrize("damage", sorted(RELATED_DAMAGE))
def test_a_damaged_related_file_is_detected_and_rebuilt(indexed, damage: str) -> None:
    root, index_dir = indexed
    path = index_dir / related.RELATED_FILE
    written = path.read_bytes()
    before = related.load(index_dir)
    assert before, "the fixture hub has related pages"
    path.write_bytes(RELATED_DAMAGE[damage](written))
    assert path.read_bytes() != written
    assert related.problem(index_dir)
    stats = build_index(load_hub(root), index_dir)  # nothing changed in the content
    assert stats.related == len(before)
    assert path.read_bytes() == written and related.load(index_dir) == before
    assert related.problem(index_dir) == ""


def test_kmgen_related_says_when_the_related_file_is_damaged(indexed) -> None:
    root, index_dir = indexed
    (index_dir / related.RELATED_FILE).write_bytes(b"{truncated")
    proc = run_kmgen("related", "case-studies/togo.md", "--content", str(root), "--index-dir", str(index_dir))
    assert proc.returncode == 1
    assert proc.stderr == (f"error: the related pages in {index_dir} cannot be used: it is not valid JSON; "
                           "run 'kmgen index' to rebuild them\n")
