"""Old addresses of a page (its `aliases:`) published as redirect pages (KM960, KM961).

A page moved, renamed or brought in by `kmgen ingest` keeps its old addresses
working: each alias becomes a small HTML file at the old address that sends the
reader on to the page. kmgen writes these itself rather than through the
mkdocs-redirects plugin: that plugin's page sends the reader on with an inline
script built from the address, which the site verification rightly refuses
(only the theme's own scripts may run), and kmgen needs old addresses the
plugin cannot name from a Markdown file (`page.html` on a site with folder
addresses). A redirect page here has no script at all: a refresh to an address
inside the site, a canonical link and a plain link for readers and robots.

Aliases are contributed text: an alias must be an address inside this site
(no scheme, no host, no `..`), of characters that need no escaping, and must
not fall on a page, a generated page, a file the site writes, or another alias.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from kmgen import i18n
from kmgen.checks.reserved_paths import reserved_reason
from kmgen.content import Document
from kmgen.diagnostics import Diagnostic
from kmgen.hub import Hub
from kmgen.publish.site import BROWSE, COVERAGE, HOME, REVIEW, Site
from kmgen.sources import url_key

if TYPE_CHECKING:
    from kmgen.checks import CheckOptions

FIELD = "aliases"
TEMPLATE = "kmgen/redirect.html"
# Letters and digits of any script, '-', '_', '.', '~' and '/': nothing a browser,
# a server or an HTML attribute reads specially.
_SAFE_PATH = re.compile(r"^[\w\-.~/]+$")
_GENERATED_AT_ROOT = (HOME, BROWSE, REVIEW, COVERAGE)


@dataclass(frozen=True)
class Redirect:
    source: str  # the page (content path) the alias belongs to
    file: str  # where the redirect page is written, relative to the site root
    line: int


def alias_file(alias: Any) -> tuple[str | None, str]:
    """The site file an alias is published as, or (None, why it cannot be)."""
    if not isinstance(alias, str) or not alias.strip():
        return None, "an alias must be a non-empty address"
    text = alias.strip()
    if ":" in text or text.startswith("//") or "\\" in text:
        return None, f"{text!r} is not an address inside this site (no scheme, host or backslash)"
    path = unicodedata.normalize("NFC", text.lstrip("/"))
    if not path:
        return None, "an alias cannot be the site's home page"
    if not _SAFE_PATH.match(path):
        return None, f"{text!r} has characters an address would have to escape (spaces, quotes, %, ?, # ...)"
    segments = path.rstrip("/").split("/")
    if any(s in ("", ".", "..") for s in segments):
        return None, f"{text!r} has an empty, '.' or '..' part"
    last = segments[-1]
    if path.endswith("/"):
        return path + "index.html", ""
    if last.lower().endswith((".html", ".htm")):
        return path, ""
    if "." in last:
        return None, (f"{text!r} ends in '{last.rsplit('.', 1)[1]}': a static site can only answer it with a file "
                      "of that type, not a page")
    return path + "/index.html", ""


def file_key(file: str) -> str:
    """The folded address of a redirect file, as `sources.url_key` folds pages:
    `a.html`, `a/` and `a/index.html` are one address (they are in one URL style or the other)."""
    stem = re.sub(r"\.html?$", "", file, flags=re.I)
    return url_key(stem + ".md")


def aliases(doc: Document) -> list[tuple[int, Any]]:
    """(line, value) of each alias a page declares."""
    value = doc.get(FIELD)
    items = value if isinstance(value, list) else ([] if value is None else [value])
    lines = doc.item_lines.get(FIELD, ())
    return [(lines[i] if i < len(lines) else doc.line_of(FIELD), item) for i, item in enumerate(items)]


def plan(hub: Hub, paths: list[str]) -> tuple[list[Redirect], list[Diagnostic]]:
    """The redirects of the pages in `paths` (in that order), and why any alias is refused."""
    taken: dict[str, str] = {url_key(p): f"the page {p}" for p in [*hub.documents, *hub.assets]}
    taken.update({url_key(src): f"the hub's generated page {src}" for src in _GENERATED_AT_ROOT})
    out: list[Redirect] = []
    diags: list[Diagnostic] = []
    for path in paths:
        doc = hub.documents[path]
        for line, alias in aliases(doc):
            file, why = alias_file(alias)
            if file is None:
                diags.append(_refused(doc, line, "KM960", f"alias {why}",
                                      "write the old address inside this site, like guides/old-name/ "
                                      "or guides/old-name.html"))
                continue
            key = file_key(file)
            owner = taken.get(key) or (f"the site's own '{reason}'" if (reason := reserved_reason(key.strip("/")
                                                                                                 + ".md")) else "")
            if owner:
                diags.append(_refused(doc, line, "KM961", f"alias {alias!r} is the address of {owner}",
                                      "remove this alias: a redirect never replaces a page or another alias"))
                continue
            taken[key] = f"an alias of {path}"
            out.append(Redirect(path, file, line))
    return out, diags


def _refused(doc: Document, line: int, code: str, message: str, hint: str) -> Diagnostic:
    return Diagnostic(doc.path, line, code, "error", message, hint, FIELD)


def check(hub: Hub, options: CheckOptions | None = None) -> list[Diagnostic]:
    """`kmgen check`: every alias of every page, published or not, is a safe and free address."""
    return plan(hub, sorted(p for p, d in hub.documents.items() if d.get(FIELD) is not None))[1]


def target_url(site: Site, redirect: Redirect) -> str:
    """The page's address relative to the redirect file (what the refresh and the link use)."""
    target = unquote(site.url(redirect.source))
    here = posixpath.dirname(redirect.file) or "."
    rel = posixpath.relpath(target.rstrip("/") or ".", here)
    if target.endswith("/") and rel != ".":
        rel += "/"
    return quote(rel if rel != "." else "./")


def published(site: Site) -> list[Redirect]:
    """The redirects of the pages this build publishes."""
    return plan(site.hub, sorted(p for p, d in site.pages.items() if d.get(FIELD) is not None))[0]


def write(site: Site, site_dir: Path, env: Any, site_language: str) -> list[str]:
    """Write every redirect page with the theme's `kmgen/redirect.html` (a hub's overrides/ may
    replace it), in the language of the page it leads to. Returns the files written
    (site-relative). A file already in the site is never replaced."""
    template = env.get_template(TEMPLATE)
    written = []
    for redirect in published(site):
        path = site_dir / redirect.file
        if path.exists():
            continue  # `plan` keeps aliases off every page; something else wrote here: leave it
        doc = site.pages[redirect.source]
        language = i18n.page_language(doc.get("language"), site_language)
        url = target_url(site, redirect)
        html = template.render(language=language, title=str(doc.get("title") or redirect.source), target=url,
                               canonical=site.absolute(redirect.source) if site.settings.site_url else url,
                               **i18n.template_functions(language))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
        written.append(quote(redirect.file))
    return written
