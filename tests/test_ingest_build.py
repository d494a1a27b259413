"""Ingested collections through a real strict `mkdocs build`: provenance shown, no residue in
the pages or in the search index."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner
from test_ingest import GITBOOK, JEKYLL, write_tree

from conftest import MINI_TAXONOMY, build_site, site_config
from kmgen.cli import main
from kmgen.publish.build import publish

RESIDUE = ("{%", "{{", "{:", "&#x20;", "&amp;#x20;")


def test_ingested_hub_builds_with_provenance_and_no_residue(tmp_path: Path) -> None:
    content = tmp_path / "hub" / "content"
    content.mkdir(parents=True)
    (content / "taxonomy.yml").write_text(MINI_TAXONOMY, encoding="utf-8")
    (content / "index.md").write_text("---\ntitle: Hub\nsummary: Home.\ntype: page\n---\nWelcome.\n")
    jekyll = write_tree(tmp_path / "handbook", JEKYLL)
    gitbook = write_tree(tmp_path / "book", GITBOOK)
    for source, into, extra in ((jekyll, "handbook", ["--attribution", "From the TTS Handbook (CC0)."]),
                                (gitbook, "book", ["--source-url", "https://github.com/example/book"])):
        result = CliRunner().invoke(main, ["ingest", str(source), "--into", str(content / into),
                                           "--license", "CC0-1.0", *extra])
        assert result.exit_code == 0, result.output
    site = build_site(tmp_path / "hub", {}, content=content)
    slack = (site / "handbook/tools/slack.html").read_text(encoding="utf-8")
    assert "Imported, not yet reviewed" in slack and "From the TTS Handbook (CC0)." in slack
    assert "CC0-1.0" in slack
    setup = (site / "book/guide/setup.html").read_text(encoding="utf-8")
    assert 'href="https://github.com/example/book"' in setup
    assert 'class="tabbed-set' in setup and 'class="admonition warning"' in setup
    pages = [p for p in site.rglob("*.html") if p.parts[-3:-1] != ("search",)]
    for path in pages:
        if "/handbook/" in path.as_posix() or "/book/" in path.as_posix():
            prose = path.read_text(encoding="utf-8").split('<div class="kmgen-body"', 1)[-1]
            prose = prose.split("<code", 1)[0] if "echo" not in prose else prose.split("<pre", 1)[0]
            assert not [r for r in RESIDUE if r in prose], path
    index = json.loads((site / "search/search_index.json").read_text(encoding="utf-8"))
    texts = [d["text"] for d in index["docs"] if d["location"].startswith(("handbook/", "book/"))]
    assert texts and not [t for t in texts if any(r in t for r in ("{%", "{:", "&#x20;"))]


def make_hub(base: Path) -> Path:
    content = base / "hub" / "content"
    content.mkdir(parents=True)
    (content / "taxonomy.yml").write_text(MINI_TAXONOMY, encoding="utf-8")
    (content / "index.md").write_text("---\ntitle: Hub\nsummary: Home.\ntype: page\n---\nWelcome.\n")
    return content


def ingest_into(source: Path, into: Path, *args: str) -> None:
    result = CliRunner().invoke(main, ["ingest", str(source), "--into", str(into), *args])
    assert result.exit_code == 0, result.output


def titles(html: str, selector_class: str = "kmgen-item__title") -> list[str]:
    return re.findall(rf'class="{selector_class}" href="[^"]*">([^<]*)</a>', html)


WEIGHTED = {
    "hugo.toml": "baseURL = 'https://example.org/'\n",
    "content/docs/alpha.md": "---\ntitle: Alpha\ndescription: A.\nweight: 30\n---\nA.\n",
    "content/docs/bravo.md": "---\ntitle: Bravo\ndescription: B.\nweight: 20\n---\nB.\n",
    "content/docs/charlie.md": "---\ntitle: Charlie\ndescription: C.\nweight: 5\n---\nC.\n",
    "content/docs/delta.md": "---\ntitle: Delta\ndescription: D.\n---\nD.\n",
    "content/docs/aardvark.md": "---\ntitle: Aardvark\ndescription: E.\n---\nE.\n",
    # Hugo weights count among siblings: a section takes its place by its _index.md's weight
    "content/docs/later/_index.md": "---\ntitle: Later section\ndescription: L.\nweight: 25\n---\nL.\n",
    "content/docs/later/two.md": "---\ntitle: Two\ndescription: The second.\nweight: 2\n---\nTwo.\n",
    "content/docs/later/one.md": "---\ntitle: One\ndescription: The first.\nweight: 1\n---\nOne.\n",
}


def test_a_collection_page_lists_pages_in_the_source_order(tmp_path: Path) -> None:
    content = make_hub(tmp_path)
    ingest_into(write_tree(tmp_path / "weighted", WEIGHTED), content / "weighted", "--license", "CC0-1.0")
    ingest_into(write_tree(tmp_path / "book", GITBOOK), content / "book", "--license", "CC0-1.0")
    site = build_site(tmp_path / "hub", {}, content=content)
    weighted = (site / "collections/weighted.html").read_text(encoding="utf-8")
    # by weight, then the pages without one by title
    assert titles(weighted) == ["Charlie", "Bravo", "Later section", "One", "Two", "Alpha", "Aardvark", "Delta"]
    book = (site / "collections/book.html").read_text(encoding="utf-8")
    assert titles(book) == ["Intro", "Guide", "Setup", "Orphan"]  # SUMMARY.md's order; the orphan last
    home = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="collections/book.html"' in home and 'href="collections/weighted.html"' in home
    # a page of a collection marks its collection in the navigation, not its type
    alpha = (site / "weighted/docs/alpha.html").read_text(encoding="utf-8")
    active = re.findall(r'<li class="md-nav__item md-nav__item--active">\s*<a href="([^"]*)"', alpha)
    assert active == ["../../collections/weighted.html"]


def test_the_footer_credits_collections_whose_licence_asks_for_it(tmp_path: Path) -> None:
    content = make_hub(tmp_path)
    ingest_into(write_tree(tmp_path / "manual", WEIGHTED), content / "manual", "--license", "OGL-UK-3.0",
                "--attribution", "Contains public sector information licensed under the Open Government "
                "Licence v3.0.", "--source-url", "https://github.com/alphagov/manual")
    ingest_into(write_tree(tmp_path / "book", GITBOOK), content / "book", "--license", "CC-BY-SA-4.0",
                "--source-url", "https://github.com/example/book")
    ingest_into(write_tree(tmp_path / "handbook", JEKYLL), content / "handbook", "--license", "CC0-1.0",
                "--source-url", "https://github.com/example/handbook")
    site = build_site(tmp_path / "hub", {}, content=content)
    for page in ("index.html", "browse.html", "handbook/tools/slack.html"):
        html = (site / page).read_text(encoding="utf-8")
        footer = html.split('<footer class="md-footer">', 1)[1]
        credits = re.findall(r"<li><strong>([^<]*)</strong>(.*?)</li>", footer, re.S)
        assert [name for name, _rest in credits] == ["book", "manual"], page  # not the CC0 handbook
        book, manual = (rest for _name, rest in credits)
        assert "Contains public sector information licensed under the Open Government Licence v3.0." in manual
        assert 'href="https://spdx.org/licenses/OGL-UK-3.0.html"' in manual
        assert 'href="https://github.com/alphagov/manual"' in manual
        assert 'href="https://spdx.org/licenses/CC-BY-SA-4.0.html"' in book and "github.com/example/book" in book


def test_a_french_hub_shows_the_imported_notice_in_french(tmp_path: Path) -> None:
    content = make_hub(tmp_path)
    ingest_into(write_tree(tmp_path / "handbook", JEKYLL), content / "handbook", "--license", "CC-BY-4.0")
    base = tmp_path / "hub"
    config = site_config(base)
    config.write_text(config.read_text(encoding="utf-8").replace("language: en", "language: fr"), encoding="utf-8")
    publish(content, base / "site", config, base / "index")
    slack = (base / "site/handbook/tools/slack.html").read_text(encoding="utf-8")
    assert "Importé, pas encore relu" in slack and "Aucun responsable ne l’a encore relu ici." in slack
    assert "Apporté dans ce centre depuis un site jekyll (_pages/tools/slack.md)." in slack
    assert "Contenus d’autres sources :" in slack and "Licence :" in slack  # the footer's credit, in French
    assert "Imported" not in slack and "not yet reviewed" not in slack
    moved = (base / "site/handbook/slack/index.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in moved and "Cette page a été déplacée vers" in moved


def test_the_404_page_carries_the_same_footer_credits(tmp_path: Path) -> None:
    content = make_hub(tmp_path)
    ingest_into(write_tree(tmp_path / "manual", WEIGHTED), content / "manual", "--license", "OGL-UK-3.0",
                "--attribution", "Contains public sector information licensed under the Open Government "
                "Licence v3.0.", "--source-url", "https://github.com/alphagov/manual")
    ingest_into(write_tree(tmp_path / "handbook", JEKYLL), content / "handbook", "--license", "CC0-1.0")
    site = build_site(tmp_path / "hub", {}, content=content)

    def footer_credits(page: str) -> list[tuple[str, str]]:
        html = (site / page).read_text(encoding="utf-8")
        footer = html.split('<footer class="md-footer">', 1)[1]
        return re.findall(r"<li><strong>([^<]*)</strong>(.*?)</li>", footer, re.S)

    missing = footer_credits("404.html")
    assert missing == footer_credits("index.html") and [name for name, _rest in missing] == ["manual"]
    assert "Open Government Licence v3.0." in missing[0][1]
    assert 'href="https://spdx.org/licenses/OGL-UK-3.0.html"' in missing[0][1]
    assert "Material from other sources:" in (site / "404.html").read_text(encoding="utf-8")


NAVIGATED = {
    "_config.yml": "title: Handbook\ncollections:\n  pages:\n    output: true\n",
    "_data/navigation.yml": "- text: One\n  url: zeta/one/\n- text: Alpha\n  url: alpha/\n- text: Two\n  url: alpha/two/\n"
                            "- text: Three\n  url: zeta/three/\n",
    "_pages/zeta/one.md": "---\ntitle: One\nsummary: 1.\n---\nOne.\n",
    "_pages/zeta/three.md": "---\ntitle: Three\nsummary: 3.\n---\nThree.\n",
    "_pages/alpha/index.md": "---\ntitle: Alpha\nsummary: A.\n---\nA.\n",
    "_pages/alpha/two.md": "---\ntitle: Two\nsummary: 2.\n---\nTwo.\n",
    "_pages/beta.md": "---\ntitle: Beta\nsummary: B.\n---\nB.\n",
}


def test_a_collection_page_follows_the_navigation_data(tmp_path: Path) -> None:
    content = make_hub(tmp_path)
    ingest_into(write_tree(tmp_path / "handbook", NAVIGATED), content / "handbook", "--license", "CC0-1.0")
    site = build_site(tmp_path / "hub", {}, content=content)
    handbook = (site / "collections/handbook.html").read_text(encoding="utf-8")
    # a folder without an index page takes its place by the first of its pages in the navigation
    assert titles(handbook) == ["One", "Three", "Alpha", "Two", "Beta"]
