"""The built site in headless Chromium, opened from file:// as an offline reader would.

Debian's chromium is required (`make test` installs it); a missing browser is a
failure, not a skip, so CI cannot pass without running these.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import MINI_TAXONOMY, REPO, build_site, page, run_kmgen

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


DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def open_page(browser, url: str, javascript: bool = True, viewport: dict | None = None):  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=javascript, viewport=viewport or DESKTOP)
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


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's own sample hub, built as a reader gets it."""
    return build_site(tmp_path_factory.mktemp("sample"), {}, REPO / "content")


def test_screenshots_of_home_resource_and_browse(tmp_path: Path, sample: Path, browser) -> None:
    """Pictures for the README, of the sample hub."""
    shown = sample
    folders = ("playbooks", "case-studies", "guidelines", "training", "toolkits", "cop-outputs", "templates")
    # the richest resource page (lineage, related pages ...) shows the most
    resource = max((p for p in sorted(shown.rglob("*.html")) if p.parent.name in folders),
                   key=lambda p: p.stat().st_size)
    # The README's pictures are refreshed on request (`make screenshots`) so that an
    # ordinary test run never rewrites tracked files.
    out = SCREENSHOTS if os.environ.get("KMGEN_SCREENSHOTS") else tmp_path / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    pages = (("home", shown / "index.html"), ("resource", resource), ("browse", shown / "browse.html"))
    for (name, path), (suffix, viewport) in itertools.product(pages, (("", DESKTOP), ("-phone", PHONE))):
        context, tab, errors = open_page(browser, path.as_uri(), viewport=viewport)
        tab.screenshot(path=str(out / f"{name}{suffix}.png"), full_page=False)
        assert errors == [], name
        context.close()
        assert (out / f"{name}{suffix}.png").stat().st_size > 10_000


def in_first_screen(tab, selector: str) -> bool:  # type: ignore[no-untyped-def]
    """Visible without scrolling: the element's top edge is inside the viewport."""
    box = tab.locator(selector).first.bounding_box()
    return box is not None and 0 <= box["y"] < tab.viewport_size["height"] and tab.is_visible(selector)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_home_opens_with_search_and_the_ways_in(sample: Path, browser, viewport: dict) -> None:
    context, tab, errors = open_page(browser, (sample / "index.html").as_uri(), viewport=viewport)
    assert tab.title() == "DPI Knowledge Hub"  # once, not "DPI Knowledge Hub - DPI Knowledge Hub"
    assert in_first_screen(tab, "#kmgen-q")
    types = tab.locator(".kmgen-ways--types a")
    assert types.count() == 7
    for n in range(types.count()):  # every type, with its count, above the fold
        box = types.nth(n).bounding_box()
        assert box is not None and box["y"] + box["height"] <= viewport["height"], types.nth(n).inner_text()
    assert in_first_screen(tab, ".kmgen-ways--topics a")
    assert tab.inner_text(".kmgen-ways--types a >> nth=0").split() == ["Playbook", "5"]
    tab.fill("#kmgen-q", "birth registration")
    tab.press("#kmgen-q", "Enter")  # the field opens the Find page with the query
    # What is asserted is the address the form leads to: wait for the navigation to commit, not
    # for the Find page's every resource to load (over 30 s with five suites on two cores).
    tab.wait_for_url("**/browse.html?q=birth+registration", wait_until="commit", timeout=90000)
    assert errors == []
    context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("resource", ["playbooks/100-day-dpi-deployment.html", "playbooks/deploiement-dpi-100-jours.html"])
def test_a_resource_page_shows_its_body_in_the_first_screen(sample: Path, browser, viewport: dict, resource: str) -> None:
    context, tab, errors = open_page(browser, (sample / resource).as_uri(), viewport=viewport)
    assert in_first_screen(tab, ".kmgen-body > p")
    if viewport is DESKTOP:  # the facts panel sits beside the body, with the type's nav entry marked
        assert tab.is_visible(".kmgen-panel--side .kmgen-owner")
        assert not tab.is_visible(".kmgen-panel--inline")
        active = tab.locator(".md-sidebar--primary .md-nav__item--active:not(.md-nav__item--nested) > a.md-nav__link")
        assert active.count() == 1 and active.inner_text().strip() == "Playbooks"
        assert active.evaluate("a => getComputedStyle(a).fontWeight") == "700"
    else:  # after the body, collapsed
        assert not tab.is_visible(".kmgen-panel--side")
        panel = tab.locator("details.kmgen-panel--inline")
        assert panel.is_visible() and panel.get_attribute("open") is None
        assert tab.evaluate("document.querySelector('details.kmgen-panel--inline').getBoundingClientRect().top > "
                            "document.querySelector('.kmgen-body').getBoundingClientRect().bottom - 1")
    assert errors == []
    context.close()


def test_a_french_page_is_french(sample: Path, browser) -> None:
    context, tab, errors = open_page(browser, (sample / "playbooks/deploiement-dpi-100-jours.html").as_uri())
    assert tab.get_attribute("html", "lang") == "fr"
    assert tab.inner_text(".kmgen-translation-of").startswith("Traduction de Rolling out a DPI-based service")
    assert tab.inner_text(".kmgen-panel--side dt >> nth=0") == "RESPONSABLE"  # shown in capitals by CSS
    assert tab.get_attribute("input#kmgen-header-q", "placeholder") == "Chercher"  # the header's Find box
    assert "Adapted from" not in tab.content()
    tab.click(".kmgen-languages a")  # the language switcher leads to the original, which links back
    assert tab.get_attribute("html", "lang") == "en"
    assert tab.inner_text(".kmgen-languages") == "Also in: Français"
    assert errors == []
    context.close()


def test_review_page_due_dates_equal_the_freshness_report(sample: Path, browser) -> None:
    report = json.loads(run_kmgen("report", "freshness", "--content", str(REPO / "content"), "--within", "30",
                                  "--format", "json", check=True).stdout)
    context, tab, _ = open_page(browser, (sample / "review.html").as_uri(), viewport=PHONE)
    rows = tab.eval_on_selector_all(
        "table.kmgen-schedule tr[data-path]",
        "trs => trs.map(tr => [tr.dataset.path, tr.querySelector('.kmgen-due').innerText.trim(),"
        " Number(tr.querySelector('.kmgen-days').dataset.days), tr.dataset.state])")
    shown = {path: (due, days, state) for path, due, days, state in rows}
    resources = {p.relative_to(REPO / "content").as_posix() for p in (REPO / "content").rglob("*.md")
                 if "type: page" not in p.read_text(encoding="utf-8")}
    assert set(shown) == resources  # every resource has its due date on the page
    for entry in report["overdue"]:
        assert shown[entry["path"]] == (entry["due"], entry["days_overdue"], "overdue")
    for entry in report["due_soon"]:
        assert shown[entry["path"]] == (entry["due"], entry["days_left"], "due-soon")
    listed = {e["path"] for e in report["overdue"] + report["due_soon"]}
    assert all(state == "on-time" for path, (_d, _n, state) in shown.items() if path not in listed)
    context.close()


def test_coverage_cells_link_to_their_pages(sample: Path, browser) -> None:
    report = json.loads(run_kmgen("report", "coverage", "--content", str(REPO / "content"), "--format", "json",
                                  check=True).stdout)
    full = [c for c in report["cells"] if c["count"]]
    context, tab, errors = open_page(browser, (sample / "coverage.html").as_uri(), viewport=PHONE)
    links = tab.locator("a.kmgen-cell")
    assert links.count() == len(full)
    for n in (0, len(full) // 2, len(full) - 1):  # first, middle and last cell: the list behind each count
        tab.goto((sample / "coverage.html").as_uri())
        expected = full[n]
        tab.locator("a.kmgen-cell").nth(n).click()
        tab.wait_for_url("**/browse.html#*", wait_until="commit", timeout=90000)
        tab.wait_for_function(f"document.querySelectorAll('#kmgen-results > li:not([hidden])').length === "
                              f"{expected['count']}")
        paths = tab.eval_on_selector_all("#kmgen-results > li:not([hidden])", "lis => lis.map(li => li.dataset.path)")
        assert sorted(paths) == sorted(expected["paths"]), expected["concepts"]
    assert errors == []
    context.close()


AXE = REPO / "tests" / "vendor" / "axe-core" / "axe.min.js"  # axe-core 4.14.1 from npm (MPL-2.0, LICENSE beside it)
AXE_PAGES = ["index.html", "browse.html", "playbooks/100-day-dpi-deployment.html",
             "playbooks/deploiement-dpi-100-jours.html", "facets/sector/health.html", "review.html", "coverage.html"]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_axe_finds_no_accessibility_violation(sample: Path, browser, viewport: dict) -> None:
    """Home, browse, a resource and its translation, a concept, review and coverage:
    no violation of any impact (kmgen overrides Material where Material's default fails)."""
    script = AXE.read_text(encoding="utf-8")
    context = browser.new_context(viewport=viewport)
    tab = context.new_page()
    found = []
    for rel in AXE_PAGES:
        tab.goto((sample / rel).as_uri())
        tab.evaluate(script)
        result = tab.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        found += [f"{rel}: {v['id']} ({v['impact']}) {node['target']}" for v in result["violations"]
                  for node in v["nodes"]]
    context.close()
    assert found == []


def test_404_works_from_disk_and_under_a_sub_path(tmp_path: Path, browser) -> None:
    import http.server
    import threading

    from conftest import site_config
    from kmgen.publish.build import publish

    content = tmp_path / "content"
    (content / "guidelines").mkdir(parents=True)
    (content / "taxonomy.yml").write_text(MINI_TAXONOMY, encoding="utf-8")
    (content / "guidelines/a.md").write_text(page("Alpha"), encoding="utf-8")
    config = site_config(tmp_path)
    config.write_text(config.read_text(encoding="utf-8").replace("site_url: https://hub.example.org/",
                                                                 "site_url: https://org.github.io/hub/"))
    publish(content, tmp_path / "site", config, tmp_path / "index")
    site = tmp_path / "site"

    class SubPath(http.server.SimpleHTTPRequestHandler):
        """Serves the site under /hub/ and 404.html for any missing address, as a host does."""

        def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            super().__init__(*args, directory=str(site), **kwargs)

        def send_head(self):  # type: ignore[no-untyped-def]
            if self.path.startswith("/hub/") and (site / self.path[5:].split("?")[0]).is_file():
                self.path = self.path[4:]
                return super().send_head()
            body = (site / "404.html").read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return __import__("io").BytesIO(body)

        def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SubPath)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        root = f"http://127.0.0.1:{server.server_address[1]}/hub/"
        for url, home in ((site.joinpath("404.html").as_uri(), site.joinpath("index.html").as_uri()),
                          (root + "no/such/page.html", root + "index.html")):
            # (from disk, the browser's look-ahead may first try the server path: that
            # fetch fails harmlessly; what matters is what the page ends up with)
            context, tab, errors = open_page(browser, url)
            styled = tab.evaluate("getComputedStyle(document.body).getPropertyValue('--kmgen-muted').trim()")
            assert styled == "#545454", url  # kmgen.css (and Material's styles) loaded
            assert tab.evaluate("document.querySelector('a.md-logo').href") == home
            tab.wait_for_function("document.querySelector('a.md-logo img').naturalWidth > 0")
            assert tab.evaluate("document.querySelector('a.md-logo img').complete")
            assert errors == [], url
            context.close()
    finally:
        server.shutdown()
        server.server_close()
