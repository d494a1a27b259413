"""Ingested pages as bytes kmgen's own loader accepts, and their careful writing.

Each page is rendered, then read back with kmgen's strict loader: a page kmgen
itself would refuse is reported as failed instead of written. Writing goes
through the ingest state, so a page edited in the hub is never overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from kmgen.checks import residue
from kmgen.content import parse_document
from kmgen.ingest.report import FAILED, FileOutcome, IngestReport
from kmgen.ingest.state import CONFLICT, UNCHANGED, IngestState
from kmgen.ingest.values import yaml_ready
from kmgen.writes import write_atomic

if TYPE_CHECKING:
    from kmgen.ingest.run import Options
    from kmgen.ingest.sourcetree import SourceTree

FIELD_ORDER = ("title", "summary", "type", "language", "license", "status", "tags", "contributors")


@dataclass(frozen=True)
class Output:
    dest: str
    data: bytes


class _Dumper(yaml.CSafeDumper):
    """Block style, keys in the order given, long lines kept whole."""


def render(dest: str, front: dict[str, Any], body: str) -> Output:
    ordered = {k: front[k] for k in FIELD_ORDER if k in front}
    ordered.update({k: v for k, v in front.items() if k not in ordered and k not in ("imported", "source_meta")})
    ordered["imported"] = front["imported"]
    if front.get("source_meta"):
        ordered["source_meta"] = front["source_meta"]
    yaml_text = yaml.dump(yaml_ready(ordered), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100000,
                          default_flow_style=False)
    data = ("---\n" + yaml_text + "---\n\n" + body.strip("\n") + "\n").encode("utf-8")
    doc, diags = parse_document(dest, data)
    errors = [d for d in diags if d.severity == "error"]
    if doc is None or errors:
        raise ValueError("the converted page would not load: " + (errors[0].message if errors else "unknown"))
    return Output(dest, data)


def scrub_residue(body: str, outcome: FileOutcome) -> tuple[str, int]:
    """Anything template-like the conversions did not know, replaced by a visible placeholder
    on its line, so the hub's residue check (and the search index) never meets it."""
    found = residue.find(body)
    if not found:
        return body, 0
    lines = body.split("\n")
    for line_no, kind, text in found:
        if kind.severity != "error":
            lines[line_no - 1] = lines[line_no - 1].replace(text, "".join(c for c in text if c.isprintable()
                                                                           and c not in "\u200b\u200c\ufeff"))
            continue
        what = kind.what.lower()
        lines[line_no - 1] = lines[line_no - 1].replace(text, f"*[not imported: {what}]*")
        outcome.placeholders.append(f"{what} on line {line_no}")
    again = residue.find("\n".join(lines))
    return "\n".join(lines), len(again)


def write_all(outputs: list[Output], assets: dict[str, FileOutcome], tree: SourceTree, options: Options,
              report: IngestReport) -> None:
    by_dest = {f.dest: f for f in report.files if f.kind == "page" and f.dest}
    state = IngestState.load(options.state_path)
    for out in outputs:
        _write(options.into / out.dest, out.dest, out.data, by_dest[out.dest], state, options, report)
    for rel, outcome in assets.items():
        if outcome.dest and outcome.outcome != FAILED:
            _write(options.into / outcome.dest, outcome.dest, (tree.root / rel).read_bytes(), outcome, state,
                   options, report)
    if not options.dry_run:
        state.save(str(tree.root))


def _write(target: Path, rel: str, data: bytes, outcome: FileOutcome, state: IngestState, options: Options,
           report: IngestReport) -> None:
    action, why = state.decide(target, rel, data)
    outcome.written = action
    if action == CONFLICT:
        outcome.outcome, outcome.rule = FAILED, f"conflict: {why}"
        report.conflicts.append({"path": rel, "source": outcome.path, "reason": why})
        return
    if options.dry_run:
        return
    if action != UNCHANGED:
        write_atomic(target, data)
    state.record(rel, data)
