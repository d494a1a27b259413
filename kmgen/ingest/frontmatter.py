"""Front matter as other generators write it: lenient about framing, strict about safety.

kmgen's own loader (kmgen/content.py) refuses anything unusual, because a hub's
pages must mean one thing. A foreign source is read once, here, by rules as
forgiving as the generators that wrote it: a BOM, CRLF, blank lines before the
fence, a `...` closer, a closing fence at the end of the file, TOML (`+++`) and
JSON front matter. It is still untrusted, so YAML aliases, tags and oversized
files are refused before anything is built from them.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from typing import Any

import yaml

MAX_SOURCE_BYTES = 1024 * 1024  # the hub's own file limit: a bigger page could not be ingested anyway
_BOM = "\ufeff"


class ForeignFrontMatterError(ValueError):
    """The file's front matter cannot be read; the message says why, for the report."""


@dataclass
class ForeignPage:
    """A source file split into its metadata and body, with what had to be tolerated."""

    fields: dict[str, Any]
    body: str
    syntax: str  # yaml | toml | json | none
    notes: list[str] = field(default_factory=list)
    # top-level scalars YAML read as numbers or booleans, as written (`description: 1.` -> "1.")
    literals: dict[str, str] = field(default_factory=dict)


def split(data: bytes) -> ForeignPage:
    if len(data) > MAX_SOURCE_BYTES:
        raise ForeignFrontMatterError(f"file is {len(data):,} bytes; the limit is {MAX_SOURCE_BYTES:,}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ForeignFrontMatterError(f"not valid UTF-8 (byte offset {exc.start})") from None
    notes: list[str] = []
    if text.startswith(_BOM):
        text = text[1:]
        notes.append("byte-order mark removed")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        notes.append("CRLF line endings read as LF")
    if "\x00" in text:
        raise ForeignFrontMatterError("file contains a NUL byte (binary file saved as .md)")
    lines = text.split("\n")
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start and start < len(lines) and lines[start].rstrip() in ("---", "+++"):
        notes.append("blank lines before the front matter ignored")
    opener = lines[start].rstrip() if start < len(lines) else ""
    if opener == "---":
        return _fenced(lines, start, ("---", "..."), "yaml", notes)
    if opener == "+++":
        return _fenced(lines, start, ("+++",), "toml", notes)
    if opener == "{" and start == 0:
        return _json(text, notes)
    return ForeignPage({}, text, "none", notes)


def _fenced(lines: list[str], start: int, closers: tuple[str, ...], syntax: str, notes: list[str]) -> ForeignPage:
    for i in range(start + 1, len(lines)):
        if lines[i].rstrip() in closers:
            if lines[i].rstrip() == "...":
                notes.append("front matter closed with '...'")
            meta = "\n".join(lines[start + 1:i])
            body = "\n".join(lines[i + 1:])
            fields = _parse(meta, syntax)
            literals = _literals(meta, fields) if syntax == "yaml" else {}
            return ForeignPage(fields, body, syntax, notes, literals)
    raise ForeignFrontMatterError(f"front matter opened with '{lines[start].rstrip()}' is never closed")


def _parse(meta: str, syntax: str) -> dict[str, Any]:
    if syntax == "toml":
        try:
            value: Any = tomllib.loads(meta)
        except tomllib.TOMLDecodeError as exc:
            raise ForeignFrontMatterError(f"invalid TOML front matter: {exc}") from None
    else:
        value = safe_yaml(meta)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ForeignFrontMatterError(f"front matter is a {type(value).__name__}, not a set of fields")
    return {str(k): v for k, v in value.items()}


def _literals(meta: str, fields: dict[str, Any]) -> dict[str, str]:
    """The source text of top-level values YAML typed as numbers or booleans: a title `1984` or a
    description `1.` is text to its author, and `1.` must not come back as `1.0`."""
    if not any(isinstance(v, (bool, int, float)) for v in fields.values()):
        return {}  # the common case costs no second parse
    node = yaml.compose(meta, Loader=yaml.CSafeLoader)
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): str(v.value) for k, v in node.value
            if isinstance(k, yaml.ScalarNode) and isinstance(v, yaml.ScalarNode)
            and isinstance(fields.get(str(k.value)), (bool, int, float))}


def safe_yaml(text: str) -> Any:
    """PyYAML's C safe loader after an event walk that refuses aliases and tags:
    a few lines of hostile YAML could otherwise expand to gigabytes."""
    try:
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            if isinstance(event, yaml.AliasEvent):
                raise ForeignFrontMatterError("YAML aliases (*name) are not accepted from a source")
            tag = getattr(event, "tag", None)
            if tag not in (None, "!") and isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent)):
                raise ForeignFrontMatterError(f"YAML tag {tag} is not accepted from a source")
        return yaml.load(text, Loader=yaml.CSafeLoader)  # noqa: S506 - the C safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (front-matter line {mark.line + 1})" if mark is not None else ""
        raise ForeignFrontMatterError(f"invalid YAML front matter{where}: {getattr(exc, 'problem', exc)}") from None


def _json(text: str, notes: list[str]) -> ForeignPage:
    """Hugo's JSON front matter: one object at the top of the file, the body after it."""
    try:
        value, end = json.JSONDecoder().raw_decode(text)
    except json.JSONDecodeError as exc:
        raise ForeignFrontMatterError(f"invalid JSON front matter: {exc.msg} (line {exc.lineno})") from None
    if not isinstance(value, dict):
        raise ForeignFrontMatterError("JSON front matter is not an object")
    return ForeignPage({str(k): v for k, v in value.items()}, text[end:].lstrip("\n"), "json", notes)
