"""Maintainer checks that look across the whole hub (links, freshness, duplicates ...).

Each module exposes `check(hub, options) -> list[Diagnostic]`; `run` calls them
all after loading, so `kmgen check` reports every problem in one pass.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from kmgen.diagnostics import Diagnostic
from kmgen.hub import Hub


@dataclass(frozen=True)
class CheckOptions:
    today: dt.date = field(default_factory=dt.date.today)
    strict_freshness: bool = False


Check = Callable[[Hub, CheckOptions], list[Diagnostic]]


def registered() -> list[Check]:
    # Imported here so each check module may import the hub without a cycle.
    from kmgen import fixing
    from kmgen.checks import duplicates, freshness, links, residue
    from kmgen.publish import preflight

    return [preflight.check, fixing.check, duplicates.check, freshness.check, links.check, residue.check]


def run(hub: Hub, options: CheckOptions | None = None) -> list[Diagnostic]:
    options = options or CheckOptions()
    diags = list(hub.diagnostics)
    for check in registered():
        diags.extend(check(hub, options))
    return diags
