"""The Whoosh index: schema, incremental updates, atomic rebuilds, locking, trust."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest
import whoosh.index

from conftest import REVIEWED, page, run_kmgen
from kmgen import index_store, search
from kmgen.hub import load_hub
from kmgen.index import (
    IndexLocked,
    IndexMissing,
    IndexUntrusted,
    build_index,
    document_to_fields,
    facet_field,
    open_index,
    plain_text,
)

pytestmark = pytest.mark.usefixtures("machine_key")


PAGES = {
    "case-studies/togo.md": page("Birth registration in Togo", "case-study",
                                 "country: Togo\nperiod: \"2019-2023\"\nsector: [CRVS]\nbuilding_blocks: [e-KYC]\n",
                                 "## Context\n\nFree birth certificates for every child.\n"),
    "guidelines/payments.md": page("Paying farmers", "guideline", "sector: [agriculture]\n",
                                   "Mobile money reaches farmers.\n"),
    "guidelines/draft.md": page("A draft", "guideline", "status: draft\n", "Not yet.\n"),
}


def paths_found(index_dir: Path, text: str) -> list[str]:
    return [h.path for h in search.search(index_dir, text).hits]


def generations(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.iterdir() if p.name.startswith(index_store.GENERATION_PREFIX))


# -- what a page becomes --------------------------------------------------------------
def test_document_to_fields_holds_concepts_with_ancestors_and_plain_text(make_hub) -> None:
    root = make_hub(PAGES)
    hub = load_hub(root)
    doc = hub.documents["case-studies/togo.md"]
    fields = document_to_fields(doc, hub.tags_of(doc.path), hub.taxonomy)
    assert fields["path"] == "case-studies/togo.md"
    assert fields["hash"] == doc.content_hash
    assert fields["title"] == "Birth registration in Togo"
    assert fields["headings"] == "Context"
    assert fields["body"] == "Free birth certificates for every child."
    assert fields[facet_field("building-block")] == "identity,digital-id-layer"  # e-KYC folded, ancestor added
    assert fields[facet_field("geography")] == "togo,africa"
    assert fields[facet_field("sector")] == "civil-registration"
    assert "Birth registration" in fields["labels"]  # a synonym, so a search for it finds the page
    assert fields["type"] == "case-study" and fields["language"] == "en" and fields["owner"] == "Test CoP"
    assert fields["last_reviewed"] == dt.datetime.fromisoformat(REVIEWED)
    assert document_to_fields(doc, hub.tags_of(doc.path), hub.taxonomy) == fields  # pure


def test_plain_text_drops_markup_but_keeps_words() -> None:
    body, headings = plain_text("# Title\n\nSee [the guide](https://x.org/g) and ![a map](m.png).\n"
                                "| a | b |\n|---|---|\n- *bold* <b>tag</b> `code`\n```\nx = 1\n```\n"
                                "[ref]: https://example.org\n")
    assert headings == ["Title"]
    assert body == "See the guide and a map.\na b\nbold tag code\nx = 1"


def test_fingerprint_changes_when_the_taxonomy_moves_a_concept(make_hub, tmp_path: Path) -> None:
    from conftest import MINI_TAXONOMY

    root = make_hub(PAGES)
    index_dir = tmp_path / "index"
    build_index(load_hub(root), index_dir)
    moved = MINI_TAXONOMY.replace("{id: identity, label: Identity, alt_labels: [ID, e-KYC], broader: digital-id-layer",
                                  "{id: identity, label: Identity, alt_labels: [ID, e-KYC], broader: payments-layer")
    (root / "taxonomy.yml").write_text(moved, encoding="utf-8")
    stats = build_index(load_hub(root), index_dir)
    assert (stats.updated, stats.unchanged) == (1, 1)
    assert search.search(index_dir, "birth", [search.FacetFilter("b", facet_field("building-block"),
                                                                  "payments-layer", "")]).total == 1


# -- incremental -------------------------------------------------------------------------
def test_incremental_add_update_delete(make_hub, tmp_path: Path) -> None:
    root = make_hub(PAGES)
    index_dir = tmp_path / "index"
    first = build_index(load_hub(root), index_dir)
    assert (first.rebuilt, first.added, first.documents) == (True, 2, 2)  # the draft is not accepted
    assert first.reason == "there is no index yet"

    again = build_index(load_hub(root), index_dir)
    assert (again.rebuilt, again.added, again.updated, again.removed, again.unchanged) == (False, 0, 0, 0, 2)
    assert not again.changed

    (root / "guidelines/payments.md").write_text(
        page("Paying farmers", "guideline", "sector: [agriculture]\n", "Vouchers reach farmers.\n"))
    (root / "case-studies/togo.md").unlink()
    (root / "guidelines/new.md").write_text(page("Weather alerts", "guideline", "", "Rain forecasts by text.\n"))
    stats = build_index(load_hub(root), index_dir)
    assert (stats.added, stats.updated, stats.removed, stats.unchanged, stats.documents) == (1, 1, 1, 0, 2)
    assert paths_found(index_dir, "vouchers") == ["guidelines/payments.md"]
    assert paths_found(index_dir, "mobile money") == []
    assert paths_found(index_dir, "birth") == []
    assert paths_found(index_dir, "forecasts") == ["guidelines/new.md"]
    assert len(generations(index_dir)) == 1  # the replaced generation is gone


def test_progress_is_reported_for_the_pages_indexed(make_hub, tmp_path: Path) -> None:
    seen: list[list[str]] = []

    def progress(items):
        items = list(items)
        seen.append(items)
        return items

    build_index(load_hub(make_hub(PAGES)), tmp_path / "index", progress=progress)
    assert ["case-studies/togo.md", "guidelines/payments.md"] in seen


# -- atomic rebuild ---------------------------------------------------------------------
def test_failure_mid_rebuild_leaves_the_old_index_readable(make_hub, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_hub(PAGES)
    index_dir = tmp_path / "index"
    build_index(load_hub(root), index_dir)
    manifest = (index_dir / index_store.MANIFEST).read_bytes()
    calls = []

    def failing(doc, tags, taxonomy):
        calls.append(doc.path)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return real(doc, tags, taxonomy)

    import kmgen.index

    real = kmgen.index.document_to_fields
    monkeypatch.setattr(kmgen.index, "document_to_fields", failing)
    with pytest.raises(RuntimeError, match="disk on fire"):
        build_index(load_hub(root), index_dir, rebuild=True)
    assert (index_dir / index_store.MANIFEST).read_bytes() == manifest
    assert len(generations(index_dir)) == 1  # the half-built one was removed
    assert paths_found(index_dir, "birth") == ["case-studies/togo.md"]


def test_a_build_that_fails_verification_is_not_swapped_in(make_hub, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_hub(PAGES)
    index_dir = tmp_path / "index"
    build_index(load_hub(root), index_dir)
    (root / "guidelines/new.md").write_text(page("Weather alerts", "guideline", "", "Rain.\n"))
    import kmgen.index

    real = kmgen.index.document_to_fields

    def lose_a_page(doc, tags, taxonomy):  # a writer bug: the new page overwrites another
        return {**real(doc, tags, taxonomy), "path": "guidelines/payments.md"}

    monkeypatch.setattr(kmgen.index, "document_to_fields", lose_a_page)
    with pytest.raises(index_store.IndexFailure, match="holds 2 pages, expected 3; the previous index was kept"):
        build_index(load_hub(root), index_dir)
    assert paths_found(index_dir, "mobile") == ["guidelines/payments.md"]  # the old generation, intact
    assert len(generations(index_dir)) == 1


# -- locking --------------------------------------------------------------------------------
def test_a_second_writer_is_refused_at_once_and_changes_nothing(make_hub, tmp_path: Path) -> None:
    root = make_hub(PAGES)
    index_dir = tmp_path / "index"
    build_index(load_hub(root), index_dir)
    before = {p.relative_to(index_dir): p.read_bytes() for p in index_dir.rglob("*") if p.is_file()}
    (root / "guidelines/new.md").write_text(page("Weather alerts", "guideline", "", "Rain.\n"))
    with index_store.locked(index_dir):
        with pytest.raises(IndexLocked, match="index is locked"):
            build_index(load_hub(root), index_dir, rebuild=True)
        proc = run_kmgen("index", "--content", str(root), "--index-dir", str(index_dir))
    assert proc.returncode == 1
    assert "index is locked" in proc.stderr and "Traceback" not in proc.stderr
    after = {p.relative_to(index_dir): p.read_bytes() for p in index_dir.rglob("*") if p.is_file()}
    assert after == before


# -- trust ----------------------------------------------------------------------------------
def test_a_damaged_index_is_refused_then_rebuilt(make_hub, tmp_path: Path) -> None:
    root = make_hub(PAGES)
    index_dir = tmp_path / "index"
    build_index(load_hub(root), index_dir)
    segment = max((p for p in (index_dir / generations(index_dir)[0]).iterdir()), key=lambda p: p.stat().st_size)
    segment.write_bytes(segment.read_bytes()[:10])
    with pytest.raises(IndexUntrusted, match=f"its file {segment.name} is damaged; run 'kmgen index'"):
        open_index(index_dir)
    proc = run_kmgen("search", "birth", "--index-dir", str(index_dir))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"its file {segment.name} is damaged" in proc.stderr
    stats = build_index(load_hub(root), index_dir)
    assert stats.rebuilt and stats.reason == f"its file {segment.name} is damaged"
    assert paths_found(index_dir, "birth") == ["case-studies/togo.md"]


def test_an_index_from_another_version_is_rebuilt(make_hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_hub(PAGES)
    index_dir = tmp_path / "index"
    build_index(load_hub(root), index_dir)
    import kmgen.index

    monkeypatch.setattr(kmgen.index, "SCHEMA_VERSION", kmgen.index.SCHEMA_VERSION + 1)
    stats = build_index(load_hub(root), index_dir)
    assert stats.rebuilt
    assert stats.reason == f"it was built with schema version {kmgen.index.SCHEMA_VERSION - 1}; " \
                           f"this is {kmgen.index.SCHEMA_VERSION}"
    manifest = json.loads((index_dir / index_store.MANIFEST).read_text())
    assert manifest["schema"] == kmgen.index.SCHEMA_VERSION and manifest["whoosh"] == whoosh.versionstring()


def test_an_index_built_elsewhere_is_never_opened(make_hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_hub(PAGES)
    index_dir = tmp_path / "index"
    build_index(load_hub(root), index_dir)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "other-machine"))
    monkeypatch.setattr(whoosh.index, "open_dir", lambda *a, **k: pytest.fail("opened an untrusted index"))
    with pytest.raises(IndexUntrusted, match="not built on this machine"):
        open_index(index_dir)


def test_whoosh_files_without_our_manifest_are_never_opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "index"
    folder.mkdir()
    whoosh.index.create_in(str(folder), whoosh.fields.Schema(path=whoosh.fields.ID(stored=True))).close()
    monkeypatch.setattr(whoosh.index, "open_dir", lambda *a, **k: pytest.fail("opened a bare Whoosh folder"))
    with pytest.raises(IndexMissing, match="no search index in .*; run 'kmgen index' first"):
        open_index(folder)


def test_an_extra_file_in_the_generation_makes_it_untrusted(make_hub, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index(load_hub(make_hub(PAGES)), index_dir)
    folder = index_dir / generations(index_dir)[0]
    toc = next(folder.glob("*.toc"))
    shutil.copy(toc, folder / "_MAIN_99.toc")  # Whoosh would open the newest table of contents
    with pytest.raises(IndexUntrusted, match=r"do not match the manifest \(_MAIN_99.toc\)"):
        open_index(index_dir)


def test_updates_never_write_into_the_live_generation(make_hub, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_hub(PAGES)
    index_dir = tmp_path / "index"
    build_index(load_hub(root), index_dir)
    live = index_dir / generations(index_dir)[0]
    digests = {p.name: index_store.file_digest(p) for p in live.iterdir()}
    (root / "guidelines/payments.md").write_text(page("Paying farmers", "guideline", "", "Vouchers.\n"))

    def refuse(index_dir, manifest):
        raise OSError("no space left")

    monkeypatch.setattr(index_store, "swap_in", refuse)
    with pytest.raises(OSError, match="no space left"):
        build_index(load_hub(root), index_dir)
    assert {p.name: index_store.file_digest(p) for p in live.iterdir()} == digests
    assert generations(index_dir) == [live.name]


# -- the command ------------------------------------------------------------------------------
def test_kmgen_index_reports_what_changed(make_hub, tmp_path: Path) -> None:
    root = make_hub(PAGES)
    index_dir = tmp_path / "index"
    proc = run_kmgen("index", "--content", str(root), "--index-dir", str(index_dir), check=True)
    assert proc.stdout.startswith(f"indexed 2 pages in {index_dir}: rebuilt (there is no index yet); "
                                  "related pages for 0 pages")
    assert "1 page with errors or marked draft was left out" in proc.stderr
    proc = run_kmgen("index", "--content", str(root), "--index-dir", str(index_dir), check=True)
    assert "0 added, 0 updated, 0 removed, 2 unchanged" in proc.stdout
    proc = run_kmgen("index", "--content", str(root), "--index-dir", str(index_dir), "--rebuild", check=True)
    assert "rebuilt (a rebuild was requested)" in proc.stdout


def test_a_folder_without_kmgen_pages_says_why_nothing_was_indexed(tmp_path: Path) -> None:
    content = tmp_path / "docs"
    (content / "guides").mkdir(parents=True)
    (content / "guides" / "intro.md").write_text("# Introduction\n\nNo front matter here.\n")
    (content / "other.md").write_text("---\nlayout: post\n---\nJekyll page.\n")
    index_dir = tmp_path / "index"
    proc = run_kmgen("index", "--content", str(content), "--index-dir", str(index_dir))
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    assert proc.stdout.startswith(f"indexed 0 pages in {index_dir}")
    assert "none of the 2 pages" in proc.stderr and "kmgen check" in proc.stderr
    proc = run_kmgen("search", "introduction", "--index-dir", str(index_dir))
    assert proc.returncode == 0
    assert "the index holds no pages: no page of the hub is accepted yet" in proc.stdout


def test_search_without_an_index_says_to_build_one(tmp_path: Path) -> None:
    proc = run_kmgen("search", "birth", "--index-dir", str(tmp_path / "nowhere"))
    assert proc.returncode == 1
    assert proc.stderr == f"error: no search index in {tmp_path / 'nowhere'}; run 'kmgen index' first\n"


# -- the Whoosh contract ----------------------------------------------------------------------
def test_every_whoosh_feature_kmgen_relies_on(tmp_path: Path) -> None:
    """One place that fails when a Whoosh upgrade (or whoosh-reloaded) changes
    something kmgen uses; each assertion names the module relying on it."""
    from whoosh import highlight, qparser, query, sorting
    from whoosh.filedb.filestore import FileStorage
    from whoosh.lang.porter import stem

    from kmgen.index import make_schema, text_analyzer

    assert whoosh.versionstring()  # index_store: recorded in the manifest
    assert [t.text for t in text_analyzer()("The Registrations of État civil")] == ["registr", "etat", "civil"]
    assert stem("registrations") == "registr"  # related: key terms shown as words
    folder = tmp_path / "ix"
    folder.mkdir()
    ix = whoosh.index.create_in(str(folder), make_schema())
    docs = [
        {"path": "a.md", "title": "Birth registration", "body": "Birth certificates for every child in Togo.",
         "facet_sector": "civil-registration", "facet_building-block": "identity,digital-id-layer",
         "type": "case-study", "last_reviewed": dt.datetime(2026, 1, 2)},
        {"path": "b.md", "title": "Paying farmers", "body": "Mobile money for farmers, and a birth mentioned.",
         "facet_sector": "agriculture", "type": "guideline"},
        {"path": "c.md", "title": "Gone", "body": "To be deleted."},
    ]
    writer = ix.writer(limitmb=64)
    for d in docs:
        writer.add_document(**d)
    writer.commit()
    writer = ix.writer()  # index: update by the unique path, delete by term
    writer.update_document(**{**docs[1], "body": "Mobile money for farmers, and a birth mentioned. Vouchers too."})
    writer.delete_by_term("path", "c.md")
    writer.commit()
    writer = ix.writer()
    writer.add_document(path="d.md", title="Never committed")
    writer.cancel()
    ix.close()

    ix = whoosh.index.open_dir(str(folder))
    assert isinstance(ix, whoosh.index.Index)  # search: accepts an open index
    with ix.searcher() as s:
        reader = s.reader()
        assert s.doc_count() == 2 and s.document(path="b.md")["title"] == "Paying farmers"
        assert "facet_sector" in set(reader.indexed_field_names())  # glob facet fields
        assert ("body", "voucher") in reader and ("body", "deleted") not in reader
        # search: boosted multi-field parsing, AND by default, OR group, no ranges
        parser = qparser.MultifieldParser(["title", "body"], ix.schema, fieldboosts={"title": 4.0},
                                          group=qparser.AndGroup)
        parser.remove_plugin_class(qparser.RangePlugin)
        results = s.search(parser.parse("birth"), limit=10)
        assert [h["path"] for h in results] == ["a.md", "b.md"]  # the title match first
        assert parser.parse("") is query.NullQuery
        any_parser = qparser.MultifieldParser(["title", "body"], ix.schema, group=qparser.OrGroup.factory(0.9))
        assert len(s.search(any_parser.parse("vouchers togo"))) == 2
        assert [h["path"] for h in s.search(parser.parse('"birth certificates"'))] == ["a.md"]
        assert [h["path"] for h in s.search(parser.parse("vouch*"))] == ["b.md"]
        # search: filters on concept ids and ancestors, facet counts over every match
        flt = query.And([query.Term("facet_building-block", "digital-id-layer"), query.Term("type", "case-study")])
        assert [h["path"] for h in s.search(query.Every(), filter=flt)] == ["a.md"]
        assert [h["path"] for h in s.search(parser.parse("birth"), mask=query.Term("type", "case-study"))] == ["b.md"]
        facet = sorting.FieldFacet("facet_sector", allow_overlap=True)
        counted = s.search(parser.parse("birth"), limit=1, groupedby={"facet_sector": facet}, maptype=sorting.Count)
        assert len(counted) == 2 and len(counted[:1]) == 1 and not counted.is_empty()
        assert list(counted.facet_names()) == ["facet_sector"]
        assert counted.groups("facet_sector") == {"civil-registration": 1, "agriculture": 1}
        # search: snippets with our own marks
        class Marks(highlight.Formatter):
            def format_token(self, text, token, replace=False):
                return "[" + highlight.get_text(text, token, replace) + "]"

        results = s.search(parser.parse("birth"))
        results.fragmenter = highlight.ContextFragmenter(maxchars=100, surround=20)
        results.formatter = Marks()
        assert results[0].highlights("body", top=1) == "[Birth] certificates for every child in Togo"
        assert results[0].score > results[1].score > 0 and results[0].get("summary", "") == ""
        # search: did you mean, from the unstemmed words
        assert reader.corrector("body").suggest("vouchres", limit=1) == ["vouchers"]
        # related, duplicates: stored fields, term vectors, document frequencies
        stored = dict(reader.iter_docs())
        assert sorted(f["path"] for f in stored.values()) == ["a.md", "b.md"]
        docnum = s.document_number(path="a.md")
        assert reader.has_vector(docnum, "body")
        assert dict(reader.vector_as("weight", docnum, "body"))["birth"] == 1.0
        # (a replaced document still counts until its segment is merged: key terms tolerate that)
        assert reader.doc_frequency("body", "birth") in (2, 3) and reader.doc_count() == 2
        assert stored[docnum]["last_reviewed"] == dt.datetime(2026, 1, 2)
    ix.close()
    # index: parallel bulk writer, one segment per process
    bulk = tmp_path / "bulk"
    bulk.mkdir()
    ix = whoosh.index.create_in(str(bulk), make_schema())
    writer = ix.writer(procs=2, limitmb=32, multisegment=True)
    for n in range(40):
        writer.add_document(path=f"p{n}.md", title=f"Page {n}", body="text " * 50)
    writer.commit()
    assert ix.doc_count() == 40
    ix.close()
    # index_store: a non-blocking file lock a second taker cannot get
    storage = FileStorage(str(tmp_path))
    first, second = storage.lock("kmgen.lock"), storage.lock("kmgen.lock")
    assert first.acquire(blocking=False) and not second.acquire(blocking=False)
    first.release()
    assert second.acquire(blocking=False)
    second.release()


# -- opening without re-hashing (issue 14) ------------------------------------------------------
def test_opening_an_unchanged_index_hashes_no_file(make_hub, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    index_dir = tmp_path / "index"
    build_index(load_hub(make_hub(PAGES)), index_dir)
    monkeypatch.setattr(index_store, "file_digest", lambda path: pytest.fail(f"hashed {path.name} again"))
    open_index(index_dir).close()
    assert paths_found(index_dir, "birth") == ["case-studies/togo.md"]


def test_a_file_changed_in_place_with_its_times_put_back_is_still_caught(make_hub, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index(load_hub(make_hub(PAGES)), index_dir)
    segment = max((index_dir / generations(index_dir)[0]).iterdir(), key=lambda p: p.stat().st_size)
    before = segment.stat()
    data = bytearray(segment.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, one byte different
    segment.write_bytes(bytes(data))
    os.utime(segment, ns=(before.st_atime_ns, before.st_mtime_ns))
    with pytest.raises(IndexUntrusted, match=f"its file {segment.name} is damaged"):
        open_index(index_dir)


def test_kmgen_index_verify_hashes_every_file_and_rebuilds_a_damaged_index(make_hub, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_hub(PAGES)
    index_dir = tmp_path / "index"
    build_index(load_hub(root), index_dir)
    manifest = json.loads((index_dir / index_store.MANIFEST).read_text())
    assert set(manifest["stats"]) == set(manifest["files"])
    hashed: list[str] = []
    real = index_store.file_digest
    monkeypatch.setattr(index_store, "file_digest", lambda path: hashed.append(path.name) or real(path))
    stats = build_index(load_hub(root), index_dir, verify=True)
    assert not stats.rebuilt and set(hashed) == set(manifest["files"])
    monkeypatch.setattr(index_store, "file_digest", real)
    segment = max((index_dir / generations(index_dir)[0]).iterdir(), key=lambda p: p.stat().st_size)
    proc = run_kmgen("index", "--verify", "--content", str(root), "--index-dir", str(index_dir))
    assert proc.returncode == 0 and "0 added" in proc.stdout  # intact: nothing to do
    segment.write_bytes(segment.read_bytes()[:-1] + b"\x00")
    proc = run_kmgen("index", "--verify", "--content", str(root), "--index-dir", str(index_dir))
    assert proc.returncode == 0 and f"rebuilt (its file {segment.name} is damaged)" in proc.stdout
