"""Review dates and translations in `kmgen check` (KM601-KM615).

The schema already reports a missing or malformed `last_reviewed`,
`review_every`, `translation_of` or `source_hash` (KM202, KM220-KM222, KM230);
this check only speaks about well-formed values, so nothing is reported twice.
"""

from __future__ import annotations

import datetime as dt
import difflib

from kmgen.checks import CheckOptions
from kmgen.content import Document
from kmgen.diagnostics import Diagnostic, Severity
from kmgen.hub import Hub
from kmgen.reports import freshness as fr

OVERDUE_HINT = "review it and update last_reviewed, or hand it to a new owner"


def check(hub: Hub, options: CheckOptions) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    for doc in fr.reviewable(hub):
        diags.extend(_review(doc, options))
    for _path, doc in sorted(hub.documents.items()):
        diags.extend(_translation(doc, hub))
    return diags


def _review(doc: Document, options: CheckOptions) -> list[Diagnostic]:
    review = fr.review_of(doc, options.today)
    if review is None:
        return []
    line = doc.line_of("last_reviewed")
    state = fr.review_state(dt.date.fromisoformat(review.due), options.today)
    if state == fr.OVERDUE:
        severity: Severity = "error" if options.strict_freshness else "warning"
        return [Diagnostic(doc.path, line, "KM601", severity,
                           f"past its review date: due {review.due}, {fr.plural_days(review.days)} overdue",
                           OVERDUE_HINT, "last_reviewed")]
    if state == fr.DUE_SOON:
        return [Diagnostic(doc.path, line, "KM602", "note", f"review is due {fr.when(review.days)} ({review.due})",
                           "review it by then and update last_reviewed", "last_reviewed")]
    return []


def _translation(doc: Document, hub: Hub) -> list[Diagnostic]:
    t = fr.translation_of(doc, hub)
    if t is None:
        return _orphan_hash(doc)
    line = doc.line_of("translation_of")
    hash_line = doc.line_of("source_hash") or line
    if t.status == fr.MISSING_SOURCE:
        return [Diagnostic(doc.path, line, "KM610", "error",
                           f"'translation_of' names {t.source}, which does not exist in the hub",
                           _closest(t.source, hub), "translation_of")]
    if t.status == fr.NOT_A_PAGE:
        return [Diagnostic(doc.path, line, "KM611", "error",
                           f"'translation_of' must be a hub page, got the web address {t.source!r}",
                           "for material outside the hub use based_on", "translation_of")]
    if t.status == fr.ITSELF:
        return [Diagnostic(doc.path, line, "KM611", "error", "'translation_of' names this page itself",
                           "name the page this one translates", "translation_of")]
    if t.status == fr.NO_HASH:
        return [Diagnostic(doc.path, line, "KM612", "warning",
                           f"translation of {t.source} records no source_hash, so kmgen cannot tell when the "
                           "source changes",
                           f"if it matches {t.source} as it is now, add source_hash: \"{t.current}\"",
                           "source_hash")]
    if t.status == fr.BAD_HASH:
        return [Diagnostic(doc.path, hash_line, "KM614", "warning",
                           f"'source_hash' must be the first {fr.HASH_LENGTH} characters of the source's hash, "
                           f"got {t.recorded!r}", f"the source's hash now is \"{t.current}\"", "source_hash")]
    if t.status == fr.CHANGED:
        return [Diagnostic(doc.path, hash_line, "KM613", "warning",
                           f"the source changed after it was translated: {t.source} is now {t.current}, "
                           f"translated from {t.recorded}",
                           f"update the translation from {t.source}, then set source_hash: \"{t.current}\"",
                           "source_hash")]
    return []


def _orphan_hash(doc: Document) -> list[Diagnostic]:
    if doc.get("source_hash") in (None, "") or doc.get("translation_of") not in (None, ""):
        return []
    return [Diagnostic(doc.path, doc.line_of("source_hash"), "KM615", "warning",
                       "'source_hash' only means something on a translation",
                       "add translation_of: <path of the source page>, or remove source_hash", "source_hash")]


def _closest(target: str, hub: Hub) -> str:
    close = difflib.get_close_matches(target, sorted(hub.documents), n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    return "give the source's path relative to content/, e.g. playbooks/page.md"
