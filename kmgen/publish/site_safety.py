"""What in a built page could run script or make a reader's browser fetch from outside the site.

The sanitiser keeps script out of page bodies; this is the second line, run on
the finished site as a browser would read it (an HTML5 parser: `<style/@>` or
a stray quote cannot hide what follows from it). Anything that can run script
and is not the theme's own fails the build: event-handler attributes,
`javascript:`/`vbscript:`/`data:` addresses, scripts that are not the theme's,
frames and plug-ins, `<base>`, refresh redirects, forms that submit anywhere.
So does anything a browser would load from another host on its own (images,
media, frames, styles, fonts, icons): the site must work offline and must not
tell third parties who reads it.

"The theme's own" scripts are, literally, the inline `<script>` bodies of the
theme's templates (a `{{ ... }}` in them may stand for any quoted-string-safe
text) and script files under `assets/javascripts/` inside the site.
"""

from __future__ import annotations

import functools
import json
import posixpath
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

import html5lib

SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:")
# Attributes holding an address, in any element (the browser follows, fetches or runs them).
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "data", "poster", "background", "srcset",
                            "ping", "cite", "longdesc", "lowsrc", "dynsrc", "manifest", "codebase", "archive",
                            "icon", "profile", "usemap", "itemtype", "xmlns:xlink"})
# Elements that embed other documents or plug-ins, or change how every address resolves.
FORBIDDEN = frozenset({"iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal",
                       "fencedframe", "foreignobject", "set", "animate", "animatemotion", "animatetransform",
                       "handler", "listener", "import"})
# Attributes a browser fetches by itself when the page loads.
FETCHED = frozenset({"src", "srcset", "poster", "data", "background", "lowsrc", "dynsrc"})
FETCHED_LINKS = frozenset({"stylesheet", "icon", "shortcut", "preload", "prefetch", "modulepreload", "manifest",
                           "apple-touch-icon", "mask-icon", "dns-prefetch", "preconnect", "import", "prerender"})
DATA_SCRIPTS = frozenset({"application/json", "application/ld+json"})
_CSS_FETCH = re.compile(r"url\s*\(|@import|expression\s*\(|behavior\s*:|-moz-binding", re.IGNORECASE)
_URL_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
_C0_AND_SPACE = "".join(chr(c) for c in range(0x21))
_TEMPLATE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
_JINJA = re.compile(r"\{\{.*?\}\}", re.DOTALL)
_JINJA_VALUE = r"""[^"'<>\\\n]*"""
# `<meta http-equiv=refresh content="0; url=ADDRESS">` as a browser splits it (delay, then the address).
_REFRESH = re.compile(r"^\s*\d+(?:\.\d*)?\s*[;,]\s*(?:url\s*=\s*)?(.+?)\s*$", re.IGNORECASE | re.DOTALL)


def parse(text: str) -> Element:
    return html5lib.parse(text, namespaceHTMLElements=False)


def audit_tree(site_dir: Path | None, rel: str, root: Element,
               theme_scripts: tuple[re.Pattern[str], ...], allow_base: bool = False) -> list[str]:
    """Problems in one parsed page, `rel` its path inside `site_dir`. `allow_base`:
    the page may carry one <base> pointing inside the site (kmgen's portable 404 page)."""
    problems: list[str] = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue  # comments
        tag = local_name(el.tag)
        problems.extend(_attribute_problems(rel, tag, el))
        if tag == "base" and allow_base and not _external(el.get("href", "")):
            allow_base = False  # one, and only one
        elif tag in FORBIDDEN:
            problems.append(f"{rel}: <{tag}> is not allowed (it embeds or redirects content)")
        elif tag == "meta" and el.get("http-equiv", "").strip().lower() in ("refresh", "set-cookie") \
                and not _refresh_inside_site(rel, el):
            problems.append(f"{rel}: <meta http-equiv={el.get('http-equiv')}> is not allowed")
        elif tag == "form" and not _search_form(el):
            problems.append(f"{rel}: <form action={el.get('action')!r}> submits somewhere; "
                            "only a search form (method get, to a page of this site) may")
        elif tag == "script":
            problems.extend(_script_problems(site_dir, rel, el, theme_scripts))
        elif tag == "style" and _CSS_FETCH.search(el.text or ""):
            problems.append(f"{rel}: <style> loads or runs something: {(el.text or '').strip()[:80]!r}")
        elif tag == "link" and _fetched_link(el) and _external(el.get("href", "")):
            problems.append(f"{rel}: <link href> loads {el.get('href')} from outside the site")
    return problems


def _refresh_inside_site(rel: str, el: Element) -> bool:
    """A refresh to a page of this site (kmgen's redirect pages for old addresses):
    it neither runs script nor leaves the site. Any other refresh is refused."""
    if el.get("http-equiv", "").strip().lower() != "refresh":
        return False
    m = _REFRESH.match(el.get("content", ""))
    if not m:
        return False
    address = browser_url(m.group(1).strip("'\""))
    if not address or _external(address) or address.startswith("/"):
        return False
    inside = posixpath.normpath(posixpath.join(posixpath.dirname(rel), urlsplit(address).path))
    return inside != ".." and not inside.startswith("../")


def local_name(name: str) -> str:
    return name.rsplit("}", 1)[-1].lower()


def _attribute_problems(rel: str, tag: str, el: Element) -> Iterator[str]:
    for raw_name, value in el.attrib.items():
        name = local_name(raw_name)
        if name.startswith("on"):
            yield f"{rel}: <{tag} {name}> event handler (runs script)"
        elif name in URL_ATTRIBUTES:
            bare = browser_url(value).lower()
            if bare.startswith(SCRIPT_SCHEMES):
                yield f"{rel}: <{tag} {name}={value[:80]!r}> script or data address"
            elif name in FETCHED and any(_external(u) for u in _addresses(name, value)):
                yield f"{rel}: <{tag} {name}> loads {value[:120]} from outside the site (breaks offline use)"
            elif tag in ("image", "use", "feimage") and name == "href" and _external(value):
                yield f"{rel}: <{tag} href> loads {value[:120]} from outside the site"
        elif name == "style" and _CSS_FETCH.search(value):
            yield f"{rel}: <{tag} style={value[:80]!r}> loads or runs something"


def browser_url(value: str) -> str:
    """An attribute's address as a browser reads it (WHATWG URL): leading and
    trailing control characters and spaces dropped, tabs and newlines removed."""
    return _URL_TAB_OR_NEWLINE.sub("", value.strip(_C0_AND_SPACE))


def _addresses(name: str, value: str) -> list[str]:
    if name != "srcset":
        return [value]
    return [part.strip().split()[0] for part in value.split(",") if part.strip()]


def _external(value: str) -> bool:
    try:
        parts = urlsplit(browser_url(value))
    except ValueError:  # e.g. a malformed IPv6 host: not an address inside the site either
        return True
    return bool(parts.scheme or parts.netloc)


def _search_form(el: Element) -> bool:
    """The Find forms of kmgen's templates: a GET to a page inside the site, which
    only puts the reader's words in an address; anything else could post data away."""
    action = el.get("action")
    if action is None:
        return True  # submits to the page itself
    method = (el.get("method") or "get").strip().lower()
    return method == "get" and not _external(action) and not browser_url(action).lower().startswith(SCRIPT_SCHEMES)


def _fetched_link(el: Element) -> bool:
    return bool(set(el.get("rel", "").lower().split()) & FETCHED_LINKS)


def _script_problems(site_dir: Path | None, rel: str, el: Element,
                     theme_scripts: tuple[re.Pattern[str], ...]) -> list[str]:
    src = el.get("src")
    kind = (el.get("type") or "").strip().lower()
    if src is not None:
        return [] if _theme_script_file(site_dir, rel, src) else [f"{rel}: <script src={src!r}> is not the theme's"]
    text = el.text or ""
    if kind in DATA_SCRIPTS:
        try:
            json.loads(text)
        except ValueError:
            return [f"{rel}: <script type={kind}> does not hold valid JSON"]
        return [f"{rel}: '<' inside a <script type={kind}> (could end the script)"] if "<" in text else []
    if any(pattern.fullmatch(text.strip()) for pattern in theme_scripts):
        return []
    return [f"{rel}: inline <script> that is not the theme's: {text.strip()[:80]!r}"]


def _theme_script_file(site_dir: Path | None, rel: str, src: str) -> bool:
    try:
        parts = urlsplit(src)
    except ValueError:
        return False
    if parts.scheme or parts.netloc or not parts.path.endswith(".js") or site_dir is None:
        return False
    base = "" if parts.path.startswith("/") else posixpath.dirname(rel)
    target = posixpath.normpath(posixpath.join(base, parts.path.lstrip("/")))
    return target.startswith("assets/javascripts/") and (site_dir / target).is_file()


@functools.lru_cache(maxsize=8)
def theme_scripts(theme_dirs: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    """Patterns of the inline scripts the theme's templates write."""
    patterns: dict[str, re.Pattern[str]] = {}
    for folder in theme_dirs:
        for template in sorted(Path(folder).rglob("*.html")):
            source = template.read_text(encoding="utf-8", errors="replace")
            for body in _TEMPLATE_SCRIPT.findall(source):
                if "{%" in body or "{#" in body:
                    continue  # logic inside a script: not a fixed text a page can be matched to
                parts = _JINJA.split(body.strip())
                if not _values_are_quoted(parts):
                    continue
                pattern = _JINJA_VALUE.join(re.escape(part) for part in parts)
                patterns.setdefault(pattern, re.compile(pattern, re.DOTALL))
    return tuple(patterns.values())


def _values_are_quoted(parts: list[str]) -> bool:
    """Each `{{ ... }}` sits inside a string literal: a value without quotes or
    backslashes cannot leave it, so the wildcard cannot stand for code."""
    pairs = zip(parts, parts[1:], strict=False)
    return all(before[-1:] in ("'", '"') and after[:1] == before[-1:] for before, after in pairs)


def audit_search_index(data: Any) -> list[str]:
    """Material's search shows titles and text of its index as HTML: audit them as fragments."""
    problems: list[str] = []
    for doc in data.get("docs", []) if isinstance(data, dict) else []:
        for key in ("title", "text"):
            fragment = html5lib.parseFragment(str(doc.get(key, "")), namespaceHTMLElements=False)
            wrapper = Element("div")
            wrapper.extend(list(fragment))
            where = f"search/search_index.json ({doc.get('location', '?')} {key})"
            problems.extend(audit_tree(None, where, wrapper, ()))  # no script at all may pass
    return problems
