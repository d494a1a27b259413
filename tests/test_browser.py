"""The built site in headless Chromium, opened from file:// as an offline reader would.

Debian's chromium is required (`make test` installs it); a missing browser is a
failure, not a skip, so CI cannot pass without running these.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import MINI_TAXONOMY, REPO, build_site, page

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
SCREENSHOTS = REPO / "docs" / "screenshots"

# Five resources whose facet combinations give known answers.
RESOURCES = {
    "guidelines/a.md": ("Alpha", "audience: [civil-servants]\nsector: [health]\n"),
    "guidelines/b.md": ("Bravo", "audience: [civil-servants]\nsector: [civil-registration]\n"),
    "guidelines/c.md": ("Charlie", "audience: [leaders]\nsector: [civil-registration]\n"),
    "guidelines/d.md": ("Delta", "audience: [developers]\nsector: [agriculture]\n"),
    "guidelines/e.md": ("Echo", "audience: [civil-servants, leaders]\nsector: [civil-registration, health]\n"),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = {"taxonomy.yml": MINI_TAXONOMY}
    files.update({rel: page(title, extra=extra, body="Findable text about sprints.\n")
                  for rel, (title, extra) in RESOURCES.items()})
    return build_site(tmp_path_factory.mktemp("browser"), files)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium (`make browser` does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield instance
        instance.close()


def open_page(browser, url: str, javascript: bool = True):  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.goto(url)
    return context, tab, errors


def listed(tab) -> list[str]:  # type: ignore[no-untyped-def]
    return tab.eval_on_selector_all("#kmgen-results > li:not([hidden]) .kmgen-item__title",
                                    "els => els.map(e => e.textContent.trim())")


def count(tab, value: str) -> str:  # type: ignore[no-untyped-def]
    return tab.inner_text(f'[data-count-for="{value}"]').strip()


def test_ticking_two_facets_filters_the_list_and_updates_counts(site: Path, browser) -> None:
    context, tab, errors = open_page(browser, (site / "browse.html").as_uri())
    assert sorted(listed(tab)) == ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]
    # Facets are collapsed groups (the first open): a reader opens one, then ticks.
    assert tab.is_visible('input[value="resource-type/guideline"]')
    assert not tab.is_visible('input[value="audience/civil-servants"]')
    tab.click('details[data-facet="audience"] > summary')
    tab.check('input[value="audience/civil-servants"]')
    assert sorted(listed(tab)) == ["Alpha", "Bravo", "Echo"]
    tab.click('details[data-facet="sector"] > summary')
    tab.check('input[value="sector/civil-registration"]')
    assert sorted(listed(tab)) == ["Bravo", "Echo"]
    assert tab.inner_text('[data-ticked-for="sector"]') == "(1 ticked)"
    assert tab.inner_text("#kmgen-status") == "2 of 5 resources"
    # each count: what the list would show with that box ticked as well
    assert [count(tab, v) for v in ("audience/civil-servants", "audience/leaders", "audience/developers")] == \
        ["2", "2", "0"]
    assert [count(tab, v) for v in ("sector/health", "sector/civil-registration", "sector/agriculture")] == \
        ["2", "2", "0"]
    url = tab.url
    assert url.endswith("#audience=civil-servants&sector=civil-registration")
    again = context.new_page()
    again.goto(url)  # a shared address restores the selection
    assert sorted(listed(again)) == ["Bravo", "Echo"]
    assert again.is_checked('input[value="sector/civil-registration"]')
    assert again.is_visible('input[value="sector/civil-registration"]')  # its group was opened
    tab.click("button.kmgen-clear")
    tab.wait_for_function("document.querySelectorAll('#kmgen-results > li[hidden]').length === 0")
    assert tab.inner_text("#kmgen-status") == "5 of 5 resources"
    assert errors == []
    context.close()


def test_browse_without_javascript_is_a_plain_list(site: Path, browser) -> None:
    context, tab, _ = open_page(browser, (site / "browse.html").as_uri(), javascript=False)
    assert sorted(listed(tab)) == ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]
    assert not tab.is_visible('input[value="audience/civil-servants"]')
    link = tab.get_attribute('[data-count-for="audience/civil-servants"]', "href")
    assert link == "facets/audience/civil-servants.html"
    context.close()


def test_search_works_from_file(site: Path, browser) -> None:
    """The header's box leads to the Find page (tests/test_find.py tests it in depth)."""
    context, tab, errors = open_page(browser, (site / "index.html").as_uri())
    tab.fill("#kmgen-header-q", "Charlie")
    with tab.expect_navigation():
        tab.press("#kmgen-header-q", "Enter")
    tab.wait_for_function("document.getElementById('kmgen-status').textContent.includes('match')")
    assert listed(tab) == ["Charlie"]
    assert errors == []
    context.close()


def test_screenshots_of_home_resource_and_browse(tmp_path: Path, site: Path, browser) -> None:
    """Pictures for the README, of the sample hub when the repository has one."""
    sample = REPO / "content"
    shown = build_site(tmp_path, {}, sample) if (sample / "taxonomy.yml").is_file() else site
    folders = ("playbooks", "case-studies", "guidelines", "training", "toolkits", "cop-outputs", "templates")
    # the richest resource page (lineage, related pages ...) shows the most
    resource = max((p for p in sorted(shown.rglob("*.html")) if p.parent.name in folders),
                   key=lambda p: p.stat().st_size)
    # The README's pictures are refreshed on request (`make screenshots`) so that an
    # ordinary test run never rewrites tracked files.
    out = SCREENSHOTS if os.environ.get("KMGEN_SCREENSHOTS") else tmp_path / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    for name, path in (("home", shown / "index.html"), ("resource", resource), ("browse", shown / "browse.html")):
        context, tab, errors = open_page(browser, path.as_uri())
        tab.screenshot(path=str(out / f"{name}.png"), full_page=False)
        assert errors == [], name
        context.close()
        assert (out / f"{name}.png").stat().st_size > 10_000
