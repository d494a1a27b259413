"""Front-matter values in the shapes real sites write them, made plain and comparable.

Every change is recorded as a note, so the report says what was altered and why.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

# Keys whose values are dates whatever their spelling on a given site.
DATE_KEY = re.compile(r"date|lastmod|updated|modified|published|expir|reviewed|approved|_at$", re.I)
# Keys whose string values are really lists written on one line.
LIST_KEY = re.compile(r"^(tags?|categories|category|keywords|authors|topics|labels)$", re.I)
NUMBER_KEY = re.compile(r"^(weight|order|nav_order|sort|position)$", re.I)

_DATETIME = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt ]+(\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2}|[+-]\d{2})?$")
_WRITTEN_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y/%m/%d", "%m/%d/%Y")
_TAG = re.compile(r"<[^>\n]{0,500}>")
_SPACES = re.compile(r"\s+")
_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+$")


def iso_date(value: Any) -> str | None:
    """A date or datetime in ISO 8601, keeping the offset; None when it is not one.

    '2017-07-08 3:46:23 -0400' -> '2017-07-08T03:46:23-04:00'; a bare date stays
    a date; a naive datetime stays naive (no zone is invented)."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        return None
    text = value.strip()
    m = _DATETIME.match(text)
    if m:
        return _from_match(m)
    for fmt in _WRITTEN_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def _from_match(m: re.Match[str]) -> str | None:
    year, month, day, hour, minute, second, fraction, zone = m.groups()
    try:
        date = dt.date(int(year), int(month), int(day))
    except ValueError:
        return None
    if hour is None:
        return date.isoformat()
    try:
        moment = dt.datetime(date.year, date.month, date.day, int(hour), int(minute), int(second or 0),
                             int(float(fraction) * 1_000_000) if fraction else 0)
    except ValueError:
        return None
    if zone:
        moment = moment.replace(tzinfo=_zone(zone))
    text = moment.isoformat()
    return text.replace("+00:00", "Z") if zone == "Z" else text


def _zone(zone: str) -> dt.timezone:
    if zone == "Z":
        return dt.UTC
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


def plain_text(value: str) -> str:
    """Inline HTML dropped, entities decoded, whitespace collapsed: text for a summary."""
    return _SPACES.sub(" ", html.unescape(_TAG.sub("", value))).strip()


def normalise(key: str, value: Any, notes: list[str]) -> Any:
    """One front-matter value, normalised; `notes` collects what changed."""
    if value is None:
        return None
    if DATE_KEY.search(key) and not isinstance(value, (list, dict, bool)):
        iso = iso_date(value)
        if iso is not None:
            if not isinstance(value, str) or iso != value.strip():
                notes.append(f"{key}: date {value!s} written as {iso}")
            return iso
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, str):
        return _string(key, value, notes)
    if isinstance(value, list):
        return _list(key, value, notes)
    if isinstance(value, dict):
        return {str(k): normalise(str(k), v, notes) for k, v in value.items() if v is not None}
    return value


def _string(key: str, value: str, notes: list[str]) -> Any:
    text = html.unescape(value) if "&" in value else value
    if text != value:
        notes.append(f"{key}: HTML entities decoded")
    stripped = text.strip()
    if stripped != text:
        text = stripped
    if LIST_KEY.match(key) and "," in text:
        notes.append(f"{key}: comma-separated text split into a list")
        return [part.strip() for part in text.split(",") if part.strip()]
    if NUMBER_KEY.match(key) and _THOUSANDS.match(text):
        notes.append(f"{key}: thousands separators removed from {text}")
        return int(text.replace(",", ""))
    return text


def _list(key: str, value: list[Any], notes: list[str]) -> list[Any]:
    kept = [v for v in value if v is not None]
    if len(kept) != len(value):
        notes.append(f"{key}: {len(value) - len(kept)} empty (null) entries dropped")
    return [normalise(key, v, notes) for v in kept]


def is_empty(value: Any) -> bool:
    """Nothing a reader could use: None, blank text, only punctuation, or an empty list."""
    if value is None:
        return True
    if isinstance(value, str):
        return not re.search(r"\w", value)
    if isinstance(value, (list, dict)):
        return not value
    return False


def yaml_ready(value: Any) -> Any:
    """Dates as ISO text, keys as text: what kmgen's strict loader will read back unchanged."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): yaml_ready(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [yaml_ready(v) for v in value if v is not None]
    if isinstance(value, float) and value != value:  # NaN cannot round-trip as a value anyone meant
        return str(value)
    return value
