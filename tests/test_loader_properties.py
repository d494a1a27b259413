"""Properties of the loader of record: any bytes give a Document or diagnostics (never
an exception), and what it accepts is self-consistent."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmgen.content import parse_document
from kmgen.frontmatter_edit import EditRefused, edit_front_matter, remove_leading_blank_lines

# Pieces that steer random files into the loader's edge cases: fences, BOMs, line
# endings, YAML syntax that is refused (tags, anchors, aliases), flow collections.
_PIECES = st.sampled_from([
    "---", "...", "+++", "\ufeff", "\r\n", "\r", "\n", "\n\n", " ", "\t", "title", "summary", ":", ": ", "- ",
    "&a ", "*a", "!!python/object ", "!x ", "[", "]", "{", "}", ",", "'", '"', "#", "|", ">", "? ", "~",
    "NO", "1.10", "2026-02-30", "2013-12-02 10:58:53 -0400", "\x00", "\u202e", "\u200b", "é", "<<: ",
])


@st.composite
def _files(draw: st.DrawFn) -> bytes:
    text = "".join(draw(st.lists(st.one_of(_PIECES, st.text(max_size=5)), max_size=40)))
    encoded = text.encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        return encoded
    return draw(st.binary(max_size=40)) + encoded


def _check_result(data: bytes) -> None:
    doc, diags = parse_document("p.md", data)
    assert doc is not None or any(d.severity == "error" for d in diags)
    for d in diags:
        assert d.path == "p.md" and d.line >= 0 and d.code.startswith("KM") and d.message
    if doc is None:
        return
    text = data.decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    assert "\n".join(lines[doc.body_line - 1:]) == doc.body  # the body the site is given starts where it says
    assert all(isinstance(k, str) for k in doc.fields)
    if doc.has_front_matter:
        assert lines[doc.front_matter_start - 1].rstrip() == "---"
        assert all(doc.front_matter_start < line < doc.front_matter_end for line in doc.lines.values())


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_any_bytes_give_a_document_or_diagnostics(data: bytes) -> None:
    _check_result(data)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_files())
def test_any_front_matter_like_file_gives_a_document_or_diagnostics(data: bytes) -> None:
    _check_result(data)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_files())
def test_a_no_op_guarded_edit_is_the_identity(data: bytes) -> None:
    doc, _ = parse_document("p.md", data)
    if doc is None or not doc.has_front_matter:
        return
    assert edit_front_matter(data, {}) is data
    try:
        tidy = remove_leading_blank_lines(data)
    except EditRefused:
        return
    if doc.front_matter_start == 1:
        assert tidy is data
    else:
        assert data.endswith(tidy.removeprefix(b"\xef\xbb\xbf")) and len(tidy) < len(data)
        new, _ = parse_document("p.md", tidy)
        assert new is not None and dict(new.fields) == dict(doc.fields) and new.body == doc.body
