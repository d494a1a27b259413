"""What the build's verify step (HTML5 parsing of every page, script and outside-load
audit, links and anchors) costs on a built site: with no cache (a cold build),
filling the cache, and again with every page unchanged (a warm build).

Prints figures; asserts nothing (machines are shared and noisy).
Usage: .venv/bin/python bench/verify_bench.py [SITE_DIR]   (default: builds the sample hub first)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    from mkdocs.config import load_config

    from kmgen.publish import verify

    base = Path(tempfile.mkdtemp(prefix="kmgen-verify-bench-"))
    if len(sys.argv) > 1:
        site = Path(sys.argv[1])
    else:
        from kmgen.publish.build import publish

        site = base / "site"
        publish(REPO / "content", site, REPO / "mkdocs.yml", base / "index")
    pages = sorted(site.rglob("*.html"))
    size = sum(p.stat().st_size for p in pages)
    dirs = [str(d) for d in load_config(str(REPO / "mkdocs.yml")).theme.dirs]
    cache = base / "verify-cache.json"
    built = [p.relative_to(site).as_posix() for p in pages if p.name != "404.html"]
    print(f"verify: {len(pages)} pages, {size / 1e6:.1f} MB of HTML")
    for label, cache_file in (("no cache", None), ("cache filled", cache), ("all unchanged", cache)):
        started, cpu = time.perf_counter(), time.process_time()
        problems = verify.verify(site, [], built, (), dirs, cache_file)
        took, spent = time.perf_counter() - started, time.process_time() - cpu
        print(f"  {label:14} {took:7.2f} s wall {spent:7.2f} s cpu "
              f"({1000 * spent / max(len(pages), 1):.1f} ms cpu a page); {len(problems)} problems")


if __name__ == "__main__":
    main()
