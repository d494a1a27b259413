"""What a page body offers and points to once Python-Markdown has rendered it.

The link check reads these facts instead of guessing from line patterns: links
and images from the element tree (as MkDocs sees them), links, images and ids
from raw HTML (the HTML stash), heading ids from the table of contents, and
the ids a contributor set by hand (`attr_list` or raw HTML). Each is traced
back to the source line it was written on.
"""

from __future__ import annotations

import bisect
import html
import re
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element

import markdown
from markdown.extensions.attr_list import AttrListTreeprocessor
from markdown.htmlparser import htmlparser  # type: ignore[attr-defined]
from markdown.treeprocessors import Treeprocessor
from markdown.util import AMP_SUBSTITUTE

from kmgen.checks.markdown_code import CODE_SPAN, COMMENT, FENCE, blank, closes_fence
from kmgen.checks.render_budget import MarkedSectionsAsText

# Classes of links the extensions write themselves (permalinks, footnote
# references and returns): they always reach their target.
_GENERATED_LINK = {"headerlink", "footnote-ref", "footnote-backref"}
# Attributes that load or link something, per tag, as the sanitiser lets them through.
_URL_ATTRS = {"a": ("href",), "area": ("href",), "img": ("src", "srcset"), "source": ("src", "srcset"),
              "video": ("src", "poster"), "audio": ("src",), "track": ("src",)}
_PLACEHOLDER = re.compile("\x02(\\d+)\x03")  # Python-Markdown's backslash-escape placeholders
# The links MkDocs validates, and the attribute it reads
# (mkdocs.structure.pages._RelativePathTreeprocessor.run).
_MKDOCS_CHECKS = {"a": "href", "img": "src"}


@dataclass(frozen=True)
class FoundLink:
    offset: int  # 0-based line within the body
    target: str  # the address as a browser reads it (entities decoded)
    tag: str  # a, img, source ... ("ref" for a reference definition)
    raw_html: bool = False
    # The address as MkDocs validates it (the element tree's value, escapes
    # restored, character references not decoded); "" where MkDocs does not
    # look (raw HTML, <source> ...).
    written: str = ""


@dataclass(frozen=True)
class BodyFacts:
    """Everything the checks need from one rendering of a body (no Diagnostics:
    kept per body, not per page, so a cache can hold it)."""

    links: tuple[FoundLink, ...] = ()
    headings: tuple[str, ...] = ()  # heading ids in document order
    ids: tuple[str, ...] = ()  # every other id a link may target
    explicit_ids: tuple[tuple[int, str], ...] = ()  # (offset, id) set by the contributor
    failure: tuple[str, int, str, str] | None = None  # (code, offset, message, hint)

    def to_json(self) -> dict[str, Any]:
        return {"links": [[k.offset, k.target, k.tag, k.raw_html, k.written] for k in self.links],
                "headings": list(self.headings), "ids": list(self.ids),
                "explicit_ids": [list(e) for e in self.explicit_ids],
                "failure": list(self.failure) if self.failure else None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BodyFacts:
        failure = data.get("failure")
        return cls(tuple(FoundLink(int(o), str(t), str(g), bool(r), str(w)) for o, t, g, r, w in data["links"]),
                   tuple(data["headings"]), tuple(data["ids"]),
                   tuple((int(o), str(i)) for o, i in data["explicit_ids"]),
                   (str(failure[0]), int(failure[1]), str(failure[2]), str(failure[3])) if failure else None)


class _Collector(Treeprocessor):
    """Runs after every other tree step (ids assigned, escapes restored)."""

    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(md)
        self.links: list[tuple[str, str, str]] = []  # (tag, address as a browser reads it, as MkDocs does)
        self.ids: list[str] = []
        self.assigned: list[str] = []  # ids attr_list set

    def reset(self) -> None:
        self.links, self.ids, self.assigned = [], [], []

    def run(self, root: Element) -> None:
        for el in root.iter():
            if not isinstance(el.tag, str):
                continue
            if anchor := el.get("id"):
                self.ids.append(anchor)
            if el.tag == "a" and (name := el.get("name")):
                self.ids.append(name)
            if el.tag == "a" and _GENERATED_LINK.intersection((el.get("class") or "").split()):
                continue
            for attr in _URL_ATTRS.get(el.tag, ()):
                value = el.get(attr)
                if value is None:
                    continue
                if _MKDOCS_CHECKS.get(el.tag) == attr:
                    self.links.append((el.tag, _decode(value).strip(), _restored(value)))
                else:
                    self.links.extend((el.tag, url, "") for url in _urls(attr, _decode(value)))


def install(md: markdown.Markdown) -> _Collector:
    """Add the collector to `md`, and have attr_list report the ids it sets."""
    collector = _Collector(md)
    md.treeprocessors.register(collector, "kmgen_collect", -10)
    attr_list = md.treeprocessors["attr_list"] if "attr_list" in md.treeprocessors else None
    if isinstance(attr_list, AttrListTreeprocessor):
        original = attr_list.assign_attrs

        def assign_attrs(elem: Element, attrs_string: str, *, strict: bool = False) -> str:
            before = elem.get("id")
            rest = original(elem, attrs_string, strict=strict)
            if (after := elem.get("id")) is not None and after != before:
                collector.assigned.append(after)
            return rest

        attr_list.assign_attrs = assign_attrs  # type: ignore[method-assign]
    return collector


def collect(md: markdown.Markdown, collector: _Collector, body: str) -> BodyFacts:
    """The facts of the body `md` has just converted (call before `md.reset()`)."""
    where = SourceLines(body)
    links = [FoundLink(where.find(written or url), url, tag, False, written) for tag, url, written in collector.links]
    raw = _RawHTML()
    for block in md.htmlStash.rawHtmlBlocks:
        if isinstance(block, str):
            raw.read(block)
    raw_where = SourceLines(body)
    links.extend(FoundLink(raw_where.find(url), url, tag, True) for tag, url in raw.links)
    ref_where = SourceLines(body)
    links.extend(FoundLink(ref_where.find(url, definition=True), url, "ref")
                 for url, _title in getattr(md, "references", {}).values())
    headings = tuple(_flatten(getattr(md, "toc_tokens", [])))
    heading_set = set(headings)
    ids = tuple(dict.fromkeys(i for i in [*collector.ids, *raw.ids] if i not in heading_set))
    id_where = SourceLines(body)
    explicit = [(id_where.find(i, attribute=True), i) for i in dict.fromkeys(collector.assigned)]
    for anchor in dict.fromkeys(raw.ids):
        # Raw HTML also holds what extensions stash (highlighted code with line
        # anchors ...): an id counts as the contributor's only if they wrote it.
        line = id_where.locate(anchor, attribute=True, in_context=True)
        if line is not None:
            explicit.append((line, anchor))
    return BodyFacts(tuple(links), headings, ids, tuple(explicit))


def _flatten(tokens: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for token in tokens:
        out.append(str(token["id"]))
        out.extend(_flatten(token.get("children", [])))
    return out


def _restored(value: str) -> str:
    """`value` with backslash escapes restored, as Python-Markdown's unescape
    step leaves it before MkDocs reads it."""
    return _PLACEHOLDER.sub(lambda m: chr(int(m.group(1))), value)


def _decode(value: str) -> str:
    return html.unescape(_restored(value.replace(AMP_SUBSTITUTE, "&")))


def _urls(attr: str, value: str) -> list[str]:
    if attr != "srcset":
        return [value.strip()]
    return [c.strip().split()[0] for c in value.split(",") if c.strip()]


class _RawHTML(MarkedSectionsAsText, htmlparser.HTMLParser):  # type: ignore[misc]
    """Links and ids in raw HTML. Python-Markdown's copy of `html.parser`,
    made to read a stray `<![` as text, as a browser does."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self.ids: list[str] = []

    def read(self, block: str) -> None:
        try:
            self.feed(block)
            self.close()
        except AssertionError:
            pass  # what was read so far stands; the rest is not markup a browser would follow
        self.reset()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v for k, v in attrs if v is not None}
        if anchor := values.get("id"):
            self.ids.append(anchor)
        if tag == "a" and (name := values.get("name")):
            self.ids.append(name)
        for attr in _URL_ATTRS.get(tag, ()):
            if attr in values:
                self.links.extend((tag, url) for url in _urls(attr, values[attr]))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)



class SourceLines:
    """Finds where a rendered value was written, in document order: each search
    starts after the previous find, then falls back to the whole body (footnotes
    and reference definitions are rendered away from where they are written)."""

    def __init__(self, body: str) -> None:
        # Searched first with code and comments blanked out (same length, so
        # positions agree): `[x](a.md)` shown in code must not take the line
        # of the real link further down.
        self.texts = (_code_blanked(body), body)
        self.starts = [0] + [m.end() for m in re.finditer("\n", body)]
        self.cursor = 0

    def find(self, value: str, *, definition: bool = False, attribute: bool = False) -> int:
        """The line of `value`, or of the body's start when it cannot be found."""
        line = self.locate(value, definition=definition, attribute=attribute)
        return 0 if line is None else line

    def locate(self, value: str, *, definition: bool = False, attribute: bool = False,
               in_context: bool = False) -> int | None:
        """The line of `value`, preferably where it is written as an address
        (or an id); `in_context` accepts only that."""
        plain = _written(value)
        if not plain:
            return self._line(self.cursor)
        if definition:
            context = r"^[ ]{0,3}\[[^\]\n]+\]:[ \t]*<?"
        elif attribute:
            context = r"(?:#|id\s*=\s*[\"']?)"
        else:
            context = r"(?:\]\(\s*<?|\]:[ \t]*<?|=\s*[\"']?|<|,\s*)"
        for text in self.texts:
            for pattern in (context + plain,) if in_context else (context + plain, plain):
                regex = re.compile(pattern, re.M)
                found = regex.search(text, self.cursor) or regex.search(text)
                if found:
                    self.cursor = found.end()
                    return self._line(found.end() - 1)
        return None

    def _line(self, position: int) -> int:
        return bisect.bisect_right(self.starts, position) - 1


def _code_blanked(body: str) -> str:
    """`body` with fenced code, code spans and one-line comments turned to spaces."""
    lines = body.split("\n")
    fence: tuple[str, int] | None = None
    for number, line in enumerate(lines):
        if fence:
            if closes_fence(*fence, line):
                fence = None
            lines[number] = " " * len(line)
        elif opened := FENCE.match(line):
            fence = (opened.group(1)[0], len(opened.group(1)))
            lines[number] = " " * len(line)
        else:
            lines[number] = COMMENT.sub(blank, CODE_SPAN.sub(blank, line))
    return "\n".join(lines)


def _written(value: str) -> str:
    """A pattern for `value` as it may be written: any punctuation may carry a
    backslash escape or be an HTML character reference."""
    parts = []
    for char in re.sub(" +", " ", value[:200]):
        if char == " ":
            parts.append("[ \t]+")  # Python-Markdown expands a tab to spaces
        elif char.isascii() and not char.isalnum():
            entity = f"&#{ord(char)};|&#x{ord(char):x};"
            named = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}.get(char)
            parts.append(f"(?:\\\\?{re.escape(char)}|{entity}{'|' + named if named else ''})")
        else:
            parts.append(re.escape(char))
    return "".join(parts)
