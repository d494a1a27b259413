"""The one error value of kmgen: every loader and check returns a list of these."""

from __future__ import annotations

import json
import posixpath
import re
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
        # One line per diagnostic whatever the contributed text holds, and never
        # one a CI runner reads as a workflow command (a file may be named "::x").
        path = printable(self.path).replace("::", ":\\:")
        where = f"{path}:{self.line}" if self.line else path
        hint = f" ({printable(self.hint)})" if self.hint else ""
        return f"{where}: {self.code} {self.severity}: {printable(self.message)}{hint}"

    def to_github(self, prefix: str = "") -> str:
        # GitHub workflow commands: the message must have %, CR and LF escaped,
        # properties additionally ',' and ':'. GitHub attaches an annotation to a
        # file by its path in the repository, hence `prefix` (e.g. "content/").
        level = {"error": "error", "warning": "warning", "note": "notice"}[self.severity]
        props = f"file={_gh_prop(printable(posixpath.normpath(prefix + self.path)))}"  # content/../mkdocs.yml
        if self.line:
            props += f",line={self.line}"
        props += f",title={_gh_prop(self.code)}"
        text = self.message + (f" Hint: {self.hint}" if self.hint else "")
        return f"::{level} {props}::{_gh_data(printable(text, keep_newlines=True))}"


# What contributed text must not bring to a terminal or a CI log: C0 controls
# (ESC starts colour, OSC 8 hyperlink and OSC 52 clipboard sequences), DEL, C1
# controls (U+009B is a one-character CSI), bidirectional overrides and isolates
# (text that reads differently than it is), and Unicode line separators.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
_UNSAFE_OR_LF = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# The legacy `##[command]` form is read anywhere in a line of a workflow log.
_LEGACY_COMMAND = "##["


def printable(text: str, keep_newlines: bool = False) -> str:
    """`text` safe to print for people: every control character shown as a visible
    escape (`\\n`, `\\x1b`, `\\u202e`) instead of acted on. With `keep_newlines`,
    line feeds and tabs stay (for multi-line output laid out by kmgen itself)."""
    pattern = _UNSAFE_OR_LF if keep_newlines else _UNSAFE
    safe = pattern.sub(_escape, text)
    return safe.replace(_LEGACY_COMMAND, "#\\#[")


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def json_safe(text: str) -> str:
    """JSON text with the characters of `printable` written as \\u escapes: the same
    data for a parser, nothing a terminal acts on when it is printed."""
    # json.dumps escapes C0 controls inside strings already; a C0 character left
    # in its output is layout (the line feeds of indent), so only the rest is escaped.
    escaped = _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
    return escaped.replace(_LEGACY_COMMAND, "##\\u005b")


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
    return json_safe(json.dumps([asdict(d) for d in diags], indent=2, ensure_ascii=False))
