"""Related pages after a run that changed a few pages: only the lists a change can
reach are scored again, and every list is exactly what a full pass with the same
statistics gives; past the drift share, a full pass gives what a fresh build gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_related import CRVS_TOPIC, FARM_TOPIC, prose

from conftest import page
from kmgen import related, related_cache, related_model
from kmgen.hub import load_hub
from kmgen.index import build_index, open_index

pytestmark = pytest.mark.usefixtures("machine_key")

TOPICS = [CRVS_TOPIC, FARM_TOPIC, ["clinic", "nurse", "vaccine", "ward", "doctor", "patient", "dose", "fever"],
          ["school", "teacher", "pupil", "exam", "lesson", "classroom", "grade", "textbook"]]


def topic_pages(count: int = 64) -> dict[str, str]:
    """Four topics; half the pages tagged 'health', half untagged."""
    pages = {}
    for n in range(count):
        extra = "sector: [health]\n" if n % 2 else ""
        pages[f"guidelines/p{n:03d}.md"] = page(f"Page {n}", "guideline", extra,
                                                prose(200 + n, words=160, topic=TOPICS[n % 4]))
    return pages


def full_pass_now(index_dir: Path, taxonomy: object) -> dict:
    """Every list scored from the index as it is, under the cache's snapshot."""
    _entries, snap = related_cache.read_cache(index_dir, terms=False)
    assert snap is not None
    ix = open_index(index_dir)
    try:
        with ix.searcher() as searcher:
            entries = related_cache.sync(searcher, {})
            lists, _snap = related_model.full_pass(entries, taxonomy, body_of=related._body_reader(searcher),
                                                   snap=snap)  # type: ignore[arg-type]
    finally:
        ix.close()
    return lists


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Paths whose list is scored (every scoring goes through Model.best)."""
    seen: list[str] = []
    original = related_model.Model.best

    def counted(self, num, text, body_of):  # type: ignore[no-untyped-def]
        seen.append(self.pages[num].path)
        return original(self, num, text, body_of)

    monkeypatch.setattr(related_model.Model, "best", counted)
    return seen


def test_an_update_scores_only_reached_lists_and_equals_a_full_pass(make_hub, tmp_path: Path, calls,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(related_model, "DRIFT_SHARE", 1.0)  # keep the snapshot whatever changes
    # Fewer candidates per page than a topic has pages, as on a large hub: a change
    # then reaches its own topic's lists, not every list.
    monkeypatch.setattr(related_model, "TEXT_CANDIDATES", 8)
    monkeypatch.setattr(related_model, "CONCEPT_CANDIDATES", 8)
    root = make_hub(topic_pages())
    index_dir = tmp_path / "index"
    build_index(load_hub(root), index_dir)
    assert len(calls) == 64
    (root / "guidelines/p061.md").write_text(page("Page 61 again", "guideline", "",
                                                  prose(7, words=160, topic=TOPICS[0])), encoding="utf-8")
    (root / "guidelines/p050.md").unlink()
    (root / "guidelines/p070.md").write_text(page("New page", "guideline", "sector: [health]\n",
                                                  prose(8, words=160, topic=TOPICS[3])), encoding="utf-8")
    calls.clear()
    hub = load_hub(root)
    stats = build_index(hub, index_dir)
    assert (stats.added, stats.updated, stats.removed) == (1, 1, 1)
    assert 2 <= len(calls) < 64  # the changed pages and those they reach, not every page
    assert related_cache.read_cache(index_dir)[1].changed == 3  # type: ignore[union-attr]
    assert related.load(index_dir) == full_pass_now(index_dir, hub.taxonomy)
    assert "guidelines/p050.md" not in json.dumps(related_json := (index_dir / related.RELATED_FILE).read_text())
    assert "Page 61 again" in related_json


def test_a_title_change_reaches_every_list_showing_the_page(make_hub, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(related_model, "DRIFT_SHARE", 1.0)
    pages = topic_pages()
    root = make_hub(pages)
    index_dir = tmp_path / "index"
    build_index(load_hub(root), index_dir)
    listing = [p for p, items in related.load(index_dir).items() if any(i.path == "guidelines/p040.md" for i in items)]
    assert listing
    body = pages["guidelines/p040.md"].split("---\n", 2)[2]
    (root / "guidelines/p040.md").write_text(page("Renamed", "guideline", "", body), encoding="utf-8")
    hub = load_hub(root)
    build_index(hub, index_dir)
    found = related.load(index_dir)
    for path in listing:
        assert [i.title for i in found[path] if i.path == "guidelines/p040.md"] == ["Renamed"]
    assert found == full_pass_now(index_dir, hub.taxonomy)


def test_past_the_drift_share_a_full_pass_gives_what_a_fresh_build_gives(make_hub, tmp_path: Path, calls) -> None:
    root = make_hub(topic_pages())
    index_dir = tmp_path / "index"
    build_index(load_hub(root), index_dir)
    (root / "guidelines/p010.md").unlink()  # 1 of 64 pages: more than DRIFT_SHARE
    calls.clear()
    build_index(load_hub(root), index_dir)
    assert len(calls) == 63
    fresh = tmp_path / "fresh"
    build_index(load_hub(root), fresh, rebuild=True)
    assert (index_dir / related.RELATED_FILE).read_bytes() == (fresh / related.RELATED_FILE).read_bytes()
    assert related_cache.read_cache(index_dir)[1].changed == 0  # type: ignore[union-attr]


def test_a_damaged_snapshot_means_a_full_pass(make_hub, tmp_path: Path, calls, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(related_model, "DRIFT_SHARE", 1.0)
    root = make_hub(topic_pages(16))
    index_dir = tmp_path / "index"
    build_index(load_hub(root), index_dir)
    cache = index_dir / related_cache.CACHE_FILE
    data = json.loads(cache.read_bytes())
    data["snapshot"]["df"] = {"birth": -3}
    cache.write_text(json.dumps(data), encoding="utf-8")
    (root / "guidelines/p003.md").unlink()
    calls.clear()
    build_index(load_hub(root), index_dir)
    assert len(calls) == 15


def test_a_full_pass_after_updates_gives_what_a_fresh_build_gives(make_hub, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages kept through updates still have their terms when the next full pass needs them."""
    monkeypatch.setattr(related_model, "DRIFT_SHARE", 1.0)
    root = make_hub(topic_pages(24))
    index_dir = tmp_path / "index"
    build_index(load_hub(root), index_dir)
    (root / "guidelines/p005.md").write_text(page("Page 5 again", "guideline", "",
                                                  prose(9, words=160, topic=TOPICS[1])), encoding="utf-8")
    build_index(load_hub(root), index_dir)  # an update: the cache is rewritten
    monkeypatch.setattr(related_model, "DRIFT_SHARE", 0.0)
    (root / "guidelines/p006.md").unlink()
    build_index(load_hub(root), index_dir)  # a full pass from the cache and the terms file
    fresh = tmp_path / "fresh"
    build_index(load_hub(root), fresh, rebuild=True)
    assert (index_dir / related.RELATED_FILE).read_bytes() == (fresh / related.RELATED_FILE).read_bytes()
