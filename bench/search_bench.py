"""Search speed on one generated hub kept on disk: in process, with counts and filters, and `kmgen search`.

The hub (index_bench.write_hub's pages and taxonomy) is generated and indexed
the first time into --hub and reused after that: at 10,000 pages that takes
minutes, the searches seconds. Figures are CPU milliseconds per query (wall
time on a shared machine measures the neighbours too).

--dump writes every benchmark query's result set (the top 50 paths, the total,
and the counts) to a JSON file; --compare reads one written before a change and
says which queries now find something else. --profile prints where the time of
the counted searches goes.

Usage:
  .venv/bin/python bench/search_bench.py --hub /tmp/hub10k --pages 10000
  .venv/bin/python bench/search_bench.py --hub /tmp/hub10k --dump before.json
  .venv/bin/python bench/search_bench.py --hub /tmp/hub10k --compare before.json --profile
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import index_bench  # noqa: E402  (the generated hubs and query sets)

from kmgen import search  # noqa: E402
from kmgen.hub import load_hub  # noqa: E402
from kmgen.index import build_index, open_index  # noqa: E402
from kmgen.taxonomy import load_taxonomy  # noqa: E402

SEED = 7  # index_bench.write_hub's default: its vocabulary is drawn first from this seed


def ensure_hub(hub: Path, pages: int) -> None:
    content, index_dir = hub / "content", hub / "index"
    if not content.is_dir():
        start = time.perf_counter()
        index_bench.write_hub(content, pages, SEED)
        print(f"generated {pages:,} pages in {time.perf_counter() - start:.0f} s")
    if not (index_dir / "MANIFEST").exists() and not any(index_dir.glob("*")):
        start = time.perf_counter()
        build_index(load_hub(content), index_dir)
        print(f"indexed in {time.perf_counter() - start:.0f} s")


def result_sets(ix: Any, content: Path, queries: int) -> dict[str, Any]:
    taxonomy, _ = load_taxonomy(content)
    vocab = index_bench.make_vocabulary(random.Random(SEED))
    kinds = index_bench.query_kinds(random.Random(3), vocab, queries)
    rng = random.Random(5)
    out: dict[str, Any] = {}
    for name, qs in kinds.items():
        for q in qs:
            r = search.search(ix, q, limit=50)
            out[f"{name}: {q}"] = {"total": r.total, "top": sorted(h.path for h in r.hits)}
    for q in kinds["plain"][:40]:
        spec = f"sector=sector-{rng.randrange(25)}"
        r = search.search(ix, q, [search.facet_filter(spec, taxonomy)], limit=50, counts=True, taxonomy=taxonomy)
        out[f"counts+filter {spec}: {q}"] = {
            "total": r.total, "top": sorted(h.path for h in r.hits),
            "counts": {k: sorted((c.value, c.count) for c in v) for k, v in r.counts.items()}}
    return out


def compare(now: dict[str, Any], before: dict[str, Any]) -> None:
    now = json.loads(json.dumps(now))  # tuples as lists, as they were read back
    differ = [k for k in before if now.get(k) != before[k]]
    missing = [k for k in before if k not in now]
    print(f"result sets: {len(before) - len(differ)} of {len(before)} queries find the same"
          + (f"; {len(differ)} differ, e.g. {differ[:3]}" if differ else "")
          + (f"; {len(missing)} not run" if missing else ""))


def profile(ix: Any, content: Path, queries: int) -> None:
    taxonomy, _ = load_taxonomy(content)
    vocab = index_bench.make_vocabulary(random.Random(SEED))
    plain = index_bench.query_kinds(random.Random(3), vocab, queries)["plain"]
    prof = cProfile.Profile()
    prof.enable()
    for q in plain:
        search.search(ix, q, limit=10, counts=True, taxonomy=taxonomy)
    prof.disable()
    pstats.Stats(prof).sort_stats("cumulative").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hub", type=Path, required=True, help="Folder of the hub (content/ and index/).")
    parser.add_argument("--pages", type=int, default=10_000, help="Pages to generate when --hub is empty.")
    parser.add_argument("--queries", type=int, default=100, help="Queries per latency figure.")
    parser.add_argument("--dump", type=Path, help="Write the benchmark queries' result sets here (JSON).")
    parser.add_argument("--compare", type=Path, help="Compare the result sets with a file written by --dump.")
    parser.add_argument("--profile", action="store_true", help="Profile searches with counts (cProfile).")
    args = parser.parse_args()
    ensure_hub(args.hub, args.pages)
    content, index_dir = args.hub / "content", args.hub / "index"
    start = time.perf_counter()
    ix = open_index(index_dir)
    print(f"open index: {(time.perf_counter() - start) * 1000:.0f} ms ({ix.doc_count():,} pages)")
    vocab = index_bench.make_vocabulary(random.Random(SEED))
    index_bench.search_figures(ix, content, index_dir, vocab, args.queries, None)
    if args.dump or args.compare:
        now = result_sets(ix, content, args.queries)
        if args.dump:
            args.dump.write_text(json.dumps(now, indent=1, sort_keys=True), encoding="utf-8")
            print(f"result sets written to {args.dump}")
        if args.compare:
            compare(now, json.loads(args.compare.read_text(encoding="utf-8")))
    if args.profile:
        profile(ix, content, args.queries)
    ix.close()


if __name__ == "__main__":
    main()
