"""How a source's front matter becomes kmgen's: the default mapping per format and mapping files.

A mapping says which source keys feed each kmgen field (first non-empty wins),
which constants to set, the content type by folder, how foreign vocabulary maps
onto taxonomy concepts, which keys mean "draft", and what each publish-state
rule does. Everything a mapping does not consume is kept under `source_meta`.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# Derived sources a mapping may name beside real keys.
FIRST_PARAGRAPH, FIRST_HEADING, FILE_NAME, FIRST_TEXT = "first_paragraph", "first_heading", "file_name", "first_text"
RULE_ACTIONS: dict[str, tuple[str, ...]] = {
    "draft": ("skip", "draft", "ingest"),  # draft: ingest as a kmgen draft (checked, not published)
    "expired": ("skip", "ingest"),
    "redirect-stub": ("skip",),  # always a redirect entry, never a page
    "empty-body": ("skip", "ingest"),
    "not-rendered": ("skip", "ingest"),
    "hidden": ("ingest", "skip"),
    "search-excluded": ("ingest", "skip"),
}
DEFAULT_RULES = {rule: actions[0] for rule, actions in RULE_ACTIONS.items()}
_COMMON_FIELDS: dict[str, list[str]] = {
    "title": ["title", "Title", "name", FIRST_HEADING, FILE_NAME],
    "summary": ["summary", "Summary", "description", "Description", "excerpt", "subtitle", "Subtitle", "lead",
                FIRST_PARAGRAPH, FIRST_TEXT],
    "tags": ["tags", "Tags", "tag", "categories", "keywords"],
    "contributors": ["authors", "author", "Author"],
    "language": ["language", "lang"],
}
_FORMAT_EXTRAS: dict[str, dict[str, list[str]]] = {
    "hugo": {"draft": ["draft"], "expiry": ["expiryDate", "expirydate"], "redirects": ["aliases"],
             # a page's own weight orders its section; its menu entry's weight (`menu: {main: {weight: 3}}`)
             # is the order where it has none (`menu: main` with `weight` is the first case)
             "order": ["weight", "Weight", "menu.*.weight", "menus.*.weight"],
             "redirect_to": ["redirectto", "redirect_to", "redirect"]},
    "jekyll": {"draft": ["draft"], "unpublished": ["published"], "redirects": ["redirect_from"],
               "order": ["nav_order", "order", "weight"], "redirect_to": ["redirect_to"]},
    "eleventy": {"draft": ["draft"], "redirects": ["redirect_from", "aliases"], "order": ["eleventyNavigation.order",
                 "order"], "redirect_to": ["redirect_to", "redirect-url", "redirect_url", "redirectUrl"],
                 "search_excluded": ["eleventyExcludeFromCollections"]},
    "gitbook": {"redirects": ["redirect_from"], "order": [], "redirect_to": []},
    "markdown": {"draft": ["draft"], "redirects": ["redirect_from", "aliases"], "order": ["weight", "order"],
                 "redirect_to": ["redirect_to"]},
}
_TOP_KEYS = ("fields", "set", "type", "vocabulary", "draft_keys", "rules", "exclude", "keep")


class MappingError(ValueError):
    """A mapping file that cannot be used; the message says what was expected and what was found."""


@dataclass
class Mapping:
    format: str
    fields: dict[str, list[str]]
    constants: dict[str, Any] = field(default_factory=dict)
    default_type: str = "guideline"
    types_by_path: list[tuple[str, str]] = field(default_factory=list)
    vocabulary: dict[str, str] = field(default_factory=dict)
    draft_keys: list[str] = field(default_factory=list)
    rules: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_RULES))
    exclude: list[str] = field(default_factory=list)
    redirect_keys: list[str] = field(default_factory=list)
    redirect_to_keys: list[str] = field(default_factory=list)
    order_keys: list[str] = field(default_factory=list)
    expiry_keys: list[str] = field(default_factory=list)
    unpublished_keys: list[str] = field(default_factory=list)  # Jekyll's `published: false`
    search_excluded_keys: list[str] = field(default_factory=list)

    def type_for(self, page_rel: str) -> str:
        for pattern, type_id in self.types_by_path:
            if fnmatch.fnmatch(page_rel, pattern):
                return type_id
        return self.default_type

    def excluded(self, rel: str) -> str | None:
        return next((p for p in self.exclude if fnmatch.fnmatch(rel, p)), None)


def default_mapping(fmt: str) -> Mapping:
    extras = _FORMAT_EXTRAS.get(fmt, _FORMAT_EXTRAS["markdown"])
    return Mapping(format=fmt, fields={k: list(v) for k, v in _COMMON_FIELDS.items()},
                   draft_keys=list(extras.get("draft", [])), redirect_keys=list(extras.get("redirects", [])),
                   redirect_to_keys=list(extras.get("redirect_to", [])), order_keys=list(extras.get("order", [])),
                   expiry_keys=list(extras.get("expiry", [])), unpublished_keys=list(extras.get("unpublished", [])),
                   search_excluded_keys=list(extras.get("search_excluded", [])))


def load_mapping(path: Path, fmt: str, type_ids: tuple[str, ...]) -> Mapping:
    """The default mapping for `fmt`, changed by the mapping file."""
    try:
        data = yaml.load(path.read_text("utf-8"), Loader=yaml.CSafeLoader) or {}  # noqa: S506 - C safe loader
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise MappingError(f"{path}: cannot read the mapping: {exc}") from None
    if not isinstance(data, dict):
        raise MappingError(f"{path}: expected a mapping of sections, got a {type(data).__name__}")
    unknown = [k for k in data if k not in _TOP_KEYS]
    if unknown:
        raise MappingError(f"{path}: unknown section {unknown[0]!r}: expected one of {list(_TOP_KEYS)}")
    mapping = default_mapping(fmt)
    for target, sources in (_section(data, "fields", path) or {}).items():
        mapping.fields[str(target)] = [str(s) for s in (sources if isinstance(sources, list) else [sources])]
    mapping.constants.update(_section(data, "set", path) or {})
    _types(mapping, _section(data, "type", path), path, type_ids)
    mapping.vocabulary.update({str(k): str(v) for k, v in (_section(data, "vocabulary", path) or {}).items()})
    if "draft_keys" in data:
        mapping.draft_keys = [str(k) for k in data["draft_keys"] or []]
    for rule, action in (_section(data, "rules", path) or {}).items():
        allowed = RULE_ACTIONS.get(str(rule))
        if allowed is None:
            raise MappingError(f"{path}: rules: expected one of {list(RULE_ACTIONS)}, got {rule!r}")
        if action not in allowed:
            raise MappingError(f"{path}: rules: {rule}: expected one of {list(allowed)}, got {action!r}")
        mapping.rules[str(rule)] = str(action)
    mapping.exclude = [str(p) for p in data.get("exclude") or []]
    return mapping


def _section(data: dict[str, Any], key: str, path: Path) -> dict[str, Any] | None:
    value = data.get(key)
    if value is not None and not isinstance(value, dict):
        raise MappingError(f"{path}: '{key}' expected a mapping, got a {type(value).__name__}")
    return value


def _types(mapping: Mapping, section: dict[str, Any] | None, path: Path, type_ids: tuple[str, ...]) -> None:
    if not section:
        return
    wanted = [section.get("default")] + list((section.get("by_path") or {}).values())
    for type_id in wanted:
        if type_id is not None and type_id not in type_ids:
            raise MappingError(f"{path}: type: expected one of {list(type_ids)}, got {type_id!r}")
    if section.get("default"):
        mapping.default_type = str(section["default"])
    mapping.types_by_path = [(str(k), str(v)) for k, v in (section.get("by_path") or {}).items()]


def lookup(fields: dict[str, Any], key: str) -> Any:
    """A key, or a dotted path into nested mappings (`eleventyNavigation.order`); `*` stands for
    any one key (`menu.*.weight`: the first menu that has a weight)."""
    value: Any = fields
    parts = key.split(".")
    for i, part in enumerate(parts):
        if not isinstance(value, dict):
            return None
        if part == "*":
            rest = ".".join(parts[i + 1:])
            found = (lookup(v, rest) if rest else v for v in value.values() if isinstance(v, dict) or not rest)
            return next((v for v in found if v is not None), None)
        if part not in value:
            return None
        value = value[part]
    return value
