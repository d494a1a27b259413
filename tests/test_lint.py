"""House style is checked, not hoped for: ruff over the tree and mypy over the code."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, check=False)


def test_ruff_finds_nothing() -> None:
    proc = _run("ruff", "check", "--output-format", "concise", "kmgen", "plugins", "tests", "bench")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_finds_nothing() -> None:
    proc = _run("mypy", "kmgen", "plugins")
    assert proc.returncode == 0, proc.stdout + proc.stderr
