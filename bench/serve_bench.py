"""Load on `kmgen serve`'s search API over loopback: requests a second, latency percentiles, errors.

Starts `kmgen serve` in its own process on a free loopback port, then runs
CLIENTS concurrent clients (keep-alive HTTP/1.1 connections, asyncio) for
DURATION seconds, each sending searches drawn from the hub's own vocabulary:
words from titles and summaries, concept labels and synonyms, alone or with
one or two facet filters, and some facet filters alone. The load is bounded:
each client waits for its answer before asking again.

The server keeps recent answers (kmgen serve's result cache); the figures are
printed with it and, with --no-result-cache too, without it, with the share of
requests the cache answered (from /api/health, per server process).

Usage:
  .venv/bin/python bench/serve_bench.py                      # the sample hub (content/, .kmgen/index)
  .venv/bin/python bench/serve_bench.py --duration 5         # shorter
  .venv/bin/python bench/serve_bench.py --pages 10000        # a generated hub (see index_bench.py)
  .venv/bin/python bench/serve_bench.py --pages 10000 --hub /tmp/hub10k --skip-sample --no-result-cache
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
import index_bench  # noqa: E402  (the synthetic hubs of the index benchmark)

from kmgen.hub import load_hub  # noqa: E402
from kmgen.index import build_index, text_analyzer  # noqa: E402

KMGEN = Path(sys.executable).parent / "kmgen"


def vocabulary(content: Path, rng: random.Random, n: int = 400) -> list[str]:
    """Search targets as a reader would type them: one to three words, or a concept's name."""
    hub = load_hub(content)
    words: list[str] = []
    for doc in hub.accepted():
        for key in ("title", "summary"):
            words.extend(w.lower() for w in re.findall(r"[^\W\d_]{4,}", str(doc.get(key) or "")))
    analyzer = text_analyzer()
    words = [w for w in dict.fromkeys(words) if list(analyzer(w))]  # not words the index skips ('with', 'from')
    names = [name for c in hub.taxonomy.concepts.values() for name in (c.label, *c.alt_labels)
             if list(analyzer(name))]
    targets = []
    for _ in range(n):
        if names and rng.random() < 0.3:
            targets.append(rng.choice(names))
        elif words:
            targets.append(" ".join(rng.sample(words, rng.choice((1, 1, 2, 3)))))
    return targets


def facet_filters(content: Path) -> list[str]:
    """facet=concept pairs the hub's pages actually carry."""
    hub = load_hub(content)
    pairs = {f"{facet}={cid}" for doc in hub.accepted() for facet, ids in hub.tags_of(doc.path).items() for cid in ids}
    return sorted(pairs)


@functools.cache
def targets(content: Path, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    words = vocabulary(content, rng)
    filters = facet_filters(content)
    out = []
    for text in words:
        roll = rng.random()
        parts = [] if roll < 0.15 and filters else [f"q={quote(text)}"]
        if filters and (roll < 0.15 or roll > 0.55):
            parts += [f"facet={quote(f)}" for f in rng.sample(filters, min(len(filters), rng.choice((1, 1, 2))))]
        out.append("/api/search?" + "&".join(parts) + "&size=10")
    return out


async def client(port: int, paths: list[str], until: float, rng: random.Random, latencies: list[float],
                 statuses: Counter[str]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.monotonic() < until:
            path = rng.choice(paths)
            start = time.perf_counter()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n".encode())
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            status = head.split(b" ", 2)[1].decode()
            length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))  # type: ignore[union-attr]
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            statuses[status] += 1
    except (OSError, asyncio.IncompleteReadError, AttributeError) as exc:
        statuses[f"error: {exc.__class__.__name__}"] += 1
    finally:
        writer.close()


async def load(port: int, paths: list[str], clients: int, duration: float) -> tuple[list[float], Counter[str], float]:
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    start = time.monotonic()
    until = start + duration
    await asyncio.gather(*(client(port, paths, until, random.Random(i), latencies, statuses) for i in range(clients)))
    return latencies, statuses, time.monotonic() - start


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(content: Path, index_dir: Path, site: Path, options: list[str]) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    proc = subprocess.Popen([str(KMGEN), "serve", "--content", str(content), "--index-dir", str(index_dir),
                             "--site-dir", str(site), "--port", str(port), *options],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5) as answer:
                if answer.status == 200:
                    return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("kmgen serve did not start")


def cache_share(port: int) -> str:
    """What the answering server process's result cache did (one process's view)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=30) as answer:
        cache = json.loads(answer.read()).get("result_cache", {})
    asked = cache.get("hits", 0) + cache.get("misses", 0)
    return f"; result cache (one process): {cache.get('hits', 0)} of {asked} answered" if asked else ""


def run(label: str, content: Path, index_dir: Path, site: Path, clients: int, duration: float,
        options: list[str]) -> None:
    paths = targets(content)
    proc, port = serve(content, index_dir, site, options)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{paths[0]}", timeout=60):
            pass  # the server opens the index before answering: this checks a search works
        latencies, statuses, seconds = asyncio.run(load(port, paths, clients, duration))
        cached = cache_share(port)
    finally:
        proc.terminate()
        proc.wait(10)
    errors = sum(n for s, n in statuses.items() if s != "200")
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    print(f"{label}: {clients} clients for {seconds:.1f} s, {len(latencies)} requests, "
          f"{len(latencies) / seconds:.1f} requests/s, p50 {cuts[49] * 1000:.0f} ms, p95 {cuts[94] * 1000:.0f} ms, "
          f"p99 {cuts[98] * 1000:.0f} ms, errors {errors}" + (f" {dict(statuses)}" if errors else "")
          + f"; {len(set(paths))} distinct searches, server {' '.join(options) or 'defaults'}{cached}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--content", type=Path, default=Path("content"))
    parser.add_argument("--index-dir", type=Path, default=Path(".kmgen/index"))
    parser.add_argument("--site-dir", type=Path, default=Path("site"))
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load (default 30)")
    parser.add_argument("--pages", type=int, default=0, help="also a generated hub of this many pages")
    parser.add_argument("--hub", type=Path, default=None,
                        help="keep the generated hub here (content/, index/) and reuse it when it is there")
    parser.add_argument("--skip-sample", action="store_true", help="only the generated hub")
    parser.add_argument("--workers", type=int, default=0, help="kmgen serve --workers (default: its own)")
    parser.add_argument("--no-result-cache", action="store_true",
                        help="also run with kmgen serve --no-result-cache, after the run with the cache")
    args = parser.parse_args()
    variants = [[]] + ([["--no-result-cache"]] if args.no_result_cache else [])
    if args.workers:
        variants = [[*v, "--workers", str(args.workers)] for v in variants]
    if not args.skip_sample:
        build_index(load_hub(args.content), args.index_dir)  # up to date (a no-op when it is)
        for options in variants:
            run(f"sample hub ({args.content})", args.content, args.index_dir, args.site_dir, args.clients,
                args.duration, options)
    if args.pages:
        with tempfile.TemporaryDirectory() as tmp:
            hub = args.hub or Path(tmp)
            content, index_dir = hub / "content", hub / "index"
            if not content.is_dir():
                index_bench.write_hub(content, args.pages)
            build_index(load_hub(content), index_dir)  # a no-op when the kept hub's index is up to date
            for options in variants:
                run(f"generated hub ({args.pages} pages)", content, index_dir, hub / "site", args.clients,
                    args.duration, options)


if __name__ == "__main__":
    main()
