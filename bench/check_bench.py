"""How long `kmgen check`'s loading and validation take, and hostile-input timings.

Prints figures; asserts nothing (machines are shared and noisy).
Usage: .venv/bin/python bench/check_bench.py [--pages 2000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from conftest import MINI_TAXONOMY  # noqa: E402
from kmgen.content import parse_document  # noqa: E402
from kmgen.hub import load_hub  # noqa: E402

WORDS = [f"w{i}" for i in range(5000)]


def synthetic_hub(root: Path, pages: int) -> None:
    rng = random.Random(7)
    (root / "taxonomy.yml").write_text(MINI_TAXONOMY)
    for i in range(pages):
        body = " ".join(rng.choices(WORDS, k=600))
        (root / f"p{i:05d}.md").write_text(
            f'---\ntitle: "Page {i}"\nsummary: "About {i}."\ntype: guideline\nowner: "CoP"\n'
            f"last_reviewed: 2026-06-01\naudience: [civil-servants, developers]\nsector: [health]\n---\n"
            f"## Heading\n\n{body}\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        synthetic_hub(root, args.pages)
        start = time.perf_counter()
        hub = load_hub(root)
        took = time.perf_counter() - start
        print(f"load+validate {args.pages} pages: {took:.2f} s ({args.pages / took:,.0f} pages/s), "
              f"{len(hub.diagnostics)} diagnostics")
    hostile = {
        "25,000-deep [ nesting": b"---\nx: " + b"[" * 25_000 + b"\n---\n",
        "10,000 aliases (billion laughs)": b"---\na: &a [x]\n" + b"b: [" + b"*a," * 10_000 + b"]\n---\n",
        "64 KiB of keys": b"---\n" + b"".join(b"k%d: v\n" % i for i in range(9000)) + b"---\n",
    }
    for name, data in hostile.items():
        runs = []
        for _ in range(5):
            start = time.perf_counter()
            doc, diags = parse_document("x.md", data)
            runs.append(time.perf_counter() - start)
        verdict = diags[-1].code if diags else "accepted"
        print(f"{name}: median {statistics.median(runs) * 1000:.1f} ms -> {verdict}")


if __name__ == "__main__":
    main()
