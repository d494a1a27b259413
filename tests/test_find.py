"""The Find page in headless Chromium: words and ticks together, from file:// and
over HTTP from a plain static server (no search API: the static index answers)."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_browser import browser, listed, open_page  # noqa: F401  (fixture and helpers)
from test_serve import running

from conftest import MINI_TAXONOMY, build_site, page
from kmgen.publish import find_index
from kmgen.serve.app import create_app

pytestmark = pytest.mark.browser

RESOURCES = {
    "guidelines/a.md": ("Alpha", "audience: [civil-servants]\nsector: [health]\n", "Clinics share patient records."),
    "guidelines/b.md": ("Bravo", "audience: [civil-servants]\nsector: [civil-registration]\n",
                        "Offices record births and deaths."),
    "guidelines/c.md": ("Charlie", "audience: [leaders]\nsector: [civil-registration]\n",
                        "Officials sign the certificates."),
    "guidelines/d.md": ("Delta", "audience: [developers]\nsector: [agriculture]\nbuilding_blocks: [identity]\n",
                        "Farmers prove who they are with an eID card."),
    "guidelines/e.md": ("Echo", "audience: [civil-servants, leaders]\nsector: [civil-registration, health]\n",
                        "Hospitals notify the registry of every newborn."),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = {"taxonomy.yml": MINI_TAXONOMY}
    files.update({rel: page(title, extra=extra, body=f"## Steps\n\n{body}\n")
                  for rel, (title, extra, body) in RESOURCES.items()})
    return build_site(tmp_path_factory.mktemp("find"), files)


@pytest.fixture(scope="module")
def static_server(site: Path) -> Iterator[str]:
    """The built site on a plain static server: what static hosting looks like."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002  (the base class's name)
        pass


def _wait_words(tab, words: str) -> None:  # type: ignore[no-untyped-def]
    tab.wait_for_function("w => document.getElementById('kmgen-status').textContent.includes('\u201c' + w + '\u201d')",
                          arg=words)


def _find(tab, words: str) -> None:  # type: ignore[no-untyped-def]
    tab.fill("#kmgen-q", words)
    _wait_words(tab, words)


def _served_by_api(tab) -> bool:  # type: ignore[no-untyped-def]
    return bool(tab.evaluate("typeof window.kmgenFindApi === 'string'"))


def count(tab, value: str) -> str:  # type: ignore[no-untyped-def]
    """A count, also in a facet group that is closed."""
    return (tab.text_content(f'[data-count-for="{value}"]') or "").strip()


def _consoled(tab) -> list[str]:  # type: ignore[no-untyped-def]
    messages: list[str] = []
    tab.on("console", lambda m: messages.append(m.text) if m.type == "error" else None)
    return messages


@pytest.fixture(scope="module")
def api_server(site: Path) -> Iterator[str]:
    """The built site served by `kmgen serve`: the Find page asks its API."""
    with running(create_app(site, site.parent / "index", site.parent / "content")) as base:
        yield base + "/"


@pytest.fixture(params=["file", "http"])
def static_url(request: pytest.FixtureRequest, site: Path) -> str:
    if request.param == "file":
        return (site / "browse.html").as_uri()
    return request.getfixturevalue("static_server") + "browse.html"


@pytest.fixture(params=["file", "http", "api"])
def find_url(request: pytest.FixtureRequest, site: Path) -> str:
    if request.param == "file":
        return (site / "browse.html").as_uri()
    server = "api_server" if request.param == "api" else "static_server"
    return request.getfixturevalue(server) + "browse.html"


def test_an_acronym_finds_the_pages_of_its_concept(find_url: str, browser) -> None:  # noqa: F811
    context, tab, errors = open_page(browser, find_url)
    console = _consoled(tab)
    _find(tab, "CRVS")
    assert listed(tab) and sorted(listed(tab)) == ["Bravo", "Charlie", "Echo"]
    assert tab.inner_text("#kmgen-status") == "3 of 5 resources match \u201cCRVS\u201d"
    # each result shows its summary and a snippet with the matched word marked
    assert tab.inner_text('li[data-path="guidelines/b.md"] .kmgen-snippet')
    if not _served_by_api(tab):  # the API's snippets come from stored text only
        assert tab.inner_text('li[data-path="guidelines/b.md"] .kmgen-snippet mark') == "CRVS"
    assert tab.is_visible('li[data-path="guidelines/b.md"] .kmgen-item__summary')
    assert errors == [] and console == []
    context.close()


def test_ticking_a_facet_narrows_the_results_and_updates_counts(find_url: str, browser) -> None:  # noqa: F811
    context, tab, errors = open_page(browser, find_url)
    _find(tab, "CRVS")
    assert [count(tab, v) for v in ("audience/civil-servants", "audience/leaders", "audience/developers")] == \
        ["2", "2", "0"]
    tab.click('details[data-facet="audience"] > summary')
    tab.check('input[value="audience/leaders"]')
    assert sorted(listed(tab)) == ["Charlie", "Echo"]
    assert [count(tab, v) for v in ("sector/civil-registration", "sector/health")] == ["2", "1"]
    assert tab.url.endswith("#q=CRVS&audience=leaders")
    # a reload from the address brings back the words and the ticks
    again = context.new_page()
    again.goto(tab.url)
    _wait_words(again, "CRVS")
    assert again.input_value("#kmgen-q") == "CRVS"
    assert sorted(listed(again)) == ["Charlie", "Echo"]
    assert again.is_checked('input[value="audience/leaders"]')
    # clearing the words keeps the ticks
    tab.fill("#kmgen-q", "")
    tab.wait_for_function("!document.getElementById('kmgen-status').textContent.includes('match')")
    assert sorted(listed(tab)) == ["Charlie", "Echo"]
    assert errors == []
    context.close()


def test_typos_and_prefixes_still_find_the_page(static_url: str, browser) -> None:  # noqa: F811
    context, tab, errors = open_page(browser, static_url)
    _find(tab, "newbrn")  # a typo of a word in Echo's body only
    assert listed(tab) == ["Echo"]
    _find(tab, "certif")  # a prefix, as while typing
    assert listed(tab) == ["Charlie"]
    _find(tab, "registation")  # the typo: 'Birth registration' is a synonym of civil registration
    assert sorted(listed(tab)) == ["Bravo", "Charlie", "Echo"]
    # a broader concept finds pages tagged with a narrower one (Identity is under Digital ID layer)
    _find(tab, "Digital ID layer")
    assert listed(tab) == ["Delta"]
    assert errors == []
    context.close()


def test_without_javascript_the_find_page_is_the_complete_list(site: Path, browser) -> None:  # noqa: F811
    context, tab, _ = open_page(browser, (site / "browse.html").as_uri() + "?q=CRVS", javascript=False)
    assert sorted(listed(tab)) == ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]
    assert not tab.is_visible("#kmgen-q")
    context.close()


def test_the_header_box_leads_to_find_and_nothing_is_downloaded_before_a_search(site: Path,
                                                                                 browser) -> None:  # noqa: F811
    context = browser.new_context()
    tab = context.new_page()
    requested: list[str] = []
    tab.on("request", lambda r: requested.append(r.url))
    tab.goto((site / "index.html").as_uri())
    tab.fill("#kmgen-header-q", "CRVS")
    with tab.expect_navigation():
        tab.press("#kmgen-header-q", "Enter")
    _wait_words(tab, "CRVS")
    assert "/browse.html" in tab.url
    assert sorted(listed(tab)) == ["Bravo", "Charlie", "Echo"]
    assert not [u for u in requested if "search_index" in u or "/workers/" in u]  # Material's index: never
    index_loads = [u for u in requested if "/find/" in u]
    assert index_loads and all(u.endswith(".js") for u in index_loads)
    fresh = context.new_page()
    fresh_requests: list[str] = []
    fresh.on("request", lambda r: fresh_requests.append(r.url))
    fresh.goto((site / "browse.html").as_uri())
    fresh.wait_for_load_state("load")
    assert not [u for u in fresh_requests if "/find/" in u or "minisearch" in u]  # nothing until a search
    context.close()


def test_the_static_index_holds_every_resource_and_every_concept_name(site: Path) -> None:
    shards = sorted((site / find_index.FIND_DIR).glob("index-*.js"))
    text = "".join(p.read_text(encoding="utf-8") for p in shards)
    for rel in RESOURCES:
        assert f'"{rel}"' in text
    concepts = (site / find_index.CONCEPTS_SCRIPT).read_text(encoding="utf-8")
    assert "CRVS" in concepts and "e-KYC" in concepts
    assert (site / find_index.API_SCRIPT).read_bytes() == find_index.NO_API


def test_served_by_kmgen_serve_the_find_page_asks_the_api(api_server: str, browser) -> None:  # noqa: F811
    context, tab, errors = open_page(browser, api_server + "browse.html")
    console = _consoled(tab)
    asked: list[str] = []
    tab.on("request", lambda r: asked.append(r.url))
    _find(tab, "certificates")
    assert listed(tab) == ["Charlie"]
    assert tab.inner_text('li[data-path="guidelines/c.md"] .kmgen-snippet mark') == "certificates"
    assert any("/api/search?q=certificates" in u for u in asked)
    assert not [u for u in asked if "/find/index-" in u]  # the static index is not needed
    # a misspelling: the API's corrected words are searched, and the page says so
    _find(tab, "certifcates")
    assert listed(tab) == ["Charlie"]
    assert "showing results for \u201ccertificates\u201d" in tab.inner_text("#kmgen-find-note")
    assert errors == [] and console == []
    context.close()


def test_when_the_api_stops_answering_the_static_index_does(api_server: str, browser) -> None:  # noqa: F811
    context, tab, errors = open_page(browser, api_server + "browse.html")
    context.route("**/api/search*", lambda route: route.abort())
    _find(tab, "CRVS")
    assert sorted(listed(tab)) == ["Bravo", "Charlie", "Echo"]
    assert tab.inner_text('li[data-path="guidelines/b.md"] .kmgen-snippet mark') == "CRVS"  # MiniSearch's snippet
    assert errors == []
    context.close()


def test_contributed_text_in_a_snippet_stays_text(tmp_path: Path, browser) -> None:  # noqa: F811
    # A tag split over two lines survives plain-text extraction; the snippet must show it, not run it.
    # (Closed: left open, the svg would take the rest of the page with it, which check refuses: KM950.)
    body = "Zebra crossings matter <svg\nonload=\"window.pwned=1\"></svg> for walkers.\n"
    site = build_site(tmp_path, {"taxonomy.yml": MINI_TAXONOMY, "guidelines/z.md": page("Zulu", body=body)})
    context, tab, errors = open_page(browser, (site / "browse.html").as_uri())
    _find(tab, "zebra")
    snippet = tab.inner_text('li[data-path="guidelines/z.md"] .kmgen-snippet')
    assert '<svg onload="window.pwned=1">' in snippet
    assert tab.query_selector("#kmgen-results svg") is None
    assert tab.evaluate("window.pwned") is None
    assert errors == []
    context.close()
