"""Freshness of a hub: review dates and translations that fell behind their source.

One reading of each page serves both `kmgen check` (as diagnostics, see
kmgen/checks/freshness.py) and `kmgen report freshness` (as lists), so the
check and the report can never disagree about what is overdue or stale.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from typing import Any

from kmgen import schema
from kmgen.content import Document, as_date
from kmgen.hub import Hub
from kmgen.publish.lineage import is_web_address, normalise

DUE_SOON_DAYS = 30
HASH_LENGTH = 12  # what a translator records: enough to tell versions apart, short enough to type
_HASH_RE = re.compile(r"^[0-9a-f]{12,64}$")

# Review states of a page with a review date, as of a day (see `review_state`).
OVERDUE = "overdue"
DUE_SOON = "due-soon"
ON_TIME = "on-time"

# Translation states, in the order the report lists them.
MISSING_SOURCE = "missing-source"
NOT_A_PAGE = "web-address"
ITSELF = "itself"
NO_HASH = "no-hash"
BAD_HASH = "bad-hash"
CHANGED = "changed"
CURRENT = "current"
STALE = (MISSING_SOURCE, NOT_A_PAGE, ITSELF, NO_HASH, BAD_HASH, CHANGED)


@dataclass(frozen=True)
class Review:
    """A page's review date as of `today`: `days` overdue (past due) or left (due soon)."""

    path: str
    title: str
    owner: str
    last_reviewed: str
    due: str
    days: int


@dataclass(frozen=True)
class MissingReview:
    path: str
    title: str
    owner: str
    reason: str


@dataclass(frozen=True)
class Translation:
    path: str
    title: str
    source: str  # the hub path it translates (as normalised), or what was written
    status: str  # one of the states above
    recorded: str  # the source_hash written in the page ("" when none)
    current: str  # the first HASH_LENGTH characters of the source's hash now ("" without a source)


@dataclass(frozen=True)
class FreshnessReport:
    today: str
    within: int
    overdue: tuple[Review, ...]  # oldest due date first
    due_soon: tuple[Review, ...]  # soonest first
    missing: tuple[MissingReview, ...]
    translations: tuple[Translation, ...]  # stale or broken ones only


def short_hash(doc: Document) -> str:
    return doc.content_hash[:HASH_LENGTH]


def reviewable(hub: Hub) -> list[Document]:
    """Resources a reader can see: hub pages carry no review fields, and a draft
    is reviewed when it is finished."""
    return [d for _p, d in sorted(hub.documents.items())
            if d.has_front_matter and d.get("type") != schema.PAGE_TYPE and d.get("status") != "draft"]


def review_of(doc: Document, today: dt.date) -> Review | None:
    due = schema.review_due(doc)
    if due is None:
        return None
    reviewed = as_date(doc.get("last_reviewed"))
    days = (today - due).days if due < today else (due - today).days
    return Review(doc.path, _text(doc.get("title")), _text(doc.get("owner")),
                  reviewed.isoformat() if reviewed else "", due.isoformat(), days)


def review_state(due: dt.date, today: dt.date, within: int = DUE_SOON_DAYS) -> str:
    """The one rule for "overdue" and "due soon": the report, `kmgen check` and the
    published review page all ask it, so they cannot disagree."""
    if due < today:
        return OVERDUE
    return DUE_SOON if due <= today + dt.timedelta(days=within) else ON_TIME


def schedule(hub: Hub, today: dt.date, within: int = DUE_SOON_DAYS) -> list[tuple[Review, str]]:
    """Every reviewable page with a review date and its state, soonest due first."""
    out = [(review, review_state(dt.date.fromisoformat(review.due), today, within))
           for doc in reviewable(hub) if (review := review_of(doc, today)) is not None]
    return sorted(out, key=lambda pair: (pair[0].due, pair[0].path))


def missing_reason(doc: Document) -> str | None:
    """Why a page has no review date (None when it has one)."""
    if schema.review_due(doc) is not None:
        return None
    reviewed = doc.get("last_reviewed")
    if reviewed is None or reviewed == "":
        return "no last_reviewed"
    if as_date(reviewed) is None:
        return f"last_reviewed is not a date: {reviewed!r}"
    return f"review_every is not a period: {doc.get('review_every')!r}"


def translation_of(doc: Document, hub: Hub) -> Translation | None:
    """The state of a translation, or None for a page that is not one (or whose
    `translation_of`/`source_hash` the schema already rejects as malformed)."""
    value = doc.get("translation_of")
    if not isinstance(value, str) or not value.strip() or schema.PLACEHOLDER in value:
        return None
    title = _text(doc.get("title"))
    recorded = doc.get("source_hash")
    written = recorded.strip() if isinstance(recorded, str) else ""
    if is_web_address(value.strip()):
        return Translation(doc.path, title, value.strip(), NOT_A_PAGE, written, "")
    target = normalise(value)
    if target == doc.path:
        return Translation(doc.path, title, target, ITSELF, written, "")
    source = hub.documents.get(target)
    if source is None:
        if _exists_unloaded(hub, target):
            return None  # the source is there but failed to load: its own errors say why
        return Translation(doc.path, title, target, MISSING_SOURCE, written, "")
    current = short_hash(source)
    if recorded is not None and not isinstance(recorded, str):
        return None  # schema: KM220 with a "quote this value" hint
    if written == "":
        status = NO_HASH
    elif not _HASH_RE.match(written.lower()):
        status = BAD_HASH
    else:
        status = CURRENT if source.content_hash.startswith(written.lower()) else CHANGED
    return Translation(doc.path, title, target, status, written, current)


def _exists_unloaded(hub: Hub, target: str) -> bool:
    if target.startswith("../") or target == "..":
        return False  # outside the hub: never look there
    try:
        return (hub.root / target).is_file()
    except (OSError, ValueError):  # a contributed value no file system takes (too long, NUL)
        return False


def build(hub: Hub, today: dt.date, within: int = DUE_SOON_DAYS) -> FreshnessReport:
    scheduled = schedule(hub, today, within)
    overdue = [r for r, state in scheduled if state == OVERDUE]
    soon = [r for r, state in scheduled if state == DUE_SOON]
    dated = {r.path for r, _state in scheduled}
    missing = [MissingReview(doc.path, _text(doc.get("title")), _text(doc.get("owner")), missing_reason(doc) or "")
               for doc in reviewable(hub) if doc.path not in dated]
    stale = [t for _p, d in sorted(hub.documents.items())
             if d.get("status") != "draft" and (t := translation_of(d, hub)) is not None and t.status in STALE]
    return FreshnessReport(today.isoformat(), within, tuple(sorted(overdue, key=lambda r: (r.due, r.path))),
                           tuple(sorted(soon, key=lambda r: (r.due, r.path))), tuple(missing),
                           tuple(sorted(stale, key=lambda t: (STALE.index(t.status), t.path))))


def to_json(report: FreshnessReport) -> dict[str, Any]:
    data = asdict(report)
    for entry in data["overdue"]:
        entry["days_overdue"] = entry.pop("days")
    for entry in data["due_soon"]:
        entry["days_left"] = entry.pop("days")
    data["missing_review_date"] = data.pop("missing")
    data["stale_translations"] = data.pop("translations")
    data["summary"] = {"overdue": len(report.overdue), "due_soon": len(report.due_soon),
                       "missing_review_date": len(report.missing), "stale_translations": len(report.translations)}
    return data


def describe(t: Translation) -> str:
    """What is wrong with a translation and what to do, for people."""
    if t.status == MISSING_SOURCE:
        return f"its source {t.source} does not exist in the hub"
    if t.status == NOT_A_PAGE:
        return f"translation_of is a web address ({t.source}), not a hub page"
    if t.status == ITSELF:
        return "translation_of names the page itself"
    if t.status == NO_HASH:
        return f"no source_hash; if it matches {t.source} now, record source_hash: \"{t.current}\""
    if t.status == BAD_HASH:
        return f"source_hash {t.recorded!r} is not a hash; the source's is \"{t.current}\""
    return (f"{t.source} changed after it was translated (recorded {t.recorded}); "
            f"update the translation, then record source_hash: \"{t.current}\"")


def to_text(report: FreshnessReport) -> str:
    out = [f"Freshness as of {report.today} (due soon: within {report.within} days)", ""]
    out += _section("Overdue", [f"{r.due}  {plural_days(r.days)} overdue  {r.path}  {r.title!r}  owner: {r.owner}"
                                for r in report.overdue])
    out += _section("Due soon", [f"{r.due}  {when(r.days)}  {r.path}  {r.title!r}  owner: {r.owner}"
                                 for r in report.due_soon])
    out += _section("Missing review dates", [f"{m.path}  {m.reason}  owner: {m.owner or '?'}"
                                             for m in report.missing])
    out += _section("Stale translations", [f"{t.path}: {describe(t)}" for t in report.translations])
    out.append(f"{len(report.overdue)} overdue, {len(report.due_soon)} due soon, "
               f"{len(report.missing)} missing a review date, {len(report.translations)} stale translations")
    return "\n".join(out)


def _section(title: str, lines: list[str]) -> list[str]:
    if not lines:
        return [f"{title}: none", ""]
    return [f"{title} ({len(lines)}):", *(f"  {line}" for line in lines), ""]


def when(days_left: int) -> str:
    return "today" if days_left == 0 else f"in {plural_days(days_left)}"


def plural_days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def _text(value: Any) -> str:
    return "" if value is None else str(value)
