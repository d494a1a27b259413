"""Strict front-matter loading: one immutable `Document` per Markdown file.

Contributed files are untrusted (DESIGN.md §6). Before PyYAML constructs a
single Python object we walk the parse *events* of the C safe loader and
refuse explicit tags, anchors/aliases, duplicate or non-string keys and deep
nesting, so a hostile file can neither run code nor exhaust memory. kmgen is
the one parser of record: what this module decides a page's metadata is, the
site sees too (the MkDocs plugin is handed these Documents).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from kmgen.diagnostics import Diagnostic

MAX_FILE_BYTES = 1024 * 1024
MAX_FRONT_MATTER_BYTES = 64 * 1024
MAX_DEPTH = 20

_FENCE = "---"
_END = "..."  # YAML's document end marker: pandoc and some hubs close front matter with it
_BOM = "\ufeff"
# The first line of real front matter: a `key:` (plain or quoted) or a comment.
_KEY_LINE = re.compile(r"""^(#|[^\s#:'"][^:]*:(\s|$)|"[^"]*"\s*:|'[^']*'\s*:)""")


@dataclass(frozen=True)
class Document:
    """One source page, as kmgen read it. Nothing downstream re-parses files."""

    path: str  # POSIX path relative to the content root, e.g. "playbooks/x.md"
    fields: Mapping[str, Any]
    lines: Mapping[str, int]  # front-matter key -> 1-based line of the key
    item_lines: Mapping[str, tuple[int, ...]]  # key -> line of each list item
    raw: Mapping[str, str]  # key -> source text of a plain (unquoted) scalar value
    body: str
    body_line: int  # 1-based line of the body's first line in the file
    content_hash: str  # sha256 of the file's bytes
    has_front_matter: bool = True
    front_matter_end: int = 0  # 1-based line of the closing fence (0: none)
    front_matter_start: int = 1  # 1-based line of the opening fence (> 1: blank lines before it)

    def line_of(self, key: str) -> int:
        return self.lines.get(key, 1)

    def get(self, key: str, default: Any = None) -> Any:
        return self.fields.get(key, default)


@dataclass
class _Walk:
    """What the event walk learned about the top-level mapping."""

    lines: dict[str, int] = field(default_factory=dict)
    item_lines: dict[str, list[int]] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)


class _Loader(yaml.CSafeLoader):
    """The C safe loader, except an impossible date stays text for the schema to report."""


def _timestamp(loader: yaml.CSafeLoader, node: yaml.Node) -> Any:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)  # type: ignore[arg-type]
    except ValueError:
        return str(node.value)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
_RESOLVER = yaml.resolver.Resolver()


def _plain_tag(value: str) -> str:
    return _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))


def load_document(root: Path, rel: str) -> tuple[Document | None, list[Diagnostic]]:
    """Read one file. Returns (None, errors) when the file cannot be trusted at all."""
    path = root / rel
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [_err(rel, 0, "KM102", f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}",
                               "split the page into smaller pages")]
        data = path.read_bytes()
    except OSError as exc:
        return None, [_err(rel, 0, "KM101", f"cannot read file: {exc.strerror}", "check permissions")]
    return parse_document(rel, data)


def parse_document(rel: str, data: bytes) -> tuple[Document | None, list[Diagnostic]]:
    diags: list[Diagnostic] = []
    text = _decode(rel, data, diags)
    if text is None:
        return None, diags
    content_hash = hashlib.sha256(data).hexdigest()
    lines = text.split("\n")
    start = _opening_fence(lines)
    if start is None:
        first = lines[0].rstrip()
        if first in ("+++", "{", ";;;"):
            kind = "TOML front matter (+++)" if first == "+++" else "JSON front matter"
            return None, diags + [_err(rel, 1, "KM111", f"{kind} is not supported",
                                       "convert the front matter to YAML between '---' lines")]
        doc = Document(rel, MappingProxyType({}), MappingProxyType({}), MappingProxyType({}),
                       MappingProxyType({}), text, 1, content_hash, has_front_matter=False)
        return doc, diags
    closing = _closing_fence(rel, lines, start, diags)
    if closing is None:
        return None, diags
    walk = _Walk()
    value = _read_yaml(rel, "\n".join(lines[start + 1:closing]) + "\n", start + 2, walk, diags)
    if value is None:
        return None, diags
    doc = Document(
        path=rel,
        fields=MappingProxyType(value),
        lines=MappingProxyType(walk.lines),
        item_lines=MappingProxyType({k: tuple(v) for k, v in walk.item_lines.items()}),
        raw=MappingProxyType(walk.raw),
        body="\n".join(lines[closing + 1:]),
        body_line=closing + 2,
        content_hash=content_hash,
        front_matter_end=closing + 1,
        front_matter_start=start + 1,
    )
    return doc, diags


def _decode(rel: str, data: bytes, diags: list[Diagnostic]) -> str | None:
    """The file as text with LF line endings, or None (and an error) when it is not text."""
    if len(data) > MAX_FILE_BYTES:
        diags.append(_err(rel, 0, "KM102", f"file is {len(data):,} bytes; the limit is {MAX_FILE_BYTES:,}",
                          "split the page into smaller pages"))
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        diags.append(_err(rel, line, "KM103", f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                          "save the file as UTF-8 in your editor"))
        return None
    if text.startswith(_BOM):
        text = text[1:]
        diags.append(_note(rel, 1, "KM104", "a UTF-8 byte-order mark was ignored"))
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        diags.append(_note(rel, 1, "KM105", "Windows (CRLF) line endings were read as LF"))
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        diags.append(_err(rel, line, "KM103", "file contains a NUL byte",
                          "this looks like a binary file; remove it or save as text"))
        return None
    return text


def _read_yaml(rel: str, yaml_text: str, first_line: int, walk: _Walk,
               diags: list[Diagnostic]) -> dict[Any, Any] | None:
    """The front matter as a mapping, or None after adding the reason to `diags`."""
    if len(yaml_text.encode("utf-8")) > MAX_FRONT_MATTER_BYTES:
        diags.append(_err(rel, first_line - 1, "KM114", f"front matter is over {MAX_FRONT_MATTER_BYTES // 1024} KiB",
                          "move long text into the page body"))
        return None
    problems = _walk_events(rel, yaml_text, walk, first_line)
    if problems:
        diags.extend(problems)
        return None
    try:
        value = yaml.load(yaml_text, Loader=_Loader)  # noqa: S506 - a subclass of CSafeLoader
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        diags.append(_yaml_error(rel, exc, first_line))
        return None
    if value is None:
        return {}
    if not isinstance(value, dict):
        diags.append(_err(rel, first_line, "KM121",
                          f"front matter must be a set of 'key: value' lines, got a {type(value).__name__}",
                          "write one 'field: value' per line between the '---' lines"))
        return None
    return value


def _opening_fence(lines: list[str]) -> int | None:
    """0-based index of the opening '---', or None when the file has no front matter.

    Leading blank lines are allowed (editors and converters leave them), but
    then only when the fence is followed by what can only be front matter, so a
    body that opens with a thematic break ('---') is still a body.
    """
    start = 0
    while start < len(lines) - 1 and not lines[start].strip():
        start += 1
    if lines[start].rstrip() != _FENCE:
        return None
    if start == 0:
        return 0
    following = next((line for line in lines[start + 1:] if line.strip()), "")
    return start if _KEY_LINE.match(following) else None


def _closing_fence(rel: str, lines: list[str], start: int, diags: list[Diagnostic]) -> int | None:
    """0-based index of the line closing the front matter ('---' or '...'), noting
    the accepted quirks; None (and an error) when there is none."""
    closing = next((i for i in range(start + 1, len(lines)) if lines[i].rstrip(" \t") in (_FENCE, _END)), None)
    if start:
        diags.append(_note(rel, start + 1, "KM140",
                           f"front matter starts on line {start + 1}, after blank lines; accepted",
                           "kmgen check --fix removes the blank lines, so every site generator reads it"))
    if closing is None:
        diags.append(_err(rel, start + 1, "KM113", "front matter has no closing '---' line",
                          "add a line with exactly '---' after the last field"))
        return None
    if lines[closing].rstrip(" \t") == _END:
        diags.append(_note(rel, closing + 1, "KM141", "front matter closed with '...' (YAML's document end); accepted",
                           "kmgen reads it; some site generators only know '---'"))
    if closing == len(lines) - 1 and lines[closing]:
        diags.append(_note(rel, closing + 1, "KM106", "the closing fence had no final newline; accepted"))
    return closing


def _walk_events(rel: str, yaml_text: str, walk: _Walk, first_line: int = 2) -> list[Diagnostic]:
    """Refuse what safe YAML still allows but a hub must not accept.

    Events carry 0-based lines within the front matter; + `first_line` maps them
    to the file (the line after the opening fence). Stops at the first problem: after a refused
    construct the rest of the YAML cannot be trusted to mean anything.
    """
    stack: list[_Open] = []
    top_key = ""
    try:
        for event in yaml.parse(yaml_text, Loader=yaml.CSafeLoader):
            line = event.start_mark.line + first_line if event.start_mark else 1
            if isinstance(event, yaml.CollectionEndEvent):
                stack.pop()
                if stack:
                    stack[-1].expect_key = stack[-1].kind == "map"
                continue
            if not isinstance(event, (yaml.AliasEvent, yaml.ScalarEvent, yaml.CollectionStartEvent)):
                continue
            problem = _refused(rel, line, event)
            if problem:
                return [problem]
            parent = stack[-1] if stack else None
            if parent is not None and parent.kind == "map" and parent.expect_key:
                problem = _check_key(rel, line, event, parent)
                if problem:
                    return [problem]
                if len(stack) == 1:
                    assert isinstance(event, yaml.ScalarEvent)  # _check_key refused any other key
                    top_key = event.value
                    walk.lines[top_key] = line
                continue
            if parent is not None and parent.kind == "map":
                parent.expect_key = True
                if len(stack) == 1 and isinstance(event, yaml.ScalarEvent) and _is_plain(event):
                    walk.raw[top_key] = event.value
            elif parent is not None and len(stack) == 2:
                walk.item_lines.setdefault(top_key, []).append(line)
            if isinstance(event, yaml.CollectionStartEvent):
                if len(stack) >= MAX_DEPTH:
                    return [_err(rel, line, "KM133", f"front matter is nested more than {MAX_DEPTH} levels deep",
                                 "flatten the structure")]
                stack.append(_Open("map" if isinstance(event, yaml.MappingStartEvent) else "seq"))
    except yaml.YAMLError as exc:
        return [_yaml_error(rel, exc, first_line)]
    return []


@dataclass
class _Open:
    """A collection the event walk is inside."""

    kind: str  # "map" or "seq"
    keys: set[str] = field(default_factory=set)
    expect_key: bool = True


def _is_plain(event: Any) -> bool:
    """An unquoted scalar: the kind YAML 1.1 may read as a bool, number or date."""
    return isinstance(event, yaml.ScalarEvent) and not event.style


def _refused(rel: str, line: int, event: Any) -> Diagnostic | None:
    if isinstance(event, yaml.AliasEvent):
        return _err(rel, line, "KM131", "YAML aliases (*name) are not allowed", "write the value out in full")
    if event.anchor is not None:
        return _err(rel, line, "KM131", f"YAML anchors (&{event.anchor}) are not allowed",
                    "write the value out in full")
    # A lone "!" is the non-specific tag of a quoted scalar, not a user tag.
    if event.tag is not None and event.tag != "!":
        return _err(rel, line, "KM132", f"YAML tags ({event.tag}) are not allowed",
                    "remove the tag; if the value starts with '!', put it in quotes")
    return None


def _check_key(rel: str, line: int, event: Any, parent: _Open) -> Diagnostic | None:
    if not isinstance(event, yaml.ScalarEvent):
        return _err(rel, line, "KM134", "a key must be plain text, not a list or mapping", "write 'name: value'")
    key = event.value
    if _is_plain(event) and _plain_tag(key) != "tag:yaml.org,2002:str":
        kind = _plain_tag(key).rsplit(":", 1)[-1]
        return _err(rel, line, "KM134", f"key {key!r} is not text (YAML reads it as {kind})",
                    f'use a word as the key, or quote it: "{key}":')
    if key in parent.keys:
        return _err(rel, line, "KM135", f"duplicate key {key!r}",
                    "keep one of the two lines; YAML would silently drop one", field=key)
    parent.keys.add(key)
    parent.expect_key = False
    return None


def _yaml_error(rel: str, exc: Exception, first_line: int = 2) -> Diagnostic:
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + first_line if mark is not None else 1
    problem = getattr(exc, "problem", None) or str(exc)
    return _err(rel, line, "KM130", f"invalid YAML: {problem}",
                "check indentation, and quote values that contain ': ' or start with a special character")


def _err(path: str, line: int, code: str, message: str, hint: str = "", field: str | None = None) -> Diagnostic:
    return Diagnostic(path, line, code, "error", message, hint, field)


def _note(path: str, line: int, code: str, message: str, hint: str = "") -> Diagnostic:
    return Diagnostic(path, line, code, "note", message, hint)


DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def as_date(value: Any) -> dt.date | None:
    """A front-matter date as a `date`, or None if it is not a real ISO date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and DATE_RE.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def safe_compose(rel: str, data: bytes,
                 limit: int = MAX_FRONT_MATTER_BYTES) -> tuple[yaml.Node | None, list[Diagnostic]]:
    """A whole YAML data file (the taxonomy) as a node tree with line marks,
    under the same refusal rules as front matter. Lines are 1-based in the file."""
    if len(data) > limit:
        return None, [_err(rel, 0, "KM102", f"file is {len(data):,} bytes; the limit is {limit:,}")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [_err(rel, data[: exc.start].count(b"\n") + 1, "KM103", "not valid UTF-8",
                           "save the file as UTF-8")]
    # The walk reports lines as if a fence line preceded the text; shift back by one.
    problems = _walk_events(rel, text, _Walk())
    if problems:
        return None, [Diagnostic(d.path, max(d.line - 1, 1), d.code, d.severity, d.message, d.hint, d.field)
                      for d in problems]
    try:
        return yaml.compose(text, Loader=yaml.CSafeLoader), []
    except yaml.YAMLError as exc:
        d = _yaml_error(rel, exc)
        return None, [Diagnostic(d.path, max(d.line - 1, 1), d.code, d.severity, d.message, d.hint)]
