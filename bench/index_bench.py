"""How fast the Whoosh index is built, updated and queried, on synthetic hubs.

Each hub has pages of about 800 words drawn from a Zipf-distributed vocabulary
of 24,000 made-up words (plus a topic's own words, so pages on one topic are
alike the way real pages are), headings, and random facet tags from a
generated taxonomy (a two-level building-block facet, sectors, audiences,
regions and countries). A tiny vocabulary would make every query match most
pages and the figures meaningless.

Prints figures; asserts nothing (machines are shared and noisy).
Search figures: plain words, phrases, mixed syntax, a facet filter, counts over every
facet, and `kmgen search` end to end (a process per query).

Usage: .venv/bin/python bench/index_bench.py [--sizes 1000,10000] [--queries 100] [--dump results.json]

`kmgen index` against raw Whoosh (full, no change, one change with related pages):
       .venv/bin/python bench/index_bench.py --index-build [--sizes 1000,10000] [--hubs DIR]
(see bench/index_build.py).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kmgen import duplicates, related, search
from kmgen.hub import load_hub
from kmgen.index import build_index, open_index

VOCABULARY = 24_000
ZIPF_S = 1.07
TOPICS = 120
TYPES = ("guideline", "toolkit", "template", "case-study", "playbook")
_SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]


def make_vocabulary(rng: random.Random) -> list[str]:
    words: dict[str, None] = {}
    while len(words) < VOCABULARY:
        words["".join(rng.choices(_SYLLABLES, k=rng.choice((1, 2, 2, 3, 3, 3, 4))))] = None
    return list(words)


def make_taxonomy(rng: random.Random) -> tuple[str, dict[str, list[str]]]:
    ids = {
        "layers": [f"layer-{i}" for i in range(6)],
        "blocks": [f"block-{i}" for i in range(30)],
        "sectors": [f"sector-{i}" for i in range(25)],
        "audiences": [f"audience-{i}" for i in range(8)],
        "regions": [f"region-{i}" for i in range(5)],
        "countries": [f"country-{i}" for i in range(50)],
    }
    lines = ["facets:", "  - id: resource-type", "    key: type", "    label: Resource type",
             "    multiple: false", "    concepts:"]
    lines += [f"      - {{id: {t}, label: {t.replace('-', ' ').title()}}}" for t in TYPES]
    lines += ["  - id: building-block", "    key: building_blocks", "    label: Building block", "    concepts:"]
    lines += [f"      - {{id: {c}, label: Layer {i}}}" for i, c in enumerate(ids["layers"])]
    lines += [f"      - {{id: {c}, label: Block {i}, alt_labels: [BB{i}], broader: layer-{i % 6}}}"
              for i, c in enumerate(ids["blocks"])]
    for fid, key, group in (("sector", "sector", "sectors"), ("audience", "audience", "audiences")):
        lines += [f"  - id: {fid}", f"    key: {key}", f"    label: {fid.title()}", "    concepts:"]
        lines += [f"      - {{id: {c}, label: {c.replace('-', ' ').title()}}}" for c in ids[group]]
    lines += ["  - id: geography", "    key: geography", "    label: Geography", "    concepts:"]
    lines += [f"      - {{id: {c}, label: Region {i}}}" for i, c in enumerate(ids["regions"])]
    lines += [f"      - {{id: {c}, label: Country {i}, broader: region-{i % 5}}}"
              for i, c in enumerate(ids["countries"])]
    return "\n".join(lines) + "\n", ids


def write_hub(root: Path, pages: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    vocab = make_vocabulary(rng)
    cum = list(itertools.accumulate(1 / (r + 1) ** ZIPF_S for r in range(len(vocab))))
    text, ids = make_taxonomy(rng)
    root.mkdir(parents=True, exist_ok=True)
    (root / "taxonomy.yml").write_text(text, encoding="utf-8")
    # A topic: its own mid-frequency words and its usual tags.
    topics = [(rng.sample(vocab[300:8000], 40), rng.choice(ids["blocks"]), rng.choice(ids["sectors"]))
              for _ in range(TOPICS)]
    paths = []
    for i in range(pages):
        words, block, sector = topics[rng.randrange(TOPICS)]

        def draw(n: int, words: list[str] = words) -> list[str]:
            out = rng.choices(vocab, cum_weights=cum, k=n)
            return [rng.choice(words) if rng.random() < 0.12 else w for w in out]

        type_ = rng.choice(TYPES)
        extra = {"case-study": f"country: {rng.choice(ids['countries'])}\nperiod: \"2019-2023\"\n",
                 "playbook": f"audience: [{rng.choice(ids['audiences'])}]\n"}.get(type_, "")
        blocks = sorted({block, *rng.sample(ids["blocks"], rng.randrange(0, 2))})
        body = "\n\n".join(f"## {' '.join(draw(3)).capitalize()}\n\n" + " ".join(draw(200)) for _ in range(4))
        path = f"{type_}s/page-{i:05d}.md"
        (root / path).parent.mkdir(exist_ok=True)
        (root / path).write_text(
            f'---\ntitle: "{" ".join(draw(rng.randrange(3, 8))).capitalize()}"\n'
            f'summary: "{" ".join(draw(15)).capitalize()}."\ntype: {type_}\nowner: "CoP {i % 12}"\n'
            f"last_reviewed: 2026-0{1 + i % 9}-1{i % 9}\n{extra}building_blocks: [{', '.join(blocks)}]\n"
            f"sector: [{sector}]\n---\n{body}\n", encoding="utf-8")
        paths.append(path)
    return vocab


CPU: list[float] = [0.0]  # CPU seconds of the last `timed` call: on a shared machine, wall time lies


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start, cpu = time.perf_counter(), time.process_time()
    value = fn()
    CPU[0] = time.process_time() - cpu
    return time.perf_counter() - start, value


def query_set(rng: random.Random, vocab: list[str], n: int) -> list[str]:
    mid = vocab[200:6000]
    makers = [
        lambda: rng.choice(mid),
        lambda: f"{rng.choice(mid)} {rng.choice(mid)}",
        lambda: f'"{rng.choice(vocab[:400])} {rng.choice(vocab[:400])}"',
        lambda: rng.choice(mid)[:4] + "*",
        lambda: f"{rng.choice(vocab[:50])} OR {rng.choice(mid)}",
    ]
    return [rng.choice(makers)() for _ in range(n)]


def latency(ix: Any, queries: list[str], counts: bool = False, filters: list[list[Any]] | None = None,
            taxonomy: Any = None) -> tuple[float, float]:
    """(median, p95) in ms of CPU time per query (wall time on a shared machine measures the neighbours)."""
    runs = []
    for n, q in enumerate(queries):
        given = filters[n] if filters else []
        timed(lambda q=q, given=given: search.search(ix, q, given, limit=10, counts=counts, taxonomy=taxonomy))
        runs.append(CPU[0])
    runs.sort()
    return statistics.median(runs) * 1000, runs[max(0, int(len(runs) * 0.95) - 1)] * 1000


def size_of(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def query_kinds(rng: random.Random, vocab: list[str], n: int) -> dict[str, list[str]]:
    mid = vocab[200:6000]
    return {
        "plain": [rng.choice(mid) if i % 2 else f"{rng.choice(mid)} {rng.choice(mid)}" for i in range(n)],
        "phrase": [f'"{rng.choice(vocab[:400])} {rng.choice(vocab[:400])}"' for _ in range(n)],
        "mixed": query_set(rng, vocab, n),
    }


def search_figures(ix: Any, content: Path, index_dir: Path, vocab: list[str], queries: int,
                   dump: Path | None) -> None:
    from kmgen.taxonomy import load_taxonomy

    taxonomy, _ = load_taxonomy(content)
    rng = random.Random(3)
    kinds = query_kinds(rng, vocab, queries)
    search.search(ix, kinds["plain"][0])  # warm the reader
    for name, qs in kinds.items():
        med, p95 = latency(ix, qs)
        print(f"search {name + ':':24}median {med:6.1f} ms, p95 {p95:6.1f} ms CPU ({len(qs)} queries)")
    specs = [[search.facet_filter(f"sector=sector-{rng.randrange(25)}", taxonomy)] for _ in kinds["plain"]]
    med, p95 = latency(ix, kinds["plain"], filters=specs, taxonomy=taxonomy)
    print(f"search {'with a facet filter:':24}median {med:6.1f} ms, p95 {p95:6.1f} ms")
    med, p95 = latency(ix, kinds["plain"], counts=True, taxonomy=taxonomy)
    print(f"search {'with counts:':24}median {med:6.1f} ms, p95 {p95:6.1f} ms")
    med, p95 = latency(ix, kinds["plain"], counts=True, filters=specs, taxonomy=taxonomy)
    print(f"search {'counts and filter:':24}median {med:6.1f} ms, p95 {p95:6.1f} ms")
    exe = str(Path(sys.executable).parent / "kmgen")
    runs, cpus = [], []
    for q in kinds["plain"][:15]:
        argv = [exe, "search", q, "--index-dir", str(index_dir), "--content", str(content), "--counts"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t, _ = timed(lambda argv=argv: subprocess.run(argv, capture_output=True, check=True))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        runs.append(t)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    print(f"kmgen search end to end:        median {statistics.median(runs) * 1000:6.0f} ms wall, "
          f"{statistics.median(cpus) * 1000:6.0f} ms CPU (with --counts, {len(runs)} runs)")
    if dump is not None:
        sets: dict[str, Any] = {f"{name}: {q}": sorted(h.path for h in search.search(ix, q, limit=50).hits)
                for name, qs in kinds.items() for q in qs}
        sets.update({f"counts: {q}": {k: [(c.value, c.count) for c in v] for k, v in
                                      search.search(ix, q, counts=True, taxonomy=taxonomy).counts.items()}
                     for q in kinds["plain"][:40]})
        dump.write_text(json.dumps(sets, indent=1, sort_keys=True), encoding="utf-8")
        print(f"result sets written to {dump}")


def bench(pages: int, queries: int, dump: Path | None = None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        content, index_dir = Path(tmp) / "content", Path(tmp) / "index"
        t, vocab = timed(lambda: write_hub(content, pages))
        print(f"\n== {pages:,} pages (~800 words each, vocabulary {VOCABULARY:,}); generated in {t:.1f} s")
        t, hub = timed(lambda: load_hub(content))
        print(f"load + validate hub:            {t:7.2f} s  cpu {CPU[0]:7.2f} s  ({len(hub.accepted()):,} accepted)")
        t, _ = timed(lambda: build_index(hub, index_dir, rebuild=True, related=False))
        print(f"full index:                     {t:7.2f} s  cpu {CPU[0]:7.2f} s")
        t, count = timed(lambda: related.refresh(hub, index_dir))
        print(f"related pages, all pages:       {t:7.2f} s  cpu {CPU[0]:7.2f} s  ({count:,} pages with related pages)")
        t, stats = timed(lambda: build_index(hub, index_dir))
        print(f"no-change run:                  {t:7.3f} s  cpu {CPU[0]:7.3f} s  ({stats.unchanged:,} unchanged)")
        victim = sorted(content.rglob("page-*.md"))[pages // 2]
        victim.write_text(victim.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
        hub = load_hub(content)
        t, stats = timed(lambda: build_index(hub, index_dir, related=False))
        print(f"one changed page, index only:   {t:7.3f} s  cpu {CPU[0]:7.3f} s  ({stats.updated} updated)")
        victim.write_text(victim.read_text(encoding="utf-8") + "\nAnd another.\n", encoding="utf-8")
        hub = load_hub(content)
        t, stats = timed(lambda: build_index(hub, index_dir))
        print(f"one changed page, with related: {t:7.3f} s  cpu {CPU[0]:7.3f} s")
        exe = str(Path(sys.executable).parent / "kmgen")
        t, _ = timed(lambda: subprocess.run([exe, "index", "--content", str(content), "--index-dir", str(index_dir)],
                                            capture_output=True, check=True))
        print(f"kmgen index, no change (CLI):   {t:7.3f} s")
        print(f"index size:                     {size_of(index_dir) / 1e6:7.1f} MB "
              f"({size_of(index_dir) / pages / 1024:.1f} KiB/page)")
        t, ix = timed(lambda: open_index(index_dir))
        print(f"open index:                     {t * 1000:7.0f} ms  cpu {CPU[0] * 1000:5.0f} ms")
        search_figures(ix, content, index_dir, vocab, queries, dump)
        t, pairs = timed(lambda: duplicates.find_in_index(ix))
        print(f"duplicates from the index:      {t:7.2f} s  cpu {CPU[0]:7.2f} s  ({len(pairs)} pairs)")
        ix.close()
        t, pairs = timed(lambda: duplicates.find_in_hub(hub))
        print(f"duplicates check (no index):    {t:7.2f} s  ({len(pairs)} pairs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000", help="Comma-separated hub sizes (pages), e.g. 1000,10000.")
    parser.add_argument("--queries", type=int, default=100, help="Queries per latency figure.")
    parser.add_argument("--dump", type=Path, default=None,
                        help="Write each benchmark query's result set here (JSON), to compare two versions.")
    parser.add_argument("--index-build", action="store_true",
                        help="Only the `kmgen index` figures against raw Whoosh, on bench/hubgen.py hubs.")
    parser.add_argument("--hubs", type=Path, default=None,
                        help="With --index-build: keep generated hubs here and reuse them on the next run.")
    parser.add_argument("--dump-index", type=Path, default=None,
                        help="With --index-build: write search result sets and related lists here (JSON).")
    parser.add_argument("--changes-only", action="store_true",
                        help="With --index-build and --hubs: only the no-change and one-change figures, "
                             "on the indexes the last run left there.")
    args = parser.parse_args()
    if args.index_build:
        import index_build

        index_build.run([int(s) for s in args.sizes.split(",") if s.strip()], args.hubs, args.dump_index,
                        args.changes_only)
        return
    for size in (int(s) for s in args.sizes.split(",") if s.strip()):
        bench(size, args.queries, args.dump.with_suffix(f".{size}.json") if args.dump else None)


if __name__ == "__main__":
    main()
