"""Shared fixtures: tests write their own small hubs; nothing is copied from corpora."""

from __future__ import annotations

import datetime as dt
import os
import random
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# Fixture pages were reviewed a month ago, whenever the suite runs: a fixed date
# would make every page "due for review" (a KM602 note) once the calendar passes it.
REVIEWED = (dt.date.today() - dt.timedelta(days=30)).isoformat()

# A small vocabulary in the real format, enough to exercise every rule.
MINI_TAXONOMY = """\
facets:
  - id: resource-type
    key: type
    label: Resource type
    multiple: false
    concepts:
      - {id: playbook, label: Playbook, definition: Step-by-step guidance.}
      - {id: case-study, label: Case study, alt_labels: [case], definition: A real story.}
      - {id: cop-output, label: CoP output, definition: Made by a community of practice.}
      - {id: toolkit, label: Toolkit, definition: Tools.}
      - {id: guideline, label: Guideline, definition: Rules of thumb.}
      - {id: training-material, label: Training material, definition: For courses.}
      - {id: template, label: Template, definition: A form to fill.}
  - id: reuse
    key: reuse
    label: Reuse
    multiple: false
    concepts:
      - {id: original, label: Original, definition: New material.}
      - {id: adapted, label: Adapted, definition: Changed for a new context.}
      - {id: translated, label: Translated, definition: In another language.}
  - id: audience
    key: audience
    label: Audience
    concepts:
      - {id: civil-servants, label: Civil servants, alt_labels: [Public servants], hidden_labels: [civil servents], definition: Government staff.}
      - {id: leaders, label: Leaders and officials, alt_labels: [Policymakers], definition: Decision makers.}
      - {id: digital-team, label: Digital team, definition: People building services.}
      - {id: developers, label: Developers, broader: digital-team, definition: Write code.}
      - {id: customer-experience, label: Customer experience, definition: Service design for users.}
  - id: delivery-mode
    key: delivery
    label: Delivery mode
    concepts:
      - {id: e-learning, label: E-learning, alt_labels: [online course], definition: Self-paced online.}
      - {id: seminar-workshop, label: Seminar or workshop, definition: In person.}
  - id: building-block
    key: building_blocks
    label: Building block
    concepts:
      - {id: digital-id-layer, label: Digital ID layer, alt_labels: [Digital ID], definition: Identity layer.}
      - {id: identity, label: Identity, alt_labels: [ID, e-KYC], broader: digital-id-layer, definition: Identity block.}
      - {id: registration, label: Registration, broader: digital-id-layer, definition: Registration block.}
      - {id: payments-layer, label: Payments layer, definition: Payments.}
      - {id: payments, label: Payments, broader: payments-layer, definition: Payments block.}
  - id: sector
    key: sector
    label: Sector
    concepts:
      - {id: civil-registration, label: Civil registration, alt_labels: [CRVS, Birth registration, "État civil"], definition: Births and deaths.}
      - {id: health, label: Health, definition: Health services.}
      - {id: agriculture, label: Agriculture, definition: Farming.}
  - id: geography
    key: geography
    label: Geography
    concepts:
      - {id: africa, label: Africa, definition: The continent.}
      - {id: kenya, label: Kenya, alt_labels: [KE, KEN], notation: KE, broader: africa, definition: A country.}
      - {id: togo, label: Togo, alt_labels: [TG, TGO], notation: TG, broader: africa, definition: A country.}
      - {id: norway, label: Norway, alt_labels: ["NO", NOR], notation: "NO", definition: A country.}
"""


def page(title: str = "A page", type_: str = "guideline", extra: str = "", body: str = "Some text.\n",
         summary: str = "What it is.") -> str:
    """A valid page for the mini taxonomy; `extra` adds front-matter lines."""
    fm = textwrap.dedent(f"""\
        ---
        title: "{title}"
        summary: "{summary}"
        type: {type_}
        owner: "Test CoP"
        last_reviewed: {REVIEWED}
        """) + (textwrap.dedent(extra) if extra else "") + "---\n"
    return fm + body


@pytest.fixture
def make_hub(tmp_path: Path) -> Callable[..., Path]:
    """Write files (str or bytes) under tmp_path/content with the mini taxonomy."""

    def _make(files: dict[str, str | bytes], taxonomy: str | None = MINI_TAXONOMY) -> Path:
        root = tmp_path / "content"
        root.mkdir(exist_ok=True)
        if taxonomy is not None:
            (root / "taxonomy.yml").write_text(taxonomy, encoding="utf-8")
        return write_files(root, files)

    return _make


def write_files(root: Path, files: dict[str, str | bytes], dedent: bool = False) -> Path:
    """Write each file (str exactly as given, or dedented; bytes as they are) under root."""
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(textwrap.dedent(data) if dedent else data, encoding="utf-8", newline="")
    return root


@pytest.fixture
def machine_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test signs its indexes with its own key (and never touches ~/.cache).
    Modules that build indexes use it with `pytest.mark.usefixtures("machine_key")`."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def made_up_words(seed: int, draws: int) -> list[str]:
    """A sorted vocabulary of three-syllable nonsense words, the same for the same
    seed: text made of them shares no real word with anything else in a test hub."""
    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    rng = random.Random(seed)
    return sorted({"".join(rng.choices(syllables, k=3)) for _ in range(draws)})


def run_kmgen(*args: str, cwd: Path | None = None, check: bool = False) -> subprocess.CompletedProcess[str]:
    """Run the installed console script, as a user would."""
    exe = Path(sys.executable).parent / "kmgen"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f"kmgen {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def site_config(directory: Path) -> Path:
    """The repository's mkdocs.yml, copied into `directory` (for site builds of test hubs;
    kmgen's theme comes from the installed package, as for any hub)."""
    text = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    path = directory / "mkdocs.yml"
    path.write_text(text.replace("custom_dir: overrides", f"custom_dir: {REPO / 'overrides'}"), encoding="utf-8")
    return path


def build_site(base: Path, files: dict[str, str], content: Path | None = None) -> Path:
    """Publish `files` (written under base/content), or an existing `content` folder,
    to base/site with the repository's theme; returns the site folder."""
    # Imported here: most tests never build a site and need not load MkDocs.
    from kmgen.publish.build import publish

    if content is None:
        content = base / "content"
        for rel, text in files.items():
            (content / rel).parent.mkdir(parents=True, exist_ok=True)
            (content / rel).write_text(text, encoding="utf-8")
    publish(content, base / "site", site_config(base), base / "index")
    return base / "site"
