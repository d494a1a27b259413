"""The review page's schedule: every published resource with its due date and the
days left or overdue, grouped by owner.

The dates and states come from `kmgen.reports.freshness.schedule`, the very
reading `kmgen report freshness` prints, with the same window, so a maintainer
sees the same answer on the site and in the terminal.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from kmgen.publish import views
from kmgen.publish.site import Site
from kmgen.publish.views import Item
from kmgen.reports import freshness


@dataclass(frozen=True)
class ReviewRow:
    item: Item
    due: str  # "" without a review date
    days: int  # overdue (state "overdue") or left (otherwise)
    state: str  # freshness.OVERDUE, DUE_SOON, ON_TIME, or "missing"


@dataclass(frozen=True)
class OwnerGroup:
    owner: Markup
    rows: tuple[ReviewRow, ...]
    overdue: int


MISSING = "missing"


def rows(site: Site) -> list[ReviewRow]:
    """Published resources, soonest due first; pages without a review date last."""
    scheduled = freshness.schedule(site.hub, site.settings.today)
    out = [ReviewRow(views.item(site, site.pages[r.path]), r.due, r.days, state)
           for r, state in scheduled if r.path in site.pages]
    dated = {r.item.path for r in out}
    out += [ReviewRow(views.item(site, d), "", 0, MISSING) for d in site.resources if d.path not in dated]
    return out


def by_owner(all_rows: list[ReviewRow]) -> tuple[OwnerGroup, ...]:
    groups: dict[str, list[ReviewRow]] = {}
    for row in all_rows:
        groups.setdefault(str(row.item.owner), []).append(row)
    ordered = sorted(groups.items(), key=lambda kv: (-sum(r.state == freshness.OVERDUE for r in kv[1]),
                                                     kv[0].casefold()))
    return tuple(OwnerGroup(Markup(owner), tuple(group),  # owner: already escaped by views.item
                            sum(r.state == freshness.OVERDUE for r in group)) for owner, group in ordered)


def due(all_rows: list[ReviewRow]) -> tuple[Item, ...]:
    """Overdue and due-soon pages, as `kmgen report freshness` lists them."""
    return tuple(r.item for r in all_rows if r.state in (freshness.OVERDUE, freshness.DUE_SOON))
