"""Content types and their front-matter fields: the contract with contributors.

This table is the single source for validation, for `kmgen new` templates and
for the field reference in the README (a test keeps the README in step).
Facet fields (`audience`, `sector`, ...) come from the taxonomy, because the
vocabulary is data the hub owns, not code.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kmgen import dates, field_hints, invisible_text
from kmgen.content import Document, as_date
from kmgen.diagnostics import Diagnostic
from kmgen.hub_config import ExtraField

PAGE_TYPE = "page"  # hub pages (home, about): not resources, no governance fields
PLACEHOLDER = "FILL IN"


@dataclass(frozen=True)
class ContentType:
    id: str
    folder: str
    label: str
    required: tuple[str, ...]  # extra required fields beyond the common ones


TYPES: dict[str, ContentType] = {t.id: t for t in (
    ContentType("playbook", "playbooks", "Playbook", ("audience",)),
    ContentType("case-study", "case-studies", "Case study", ("country", "period")),
    ContentType("cop-output", "cop-outputs", "Community of practice output", ("community", "date")),
    ContentType("toolkit", "toolkits", "Toolkit", ()),
    ContentType("guideline", "guidelines", "Guideline", ()),
    ContentType("training-material", "training", "Training material", ("delivery",)),
    ContentType("template", "templates", "Template", ()),
)}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str  # text | date | duration | language | license | list | links | status | type | path
    required: bool
    description: str
    example: str


COMMON_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("title", "text", True, "Page title as readers see it.", '"Running a 100-day DPI sprint"'),
    FieldSpec("summary", "text", True, "One or two sentences: what the page offers and to whom.",
              '"A week-by-week plan for ..."'),
    FieldSpec("type", "type", True, "Content type: " + ", ".join(TYPES) + " (or `page` for hub pages).",
              "playbook"),
    FieldSpec("owner", "text", True, "The community or team that stewards the page and answers questions.",
              '"GovStack Capacity Building CoP"'),
    FieldSpec("last_reviewed", "date", True, "Date (YYYY-MM-DD) an owner last checked the page was right.",
              "2026-05-14"),
    FieldSpec("language", "language", False, "BCP 47 language code of the page; default `en`.", "en"),
    FieldSpec("license", "license", False, "SPDX licence id; default `CC-BY-4.0`.", "CC-BY-4.0"),
    FieldSpec("contributors", "list", False, "People or organisations who wrote or improved the page.",
              '["Ministry of ICT training unit"]'),
    FieldSpec("review_every", "duration", False,
              "How often the page must be reviewed, e.g. `6 months`, `1 year`, `90 days`; default `12 months`.",
              '"12 months"'),
    FieldSpec("based_on", "links", False,
              "What this page reuses or adapts: hub paths (relative to `content/`) or https URLs.",
              '["playbooks/100-day-dpi-deployment.md"]'),
    FieldSpec("status", "status", False, "`published` (default) or `draft` (checked, not published).",
              "published"),
    FieldSpec("tags", "list", False, "Free list of taxonomy terms from any facet; synonyms are folded.",
              '["CRVS", "inclusion"]'),
    FieldSpec("translation_of", "path", False, "Hub path of the page this one translates.",
              "playbooks/100-day-dpi-deployment.md"),
    FieldSpec("source_hash", "text", False,
              "First 12 characters of the source's content hash when it was translated "
              "(`kmgen report freshness` prints it).", '"3f2a9c0d1b7e"'),
    FieldSpec("aliases", "list", False,
              "Old addresses of the page inside this site (it moved, or was brought in by `kmgen ingest`); "
              "each is published as a redirect to the page.", '["guides/old-name/", "old-name.html"]'),
    FieldSpec("source_meta", "mapping", False,
              "Keys from another site generator, kept exactly as written and never published "
              "(any mapping).", "{layout: post, weight: 3}"),
)

TYPE_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("country", "text", False, "Case study: the country (any geography label or ISO code).", "Kenya"),
    FieldSpec("period", "text", False, "Case study: the years the story covers.", '"2019-2023"'),
    FieldSpec("community", "text", False, "CoP output: the community of practice that produced it.",
              '"Digital ID practitioners network"'),
    FieldSpec("date", "date", False, "CoP output: when it was produced (YYYY-MM-DD).", "2026-04-02"),
)

FIELDS: dict[str, FieldSpec] = {f.name: f for f in COMMON_FIELDS + TYPE_FIELDS}
PAGE_FIELDS = ("title", "summary", "type")
STATUSES = ("published", "draft")
DEFAULT_REVIEW = "12 months"
DEFAULT_LANGUAGE = "en"
DEFAULT_LICENSE = "CC-BY-4.0"
# Provenance `kmgen ingest` writes on every page it brings in. Until an owner reviews
# such a page (adds `owner` and `last_reviewed`), it needs neither: kmgen never
# invents them, and the page is shown as "imported, not yet reviewed".
IMPORTED = "imported"
REVIEW_FIELDS = ("owner", "last_reviewed")

_DURATION_RE = re.compile(r"^\s*(\d{1,4})\s*(day|week|month|year)s?\s*$", re.I)
_LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_LICENSE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+-]*$")


def unreviewed_import(doc: Document) -> bool:
    """An ingested page that no owner has reviewed yet."""
    return isinstance(doc.get(IMPORTED), dict) and doc.get("last_reviewed") in (None, "")


def required_fields(type_id: str) -> tuple[str, ...]:
    if type_id == PAGE_TYPE:
        return PAGE_FIELDS
    extra = TYPES[type_id].required if type_id in TYPES else ()
    return tuple(f.name for f in COMMON_FIELDS if f.required) + extra


def parse_duration(value: Any) -> dt.timedelta | None:
    """'6 months' -> ~182 days. Months are 30.44 days: review dates need no calendar precision."""
    if isinstance(value, int) and not isinstance(value, bool):
        return dt.timedelta(days=value)
    if not isinstance(value, str):
        return None
    m = _DURATION_RE.match(value)
    if not m:
        return None
    n, unit = int(m.group(1)), m.group(2).lower()
    days = {"day": 1, "week": 7, "month": 30.44, "year": 365.25}[unit] * n
    return dt.timedelta(days=round(days))


def review_due(doc: Document) -> dt.date | None:
    reviewed = as_date(doc.get("last_reviewed"))
    every = parse_duration(doc.get("review_every", DEFAULT_REVIEW))
    if reviewed is None or every is None:
        return None
    return reviewed + every


def validate(doc: Document, facet_keys: tuple[str, ...],
             extra: Mapping[str, ExtraField] | None = None) -> list[Diagnostic]:
    """Field-level checks (presence, types, formats, unknown keys).

    Facet values are resolved separately by `kmgen.tagging` against the taxonomy;
    here a facet key only has to be known. `extra`: fields the hub declares for
    its own pages (content/kmgen.yml), checked for their kind only.
    """
    extra = extra or {}
    v = _Validator(doc)
    if not doc.has_front_matter:
        v.err(1, "KM201", None, "page has no front matter",
              "start the file with '---', the required fields, and '---' (kmgen new writes one for you)")
        return v.diags
    type_id = doc.get("type")
    if not isinstance(type_id, str) or (type_id not in TYPES and type_id != PAGE_TYPE):
        type_id = None
    known = set(FIELDS) | set(facet_keys) | set(extra) | {IMPORTED}
    for key, value in doc.fields.items():
        if key == IMPORTED and not (isinstance(value, dict) and value.get("from")):
            v.err(doc.line_of(key), "KM940", key, "'imported' must be a mapping with at least 'from'",
                  "kmgen ingest writes it; leave it as written")
            continue
        if not isinstance(key, str) or key not in known:
            hint = _unknown_field_hint(str(key), value, known, facet_keys)
            v.err(doc.line_of(str(key)), "KM210", str(key), f"unknown field '{key}'", hint)
            continue
        if key in FIELDS:
            v.check(key, value, FIELDS[key].kind)
        elif key in extra and key not in facet_keys:
            v.check(key, value, extra[key].kind)
        v.check_characters(key, value)
    for key in required_fields(type_id) if type_id else ("title", "summary", "type"):
        if key in REVIEW_FIELDS and unreviewed_import(doc):
            continue
        value = doc.get(key)
        if value is None or value == "" or value == []:
            spec = FIELDS.get(key)
            example = spec.example if spec else "[term]"
            v.err(1, "KM202", key, f"required field '{key}' is missing"
                  + (f" for a {type_id}" if type_id and key in _type_required(type_id) else ""),
                  f"add '{key}: {example}'")
    return v.diags


def _unknown_field_hint(key: str, value: Any, known: set[str], facet_keys: tuple[str, ...]) -> str:
    """What a foreign key means in kmgen; else the nearest spelling (a typo)."""
    meaning = field_hints.foreign_meaning(key, value, facet_keys)
    if meaning:
        return meaning
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.7)
    return f"did you mean '{close[0]}'?" if close else "see the field reference in the README"


def _type_required(type_id: str) -> tuple[str, ...]:
    return TYPES[type_id].required if type_id in TYPES else ()


class _Validator:
    def __init__(self, doc: Document):
        self.doc = doc
        self.diags: list[Diagnostic] = []

    def err(self, line: int, code: str, field: str | None, message: str, hint: str = "",
            severity: str = "error") -> None:
        self.diags.append(Diagnostic(self.doc.path, line, code, severity, message, hint, field))  # type: ignore[arg-type]

    def check(self, key: str, value: Any, kind: str) -> None:
        line = self.doc.line_of(key)
        if value is None:
            return  # an empty value counts as missing; required fields report it
        if kind in ("text", "language", "license", "path", "status", "type") and not isinstance(value, str):
            self.wrong_type(key, value, "text")
            return
        if kind in ("mapping", "any"):
            if kind == "mapping" and not isinstance(value, dict):
                self.err(line, "KM220", key, f"'{key}' must be a mapping of 'name: value' lines, "
                         f"got {type(value).__name__}", f"write each kept key indented under '{key}:', "
                         f"or as {key}: {{layout: post}}")
            return
        if isinstance(value, str) and PLACEHOLDER in value:
            self.err(line, "KM230", key, f"'{key}' still holds the template placeholder",
                     f"replace the '{PLACEHOLDER} ...' text with the real value")
            return
        if kind == "date":
            self.check_date(key, value, line)
        elif kind == "duration" and parse_duration(value) is None:
            self.err(line, "KM222", key, f"'{key}' must be a period like '6 months', got {value!r}",
                     "write a number and one of: days, weeks, months, years")
        elif kind == "language" and not _LANG_RE.match(value):
            self.err(line, "KM223", key, f"'{key}' must be a BCP 47 code like 'en' or 'pt-BR', got {value!r}",
                     "use the two-letter language code")
        elif kind == "license" and not _LICENSE_RE.match(value):
            self.err(line, "KM224", key, f"'{key}' must be an SPDX licence id, got {value!r}",
                     "for example CC-BY-4.0, CC0-1.0, MIT")
        elif kind == "status" and value not in STATUSES:
            self.err(line, "KM225", key, f"'{key}' expected one of {list(STATUSES)}, got {value!r}")
        elif kind == "type" and value not in TYPES and value != PAGE_TYPE:
            close = difflib.get_close_matches(value, list(TYPES), n=1, cutoff=0.5)
            self.err(line, "KM226", key, f"'type' expected one of {list(TYPES)}, got {value!r}",
                     f"did you mean '{close[0]}'?" if close else "pick the closest type")
        elif kind in ("list", "links"):
            self.check_list(key, value, line, links=kind == "links")

    def check_characters(self, key: str, value: Any) -> None:
        """Spoofing and control characters in any text a reader or a log sees (not source_meta)."""
        if isinstance(value, str):
            items: list[tuple[int, Any]] = [(self.doc.line_of(key), value)]
        elif isinstance(value, list):
            items = [(_item_line(self.doc, key, i), item) for i, item in enumerate(value)]
        else:
            return
        single = key in invisible_text.SINGLE_LINE or isinstance(value, list)
        for line, item in items:
            if isinstance(item, str):
                for f in invisible_text.findings(key, item, single):
                    self.err(line, f.code, key, f.message, f.hint, f.severity)

    def check_date(self, key: str, value: Any, line: int) -> None:
        if as_date(value) is not None:
            return
        if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}$", value.strip()):
            self.err(line, "KM221", key, f"'{key}' is {value!r}, which is not a real date",
                     "check the day and month")
        else:
            self.err(line, "KM221", key, f"'{key}' must be a date YYYY-MM-DD, got {value!r}",
                     _date_hint(key, value))

    def check_list(self, key: str, value: Any, line: int, links: bool) -> None:
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            item_line = _item_line(self.doc, key, i)
            if not isinstance(item, str):
                self.wrong_type(key, item, "text", item_line)
            elif links and not (item.startswith("https://") or item.startswith("http://") or item.endswith(".md")):
                self.err(item_line, "KM227", key, f"'{key}' entry {item!r} is neither a hub page nor a web address",
                         "use a path like playbooks/page.md (relative to content/) or an https:// URL")

    def wrong_type(self, key: str, value: Any, expected: str, line: int | None = None) -> None:
        self.diags.append(type_error(self.doc, key, value, expected, line or self.doc.line_of(key)))


def _date_hint(key: str, value: Any) -> str:
    readings = dates.date_readings(value) if isinstance(value, str) else []
    if len(readings) == 1:
        return f"write it as {key}: {readings[0].isoformat()} (kmgen check --fix does this for you)"
    if readings:
        both = " or ".join(d.isoformat() for d in readings)
        return f"{value!r} could be {both}: write the one you mean as YYYY-MM-DD"
    return f"write it like {key}: 2026-05-14"


def type_error(doc: Document, key: str, value: Any, expected: str, line: int) -> Diagnostic:
    """KM220 for a value of the wrong type; YAML 1.1 surprises get a 'quote this value' hint."""
    raw = doc.raw.get(key)
    if isinstance(value, (bool, int, float, dt.date)):
        shown = raw if raw is not None and not isinstance(doc.get(key), list) else str(value)
        if isinstance(value, bool) and raw is None:
            shown = str(value).lower()
        read = {bool: "true/false", int: "a number", float: "a number"}.get(type(value), "a date")
        message = f"'{key}' must be {expected}, but YAML read {shown!r} as {read}"
        return Diagnostic(doc.path, line, "KM220", "error", message, f'quote this value: {key}: "{shown}"', key)
    example = FIELDS[key].example if key in FIELDS else "text"
    return Diagnostic(doc.path, line, "KM220", "error", f"'{key}' must be {expected}, got a {type(value).__name__}",
                      f"write it as {key}: {example}", key)


def _item_line(doc: Document, key: str, index: int) -> int:
    lines = doc.item_lines.get(key, ())
    return lines[index] if index < len(lines) else doc.line_of(key)


def reference_markdown(facets: list[tuple[str, str]] | None = None) -> str:
    """The README's field reference, generated from this table."""
    out = ["| field | required | what it holds | example |", "| --- | --- | --- | --- |"]
    for spec in COMMON_FIELDS:
        out.append(f"| `{spec.name}` | {'yes' if spec.required else 'no'} | {spec.description} | `{spec.example}` |")
    for spec in TYPE_FIELDS:
        needed = [t.id for t in TYPES.values() if spec.name in t.required]
        out.append(f"| `{spec.name}` | {', '.join(needed) or 'no'} | {spec.description} | `{spec.example}` |")
    out.append("")
    out.append("Per type, in addition to the fields marked *yes*:")
    out.append("")
    for t in TYPES.values():
        extra = ", ".join(f"`{r}`" for r in t.required) or "nothing more"
        out.append(f"- `{t.id}` (folder `content/{t.folder}/`): {extra}")
    return "\n".join(out) + "\n"


def facet_reference_markdown(facets: list[tuple[str, str, str, bool]]) -> str:
    """README table of taxonomy facet keys: (key, label, definition, multiple) per facet."""
    out = ["| field | facet | values | what it classifies |", "| --- | --- | --- | --- |"]
    for key, label, definition, multiple in facets:
        out.append(f"| `{key}` | {label} | {'list' if multiple else 'one'} | {definition} |")
    return "\n".join(out) + "\n"
