"""What the build's verify step (HTML5 parsing of every page, script and outside-load
audit, links and anchors) costs on a built site.

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

    if len(sys.argv) > 1:
        site = Path(sys.argv[1])
    else:
        from kmgen.publish.build import publish

        base = Path(tempfile.mkdtemp(prefix="kmgen-verify-bench-"))
        site = base / "site"
        publish(REPO / "content", site, REPO / "mkdocs.yml", base / "index")
    pages = sorted(site.rglob("*.html"))
    size = sum(p.stat().st_size for p in pages)
    dirs = [str(d) for d in load_config(str(REPO / "mkdocs.yml")).theme.dirs]
    started = time.perf_counter()
    problems = verify.verify(site, [], [], (), dirs)
    took = time.perf_counter() - started
    print(f"verify: {len(pages)} pages, {size / 1e6:.1f} MB of HTML in {took:.2f} s "
          f"({1000 * took / max(len(pages), 1):.1f} ms a page); {len(problems)} problems "
          "(pages not listed as expected count as problems here)")


if __name__ == "__main__":
    main()
