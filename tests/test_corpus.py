"""Tried as a new user would: kmgen on real third-party Markdown (read in place, never copied)."""

from __future__ import annotations

import json

import pytest

from conftest import REPO, run_kmgen

CORPUS = REPO.parent / "shared" / "corpora" / "18f-guides" / "content"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="third-party corpus not beside this checkout")


def test_check_on_a_foreign_corpus_reports_every_file_without_crashing() -> None:
    proc = run_kmgen("check", str(CORPUS), "--format", "json")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    diags = json.loads(proc.stdout)
    pages = sorted(p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*.md"))
    reported = {d["path"] for d in diags}
    # Every file has our required fields missing, so every one is reported with a reason.
    assert set(pages) <= reported
    assert all(d["message"] and d["code"].startswith("KM") for d in diags)
    summary = proc.stderr.strip().splitlines()[-1]
    assert summary.startswith(f"{len(pages)} files, ")
