"""Heading ids come from contributors (`{: id=... }`, `{#id}`, the toc slug): whatever
they hold, the page runs no script in a browser, and the table of contents, the
skip link, the heading and every link to it still agree."""

from __future__ import annotations

from pathlib import Path

import html5lib
import pytest
from browser_sink import chromium, visit_all

from conftest import MINI_TAXONOMY, build_site, page

pytestmark = pytest.mark.browser

BREAKOUT = """## Overview {: id='x" id="x" onfocus="alert(document.domain)" autofocus><svg/@><style/@>' }"""
LONG = "Long heading words " * 40  # a 760-character heading: its toc id is ~760 characters


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    slug = "-".join(LONG.lower().split())
    body = (f"Intro, see [the long part](#{slug}).\n\n{BREAKOUT}\n\nText.\n\n"
            "## Theme id {#__config}\n\nShadow.\n\n"
            f"## {LONG}\n\nMore.\n")
    files = {"taxonomy.yml": MINI_TAXONOMY, "a.md": page("A", body=body),
             "b.md": page("B", body=f"Over there: [long](a.md#{slug}).\n")}
    from kmgen import checks

    # The check rejects these ids (KM824, KM904); the build must be safe even if a page gets past it.
    run = checks.run
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(checks, "run", lambda hub, options=None: [d for d in run(hub, options) if d.code not in ("KM824", "KM904")])
        return build_site(tmp_path_factory.mktemp("heading-ids"), files)


def test_the_heading_id_breakout_runs_nothing_in_chromium(site: Path) -> None:
    with chromium() as browser:
        visits = visit_all(browser, [site / "a.html"], settle_ms=400)
    assert [(v.ran, v.outside, v.left_to) for v in visits] == [([], [], [])]


def test_toc_skip_link_headings_and_links_agree(site: Path) -> None:
    root = html5lib.parse((site / "a.html").read_text(encoding="utf-8"), namespaceHTMLElements=False)
    ids = [el.get("id") for el in root.iter() if isinstance(el.tag, str) and el.get("id")]
    body = next(el for el in root.iter("div") if el.get("class") == "kmgen-body")
    headings = [h.get("id") for h in body.iter("h2")]  # the page's own; kmgen's sections follow
    assert all(h and all(c.isalnum() or c in "-_.:" for c in h) for h in headings), headings
    assert headings[0].startswith("x-id-x-onfocus-alert-document-domain-autofocus-svg-style-")
    assert headings[1].startswith("config-") and ids.count("__config") == 1
    assert headings[2] == "-".join(LONG.lower().split()), "a long heading keeps its whole toc id"
    toc = [a.get("href") for a in root.iter("a") if a.get("class") == "md-nav__link" and
           (a.get("href") or "").startswith("#")]
    assert [t for t in toc if not t.startswith("#kmgen-")] == [f"#{h}" for h in headings]
    skip = next(a for a in root.iter("a") if a.get("class") == "md-skip")
    assert skip.get("href") == f"#{headings[0]}"
    body_links = [a.get("href") for a in root.iter("a") if a.get("class") is None and
                  (a.get("href") or "").startswith("#")]
    assert body_links == [f"#{headings[2]}"]
    permalinks = [a.get("href") for a in root.iter("a") if a.get("class") == "headerlink"]
    assert permalinks == [f"#{h}" for h in headings]
    other = html5lib.parse((site / "b.html").read_text(encoding="utf-8"), namespaceHTMLElements=False)
    assert f"a.html#{headings[2]}" in [a.get("href") for a in other.iter("a")]


def test_the_sink_records_what_the_breakout_did_before_the_fix(tmp_path: Path) -> None:
    # The markup Material wrote for the breakout heading before ids were mapped.
    raw = ('<a href="#x" id="x" onfocus="alert(document.domain)" autofocus><svg/@><style/@>" '
           'class="md-skip">Skip</a><p>text</p>')
    (tmp_path / "old.html").write_text(f"<!doctype html><html><body>{raw}</body></html>", encoding="utf-8")
    with chromium() as browser:
        visits = visit_all(browser, [tmp_path / "old.html"], settle_ms=400)
    assert visits[0].ran == ["alert:"]
