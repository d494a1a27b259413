"""What the last ingest wrote, so a second run changes only what changed upstream
and never overwrites a page the hub has edited since (a conflict, reported)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from kmgen.writes import write_atomic

CREATED, UPDATED, UNCHANGED, CONFLICT = "created", "updated", "unchanged", "conflict"


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class IngestState:
    path: Path
    written: dict[str, str] = field(default_factory=dict)  # dest rel -> hash of the bytes last written

    @classmethod
    def load(cls, path: Path) -> IngestState:
        try:
            data = json.loads(path.read_text("utf-8"))
            written = {str(k): str(v) for k, v in data.get("written", {}).items()}
        except (OSError, ValueError, AttributeError):
            written = {}
        return cls(path, written)

    def decide(self, target: Path, rel: str, data: bytes) -> tuple[str, str]:
        """(what to do, why) for writing `data` to `target`."""
        new = digest(data)
        try:
            current = digest(target.read_bytes())
        except FileNotFoundError:
            if rel in self.written:
                return CONFLICT, "removed from the hub since the last ingest; not written again"
            return CREATED, ""
        if current == new:
            return UNCHANGED, ""
        if self.written.get(rel) == current:
            return UPDATED, ""
        if rel in self.written:
            return CONFLICT, "edited in the hub since the last ingest; the upstream change was not applied"
        return CONFLICT, "a file the last ingest did not write is already there; not overwritten"

    def record(self, rel: str, data: bytes) -> None:
        self.written[rel] = digest(data)

    def save(self, source: str) -> None:
        payload = {"version": 1, "source": source, "written": dict(sorted(self.written.items()))}
        write_atomic(self.path, (json.dumps(payload, indent=1, ensure_ascii=False) + "\n").encode("utf-8"))
