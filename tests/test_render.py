"""Page bodies rendered at check time as the site renders them, under a budget (KM820-KM824)."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

from markdown import Markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from conftest import MINI_TAXONOMY, build_site, page, run_kmgen
from kmgen import checks
from kmgen.checks import CheckOptions, render
from kmgen.hub import load_hub

BODY = 8  # page() has 6 front-matter lines between its fences: the body starts on line 8
EXPLOIT = ("## Overview {: id='x\" id=\"x\" onfocus=\"alert(document.domain)\" autofocus><svg/@><style/@>' }")
SLUG_HINT = "use letters, digits, '-', '_', '.' and ':' only, starting with a letter or digit"

Row = tuple[str, int, str, str, str]


def rows(root: Path, prefix: str) -> list[Row]:
    return sorted((d.path, d.line, d.code, d.message, d.hint) for d in checks.run(load_hub(root))
                  if d.code.startswith(prefix))


def test_the_heading_id_exploit_is_an_error_at_check(make_hub) -> None:
    # It passed check, links and build, and ran script for every reader (issue 11).
    root = make_hub({"xss.md": page("XSS", body="Intro.\n\n" + EXPLOIT + "\n\nMore.\n")})
    proc = run_kmgen("check", "--content", str(root))
    assert proc.returncode == 1, proc.stdout
    assert (f"xss.md:{BODY + 2}: KM824 error: id 'x\" id=\"x\" onfocus=\"alert(document.domain)\" autofocus><svg...' "
            "is not a plain slug: the site's table of contents would print it as it is ("
            f"{SLUG_HINT} such as 'x-id-x-onfocus-alert-document.domain-autofocus-svg-style')") in proc.stdout
    assert "Traceback" not in proc.stderr


def test_explicit_ids_must_be_plain_slugs_and_generated_ones_are_left_alone(make_hub) -> None:
    long_id = "a" * 201
    body = ("## Fine {#fine-id}\n\n## Also fine {: id=\"v1.2:notes\" }\n\n<h2 id=\"raw-ok\">Raw</h2>\n\n"
            "## Café: ¿qué tal? _private\n\n=== \"Tab\"\n\n    In a tab.\n\n"
            "## Spaced {: id=\"two words\" }\n\n<div id=\"a'b\">x</div>\n\n"
            f"## Long {{#{long_id}}}\n")
    root = make_hub({"ids.md": page("Ids", body=body)})
    assert rows(root, "KM82") == [
        ("ids.md", BODY + 12, "KM824", "id 'two words' is not a plain slug: the site's table of contents would print "
         "it as it is", f"{SLUG_HINT} such as 'two-words'"),
        ("ids.md", BODY + 14, "KM824", "id \"a'b\" is not a plain slug: the site's table of contents would print "
         "it as it is", f"{SLUG_HINT} such as 'a-b'"),
        ("ids.md", BODY + 16, "KM824", f"id '{long_id[:57]}...' is not a plain slug: the site's table of contents "
         "would print it as it is", "use an id of at most 200 characters"),
    ]


def test_an_unchanged_hub_is_not_rendered_twice(make_hub) -> None:
    root = make_hub({"a.md": page("A", body="## One\n"), "b.md": page("B", body="[a](a.md#one)\n")})
    first = render.render_hub(load_hub(root), CheckOptions())
    assert first.rendered == 2
    assert (root.parent / ".kmgen" / "render-cache.json").is_file()
    second = render.render_hub(load_hub(root), CheckOptions())
    assert (second.rendered, second.facts) == (0, first.facts)
    (root / "b.md").write_text(page("B", body="[a](a.md#two)\n"), encoding="utf-8")
    third = load_hub(root)
    assert render.render_hub(third, CheckOptions()).rendered == 1
    # the link check reads the same renderings: the changed link is judged on its new text
    assert [(r[1], r[2]) for r in rows(root, "KM5")] == [(BODY, "KM505")]
    (root.parent / ".kmgen" / "render-cache.json").write_text("{not json", encoding="utf-8")
    assert render.render_hub(load_hub(root), CheckOptions()).rendered == 2


def test_the_markdown_settings_come_from_mkdocs_yml(make_hub) -> None:
    root = make_hub({"t.md": page("T", body="## Install {#custom}\n\n[x](#custom)\n")})
    assert rows(root, "KM5") == []
    # The same page under a site without attr_list: `{#custom}` is plain heading text.
    (root.parent / "mkdocs.yml").write_text("site_name: x\nmarkdown_extensions:\n  - toc:\n      permalink: true\n",
                                            encoding="utf-8")
    assert rows(root, "KM5") == [("t.md", BODY + 2, "KM505", "anchor '#custom' not found on this page",
                                  "did you mean '#install-custom'?")]
    (root.parent / "mkdocs.yml").write_text("site_name: x\nmarkdown_extensions:\n  - no_such_extension\n",
                                            encoding="utf-8")
    found = rows(root, "KM823")
    assert [(r[0], r[2], r[4]) for r in found] == [
        ("mkdocs.yml", "KM823", "pages were checked with kmgen's default Markdown extensions")]
    assert "no_such_extension" in found[0][3]


class _Boom(Treeprocessor):
    def run(self, root: Element) -> None:
        if root.find("h2") is not None:
            raise ValueError("boom")


class _Exploding(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        md.treeprocessors.register(_Boom(md), "boom", 7)


def test_any_exception_from_the_renderer_becomes_a_diagnostic() -> None:
    extensions: Any = ("toc", _Exploding())
    renderer = render.BodyRenderer(render.SiteMarkdown(extensions, {}))
    facts = renderer.render("Intro\n\n## A heading\n")
    assert facts.failure == ("KM822", 2, "the Markdown renderer fails on this page (ValueError: boom)",
                             "simplify the markup near this line (raw HTML, unusual brackets); if the page looks "
                             "ordinary, report it to the hub's maintainers")
    # the renderer carries on with the next body
    assert renderer.render("## Fine\n").failure == ("KM822", 0, facts.failure[2], facts.failure[3])
    assert renderer.render("No heading, [a](b.md)\n").links[0].target == "b.md"


def test_the_budget_cuts_a_slow_body_and_leaves_the_process_as_it_was() -> None:
    limit, handler = sys.getrecursionlimit(), signal.getsignal(signal.SIGPROF)
    renderer = render.BodyRenderer(render.DEFAULT_SITE, seconds=0.3)
    facts = renderer.render("Intro\n\n" + "[" * 20_000 + "\n")
    assert facts.failure is not None and facts.failure[:2] == ("KM820", 2)
    assert "more than 0.3 s of processor time" in facts.failure[2]
    assert sys.getrecursionlimit() == limit
    assert signal.getsignal(signal.SIGPROF) is handler
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)
    assert renderer.render("[a](b.md)\n").failure is None


def test_marked_section_openers_in_code_and_prose_build(tmp_path: Path) -> None:
    # MkDocs fed every line, code included, to html.parser, which asserted on
    # `<![` without a keyword: `kmgen build` ended in a traceback naming no page.
    body = ("Inline `<![ x` and `<![CDATA[ y ]]>` code.\n\n    <![foo indented\n\n"
            "```\n<![ fenced\n```\n\nProse <![ too, an open <!-- comment and <? pi.\n")
    root = tmp_path / "content"
    root.mkdir()
    (root / "taxonomy.yml").write_text(MINI_TAXONOMY, encoding="utf-8")
    (root / "index.md").write_text(page("Home", type_="page"), encoding="utf-8")
    (root / "code.md").write_text(page("Code", body=body), encoding="utf-8")
    assert [d for d in checks.run(load_hub(root)) if d.severity == "error"] == []
    site = build_site(tmp_path, {}, content=root)
    html = (site / "code.html").read_text(encoding="utf-8")
    assert "<code>&lt;![ x</code>" in html
    assert "<code>&lt;![CDATA[ y ]]&gt;</code>" in html
    assert "&lt;![foo indented" in html and "&lt;![ fenced" in html
    assert "Prose &lt;![ too, an open &lt;!-- comment and &lt;? pi.</p>" in html


def test_ids_an_extension_generates_are_not_taken_for_the_contributors(make_hub) -> None:
    # Highlighted code with line anchors is stashed as raw HTML, ids and all.
    root = make_hub({"code.md": page("Code", body="```python\nx = 1\ny = 2\n```\n\n<p id=\"bad id\">x</p>\n")})
    (root.parent / "mkdocs.yml").write_text(
        "site_name: x\nmarkdown_extensions:\n  - pymdownx.highlight:\n      linenums: true\n      anchor_linenums: true\n"
        "  - pymdownx.superfences\n", encoding="utf-8")
    assert [(r[1], r[2], r[3]) for r in rows(root, "KM82")] == [
        (BODY + 5, "KM824", "id 'bad id' is not a plain slug: the site's table of contents would print it as it is")]


def test_reading_mkdocs_yml_runs_nothing_a_pull_request_put_there(make_hub) -> None:
    # check runs on pull requests; MkDocs' own YAML loader would build any Python object.
    root = make_hub({"a.md": page("A")})
    canary = root.parent / "canary"
    config = root.parent / "mkdocs.yml"
    for extensions in (f"  - toc:\n      slugify: !!python/object/apply:os.mkdir ['{canary}']\n",
                       "  - toc:\n      slugify: !!python/name:os.system\n",
                       "  - a_module_of_the_pull_request\n"):
        config.write_text(f"site_name: x\nmarkdown_extensions:\n{extensions}", encoding="utf-8")
        assert [(r[2], r[4]) for r in rows(root, "KM823")] == [
            ("KM823", "pages were checked with kmgen's default Markdown extensions")]
    assert not canary.exists()
    config.write_text("site_name: x\nmarkdown_extensions:\n  - pymdownx.superfences:\n      custom_fences:\n"
                      "        - name: mermaid\n          class: mermaid\n"
                      "          format: !!python/name:pymdownx.superfences.fence_code_format\n", encoding="utf-8")
    assert rows(root, "KM823") == []
