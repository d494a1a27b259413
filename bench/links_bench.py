"""How long `kmgen check` takes on a hub full of broken links (issue 10: 131 s once).

Generates a hub of N pages in folders of 50, each with one broken link (a
misspelt page, a missing image or a missing PDF, in turn) among good ones, then
runs the real `kmgen check` twice: cold (every body rendered) and warm (bodies
read from the render cache). Prints figures; asserts nothing.
Usage: .venv/bin/python bench/links_bench.py [--pages 1000]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from conftest import MINI_TAXONOMY, page  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def synthetic_hub(root: Path, pages: int) -> None:
    (root / "taxonomy.yml").write_text(MINI_TAXONOMY, encoding="utf-8")
    for i in range(pages):
        folder = root / f"section-{i // 50:03d}"
        folder.mkdir(exist_ok=True)
        if i % 50 == 0:
            (folder / "chart.png").write_bytes(PNG)
        neighbour = f"page-{(i // 50) * 50 + (i + 1) % 50:05d}.md"
        broken = (f"[typo](page-{i:05d}x.md)", "![figure](chrat.png)", "[report](annual-report.pdf)")[i % 3]
        body = (f"## Overview\n\nSee [the next page]({neighbour}#overview) and ![the chart](chart.png).\n\n"
                f"<hr>\n\n## Details\n\nSome prose about page {i}, then {broken}.\n\n"
                f"[back to the top](#overview)\n")
        (folder / f"page-{i:05d}.md").write_text(page(f"Page {i}", body=body), encoding="utf-8")


def timed_check(root: Path) -> tuple[float, float, int]:
    """Wall seconds, processor seconds (the machine may be shared) and broken links reported."""
    exe = Path(sys.executable).parent / "kmgen"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([str(exe), "check", "--format", "json", "--content", str(root)],
                          capture_output=True, text=True, check=False)
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    broken = proc.stdout.count('"KM501"')
    return took, cpu, broken


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "content"
        root.mkdir()
        synthetic_hub(root, args.pages)
        for run in ("cold (renders every body)", "warm (render cache)"):
            took, cpu, broken = timed_check(root)
            print(f"kmgen check, {args.pages} pages, {broken} broken links, {run}: {took:.2f} s "
                  f"({cpu:.2f} s of processor time)")


if __name__ == "__main__":
    main()
