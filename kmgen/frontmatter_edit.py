"""Guarded front-matter edits, the byte-level part of `kmgen check --fix` and
`kmgen tag --apply` (kmgen.fixing decides what to change; this module changes it).

A contributor's file is edited only when the edit touches the front-matter
lines alone and round-trips (DESIGN.md §6). So an edit here never re-dumps
YAML: it replaces the exact source span of one value (a scalar, or items of a
flow `[a, b]` or block `- a` list), keeps every comment, key order, quoting
style, BOM and line ending, then re-parses the result with the loader of
record and refuses unless it reads as exactly the intended fields with the
body bytes unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from kmgen.content import Document, parse_document

_BOM = b"\xef\xbb\xbf"
_RESOLVER = yaml.resolver.Resolver()
_STR_TAG = "tag:yaml.org,2002:str"
# Values that read back as the same text when written without quotes.
_PLAIN_RE = re.compile(r"^[^\W_](?:[\w.\-/ ]*[\w.\-/])?$")
_ITEM_PREFIX_RE = re.compile(r"^[ \t]*-[ \t]+$")
_NULL_REST_RE = re.compile(r"^([ \t]*:)[ \t]*(#.*)?$")
_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

Value = str | Sequence[str]
Change = Value | dt.date  # a date is written as plain YYYY-MM-DD
Scalar = str | dt.date


class EditRefused(ValueError):
    """The edit could not be made safely; the file is left as it was."""


@dataclass
class _Source:
    """A file split around its front matter, with a map from YAML offsets to text offsets."""

    bom: bytes
    text: str  # the file after the BOM, line endings as written
    fm_start: int  # text offset of the first front-matter line
    fm_end: int  # text offset of the closing fence line
    yaml_text: str  # the front-matter lines without CR, as the loader reads them
    yaml_starts: list[int]
    text_starts: list[int]

    def offset(self, index: int) -> int:
        """Text offset of a character index in `yaml_text`."""
        lo, hi = 0, len(self.yaml_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.yaml_starts[mid] <= index:
                lo = mid
            else:
                hi = mid - 1
        return self.text_starts[lo] + index - self.yaml_starts[lo]

    def newline_before(self, offset: int) -> str:
        """The line ending used by the line that ends just before `offset`."""
        return "\r\n" if self.text[:offset].endswith("\r\n") else "\n"


def _split(data: bytes, start_line: int = 1) -> _Source:
    """`start_line`: the 1-based line of the opening fence, as the loader found it."""
    bom = _BOM if data.startswith(_BOM) else b""
    try:
        text = data[len(bom):].decode("utf-8")
    except UnicodeDecodeError:
        raise EditRefused("the file is not valid UTF-8") from None
    fence_start = _line_offset(text, start_line)
    first_end = text.find("\n", fence_start)
    if fence_start < 0 or first_end < 0 or text[fence_start:first_end].rstrip() != "---":
        raise EditRefused("the file has no front matter")
    pos = first_end + 1
    yaml_starts: list[int] = []
    text_starts: list[int] = []
    lines: list[str] = []
    yaml_pos = 0
    while True:
        end = text.find("\n", pos)
        line = text[pos:len(text) if end < 0 else end].removesuffix("\r")
        if line.rstrip(" \t") in ("---", "..."):
            break
        if end < 0:
            raise EditRefused("the front matter has no closing '---' line")
        if "\r" in line:
            raise EditRefused("the front matter has a bare carriage return (old Mac line ending)")
        yaml_starts.append(yaml_pos)
        text_starts.append(pos)
        lines.append(line)
        yaml_pos += len(line) + 1
        pos = end + 1
    if not lines:
        yaml_starts, text_starts = [0], [pos]
    return _Source(bom, text, first_end + 1, pos, "\n".join(lines) + "\n", yaml_starts, text_starts)


def _line_offset(text: str, line: int) -> int:
    """Offset of the start of 1-based `line`, or -1 when the text is shorter."""
    offset = 0
    for _ in range(line - 1):
        offset = text.find("\n", offset) + 1
        if offset == 0:
            return -1
    return offset


@dataclass
class _Entry:
    """One top-level key of the front matter and the events of its value."""

    key: Any  # the key's ScalarEvent
    value: Any  # the value's first event
    items: list[Any] | None  # a list's item events (None for a scalar)


def _entries(src: _Source) -> dict[str, _Entry]:
    try:
        events: list[Any] = list(yaml.parse(src.yaml_text, Loader=yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise EditRefused(f"the front matter does not parse: {exc}") from None
    out: dict[str, _Entry] = {}
    i = 3  # StreamStart, DocumentStart, MappingStart
    if len(events) < 4 or not isinstance(events[2], yaml.MappingStartEvent):
        return out
    while isinstance(events[i], yaml.ScalarEvent):
        key: Any = events[i]
        value: Any = events[i + 1]
        i += 2
        items: list[Any] | None = None
        if isinstance(value, yaml.CollectionStartEvent):
            depth, items = 1, []
            while depth:
                ev = events[i]
                i += 1
                if isinstance(ev, yaml.CollectionEndEvent):
                    depth -= 1
                    continue
                if depth == 1:
                    items.append(ev)
                if isinstance(ev, yaml.CollectionStartEvent):
                    depth += 1
            if isinstance(value, yaml.MappingStartEvent) or not all(isinstance(e, yaml.ScalarEvent) for e in items):
                value, items = None, None  # a nested structure: never edited
        out[str(key.value)] = _Entry(key, value, items)
    return out


def _render(value: Scalar, like: Any | None) -> str:
    """`value` as YAML source, in the quoting style of the scalar it replaces
    (a date unquoted, so that it reads back as a date)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    style = getattr(like, "style", None)
    plain_ok = bool(_PLAIN_RE.match(value)) and _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) == _STR_TAG
    if style not in ("'", '"') and plain_ok:
        return value
    if style == "'" and value.isprintable():
        return "'" + value.replace("'", "''") + "'"
    return json.dumps(value, ensure_ascii=False)


def _shape(old: Any, present: bool, new: Change) -> Scalar | list[str]:
    """A single value stays a scalar while there is one; a list stays a list."""
    if isinstance(new, dt.date):
        if isinstance(old, list):
            raise EditRefused("cannot write a date into a list")
        return new
    if isinstance(new, str):
        return [new] if isinstance(old, list) else new
    values = list(new)
    if present and isinstance(old, str) and len(values) == 1:
        return values[0]
    if not values:
        raise EditRefused("cannot write an empty list")
    return values


Edit = tuple[int, int, str]  # replace text[start:end] with the string


def _edits_for(src: _Source, entry: _Entry | None, key: str, new: Scalar | list[str]) -> list[Edit]:
    if entry is None:
        return [_add_key(src, key, new)]
    value: Any = entry.value
    if value is None:
        raise EditRefused(f"'{key}' holds a nested structure")
    if isinstance(value, yaml.ScalarEvent):
        if value.value == "" and value.style is None:
            return [_fill_null(src, entry, new)]
        text = _flow(new, value) if isinstance(new, list) else _render(new, value)
        return [(_start(src, value), _end(src, value), text)]
    if isinstance(new, dt.date):
        raise EditRefused(f"'{key}' holds a list, not a date")
    return _edit_list(src, entry, [new] if isinstance(new, str) else new)


def _flow(values: Sequence[str], like: Any | None) -> str:
    return "[" + ", ".join(_render(v, like) for v in values) + "]"


def _add_key(src: _Source, key: str, new: Scalar | list[str]) -> Edit:
    if not _KEY_RE.match(key):
        raise EditRefused(f"cannot add the key {key!r}")
    text = _flow(new, None) if isinstance(new, list) else _render(new, None)
    return (src.fm_end, src.fm_end, f"{key}: {text}{src.newline_before(src.fm_end)}")


def _fill_null(src: _Source, entry: _Entry, new: Scalar | list[str]) -> Edit:
    """`key:` with nothing after it (maybe a comment): write the value on the key's line."""
    start = _end(src, entry.key)
    end = src.text.find("\n", start)
    end = end - 1 if src.text[end - 1] == "\r" else end
    m = _NULL_REST_RE.match(src.text[start:end])
    if m is None:
        raise EditRefused(f"'{entry.key.value}' is empty in a form kmgen does not edit")
    text = _flow(new, None) if isinstance(new, list) else _render(new, None)
    comment = f"  {m.group(2)}" if m.group(2) else ""
    return (start, end, f"{m.group(1)} {text}{comment}")


def _start(src: _Source, event: Any) -> int:
    return src.offset(event.start_mark.index)


def _end(src: _Source, event: Any) -> int:
    return src.offset(event.end_mark.index)


def _line_start(src: _Source, offset: int) -> int:
    return src.text.rfind("\n", 0, offset) + 1


def _line_end(src: _Source, offset: int) -> int:
    """Offset just past the newline ending the line that holds `offset`."""
    return src.text.index("\n", offset) + 1


def _item_prefix(src: _Source, item: Any) -> str:
    start = _start(src, item)
    prefix = src.text[_line_start(src, start):start]
    if not _ITEM_PREFIX_RE.match(prefix):
        raise EditRefused("a list item does not start its own '- ' line")
    return prefix


def _edit_list(src: _Source, entry: _Entry, new: list[str]) -> list[Edit]:
    items = entry.items or []
    flow = bool(entry.value.flow_style)
    edits: list[Edit] = []
    for item, value in zip(items, new, strict=False):
        if item.value != value:
            edits.append((_start(src, item), _end(src, item),
                          _render(value, item)))
    if len(new) > len(items):
        edits.append(_append(src, entry, new[len(items):], flow))
    elif len(new) < len(items):
        edits.append(_remove(src, items, len(new), flow))
    return edits


def _append(src: _Source, entry: _Entry, extra: list[str], flow: bool) -> Edit:
    items = entry.items or []
    like = items[-1] if items else None
    if flow:
        if not items:
            at = _end(src, entry.value)
            return (at, at, ", ".join(_render(v, None) for v in extra))
        at = _end(src, items[-1])
        return (at, at, "".join(", " + _render(v, like) for v in extra))
    prefix = _item_prefix(src, items[-1])
    at = _line_end(src, _end(src, items[-1]))
    newline = src.newline_before(at)
    return (at, at, "".join(prefix + _render(v, like) + newline for v in extra))


def _remove(src: _Source, items: list[Any], keep: int, flow: bool) -> Edit:
    last = _end(src, items[-1])
    if flow:
        return (_end(src, items[keep - 1]), last, "")
    first = _start(src, items[keep])
    _item_prefix(src, items[keep])
    return (_line_start(src, first), _line_end(src, last), "")


def _apply(text: str, edits: list[Edit]) -> str:
    # Last edit first, so earlier offsets stay valid; insertions at one offset
    # keep the order they were made in (an appended item, then new keys).
    order = [e for _i, e in sorted(enumerate(edits), key=lambda x: (x[1][0], x[0]), reverse=True)]
    for (_start, end, _t), (next_start, _e, _n) in zip(order[1:], order[:-1], strict=True):
        if end > next_start:
            raise EditRefused("two edits overlap")
    for start, end, replacement in order:
        text = text[:start] + replacement + text[end:]
    return text


def edit_front_matter(data: bytes, changes: Mapping[str, Change], rel: str = "page.md") -> bytes:
    """`data` with each key of `changes` set to its value, or `data` itself when
    nothing changes. Raises EditRefused unless the result reads back as exactly
    the intended fields with every byte outside the front-matter lines unchanged."""
    old, _diags = parse_document(rel, data)
    if old is None or not old.has_front_matter:
        raise EditRefused("the file does not load")
    src = _split(data, old.front_matter_start)
    entries = _entries(src)
    expected = dict(old.fields)
    edits: list[Edit] = []
    # Keys already there first: a new key goes after the last line of any list that grows.
    for key, value in sorted(changes.items(), key=lambda kv: kv[0] not in old.fields):
        present = key in old.fields
        if present and key not in entries:
            raise EditRefused(f"cannot locate '{key}' in the front matter")
        shaped = _shape(old.fields.get(key), present, value)
        expected[key] = shaped
        if not (present and old.fields[key] == shaped):
            edits.extend(_edits_for(src, entries.get(key), key, shaped))
    if not edits:
        return data
    out = src.bom + _apply(src.text, edits).encode("utf-8")
    _verify(rel, src, out, old, expected)
    return out


def remove_leading_blank_lines(data: bytes, rel: str = "page.md") -> bytes:
    """`data` without the blank lines before its opening fence (KM140), or `data`
    itself when there are none. Raises EditRefused unless the result reads as
    the same fields and body, byte for byte from the fence on."""
    old, _diags = parse_document(rel, data)
    if old is None or not old.has_front_matter:
        raise EditRefused("the file does not load")
    if old.front_matter_start == 1:
        return data
    bom = _BOM if data.startswith(_BOM) else b""
    text = data[len(bom):].decode("utf-8")
    start = _line_offset(text, old.front_matter_start)
    if start < 0 or "\r" in text[:start].replace("\r\n", ""):
        raise EditRefused("the file has bare carriage returns (old Mac line endings)")
    rest = text[start:]
    out = bom + rest.encode("utf-8")
    new, _diags = parse_document(rel, out)
    if (new is None or new.front_matter_start != 1 or dict(new.fields) != dict(old.fields)
            or new.body != old.body or not text.endswith(rest)):
        raise EditRefused("removing the blank lines would change what the page means")
    return out


def set_terms(data: bytes, key: str, values: Value) -> bytes:
    """`data` with front-matter `key` holding `values` (added as the last key if absent)."""
    return edit_front_matter(data, {key: values})


def _verify(rel: str, src: _Source, out: bytes, old: Document, expected: dict[str, Any]) -> None:
    new, _diags = parse_document(rel, out)
    if new is None:
        raise EditRefused("the edited file would not load")
    if list(new.fields) != list(expected) or dict(new.fields) != expected:
        raise EditRefused("the edited front matter would not read as intended")
    after = _split(out, new.front_matter_start)
    if (after.bom != src.bom or after.text[:after.fm_start] != src.text[:src.fm_start]
            or after.text[after.fm_end:] != src.text[src.fm_end:] or new.body != old.body):
        raise EditRefused("the edit would change more than the front-matter lines")
