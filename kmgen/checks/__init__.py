"""Maintainer checks that look across the whole hub (links, freshness, duplicates ...).

Each module exposes `check(hub, options) -> list[Diagnostic]`; `run` calls them
all after loading, so `kmgen check` reports every problem in one pass.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kmgen.checks.render_budget import CPU_SECONDS
from kmgen.diagnostics import Diagnostic
from kmgen.hub import Hub


@dataclass(frozen=True)
class CheckOptions:
    today: dt.date = field(default_factory=dt.date.today)
    strict_freshness: bool = False
    # The page-body renderer (checks/render.py): its mkdocs.yml (default: next
    # to the content folder), its processor-time budget per page, its cache.
    site_config: Path | None = None
    render_seconds: float = CPU_SECONDS
    render_cache: bool = True


Check = Callable[[Hub, CheckOptions], list[Diagnostic]]


def registered() -> list[Check]:
    # Imported here so each check module may import the hub without a cycle.
    from kmgen import fixing
    from kmgen.checks import (
        duplicates,
        freshness,
        links,
        render,
        render_budget,
        reserved_paths,
        residue,
        swallowed_html,
    )
    from kmgen.publish import preflight, redirects

    # `kmgen build` runs these checks before MkDocs renders: from here on,
    # MkDocs reads a stray `<![` in a page as text instead of dying on it.
    render_budget.tolerate_marked_sections()
    return [preflight.check, reserved_paths.check, fixing.check, duplicates.check, freshness.check,
            render.check, links.check, residue.check, swallowed_html.check, redirects.check]


def run(hub: Hub, options: CheckOptions | None = None) -> list[Diagnostic]:
    options = options or CheckOptions()
    diags = list(hub.diagnostics)
    for check in registered():
        diags.extend(check(hub, options))
    return diags
