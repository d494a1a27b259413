"""`kmgen search` and `kmgen related` say when the index is older than the content."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import page, run_kmgen, site_config

pytestmark = pytest.mark.usefixtures("machine_key")

PAGES = {
    "alpha.md": page("Registration alpha", body="Birth registration in villages.\n"),
    "beta.md": page("Registration beta", body="Birth registration in towns.\n"),
    "gamma.md": page("Registration gamma", body="Birth registration in cities.\n"),
}
NOTE = "note: the index is older than the content"


def _search(root: Path, *extra: str) -> tuple[str, str]:
    proc = run_kmgen("search", "registration", "--content", str(root), "--index-dir", str(root.parent / "ix"), *extra)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout, proc.stderr


def _age(root: Path) -> None:
    """Pages written well before the index: timestamps as after a git checkout an hour ago."""
    for path in root.rglob("*"):
        os.utime(path, (path.stat().st_atime - 3600, path.stat().st_mtime - 3600))


def test_search_and_related_say_when_pages_changed_were_added_or_deleted(make_hub) -> None:
    root = make_hub(PAGES)
    _age(root)
    index = ["--content", str(root), "--index-dir", str(root.parent / "ix")]
    run_kmgen("index", *index, check=True)
    out, err = _search(root)
    assert NOTE not in err and "gamma.md" in out

    (root / "gamma.md").unlink()
    (root / "alpha.md").write_text(PAGES["alpha.md"].replace("villages", "hamlets"))
    (root / "delta.md").write_text(page("Registration delta", body="Birth registration at sea.\n"))
    (root / "draft.md").write_text(page("Registration draft", extra="status: draft\n"))
    out, err = _search(root)
    assert "gamma.md" in out, "the index still answers with the deleted page"
    assert (f"{NOTE} (1 changed, 1 added, 1 deleted: 3 pages since it was built); results may be out of date, "
            "run 'kmgen index' to refresh it") in err
    found = json.loads(_search(root, "--format", "json")[0])
    assert found["index_out_of_date"] == {"changed": ["alpha.md"], "added": ["delta.md"], "deleted": ["gamma.md"]}

    related = run_kmgen("related", "beta.md", *index)
    assert related.returncode == 0 and NOTE in related.stderr
    as_json = json.loads(run_kmgen("related", "beta.md", *index, "--format", "json").stdout)
    assert as_json["index_out_of_date"]["deleted"] == ["gamma.md"]

    run_kmgen("index", *index, check=True)
    out, err = _search(root)
    assert NOTE not in err and "gamma.md" not in out
    assert json.loads(_search(root, "--format", "json")[0])["index_out_of_date"] is None
    assert NOTE not in run_kmgen("related", "beta.md", *index).stderr


def test_a_page_touched_but_unchanged_or_rejected_before_and_after_is_not_news(make_hub) -> None:
    root = make_hub({**PAGES, "bad.md": page(extra="sumary: typo\n")})
    _age(root)
    run_kmgen("index", "--content", str(root), "--index-dir", str(root.parent / "ix"), check=True)
    (root / "beta.md").touch()
    (root / "bad.md").write_text(page(extra="sumary: another typo\n"))
    assert NOTE not in _search(root)[1]
    (root / "taxonomy.yml").touch()  # every page is compared again, and none differs
    assert NOTE not in _search(root)[1]
    (root / "beta.md").write_text(PAGES["beta.md"].replace("title:", "status: draft\ntitle:"))
    assert json.loads(_search(root, "--format", "json")[0])["index_out_of_date"]["changed"] == ["beta.md"]


def test_build_refreshes_the_index_before_publishing(make_hub, tmp_path: Path) -> None:
    root = make_hub(PAGES)
    ix = root.parent / "ix"
    build = ["build", "--content", str(root), "--site-dir", str(tmp_path / "site"),
             "--config", str(site_config(tmp_path)), "--index-dir", str(ix)]
    run_kmgen(*build, check=True)
    (root / "gamma.md").unlink()
    assert json.loads(_search(root, "--format", "json")[0])["index_out_of_date"]["deleted"] == ["gamma.md"]
    run_kmgen(*build, check=True)
    found = json.loads(_search(root, "--format", "json")[0])
    assert found["index_out_of_date"] is None and "gamma.md" not in [h["path"] for h in found["hits"]]
