"""Links in ingested pages: rewritten to the hub's copies, and classified for the report.

A source site links to its pages by file (`../x.md`, GitBook), by address
(`/guides/x/`, `{{ site.baseurl }}/x/`, Jekyll and Eleventy) or by name (Hugo
`ref`). Each target is resolved against what the source publishes; what
resolves to an ingested page becomes a relative `.md` link MkDocs checks;
what does not is classified (not ingested, another site on the same host,
missing asset, broken upstream, broken) and, so the strict build never meets
a dead link, becomes the source site's address when `--site-root` names it
(https://...) or else plain text.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import quote, unquote, urlsplit

from kmgen.ingest.templates import REF_PREFIX
from kmgen.sources import ASSET_SUFFIXES

RESOLVED, NOT_INGESTED, OTHER_SITE = "resolved", "to a page not ingested", "to another site on the same host"
MISSING_ASSET, ASSET, BROKEN_UPSTREAM, BROKEN = "missing asset", "asset copied", "broken upstream", "broken"
EXTERNAL, FRAGMENT = "external", "fragment"
# The hub never makes a reader's browser fetch from another site (KM507): such an image becomes a link to it.
EXTERNAL_IMAGE = "external image made a link (not embedded)"
_IMAGE_IN_TEXT = re.compile(r"!\[([^\[\]\n]{0,500})\]\(\s*<?((?:https?:)?//[^\s()<>]{1,2000})>?\s*\)")
_INLINE = re.compile(r"(!?)\[((?:[^\[\]]|\[[^\[\]]{0,500}\]){0,2000})\]"
                     r"\(\s*(<[^>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(\s+\"[^\"\n]*\")?\s*\)")
_REF_DEF = re.compile(r"^( {0,3}\[(?!\^)[^\]\n]+\]:\s*)(\S+)(.*)$", re.M)
_HTML_ATTR = re.compile(r"""(<(?:a|img)\b[^>]{0,1000}?\s)(href|src)=(["'])([^"']{0,2000})\3""", re.I)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
# `<a href="x">plain text</a>`: made a Markdown link when it leads to a page (MkDocs rewrites only those).
_HTML_A = re.compile(r"""<a\s+href=(["'])([^"'<>\n]{1,2000})\1\s*>([^<>\n]{1,500})</a>""", re.I)
# A paragraph starting with one of these is a raw HTML block: Markdown inside it is not read.
_HTML_BLOCK = re.compile(r"^ {0,3}</?(?:address|article|aside|blockquote|center|details|dd|div|dl|dt|fieldset|"
                         r"figcaption|figure|footer|form|h[1-6]|header|hr|li|main|nav|ol|p|pre|section|summary|"
                         r"table|tbody|td|tfoot|th|thead|tr|ul)\b", re.I | re.M)
_SRCSET = re.compile(r"""(<img\b[^>]{0,2000}?\s)srcset=(["'])([^"'<>]{0,8000})\2""", re.I)
PAGE_IN_HTML = "link to a page in raw HTML made a Markdown link"
PAGE_IN_HTML_BLOCK = "link to a page inside an HTML block dropped (MkDocs cannot rewrite it)"


@dataclass
class SiteMap:
    """What the source site publishes, and where each ingested file now lives."""

    pages_by_url: dict[str, str] = field(default_factory=dict)  # site path ("/a/b/") -> source rel
    pages_by_name: dict[str, str] = field(default_factory=dict)  # file stem or name -> source rel (Hugo ref)
    files: set[str] = field(default_factory=set)  # every source file (rel to the source root)
    dest: dict[str, str] = field(default_factory=dict)  # ingested source rel -> dest rel in the collection
    site_root: str = ""  # the path the site lived under, "/service-manual" or ""
    site_host: str = ""  # "https://handbook.example.gov" when --site-root is a full address
    asset_roots: tuple[str, ...] = ("",)  # where site-absolute asset paths are looked for

    def add_url(self, url: str, rel: str) -> None:
        self.pages_by_url.setdefault(site_key(url), rel)


@dataclass
class LinkReport:
    counts: Counter[str] = field(default_factory=Counter)
    unresolved: list[tuple[str, str]] = field(default_factory=list)  # (class, target as written)
    assets: set[str] = field(default_factory=set)  # source rels of assets to copy


def site_key(url: str) -> str:
    path = unquote(url.split("#", 1)[0].split("?", 1)[0]).strip()
    path = re.sub(r"(/index)?\.html?$", "/", path)
    path = "/" + path.strip("/") + "/" if path.strip("/") else "/"
    return path.casefold()


def rewrite(body: str, source_rel: str, page_url: str, site: SiteMap, report: LinkReport) -> str:
    """Every Markdown link, image, reference definition and HTML href/src in a masked body."""
    resolver = _Resolver(source_rel, page_url, site, report)
    body = _INLINE.sub(resolver.inline, body)
    body = _HTML_A.sub(lambda m: resolver.html_anchor(m, body), body)
    body = _REF_DEF.sub(lambda m: m.group(1) + (resolver.target(m.group(2), False)[0] or "#") + m.group(3), body)
    body = _HTML_ATTR.sub(resolver.html, body)
    return _SRCSET.sub(resolver.srcset, body)


class _Resolver:
    def __init__(self, source_rel: str, page_url: str, site: SiteMap, report: LinkReport):
        self.source_rel, self.page_url, self.site, self.report = source_rel, page_url, site, report
        self.dest_dir = posixpath.dirname(site.dest.get(source_rel, source_rel))

    def inline(self, m: re.Match[str]) -> str:
        bang, text, raw, title = m.group(1), m.group(2), m.group(3), m.group(4) or ""
        target = raw[1:-1] if raw.startswith("<") else raw
        new, kind = self.target(target, bool(bang))
        if bang and kind == EXTERNAL and new is not None:
            self.report.counts[EXTERNAL_IMAGE] += 1
            bang, text = "", text.strip() or "image"
        text = self._unembed(text)
        if new is None:
            if bang:
                return f"*(image not imported: {text})*" if text.strip() else "*(image not imported)*"
            return text
        return f"{bang}[{text}]({_safe(new)}{title})"

    def _unembed(self, text: str) -> str:
        """An external image inside a link's text (a badge) becomes its alt text."""
        def one(m: re.Match[str]) -> str:
            self.report.counts[EXTERNAL_IMAGE] += 1
            return m.group(1).strip() or "image"

        return _IMAGE_IN_TEXT.sub(one, text) if "](" in text else text

    def html_anchor(self, m: re.Match[str], body: str) -> str:
        """A plain HTML link to a page becomes a Markdown link outside HTML blocks; anything else is
        left to `html`, which drops a page link inside a block (it would point at a source file)."""
        target = m.group(2)
        kind, new = self._classify(target.strip(), False)
        if kind != RESOLVED or new is None:
            return m.group(0)
        paragraph_start = body.rfind("\n\n", 0, m.start()) + 1
        if _HTML_BLOCK.match(body, paragraph_start + (body[paragraph_start:paragraph_start + 1] == "\n")):
            return m.group(0)
        self.report.counts[RESOLVED] += 1
        self.report.counts[PAGE_IN_HTML] += 1
        return f"[{m.group(3)}]({_safe(new)})"

    def srcset(self, m: re.Match[str]) -> str:
        """Responsive image candidates on another site are never fetched either (the address kept)."""
        if not any(_SCHEME.match(c.strip()) or c.strip().startswith("//") for c in m.group(3).split(",")):
            return m.group(0)
        self.report.counts[EXTERNAL_IMAGE] += 1
        return f"{m.group(1)}data-source-srcset={m.group(2)}{m.group(3)}{m.group(2)}"

    def html(self, m: re.Match[str]) -> str:
        new, kind = self.target(m.group(4), m.group(2).lower() == "src")
        if kind == EXTERNAL and m.group(2).lower() == "src":
            self.report.counts[EXTERNAL_IMAGE] += 1
            new = None  # never fetched from another site; the address kept for people
        if new is None:  # no address MkDocs would have to check; the original kept for people
            return f"{m.group(1)}data-source-{m.group(2)}={m.group(3)}{m.group(4)}{m.group(3)}"
        if kind == RESOLVED and m.group(2).lower() == "href" and not m.group(4).startswith("#"):
            # MkDocs rewrites `.md` links in Markdown only: in raw HTML the link would lead to a
            # source file the site never publishes (KM509); the address is kept for people
            self.report.counts[PAGE_IN_HTML_BLOCK] += 1
            return f"{m.group(1)}data-source-{m.group(2)}={m.group(3)}{m.group(4)}{m.group(3)}"
        if kind == ASSET:
            new = web_relative(new)
        return f"{m.group(1)}{m.group(2)}={m.group(3)}{_safe(new)}{m.group(3)}"

    def target(self, target: str, image: bool) -> tuple[str | None, str]:
        """(new target or None to drop the link, its class)."""
        kind, new = self._classify(target.strip(), image)
        self.report.counts[kind] += 1
        if kind not in (RESOLVED, ASSET, EXTERNAL, FRAGMENT):
            self.report.unresolved.append((kind, target))
        return new, kind

    def _classify(self, target: str, image: bool) -> tuple[str, str | None]:
        if not target:
            return BROKEN, None
        if target.startswith("#"):
            return FRAGMENT, target
        if target.startswith(REF_PREFIX):
            return self._page(self.site.pages_by_name.get(_name_key(target[len(REF_PREFIX):])), "", target)
        if target.startswith("file:") or target == "broken-reference" or target.startswith("blob:"):
            return BROKEN_UPSTREAM, None
        parts = urlsplit(target)
        fragment = "#" + parts.fragment if parts.fragment else ""
        if _SCHEME.match(target):
            own = self.site.site_host and target.startswith(self.site.site_host)
            if not own or parts.scheme not in ("http", "https"):
                return EXTERNAL, target
            return self._site_path(parts.path or "/", fragment, target, image)
        path = unquote(parts.path)
        if path.startswith("/"):
            return self._site_path(path, fragment, target, image)
        as_file = posixpath.normpath(posixpath.join(posixpath.dirname(self.source_rel), path))
        if as_file in self.site.files or as_file + ".md" in self.site.files or path.endswith(".md"):
            found = as_file if as_file in self.site.files else as_file + ".md"
            if found.endswith(".md") or as_file + ".md" in self.site.files:
                return self._page(found if found in self.site.files else None, fragment, target)
            return self._asset(found, image, target)
        for index in ("README.md", "index.md", "_index.md"):
            if posixpath.join(as_file, index) in self.site.files:
                return self._page(posixpath.join(as_file, index), fragment, target)
        return self._site_path(posixpath.normpath(posixpath.join(self.page_url, path)) + ("/" if path.endswith("/")
                               else ""), fragment, target, image)

    def _site_path(self, path: str, fragment: str, target: str, image: bool) -> tuple[str, str | None]:
        root = self.site.site_root
        if root and root != "/":
            if path == root or path.startswith(root + "/"):
                path = path[len(root):] or "/"
            elif not (self.site.site_host and target.startswith(self.site.site_host)):
                return OTHER_SITE, None
        rel = self.site.pages_by_url.get(site_key(path))
        if rel is not None:
            return self._page(rel, fragment, target)
        for base in self.site.asset_roots:
            candidate = posixpath.normpath(posixpath.join(base, path.lstrip("/")))
            if candidate in self.site.files:
                return self._asset(candidate, image, target)
        if PurePosixPath(path).suffix and not path.endswith((".html", ".htm")):
            return MISSING_ASSET, None
        return BROKEN, None

    def _page(self, rel: str | None, fragment: str, target: str) -> tuple[str, str | None]:
        if rel is None:
            return BROKEN, None
        dest = self.site.dest.get(rel)
        if dest is None:
            return NOT_INGESTED, None
        return RESOLVED, _relative(self.dest_dir, dest) + fragment

    def _asset(self, rel: str, image: bool, target: str) -> tuple[str, str | None]:
        if PurePosixPath(rel).suffix.lower() not in ASSET_SUFFIXES:
            return MISSING_ASSET, None
        self.report.assets.add(rel)
        return ASSET, _relative(self.dest_dir, self.site.dest.get(rel, rel))


def web_relative(file_link: str) -> str:
    """A file-relative link as the address a browser follows from the built page. The hub builds
    one `.html` file per page beside where its `.md` was (mkdocs.yml: use_directory_urls: false)."""
    path, _hash, fragment = file_link.partition("#")
    if path.endswith(".md"):
        path = path[:-3] + ".html"
    return path + (f"#{fragment}" if _hash else "")


def _relative(from_dir: str, to: str) -> str:
    return posixpath.relpath(to, from_dir or ".")


def _safe(target: str) -> str:
    """A target Python-Markdown reads as one address: spaces and parentheses encoded."""
    return quote(target, safe="/#:?=&%~+@!$',;*-._")


def _name_key(ref: str) -> str:
    ref = ref.strip().strip("\"'").split("#", 1)[0]
    return PurePosixPath(ref).name.removesuffix(".md").casefold() if ref else ""
