"""One `kmgen build` with a timer around each stage; writes {stage: seconds} as JSON.

Run by bench/build_bench.py in a child process (the timers replace functions
of kmgen and its MkDocs plugin, which must not leak into anything else).
Usage: python bench/build_stages.py CONTENT CONFIG INDEX_DIR SITE_DIR OUT.json
"""

from __future__ import annotations

import functools
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from kmgen import checks, index, related
from kmgen.publish import build, release, verify
from kmgen_mkdocs.plugin import KmgenPlugin

SPENT: dict[str, float] = defaultdict(float)  # wall seconds
CPU: dict[str, float] = defaultdict(float)  # CPU seconds of this process (not of index writer processes)


def timed(name: str, fn: Any) -> Any:
    @functools.wraps(fn)  # keeps MkDocs' event priorities, copied from the function's __dict__
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start, cpu = time.perf_counter(), time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            SPENT[name] += time.perf_counter() - start
            CPU[name] += time.process_time() - cpu
    return wrapper


def install() -> None:
    build.load_hub = timed("load + validate pages", build.load_hub)
    registered = checks.registered

    def timed_checks() -> list[Any]:
        return [timed(f"check: {c.__module__.rsplit('.', 1)[-1]}", c) for c in registered()]
    checks.registered = timed_checks
    index.build_index = timed("index (whoosh + related)", index.build_index)
    related.refresh = timed("  of which related pages", related.refresh)
    build._mkdocs_build = timed("mkdocs build (all of it)", build._mkdocs_build)
    for hook, name in (("on_config", "  plugin on_config (page model)"), ("on_files", "  plugin on_files"),
                       ("on_page_content", "  plugin on_page_content (sanitise)"),
                       ("on_page_context", "  plugin on_page_context"),
                       ("on_post_build", "  plugin on_post_build (outputs)")):
        setattr(KmgenPlugin, hook, timed(name, getattr(KmgenPlugin, hook)))
    verify.verify = timed("verify built site", verify.verify)
    release.swap = timed("swap in", release.swap)


def main() -> None:
    content, config, index_dir, site_dir, out = (Path(a) for a in sys.argv[1:6])
    install()
    start, cpu = time.perf_counter(), time.process_time()
    build.publish(content, site_dir, config, index_dir)
    SPENT["total"], CPU["total"] = time.perf_counter() - start, time.process_time() - cpu
    for figures in (SPENT, CPU):
        hooks = sum(v for k, v in figures.items() if k.startswith("  plugin"))
        figures["  mkdocs itself (rendering, theme)"] = figures["mkdocs build (all of it)"] - hooks
    Path(out).write_text(json.dumps({"wall": SPENT, "cpu": CPU}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
