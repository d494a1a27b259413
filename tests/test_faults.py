"""Fault injection: whatever stops `kmgen build` or `kmgen index`, the previous site
and index stay complete and usable, and the user reads a clear message.

- kill -9 at seeded random moments of a build and of an index run (20 trials each);
- a full disk (ENOSPC) at several points of the writes, injected by
  tests/fault_injection/sitecustomize.py into the kmgen process;
- an output folder that is read-only (a read-only bind mount when running as
  root, who ignores file modes; file modes otherwise).

"Complete" means: the index opens, searches, and holds exactly the pages of one
state of the content (the one before the run, or the one the run was writing);
the site holds every page of one state, each page a whole HTML document.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import MINI_TAXONOMY, page, site_config

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("machine_key")]

KMGEN = str(Path(sys.executable).parent / "kmgen")
INJECTOR = Path(__file__).parent / "fault_injection"
TRIALS = 20


def _state(name: str) -> dict[str, str]:
    """Two states of one hub: B changes ten pages of A, deletes ten and adds ten."""
    pages = {f"a{n:02}.md": page(f"Registration page a{n:02}", body=f"Registration words, part {n}.\n" * 30)
             for n in range(30)}
    if name == "B":
        for n in range(10):
            pages[f"a{n:02}.md"] = pages[f"a{n:02}.md"].replace("words", "changed words")
            del pages[f"a{n + 20:02}.md"]
            pages[f"b{n:02}.md"] = page(f"Registration page b{n:02}", body="Registration, newly added.\n" * 30)
    return pages


PAGES = {name: frozenset(_state(name)) for name in ("A", "B")}


def _write_state(content: Path, name: str) -> None:
    wanted = _state(name)
    for old in content.glob("*.md"):
        if old.name not in wanted:
            old.unlink()
    for rel, text in wanted.items():
        target = content / rel
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """content/ (state A), mkdocs.yml, and out/ for the site and the index."""
    content = tmp_path / "content"
    content.mkdir()
    (content / "taxonomy.yml").write_text(MINI_TAXONOMY, encoding="utf-8")
    _write_state(content, "A")
    site_config(tmp_path)
    (tmp_path / "out").mkdir()
    return tmp_path


def _build_args(repo: Path) -> list[str]:
    return ["build", "--content", str(repo / "content"), "--site-dir", str(repo / "out" / "site"),
            "--config", str(repo / "mkdocs.yml"), "--index-dir", str(repo / "out" / "index")]


def _index_args(repo: Path) -> list[str]:
    return ["index", "--content", str(repo / "content"), "--index-dir", str(repo / "out" / "index")]


def _run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([KMGEN, *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})})


def indexed_pages(index_dir: Path) -> frozenset[str]:
    """The pages the index answers with; fails if it does not open or search."""
    from kmgen import search
    from kmgen.index import open_index

    ix = open_index(index_dir)
    try:
        results = search.search(ix, "registration", [], limit=1000)
        assert ix.doc_count() == results.total
    finally:
        ix.close()
    return frozenset(hit.path for hit in results.hits)


def published_pages(site: Path) -> frozenset[str]:
    """The content pages of the site; fails unless it is a whole site."""
    assert (site / "index.html").is_file() or (site / "404.html").is_file(), f"{site} is not a site"
    found = set()
    for html in site.glob("[ab][0-9][0-9].html"):
        text = html.read_text(encoding="utf-8")
        assert text.rstrip().endswith("</html>"), f"{html} is cut short"
        found.add(html.stem + ".md")
    return frozenset(found)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _killed_at(args: list[str], delay: float) -> int:
    proc = subprocess.Popen([KMGEN, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "PYTHONWARNINGS": "ignore"})
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    return proc.wait(timeout=60)


def _timed(args: list[str]) -> float:
    start = time.monotonic()
    done = _run(args)
    assert done.returncode == 0, done.stdout + done.stderr
    return time.monotonic() - start


def _kill_trials(repo: Path, args: list[str], seed: int, check: str) -> dict[str, int]:
    """Kill `kmgen args` at seeded random moments while the content flips between
    states A and B; after each kill, what `check` inspects is one whole state."""
    content, out = repo / "content", repo / "out"
    duration = _timed(args)
    rng = random.Random(seed)
    outcomes = {"killed": 0, "finished": 0, "old": 0, "new": 0}
    state = "A"
    for trial in range(TRIALS):
        index_before = indexed_pages(out / "index")
        site_before = published_pages(out / "site") if check == "site" else None
        state = "B" if state == "A" else "A"
        _write_state(content, state)
        code = _killed_at(args, rng.uniform(0.1, 0.95) * duration)
        outcomes["killed" if code == -signal.SIGKILL else "finished"] += 1
        assert code in (-signal.SIGKILL, 0), f"trial {trial}: exit {code}"
        after = indexed_pages(out / "index")
        assert after in (index_before, PAGES[state]), f"trial {trial}: the index holds {sorted(after)}"
        if site_before is not None:
            after = published_pages(out / "site")
            assert after in (site_before, PAGES[state]), f"trial {trial}: the site holds {sorted(after)}"
        outcomes["new" if after == PAGES[state] else "old"] += 1
    # Nothing left behind stops the next run (a lock, a half-made staging folder).
    final = _run(args)
    assert final.returncode == 0, final.stdout + final.stderr
    assert indexed_pages(out / "index") == PAGES[state]
    if check == "site":
        assert published_pages(out / "site") == PAGES[state]
        assert not list(out.glob(".site.new-*")), "staging folders of killed builds are cleaned up"
    print(f"kill -9 trials of kmgen {args[0]} (seed {seed}, run takes {duration:.1f} s): {outcomes}")
    return outcomes


def test_kill_9_during_index_leaves_a_complete_index(repo: Path) -> None:
    outcomes = _kill_trials(repo, _index_args(repo), seed=1011, check="index")
    assert outcomes["killed"] >= TRIALS // 2, outcomes


def test_kill_9_during_build_leaves_a_complete_site_and_index(repo: Path) -> None:
    outcomes = _kill_trials(repo, _build_args(repo), seed=2022, check="site")
    assert outcomes["killed"] >= TRIALS // 2, outcomes


def _full_disk(folder: Path, budget: int) -> dict[str, str]:
    return {"PYTHONPATH": str(INJECTOR), "KMGEN_FAULT_DIR": str(folder), "KMGEN_FAULT_BYTES": str(budget)}


def _clear(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "Traceback" not in out, out
    assert all(w in out for w in words), out


@pytest.mark.parametrize("fraction", [0.0, 0.3, 0.95])
def test_a_full_disk_during_build_keeps_the_previous_site_and_index(repo: Path, fraction: float) -> None:
    out = repo / "out"
    assert _run(_build_args(repo)).returncode == 0
    before_site, before_index = _snapshot(out / "site"), indexed_pages(out / "index")
    size = sum(len(b) for b in before_site.values()) + sum(len(b) for b in _snapshot(out / "index").values())
    _write_state(repo / "content", "B")
    proc = _run(_build_args(repo), _full_disk(out, int(size * fraction)))
    _clear(proc, "No space left on device", "was not changed")
    assert _snapshot(out / "site") == before_site
    assert indexed_pages(out / "index") in (before_index, PAGES["B"])
    assert _run(_build_args(repo)).returncode == 0, "a later build with space succeeds"
    assert published_pages(out / "site") == PAGES["B"]


@pytest.mark.parametrize("fraction", [0.0, 0.5, 0.9])
def test_a_full_disk_during_index_keeps_the_previous_index(repo: Path, fraction: float) -> None:
    index_dir = repo / "out" / "index"
    assert _run(_index_args(repo)).returncode == 0
    size = sum(len(b) for b in _snapshot(index_dir).values())
    _write_state(repo / "content", "B")
    proc = _run(_index_args(repo) + ["--rebuild"], _full_disk(repo / "out", int(size * fraction)))
    _clear(proc, "No space left on device", "the index stays as it was at its last complete update")
    assert indexed_pages(index_dir) == PAGES["A"]
    assert _run(_index_args(repo)).returncode == 0
    assert indexed_pages(index_dir) == PAGES["B"]


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """`folder` read-only for kmgen: a read-only bind mount as root (file modes do
    not stop root), write permission removed otherwise."""
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in [folder, *folder.rglob("*")] if p.is_dir()}
        for p in modes:
            p.chmod(modes[p] & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        try:
            yield
        finally:
            for p, mode in modes.items():
                p.chmod(mode)
        return
    mount = shutil.which("mount")
    if mount is None or subprocess.run([mount, "--bind", str(folder), str(folder)], capture_output=True).returncode:
        pytest.skip("running as root without permission to mount: cannot make a folder read-only")
    try:
        subprocess.run([mount, "-o", "remount,ro,bind", str(folder)], check=True, capture_output=True)
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True, capture_output=True)


@pytest.mark.parametrize("where", ["output", "site-parent"])
def test_a_read_only_output_folder_stops_the_build_cleanly(repo: Path, tmp_path: Path, where: str) -> None:
    out = repo / "out"
    args = _build_args(repo)
    if where == "site-parent":  # the index is writable, the site's folder is not
        args[args.index("--index-dir") + 1] = str(tmp_path / "writable-index")
    assert _run(args).returncode == 0
    before = _snapshot(out)
    _write_state(repo / "content", "B")
    with read_only(out):
        proc = _run(args)
        index = _run(_index_args(repo)) if where == "output" else None
    _clear(proc, "was not changed")
    assert any(w in proc.stderr for w in ("Read-only file system", "Permission denied")), proc.stderr
    assert _snapshot(out) == before
    if index is not None:
        _clear(index, "cannot write the index")
    assert published_pages(out / "site") == PAGES["A"]
