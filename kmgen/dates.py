"""Dates in the shapes other site generators write, read as a calendar date only
when there is exactly one reading (`kmgen check` shows it, `--fix` writes it)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

_MONTHS = {name: i for i, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
    ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
    ("november", "nov"), ("december", "dec")), start=1) for name in names}
# 2013-12-02, 2013/12/2, 2013.12.02, optionally with a time and a UTC offset (Hugo, Jekyll).
_YMD = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
                  r"(?:[T ]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})?$", re.I)
_DMY_OR_MDY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_DAY_MONTH = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?,?\s+(\d{4})$")
_MONTH_DAY = re.compile(r"^([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")


def normalise_date(value: Any) -> dt.date | None:
    """The one date `value` can mean, or None (not a date, impossible, or ambiguous)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    readings = date_readings(value)
    return readings[0] if len(readings) == 1 else None


def date_readings(text: str) -> list[dt.date]:
    """Every real date `text` could mean: two for 02/03/2013, none for nonsense."""
    text = text.strip()
    if m := _YMD.match(text):
        return _real(int(m[1]), int(m[2]), int(m[3]))
    if m := _DMY_OR_MDY.match(text):
        a, b, year = int(m[1]), int(m[2]), int(m[3])
        return sorted(set(_real(year, b, a) + _real(year, a, b)))
    if m := _DAY_MONTH.match(text):
        return _named(m[2], int(m[1]), int(m[3]))
    if m := _MONTH_DAY.match(text):
        return _named(m[1], int(m[2]), int(m[3]))
    return []


def _named(month: str, day: int, year: int) -> list[dt.date]:
    number = _MONTHS.get(month.lower())
    return _real(year, number, day) if number else []


def _real(year: int, month: int, day: int) -> list[dt.date]:
    try:
        return [dt.date(year, month, day)]
    except ValueError:
        return []
