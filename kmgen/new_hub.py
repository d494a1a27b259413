"""`kmgen init`: a new hub anywhere, from an installed kmgen.

The starter files live in `kmgen/starter/` (shipped with the package): the
site configuration, a taxonomy (kmgen's full default one, or a small one to
grow from), a home page, CI workflows, a contributing guide and a .gitignore.
One example page per content type is written from the schema, with values
that the chosen taxonomy accepts, so `kmgen check` and `kmgen build` pass in
the new folder straight away. Nothing that already exists is overwritten.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from kmgen import __version__
from kmgen.schema import TYPES
from kmgen.writes import write_new

STARTER = Path(__file__).parent / "starter"
DEFAULT_NAME = "Knowledge hub"
DEFAULT_DESCRIPTION = "Playbooks, case studies, guidelines and training material, reused and improved."

# Where each starter file goes in the new hub.
FILES = {
    "mkdocs.yml": "mkdocs.yml",
    "gitignore": ".gitignore",
    "CONTRIBUTING.md": "CONTRIBUTING.md",
    "index.md": "content/index.md",
    "github/workflows/pr.yml": ".github/workflows/pr.yml",
    "github/workflows/deploy.yml": ".github/workflows/deploy.yml",
}

# Front-matter lines each example needs beyond the common ones; the concepts exist in
# both starter taxonomies.
EXAMPLE_FIELDS = {
    "playbook": "audience: [civil-servants]\nsector: [health]\n",
    "case-study": 'country: kenya\nperiod: "2020-2024"\nsector: [social-protection]\n',
    "cop-output": 'community: "Example community of practice"\ndate: {today}\naudience: [digital-team]\n',
    "toolkit": "audience: [digital-team]\n",
    "guideline": "audience: [leaders]\n",
    "training-material": "delivery: [e-learning]\naudience: [civil-servants]\n",
    "template": "audience: [civil-servants]\n",
}


@dataclass(frozen=True)
class HubOptions:
    name: str = DEFAULT_NAME
    description: str = DEFAULT_DESCRIPTION
    minimal: bool = False
    today: dt.date | None = None


def planned(options: HubOptions) -> dict[str, bytes]:
    """Every file of the new hub (path relative to its folder -> bytes)."""
    values = {"{site_name_yaml}": json.dumps(options.name, ensure_ascii=False),
              "{site_description_yaml}": json.dumps(options.description, ensure_ascii=False),
              "{site_name}": options.name, "{kmgen_requirement}": f"kmgen=={__version__}"}
    out: dict[str, bytes] = {}
    for source, target in FILES.items():
        text = (STARTER / source).read_text(encoding="utf-8")
        for token, value in values.items():
            text = text.replace(token, value)
        out[target] = text.encode("utf-8")
    taxonomy = "taxonomy-minimal.yml" if options.minimal else "taxonomy.yml"
    out["content/taxonomy.yml"] = (STARTER / taxonomy).read_bytes()
    today = options.today or dt.date.today()
    for type_id, spec in TYPES.items():
        out[f"content/{spec.folder}/example-{type_id}.md"] = example(type_id, today).encode("utf-8")
    return out


def example(type_id: str, today: dt.date) -> str:
    label = TYPES[type_id].label
    fields = EXAMPLE_FIELDS.get(type_id, "").replace("{today}", today.isoformat())
    return (f"---\ntitle: \"Example {label.lower()}\"\n"
            f"summary: \"What a {label.lower()} on this hub looks like: replace it with your own.\"\n"
            f"type: {type_id}\nowner: \"Hub maintainers\"\nlast_reviewed: {today.isoformat()}\n"
            f"review_every: \"12 months\"\nlanguage: en\nlicense: CC-BY-4.0\nreuse: original\n{fields}---\n\n"
            f"## What goes here\n\nThis example shows the facts a {label.lower()} carries (between the `---` "
            "lines) and where its text goes. Write your own page with `kmgen new`, then delete this one.\n")


def create(root: Path, options: HubOptions) -> list[Path]:
    """Write the hub into `root` (created if needed). Raises FileExistsError naming
    every file that is already there, before writing anything."""
    files = planned(options)
    clashes = sorted(rel for rel in files if (root / rel).exists())
    if clashes:
        raise FileExistsError(", ".join(clashes))
    written = []
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        write_new(path, data)
        written.append(path)
    return written
