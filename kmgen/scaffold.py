"""`kmgen new`: a valid starting file for a content type, written from the schema."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path

from kmgen.schema import FIELDS, PLACEHOLDER, TYPES
from kmgen.writes import write_new

# Values a contributor must replace; `kmgen check` reports them as KM230 until they do.
_PLACEHOLDERS = {
    "summary": f'"{PLACEHOLDER}: one or two sentences on what this page offers and to whom"',
    "owner": f'"{PLACEHOLDER}: the community that looks after this page"',
    "country": f'"{PLACEHOLDER}: country name or ISO code, e.g. Kenya"',
    "period": f'"{PLACEHOLDER}: years covered, e.g. 2019-2023"',
    "community": f'"{PLACEHOLDER}: the community of practice that produced this"',
    "audience": f'["{PLACEHOLDER}: e.g. civil-servants"]',
    "delivery": f'["{PLACEHOLDER}: e.g. e-learning"]',
}


def slugify(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:80].rstrip("-") or "untitled"


def template(type_id: str, title: str, today: dt.date) -> str:
    ctype = TYPES[type_id]
    lines = ["---"]

    def add(name: str, value: str, comment: str) -> None:
        lines.append(f"# {comment}")
        lines.append(f"{name}: {value}")

    add("title", _quote(title), FIELDS["title"].description)
    add("summary", _PLACEHOLDERS["summary"], FIELDS["summary"].description)
    add("type", type_id, "Content type; decides which other fields are required.")
    add("owner", _PLACEHOLDERS["owner"], FIELDS["owner"].description)
    add("last_reviewed", today.isoformat(), FIELDS["last_reviewed"].description)
    add("review_every", '"12 months"', FIELDS["review_every"].description)
    add("language", "en", FIELDS["language"].description)
    add("license", "CC-BY-4.0", FIELDS["license"].description)
    for name in ctype.required:
        desc = FIELDS[name].description if name in FIELDS else "Required for this type (taxonomy terms)."
        value = _PLACEHOLDERS.get(name, today.isoformat() if name == "date" else '""')
        add(name, value, desc)
    lines.append("# Taxonomy terms from any facet; run 'kmgen tag' on this file for suggestions.")
    lines.append("tags: []")
    lines.append("---")
    lines.append("")
    lines.append("## Why this matters")
    lines.append("")
    lines.append("Write the page here in Markdown. Start with the problem this material solves.")
    lines.append("")
    return "\n".join(lines)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def create(root: Path, type_id: str, title: str, today: dt.date | None = None,
           name: str | None = None) -> Path:
    """Write the file; refuses to overwrite (FileExistsError)."""
    folder = root / TYPES[type_id].folder
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name or slugify(title)}.md"
    write_new(path, template(type_id, title, today or dt.date.today()).encode("utf-8"))
    return path

