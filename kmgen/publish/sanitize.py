"""The allow-list every rendered page body passes through (DESIGN.md §6).

Contributed Markdown may carry raw HTML and `{attr=...}` lists, so the HTML
MkDocs renders is untrusted. nh3 keeps what Material and the allowed Markdown
extensions produce (admonitions, details, tabs, highlighted code, tables,
footnotes, heading permalinks) and drops everything else: scripts, styles,
event handlers, forms, `javascript:` and `data:` URLs, images from other hosts.
Ids outside the slug alphabet are mapped to one inside it (`safe_id`), and
links to them with them, rather than dropped.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import unquote

import nh3
from markupsafe import Markup, escape

TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd", "del",
    "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "input", "ins", "kbd", "label", "li", "mark", "ol", "p", "pre", "q", "s",
    "samp", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "time", "tr", "u", "ul", "var", "wbr",
})

_COMMON = {"id", "class", "title", "lang", "dir"}
ATTRIBUTES: dict[str, set[str]] = {
    "*": _COMMON,
    "a": {"href", "hreflang", "name"},
    "img": {"src", "alt", "width", "height", "loading"},
    "details": {"open"},
    "div": {"data-tabs"},  # Material's script finds tab sets by it
    "ol": {"start", "reversed"},
    "li": {"value"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "col": {"span"},
    "time": {"datetime"},
    # pymdownx.tabbed: tabs are radio inputs with labels, switched by CSS alone.
    "input": {"type", "name", "checked"},
    "label": {"for"},
}

URL_SCHEMES = frozenset({"http", "https", "mailto"})

# Ids and names the theme itself looks up (`#__config` holds the search worker's
# address, `#__search`, `#__drawer` ...): content must not shadow them. Tab sets
# are the one generated family of double-underscore ids content may carry.
_THEME_ID = re.compile(r"^__(?!tabbed_\d+(_\d+)?$)")
_TAB_SET = re.compile(r"^__tabbed_\d+$")
# The slug alphabet of heading ids. No length cap: the toc extension makes an
# id from the whole heading, and a long heading must keep its anchor.
_SAFE_ID = re.compile(r"^[\w:.\-]+$")
_UNSAFE_RUN = re.compile(r"[^\w\-]+")


def safe_id(value: str) -> str:
    """The id an element may carry: `value` itself when it is in the slug
    alphabet and not one of the theme's, else a slug made from it plus a digest
    of the original. The same value always gives the same id, so a heading, its
    table-of-contents entry and every link to it still agree after the change."""
    if _SAFE_ID.match(value) and not _THEME_ID.match(value):
        return value
    slug = _UNSAFE_RUN.sub("-", value).strip("-_")[:64].strip("-_")
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{slug or 'h'}-{digest}"


def safe_href(value: str) -> str:
    """A link with its fragment mapped as `safe_id` maps the id it points to;
    only links within the site (no scheme, no host) are touched."""
    address, hash_mark, fragment = value.partition("#")
    if not hash_mark or ":" in address.split("/")[0] or address.startswith("//"):
        return value
    wanted = unquote(fragment)
    return value if not wanted or safe_id(wanted) == wanted else f"{address}#{safe_id(wanted)}"


def _outside(url: str) -> bool:
    bare = re.sub(r"[\x00-\x20]", "", url)
    return bare.startswith("//") or ":" in bare.split("/")[0]


def _attribute(tag: str, attr: str, value: str) -> str | None:
    if tag == "input" and attr == "name":
        return value if _TAB_SET.match(value) else None  # only tab sets group radio buttons
    if attr in ("id", "name", "for"):
        return safe_id(value)
    if attr == "href":
        return safe_href(value)
    if tag == "img" and attr == "src" and _outside(value):
        # A reader's browser would fetch it from a third party (and not offline):
        # the image shows as its alt text instead.
        return None
    if attr == "class":
        # md-* classes belong to the theme's own chrome (banners, dialogs, search).
        kept = [c for c in value.split() if not c.startswith("md-")]
        return " ".join(kept) or None
    if attr == "data-tabs":
        return value if re.fullmatch(r"\d+:\d+", value) else None
    if tag == "input" and attr == "type":
        return value if value in ("radio", "checkbox") else None
    return value


# Removed together with everything inside them (kmgen check warns of each: KM951).
DROPPED_WITH_CONTENT = frozenset({"script", "style", "template", "noscript", "iframe", "object", "embed", "svg",
                                  "math"})


def clean(html: str) -> str:
    """Sanitise one page body; external and internal links get rel="noopener"."""
    return nh3.clean(
        html,
        tags=set(TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes=ATTRIBUTES,
        attribute_filter=_attribute,
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener",
        strip_comments=True,
    )


def plain(fragment: str) -> Markup:
    """A heading's text for the table of contents: tags dropped, entities read,
    then escaped once (Material prints toc titles as they are)."""
    return escape(Markup(str(fragment)).striptags())
