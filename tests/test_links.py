"""Internal links, images and anchors in `kmgen check` (KM501-KM506)."""

from __future__ import annotations

import re
from pathlib import Path

import markdown

from conftest import page, run_kmgen
from kmgen import checks
from kmgen.checks import links
from kmgen.content import parse_document
from kmgen.hub import load_hub

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
BODY = 8  # page() has 6 front-matter lines between its fences: the body starts on line 8

Row = tuple[str, int, str, str, str]


def link_diags(root: Path) -> list[Row]:
    diags = checks.run(load_hub(root))
    return sorted((d.path, d.line, d.code, d.message, d.hint) for d in diags
                  if d.code.startswith("KM5") and d.severity == "error")


def test_each_kind_of_link_problem(make_hub) -> None:
    root = make_hub({
        "guides/index.md": page("Guides", body="## Setup\n\n## Setup\n"),
        "guides/setup.md": page("Setup"),
        "img.png": PNG,
        "drafts/wip.md": page("WIP", extra="status: draft\n"),
        "bad.md": page("Bad", extra="sumary: x\n"),
        "links.md": page("Links", body=(
            "[ok](guides/setup.md) and [anchor ok](guides/index.md#setup_1 \"title\")\n"
            "![pic](img.png) ![missing](imgs/pic.png)\n"
            "[broken](guides/setpu.md)\n"
            "[draft](drafts/wip.md) [bad](bad.md)\n"
            "[out](../../etc/passwd.md)\n"
            "[abs](/guides/setup.md#setup)\n"
            "[anchor](guides/index.md#setpu)\n"
            "[self](#nowhere)\n"
            "[folder](guides/)\n"
            "[browse](browse.md) [concept](facets/audience/leaders.md) [ext](https://x.org/a.md) [m](mailto:a@b.org)\n"
            "[with spaces](<guides/set%75p.md>) [url-style](guides/setup/)\n"
            "\n"
            "[ref]: guides/nope.md \"Title\"\n")),
    })
    assert link_diags(root) == [
        ("links.md", BODY + 1, "KM501", "broken link 'imgs/pic.png': no page or file at imgs/pic.png",
         "did you mean 'img.png'?"),
        ("links.md", BODY + 2, "KM501", "broken link 'guides/setpu.md': no page or file at guides/setpu.md",
         "did you mean 'guides/setup.md'?"),
        ("links.md", BODY + 3, "KM502", "link 'bad.md' goes to bad.md, which will not be published: it has errors",
         "fix the errors reported for bad.md, or remove the link"),
        ("links.md", BODY + 3, "KM502", "link 'drafts/wip.md' goes to drafts/wip.md, which will not be published: "
         "it is a draft", "publish drafts/wip.md first (remove 'status: draft'), or remove the link"),
        ("links.md", BODY + 4, "KM503", "link '../../etc/passwd.md' points outside the content folder",
         "link to a page under content/, or use the page's full https:// address"),
        ("links.md", BODY + 5, "KM504", "absolute link '/guides/setup.md#setup': MkDocs does not resolve links "
         "that start with '/'", "write it relative to this page: 'guides/setup.md#setup'"),
        ("links.md", BODY + 6, "KM505", "anchor '#setpu' not found in guides/index.md",
         "did you mean 'guides/index.md#setup'?"),
        ("links.md", BODY + 7, "KM505", "anchor '#nowhere' not found on this page",
         "that page has no headings to link to"),
        ("links.md", BODY + 8, "KM506", "link 'guides/' goes to a folder, which MkDocs does not resolve",
         "link to the folder's page: 'guides/index.md'"),
        ("links.md", BODY + 10, "KM501", "broken link 'guides/setup/': no page or file at guides/setup",
         "did you mean 'guides/setup.md'?"),
        ("links.md", BODY + 12, "KM501", "broken link 'guides/nope.md': no page or file at guides/nope.md",
         "did you mean 'guides/index.md'?"),
    ]


def test_links_are_relative_to_the_page_folder_and_hints_are_too(make_hub) -> None:
    root = make_hub({
        "a/b/deep.md": page("Deep", body="[up](../../top.md) [sib](../sibling.md) [bad](../../tpo.md)\n"
                                         "[url-style](../other/) [folder](./)\n"),
        "top.md": page("Top"),
        "a/sibling.md": page("Sibling"),
        "a/b/other.md": page("Other"),
    })
    assert link_diags(root) == [
        ("a/b/deep.md", BODY, "KM501", "broken link '../../tpo.md': no page or file at tpo.md",
         "did you mean '../../top.md'?"),
        # written for the published address /a/b/deep/, where ../other/ is /a/b/other/
        ("a/b/deep.md", BODY + 1, "KM501", "broken link '../other/': no page or file at a/other",
         "did you mean 'other.md'?"),
        ("a/b/deep.md", BODY + 1, "KM501", "broken link './': the folder a/b has no index.md",
         "link to a page in it, such as 'other.md'"),
    ]


def test_links_in_code_and_comments_are_ignored_and_lines_are_exact(make_hub) -> None:
    body = ("Text with `[x](nope1.md)` and ``[y](`nope2.md`)``.\n"
            "\n"
            "```md\n[x](nope3.md)\n```\n"
            "\n"
            "~~~\n[x](nope4.md)\n```\nstill code [x](nope5.md)\n~~~\n"
            "\n"
            "    [x](nope6.md)\n"
            "\n"
            "<!-- [x](nope7.md) -->\n"
            "<div markdown=\"0\">\n[x](nope8.md)\n</div>\n"
            "\n"
            "- a list item\n"
            "\n"
            "    [in the list](nope9.md)\n")
    root = make_hub({"code.md": page("Code", body=body)})
    assert [(r[1], r[3]) for r in link_diags(root)] == [
        (BODY + 21, "broken link 'nope9.md': no page or file at nope9.md"),
    ]


ANCHOR_TARGET = """\
# Setup

## Setup

## Café & crème: l'été!

## Install {#custom}

Setext title
------------

## Use `__init__` and **bold** [text](x.md)

```
## Not a heading
```

A note.[^1]

[^1]: The footnote.
"""


def test_anchors_follow_the_table_of_contents_ids(make_hub) -> None:
    wanted = ["setup", "setup_1", "setup_2", "cafe-creme-lete", "cafe-creme-l-ete", "custom", "install", "setext-title",
              "use-__init__-and-bold-text", "not-a-heading", "fn:1"]
    root = make_hub({"target.md": page("Target", body=ANCHOR_TARGET),
                     "x.md": page("X"),
                     "links.md": page("Links", body="".join(f"[{a}](target.md#{a})\n" for a in wanted))})
    line = {a: BODY + i for i, a in enumerate(wanted)}
    assert link_diags(root) == [
        ("links.md", line["setup_2"], "KM505", "anchor '#setup_2' not found in target.md",
         "did you mean 'target.md#setup_1'?"),
        ("links.md", line["cafe-creme-l-ete"], "KM505", "anchor '#cafe-creme-l-ete' not found in target.md",
         "did you mean 'target.md#cafe-creme-lete'?"),
        ("links.md", line["install"], "KM505", "anchor '#install' not found in target.md",
         "its anchors: #setup, #setup_1, #cafe-creme-lete, #custom, #setext-title ..."),
        ("links.md", line["not-a-heading"], "KM505", "anchor '#not-a-heading' not found in target.md",
         "its anchors: #setup, #setup_1, #cafe-creme-lete, #custom, #setext-title ..."),
    ]


def test_heading_ids_match_python_markdown_with_the_site_extensions() -> None:
    body = ANCHOR_TARGET + (
        "\n## Setup {: .wide }\n\n#NoSpace\n\n## Trailing ##\n\n## 1. Numbered\n\n## Footnote[^1]\n\n"
        "## HTML <span>inside</span> &amp; more\n\n## C# and F#\n\n## my_var snake_case\n\n## Setup_1\n\n"
        "!!! note\n\n    ## In an admonition\n\n    ## Setup\n\n## custom\n\n## ¿Qué? — 日本語 ok\n")
    doc, _ = parse_document("t.md", ("---\ntitle: t\n---\n" + body).encode())
    assert doc is not None
    md = markdown.Markdown(extensions=["admonition", "attr_list", "footnotes", "tables", "toc",
                                       "pymdownx.superfences"])
    expected = re.findall(r'<h[1-6][^>]* id="([^"]+)"', md.convert(body))
    assert len(expected) == 19
    assert links.scan(doc).anchors[: len(expected)] == expected


def test_images_to_existing_and_missing_files(make_hub) -> None:
    root = make_hub({"img/chart.png": PNG, "doc.pdf": b"%PDF-1.4\n",
                     "p.md": page("P", body="![chart](img/chart.png)\n[pdf](doc.pdf#page=2)\n![no](img/chrat.png)\n")})
    assert link_diags(root) == [
        ("p.md", BODY + 2, "KM501", "broken link 'img/chrat.png': no page or file at img/chrat.png",
         "did you mean 'img/chart.png'?"),
    ]


def test_check_end_to_end(make_hub) -> None:
    root = make_hub({"a.md": page("A", body="## Real heading\n"),
                     "b.md": page("B", body="See [a](a.md#real-headng).\n")})
    proc = run_kmgen("check", str(root))
    assert proc.returncode == 1
    assert ("b.md:8: KM505 error: anchor '#real-headng' not found in a.md "
            "(did you mean 'a.md#real-heading'?)") in proc.stdout.splitlines()
    gh = run_kmgen("check", "--format", "github", cwd=root.parent).stdout
    assert "::error file=content/b.md,line=8,title=KM505::anchor '#real-headng' not found in a.md" in gh
    (root / "b.md").write_text(page("B", body="See [a](a.md#real-heading).\n"), encoding="utf-8")
    ok = run_kmgen("check", str(root))
    assert ok.returncode == 0, ok.stdout
