"""Headless Chromium with a sink for script that should never run.

Before any page script, every frame gets `alert`, `confirm`, `prompt` and
`print` replaced by recorders, and a canary function `kmgenCanary` that
vectors may call; each call is reported to the test through a binding at
once (a redirect right after it cannot lose it). Dialogs that get through
anyway (a frame whose functions were restored) are recorded by the `dialog`
event. Requests that leave
file:// are recorded and refused, so a vector that phones home is caught too
and no test ever touches the network.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

SINK = """
(() => {
  const ran = [];
  Object.defineProperty(window, "__kmgenRan", {value: ran});
  const report = window.__kmgenReport;  // to the test at once: a navigation cannot lose it
  const record = (what) => function (...args) {
    const entry = what + ":" + String(args[0] === undefined ? "" : args[0]).slice(0, 80);
    ran.push(entry);
    try { report(entry); } catch (e) {}
    return what === "confirm" ? false : null;
  };
  for (const name of ["alert", "confirm", "prompt", "print"]) window[name] = record(name);
  window.kmgenCanary = record("canary");
})();
"""


@dataclass
class Visit:
    url: str
    ran: list[str] = field(default_factory=list)  # what the sink recorded
    outside: list[str] = field(default_factory=list)  # requests that left file://
    left_to: list[str] = field(default_factory=list)  # navigations away from the page


@contextmanager
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        raise AssertionError(f"Chromium not found at {CHROMIUM}: install Debian's chromium (`make browser`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def visit_all(browser: Any, pages: list[Path], settle_ms: int = 150) -> list[Visit]:
    """Open each page (file://) in one tab, let timers and refreshes fire, and report."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    visits: list[Visit] = []
    current: list[Visit] = []
    context.expose_binding("__kmgenReport", lambda source, entry: current[-1].ran.append(str(entry)))
    context.add_init_script(SINK)

    def refuse(route: Any) -> None:
        url = route.request.url
        if url.startswith("file://"):
            route.continue_()
        else:
            current[-1].outside.append(url)
            route.abort()

    context.route("**/*", refuse)
    tab = context.new_page()
    tab.on("dialog", lambda dialog: (current[-1].ran.append(f"dialog {dialog.type}: {dialog.message}"),
                                     dialog.dismiss()))
    tab.on("framenavigated", lambda frame: _navigated(current[-1], frame))
    for path in pages:
        visit = Visit(path.as_uri())
        current.append(visit)
        tab.goto(visit.url, wait_until="load")
        # Focus-driven and timer-driven vectors (autofocus, setTimeout, refresh 0) fire now.
        tab.wait_for_timeout(settle_ms)
        for frame in tab.frames:
            try:
                kept = frame.evaluate("window.__kmgenRan || []")
            except Exception as exc:  # a frame that navigated away or is cross-origin
                kept = [f"unreadable frame {frame.url}: {type(exc).__name__}"]
            visit.ran.extend(entry for entry in kept if entry not in visit.ran)
        visits.append(visit)
    context.close()
    return visits


def _navigated(visit: Visit, frame: Any) -> None:
    url = frame.url
    if url not in (visit.url, "about:blank", "about:srcdoc") and not url.startswith(visit.url + "#"):
        visit.left_to.append(url)
