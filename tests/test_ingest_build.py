"""Ingested collections through a real strict `mkdocs build`: provenance shown, no residue in
the pages or in the search index."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from test_ingest import GITBOOK, JEKYLL, write_tree

from conftest import MINI_TAXONOMY, build_site
from kmgen.cli import main

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
