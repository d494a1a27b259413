"""The guarded front-matter edit behind `kmgen check --fix` and `kmgen tag --apply`."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import MINI_TAXONOMY, page, run_kmgen
from kmgen import facets
from kmgen.content import parse_document
from kmgen.fixing import canonical_changes
from kmgen.frontmatter_edit import EditRefused, edit_front_matter, remove_leading_blank_lines, set_terms
from kmgen.taxonomy import load_taxonomy
from kmgen.writes import write_atomic


def _tax():
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "taxonomy.yml").write_text(MINI_TAXONOMY, encoding="utf-8")
        tax, diags = load_taxonomy(Path(tmp))
    assert not diags
    return tax


TAX = _tax()


# -- set_terms, by example ----------------------------------------------------
@pytest.mark.parametrize(("before", "key", "values", "after"), [
    # flow list: trailing comment and the quoting of each item kept
    (b'---\naudience: [civil servents, "Public servants"]  # who\n---\nx',
     "audience", ["civil-servants", "leaders"], b'---\naudience: [civil-servants, "leaders"]  # who\n---\nx'),
    # block list, CRLF, BOM, comments, a value YAML would misread gets quoted
    (b"\xef\xbb\xbf---\r\naudience:\r\n  - civil servents  # a\r\n# between\r\n  - 'Public'\r\nz: 1\r\n---\r\nbody",
     "audience", ["civil-servants", "x y", "no"],
     b"\xef\xbb\xbf---\r\naudience:\r\n  - civil-servants  # a\r\n# between\r\n  - 'x y'\r\n  - 'no'\r\nz: 1\r\n---\r\nbody"),
    # an indentless block list shrinks by whole lines
    (b"---\nsector:\n- a\n- b\n- c\ntitle: t\n---\n", "sector", ["a"], b"---\nsector:\n- a\ntitle: t\n---\n"),
    # a scalar stays a scalar; comment kept
    (b"---\ncountry: Togo # here\n---\nx", "country", "togo", b"---\ncountry: togo # here\n---\nx"),
    (b"---\ncountry: Togo # here\n---\nx", "country", ["togo"], b"---\ncountry: togo # here\n---\nx"),
    # ... and becomes a flow list when it gains a second value
    (b"---\nsector: health\n---\nx", "sector", ["health", "agriculture"],
     b"---\nsector: [health, agriculture]\n---\nx"),
    # a missing key is added last; an empty front matter too
    (b"---\ntitle: t\n---\nx", "sector", ["health"], b"---\ntitle: t\nsector: [health]\n---\nx"),
    (b"---\n---\nx", "reuse", "original", b"---\nreuse: original\n---\nx"),
    # an empty value is filled on its own line, keeping the comment
    (b"---\nsector:   # later\nz: 2\n---\nx", "sector", ["health"], b"---\nsector: [health]  # later\nz: 2\n---\nx"),
    (b"---\nsector: []\n---\nx", "sector", ["health", "agriculture"], b"---\nsector: [health, agriculture]\n---\nx"),
    # no final newline after the closing fence
    (b"---\nsector: [Health]\n---", "sector", ["health"], b"---\nsector: [health]\n---"),
])
def test_set_terms_rewrites_only_the_value(before: bytes, key: str, values, after: bytes) -> None:
    assert set_terms(before, key, values) == after


def test_set_terms_with_the_current_value_returns_the_same_bytes() -> None:
    data = b"---\r\nsector: [health, 'agriculture']  # c\r\ncountry: Togo\r\n---\r\nbody"
    assert set_terms(data, "sector", ["health", "agriculture"]) is data
    assert set_terms(data, "country", "Togo") is data


@pytest.mark.parametrize(("data", "reason"), [
    (b"---\nsector: {a: b}\n---\n", "nested structure"),
    (b"---\nsector:\n  - [a]\n---\n", "nested structure"),
    (b"---\nsector:\n  - a\n  -\n    b\n---\n", "does not start its own"),
    (b"no front matter\n", "does not load"),
    (b"---\nsector: [a\n---\n", "does not load"),
])
def test_set_terms_refuses_what_it_cannot_edit_safely(data: bytes, reason: str) -> None:
    with pytest.raises(EditRefused, match=reason):
        set_terms(data, "sector", ["a"])


def test_canonical_changes_fold_synonyms_and_drop_duplicates() -> None:
    data = page(extra="audience: [civil servents, civil-servants, Policymakers]\ncountry: TG\n"
                      "tags: [CRVS, e-KYC, mystery]\nsector: health\n").encode()
    doc, _ = parse_document("p.md", data)
    assert doc is not None
    assert canonical_changes(doc, TAX) == {"audience": ["civil-servants", "leaders"], "country": "togo",
                                           "tags": ["civil-registration", "identity", "mystery"]}


# -- kmgen check --fix --------------------------------------------------------
def test_check_fix_rewrites_synonyms_and_a_second_run_writes_nothing(make_hub) -> None:
    body = "# Heading\r\n\r\nText with CRLF, a trailing space \r\nand no final newline"
    messy = page(type_="case-study", extra="audience:  # who reads it\n  - Public servants\n  - developers\n"
                 "country: 'KE'\nperiod: \"2020\"\n", body="").replace("\n", "\r\n").encode() + body.encode()
    root = make_hub({"cs.md": b"\xef\xbb\xbf" + messy, "clean.md": page(extra="sector: [health]\n")})
    clean_stat = os.stat(root / "clean.md")
    proc = run_kmgen("check", "--fix", str(root))
    assert proc.returncode == 0, proc.stdout
    assert "fixed cs.md" in proc.stderr and "clean.md" not in proc.stderr
    fixed = (root / "cs.md").read_bytes()
    assert fixed == b"\xef\xbb\xbf" + messy.replace(b"Public servants", b"civil-servants").replace(
        b"'KE'", b"'kenya'")
    assert "KM312" not in run_kmgen("check", str(root)).stdout
    again = run_kmgen("check", "--fix", str(root))
    assert "fixed" not in again.stderr
    assert (root / "cs.md").read_bytes() == fixed
    after = os.stat(root / "clean.md")
    assert (after.st_ino, after.st_mtime_ns) == (clean_stat.st_ino, clean_stat.st_mtime_ns)


def test_check_fix_leaves_a_file_it_cannot_edit_safely_and_says_so(make_hub) -> None:
    data = page(extra="audience:\n  - civil servents\n  -\n    civil-servants\n").encode()
    root = make_hub({"odd.md": data})
    proc = run_kmgen("check", "--fix", str(root), "--format", "json")
    assert (root / "odd.md").read_bytes() == data
    codes = [(d["code"], d["line"]) for d in json.loads(proc.stdout)]
    assert ("KM320", 7) in codes and ("KM312", 8) in codes
    assert "fixed" not in proc.stderr


# -- property: random valid front matter and bodies ------------------------------
def _spellings(concept_id: str) -> list[str]:
    c = TAX.concepts[concept_id]
    return [c.id, c.label, *c.alt_labels, *c.hidden_labels]


_TERMED_KEYS = {"audience": "audience", "sector": "sector", "building_blocks": "building-block",
                "delivery": "delivery-mode", "geography": "geography", "tags": None}


@st.composite
def _term(draw: st.DrawFn, facet: str | None) -> str:
    ids = [cid for cid, c in TAX.concepts.items() if facet is None or c.facet == facet]
    word = draw(st.sampled_from(_spellings(draw(st.sampled_from(sorted(ids))))))
    case = draw(st.sampled_from([str, str.lower, str.upper, str.title]))
    sep = draw(st.sampled_from([" ", "-", "_"]))
    return case(word).replace(" ", sep)


def _scalar(draw: st.DrawFn, text: str) -> str:
    plain_safe = all(ch.isalnum() or ch in " -_" for ch in text) and text.lower() not in (
        "no", "yes", "on", "off", "true", "false", "null", "y", "n")
    style = draw(st.sampled_from(["plain", "single", "double"] if plain_safe else ["single", "double"]))
    if style == "plain":
        return text
    return "'" + text.replace("'", "''") + "'" if style == "single" else json.dumps(text, ensure_ascii=False)


@st.composite
def _front_matter(draw: st.DrawFn) -> list[str]:
    title = draw(st.text(st.characters(categories=("L", "N", "P", "S", "Zs")), max_size=20))
    lines = [f"title: {json.dumps(title, ensure_ascii=False)}"]
    keys = draw(st.lists(st.sampled_from(sorted(_TERMED_KEYS)), unique=True, max_size=4))
    for key in keys:
        terms = draw(st.lists(_term(_TERMED_KEYS[key]), min_size=1, max_size=3))
        comment = draw(st.sampled_from(["", "  # note", " #x"]))
        form = draw(st.sampled_from(["flow", "block", "indentless"] + (["scalar"] if len(terms) == 1 else [])))
        if form == "scalar":
            lines.append(f"{key}: {_scalar(draw, terms[0])}{comment}")
        elif form == "flow":
            lines.append(f"{key}: [{', '.join(_scalar(draw, t) for t in terms)}]{comment}")
        else:
            lines.append(f"{key}:{comment}")
            indent = "  " if form == "block" else ""
            lines.extend(f"{indent}- {_scalar(draw, t)}{draw(st.sampled_from(['', '  # item']))}" for t in terms)
        if draw(st.booleans()):
            lines.append("# a comment line: kept as is")
    return lines


@st.composite
def _file(draw: st.DrawFn) -> bytes:
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    body = draw(st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00\r"), max_size=80))
    body = body.replace("\n", newline)
    blank = draw(st.sampled_from(["", "", newline, newline + " " + newline]))  # KM140
    close = draw(st.sampled_from(["---", "---", "..."]))  # KM141
    text = blank + newline.join(["---", *draw(_front_matter()), close])
    text += newline + body if body else draw(st.sampled_from(["", newline]))
    return (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + text.encode("utf-8")


def _split_at_fences(data: bytes) -> tuple[bytes, bytes]:
    """(BOM, blank lines and opening fence line, closing fence line and everything after it)."""
    first = data.index(b"---") + data[data.index(b"---"):].index(b"\n") + 1
    lines = data[first:].split(b"\n")
    offset = first
    for line in lines:
        if line.rstrip(b"\r") in (b"---", b"..."):
            return data[:first], data[offset:]
        offset += len(line) + 1
    raise AssertionError("no closing fence")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_file())
def test_fix_changes_only_front_matter_bytes_and_is_idempotent(data: bytes) -> None:
    doc, _ = parse_document("p.md", data)
    assert doc is not None
    changes = canonical_changes(doc, TAX)
    out = edit_front_matter(data, changes)
    if not changes:
        assert out is data
        return
    head, tail = _split_at_fences(data)
    new_head, new_tail = _split_at_fences(out)
    assert (new_head, new_tail) == (head, tail)
    new, _ = parse_document("p.md", out)
    assert new is not None and new.body == doc.body
    assert facets.resolve(new, TAX)[0] == facets.resolve(doc, TAX)[0]
    for line in data.split(b"\n"):
        if line.lstrip().startswith(b"#") or b"title:" in line:
            assert line in out.split(b"\n")
    assert canonical_changes(new, TAX) == {}
    assert edit_front_matter(out, {}) is out


@settings(max_examples=200, deadline=None)
@given(_file())
def test_rewriting_current_values_changes_nothing(data: bytes) -> None:
    doc, _ = parse_document("p.md", data)
    assert doc is not None
    for key, value in doc.fields.items():
        if isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            assert set_terms(data, key, value) is data


@settings(max_examples=200, deadline=None)
@given(_file(), st.data())
def test_adding_terms_changes_only_front_matter_bytes(data: bytes, more: st.DataObject) -> None:
    doc, _ = parse_document("p.md", data)
    assert doc is not None
    key = more.draw(st.sampled_from(sorted(_TERMED_KEYS)))
    facet = _TERMED_KEYS[key]
    ids = sorted(cid for cid, c in TAX.concepts.items() if facet is None or c.facet == facet)
    added = more.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=2))
    old = doc.fields.get(key)
    values = (old if isinstance(old, list) else [old] if isinstance(old, str) else []) + added
    out = set_terms(data, key, values)
    assert _split_at_fences(out) == _split_at_fences(data)
    new, _ = parse_document("p.md", out)
    assert new is not None and new.body == doc.body
    assert new.fields[key] == values
    assert [k for k in new.fields if k != key] == [k for k in doc.fields if k != key]
    for line in data.split(b"\n"):
        if line.lstrip().startswith(b"#"):
            assert line in out.split(b"\n")


# -- front matter after blank lines, '...' closers, file modes -----------------------
@pytest.mark.parametrize(("before", "after"), [
    (b"\n\n---\ntitle: a\nsector: health\n---\nbody\n", b"\n\n---\ntitle: a\nsector: agriculture\n---\nbody\n"),
    (b"\xef\xbb\xbf\r\n---\r\nsector: health\r\n...\r\nbody", b"\xef\xbb\xbf\r\n---\r\nsector: agriculture\r\n...\r\nbody"),
    (b"---\nsector: health\n...", b"---\nsector: agriculture\n..."),
])
def test_edits_work_wherever_the_loader_finds_front_matter(before: bytes, after: bytes) -> None:
    assert set_terms(before, "sector", "agriculture") == after


@pytest.mark.parametrize(("before", "after"), [
    (b"\n\n---\ntitle: a\n---\nbody\n", b"---\ntitle: a\n---\nbody\n"),
    (b"\xef\xbb\xbf \t\r\n\r\n---\r\ntitle: a\r\n...\r\n\r\nbody", b"\xef\xbb\xbf---\r\ntitle: a\r\n...\r\n\r\nbody"),
    (b"---\ntitle: a\n---\n", b"---\ntitle: a\n---\n"),
])
def test_removing_leading_blank_lines_changes_nothing_else(before: bytes, after: bytes) -> None:
    out = remove_leading_blank_lines(before)
    assert out == after
    assert (out is before) == (before == after)


def test_blank_lines_in_old_mac_line_endings_are_left_alone() -> None:
    with pytest.raises(EditRefused, match="carriage returns"):
        remove_leading_blank_lines(b"\r\r---\rtitle: a\r---\rbody\r")


def test_check_fix_removes_blank_lines_before_front_matter_and_keeps_file_modes(make_hub) -> None:
    body = "\n\n# Body\n\nText.\n"
    blank = "\n \n" + page(extra="audience: [Public servants]\n", body=body)
    root = make_hub({"blank.md": blank, "synonym.md": page(extra="audience: [Public servants]\n")})
    (root / "blank.md").chmod(0o664)
    (root / "synonym.md").chmod(0o640)
    before = run_kmgen("check", str(root), "--format", "json")
    assert ("blank.md", 3, "KM140") in {(d["path"], d["line"], d["code"]) for d in json.loads(before.stdout)}
    proc = run_kmgen("check", "--fix", str(root))
    assert proc.returncode == 0, proc.stdout
    assert (root / "blank.md").read_text() == blank[3:].replace("Public servants", "civil-servants")
    assert "KM140" not in run_kmgen("check", str(root)).stdout
    assert (root / "blank.md").stat().st_mode & 0o7777 == 0o664
    assert (root / "synonym.md").stat().st_mode & 0o7777 == 0o640


def test_tag_apply_keeps_the_file_mode(make_hub) -> None:
    from test_tag import PAGES

    root = make_hub(PAGES)
    target = root / "guidelines" / "farm-payments.md"
    target.chmod(0o644)
    before = target.read_bytes()
    run_kmgen("tag", str(target), "--content", str(root), "--apply", "--min-confidence", "0.5", check=True)
    assert target.read_bytes() != before
    assert target.stat().st_mode & 0o7777 == 0o644


def test_atomic_writes_keep_an_existing_mode_and_make_new_files_readable(tmp_path: Path) -> None:
    old = tmp_path / "old.md"
    old.write_bytes(b"a")
    old.chmod(0o600)
    write_atomic(old, b"b")
    assert old.read_bytes() == b"b" and old.stat().st_mode & 0o7777 == 0o600
    old.chmod(0o755)
    write_atomic(old, b"c")
    assert old.stat().st_mode & 0o7777 == 0o755
    umask = os.umask(0o022)
    try:
        write_atomic(tmp_path / "new.json", b"{}")
    finally:
        os.umask(umask)
    assert (tmp_path / "new.json").stat().st_mode & 0o7777 == 0o644
