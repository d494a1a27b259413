"""Raw HTML that takes page text with it when published (KM950-KM951), and
kramdown-looking attribute lists that Python-Markdown's attr_list does read (no KM904).

The sanitiser removes `<script>`, `<style>`, `<svg>` ... with everything inside
them, and a browser reads everything after an unclosed `<textarea>` or
`<plaintext>` as text: a contributor must be told, never lose paragraphs silently.
"""

from __future__ import annotations

from pathlib import Path

from conftest import MINI_TAXONOMY, build_site, page
from kmgen import checks
from kmgen.hub import load_hub


def found(content: Path) -> list[tuple[int, str, str]]:
    return [(d.line, d.code, d.severity) for d in checks.run(load_hub(content))
            if d.code in ("KM904", "KM950", "KM951")]


def test_unclosed_script_is_an_error_naming_its_line(make_hub) -> None:
    body = "Before.\n\n<script>alert(1)\n\nAfter: this paragraph would vanish.\n"
    # the front matter takes 7 lines: the body starts on line 8
    assert found(make_hub({"guidelines/a.md": page(body=body)})) == [(10, "KM950", "error")]


def test_closed_script_style_and_svg_are_warnings(make_hub) -> None:
    body = ("One <script>x()</script> two.\n\n<style>\np {}\n</style>\n\n"
            "<svg viewBox='0 0 1 1'><path d='M0'/></svg>\n\n<embed src=\"x.pdf\">\n\nEnd.\n")
    assert found(make_hub({"guidelines/a.md": page(body=body)})) == [
        (8, "KM951", "warning"), (10, "KM951", "warning"), (14, "KM951", "warning"), (16, "KM951", "warning")]


def test_unclosed_raw_text_elements_are_errors_and_an_unclosed_comment_is_text(make_hub) -> None:
    content = make_hub({"guidelines/a.md": page(body="A.\n\n<!-- a note to editors\n\nB.\n\n<textarea>\n"),
                        "guidelines/b.md": page(body="A.\n\n<title>\n\nB.\n"),
                        "guidelines/c.md": page(body="A.\n\n<plaintext>x</plaintext>\n\nB.\n")})
    found = [(d.path, d.line, d.code) for d in checks.run(load_hub(content)) if d.code == "KM950"]
    assert found == [("guidelines/a.md", 14, "KM950"), ("guidelines/b.md", 10, "KM950"),
                     ("guidelines/c.md", 10, "KM950")]
    message = next(d.message for d in checks.run(load_hub(content)) if d.path == "guidelines/b.md")
    assert "raw markup" in message


def test_code_and_closed_comments_are_fine(make_hub) -> None:
    body = ("Write `<script>` in a code span.\n\n```html\n<script>\n<!--\n```\n\n"
            "    <style>\n\n<!-- a closed comment -->\n\nThe end.\n")
    assert found(make_hub({"guidelines/a.md": page(body=body)})) == []


def test_attr_lists_python_markdown_reads_are_not_residue(make_hub) -> None:
    body = ("Styled paragraph.\n{: .intro}\n\n## A heading {: #custom-id }\n\n"
            "*stress*{: .strong} inline.\n\n{:toc}\n\nLeft alone.\n\n{: .orphan}\n")
    # `{:toc}` and the lone `{: .orphan}` are printed as text: residue; the others are read by attr_list
    assert found(make_hub({"guidelines/a.md": page(body=body)})) == [(15, "KM904", "error"), (19, "KM904", "error")]


def test_a_check_clean_page_keeps_every_paragraph_when_built(tmp_path: Path) -> None:
    body = ("Opening words.\n{: .intro}\n\n<style>p {}</style>\n\nMiddle words.\n\n"
            "<script>alert(1)</script>\n\nClosing words.\n")
    files = {"taxonomy.yml": MINI_TAXONOMY, "kept.md": page(title="Kept", body=body)}
    content = tmp_path / "content"
    site = build_site(tmp_path, files)
    assert [d for d in checks.run(load_hub(content)) if d.severity == "error"] == []
    html = (site / "kept.html").read_text(encoding="utf-8")
    for words in ("Opening words.", "Middle words.", "Closing words."):
        assert words in html
    assert 'class="intro"' in html and "alert(1)" not in html
