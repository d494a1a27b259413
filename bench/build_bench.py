"""How `kmgen build` and `kmgen check` compare with a bare MkDocs build, on generated hubs.

For each size, a hub of valid pages (bench/hubgen.py) is built, in rounds that
interleave (so a noisy neighbour hurts every figure alike):

  bare     `mkdocs build` with the project's mkdocs.yml minus the kmgen plugin
           (same theme, extensions, search and offline plugins, same pages; a
           one-entry nav, as kmgen gives its site a small nav instead of one
           with every page)
  cold     `kmgen build` with no index, no previous site and no .kmgen/ caches
  warm     `kmgen build` again after one page changed
  check    `kmgen check` with no .kmgen/ caches (cold)
  check-warm  `kmgen check` again, nothing changed since

Each command runs as its own process; wall time, CPU time (user + system, its
children included) and peak memory (largest resident set in its process tree)
come from wait4. On a shared machine wall time mostly measures the neighbours:
compare CPU times (the growth exponents use them). Then one more cold `kmgen build` runs with timers around each
stage (loading, each check, the index, MkDocs and the plugin's hooks, verify,
swap), and the parse floor of `kmgen check` (read every file and parse its
front matter with CSafeLoader) is timed in this process.

Prints figures; asserts nothing (machines are shared and noisy).
Usage: .venv/bin/python bench/build_bench.py [--sizes 250,1000] [--rounds 1]
       .venv/bin/python bench/build_bench.py --sizes 1000,5000 --rounds 2
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hubgen import REPO, write_hub  # noqa: E402

BIN = Path(sys.executable).parent
COMMANDS = ("bare", "cold", "warm", "check", "check-warm")


@dataclass
class Run:
    wall: float
    cpu: float
    rss_mib: float
    code: int


def run(argv: list[str], cwd: Path) -> Run:
    """One process tree, measured by wait4 (its rusage covers waited-for children too)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert proc.stdout is not None
    output = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if proc.returncode not in (0,):
        print(f"  ! {' '.join(argv[:3])} exited {proc.returncode}:\n" + output.decode(errors="replace")[-3000:])
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode)


def configs(work: Path, content: Path) -> tuple[Path, Path]:
    """kmgen.yml (the project's mkdocs.yml) and bare.yml (the same minus kmgen)."""
    text = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    text = text.replace("custom_dir: overrides", f"custom_dir: {REPO / 'overrides'}")
    text = text.replace("docs_dir: content", f"docs_dir: {content}")
    kmgen_yml = work / "kmgen.yml"
    kmgen_yml.write_text(text, encoding="utf-8")
    config = yaml.safe_load(text)
    config["plugins"] = [p for p in config["plugins"] if not (isinstance(p, dict) and "kmgen" in p)]
    config["nav"] = ["index.md"]
    config["validation"]["omitted_files"] = "info"  # pages outside the one-entry nav
    bare_yml = work / "bare.yml"
    bare_yml.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return kmgen_yml, bare_yml


def site_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def parse_floor(content: Path) -> float:
    """Read every page and parse its front matter with CSafeLoader: what no check can beat."""
    start = time.process_time()  # CPU seconds, like the figures it is compared with
    for path in content.rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        end = text.find("\n---", 4)
        yaml.load(text[4:end], Loader=yaml.CSafeLoader)
    return time.process_time() - start


def bench(pages: int, rounds: int, keep: Path | None) -> dict[str, float]:
    tmp = Path(tempfile.mkdtemp(prefix="kmgen-build-bench-", dir=keep))
    try:
        content, index_dir = tmp / "content", tmp / "index"
        t0 = time.perf_counter()
        writer = write_hub(content, pages)
        print(f"\n== {pages:,} pages (~1,000 words each, vocabulary 30,000, every facet); "
              f"generated in {time.perf_counter() - t0:.1f} s")
        kmgen_yml, bare_yml = configs(tmp, content)
        kmgen = [str(BIN / "kmgen")]
        build = [*kmgen, "build", "--content", str(content), "--config", str(kmgen_yml), "--index-dir",
                 str(index_dir), "--site-dir"]
        results: dict[str, list[Run]] = {c: [] for c in COMMANDS}
        for r in range(rounds):
            results["bare"].append(run([str(BIN / "mkdocs"), "build", "-q", "-f", str(bare_yml), "-d",
                                        str(tmp / "site-bare")], tmp))
            shutil.rmtree(index_dir, ignore_errors=True)
            shutil.rmtree(tmp / ".kmgen", ignore_errors=True)  # render, check and verify caches
            for old in tmp.glob("site-kmgen*"):
                shutil.rmtree(old)
            results["cold"].append(run([*build, str(tmp / "site-kmgen")], tmp))
            writer.write(pages // 2, extra_sentence=f"\nOne more sentence, round {r}.\n")
            results["warm"].append(run([*build, str(tmp / "site-kmgen")], tmp))
            shutil.rmtree(tmp / ".kmgen", ignore_errors=True)
            results["check"].append(run([*kmgen, "check", "--content", str(content)], tmp))
            results["check-warm"].append(run([*kmgen, "check", "--content", str(content)], tmp))
        med = {c: _median(results[c]) for c in COMMANDS}
        print(f"{'':11}{'wall s':>9}{'cpu s':>9}{'peak MiB':>10}{'wall/bare':>11}{'cpu/bare':>10}")
        for c in COMMANDS:
            m = med[c]
            timed_build = c in ("cold", "warm")
            ratio = f"{m.wall / med['bare'].wall:10.2f}x{m.cpu / med['bare'].cpu:9.2f}x" if timed_build else ""
            print(f"{c:11}{m.wall:9.2f}{m.cpu:9.2f}{m.rss_mib:10.0f}{ratio}")
        floor = parse_floor(content)
        print(f"check per 1,000 pages: {med['check'].wall / pages * 1000:.2f} s wall, "
              f"{med['check'].cpu / pages * 1000:.2f} s cpu; parse floor {floor:.2f} s cpu "
              f"-> check (cpu) is {med['check'].cpu / floor:.0f}x the floor")
        print(f"check, nothing changed, per 1,000 pages: {med['check-warm'].wall / pages * 1000:.2f} s wall, "
              f"{med['check-warm'].cpu / pages * 1000:.2f} s cpu (whole process)")
        print(f"peak memory cold / bare: {med['cold'].rss_mib / med['bare'].rss_mib:.2f}x")
        bare_size, kmgen_size = site_bytes(tmp / "site-bare"), site_bytes(tmp / "site-kmgen")
        print(f"site size: bare {bare_size / 1e6:.1f} MB, kmgen {kmgen_size / 1e6:.1f} MB "
              f"({kmgen_size / bare_size:.2f}x)")
        stages = stage_profile(tmp, content, kmgen_yml)
        return {**{f"{c} (cpu)": med[c].cpu for c in COMMANDS}, **{f"stage {k}": v for k, v in stages.items()}}
    finally:
        if keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


def _median(runs: list[Run]) -> Run:
    return Run(statistics.median(r.wall for r in runs), statistics.median(r.cpu for r in runs),
               statistics.median(r.rss_mib for r in runs), max(r.code for r in runs))


def stage_profile(tmp: Path, content: Path, config: Path) -> dict[str, float]:
    """A cold `kmgen build` in a child process with timers around every stage."""
    out = tmp / "stages.json"
    shutil.rmtree(tmp / "index-stages", ignore_errors=True)
    shutil.rmtree(tmp / ".kmgen", ignore_errors=True)  # cold: no check, render or verify results to reuse
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve().parent / "build_stages.py"),
                           str(content), str(config), str(tmp / "index-stages"), str(tmp / "site-stages"),
                           str(out)], capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    if proc.returncode != 0 or not out.exists():
        print("  ! stage profile failed:\n" + proc.stdout[-2000:] + proc.stderr[-2000:])
        return {}
    data = json.loads(out.read_text(encoding="utf-8"))
    if "wall" not in data:  # an older build_stages.py
        data = {"wall": data, "cpu": {}}
    wall, cpu = data["wall"], data["cpu"]
    total = cpu.get("total", 0.0) or 1.0
    print("kmgen build, cold, by stage:                wall s   cpu s  share of cpu")
    for name, seconds in wall.items():
        spent = cpu.get(name, 0.0)
        print(f"  {name:40}{seconds:8.2f}{spent:8.2f}{spent / total:8.0%}")
    return {name: cpu.get(name, seconds) for name, seconds in wall.items()}


def growth(sizes: list[int], figures: list[dict[str, float]]) -> None:
    """Growth exponent k (time ~ pages^k) between each pair of sizes, per figure."""
    if len(sizes) < 2:
        return
    print(f"\n== growth exponents ({' -> '.join(f'{s:,}' for s in sizes)})")
    for name in figures[0]:
        ks = []
        for i in range(len(sizes) - 1):
            (n1, f1), (n2, f2) = (sizes[i], figures[i]), (sizes[i + 1], figures[i + 1])
            if f1.get(name, 0) > 0.01 and f2.get(name, 0) > 0.01:
                ks.append(f"{math.log(f2[name] / f1[name]) / math.log(n2 / n1):5.2f}")
        if ks:
            print(f"  {name:38}{' '.join(ks)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="250,1000", help="Comma-separated hub sizes (pages).")
    parser.add_argument("--rounds", type=int, default=1, help="Interleaved rounds per size (medians shown).")
    parser.add_argument("--keep", type=Path, default=None, help="Keep the generated hubs under this folder.")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    figures = [bench(n, args.rounds, args.keep) for n in sizes]
    growth(sizes, figures)


if __name__ == "__main__":
    main()
