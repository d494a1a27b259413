"""Strict loading: every hostile or odd file is reported with file and line, never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REVIEWED, page
from kmgen.content import MAX_FILE_BYTES, parse_document
from kmgen.hub import load_hub


def codes(diags):
    return [(d.code, d.line) for d in diags if d.severity == "error"]


@pytest.mark.parametrize("name, data, code, line", [
    ("tag", b'---\ntitle: !!python/object/apply:os.system ["true"]\n---\n', "KM132", 2),
    ("binary", b"---\ntitle: !!binary aGVsbG8=\n---\n", "KM132", 2),
    ("custom", b"---\ntitle: !custom x\n---\n", "KM132", 2),
    ("anchor", b"---\na: &x hello\ntitle: *x\n---\n", "KM131", 2),
    ("duplicate", b"---\ntitle: a\nsummary: b\ntitle: c\n---\n", "KM135", 4),
    ("nested-dup", b"---\nx:\n  y: 1\n  y: 2\n---\n", "KM135", 4),
    ("int-key", b"---\n1: a\n---\n", "KM134", 2),
    ("null-key", b"---\n~: a\n---\n", "KM134", 2),
    ("map-key", b"---\n? [a, b]\n: c\n---\n", "KM134", 2),
    ("deep", b"---\nx: " + b"[" * 25_000 + b"\n---\n", "KM133", 2),
    ("no-close", b"---\ntitle: a\n", "KM113", 1),
    ("toml", b'+++\ntitle = "a"\n+++\n', "KM111", 1),
    ("json", b'{\n"title": "a"\n}\n', "KM111", 1),
    ("invalid-yaml", b"---\ntitle: [a\nsummary: b\n---\n", "KM130", 3),
    ("not-utf8", b"---\ntitle: caf\xe9\n---\n", "KM103", 2),
    ("list", b"---\n- a\n- b\n---\n", "KM121", 2),
    ("scalar", b"---\njust text\n---\n", "KM121", 2),
])
def test_rejections_name_file_and_line(name: str, data: bytes, code: str, line: int) -> None:
    doc, diags = parse_document(f"{name}.md", data)
    assert doc is None
    assert codes(diags) == [(code, line)]
    assert all(d.path == f"{name}.md" for d in diags)
    assert diags[-1].hint


def test_python_payload_never_runs(tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    data = f'---\ntitle: !!python/object/apply:os.system ["touch {canary}"]\n---\n'.encode()
    parse_document("evil.md", data)
    assert not canary.exists()


def test_size_limits() -> None:
    big_fm = b"---\nsummary: '" + b"a" * (64 * 1024) + b"'\n---\n"
    assert codes(parse_document("fm.md", big_fm)[1]) == [("KM114", 1)]
    huge = b"---\ntitle: a\n---\n" + b"x" * MAX_FILE_BYTES
    assert codes(parse_document("big.md", huge)[1]) == [("KM102", 0)]


@pytest.mark.parametrize("data, note", [
    (b"\xef\xbb\xbf---\ntitle: a\n---\nbody\n", "KM104"),
    (b"---\r\ntitle: a\r\n---\r\nbody\r\n", "KM105"),
    (b"---\ntitle: a\n---", "KM106"),
    (b"---\ntitle: a\n...\nbody\n", "KM141"),
    (b"\n\n---\ntitle: a\n---\nbody\n", "KM140"),
])
def test_accepted_quirks_are_normalised_and_said(data: bytes, note: str) -> None:
    doc, diags = parse_document("q.md", data)
    assert doc is not None and doc.fields["title"] == "a"
    assert [d.code for d in diags] == [note] and diags[0].severity == "note"


def test_document_records_lines_and_body() -> None:
    doc, _ = parse_document("p.md", b"---\ntitle: a\naudience:\n  - x\n  - y\n---\n# Head\ntext\n")
    assert doc is not None
    assert dict(doc.lines) == {"title": 2, "audience": 3}
    assert doc.item_lines["audience"] == (4, 5)
    assert doc.body == "# Head\ntext\n" and doc.body_line == 7
    with pytest.raises(AttributeError):
        doc.body = "changed"  # type: ignore[misc]


def test_yaml_surprises_get_a_quote_hint(make_hub) -> None:
    root = make_hub({"case-studies/n.md": page(type_="case-study", extra="country: NO\nperiod: 2019\n"),
                     "g.md": page(extra="contributors: [yes]\n").replace('title: "A page"', "title: 1.10")})
    hub = load_hub(root)
    msgs = {(d.path, d.line, d.field): d for d in hub.diagnostics if d.code == "KM220"}
    country = msgs[("case-studies/n.md", 7, "country")]
    assert "read 'NO' as true/false" in country.message
    assert country.hint == 'quote this value: country: "NO"'
    assert msgs[("case-studies/n.md", 8, "period")].hint == 'quote this value: period: "2019"'
    assert msgs[("g.md", 2, "title")].hint == 'quote this value: title: "1.10"'
    assert ("g.md", 7, "contributors") in msgs


def test_impossible_date_is_an_error_not_a_crash(make_hub) -> None:
    root = make_hub({"a.md": page().replace(REVIEWED, "2024-02-30")})
    [d] = [d for d in load_hub(root).diagnostics if d.severity == "error"]
    assert (d.line, d.code, d.field) == (6, "KM221", "last_reviewed")
    assert "not a real date" in d.message


def test_one_bad_file_does_not_stop_the_run(make_hub) -> None:
    root = make_hub({
        "a.md": b"---\ntitle: !!python/name:os.system\n---\n",
        "b.md": b"---\ntitle: [\n---\n",
        "c.md": page(title="Good"),
        "d.md": page(extra="sumary: typo\n"),
    })
    hub = load_hub(root)
    assert set(hub.documents) == {"c.md", "d.md"}
    errors = {(d.path, d.code) for d in hub.diagnostics if d.severity == "error"}
    assert errors == {("a.md", "KM132"), ("b.md", "KM130"), ("d.md", "KM210")}
    [typo] = [d for d in hub.diagnostics if d.code == "KM210"]
    assert typo.hint == "did you mean 'summary'?" and typo.line == 7


@pytest.mark.parametrize("data, notes, body, body_line, title_line", [
    # Every way real repositories write front matter, each read as the same fields.
    (b"\n\n---\ntitle: a\n---\nbody\n", ["KM140"], "body\n", 6, 4),
    (b" \t\n---\ntitle: a\n---\nbody\n", ["KM140"], "body\n", 5, 3),
    (b"\xef\xbb\xbf\r\n---\r\ntitle: a\r\n...\r\nbody", ["KM104", "KM105", "KM140", "KM141"], "body", 5, 3),
    (b"\xef\xbb\xbf---\r\ntitle: a\r\n---", ["KM104", "KM105", "KM106"], "", 4, 2),
    (b"---\ntitle: a\n...", ["KM106", "KM141"], "", 4, 2),
    (b"---\ntitle: a\n--- \nbody\n", [], "body\n", 4, 2),
])
def test_front_matter_detection_is_as_robust_as_real_repositories_need(
        data: bytes, notes: list[str], body: str, body_line: int, title_line: int) -> None:
    doc, diags = parse_document("r.md", data)
    assert doc is not None and doc.has_front_matter and dict(doc.fields) == {"title": "a"}
    assert sorted(d.code for d in diags) == notes and all(d.severity == "note" for d in diags)
    assert doc.body == body and doc.body_line == body_line and doc.line_of("title") == title_line


def test_front_matter_after_blank_lines_names_its_line_and_the_fix() -> None:
    doc, diags = parse_document("b.md", b"\n\n---\ntitle: a\n---\n")
    assert doc is not None and doc.front_matter_start == 3
    (note,) = diags
    assert (note.code, note.line) == ("KM140", 3)
    assert "line 3" in note.message and "kmgen check --fix" in note.hint


def test_blank_lines_before_a_non_mapping_are_still_a_page_without_front_matter_rules() -> None:
    # A body that opens with a thematic break is not mistaken for front matter.
    doc, diags = parse_document("hr.md", b"\n---\n\nSome *text*.\n\n---\n\nMore.\n")
    assert doc is not None and not doc.has_front_matter
    assert doc.body.startswith("\n---") and diags == []


def test_the_site_is_given_the_documents_body_for_every_detected_shape(make_hub, tmp_path: Path) -> None:
    """One parser of record: MkDocs renders the body kmgen decided on, never a front-matter line."""
    from kmgen.publish.pages import SitePages
    from kmgen.publish.site import Settings, Site

    fm = page(body="").split("\n")
    dots = "\n".join(fm[:-2] + ["...", "Body one."])
    root = make_hub({
        "blank.md": "\n\n" + page(body="Body two.\n"),
        "dots.md": dots,
        "crlf.md": ("\ufeff" + page(body="Body three.")).replace("\n", "\r\n"),
    })
    hub = load_hub(root)
    assert not [d for d in hub.diagnostics if d.severity == "error"]
    pages = SitePages(Site(hub, Settings()))
    bodies = {p: pages.by_uri[p].markdown for p in ("blank.md", "dots.md", "crlf.md")}
    assert bodies == {"blank.md": "Body two.\n", "dots.md": "Body one.", "crlf.md": "Body three."}


def test_mkdocs_renders_the_body_kmgen_found_for_every_accepted_shape(tmp_path: Path) -> None:
    """A real build: the front matter of a page with blank lines before it, a '...'
    closer, a BOM and CRLF endings never reaches the page, and its title does."""
    from conftest import MINI_TAXONOMY, build_site

    def shaped(title: str, body: str) -> str:
        text = page(title=title, body=body).split("\n")
        return "\n".join(text[:6] + ["source_meta: {layout: secret-layout-77}", "..."] + text[7:])

    files = {
        "taxonomy.yml": MINI_TAXONOMY,
        "blank.md": "\n\n" + shaped("Blank lines first", "Body of the first page.\n"),
        "crlf.md": ("\ufeff" + shaped("Windows page", "Body of the second page.")).replace("\n", "\r\n"),
    }
    site = build_site(tmp_path, files)
    for name, title, body in (("blank", "Blank lines first", "Body of the first page."),
                              ("crlf", "Windows page", "Body of the second page.")):
        html = (site / f"{name}.html").read_text(encoding="utf-8")
        assert title in html and body in html
        assert "secret-layout-77" not in html and "last_reviewed" not in html and "owner: " not in html
