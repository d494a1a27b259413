"""The one error value of kmgen: every loader and check returns a list of these."""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning", "note"]
_RANK = {"error": 0, "warning": 1, "note": 2}


@dataclass(frozen=True)
class Diagnostic:
    """A problem (or a notice) about one place in one file.

    `line` is 1-based; 0 means "the file as a whole". `field` names the
    front-matter key when there is one, so a contributor can find it even when
    the line number is not enough.
    """

    path: str
    line: int
    code: str
    severity: Severity
    message: str
    hint: str = ""
    field: str | None = None

    def sort_key(self) -> tuple[str, int, int, str, str]:
        # The message last: two problems with one code on one line keep one order.
        return (self.path, self.line, _RANK[self.severity], self.code, self.message)

    def to_text(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}: {self.code} {self.severity}: {self.message}{hint}"

    def to_github(self, prefix: str = "") -> str:
        # GitHub workflow commands: the message must have %, CR and LF escaped,
        # properties additionally ',' and ':'. GitHub attaches an annotation to a
        # file by its path in the repository, hence `prefix` (e.g. "content/").
        level = {"error": "error", "warning": "warning", "note": "notice"}[self.severity]
        props = f"file={_gh_prop(posixpath.normpath(prefix + self.path))}"  # content/../mkdocs.yml
        if self.line:
            props += f",line={self.line}"
        props += f",title={_gh_prop(self.code)}"
        text = self.message + (f" Hint: {self.hint}" if self.hint else "")
        return f"::{level} {props}::{_gh_data(text)}"


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def sort(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    return sorted(set(diags), key=Diagnostic.sort_key)


def count(diags: Iterable[Diagnostic]) -> dict[str, int]:
    counts = {"error": 0, "warning": 0, "note": 0}
    for d in diags:
        counts[d.severity] += 1
    return counts


def to_json(diags: Iterable[Diagnostic]) -> str:
    return json.dumps([asdict(d) for d in diags], indent=2, ensure_ascii=False)
