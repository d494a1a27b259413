"""Markdown dialects and HTML habits of other generators, written the way Python-Markdown reads them.

kramdown attribute lists, GitBook's heading anchors and figures, encoded
whitespace, zero-width characters inside words, `#Heading` without a space,
and `markdown="1"` HTML wrappers. Runs on a masked body (code set aside).
"""

from __future__ import annotations

import re

from kmgen.checks.render import SAFE_ID
from kmgen.ingest.templates import Conversion

_IAL_LINE = re.compile(r"^[ \t]*\{:\s*([^}\n]*)\}[ \t]*$", re.M)
_IAL_TRAILING = re.compile(r"[ \t]*\{:\s*([.#][^}\n]*)\}[ \t]*$", re.M)
_HEADING_ID = re.compile(r"^([ \t]{0,3}#{1,6}[ \t]+.*?)[ \t]*\{(?::[ \t]*)?#([\w:.-]+)[ \t]*\}[ \t]*$", re.M)
_GITBOOK_ANCHOR = re.compile(r"^([ \t]{0,3}#{1,6}[ \t].*?)[ \t]*<a href=\"#([^\"]+)\" id=\"\2\"></a>[ \t]*$", re.M)
_TIGHT_HEADING = re.compile(r"^(#{1,6})(?=[A-Z\u00c0-\u00de])", re.M)
_ENCODED_SPACE = re.compile(r"&#(?:x0*20|0*32|x0*9|0*9);", re.I)
_ZERO_WIDTH_ALWAYS = re.compile("[\u200b\u2060\ufeff]")
_ZERO_WIDTH_JOINER = re.compile(r"(?<=[A-Za-z\u00c0-\u024f])[\u200c\u200d](?=[A-Za-z\u00c0-\u024f])")
_FIGURE = re.compile(r"<figure>\s*<img\s+([^>]{0,2000}?)/?>\s*(?:<figcaption>(.{0,2000}?)</figcaption>\s*)?</figure>",
                     re.S | re.I)
_IMG_ATTR = re.compile(r"""(src|alt)\s*=\s*"([^"]*)\"""", re.I)
_MD_ATTR = re.compile(r"""<(\w+)([^>]{0,500}?)\smarkdown\s*=\s*["']?(?:1|block|span)["']?([^>]{0,500})>""", re.I)
_ANGLE_TARGET = re.compile(r"\]\(<([^>\n]*)>(\s+\"[^\"]*\")?\)")
_SPACED_TARGET = re.compile(r"\]\(([^()\n\"<> ]+(?: [^()\n\"<> ]+)+\.[A-Za-z0-9]{2,5})\)")
_ESCAPED_LT = re.compile(r"\\<")
_IFRAME = re.compile(r"""<iframe\b[^>]{0,1000}?\ssrc=["'](https?://[^"']+)["'](?:[^>]{0,1000}?\stitle=["']([^"']*)["'])?"""
                     r"""[^>]{0,1000}>"""
                     r"\s*</iframe>", re.I)
# Tags whose content an HTML parser reads as raw text to the closing tag: left in prose they
# would hide the rest of the page (and the sanitiser drops them anyway).
_RAW_TEXT_TAG = re.compile(r"<(?=/?(?:script|style|textarea|title|xmp|noscript|plaintext|iframe)\b)", re.I)
MAX_WRAPPERS = 500  # per page; more is not a page but an attack on the converter
_FOOTNOTE_DEF = re.compile(r"^\[\^([^\]\s]+)\]:[ \t]?", re.M)
_BROKEN_REF = re.compile(r"(!?)\[([^\]\n]{0,500})\]\((broken-reference|file:///[^)\s]{0,500})\)")


def convert(text: str, conv: Conversion) -> str:
    # CommonMark reads `\<` as a literal '<'; Python-Markdown leaves a raw tag that could
    # swallow the rest of the page (`\<script>` in prose about XSS).
    text = _count_sub(_ESCAPED_LT, "&lt;", text, conv, "escaped '<' written as &lt;")
    text = _count_sub(_IFRAME, lambda m: f"[{m.group(2) or 'Embedded content'}]({m.group(1)})", text, conv,
                      "iframe -> link")
    text = _count_sub(_RAW_TEXT_TAG, "&lt;", text, conv, "script/style tag in prose shown as text")
    text = _count_sub(_ENCODED_SPACE, " ", text, conv, "encoded space (&#x20;) -> space")
    text = re.sub(r"[ \t]+$", "", text, flags=re.M) if conv.changes["encoded space (&#x20;) -> space"] else text
    text = _count_sub(_ZERO_WIDTH_ALWAYS, "", text, conv, "zero-width character removed")
    text = _count_sub(_ZERO_WIDTH_JOINER, "", text, conv, "zero-width joiner inside a word removed")
    text = _count_sub(_TIGHT_HEADING, r"\1 ", text, conv, "space added after '#' in a heading")
    text = _count_sub(_GITBOOK_ANCHOR, _heading_id, text, conv, "gitbook heading anchor -> heading id")
    text = _count_sub(_HEADING_ID, _heading_id, text, conv, "heading {#id} -> attribute list")
    text = _count_sub(_IAL_TRAILING, "", text, conv, "kramdown class attributes removed")
    text = _count_sub(_IAL_LINE, "", text, conv, "kramdown attribute line removed")
    text = re.sub(r"^[*-] TOC[ \t]*$", "", text, flags=re.M)
    text = _figures(text, conv)
    text = _markdown_in_html(text, conv)
    text = _count_sub(_ANGLE_TARGET, lambda m: "](" + m.group(1).replace(" ", "%20") + (m.group(2) or "") + ")",
                      text, conv, "angle-bracket link target -> encoded address")
    text = _count_sub(_SPACED_TARGET, lambda m: "](" + m.group(1).replace(" ", "%20") + ")", text, conv,
                      "spaces in a link target encoded")
    text = _unreferenced_footnotes(text, conv)
    return _broken_references(text, conv)


def _heading_id(m: re.Match[str]) -> str:
    """An explicit heading id the hub accepts (letters and digits first, then `_.:-`; KM824): leading
    punctuation dropped (GitBook's `_rabzu5fms5j8`); anything else leaves the heading its own id.
    Links to the old id still find it: anchors are matched folded to letters and digits."""
    wanted = re.sub(r"^[^A-Za-z0-9]+", "", m.group(2))
    return f"{m.group(1)} {{ #{wanted} }}" if SAFE_ID.fullmatch(wanted) else m.group(1)


def _count_sub(pattern: re.Pattern[str], repl: object, text: str, conv: Conversion, label: str) -> str:
    new, n = pattern.subn(repl, text)  # type: ignore[call-overload]
    if n:
        conv.changes[label] += n
    return str(new)


def _figures(text: str, conv: Conversion) -> str:
    def one(m: re.Match[str]) -> str:
        found = {k.lower(): v for k, v in _IMG_ATTR.findall(m.group(1))}
        src = found.get("src", "")
        if not src:
            return m.group(0)
        caption = re.sub(r"<[^>]+>", "", m.group(2) or "").strip()
        alt = found.get("alt") or caption
        conv.changes["figure -> image"] += 1
        image = f"![{alt}]({src.replace(' ', '%20')})"
        return f"{image}\n\n*{caption}*" if caption and caption != alt else image

    return _FIGURE.sub(one, text)


def _markdown_in_html(text: str, conv: Conversion) -> str:
    """kramdown's `markdown="1"` asks for Markdown inside an HTML element. Python-Markdown
    (without md_in_html, which kmgen leaves off) would show it raw, so the wrapper
    element goes and its content stays."""
    pos = 0
    for _ in range(MAX_WRAPPERS):
        m = _MD_ATTR.search(text, pos)
        if not m:
            break
        tag = m.group(1).lower()
        end = _matching_close(text, tag, m.end())
        inner = text[m.end():end] if end is not None else text[m.end():]
        after = text[end + len(f"</{tag}>"):] if end is not None else ""
        conv.changes[f"<{tag} markdown=\"1\"> wrapper removed (content kept)"] += 1
        text = text[:m.start()] + "\n" + inner + "\n" + after
        pos = m.start()
    return text


def _matching_close(text: str, tag: str, start: int) -> int | None:
    depth = 1
    for m in re.finditer(rf"<(/?){tag}\b[^>]{{0,1000}}>", text[start:], re.I):
        depth += -1 if m.group(1) else 1
        if depth == 0:
            return start + m.start()
    return None


def _broken_references(text: str, conv: Conversion) -> str:
    def one(m: re.Match[str]) -> str:
        conv.changes["link broken upstream -> text"] += 1
        conv.broken_upstream.append(m.group(3))
        return m.group(2)

    return _BROKEN_REF.sub(one, text)


def _unreferenced_footnotes(text: str, conv: Conversion) -> str:
    """A footnote nothing refers to renders with a back-link to nowhere (a strict build
    fails on it), so its definition becomes a plain paragraph starting with its label."""
    labels = set(_FOOTNOTE_DEF.findall(text))
    if not labels:
        return text
    used = {label for label in labels if re.search(rf"\[\^{re.escape(label)}\](?!:)", text)}

    def one(m: re.Match[str]) -> str:
        if m.group(1) in used:
            return m.group(0)
        conv.changes["footnote nobody refers to -> paragraph"] += 1
        return f"\\[{m.group(1)}\\] "

    return _FOOTNOTE_DEF.sub(one, text)
