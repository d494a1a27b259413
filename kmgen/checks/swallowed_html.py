"""Raw HTML that takes page text with it (KM950, KM951).

The published body goes through the sanitiser, which removes `<script>`,
`<style>`, `<svg>` ... together with everything inside them, and a browser
reads all that follows an unclosed `<textarea>`, `<title>` or `<plaintext>`
as raw text. (An unclosed `<!--` is harmless: Python-Markdown prints it as text.) Left unsaid, a
contributor's paragraphs would vanish from the site without a word, so:

- an element of either kind that is never closed is an error (KM950): the
  rest of the page after it would be lost;
- a closed element whose content the sanitiser removes is a warning (KM951):
  the page publishes, without it.

Code (fences, indented blocks are left to Markdown, code spans) is text, not HTML.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from kmgen.checks.markdown_code import CODE_SPAN, FENCE, blank, closes_fence
from kmgen.diagnostics import Diagnostic
from kmgen.hub import Hub
from kmgen.publish.sanitize import DROPPED_WITH_CONTENT

if TYPE_CHECKING:
    from kmgen.checks import CheckOptions

# Elements whose content a browser reads as raw text up to their end tag: their tag is
# dropped by the sanitiser but, unclosed, they swallow every later paragraph as text.
RAW_TEXT = frozenset({"textarea", "title", "xmp", "noembed", "noframes", "plaintext"})
_OPEN = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)\b[^>]*?(/?)>|<!--", re.S)
_LIST_ITEM = re.compile(r" {0,3}(?:[*+-]|\d+[.)])\s")
# An attribute list ending a line: attr_list turns it into attributes, never into HTML.
_ATTR_LIST = re.compile(r"\{:?[ ]*[#.\w][^}\n]*\}[ ]*$")
_HINT_SHOW = "to show the markup itself, put it in a code span (`<script>`) or a fenced code block"


def _prose(body: str) -> str:
    """The body with code blanked (fenced and indented blocks, code spans), line breaks kept."""
    out: list[str] = []
    fence: tuple[str, int] | None = None
    in_code = in_list = False
    previous_blank = True
    for line in body.split("\n"):
        if fence:
            out.append("")
            if closes_fence(fence[0], fence[1], line):
                fence = None
            continue
        m = FENCE.match(line)
        indented = line.startswith(("    ", "\t"))
        # Python-Markdown's indented code: after a blank line, outside a list item.
        in_code = indented and (in_code or (previous_blank and not in_list)) and bool(line.strip())
        if m and not in_code:
            fence = (m.group(1)[0], len(m.group(1)))
        if line.strip() and not indented:
            in_list = _LIST_ITEM.match(line) is not None
        previous_blank = not line.strip()
        if fence or in_code:
            out.append("")
        else:
            line = CODE_SPAN.sub(blank, line) if "`" in line else line
            out.append(_ATTR_LIST.sub(blank, line) if "{" in line else line)
    return "\n".join(out)


def find(body: str) -> list[tuple[int, str, str]]:
    """(0-based line, code, element name) for each element that loses text."""
    text = _prose(body)
    found: list[tuple[int, str, str]] = []
    pos = 0
    while (m := _OPEN.search(text, pos)) is not None:
        line = text.count("\n", 0, m.start())
        if m.group(0) == "<!--":
            end = text.find("-->", m.end())
            # unclosed, Python-Markdown prints it as text: nothing is lost
            pos = m.end() if end < 0 else end + 3
            continue
        closing, name, self_closing = m.group(1), m.group(2).lower(), m.group(3)
        pos = m.end()
        if closing or self_closing or name not in DROPPED_WITH_CONTENT | RAW_TEXT:
            continue
        if name == "embed":  # a void element: nothing inside it, nothing after it swallowed
            found.append((line, "KM951", name))
            continue
        close = None if name == "plaintext" else re.compile(rf"</{name}\s*>", re.I).search(text, m.end())
        if close is None:
            found.append((line, "KM950", name))
            break  # everything after is already lost
        if name in DROPPED_WITH_CONTENT:
            found.append((line, "KM951", name))
        pos = close.end()
    return found


def check(hub: Hub, options: CheckOptions | None = None) -> list[Diagnostic]:
    diags = []
    for path, doc in sorted(hub.documents.items()):
        for offset, code, name in find(doc.body):
            line = doc.body_line + offset
            if code == "KM950":
                fate = "lost from" if name in DROPPED_WITH_CONTENT else "shown as raw markup on"
                diags.append(Diagnostic(path, line, code, "error",
                                        f"<{name}> is never closed: everything after it would be {fate} the page",
                                        f"close it (</{name}>) or remove it; " + _HINT_SHOW))
            else:
                diags.append(Diagnostic(path, line, code, "warning",
                                        f"<{name}> is removed with everything inside it when the page is published",
                                        "the site runs no scripts, styles or embedded objects from pages: "
                                        "use Markdown, an image file, or " + _HINT_SHOW))
    return diags
