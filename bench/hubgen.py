"""Generated hubs of valid kmgen pages for the benchmarks.

Every page is one a contributor could send: about 1,000 words in five sections
from a Zipf-distributed made-up vocabulary of 30,000 words (plus its topic's
own words, so pages on one topic are alike the way real ones are), tags in
every facet of the project's own taxonomy, links to other pages, `based_on`
lineage, and review dates spread so that some pages are overdue.
"""

from __future__ import annotations

import itertools
import random
import shutil
from pathlib import Path

from kmgen import facets, schema
from kmgen.taxonomy import TAXONOMY_FILE, Taxonomy, load_taxonomy

REPO = Path(__file__).resolve().parent.parent
VOCABULARY = 30_000
ZIPF_S = 1.07
TOPICS = 150
WORDS_PER_PAGE = 1000
SECTIONS = 5
# MkDocs leaves `templates/` folders out of a bare build: templates live elsewhere
# so that both builds publish the same pages.
FOLDERS = {**{t.id: t.folder for t in schema.TYPES.values()}, "template": "template-pages"}
_SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]


def make_vocabulary(rng: random.Random, size: int = VOCABULARY) -> list[str]:
    words: dict[str, None] = {}
    while len(words) < size:
        words["".join(rng.choices(_SYLLABLES, k=rng.choice((2, 2, 3, 3, 3, 4))))] = None
    return list(words)


def _concepts(taxonomy: Taxonomy, facet_id: str) -> list[str]:
    return list(taxonomy.facets[facet_id].concepts)


def _countries(taxonomy: Taxonomy) -> list[str]:
    geo = _concepts(taxonomy, facets.GEOGRAPHY)
    return [c for c in geo if taxonomy.concepts[c].broader] or geo


class HubWriter:
    """Writes page i of a hub of n pages; the same seed gives the same hub."""

    def __init__(self, root: Path, pages: int, seed: int = 7):
        self.root, self.pages = root, pages
        self.rng = random.Random(seed)
        self.vocab = make_vocabulary(self.rng)
        self.cum = list(itertools.accumulate(1 / (r + 1) ** ZIPF_S for r in range(len(self.vocab))))
        root.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "content" / TAXONOMY_FILE, root / TAXONOMY_FILE)
        self.taxonomy, _diags = load_taxonomy(root)
        self.types = list(schema.TYPES)
        self.topics = [self.rng.sample(self.vocab[300:9000], 40) for _ in range(TOPICS)]
        self.paths = [f"{FOLDERS[self.types[i % len(self.types)]]}/page-{i:05d}.md" for i in range(pages)]

    def words(self, n: int, topic: list[str]) -> list[str]:
        out = self.rng.choices(self.vocab, cum_weights=self.cum, k=n)
        return [self.rng.choice(topic) if self.rng.random() < 0.12 else w for w in out]

    def write_all(self) -> list[str]:
        (self.root / "index.md").write_text(
            "---\ntitle: Home\nsummary: The generated hub.\ntype: page\n---\n\nWelcome to the generated hub.\n",
            encoding="utf-8")
        for i in range(self.pages):
            self.write(i)
        return self.paths

    def write(self, i: int, extra_sentence: str = "") -> Path:
        path = self.root / self.paths[i]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.page(i) + extra_sentence, encoding="utf-8")
        return path

    def page(self, i: int) -> str:
        rng = random.Random(i * 7919 + 13)  # a page's text depends only on its number
        self.rng = rng
        topic = self.topics[rng.randrange(TOPICS)]
        type_ = self.types[i % len(self.types)]
        return self.front_matter(i, type_, topic, rng) + self.body(i, topic, rng)

    def front_matter(self, i: int, type_: str, topic: list[str], rng: random.Random) -> str:
        tax = self.taxonomy
        title = " ".join(self.words(rng.randrange(3, 8), topic)).capitalize()
        summary = " ".join(self.words(18, topic)).capitalize() + "."
        lines = [f'title: "{title}"', f'summary: "{summary}"', f"type: {type_}", f'owner: "CoP {i % 15}"',
                 f"last_reviewed: {2024 + i % 3}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                 f'review_every: "{rng.choice((6, 12, 18))} months"', "language: en", "license: CC-BY-4.0",
                 f'contributors: ["Editor {i % 40}", "Peer group {i % 9}"]']
        if type_ == "case-study":
            lines += [f"country: {rng.choice(_countries(tax))}", 'period: "2019-2023"']
        if type_ == "cop-output":
            lines += [f'community: "CoP {i % 15}"', f"date: 2025-{1 + i % 12:02d}-{1 + i % 28:02d}"]
        if i > 10 and rng.random() < 0.25:
            lines.append(f'based_on: ["{self.paths[rng.randrange(i)]}"]')
        for facet in tax.facets.values():
            if facet.id in (facets.RESOURCE_TYPE, facets.GEOGRAPHY) and type_ == "case-study":
                continue
            if facet.id == facets.RESOURCE_TYPE:
                continue
            ids = _concepts(tax, facet.id)
            if not facet.multiple:
                lines.append(f"{facet.key}: {rng.choice(ids)}")
            else:
                lines.append(f"{facet.key}: [{', '.join(sorted(set(rng.sample(ids, rng.randrange(1, 3)))))}]")
        return "---\n" + "\n".join(lines) + "\n---\n"

    def body(self, i: int, topic: list[str], rng: random.Random) -> str:
        here = self.paths[i].split("/")[0]
        parts = []
        per = WORDS_PER_PAGE // SECTIONS
        for s in range(SECTIONS):
            text = " ".join(self.words(per, topic))
            if s < 2 and self.pages > 1:
                target = self.paths[rng.randrange(self.pages)]
                folder, name = target.split("/")
                href = name if folder == here else f"../{target}"
                text += f" See [a related page]({href}) for more."
            parts.append(f"## {' '.join(self.words(3, topic)).capitalize()} {s + 1}\n\n{text}\n")
        return "\n".join(parts)


def write_hub(root: Path, pages: int, seed: int = 7) -> HubWriter:
    writer = HubWriter(root, pages, seed)
    writer.write_all()
    return writer
