"""Opening and closing template tags matched in one linear pass, innermost handled first.

A source page is untrusted: a regular expression that looks for the closing tag
of every opening tag costs the square of the page's length when thousands of
tags are never closed. Here the tags are found once, matched with a stack, and
an opening tag without its closing tag is simply not a block (it is left for
the single-tag conversions, which show it as a placeholder).
"""

from __future__ import annotations

import re
from collections.abc import Callable

MAX_DEPTH = 20  # deeper nesting is left as it is; no page anyone wrote nests this far
_REACH = 50  # how far down the stack a closing tag looks for its opening tag

# (name, arguments, inner text already converted) -> replacement
Handler = Callable[[str, str, str], str]


def convert_blocks(text: str, tag: re.Pattern[str], closer_name: Callable[[str], str | None],
                   paired: Callable[[str], bool], handle: Handler, depth: int = 0) -> str:
    """Replace every matched block. `tag` matches one tag with groups (name, arguments);
    `closer_name` gives the block a closing tag ends ("endhint" -> "hint", "/note" -> "note")."""
    if depth > MAX_DEPTH:
        return text
    tags = list(tag.finditer(text))
    matched = _matched_openers(tags, closer_name, paired)
    if not matched:
        return text
    out: list[str] = []
    pos = 0
    stack: list[re.Match[str]] = []
    for m in tags:
        name = m.group(1)
        closes = closer_name(name)
        if closes is None:
            if m.start() in matched:
                stack.append(m)
            continue
        index = _find(stack, closes)
        if index is None:
            continue
        opener = stack[index]
        del stack[index:]
        if stack:
            continue  # an inner block: converted when its enclosing block is
        inner = convert_blocks(text[opener.end():m.start()], tag, closer_name, paired, handle, depth + 1)
        out.append(text[pos:opener.start()])
        out.append(handle(opener.group(1), opener.group(2) or "", inner))
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def _matched_openers(tags: list[re.Match[str]], closer_name: Callable[[str], str | None],
                     paired: Callable[[str], bool]) -> set[int]:
    """Start offsets of the opening tags that have a closing tag."""
    stack: list[re.Match[str]] = []
    matched: set[int] = set()
    for m in tags:
        name = m.group(1)
        closes = closer_name(name)
        if closes is None:
            if paired(name):
                stack.append(m)
            continue
        index = _find(stack, closes)
        if index is not None:
            matched.add(stack[index].start())
            del stack[index:]
    return matched


def _find(stack: list[re.Match[str]], name: str) -> int | None:
    for i in range(len(stack) - 1, max(-1, len(stack) - 1 - _REACH), -1):
        if stack[i].group(1) == name:
            return i
    return None
