"""What a front-matter key from another site generator means in kmgen.

A page moved from Hugo, Jekyll, Eleventy or GitBook carries keys kmgen does
not know. The nearest spelling is usually wrong (`subtitle` is not `title`,
`source` is not `source_hash`), so the hint says what the key *means* and
where that belongs: a kmgen field, or `source_meta:` where foreign keys are
kept verbatim.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

_KEEP = "keep it under source_meta: (kept as written, never published)"

_SUMMARY = frozenset({"subtitle", "deck", "description", "excerpt", "abstract", "lede", "teaser", "intro"})
_TERMS = frozenset({"categories", "category", "topics", "topic", "keywords", "subjects", "labels"})
_PEOPLE = frozenset({"author", "authors", "by", "creator", "creators", "writer", "writers"})
_CHANGED = frozenset({"lastmod", "last_modified", "modified", "updated", "last_updated", "last_modified_at",
                      "reviewed", "last_review"})
_PUBLISHED = frozenset({"pubdate", "publishdate", "publish_date", "published_at", "created", "created_at"})
_ORIGIN = frozenset({"source", "original", "source_url", "canonical", "canonical_url", "origin"})
_ADDRESS = frozenset({"url", "slug", "aliases", "redirect_from", "redirect_to", "redirectto"})
_SITE_SETTINGS = frozenset({"layout", "permalink", "weight", "nav_order", "menu", "menus", "sidebar", "toc",
                            "template", "parent", "grand_parent", "has_children", "nav_exclude", "linktitle",
                            "search_exclude", "hide", "icon", "cascade", "outputs", "eleventynavigation",
                            "eleventyexcludefromcollections", "sitemap", "order", "position"})
_STEWARDS = frozenset({"maintainer", "maintainers", "steward", "stewards", "team"})


def foreign_meaning(key: str, value: Any, facet_keys: Sequence[str]) -> str | None:
    """The hint for a key other generators define, or None for any other key."""
    name = key.lower().replace("-", "_")
    simple = {
        "lang": "kmgen calls this 'language' (a BCP 47 code like 'en')",
        "locale": "kmgen calls this 'language' (a BCP 47 code like 'en')",
        "licence": "kmgen spells it 'license' (an SPDX id like CC-BY-4.0)",
    }
    if name in simple:
        return simple[name]
    if name in _SUMMARY:
        return (f"other site generators use '{key}' for a short description: kmgen calls it 'summary' "
                f"(rename it, or if the page has a summary already, {_KEEP})")
    if name in ("draft", "published", "hidden", "unlisted"):
        return _publish_state(key, name, value)
    if name in _TERMS:
        example = f" such as '{facet_keys[0]}:'" if facet_keys else ""
        return (f"put these terms under 'tags:' (any taxonomy label, folded to its concept) "
                f"or under a facet field{example}")
    if name in _PEOPLE:
        return "kmgen calls the people who wrote or improved a page 'contributors' (a list)"
    if name in _STEWARDS:
        return "kmgen calls the community or team that stewards a page 'owner'"
    return _meaning_of_date_or_place(key, name)


def _publish_state(key: str, name: str, value: Any) -> str:
    hidden = value is True if name != "published" else value is False
    if hidden:
        return f"'{key}: {str(value).lower()}' means not yet published: write 'status: draft' instead"
    return f"pages are published unless they say 'status: draft': remove '{key}:'"


def _meaning_of_date_or_place(key: str, name: str) -> str | None:
    if name in _CHANGED:
        return (f"'{key}' is when the file last changed; kmgen's 'last_reviewed' is the date an owner checked "
                f"the page is right: set that only if someone did, and {_KEEP}")
    if name in _PUBLISHED or name == "date":
        return (f"'{key}' is when the page was first published; kmgen shows a 'date' only as when a "
                f"community-of-practice output was produced: {_KEEP}")
    if name in _ORIGIN:
        return (f"'{key}' says where the material came from: if this page reuses or adapts it, list it under "
                f"'based_on:'; otherwise {_KEEP}")
    if name in _ADDRESS:
        return (f"kmgen gives each page the address of its file path (rename the file to change it); "
                f"{_KEEP}")
    if name in _SITE_SETTINGS:
        return f"'{key}' is a site-generator setting kmgen does not use: {_KEEP}"
    return None
