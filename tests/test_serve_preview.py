"""`kmgen serve --watch`: live preview rebuilt on change, drafts marked, problems shown in the browser."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_browser import browser  # noqa: F401  (fixture)
from test_serve import api, get, running

from conftest import MINI_TAXONOMY, page, site_config
from kmgen.serve import live
from kmgen.serve.app import create_app
from kmgen.serve.preview import Preview

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Preview, str, Path]]:
    base = tmp_path_factory.mktemp("preview")
    content = base / "content"
    (content / "guidelines").mkdir(parents=True)
    (content / "taxonomy.yml").write_text(MINI_TAXONOMY, encoding="utf-8")
    (content / "guidelines/a.md").write_text(page("Alpha", body="Alpha speaks of lighthouses.\n"), encoding="utf-8")
    (content / "guidelines/draft.md").write_text(page("Draft page", extra="status: draft\n",
                                                      body="Work in progress.\n"), encoding="utf-8")
    prev = Preview(content, site_config(base), base / "preview/site", base / "preview/index")
    prev.build()
    app: Any = create_app(prev.site_dir, prev.index_dir, content, live.routes(prev), live.PreviewFiles(prev.site_dir))
    prev.listeners.append(lambda state: None if state.building else app.state.search.reload_site())
    stop = threading.Event()
    watcher = threading.Thread(target=prev.watch, args=(stop,), daemon=True)
    watcher.start()
    with running(app) as address:
        yield prev, address, content
    stop.set()
    watcher.join(5)


def test_the_first_build_shows_drafts_marked_and_adds_the_reload_script(preview) -> None:
    prev, address, _ = preview
    assert prev.state.number >= 1 and prev.state.failure == "" and prev.state.diagnostics == []
    status, headers, body = get(address, "/guidelines/draft.html")
    assert status == 200
    assert b"Draft: shown in this preview only" in body
    assert body.count(f'<script src="{live.SCRIPT_PATH}"></script>'.encode()) == 1
    assert headers["cache-control"] == "no-store"
    _, state = api(address, live.STATUS_PATH)
    assert state["build"] == prev.state.number and state["diagnostics"] == []


def test_an_edit_rebuilds_reloads_the_page_and_updates_the_index(preview, browser) -> None:  # noqa: F811
    prev, address, content = preview
    context = browser.new_context()
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.goto(address + "/guidelines/a.html")
    tab.wait_for_timeout(500)  # the page's script is now waiting for the next build
    before = prev.state.number
    with tab.expect_navigation(timeout=90_000):
        (content / "guidelines/a.md").write_text(page("Alpha", body="Alpha now speaks of windmills.\n"),
                                                 encoding="utf-8")
    assert "windmills" in tab.inner_text("article")
    assert prev.state.number > before
    _, found = api(address, "/api/search?q=windmills")
    assert [h["title"] for h in found["hits"]] == ["Alpha"]
    # a page with an error: left out, and its problem shown on every page instead of the server stopping
    with tab.expect_navigation(timeout=90_000):
        (content / "guidelines/b.md").write_text(page("Bravo", extra="sector: [helth]\n"), encoding="utf-8")
    tab.wait_for_selector("#kmgen-preview-problems")
    shown = tab.inner_text("#kmgen-preview-problems")
    assert "guidelines/b.md:" in shown and "KM310" in shown and "unknown term 'helth'" in shown
    assert "did you mean 'health'" in shown
    assert get(address, "/guidelines/b.html")[0] == 404
    assert errors == []
    context.close()
