"""How long `kmgen ingest` takes on a generated Jekyll-style source of N pages (default 1,500).

Each page has front matter in the shapes real sites use (quoted offset dates,
comma-separated tags, redirect_from), Liquid captures and includes, kramdown
attributes, `{{ site.baseurl }}` links to other pages, a fenced code block and
about 600 words. Prints the seconds for a first run and for a second run
(nothing changed), and the report's totals.

    .venv/bin/python bench/ingest_bench.py [--pages 1500]
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from pathlib import Path

from kmgen.ingest.mapping import default_mapping
from kmgen.ingest.run import Options, ingest
from kmgen.ingest.sourcetree import open_tree
from kmgen.taxonomy import load_taxonomy

REPO = Path(__file__).resolve().parent.parent
WORDS = ("service design research delivery team user content policy data platform security review "
         "procurement budget agile sprint discovery prototype accessibility privacy guide practice").split()


def page(i: int, total: int, rng: random.Random) -> str:
    prose = "\n\n".join(" ".join(rng.choices(WORDS, k=60)).capitalize() + "." for _ in range(10))
    other = rng.randrange(total)
    return (f"---\ntitle: 'Page {i}: {rng.choice(WORDS)} &amp; {rng.choice(WORDS)}'\n"
            f"date: '2019-0{1 + i % 9}-1{i % 10} 10:58:53 -0400'\ntags: \"toolkit, {rng.choice(WORDS)}\"\n"
            f"redirect_from: [/old/{i}/]\n---\n"
            f"{{% capture note %}}Read page {other} first.{{% endcapture %}}\n"
            f"{{% include alert.html content=note %}}\n\n## Section{{#section-{i}}}\n\n{prose}\n"
            f"{{: .lead}}\n\nSee [page {other}]({{{{site.baseurl}}}}/section/page-{other}/).\n\n"
            "```yaml\nimage: {{ .Values.image }}\n```\n")


def make_source(root: Path, count: int) -> None:
    rng = random.Random(7)
    root.mkdir(parents=True)
    (root / "_config.yml").write_text("title: Bench\n")
    folder = root / "_pages" / "section"
    folder.mkdir(parents=True)
    for i in range(count):
        (folder / f"page-{i}.md").write_text(page(i, count, rng), encoding="utf-8")


def run(source: Path, hub: Path) -> tuple[float, float, dict[str, int]]:
    taxonomy, _ = load_taxonomy(hub)
    tree = open_tree(source, "auto")
    options = Options(into=hub / "bench", collection="bench", state_path=hub.parent / ".kmgen" / "bench.json")
    start, cpu = time.perf_counter(), time.process_time()
    report = ingest(tree, default_mapping(tree.format), taxonomy, options)
    return time.perf_counter() - start, time.process_time() - cpu, report.totals()


HOSTILE = {"20,000 unclosed {% if %}": "{% if x %} text " * 20000,
           "20,000 unclosed Hugo shortcodes": "{{< note >}} a " * 20000,
           "50,000 unclosed [": "[a" * 50000 + "](b)",
           "3,000 nested markdown=1 wrappers": '<section markdown="1">' * 3000,
           "50,000 unclosed <a": "<a " * 50000}


def hostile() -> None:
    """Pages written to make a converter quadratic: each must stay in seconds."""
    from kmgen.ingest import markup, templates
    from kmgen.ingest.links import LinkReport, SiteMap, rewrite
    from kmgen.ingest.masking import mask

    for name, body in HOSTILE.items():
        start = time.perf_counter()
        masked = mask(body)
        conv = templates.Conversion()
        text = markup.convert(templates.convert(masked, conv), conv)
        rewrite(text, "a.md", "/a/", SiteMap(), LinkReport())
        print(f"hostile page, {name} ({len(body):,} characters): {time.perf_counter() - start:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=1500)
    parser.add_argument("--hostile", action="store_true", help="Only time the hostile pages.")
    arguments = parser.parse_args()
    hostile()
    if arguments.hostile:
        return
    pages = arguments.pages
    work = Path(tempfile.mkdtemp(prefix="kmgen-ingest-bench-"))
    try:
        make_source(work / "source", pages)
        hub = work / "hub" / "content"
        hub.mkdir(parents=True)
        shutil.copy(REPO / "content" / "taxonomy.yml", hub / "taxonomy.yml")
        first, first_cpu, totals = run(work / "source", hub)
        second, second_cpu, _ = run(work / "source", hub)
        print(f"{pages} pages: first ingest {first:.1f} s ({first_cpu:.1f} s CPU), second (unchanged) "
              f"{second:.1f} s ({second_cpu:.1f} s CPU); totals {totals}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
