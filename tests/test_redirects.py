"""Old addresses (`aliases:`) published as redirect pages: from an ingested Jekyll `redirect_from`
and Hugo `aliases` through a real `kmgen build`, to headless Chromium landing on the page; and
`kmgen check` refusing unsafe or colliding aliases."""

from __future__ import annotations

import posixpath
from pathlib import Path

import html5lib
import pytest
from click.testing import CliRunner
from test_browser import ARGS, CHROMIUM
from test_ingest import write_tree

from conftest import MINI_TAXONOMY, build_site, page
from kmgen import checks
from kmgen.cli import main
from kmgen.hub import load_hub
from kmgen.publish import site_safety

JEKYLL = {
    "_config.yml": "title: Handbook\n",
    "_pages/tools/slack.md": "---\ntitle: Slack & chat\nredirect_from: [/slack/, /chat.html]\n---\nOur chat tool.\n",
    "_pages/tools/zoom.md": "---\ntitle: Zoom\n---\nVideo calls.\n",
    "_pages/moved.md": "---\ntitle: Moved\nredirect_to: /tools/zoom/\n---\n",
}
HUGO = {
    "hugo.toml": "baseURL = 'https://example.org/'\n",
    "content/blog/post.md": "---\ntitle: Post\ndescription: A post.\naliases: [/old/post/, /2019/post]\n---\nHello.\n",
}


def ingest(source: Path, into: Path) -> None:
    result = CliRunner().invoke(main, ["ingest", str(source), "--into", str(into), "--license", "CC0-1.0"])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("redirects")
    content = base / "hub" / "content"
    content.mkdir(parents=True)
    (content / "taxonomy.yml").write_text(MINI_TAXONOMY, encoding="utf-8")
    (content / "index.md").write_text("---\ntitle: Hub\nsummary: Home.\ntype: page\n---\nWelcome.\n")
    ingest(write_tree(base / "handbook", JEKYLL), content / "handbook")
    ingest(write_tree(base / "blog", HUGO), content / "blog")
    return build_site(base / "hub", {}, content=content)


def refresh_target(site: Path, old: str) -> str:
    """Where the redirect page at `old` sends a reader, as a site path (html5lib: what a browser parses)."""
    root = html5lib.parse((site / old).read_text(encoding="utf-8"), namespaceHTMLElements=False)
    assert not root.findall(".//script")
    refresh = [m for m in root.iter("meta") if m.get("http-equiv") == "refresh"]
    assert len(refresh) == 1
    address = refresh[0].get("content", "").split("url=", 1)[1]
    link = root.find(".//body//a")
    assert link is not None and link.get("href") == address
    return posixpath.normpath(posixpath.join(posixpath.dirname(old), address))


@pytest.mark.parametrize(("old", "new"), [
    ("handbook/slack/index.html", "handbook/tools/slack.html"),  # Jekyll redirect_from, a folder address
    ("handbook/chat.html", "handbook/tools/slack.html"),  # an address ending .html
    ("handbook/moved/index.html", "handbook/tools/zoom.html"),  # a redirect stub (redirect_to)
    ("blog/old/post/index.html", "blog/blog/post.html"),  # Hugo aliases
    ("blog/2019/post/index.html", "blog/blog/post.html"),
])
def test_an_old_address_redirects_to_its_page(site: Path, old: str, new: str) -> None:
    assert refresh_target(site, old) == new and (site / new).is_file()


def test_the_redirect_page_escapes_the_title(site: Path) -> None:
    text = (site / "handbook/slack/index.html").read_text(encoding="utf-8")
    assert ">Slack &amp; chat</a>" in text and '<meta name="robots" content="noindex">' in text


@pytest.mark.browser
def test_chromium_lands_on_the_page_without_javascript(site: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            context = browser.new_context(java_script_enabled=False)
            tab = context.new_page()
            tab.goto((site / "blog/old/post/index.html").as_uri())
            tab.wait_for_url("**/blog/blog/post.html", wait_until="commit", timeout=90000)
            assert tab.locator("h1").first.inner_text().strip() == "Post"
        finally:
            browser.close()


def aliased(alias: str) -> str:
    return page("Aliased", extra=f"aliases: ['{alias}']\n")


@pytest.mark.parametrize(("alias", "code", "words"), [
    ("javascript:alert(1)", "KM960", "not an address inside this site"),
    ("https://evil.example/x/", "KM960", "not an address inside this site"),
    ("//evil.example/x/", "KM960", "not an address inside this site"),
    ('x/"><script>alert(1)</script>', "KM960", "characters an address would have to escape"),
    ("../../etc/", "KM960", "'..'"),
    ("old.php", "KM960", "ends in 'php'"),
    ("guidelines/b.html", "KM961", "the page guidelines/b.md"),  # a real page
    ("Guidelines/B/", "KM961", "the page guidelines/b.md"),  # the same address on a case-blind disk
    ("browse.html", "KM961", "generated page browse.md"),
    ("types/playbook/", "KM961", "site's own"),
    ("search/", "KM961", "site's own"),
])
def test_check_refuses_an_unsafe_or_taken_alias(make_hub, alias: str, code: str, words: str) -> None:
    content = make_hub({"guidelines/a.md": aliased(alias), "guidelines/b.md": page("B")})
    found = [d for d in checks.run(load_hub(content)) if d.code in ("KM960", "KM961")]
    assert len(found) == 1, found
    d = found[0]
    assert (d.path, d.code, d.severity, d.field) == ("guidelines/a.md", code, "error", "aliases")
    assert d.line > 0 and words in d.message and d.hint


def test_two_pages_claiming_one_old_address_is_reported_on_the_second(make_hub) -> None:
    content = make_hub({"guidelines/a.md": aliased("old/"), "guidelines/b.md": aliased("old/index.html")})
    found = [d for d in checks.run(load_hub(content)) if d.code == "KM961"]
    assert [(d.path, d.message) for d in found] == [
        ("guidelines/b.md", "alias 'old/index.html' is the address of an alias of guidelines/a.md")]


def test_a_refresh_inside_the_site_passes_the_site_audit_and_no_other_does() -> None:
    def problems(rel: str, content: str) -> list[str]:
        root = site_safety.parse(f'<meta http-equiv="refresh" content="{content}">')
        return site_safety.audit_tree(None, rel, root, ())

    assert problems("old/index.html", "0; url=../guides/a.html") == []
    for bad in ("0; url=https://evil.example/", "0;URL='javascript:alert(1)'", "0; url=//evil.example/",
                "0; url=../../outside.html", "0; url=/absolute.html", "5", "0; url= "):
        assert problems("old/index.html", bad) == ["old/index.html: <meta http-equiv=refresh> is not allowed"], bad
