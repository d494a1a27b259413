"""Foreign front-matter keys get what they mean in kmgen, not the nearest spelling;
dates in the shapes other generators write are shown, and fixed, as YYYY-MM-DD."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from conftest import REVIEWED, page, run_kmgen
from kmgen.content import parse_document
from kmgen.dates import normalise_date
from kmgen.schema import validate

FACET_KEYS = ("audience", "sector", "building_blocks")


def _hint(line: str) -> str:
    doc, _ = parse_document("p.md", page(extra=line + "\n").encode())
    assert doc is not None
    (diag,) = [d for d in validate(doc, FACET_KEYS) if d.code == "KM210"]
    assert (diag.line, diag.severity) == (7, "error")
    return diag.hint


@pytest.mark.parametrize(("line", "wanted", "not_wanted"), [
    ("subtitle: More words", "'summary'", "'title'"),
    ("deck: More words", "'summary'", "did you mean"),
    ("description: More words", "'summary'", "did you mean"),
    ("excerpt: More words", "'summary'", "did you mean"),
    ("draft: true", "status: draft", "did you mean"),
    ("draft: false", "published unless", "did you mean"),
    ("categories: [health]", "'tags:'", "did you mean"),
    ("topics: [health]", "a facet field such as 'audience:'", "did you mean"),
    ("keywords: [health]", "'tags:'", "did you mean"),
    ("author: Ana", "'contributors'", "did you mean"),
    ("authors: [Ana]", "'contributors'", "did you mean"),
    ("lang: fr", "'language'", "did you mean"),
    ("source: https://example.org/x", "'based_on:'", "source_hash"),
    ("url: /old/address/", "file path", "did you mean"),
    ("lastmod: 2020-01-02", "'last_reviewed' is the date an owner checked", "did you mean"),
    ("layout: post", "site-generator setting", "did you mean"),
    ("permalink: /x/", "site-generator setting", "did you mean"),
    ("weight: 3", "site-generator setting", "did you mean"),
    ("nav_order: 3", "site-generator setting", "did you mean"),
])
def test_foreign_keys_get_their_meaning(line: str, wanted: str, not_wanted: str) -> None:
    hint = _hint(line)
    assert wanted in hint and not_wanted not in hint
    if "site-generator" in wanted or "url" in line or "lastmod" in line:
        assert "source_meta:" in hint


def test_a_plain_typo_still_gets_the_nearest_spelling() -> None:
    assert _hint("sumary: x") == "did you mean 'summary'?"


@pytest.mark.parametrize(("value", "expected"), [
    ("2013-12-02 10:58:53 -0400", dt.date(2013, 12, 2)),
    ("2017-07-08 3:46:23 -0400", dt.date(2017, 7, 8)),
    ("2013-12-02T10:58:53Z", dt.date(2013, 12, 2)),
    ("2013-12-2", dt.date(2013, 12, 2)),
    ("2013/12/02", dt.date(2013, 12, 2)),
    ("2 December 2013", dt.date(2013, 12, 2)),
    ("Dec 2, 2013", dt.date(2013, 12, 2)),
    ("December 2 2013", dt.date(2013, 12, 2)),
    ("25/12/2013", dt.date(2013, 12, 25)),
    ("12/25/2013", dt.date(2013, 12, 25)),
    ("02/02/2013", dt.date(2013, 2, 2)),
    ("02/03/2013", None),  # 2 March or 3 February: never guessed
    ("2013-02-30", None),
    ("yesterday", None),
    (20131202, None),
])
def test_dates_are_normalised_only_when_unambiguous(value: object, expected: dt.date | None) -> None:
    assert normalise_date(value) == expected


def test_date_hint_shows_the_value_it_would_accept() -> None:
    doc, _ = parse_document("p.md", page().replace(f"last_reviewed: {REVIEWED}", "last_reviewed: 2013-12-02 10:58:53 -0400")
                            .encode())
    assert doc is not None
    (diag,) = [d for d in validate(doc, FACET_KEYS) if d.code == "KM221"]
    assert diag.line == 6 and "last_reviewed: 2013-12-02" in diag.hint and "--fix" in diag.hint


def test_ambiguous_date_hint_names_both_readings() -> None:
    doc, _ = parse_document("p.md", page().replace(f"last_reviewed: {REVIEWED}", "last_reviewed: 02/03/2013").encode())
    assert doc is not None
    (diag,) = [d for d in validate(doc, FACET_KEYS) if d.code == "KM221"]
    assert "2013-03-02" in diag.hint and "2013-02-03" in diag.hint


def test_check_fix_writes_a_date_it_can_normalise_and_leaves_an_ambiguous_one(make_hub) -> None:
    fixable = page(type_="cop-output", extra='community: "X"\ndate: "Dec 2, 2013"  # from Jekyll\n').replace(
        f"last_reviewed: {REVIEWED}", "last_reviewed: 2016-02-03 10:58:53 -0400")
    ambiguous = page().replace(f"last_reviewed: {REVIEWED}", "last_reviewed: 02/03/2013")
    root = make_hub({"fix.md": fixable, "amb.md": ambiguous})
    proc = run_kmgen("check", "--fix", str(root), "--format", "json")
    assert (root / "fix.md").read_text() == fixable.replace(
        "2016-02-03 10:58:53 -0400", "2016-02-03").replace('"Dec 2, 2013"', "2013-12-02")
    assert (root / "amb.md").read_text() == ambiguous
    codes = {(d["path"], d["code"]) for d in json.loads(proc.stdout)}
    assert ("amb.md", "KM221") in codes and ("fix.md", "KM221") not in codes
