"""Internal links, images and anchors, checked on the rendered page (KM501-KM510).

Every relative link or image in a page body must reach something the site will
publish, and every `#anchor` must be an id the rendered page will have. The
links and ids come from rendering the body the way the site does
(`kmgen.checks.render`: the hub's Markdown extensions, raw HTML included), so
`kmgen check` agrees with the strict `mkdocs build` that `kmgen build` runs,
and says why on the contributor's line instead of in the build log.

Each body is rendered once per run (and cached across runs); the anchors are
kept per page, and hints are looked up by folder and file name, so a hub of
thousands of pages and broken links costs one pass over its links.
"""

from __future__ import annotations

import difflib
import posixpath
import re
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import SplitResult, unquote, urlsplit

from markdown.util import AMP_SUBSTITUTE

from kmgen import schema
from kmgen.checks import CheckOptions, render
from kmgen.checks.rendered import BodyFacts
from kmgen.content import Document
from kmgen.diagnostics import Diagnostic
from kmgen.hub import Hub
from kmgen.publish.site import BROWSE, COVERAGE, HOME, REVIEW, addressable, concept_src, facet_src, type_src

# Tags whose address the reader's browser loads by itself (not on a click).
_LOADS = frozenset({"img", "source", "video", "audio", "track"})
_EMAIL = re.compile(r"[^@\s/:?#]+@[^@\s/:?#]+\.[A-Za-z]{2,}")
# Kinds of file a broken link may have meant: a missing image is never a page.
_KINDS = {**dict.fromkeys(("png", "jpg", "jpeg", "gif", "webp", "svg", "avif", "bmp", "ico"), "image"),
          "pdf": "PDF", **dict.fromkeys(("doc", "docx", "odt", "rtf", "xls", "xlsx", "ods", "csv", "ppt", "pptx",
                                         "odp"), "office file"), "md": "page"}
_MAX_CANDIDATES = 300  # nearest names considered for a hint: keeps each lookup bounded
# A relative path no one means as a file name: whitespace, controls, markup, or
# a would-be scheme (a colon in the first segment, `java script:`).
_NOT_A_PATH = re.compile(r"[\s<>\"\x00-\x1f\x7f]|^[^/]*:")


@dataclass(frozen=True)
class Link:
    line: int  # 1-based line in the file
    target: str  # the address as a browser reads it
    tag: str = "a"  # the element it came from (a, img, source ...; ref: a reference definition)
    raw_html: bool = False
    written: str = ""  # the address as MkDocs validates it ("" where it does not)


@dataclass
class Page:
    """What rendering a page found: its links and the ids a reader can link to
    (heading ids first, in document order)."""

    links: list[Link]
    anchors: list[str]


def page_of(doc: Document, facts: BodyFacts) -> Page:
    links = [Link(doc.body_line + k.offset, k.target, k.tag, k.raw_html, k.written) for k in facts.links]
    return Page(links, [*facts.headings, *facts.ids])


def scan(doc: Document) -> Page:
    """One page as a hub without its own mkdocs.yml renders it."""
    return page_of(doc, render.BodyRenderer(render.DEFAULT_SITE).render(doc.body))


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
    known: frozenset[str]  # every page and file, the candidates for "did you mean"
    by_folder: dict[str, list[str]]  # folder ("" for the top) -> files directly in it, sorted
    by_name: dict[str, list[str]]  # file name -> every path with that name, sorted

    @classmethod
    def of(cls, hub: Hub) -> Targets:
        published = frozenset(d.path for d in hub.accepted())
        generated = frozenset(generated_sources(hub)) - frozenset(hub.documents)
        assets = frozenset(hub.assets)
        every = sorted({*hub.documents, *assets, *generated})
        by_folder: dict[str, list[str]] = defaultdict(list)
        by_name: dict[str, list[str]] = defaultdict(list)
        for path in every:
            folder, name = posixpath.split(path)
            by_folder[folder].append(path)
            by_name[name].append(path)
        return cls(dict(hub.documents), published, frozenset(hub.drafts()), assets, generated,
                   frozenset(_parents(set(every))), frozenset(every), dict(by_folder), dict(by_name))


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
    renders = render.render_hub(hub, options)
    pages = {path: page_of(hub.documents[path], facts) for path, facts in renders.facts.items()}
    targets = Targets.of(hub)
    diags: dict[Diagnostic, None] = {}  # a reference used twice is one problem, on its definition
    for path, page in sorted(pages.items()):
        for link in page.links:
            found = check_link(path, link, pages, targets, hub)
            if found:
                diags[found] = None
    return list(diags)


def mkdocs_reading(address: str) -> tuple[str, SplitResult]:
    """How MkDocs 1.6 sorts a link address before looking it up: the branches
    of `mkdocs.structure.pages._RelativePathTreeprocessor.path_to_url`, in its
    order and with its `urlsplit` (which raises ValueError as it does there).
    "relative" is the only kind MkDocs resolves against the site's files."""
    parts = urlsplit(address)
    if parts.scheme or parts.netloc:
        return "external", parts
    if address.startswith(("/", "\\")):
        return "absolute", parts
    if AMP_SUBSTITUTE in address:  # Python-Markdown's obfuscated e-mail autolinks
        return "email", parts
    if not parts.path:
        return "self", parts
    return "relative", parts


def check_link(src: str, link: Link, pages: dict[str, Page], targets: Targets, hub: Hub) -> Diagnostic | None:
    # Markdown links and images are judged on the address MkDocs reads (its
    # strict build is the verdict); the rest on what a browser reads.
    address = link.written or link.target
    try:
        kind, parts = mkdocs_reading(address)
    except ValueError as exc:  # MkDocs splits every link address too, and its build dies on this
        return _error(src, link, "KM508", f"malformed address '{address}': {exc}",
                      "fix the address (a '[' belongs only around an IPv6 host), or write it as `code`")
    if kind == "external":
        if link.tag in _LOADS and _scheme(link.target) in ("http", "https", ""):
            return _error(src, link, "KM507", f"external image '{link.target}': every reader's browser would "
                          "fetch it from another site", "download it into content/ (next to this page) and link "
                          "to the copy, with its source credited in the text")
        return None  # external: `kmgen links --external` checks those
    if kind == "email" or not address:
        return None
    if kind == "absolute":
        return _absolute(src, link, parts.path, parts.fragment, targets)
    if kind == "self":
        return _anchor(src, link, src, parts.fragment, pages) if parts.fragment else None
    written = unquote(parts.path)
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(src), written))
    if resolved == ".." or resolved.startswith("../"):
        return _error(src, link, "KM503", f"link '{address}' points outside the content folder",
                      "link to a page under content/, or use the page's full https:// address")
    if link.raw_html and (resolved in targets.documents or resolved in targets.generated):
        # MkDocs turns `x.md` into the page's address only in Markdown links:
        # in raw HTML the site would link to a source file it never publishes.
        return _error(src, link, "KM509", f"link '{link.target}' in raw HTML goes to a page source, which the site "
                      "does not publish at that address", "write it as a Markdown link, "
                      f"[text]({link.target}), outside the HTML: MkDocs rewrites only those")
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
    if link.written and (link.written != link.target or _NOT_A_PATH.search(written)):
        return _not_a_path(src, link)
    return _error(src, link, "KM501", f"broken link '{link.target}': no page or file at {resolved}",
                  _did_you_mean(src, resolved, targets, parts.fragment, written))


def _not_a_path(src: str, link: Link) -> Diagnostic:
    # MkDocs found no file at this "relative path" and the strict build stops
    # ("unrecognized relative link"); what the contributor meant is usually
    # what a browser would read, hidden by a character reference or whitespace.
    browser = f", a browser as '{link.target}'" if link.target != link.written else ""
    return _error(src, link, "KM510", f"address '{link.written}' is not a link MkDocs can follow: it reads it as the "
                  f"relative path '{link.written}'{browser}", "write the address as plain characters, with no "
                  "spaces, tabs, character references (&#...;) or angle brackets inside it, e.g. "
                  "'https://example.org/page' or 'other-page.md'; if it is meant as text, put it in `code`")


def _scheme(address: str) -> str:
    try:
        return urlsplit(address).scheme.lower()
    except ValueError:
        return ""


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
        inside = next((p for p in targets.by_folder.get(base.rstrip("/"), []) if p != src), None)
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
    if _EMAIL.fullmatch(written):
        return f"an e-mail address needs 'mailto:' in front: 'mailto:{written}'"
    best = _closest(src, resolved, targets, written)
    if best is not None:
        return f"did you mean '{_relative(src, best, fragment)}'?"
    kind = _kind(resolved)
    if kind in (None, "page"):
        return "paths are relative to this page's folder; check the file name"
    return f"missing file: no {kind} with a similar name; add the file under content/ or fix the name"


def _kind(path: str) -> str | None:
    return _KINDS.get(posixpath.splitext(path)[1].lower().lstrip("."))


def _closest(src: str, resolved: str, targets: Targets, written: str) -> str | None:
    """The file a broken link most likely meant: the same path as a page
    (`x/`, `x.html` -> `x.md`), the path read from the page's published
    address (`../x/` written for /a/b/ -> a/x.md), else a file of the same
    kind with the same name elsewhere or a similar name nearby."""
    starts = [resolved]
    if written and not src.endswith(("index.md", "README.md")):
        starts.append(posixpath.normpath(posixpath.join(src.removesuffix(".md"), written)))
    for start in starts:
        stem = start.removesuffix("/").removesuffix(".html")
        for guess in (start, stem + ".md", stem + "/index.md"):
            if guess in targets.known:
                return guess
    kind = _kind(resolved)
    same_kind = [p for p in _neighbours(resolved, targets) if kind is None or _kind(p) == kind]
    close = difflib.get_close_matches(resolved, same_kind, n=1, cutoff=0.6)
    return close[0] if close else None


def _neighbours(resolved: str, targets: Targets) -> list[str]:
    """Candidates for a hint, from the indexes only: files with the same name
    anywhere, then files in the nearest folder that exists. Bounded, so a hint
    costs the same in a hub of ten pages or ten thousand."""
    folder, name = posixpath.split(resolved)
    while folder and folder not in targets.by_folder:
        folder = posixpath.dirname(folder)
    nearby = targets.by_folder.get(folder, [])
    if len(nearby) > _MAX_CANDIDATES:
        nearby = sorted(nearby, key=lambda p: abs(len(p) - len(resolved)))[:_MAX_CANDIDATES]
    return [*targets.by_name.get(name, []), *nearby]


def _relative(src: str, target: str, fragment: str = "") -> str:
    rel = posixpath.relpath(target, posixpath.dirname(src) or ".")
    return rel + (f"#{fragment}" if fragment else "")


def _error(src: str, link: Link, code: str, message: str, hint: str) -> Diagnostic:
    return Diagnostic(src, link.line, code, "error", message, hint)
