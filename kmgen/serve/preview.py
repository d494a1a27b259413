"""Live preview for contributors: `kmgen serve --watch`.

Watches the content folder, the theme overrides and mkdocs.yml (by polling
modification times: no extra dependency, and it works on every file system),
rebuilds the preview site after a change, updates the preview's own search
index incrementally, and tells open pages to reload.

The preview differs from `kmgen build` on purpose: a page with errors is left
out instead of stopping the build, and every problem (file, line, code,
message, hint) is shown on top of every page; drafts are built too, each with
a banner saying it is a draft. Neither reaches the published site or its
index: the preview has its own folders under `.kmgen/preview/`.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kmgen import checks
from kmgen.diagnostics import Diagnostic
from kmgen.hub import Hub, load_hub
from kmgen.index import build_index
from kmgen.publish import release

DRAFT_BANNER = ('!!! warning "Draft: shown in this preview only"\n'
                "    This page has `status: draft`. `kmgen build` leaves it out of the published site.\n\n")
POLL_SECONDS = 0.4


@dataclass
class BuildState:
    """The latest preview build, as the browser sees it."""

    number: int = 0
    seconds: float = 0.0
    diagnostics: list[Diagnostic] = field(default_factory=list)
    failure: str = ""  # the whole build failed (the previous preview stays up)
    building: bool = False

    def as_json(self) -> dict[str, Any]:
        problems = [d for d in self.diagnostics if d.severity in ("error", "warning")]
        return {"build": self.number, "seconds": round(self.seconds, 2), "building": self.building,
                "failure": self.failure,
                "diagnostics": [{"path": d.path, "line": d.line, "code": d.code, "severity": d.severity,
                                 "message": d.message, "hint": d.hint} for d in problems]}


def with_drafts(hub: Hub) -> Hub:
    """The hub with its drafts published, each opening with a draft banner."""
    documents = dict(hub.documents)
    for path in hub.drafts():
        doc = documents[path]
        documents[path] = dataclasses.replace(doc, fields={**doc.fields, "status": "published"},
                                              body=DRAFT_BANNER + doc.body)
    return dataclasses.replace(hub, documents=documents, diagnostics=list(hub.diagnostics))


class Preview:
    """Builds the preview site and rebuilds it when a watched file changes."""

    def __init__(self, content_dir: Path, config_file: Path, site_dir: Path, index_dir: Path,
                 overrides: Path | None = None):
        self.content_dir = content_dir
        self.config_file = config_file
        self.site_dir = site_dir
        self.index_dir = index_dir
        self.watched = [content_dir, config_file, overrides or config_file.parent / "overrides"]
        self.state = BuildState()
        self.changed = threading.Condition()
        self.listeners: list[Callable[[BuildState], None]] = []

    def build(self) -> BuildState:
        """One preview build; never raises for problems in the content or the theme."""
        start = time.perf_counter()
        self._publish(BuildState(self.state.number, self.state.seconds, self.state.diagnostics, building=True))
        state = BuildState(self.state.number + 1)
        try:
            hub = load_hub(self.content_dir)
            state.diagnostics = sorted(checks.run(hub), key=lambda d: (d.path, d.line, d.code))
            hub.diagnostics = list(state.diagnostics)  # run() returns the hub's own too: pages with errors stay out
            build_index(hub, self.index_dir)  # incremental: only what changed is re-indexed
            self._mkdocs(with_drafts(hub))
        except Exception as exc:  # noqa: BLE001  the preview reports any failure and keeps serving
            state.failure = f"{exc.__class__.__name__}: {exc}"
        state.seconds = time.perf_counter() - start
        self._publish(state)
        return state

    def _publish(self, state: BuildState) -> None:
        with self.changed:
            self.state = state
            self.changed.notify_all()
        for listener in self.listeners:
            listener(state)

    def _mkdocs(self, hub: Hub) -> None:
        from mkdocs.commands.build import build as mkdocs_build
        from mkdocs.config import load_config

        staging = release.staging_dir(self.site_dir)
        try:
            with _quiet_mkdocs():
                config = load_config(str(self.config_file), docs_dir=str(self.content_dir.resolve()),
                                     site_dir=str(staging), strict=False)
                plugin = config.plugins.get("kmgen")
                if plugin is None:
                    raise RuntimeError(f"{self.config_file} does not enable the kmgen plugin (plugins: - kmgen)")
                plugin.hub = hub  # type: ignore[attr-defined]
                plugin.config.index_dir = str(self.index_dir.resolve())
                mkdocs_build(config)
            release.swap(staging, self.site_dir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    # -- watching -----------------------------------------------------------------
    def snapshot(self) -> dict[str, tuple[int, int]]:
        """Every watched file's (mtime, size): a change in any is a reason to rebuild."""
        seen: dict[str, tuple[int, int]] = {}
        for root in self.watched:
            for path in _files(root):
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                seen[path] = (st.st_mtime_ns, st.st_size)
        return seen

    def watch(self, stop: threading.Event) -> None:
        """Rebuild after each change until `stop` is set (a burst of saves is one rebuild)."""
        before = self.snapshot()
        while not stop.wait(POLL_SECONDS):
            now = self.snapshot()
            if now == before:
                continue
            time.sleep(POLL_SECONDS / 2)  # let an editor finish writing
            before = self.snapshot()
            self.build()

    def wait_for(self, after: int, timeout: float) -> BuildState:
        """The state once a build numbered after `after` is done (or the current one at timeout)."""
        with self.changed:
            self.changed.wait_for(lambda: self.state.number > after and not self.state.building, timeout)
            return self.state


def _files(root: Path) -> Iterator[str]:
    if root.is_file():
        yield str(root)
        return
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            if not name.startswith("."):
                yield os.path.join(folder, name)


@contextmanager
def _quiet_mkdocs() -> Iterator[None]:
    """MkDocs logs each build at INFO; the preview prints its own one-line summary."""
    logger = logging.getLogger("mkdocs")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
