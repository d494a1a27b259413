"""The allow-list every rendered page body passes through (DESIGN.md §6).

Contributed Markdown may carry raw HTML and `{attr=...}` lists, so the HTML
MkDocs renders is untrusted. nh3 keeps what Material and the allowed Markdown
extensions produce (admonitions, details, tabs, highlighted code, tables,
footnotes, heading permalinks) and drops everything else: scripts, styles,
event handlers, forms, `javascript:` and `data:` URLs.
"""

from __future__ import annotations

import re

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
_SAFE_ID = re.compile(r"^[\w:.\-]{1,200}$")


def _attribute(tag: str, attr: str, value: str) -> str | None:
    if tag == "input" and attr == "name":
        return value if _TAB_SET.match(value) else None  # only tab sets group radio buttons
    if attr in ("id", "name", "for"):
        return value if _SAFE_ID.match(value) and not _THEME_ID.match(value) else None
    if attr == "class":
        # md-* classes belong to the theme's own chrome (banners, dialogs, search).
        kept = [c for c in value.split() if not c.startswith("md-")]
        return " ".join(kept) or None
    if attr == "data-tabs":
        return value if re.fullmatch(r"\d+:\d+", value) else None
    if tag == "input" and attr == "type":
        return value if value in ("radio", "checkbox") else None
    return value


def clean(html: str) -> str:
    """Sanitise one page body; external and internal links get rel="noopener"."""
    return nh3.clean(
        html,
        tags=set(TAGS),
        clean_content_tags={"script", "style", "template", "noscript", "iframe", "object", "embed", "svg", "math"},
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
