"""Near-duplicates: planted copies are found (from the index and in `kmgen check`),
unrelated pages and pages sharing only a template are not."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from conftest import REVIEWED, made_up_words, page, run_kmgen
from kmgen import checks, duplicates
from kmgen.checks import duplicates as duplicate_check
from kmgen.hub import load_hub
from kmgen.index import build_index, open_index

pytestmark = pytest.mark.usefixtures("machine_key")


VOCABULARY = made_up_words(seed=5, draws=4000)
WEIGHTS = [1 / (r + 1) for r in range(len(VOCABULARY))]
TEMPLATE = "## Context\n\n{0}\n\n## What was done\n\n{1}\n\n## Results\n\n{2}\n"


def words(seed: int, n: int) -> list[str]:
    return random.Random(seed).choices(VOCABULARY, weights=WEIGHTS, k=n)


def with_changes(original: list[str], share: float, seed: int) -> list[str]:
    """`share` of the words replaced by other words, at random places."""
    rng = random.Random(seed)
    out = list(original)
    for i in rng.sample(range(len(out)), round(len(out) * share)):
        out[i] = rng.choice(VOCABULARY[2000:])
    return out


def body(ws: list[str]) -> str:
    third = len(ws) // 3
    return TEMPLATE.format(" ".join(ws[:third]), " ".join(ws[third:2 * third]), " ".join(ws[2 * third:]))


ORIGINAL = words(1, 600)
PAGES = {
    "guidelines/original.md": page("Running a registration drive", "guideline",
                                   "last_reviewed: 2025-01-10\n", body(ORIGINAL)),
    "guidelines/exact-copy.md": page("Registration drives, step by step", "guideline", "", body(ORIGINAL)),
    "guidelines/edited-copy.md": page("How to run a registration drive", "guideline", "",
                                      body(with_changes(ORIGINAL, 0.03, seed=2))),
    "guidelines/other-a.md": page("Paying farmers", "guideline", "", body(words(3, 600))),
    "guidelines/other-b.md": page("Clinic staffing", "guideline", "", body(words(4, 600))),
    "guidelines/stub.md": page("Paying farmers", "guideline", "", "To be written.\n"),
    "guidelines/short-a.md": page("Short A", "guideline", "", "Some text.\n"),
    "guidelines/short-b.md": page("Short B", "guideline", "", "Some text.\n"),
}
# (the `page` fixture dates every page REVIEWED, a month ago; the original is older, as it would be)
PAGES["guidelines/original.md"] = PAGES["guidelines/original.md"].replace(f"last_reviewed: {REVIEWED}\n", "", 1)


def pairs_of(found: list[duplicates.Pair]) -> dict[tuple[str, str], str]:
    return {(p.a, p.b): p.kind for p in found}


EXPECTED = {
    ("guidelines/exact-copy.md", "guidelines/original.md"): "exact",
    ("guidelines/edited-copy.md", "guidelines/exact-copy.md"): "near",
    ("guidelines/edited-copy.md", "guidelines/original.md"): "near",
    ("guidelines/other-a.md", "guidelines/stub.md"): "title",
}


def test_three_percent_of_words_changed_stays_well_above_the_threshold() -> None:
    a = duplicates.shingles(tuple(ORIGINAL))
    b = duplicates.shingles(tuple(with_changes(ORIGINAL, 0.03, seed=2)))
    assert 0.75 < duplicates.jaccard(a, b) < 0.9
    c = duplicates.shingles(tuple(words(3, 600)))
    assert duplicates.jaccard(a, c) < 0.05


def test_planted_pairs_are_found_from_the_index(make_hub, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index(load_hub(make_hub(PAGES)), index_dir)
    ix = open_index(index_dir)
    try:
        found = duplicates.find_in_index(ix)
    finally:
        ix.close()
    assert pairs_of(found) == EXPECTED
    by_pair = {(p.a, p.b): p for p in found}
    assert by_pair[("guidelines/exact-copy.md", "guidelines/original.md")].similarity == 1.0
    near = by_pair[("guidelines/edited-copy.md", "guidelines/original.md")]
    assert 0.75 < near.similarity < 0.9
    assert near.describe() == f"{round(near.similarity * 100)}% of their wording is the same"
    stub = by_pair[("guidelines/other-a.md", "guidelines/stub.md")]
    assert stub.describe() == "the same title; guidelines/stub.md is a stub of 3 words"


def test_planted_pairs_are_found_without_an_index(make_hub) -> None:
    assert pairs_of(duplicates.find_in_hub(load_hub(make_hub(PAGES)))) == EXPECTED


def test_the_threshold_is_respected(make_hub) -> None:
    hub = load_hub(make_hub(PAGES))
    strict = pairs_of(duplicates.find_in_hub(hub, threshold=0.95))
    assert ("guidelines/edited-copy.md", "guidelines/original.md") not in strict
    assert ("guidelines/exact-copy.md", "guidelines/original.md") in strict


def test_pages_sharing_only_a_template_are_not_duplicates(make_hub) -> None:
    shared = " ".join(words(9, 60))  # a common introduction paragraph
    files = {f"guidelines/p{i}.md": page(f"Page {i}", "guideline", "",
                                         body(shared.split() + words(20 + i, 400))) for i in range(6)}
    assert duplicates.find_in_hub(load_hub(make_hub(files))) == []


def test_kmgen_check_warns_on_the_newcomer(make_hub) -> None:
    hub = load_hub(make_hub(PAGES))
    diags = sorted(duplicate_check.check(hub, checks.CheckOptions()), key=lambda d: (d.path, d.code))
    assert [(d.path, d.code, d.severity) for d in diags] == [
        ("guidelines/edited-copy.md", "KM701", "warning"),  # vs the older original
        ("guidelines/exact-copy.md", "KM701", "warning"),  # vs the edited copy: same date and length, later path
        ("guidelines/exact-copy.md", "KM702", "warning"),
        ("guidelines/stub.md", "KM703", "warning"),
    ]
    exact = diags[2]
    assert exact.message == "the text is an exact copy of guidelines/original.md ('Running a registration drive')"
    assert exact.hint == "consider improving guidelines/original.md instead, or make clear how this page differs"
    assert diags[3].to_text() == ("guidelines/stub.md:2: KM703 warning: a stub of 3 words with the same title "
                                  "as guidelines/other-a.md (consider improving guidelines/other-a.md instead)")
    assert duplicate_check.check in checks.registered()


def test_kmgen_check_prints_the_warnings_and_still_passes(make_hub) -> None:
    root = make_hub(PAGES)
    proc = run_kmgen("check", "--content", str(root))
    assert proc.returncode == 0
    assert "guidelines/exact-copy.md: KM702 warning: the text is an exact copy of guidelines/original.md" in proc.stdout
    assert "KM701" in proc.stdout and "KM703" in proc.stdout and "short-a" not in proc.stdout


def test_kmgen_duplicates_text_and_json(make_hub, tmp_path: Path) -> None:
    root = make_hub(PAGES)
    index_dir = tmp_path / "index"
    run_kmgen("index", "--content", str(root), "--index-dir", str(index_dir), check=True)
    proc = run_kmgen("duplicates", "--index-dir", str(index_dir), check=True)
    lines = proc.stdout.splitlines()
    assert lines[0] == "1.00  guidelines/exact-copy.md  <->  guidelines/original.md"
    assert lines[1] == "      exact: the same text word for word"
    assert lines[-1] == "4 duplicate pairs among 8 indexed pages"
    proc = run_kmgen("duplicates", "--index-dir", str(index_dir), "--format", "json", check=True)
    data = json.loads(proc.stdout)
    assert {(d["a"], d["b"]): d["kind"] for d in data} == EXPECTED
    assert set(data[0]) == {"a", "b", "kind", "similarity", "title_a", "title_b", "words_a", "words_b", "reason"}


def test_kmgen_duplicates_needs_an_index(tmp_path: Path) -> None:
    proc = run_kmgen("duplicates", "--index-dir", str(tmp_path / "none"))
    assert proc.returncode == 1 and "run 'kmgen index' first" in proc.stderr


SAMPLE = Path(__file__).resolve().parent.parent / "content"


def test_the_sample_hub_has_no_duplicate_pairs(tmp_path: Path) -> None:
    hub = load_hub(SAMPLE)
    assert duplicates.find_in_hub(hub) == []
    build_index(hub, tmp_path / "index")
    ix = open_index(tmp_path / "index")
    try:
        assert duplicates.find_in_index(ix) == []
    finally:
        ix.close()
