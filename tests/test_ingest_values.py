"""Foreign front matter: framing tolerated, values normalised, hostile YAML refused."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from kmgen.ingest import values
from kmgen.ingest.frontmatter import ForeignFrontMatterError, split


@pytest.mark.parametrize(("written", "iso"), [
    ("2017-07-08 3:46:23 -0400", "2017-07-08T03:46:23-04:00"),
    ("2016-02-03 10:58:53 -0400", "2016-02-03T10:58:53-04:00"),
    ("2022-07-05T14:30:00.000Z", "2022-07-05T14:30:00Z"),
    ("2023-06-29T09:04:40", "2023-06-29T09:04:40"),
    ("2021-08-05", "2021-08-05"),
    ("2019-1-8", "2019-01-08"),
    ("March 4, 2020", "2020-03-04"),
    ("2020-02-30", None),
    ("soon", None),
])
def test_dates_in_the_shapes_real_sites_write(written: str, iso: str | None) -> None:
    assert values.iso_date(written) == iso


def test_unquoted_yaml_datetimes_keep_their_zone() -> None:
    loaded = yaml.safe_load("date: 2019-01-08T14:00:00.000Z\nday: 2021-08-05\n")
    notes: list[str] = []
    assert values.normalise("date", loaded["date"], notes) == "2019-01-08T14:00:00+00:00"
    assert values.normalise("day", loaded["day"], notes) == "2021-08-05"
    assert isinstance(loaded["day"], dt.date) and notes


def test_entities_lists_nulls_and_numbers() -> None:
    notes: list[str] = []
    assert values.normalise("title", " A&#47;B &amp; C ", notes) == "A/B & C"
    assert values.normalise("tags", "a, b ,c", notes) == ["a", "b", "c"]
    assert values.normalise("questions", ["#infra", None], notes) == ["#infra"]
    assert values.normalise("weight", "1,200", notes) == 1200
    assert values.normalise("title", "Hello, world", notes) == "Hello, world"  # not a list key
    assert any("null" in n for n in notes) and any("thousands" in n for n in notes)
    assert values.plain_text("<p>The <em>first</em>&nbsp;post.</p>") == "The first post."


@pytest.mark.parametrize(("data", "title", "note"), [
    (b"\xef\xbb\xbf---\ntitle: BOM\n---\nbody\n", "BOM", "byte-order mark removed"),
    (b"---\r\ntitle: CRLF\r\n---\r\nbody\r\n", "CRLF", "CRLF line endings read as LF"),
    (b"\n\n---\ntitle: Late\n---\nbody\n", "Late", "blank lines before the front matter ignored"),
    (b"---\ntitle: Dots\n...\nbody\n", "Dots", "front matter closed with '...'"),
    (b"---\ntitle: End\n---", "End", None),
    (b"+++\ntitle = 'TOML'\n+++\nbody\n", "TOML", None),
    (b'{\n"title": "JSON"\n}\nbody\n', "JSON", None),
])
def test_front_matter_framing_real_repositories_use(data: bytes, title: str, note: str | None) -> None:
    page = split(data)
    assert page.fields["title"] == title
    if note:
        assert note in page.notes


@pytest.mark.parametrize(("data", "message"), [
    (b"---\na: &x [1]\nb: *x\n---\n", "aliases"),
    (b"---\na: !!python/object:os.system x\n---\n", "tag"),
    (b"---\ntitle: never closed\n", "never closed"),
    (b"---\n- a list\n---\n", "not a set of fields"),
    (b"\xff\xfe", "UTF-8"),
])
def test_untrusted_front_matter_is_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(ForeignFrontMatterError, match=message):
        split(data)


@pytest.mark.parametrize(("files", "fmt", "why"), [
    (["hugo.toml", "content/a.md"], "hugo", "hugo.toml"),
    (["config.yaml", "content/a.md"], "hugo", "config.yaml"),
    (["_config.yml", "a.md"], "jekyll", "_config.yml"),
    ([".eleventy.js", "src/a.md"], "eleventy", ".eleventy.js"),
    (["eleventy.config.mjs", "a.md"], "eleventy", "eleventy.config.mjs"),
    ([".gitbook.yaml", "a.md"], "gitbook", ".gitbook.yaml"),
    (["SUMMARY.md", "a.md"], "gitbook", "SUMMARY.md"),
    (["a.md", "b/c.md"], "markdown", "no generator configuration"),
])
def test_format_detected_from_the_tree_with_the_reason(tmp_path, files: list[str], fmt: str, why: str) -> None:
    from kmgen.ingest.sourcetree import open_tree

    for rel in files:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("# x\n")
    tree = open_tree(tmp_path)
    assert tree.format == fmt and why in tree.why
    if fmt == "eleventy" and files[1].startswith("src/"):
        assert tree.page_root == "src"


@pytest.mark.parametrize("fmt", ["hugo", "jekyll", "eleventy", "gitbook"])
def test_sample_mapping_files_load_and_name_real_concepts(fmt: str) -> None:
    from pathlib import Path

    from kmgen import schema
    from kmgen.ingest.mapping import load_mapping
    from kmgen.taxonomy import load_taxonomy

    repo = Path(__file__).resolve().parent.parent
    mapping = load_mapping(repo / "docs" / "ingest" / f"{fmt}.yml", fmt, (*schema.TYPES, schema.PAGE_TYPE))
    taxonomy, _ = load_taxonomy(repo / "content")
    assert all(concept in taxonomy.concepts for concept in mapping.vocabulary.values())
    assert all(type_id in schema.TYPES and not schema.TYPES[type_id].required
               for type_id in [mapping.default_type, *(t for _glob, t in mapping.types_by_path)])
