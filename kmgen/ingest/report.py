"""The accounting of one ingest: every source file ingested, skipped (by which rule) or failed (why).

The totals always add up to the number of files in the source; `check_totals`
says so or raises, so a file can never fall through the cracks unnoticed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

INGESTED, SKIPPED, FAILED = "ingested", "skipped", "failed"
_SHOWN = 15  # lines per list in the printed report; the JSON has them all


@dataclass
class FileOutcome:
    path: str
    outcome: str  # ingested | skipped | failed
    rule: str = ""  # the rule that skipped it, or the failure reason
    dest: str = ""
    kind: str = "page"  # page | asset | other
    written: str = ""  # created | updated | unchanged (ingested files)
    changes: dict[str, int] = field(default_factory=dict)
    derived: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    placeholders: list[str] = field(default_factory=list)


@dataclass
class IngestReport:
    source: str
    format: str
    why: str
    into: str
    collection: str
    dry_run: bool
    files: list[FileOutcome] = field(default_factory=list)
    links: Counter[str] = field(default_factory=Counter)
    unresolved_links: list[dict[str, str]] = field(default_factory=list)
    unmapped_terms: dict[str, dict[str, Any]] = field(default_factory=dict)
    redirects: list[dict[str, str]] = field(default_factory=list)  # redirect stubs: old address -> target
    redirect_maps: dict[str, str] = field(default_factory=dict)  # old hub address -> page (written as aliases)
    redirects_refused: list[dict[str, str]] = field(default_factory=list)  # old addresses not published, why
    orphans: list[str] = field(default_factory=list)
    conflicts: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    residue_left: int = 0

    def add(self, outcome: FileOutcome) -> FileOutcome:
        self.files.append(outcome)
        return outcome

    def totals(self) -> dict[str, int]:
        counts = Counter(f.outcome for f in self.files)
        return {"files": len(self.files), INGESTED: counts[INGESTED], SKIPPED: counts[SKIPPED], FAILED: counts[FAILED]}

    def by(self, outcome: str) -> dict[str, int]:
        return dict(Counter(f.rule for f in self.files if f.outcome == outcome).most_common())

    def as_json(self) -> dict[str, Any]:
        changes: Counter[str] = Counter()
        derived: Counter[str] = Counter()
        for f in self.files:
            changes.update(f.changes)
            derived.update(f.derived)
        return {
            "source": self.source, "format": self.format, "detected_because": self.why, "into": self.into,
            "collection": self.collection, "dry_run": self.dry_run, "totals": self.totals(),
            "written": dict(Counter(f.written for f in self.files if f.written)),
            "skipped_by_rule": self.by(SKIPPED), "failed_by_reason": self.by(FAILED),
            "changes": dict(changes.most_common()), "derived_fields": dict(derived.most_common()),
            "placeholders": sum(len(f.placeholders) for f in self.files),
            "residue_left": self.residue_left,
            "links": dict(self.links.most_common()), "unresolved_links": self.unresolved_links,
            "unmapped_terms": self.unmapped_terms, "redirects": self.redirects,
            "redirect_maps": self.redirect_maps, "redirects_refused": self.redirects_refused,
            "orphans": self.orphans,
            "conflicts": self.conflicts, "warnings": self.warnings,
            "files": [asdict(f) for f in self.files],
        }

    def as_text(self) -> str:
        t = self.totals()
        out = [f"{self.source}: {self.format} ({self.why})",
               f"{t['files']} files: {t[INGESTED]} ingested, {t[SKIPPED]} skipped, {t[FAILED]} failed"
               + (" (dry run: nothing written)" if self.dry_run else f" into {self.into}")]
        written = Counter(f.written for f in self.files if f.written)
        if written:
            out.append("  written: " + ", ".join(f"{n} {k}" for k, n in sorted(written.items())))
        for title, counts in (("skipped by rule", self.by(SKIPPED)), ("failed", self.by(FAILED))):
            if counts:
                out.append(f"{title}:")
                out.extend(f"  {n:5d}  {rule}" for rule, n in list(counts.items())[:_SHOWN])
        data = self.as_json()
        for title, key in (("converted", "changes"), ("derived fields", "derived_fields"), ("links", "links")):
            if data[key]:
                out.append(f"{title}:")
                out.extend(f"  {n:5d}  {k}" for k, n in list(data[key].items())[:_SHOWN])
        if data["placeholders"]:
            out.append(f"{data['placeholders']} visible placeholders left where nothing equivalent exists "
                       "(search the pages for 'not imported:')")
        if self.unmapped_terms:
            out.append(f"{len(self.unmapped_terms)} source terms not in the taxonomy (kept in source_meta; "
                       "map them under 'vocabulary:' in a mapping file):")
            for term, info in list(self.unmapped_terms.items())[:_SHOWN]:
                hint = ", ".join(info["suggestions"]) or "no close concept"
                out.append(f"  {info['count']:5d}  {term!r} -> {hint}")
        for title, items in (("conflicts (not overwritten)", [f"{c['path']}: {c['reason']}" for c in self.conflicts]),
                             ("orphans (not in SUMMARY.md)", self.orphans), ("warnings", self.warnings)):
            if items:
                out.append(f"{title}: {len(items)}")
                out.extend(f"  {item}" for item in items[:_SHOWN])
        if self.redirect_maps:
            out.append(f"{len(self.redirect_maps)} old addresses written as 'aliases:' of their pages: "
                       "kmgen build publishes each as a redirect")
        if self.redirects_refused:
            out.append(f"{len(self.redirects_refused)} old addresses not published as redirects:")
            out.extend(f"  {r['from']} ({r['page']}): {r['reason']}" for r in self.redirects_refused[:_SHOWN])
        return "\n".join(out)


def check_totals(report: IngestReport, expected: int) -> None:
    """Every file of the source has exactly one outcome."""
    paths = [f.path for f in report.files if f.kind != "other"]
    if len(paths) != len(set(paths)) or report.totals()["files"] != expected:
        raise AssertionError(f"ingest accounted for {report.totals()['files']} files of {expected}")
