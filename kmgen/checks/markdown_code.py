"""Code and comments in Markdown lines, matched the way Python-Markdown reads them:
what the external link check skips (a reader cannot follow a link written
there), and what `rendered` blanks out when it looks for the line a rendered
link was written on."""

from __future__ import annotations

import re

FENCE = re.compile(r"^\s*(`{3,}|~{3,})")  # group 1: the opening run of ` or ~
CODE_SPAN = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)")
COMMENT = re.compile(r"<!--.*?-->")  # on one line


def closes_fence(char: str, size: int, line: str) -> bool:
    """A fence closes only with the same character, at least as many, and nothing after."""
    return re.fullmatch(rf"\s*{re.escape(char)}{{{size},}}\s*", line) is not None


def blank(match: re.Match[str]) -> str:
    """Spaces as wide as the match, so what follows on the line keeps its column."""
    return " " * len(match.group(0))
