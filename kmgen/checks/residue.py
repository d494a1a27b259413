"""Template residue in page bodies (KM901-KM907).

Syntax another site generator would have expanded (`{% include %}`, `{{ var }}`,
`{{< note >}}`, kramdown's `{:.class}`, `&#x20;`) is printed by MkDocs as
literal text and indexed as words. It is an error, so such a page is neither
published nor indexed until it is fixed; `kmgen ingest` converts all of it, and
this check stops it arriving by hand. Code (fenced blocks and code spans) is
left alone: `{{ value }}` in a Helm chart is code, not residue.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kmgen.checks import render_budget as budget
from kmgen.checks.markdown_code import CODE_SPAN, FENCE, blank, closes_fence
from kmgen.diagnostics import Diagnostic, Severity
from kmgen.hub import Hub

if TYPE_CHECKING:
    from kmgen.checks import CheckOptions


@dataclass(frozen=True)
class Residue:
    code: str
    severity: Severity
    pattern: re.Pattern[str]
    what: str
    fix: str


RESIDUE: tuple[Residue, ...] = (
    Residue("KM901", "error", re.compile(r"\{\{[<%].{0,500}?[>%]\}\}"), "Hugo shortcode",
            "use an admonition (!!! note), a Markdown image or link, or plain text; kmgen ingest converts these"),
    Residue("KM902", "error", re.compile(r"\{%-?\s*[\w-]+.{0,500}?%\}"), "Liquid/Nunjucks/GitBook tag",
            "use Markdown: !!! note for hints, === \"Title\" for tabs, a link for embeds; "
            "put template code in a code span or fenced block"),
    Residue("KM903", "error", re.compile(r"\{\{(?![<%]).{0,500}?\}\}"), "template variable",
            "write the value itself, or put the braces in a code span if they are meant to be shown"),
    Residue("KM904", "error", re.compile(r"\{:\s*[^}\n]{0,500}\}"), "kramdown attribute list",
            "remove it, or for a heading id write '## Title { #id }'"),
    Residue("KM905", "error", re.compile(r"&#(?:x0*20|0*32|x0*9|0*9);", re.I), "encoded whitespace",
            "replace it with a plain space (or nothing at the end of a line)"),
    Residue("KM906", "warning", re.compile("(?<=\\w)[\u200b\u200c\ufeff](?=\\w)"), "zero-width character inside a word",
            "delete the invisible character: search cannot find the word while it is there"),
    Residue("KM907", "error", re.compile(r"\]\(broken-reference\)"), "GitBook broken-reference link",
            "link to the page that was meant, or keep only the link text"),
)


def find(body: str, first_line: int = 1) -> list[tuple[int, Residue, str]]:
    """(line, kind, matched text) for every residue outside code."""
    out: list[tuple[int, Residue, str]] = []
    fence: tuple[str, int] | None = None
    for offset, line in enumerate(body.split("\n")):
        if fence:
            if closes_fence(fence[0], fence[1], line):
                fence = None
            continue
        m = FENCE.match(line)
        if m:
            fence = (m.group(1)[0], len(m.group(1)))
            continue
        prose = CODE_SPAN.sub(blank, line) if "`" in line else line
        for kind in RESIDUE:
            hit = kind.pattern.search(prose)
            if hit:
                out.append((first_line + offset, kind, hit.group(0)))
    return out


def check(hub: Hub, options: CheckOptions | None = None) -> list[Diagnostic]:
    diags = []
    printed: _PrintedText | None = None
    for path, doc in sorted(hub.documents.items()):
        for line, kind, text in find(doc.body, doc.body_line):
            if kind.code == "KM904":
                printed = printed or _PrintedText(hub, options)
                if not printed.shows(doc.body, text):
                    continue  # read by Python-Markdown's attr_list: an attribute, not residue
            shown = text if len(text) <= 60 else text[:57] + "..."
            diags.append(Diagnostic(path, line, kind.code, kind.severity,
                                    f"{kind.what} left from another site generator: {shown!r}", kind.fix))
    return diags


class _PrintedText:
    """Whether a `{: ...}` reaches the page as text. Python-Markdown's attr_list reads the
    same syntax after a heading, a block's last line or an inline element, and only the
    renderer knows which: the body is rendered (within the render budget) with the hub's
    own extensions, as MkDocs will render it."""

    def __init__(self, hub: Hub, options: CheckOptions | None) -> None:
        from kmgen.checks import render

        self.seconds = options.render_seconds if options else budget.CPU_SECONDS
        config = options.site_config if options and options.site_config else hub.root.parent / "mkdocs.yml"
        self.site = render.site_markdown(config)[0]
        self._html: dict[str, str] = {}

    def shows(self, body: str, text: str) -> bool:
        if body not in self._html:
            md = self.site.new()
            budget.add_mkdocs_raw_html_reader(md)
            try:
                with budget.limits(self.seconds):
                    self._html[body] = html.unescape(md.convert(body))
            except (budget.RenderTimeout, Exception):  # the render check reports the failure itself
                self._html[body] = body
        return text in self._html[body]
