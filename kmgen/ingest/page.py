"""One source page made into a kmgen page: its publish state, its fields, its provenance.

Nothing is invented. A field the source does not have is derived only from the
page itself (title from the first heading or file name, summary from the first
paragraph) and the report says so; an owner or review date never is.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from kmgen import schema
from kmgen.ingest import values
from kmgen.ingest.mapping import FILE_NAME, FIRST_HEADING, FIRST_PARAGRAPH, FIRST_TEXT, Mapping, lookup
from kmgen.taxonomy import Taxonomy

SUMMARY_LIMIT = 400
_H1 = re.compile(r"^[ \t]{0,3}#[ \t]+(.+?)[ \t]*(?:\{[^}\n]*\})?[ \t]*#*[ \t]*$", re.M)
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_TEXT_FIELDS = ("title", "summary", "language", "owner", "country", "period", "community")


@dataclass
class Fields:
    """The kmgen front matter of one page and what the report should say about it."""

    front: dict[str, Any]
    derived: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unmapped_terms: list[tuple[str, str]] = field(default_factory=list)  # (source key, term)
    redirects: list[str] = field(default_factory=list)
    order: Any = None


def publish_rule(fields: dict[str, Any], body: str, mapping: Mapping, today: dt.date) -> str | None:
    """The publish-state rule that applies to a page before its body is converted."""
    if any(lookup(fields, k) not in (None, "", []) for k in mapping.redirect_to_keys):
        return "redirect-stub"
    if any(lookup(fields, k) is True for k in mapping.draft_keys):
        return "draft"
    if any(lookup(fields, k) is False for k in mapping.unpublished_keys):
        return "draft"
    for key in mapping.expiry_keys:
        expiry = values.iso_date(lookup(fields, key))
        if expiry and dt.date.fromisoformat(expiry[:10]) < today:
            return "expired"
    if fields.get("permalink") is False or fields.get("headless") is True or _never_rendered(fields):
        return "not-rendered"
    outputs = fields.get("outputs")
    if isinstance(outputs, list) and outputs and not any(str(o).lower() == "html" for o in outputs):
        return "output-format-stub"
    if any(lookup(fields, k) is True for k in mapping.search_excluded_keys):
        return "search-excluded"
    build = fields.get("_build") if isinstance(fields.get("_build"), dict) else {}
    if fields.get("hidden") is True or fields.get("nav_exclude") is True or (build or {}).get("list") == "never":
        return "hidden"
    return None


def _never_rendered(fields: dict[str, Any]) -> bool:
    build = fields.get("_build") or fields.get("build")
    return isinstance(build, dict) and (build.get("render") in (False, "never") or build.get("list") == "never"
                                        and build.get("render") in (False, "never"))


def non_page(fields: dict[str, Any], body: str, rel: str) -> str | None:
    """A `.md` file that is not a page: an issue template, Gherkin, a stub for another output."""
    if "name" in fields and "about" in fields:
        return "issue-template"
    first = next((line.strip() for line in body.split("\n") if line.strip()), "")
    if re.match(r"^(Feature|Scenario|Given|Background):", first):
        return "not a page (Gherkin or other text saved as .md)"
    if "ISSUE_TEMPLATE" in rel or "PULL_REQUEST_TEMPLATE" in rel.upper():
        return "issue-template"
    return None


def first_heading(body: str) -> str | None:
    m = _H1.search(body)
    return values.plain_text(m.group(1)) if m else None


def drop_leading_h1(body: str, title: str) -> tuple[str, bool]:
    """The page template prints the title as the H1; the body's own copy would show it twice."""
    stripped = body.lstrip("\n")
    m = _H1.match(stripped)
    if m and values.plain_text(m.group(1)).casefold() == title.casefold():
        return stripped[m.end():].lstrip("\n"), True
    return body, False


def first_paragraph(body: str) -> str | None:
    """The first run of prose lines: not a heading, list, table, quote, HTML block or code."""
    for block in re.split(r"\n[ \t]*\n", body):
        text = block.strip()
        if not text or text[0] in "#|<>!=-*+[:\x00\x01" or re.match(r"^\d+[.)]\s", text) or text.startswith("```"):
            continue
        plain = values.plain_text(re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text))
        plain = re.sub(r"[*_`]{1,3}", "", plain)
        if re.search(r"\w", plain):
            return _shorten(plain)
    return None


def first_text(body: str) -> str | None:
    """Failing a paragraph, the first line of any text (a list item, a table cell, a later heading)."""
    for line in body.split("\n"):
        plain = values.plain_text(re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", line))
        plain = re.sub(r"^[#>*+\-|=!\d.)\s]+|[*_`|]+", " ", plain).strip()
        if re.search(r"\w{2}", plain) and "\x00" not in plain and not _H1.match(line):
            return _shorten(plain)
    return None


def _shorten(text: str) -> str:
    if len(text) <= SUMMARY_LIMIT:
        return text
    cut = text[:SUMMARY_LIMIT].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + " …"


class FieldMapper:
    def __init__(self, mapping: Mapping, taxonomy: Taxonomy):
        self.mapping, self.taxonomy = mapping, taxonomy
        self.term_keys = {"tags", *taxonomy.facet_keys()}
        self.literals: dict[str, str] = {}

    def map(self, source: dict[str, Any], body: str, page_rel: str, language: str | None,
            literals: dict[str, str] | None = None) -> Fields:
        notes: list[str] = []
        self.literals = literals or {}
        clean = {k: values.normalise(k, v, notes) for k, v in source.items()}
        dropped = [k for k, v in source.items() if v is None]
        if dropped:
            notes.append("empty (null) keys dropped: " + ", ".join(dropped))
        out = Fields({}, notes=notes)
        used: set[str] = set()
        for target, keys in self.mapping.fields.items():
            value, key = self._first(clean, keys, body, page_rel)
            if value is None:
                continue
            consumed = self._set(out, target, value, key)
            if key in (FIRST_HEADING, FIRST_PARAGRAPH, FILE_NAME, FIRST_TEXT):
                out.derived.append(f"{target} from the {key.replace('_', ' ')}")
            elif consumed:
                used.add(key.split(".")[0])
        if "language" not in out.front and language and _LANG.match(language):
            out.front["language"] = language
            out.derived.append("language from the folder")
        for key, value in self.mapping.constants.items():
            out.front[str(key)] = value
        out.front["type"] = self.mapping.type_for(page_rel) if "type" not in out.front else out.front["type"]
        out.redirects = [str(r) for k in self.mapping.redirect_keys for r in _as_list(lookup(clean, k)) if r]
        out.order = next((lookup(clean, k) for k in self.mapping.order_keys if lookup(clean, k) is not None), None)
        out.front["source_meta"] = {k: v for k, v in clean.items() if k not in used and v is not None}
        return out

    def _first(self, clean: dict[str, Any], keys: list[str], body: str, page_rel: str) -> tuple[Any, str]:
        for key in keys:
            if key == FIRST_HEADING:
                value: Any = first_heading(body)
            elif key == FIRST_PARAGRAPH:
                value = first_paragraph(body)
            elif key == FILE_NAME:
                value = _title_from_name(page_rel)
            elif key == FIRST_TEXT:
                value = first_text(body)
            else:
                value = lookup(clean, key)
            if not values.is_empty(value):
                return value, key
        return None, ""

    def _set(self, out: Fields, target: str, value: Any, key: str) -> bool:
        """Put a value in place; False when (part of) it stays in source_meta."""
        if target in self.term_keys:
            before = len(out.unmapped_terms)
            concepts = self._terms(out, key, _as_list(value))
            if concepts:
                out.front[target] = concepts
            return len(out.unmapped_terms) == before
        if target in (*_TEXT_FIELDS, "contributors") and isinstance(value, (bool, int, float)):
            value = self._as_written(out, key, value)
        if target == "summary" and isinstance(value, str):
            value = _shorten(values.plain_text(value))
        if target == "contributors":
            names = [str(v) for v in _as_list(value) if isinstance(v, (str, int))]
            if names:
                out.front[target] = names
            return len(names) == len(_as_list(value))
        if target in _TEXT_FIELDS and not isinstance(value, str):
            out.notes.append(f"{key}: {value!r} is not text; kept in source_meta")
            return False
        if target == "language" and not _LANG.match(str(value)):
            out.notes.append(f"{key}: {value!r} is not a language code; kept in source_meta")
            return False
        spec = schema.FIELDS.get(target)
        if spec is not None and spec.kind == "date":
            iso = values.iso_date(value)
            if iso is None:
                out.notes.append(f"{key}: {value!r} is not a date; kept in source_meta")
                return False
            value = iso[:10]
        out.front[target] = value
        return True

    def _as_written(self, out: Fields, key: str, value: bool | int | float) -> str:
        """A number or boolean in a text field, as the author wrote it (else as Python prints it)."""
        text = self.literals.get(key) or str(value)
        kind = "boolean" if isinstance(value, bool) else "number"
        out.notes.append(f"{key}: {text} was read as a {kind}; kept as the text written")
        return text

    def _terms(self, out: Fields, key: str, terms: list[Any]) -> list[str]:
        concepts: list[str] = []
        for term in terms:
            if not isinstance(term, str):
                continue
            wanted = self.mapping.vocabulary.get(term, term)
            if term in self.mapping.vocabulary and wanted in self.taxonomy.concepts:
                if wanted not in concepts:  # the mapping names the concept by id: no guessing
                    concepts.append(wanted)
                continue
            matches = self.taxonomy.resolve(wanted)
            if not matches and wanted.endswith("s"):  # sites name sections in the plural
                matches = self.taxonomy.resolve(wanted[:-1])
            if len(matches) == 1:
                if matches[0].concept.id not in concepts:
                    concepts.append(matches[0].concept.id)
            else:
                out.unmapped_terms.append((key, term))
        return concepts


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _title_from_name(page_rel: str) -> str:
    path = PurePosixPath(page_rel)
    stem = path.parent.name if path.stem.lower() in ("index", "_index", "readme") and path.parent.name else path.stem
    return re.sub(r"[-_]+", " ", stem).strip().capitalize() or stem
