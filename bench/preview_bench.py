"""How long live preview (`kmgen serve --watch`) takes to show a one-page edit, and where the time goes.

For the sample hub (content/) and a generated hub (bench/hubgen.py) it makes
the preview's first build, then edits one page ROUNDS times and prints, for
each edit, the time from saving the file to the rebuilt preview being ready
(what a contributor waits: the watcher's polling included) and the rebuild
alone. One more rebuild runs under cProfile and prints its stages: loading
the hub, the checks, the index update and the MkDocs build (with kmgen's
plugin inside it).

Usage:
  .venv/bin/python bench/preview_bench.py                 # sample hub and 1,000 pages
  .venv/bin/python bench/preview_bench.py --pages 0       # sample hub only
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hubgen  # noqa: E402

from kmgen.serve.preview import Preview  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
# (file name ending, function) of each stage of Preview.build
STAGES = {"load hub": ("kmgen/hub.py", "load_hub"), "checks": ("kmgen/checks/__init__.py", "run"),
          "index update": ("kmgen/index.py", "build_index"),
          "MkDocs build (kmgen's plugin inside)": ("mkdocs/commands/build.py", "build"),
          "swap into place": ("kmgen/publish/release.py", "swap")}


def edit(page: Path, n: int) -> None:
    page.write_text(page.read_text(encoding="utf-8") + f"\nEdited in round {n}.\n", encoding="utf-8")


def measure(label: str, content: Path, page: Path, work: Path, rounds: int) -> None:
    preview = Preview(content, REPO / "mkdocs.yml", work / "site", work / "index")
    start = time.perf_counter()
    first = preview.build()
    print(f"{label}: first preview build {time.perf_counter() - start:.1f} s"
          + (f" (failed: {first.failure})" if first.failure else ""))
    stop = threading.Event()
    watcher = threading.Thread(target=preview.watch, args=(stop,), daemon=True)
    watcher.start()
    time.sleep(1)  # the watcher's first snapshot
    waits, builds = [], []
    try:
        for n in range(rounds):
            before = preview.state.number
            saved = time.perf_counter()
            edit(page, n)
            state = preview.wait_for(before, 600)
            waits.append(time.perf_counter() - saved)
            builds.append(state.seconds)
            time.sleep(1)
    finally:
        stop.set()
        watcher.join(30)
    print(f"{label}: one-page edit to preview ready: median {statistics.median(waits):.2f} s "
          f"(rebuild alone {statistics.median(builds):.2f} s; {rounds} edits: "
          + ", ".join(f"{w:.2f}" for w in waits) + " s)")
    edit(page, rounds)
    prof = cProfile.Profile()
    prof.enable()
    preview.build()
    prof.disable()
    table = pstats.Stats(prof, stream=io.StringIO()).stats  # type: ignore[attr-defined]
    total = max(row[3] for row in table.values())
    shares = []
    for name, (ending, function) in STAGES.items():
        cum = max((row[3] for (file, _line, func), row in table.items() if file.endswith(ending) and func == function),
                  default=0.0)
        shares.append(f"{name} {cum:.2f} s")
    print(f"{label}: profiled rebuild {total:.2f} s: " + "; ".join(shares))
    hooks = []  # inside the MkDocs build: kmgen's plugin hooks (summed over pages) and Markdown rendering
    for (file, _line, func), row in table.items():
        if file.endswith("kmgen_mkdocs/plugin.py") and func.startswith("on_"):
            hooks.append((row[3], f"plugin {func}"))
        elif file.endswith("markdown/core.py") and func == "convert":
            hooks.append((row[3], "Markdown to HTML (all pages)"))
        elif file.endswith("mkdocs/structure/pages.py") and func == "render":
            hooks.append((row[3], "MkDocs page.render (Markdown + extensions)"))
        elif file.endswith("mkdocs/commands/build.py") and func == "_build_theme_template":
            hooks.append((row[3], "theme templates"))
        elif file.endswith("mkdocs/commands/build.py") and func == "_build_page":
            hooks.append((row[3], "writing pages (templates)"))
    print(f"{label}: inside the MkDocs build: "
          + "; ".join(f"{name} {cum:.2f} s" for cum, name in sorted(hooks, reverse=True)[:8]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=1000, help="Also a generated hub of this many pages (0: none).")
    parser.add_argument("--rounds", type=int, default=3, help="Edits per hub.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sample = work / "sample"
        shutil.copytree(REPO / "content", sample)
        page = next(p for p in sorted((sample / "case-studies").glob("*.md")))
        measure("sample hub", sample, page, work / "sample-preview", args.rounds)
        if args.pages:
            generated = work / "generated"
            writer = hubgen.write_hub(generated, args.pages)
            measure(f"generated hub ({args.pages} pages)", generated, generated / writer.paths[args.pages // 2],
                    work / "generated-preview", args.rounds)


if __name__ == "__main__":
    main()
