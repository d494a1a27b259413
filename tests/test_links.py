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


def test_void_elements_do_not_hide_later_links_and_headings(make_hub) -> None:
    # An `<hr>` once made the scanner wait for a `</hr>` that never comes:
    # everything after it went unchecked and the strict build failed instead.
    body = ("<hr>\n\n[after hr](nope1.md)\n\n## After hr\n\n"
            "Text<br>\n[after br](nope2.md)\n\n"
            "<img src=\"pic.png\" alt=\"x\">\n\n[after img](nope3.md)\n\n"
            "<input type=\"checkbox\">\n\n[after input](nope4.md)\n\n"
            "[to the heading](#after-hr) [missing](#nowhere)\n")
    root = make_hub({"pic.png": PNG, "void.md": page("Void", body=body)})
    assert [(r[1], r[2], r[3]) for r in link_diags(root)] == [
        (BODY + 2, "KM501", "broken link 'nope1.md': no page or file at nope1.md"),
        (BODY + 7, "KM501", "broken link 'nope2.md': no page or file at nope2.md"),
        (BODY + 11, "KM501", "broken link 'nope3.md': no page or file at nope3.md"),
        (BODY + 15, "KM501", "broken link 'nope4.md': no page or file at nope4.md"),
        (BODY + 17, "KM505", "anchor '#nowhere' not found on this page"),
    ]


def test_links_and_ids_in_raw_html_are_checked(make_hub) -> None:
    body = ("<figure>\n  <img src=\"img/chrat.png\" alt=\"chart\">\n  <figcaption>Chart</figcaption>\n</figure>\n\n"
            "<picture>\n  <source srcset=\"img/chart.png 1x, img/big.png 2x\">\n</picture>\n\n"
            "A <a href=\"guide.md#part-two\">raw link</a> and <a href=\"gone.md\">a broken one</a>.\n\n"
            "<div id=\"raw-target\">x</div>\n\n[to raw](#raw-target)\n")
    root = make_hub({"img/chart.png": PNG, "guide.md": page("Guide", body="## Part one\n"),
                     "raw.md": page("Raw", body=body)})
    assert link_diags(root) == [
        ("raw.md", BODY + 1, "KM501", "broken link 'img/chrat.png': no page or file at img/chrat.png",
         "did you mean 'img/chart.png'?"),
        ("raw.md", BODY + 6, "KM501", "broken link 'img/big.png': no page or file at img/big.png",
         "did you mean 'img/chart.png'?"),
        ("raw.md", BODY + 9, "KM501", "broken link 'gone.md': no page or file at gone.md",
         "did you mean 'index.md'?"),  # the hub's generated home page
        # found by tests/test_check_build_agree.py: the build left it pointing at guide.md
        ("raw.md", BODY + 9, "KM509", "link 'guide.md#part-two' in raw HTML goes to a page source, which the site "
         "does not publish at that address", "write it as a Markdown link, [text](guide.md#part-two), outside the "
         "HTML: MkDocs rewrites only those"),
    ]


def test_external_images_are_errors_and_external_links_are_not(make_hub) -> None:
    body = ("![tracker](https://cdn.example.org/pixel.png)\n"
            "[a site](https://example.org/page) and <https://example.org/x.png>\n"
            "<img src=\"//cdn.example.org/y.png\"> <video src=\"http://example.org/v.mp4\"></video>\n")
    root = make_hub({"ext.md": page("Ext", body=body)})
    hint = "download it into content/ (next to this page) and link to the copy, with its source credited in the text"
    assert link_diags(root) == [
        ("ext.md", BODY, "KM507", "external image 'https://cdn.example.org/pixel.png': every reader's browser "
         "would fetch it from another site", hint),
        ("ext.md", BODY + 2, "KM507", "external image '//cdn.example.org/y.png': every reader's browser would fetch "
         "it from another site", hint),
        ("ext.md", BODY + 2, "KM507", "external image 'http://example.org/v.mp4': every reader's browser would fetch "
         "it from another site", hint),
    ]


def test_an_address_mkdocs_cannot_split_is_an_error_not_a_crash(make_hub) -> None:
    # MkDocs splits every link address while rendering; this one ended its build.
    root = make_hub({"ipv6.md": page("IPv6", body="Text\n\n[router](http://[fe80::1/admin)\n")})
    assert link_diags(root) == [
        ("ipv6.md", BODY + 2, "KM508", "malformed address 'http://[fe80::1/admin': Invalid IPv6 URL",
         "fix the address (a '[' belongs only around an IPv6 host), or write it as `code`"),
    ]


def test_hints_suggest_files_of_the_same_kind_or_say_missing_file(make_hub) -> None:
    root = make_hub({
        "reports/annual-report.md": page("Annual report"),
        "reports/annual-report.pdf": b"%PDF-1.4\n",
        "reports/chart.md": page("Chart"),
        "reports/index.md": page("Reports", body=(
            "[pdf](annual-reprot.pdf) ![img](chart.png) [sheet](budget.xls)\n"
            "[mail](someone@example.org) [moved](../annual-report.pdf)\n")),
    })
    assert [(r[1], r[3], r[4]) for r in link_diags(root)] == [
        (BODY, "broken link 'annual-reprot.pdf': no page or file at reports/annual-reprot.pdf",
         "did you mean 'annual-report.pdf'?"),
        (BODY, "broken link 'budget.xls': no page or file at reports/budget.xls",
         "missing file: no office file with a similar name; add the file under content/ or fix the name"),
        (BODY, "broken link 'chart.png': no page or file at reports/chart.png",
         "missing file: no image with a similar name; add the file under content/ or fix the name"),
        (BODY + 1, "broken link '../annual-report.pdf': no page or file at annual-report.pdf",
         "did you mean 'annual-report.pdf'?"),
        (BODY + 1, "broken link 'someone@example.org': no page or file at reports/someone@example.org",
         "an e-mail address needs 'mailto:' in front: 'mailto:someone@example.org'"),
    ]


def test_a_reference_used_twice_is_one_problem_on_its_definition(make_hub) -> None:
    body = "See [one][r] and [two][r].\n\n[r]: missing.md\n"
    root = make_hub({"refs.md": page("Refs", body=body)})
    assert [(r[1], r[3]) for r in link_diags(root)] == [(BODY + 2, "broken link 'missing.md': no page or file at missing.md")]


def test_a_link_shown_in_code_first_does_not_take_the_real_links_line(make_hub) -> None:
    body = ("Write links like `[text](missing.md)`:\n\n```md\n[text](missing.md)\n```\n\n"
            "<!-- [text](missing.md) -->\n\nHere is one: [text](missing.md).\n")
    root = make_hub({"howto.md": page("How to", body=body)})
    assert [(r[1], r[2]) for r in link_diags(root)] == [(BODY + 8, "KM501")]


# Addresses a browser and MkDocs may read differently: whitespace, character
# references, escapes and angle brackets inside the link target. MkDocs sees
# the address as the element tree holds it, before entities are decoded.
MKDOCS_READINGS = [
    "java\tscript:alert(1)", "&#106;avascript:alert(1)", "javascript\u2028:alert(1)",
    '<https://a.example/"><script>alert(1)</script>>', "ok&#46;md", "&#46;/ok.md", "&#47;ok.md",
    "java&#09;script:x", "ok.md", "./ok.md", "ok%2Emd", "https://x.org/", "mailto:a@b.org", "ok\\.md", "#",
    "&#104;ttps://x.org/", "missing.md", "sub/", "<ok.md>", "ok.md?x=1",
]


def _mkdocs_warns(body: str, sources: list[str]) -> list[str]:
    """What MkDocs itself logs at WARNING (the strict build fails on it) for `body` as p.md."""
    import logging

    from mkdocs.config import load_config
    from mkdocs.structure.files import File, Files
    from mkdocs.structure.pages import Page

    from conftest import REPO

    config = load_config(str(REPO / "mkdocs.yml"))
    files = Files([File(s, config.docs_dir, config.site_dir, config.use_directory_urls) for s in ["p.md", *sources]])
    warned: list[str] = []

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                warned.append(record.getMessage())

    catch = Catch()
    logging.getLogger("mkdocs").addHandler(catch)
    try:
        rendered = Page(None, files.get_file_from_path("p.md"), config)
        rendered.markdown = body
        rendered.render(config, files)
    finally:
        logging.getLogger("mkdocs").removeHandler(catch)
    return warned


def test_kmgen_errs_on_exactly_the_links_mkdocs_warns_about(make_hub) -> None:
    # The class of issue 10 item 3: an address MkDocs reads as a relative path
    # a browser reads as something else. kmgen must agree with MkDocs link by link.
    files: dict[str, str | bytes] = {"ok.md": page("OK"), "sub/index.md": page("Sub")}
    for number, address in enumerate(MKDOCS_READINGS):
        files[f"p{number}.md"] = page(f"P{number}", body=f"Text.\n\n[x]({address})\n")
    found = {path for path, *_ in link_diags(make_hub(files))}
    for number, address in enumerate(MKDOCS_READINGS):
        warned = _mkdocs_warns(f"Text.\n\n[x]({address})\n", ["ok.md", "sub/index.md"])
        assert (f"p{number}.md" in found) == bool(warned), (address, warned)


def test_an_address_mkdocs_reads_as_a_relative_path_gets_its_own_error(make_hub) -> None:
    body = ("[a](java\tscript:alert(1))\n\n[b](&#106;avascript:alert(1))\n\n[c](javascript\u2028:alert(1))\n\n"
            '[d](<https://a.example/"><script>alert(1)</script>>)\n\n[e](ok&#46;md)\n')
    root = make_hub({"ok.md": page("OK"), "evil.md": page("Evil", body=body)})
    rows = [r for r in link_diags(root) if r[0] == "evil.md"]
    assert [(line, code) for _p, line, code, _m, _h in rows] == [
        (BODY, "KM510"), (BODY + 2, "KM510"), (BODY + 4, "KM510"), (BODY + 6, "KM510"), (BODY + 8, "KM510")]
    assert rows[1][3] == ("address '&#106;avascript:alert(1)' is not a link MkDocs can follow: it reads it as the "
                          "relative path '&#106;avascript:alert(1)', a browser as 'javascript:alert(1)'")
    assert rows[4][3].endswith("a browser as 'ok.md'")
    assert "write the address as plain characters" in rows[0][4]
