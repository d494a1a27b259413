"""Code in a Markdown body, set aside while template syntax around it is converted.

`{{ value }}` inside a fenced block is a Helm chart or a Postman variable, not a
template: conversions must not touch it. Each fenced block becomes one token
line and each code span one inline token; `restore` puts them back, indenting a
block's lines as far as its token line was indented (a block moved into an
admonition or a content tab must move with it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kmgen.checks.markdown_code import FENCE, closes_fence

_BLOCK_TOKEN = "\x00KMGENCODE{}\x00"
_SPAN_TOKEN = "\x01{}\x01"
_BLOCK_RE = re.compile(r"^([ \t>]*)\x00KMGENCODE(\d+)\x00[ \t]*$", re.M)
_SPAN_RE = re.compile(r"\x01(\d+)\x01")
_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")


@dataclass
class Masked:
    text: str
    blocks: list[list[str]] = field(default_factory=list)
    spans: list[str] = field(default_factory=list)

    def keep(self, literal: str) -> str:
        """Set aside a piece of text (e.g. the inside of `{% raw %}`) as it is."""
        self.spans.append(literal)
        return _SPAN_TOKEN.format(len(self.spans) - 1)

    def restore(self, text: str) -> str:
        def block(m: re.Match[str]) -> str:
            indent = m.group(1)
            lines = self.blocks[int(m.group(2))]
            return "\n".join(indent + line if line else indent.rstrip() for line in lines)

        text = _BLOCK_RE.sub(block, text)
        for _ in range(3):  # a kept piece may itself hold a span token
            if "\x01" not in text:
                break
            text = _SPAN_RE.sub(lambda m: self.spans[int(m.group(1))], text)
        return text


def mask(body: str) -> Masked:
    out = Masked("")
    lines = body.split("\n")
    kept: list[str] = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if m:
            indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
            char, size = m.group(1)[0], len(m.group(1))
            j = i + 1
            while j < len(lines) and not closes_fence(char, size, lines[j]):
                j += 1
            block = [line[len(indent):] if line.startswith(indent) else line.lstrip()
                     for line in lines[i:min(j + 1, len(lines))]]
            out.blocks.append(block)
            kept.append(indent + _BLOCK_TOKEN.format(len(out.blocks) - 1))
            i = j + 1
            continue
        kept.append(_SPAN.sub(lambda s: out.keep(s.group(0)), lines[i]) if "`" in lines[i] else lines[i])
        i += 1
    out.text = "\n".join(kept)
    return out
