"""Internal links, images and anchors, checked at source level (KM501-KM506).

Every relative link or image in a page body must reach something the site will
publish, and every `#anchor` must be an id the rendered page will have. Ids are
computed the way the site's table of contents makes them (Python-Markdown's
`toc` slugify and de-duplication, `attr_list` `{#id}`), so `kmgen check` agrees
with the strict `mkdocs build` that `kmgen build` runs, and says why on the
contributor's line instead of in the build log.

Each page is scanned once (links and anchors together); the anchors are kept
per page, so a hub of thousands of pages costs one pass over each file.
"""

from __future__ import annotations

import difflib
import functools
import html
import posixpath
import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import markdown
from markdown.extensions.toc import slugify, strip_tags, unique

from kmgen import schema
from kmgen.checks import CheckOptions
from kmgen.checks.markdown_code import CODE_SPAN, COMMENT, FENCE, blank, closes_fence
from kmgen.content import Document
from kmgen.diagnostics import Diagnostic
from kmgen.hub import Hub
from kmgen.publish.site import BROWSE, COVERAGE, HOME, REVIEW, addressable, concept_src, facet_src, type_src

# A link's target follows `](`: matching from there also catches link text
# that wraps onto an earlier line.
_INLINE = re.compile(r"\]\(\s*(<[^>\n]*>|(?:[^\s()\\]|\\.|\((?:[^\s()\\]|\\.)*\))*)"
                     r"(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)")
_REF_DEF = re.compile(r"^ {0,3}\[(?!\^)[^\]]+\]:\s*(<[^>]*>|\S+)")
_FOOTNOTE = re.compile(r"^\[\^([^\]]+)\]:")
_ATX = re.compile(r"^(#{1,6})(.*?)#*\s*$")
_SETEXT = re.compile(r"^[=-]+ *$")
# attr_list on a heading: trailing `{#id}` / `{: #id .cls}` (its own HEADER_RE).
_ATTRS = re.compile(r"[ ]+\{:?([^}\n]*)\}[ ]*$")
_ATTR_ID = re.compile(r"(?:^|\s)#([^\s}]+)|(?:^|\s)id=[\"']?([^\s\"'}]+)")
_BLOCK_ATTRS = re.compile(r"\{:?([^}\n]*)\}\s*$")
_HTML_BLOCK = re.compile(r"^<([a-zA-Z][a-zA-Z0-9]*)[\s/>]")
_HTML_ID = re.compile(r"<(\w+)\b[^>]*?\s(id|name)\s*=\s*[\"']([^\"']+)[\"']", re.I)
# Lines whose indented continuation is content, not an indented code block.
_CONTAINER = re.compile(r"^\s*(?:[-*+]\s|\d+[.)]\s|!!!|\?\?\?|===|\[\^[^\]]+\]:)")
# Characters that make a heading's text differ from its rendered text.
_MARKUP = set("`*_[<&\\")
_FNREF = re.compile(r"\[\^[^\]\s]+\]")
_SEP = "-"  # the toc extension's default separator (mkdocs.yml sets none)


@dataclass(frozen=True)
class Link:
    line: int  # 1-based line in the file
    target: str  # as written, angle brackets and escapes removed


@dataclass
class Page:
    """What one scan of a page found: its links and the ids a reader can link to."""

    links: list[Link] = field(default_factory=list)
    anchors: list[str] = field(default_factory=list)


@dataclass
class _Scan:
    links: list[Link] = field(default_factory=list)
    headings: list[tuple[str, str | None]] = field(default_factory=list)  # (text, explicit id)
    ids: list[str] = field(default_factory=list)  # explicit ids elsewhere (blocks, HTML, footnotes)
    fence: tuple[str, int] | None = None
    raw_html: str = ""  # the tag of the raw HTML block we are in (Markdown inside is not rendered)
    code: bool = False
    container: bool = False
    previous: str = ""  # the last non-code line, "" after a blank line


def scan(doc: Document) -> Page:
    """One pass over the body: links outside code, headings, explicit ids."""
    state = _Scan()
    for i, raw in enumerate(doc.body.split("\n")):
        _scan_line(state, raw.expandtabs(4), doc.body_line + i)
    return Page(state.links, _anchors(state))


def _scan_line(state: _Scan, line: str, number: int) -> None:
    if state.fence:
        char, size = state.fence
        if closes_fence(char, size, line):
            state.fence = None
        return
    if state.raw_html or _raw_html_start(state, line):
        _raw_html_line(state, line)
        return
    if opened := FENCE.match(line):
        state.fence, state.previous = (opened.group(1)[0], len(opened.group(1))), ""
        return
    if not line.strip():
        state.previous = ""
        return
    indent = len(line) - len(line.lstrip(" "))
    if indent >= 4 and (state.code or not state.previous) and not state.container:
        state.code = True
        return
    state.code = False
    if indent < 4:
        state.container = bool(_CONTAINER.match(line))
    _scan_text(state, line, indent, number)


def _scan_text(state: _Scan, line: str, indent: int, number: int) -> None:
    # Python-Markdown only sees a heading at the start of a (dedented) block line.
    content = line[indent:] if indent % 4 == 0 else ""
    atx = _ATX.match(content)
    if atx:
        state.headings.append(_heading(atx.group(2)))
    elif _SETEXT.match(line) and state.previous and not _ATX.match(state.previous.strip()):
        state.headings.append(_heading(state.previous.strip()))
    elif block := _BLOCK_ATTRS.search(line):
        state.ids.extend(_attr_ids(block.group(1)))
    text = COMMENT.sub("", CODE_SPAN.sub(blank, line))
    for tag, attr, value in _HTML_ID.findall(text):
        if attr.lower() == "id" or tag.lower() == "a":
            state.ids.append(value)
    if note := _FOOTNOTE.match(content):
        state.ids.extend((f"fn:{note.group(1)}", f"fnref:{note.group(1)}"))
    if ref := _REF_DEF.match(content):
        state.links.append(Link(number, _clean(ref.group(1))))
    state.links.extend(Link(number, _clean(m.group(1))) for m in _INLINE.finditer(text))
    state.previous = "" if atx or _SETEXT.match(line) else line


def _raw_html_start(state: _Scan, line: str) -> bool:
    opened = _HTML_BLOCK.match(line)
    if opened and opened.group(1).lower() in _markdown().block_level_elements:
        state.raw_html = opened.group(1).lower()
    return bool(state.raw_html)


def _raw_html_line(state: _Scan, line: str) -> None:
    """Python-Markdown passes a raw HTML block through untouched until its
    closing tag: no links or headings in it, but its ids are anchors."""
    for tag, attr, value in _HTML_ID.findall(line):
        if attr.lower() == "id" or tag.lower() == "a":
            state.ids.append(value)
    if re.search(rf"</{state.raw_html}\s*>", line, re.I):
        state.raw_html = ""
    state.previous = line


def _heading(text: str) -> tuple[str, str | None]:
    text = text.strip()
    attrs = _ATTRS.search(text)
    if not attrs:
        return text.strip(), None
    ids = _attr_ids(attrs.group(1))
    return text[: attrs.start()].strip(), ids[-1] if ids else None


def _attr_ids(attrs: str) -> list[str]:
    return [a or b for a, b in _ATTR_ID.findall(attrs)]


def _anchors(state: _Scan) -> list[str]:
    """Heading ids as the toc extension assigns them: explicit ids are taken
    first, then each heading without one gets its slug, made unique with
    `_1`, `_2` in document order."""
    used = set(state.ids) | {explicit for _, explicit in state.headings if explicit}
    counters: dict[str, int] = {}
    ids = []
    for text, explicit in state.headings:
        ids.append(explicit or unique(slugify(html.unescape(_rendered(text)), _SEP), used, counters))
    return ids + state.ids


def _rendered(text: str) -> str:
    """A heading's text as the toc sees it: rendered inline, tags stripped.
    Rendering is only needed when the text has Markdown or HTML in it."""
    if not _MARKUP.intersection(text):
        return text
    return _render_heading(_FNREF.sub("", text))


@functools.lru_cache(maxsize=4096)
def _render_heading(text: str) -> str:
    md = _markdown()
    md.reset()
    return strip_tags(md.convert(f"# {text} #"))


@functools.cache
def _markdown() -> markdown.Markdown:
    return markdown.Markdown()


def _clean(target: str) -> str:
    if target.startswith("<") and target.endswith(">"):
        target = target[1:-1]
    return re.sub(r"\\(.)", r"\1", target).strip()


# -- resolving -------------------------------------------------------------------

@dataclass(frozen=True)
class Targets:
    """Everything a link may reach, and what exists but will not be published."""

    documents: dict[str, Document]
    published: frozenset[str]
    drafts: frozenset[str]
    assets: frozenset[str]
    generated: frozenset[str]  # pages kmgen writes at build time (browse, facets ...)
    folders: frozenset[str]
    known: tuple[str, ...]  # sorted: every page and file, the candidates for "did you mean"

    @classmethod
    def of(cls, hub: Hub) -> Targets:
        published = frozenset(d.path for d in hub.accepted())
        generated = frozenset(generated_sources(hub)) - frozenset(hub.documents)
        assets = frozenset(hub.assets)
        every = {*hub.documents, *assets, *generated}
        return cls(dict(hub.documents), published, frozenset(hub.drafts()), assets, generated,
                   frozenset(_parents(every)), tuple(sorted(every)))


def _parents(paths: set[str]) -> set[str]:
    out: set[str] = set()
    for path in paths:
        while (path := posixpath.dirname(path)) and path not in out:
            out.add(path)
    return out


def generated_sources(hub: Hub) -> list[str]:
    """Source paths of the pages the site build generates (kmgen/publish/generated.py),
    so content may link to /browse/ or a facet page like any other page."""
    out = [BROWSE, REVIEW, COVERAGE, HOME, *(type_src(t) for t in schema.TYPES)]
    for facet in hub.taxonomy.facets.values():
        if addressable(facet.id):
            out.append(facet_src(facet.id))
            out.extend(concept_src(facet.id, c) for c in facet.concepts if addressable(c))
    return out


def check(hub: Hub, options: CheckOptions) -> list[Diagnostic]:
    pages = {path: scan(doc) for path, doc in hub.documents.items()}
    targets = Targets.of(hub)
    diags = []
    for path, page in sorted(pages.items()):
        for link in page.links:
            found = check_link(path, link, pages, targets, hub)
            if found:
                diags.append(found)
    return diags


def check_link(src: str, link: Link, pages: dict[str, Page], targets: Targets, hub: Hub) -> Diagnostic | None:
    parts = urlsplit(link.target)
    if not link.target or parts.scheme or parts.netloc:
        return None  # external: `kmgen links --external` checks those
    if link.target.startswith(("/", "\\")):
        return _absolute(src, link, parts.path, parts.fragment, targets)
    if not parts.path:
        return _anchor(src, link, src, parts.fragment, pages) if parts.fragment else None
    written = unquote(parts.path)
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(src), written))
    if resolved == ".." or resolved.startswith("../"):
        return _error(src, link, "KM503", f"link '{link.target}' points outside the content folder",
                      "link to a page under content/, or use the page's full https:// address")
    if resolved in targets.documents:
        if resolved not in targets.published:
            return _unpublished(src, link, resolved, targets)
        return _anchor(src, link, resolved, parts.fragment, pages) if parts.fragment else None
    if resolved in targets.assets or resolved in targets.generated:
        return None
    if resolved == "." or resolved in targets.folders:
        return _folder(src, link, resolved, parts.fragment, targets)
    if (hub.root / resolved).is_file():
        return _error(src, link, "KM502", f"link '{link.target}' goes to {resolved}, which will not be "
                      "published: kmgen does not accept that file", "see the errors reported for that file")
    return _error(src, link, "KM501", f"broken link '{link.target}': no page or file at {resolved}",
                  _did_you_mean(src, resolved, targets, parts.fragment, written))


def _unpublished(src: str, link: Link, resolved: str, targets: Targets) -> Diagnostic:
    if resolved in targets.drafts:
        why, hint = "it is a draft", f"publish {resolved} first (remove 'status: draft'), or remove the link"
    else:
        why, hint = "it has errors", f"fix the errors reported for {resolved}, or remove the link"
    return _error(src, link, "KM502", f"link '{link.target}' goes to {resolved}, which will not be published: {why}",
                  hint)


def _folder(src: str, link: Link, folder: str, fragment: str, targets: Targets) -> Diagnostic:
    base = "" if folder == "." else folder + "/"
    index = next((base + n for n in ("index.md", "README.md") if base + n in targets.documents), None)
    if index is None:
        index = base + "index.md" if base + "index.md" in targets.generated else None
    if index is None:
        inside = next((p for p in targets.known if p != src and p.startswith(base) and "/" not in p[len(base):]), None)
        hint = f"link to a page in it, such as '{_relative(src, inside)}'" if inside else "add an index.md to it"
        return _error(src, link, "KM501", f"broken link '{link.target}': the folder {folder} has no index.md", hint)
    # MkDocs leaves a folder link as it is ("unrecognized relative link"): a
    # warning that the strict build turns into a failure, so this is an error.
    return _error(src, link, "KM506", f"link '{link.target}' goes to a folder, which MkDocs does not resolve",
                  f"link to the folder's page: '{_relative(src, index, fragment)}'")


def _absolute(src: str, link: Link, path: str, fragment: str, targets: Targets) -> Diagnostic:
    # An error, not a warning: mkdocs.yml has `absolute_links: warn` and
    # `strict: true`, so the build stops on it; and the link breaks as soon as
    # the hub is served below the domain root (GitHub Pages project sites).
    best = _closest(src, posixpath.normpath(unquote(path).lstrip("/\\") or "."), targets, "")
    hint = f"write it relative to this page: '{_relative(src, best, fragment)}'" if best else \
        "no page in the content folder has that path; link to a page relative to this one"
    return _error(src, link, "KM504", f"absolute link '{link.target}': MkDocs does not resolve links that start "
                  "with '/'", hint)


def _anchor(src: str, link: Link, target: str, fragment: str, pages: dict[str, Page]) -> Diagnostic | None:
    anchors = pages[target].anchors
    if fragment in anchors:
        return None
    where = "on this page" if target == src else f"in {target}"
    prefix = "" if target == src else urlsplit(link.target).path
    wanted = [a for a in anchors if ":" not in a] if ":" not in fragment else anchors
    close = difflib.get_close_matches(fragment, wanted, n=1, cutoff=0.6)
    if close:
        hint = f"did you mean '{prefix}#{close[0]}'?"
    elif wanted:
        hint = "its anchors: " + ", ".join(f"#{a}" for a in wanted[:5]) + (" ..." if len(wanted) > 5 else "")
    else:
        hint = "that page has no headings to link to"
    return _error(src, link, "KM505", f"anchor '#{fragment}' not found {where}", hint)


def _did_you_mean(src: str, resolved: str, targets: Targets, fragment: str, written: str = "") -> str:
    best = _closest(src, resolved, targets, written)
    if best is None:
        return "paths are relative to this page's folder; check the file name"
    return f"did you mean '{_relative(src, best, fragment)}'?"


def _closest(src: str, resolved: str, targets: Targets, written: str) -> str | None:
    """The file a broken link most likely meant: the same path as a page
    (`x/`, `x.html` -> `x.md`), the path read from the page's published
    address (`../x/` written for /a/b/ -> a/x.md), else the nearest name."""
    starts = [resolved]
    if written and not src.endswith(("index.md", "README.md")):
        starts.append(posixpath.normpath(posixpath.join(src.removesuffix(".md"), written)))
    for start in starts:
        stem = start.removesuffix("/").removesuffix(".html")
        for guess in (start, stem + ".md", stem + "/index.md"):
            if guess in targets.known:
                return guess
    close = difflib.get_close_matches(resolved, targets.known, n=1, cutoff=0.6)
    return close[0] if close else None


def _relative(src: str, target: str, fragment: str = "") -> str:
    rel = posixpath.relpath(target, posixpath.dirname(src) or ".")
    return rel + (f"#{fragment}" if fragment else "")


def _error(src: str, link: Link, code: str, message: str, hint: str) -> Diagnostic:
    return Diagnostic(src, link.line, code, "error", message, hint)
