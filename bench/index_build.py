"""`kmgen index` against raw Whoosh on the same corpus: full build, no change, one change.

The hubs are bench/hubgen.py's (valid kmgen pages of about 1,000 words, every
facet). The anchor is raw Whoosh as a plain application would use it: one
writer with default settings, the same analyser as kmgen's text fields, the
page path (unique, stored), its title (stored) and one text field holding
title, summary and Markdown body. kmgen's figures are `build_index` on the
already loaded hub (loading and validating pages is `kmgen check`'s work and
the same for every command), related pages included; the CLI line adds the
whole process for comparison.

Prints figures; asserts nothing (machines are shared and noisy): compare the
figures of one run. CPU includes child processes (Whoosh's writer procs).

Usage: .venv/bin/python bench/index_bench.py --index-build [--sizes 1000,10000] [--hubs /tmp/hubs]
       [--dump-index results.json]
"""

from __future__ import annotations

import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import whoosh.index
from whoosh import fields

sys.path.insert(0, str(Path(__file__).resolve().parent))

import hubgen  # noqa: E402

from kmgen import related, search  # noqa: E402
from kmgen.hub import Hub, load_hub  # noqa: E402
from kmgen.index import build_index, open_index, text_analyzer  # noqa: E402


def _cpu() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def measured(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall s, CPU s of this process and its children, value)."""
    start, cpu = time.perf_counter(), _cpu()
    value = fn()
    return time.perf_counter() - start, _cpu() - cpu, value


def raw_schema() -> fields.Schema:
    text = text_analyzer()
    return fields.Schema(path=fields.ID(unique=True, stored=True), title=fields.TEXT(analyzer=text, stored=True),
                         content=fields.TEXT(analyzer=text))


def raw_fields(hub: Hub, path: str) -> dict[str, str]:
    doc = hub.documents[path]
    title, summary = str(doc.get("title") or path), str(doc.get("summary") or "")
    return {"path": path, "title": title, "content": f"{title}\n{summary}\n{doc.body}"}


def raw_full(hub: Hub, folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    ix = whoosh.index.create_in(str(folder), raw_schema())
    writer = ix.writer()
    for doc in hub.accepted():
        writer.add_document(**raw_fields(hub, doc.path))
    writer.commit()
    ix.close()


def raw_update(hub: Hub, folder: Path, path: str) -> None:
    ix = whoosh.index.open_dir(str(folder))
    writer = ix.writer()
    writer.update_document(**raw_fields(hub, path))
    writer.commit()
    ix.close()


def line(label: str, wall: float, cpu: float, anchor: tuple[float, float] | None = None, note: str = "") -> None:
    ratio = f"  = {wall / anchor[0]:5.2f}x wall, {cpu / anchor[1]:5.2f}x CPU of raw" if anchor else ""
    print(f"{label:40} {wall:8.3f} s wall {cpu:8.3f} s CPU{ratio}{('  ' + note) if note else ''}", flush=True)


def figures(content: Path, work: Path, dump: Path | None = None, changes_only: bool = False) -> None:
    """Every index-build figure for the hub in `content` (index folders go under `work`);
    `changes_only` reuses the indexes a previous run left in `work`."""
    wall, cpu, hub = measured(lambda: load_hub(content))
    pages = len(hub.accepted())
    print(f"\n== kmgen index, {pages:,} accepted pages ({content})", flush=True)
    line("load + validate hub (both need it)", wall, cpu)
    raw_dir, index_dir = work / "raw", work / "index"
    if not changes_only:
        wall, cpu, _ = measured(lambda: raw_full(hub, raw_dir))
        full_anchor = (wall, cpu)
        line("raw Whoosh, full (anchor)", wall, cpu)
        shutil.rmtree(index_dir, ignore_errors=True)
        wall, cpu, stats = measured(lambda: build_index(hub, index_dir, rebuild=True))
        line("kmgen index full, related included", wall, cpu, full_anchor,
             f"(related {stats.related_seconds:.2f} s wall, {stats.related:,} pages with related)")
    wall, cpu, stats = measured(lambda: build_index(hub, index_dir))
    line("kmgen index, nothing changed", wall, cpu, None, f"({stats.unchanged:,} unchanged)")
    victim = sorted(hub.accepted(), key=lambda d: d.path)[pages // 2].path
    source = content / victim
    original = source.read_text(encoding="utf-8")
    try:
        source.write_text(original + "\nOne more sentence about registration.\n", encoding="utf-8")
        hub = load_hub(content)
        wall, cpu, _ = measured(lambda: raw_update(hub, raw_dir, victim))
        one_anchor = (wall, cpu)
        line("raw Whoosh, one page update + commit", wall, cpu)
        wall, cpu, stats = measured(lambda: build_index(hub, index_dir))
        line("kmgen index, one page changed", wall, cpu, one_anchor,
             f"({stats.updated} updated; related {stats.related_seconds:.3f} s)")
        exe = str(Path(sys.executable).parent / "kmgen")
        source.write_text(original + "\nAnd another sentence.\n", encoding="utf-8")
        wall, cpu, _ = measured(lambda: subprocess.run(
            [exe, "index", "--content", str(content), "--index-dir", str(index_dir)], capture_output=True,
            check=True))
        line("kmgen index CLI, one page changed", wall, cpu, None, "(whole process: load + validate every page)")
    finally:
        source.write_text(original, encoding="utf-8")
    if dump is not None:
        hub = load_hub(content)
        build_index(hub, index_dir)
        dump_results(hub, index_dir, dump)


def bench_queries(hub: Hub, count: int = 60) -> list[str]:
    """Words and phrases taken from the pages themselves, common and rare."""
    rng = random.Random(5)
    docs = sorted(hub.accepted(), key=lambda d: d.path)
    out = []
    for _ in range(count):
        words = [w for w in rng.choice(docs).body.split() if w.isalpha()]
        start = rng.randrange(max(1, len(words) - 2))
        kind = rng.randrange(3)
        out.append(words[start] if kind == 0 else " ".join(words[start:start + 2]) if kind == 1
                   else f'"{words[start]} {words[start + 1]}"')
    return out


def dump_results(hub: Hub, index_dir: Path, dump: Path) -> None:
    """Each bench query's result set and every page's related list, to compare two versions."""
    ix = open_index(index_dir)
    try:
        sets = {q: sorted(h.path for h in search.search(ix, q, limit=100).hits) for q in bench_queries(hub)}
    finally:
        ix.close()
    related_lists = {p: [(i.path, i.score, list(i.shared), list(i.terms)) for i in items]
                     for p, items in related.load(index_dir).items()}
    dump.write_text(json.dumps({"search": sets, "related": related_lists}, indent=1, sort_keys=True),
                    encoding="utf-8")
    print(f"result sets and related lists written to {dump}")


def run(sizes: list[int], hubs: Path | None, dump: Path | None, changes_only: bool = False) -> None:
    """Figures for each size; hubs (and, with `hubs`, their indexes) are kept under
    `hubs` for the next run, else in a temporary folder."""
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            base = (hubs or Path(tmp)) / f"hub{size}"
            content = base / "content"
            if not (content / "index.md").is_file():
                wall, _cpu, _ = measured(lambda size=size, content=content: hubgen.write_hub(content, size))
                print(f"generated {size:,} pages in {wall:.1f} s", flush=True)
            figures(content, base.parent / f"work{size}" if hubs else Path(tmp) / f"work{size}",
                    dump.with_suffix(f".{size}.json") if dump else None, changes_only)
