"""Folder and file arguments select pages within the hub, never a hub of their own.

Every command that takes paths is run three ways (a folder, a file, and an
absolute path from an unrelated working directory) and must say exactly what a
full run says about those pages: no "taxonomy file not found", no unknown
taxonomy fields, no valid cross-folder link reported as outside the content.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import page, run_kmgen
from kmgen.cli.common import enclosing_hub

URL = "https://example.org/handbook"
FILES = {
    "index.md": page("Home", type_="page", body="See [a playbook](playbooks/start.md).\n"),
    "playbooks/start.md": page("Start", type_="playbook", extra="audience: [civil-servants]\n",
                               body=f"Read [the story](../case-studies/togo.md#what-happened) and [web]({URL}).\n"),
    "playbooks/broken.md": page("Broken", type_="playbook", extra="audience: [nonsense]\n",
                                body="A [gone](../case-studies/missing.md) link.\n"),
    "case-studies/togo.md": page("Togo", type_="case-study",
                                 extra="country: Togo\nperiod: \"2019-2021\"\nsumary: typo\n",
                                 body="## What happened\n\nBack to [the playbook](../playbooks/start.md).\n"),
}
SELECTIONS = {  # label -> (argument under the hub folder, content paths it selects)
    "folder": ("content/playbooks", {"playbooks/start.md", "playbooks/broken.md"}),
    "file": ("content/case-studies/togo.md", {"case-studies/togo.md"}),
}


@pytest.fixture
def hub(make_hub) -> Path:
    """The hub's repository folder (holding content/)."""
    return make_hub(FILES).parent


def _json(proc: Any) -> Any:
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def _ways(hub: Path, label: str, elsewhere: Path) -> list[tuple[list[str], Path]]:
    """The argument as given from the hub folder, and as an absolute path from elsewhere."""
    arg = SELECTIONS[label][0]
    return [([arg], hub), ([str(hub / arg)], elsewhere)]


@pytest.mark.parametrize("label", list(SELECTIONS))
def test_check_a_folder_or_file_says_what_a_full_run_says_about_it(hub: Path, tmp_path: Path, label: str) -> None:
    full = _json(run_kmgen("check", "--format", "json", cwd=hub))
    assert {d["code"] for d in full} >= {"KM210", "KM310", "KM501"}  # the hub has real problems to find
    wanted = SELECTIONS[label][1]
    expected = [d for d in full if d["path"] in wanted]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for args, cwd in _ways(hub, label, elsewhere):
        proc = run_kmgen("check", *args, "--format", "json", cwd=cwd)
        assert _json(proc) == expected, (args, cwd)
        assert f"{len(wanted)} file{'s' if len(wanted) > 1 else ''}," in proc.stderr


def test_check_text_summary_counts_only_the_chosen_pages(hub: Path) -> None:
    (hub / "content" / "case-studies" / "togo.md").write_text(FILES["case-studies/togo.md"].replace("sumary: typo\n", ""))
    proc = run_kmgen("check", "content/playbooks/start.md", cwd=hub)
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.splitlines() == ["1 file, 0 errors, 0 warnings"]


def test_a_path_outside_the_given_content_folder_is_refused(hub: Path, tmp_path: Path) -> None:
    stray = tmp_path / "stray.md"
    stray.write_text(page(), encoding="utf-8")
    proc = run_kmgen("check", str(stray), "--content", str(hub / "content"))
    assert proc.returncode == 2 and "is outside the content folder" in proc.stderr


def test_the_hub_is_found_from_a_mkdocs_docs_dir_or_the_taxonomy(tmp_path: Path) -> None:
    site = tmp_path / "site-repo"
    (site / "docs" / "guides").mkdir(parents=True)
    (site / "mkdocs.yml").write_text("site_name: x\ndocs_dir: 'docs'  # the pages\n"
                                     "markdown_extensions:\n  - pymdownx.emoji:\n"
                                     "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n")
    (site / "docs" / "guides" / "a.md").write_text(page())
    assert enclosing_hub(site / "docs" / "guides" / "a.md") == site / "docs"
    assert enclosing_hub(site / "docs") == site / "docs"
    (site / "docs" / "guides" / "taxonomy.yml").write_text("facets: []\n")
    assert enclosing_hub(site / "docs" / "guides" / "a.md") == site / "docs" / "guides"
    assert enclosing_hub(tmp_path) is None


def _seed_ok(cache: Path, url: str) -> None:
    cache.write_text(json.dumps({"version": 1, "entries": {url: {
        "kind": "ok", "detail": "200 OK", "final_url": "", "status": 200, "checked": time.time()}}}))


def test_readme_links_example_reports_no_false_errors(hub: Path) -> None:
    """`kmgen links --external --format github --timeout 5 content/playbooks`, with the
    one web address answered from the cache: nothing goes on the network."""
    cache = hub / ".kmgen" / "links-cache.json"
    cache.parent.mkdir()
    _seed_ok(cache, URL)
    (hub / "content" / "playbooks" / "broken.md").unlink()
    (hub / "content" / "case-studies" / "togo.md").write_text(FILES["case-studies/togo.md"].replace("sumary: typo\n", ""))
    proc = run_kmgen("links", "--external", "--format", "github", "--timeout", "5", "content/playbooks", cwd=hub)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ""
    assert "1 URL: 1 ok (0 fetched, 1 from cache)" in proc.stderr
    assert "1 file, 0 errors, 0 warnings" in proc.stderr


@pytest.mark.parametrize("label", list(SELECTIONS))
def test_links_a_folder_or_file_says_what_a_full_run_says_about_it(hub: Path, tmp_path: Path, label: str) -> None:
    full = _json(run_kmgen("links", "--format", "json", cwd=hub))
    assert {d["code"] for d in full} == {"KM501", "KM502"}
    wanted = SELECTIONS[label][1]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for args, cwd in _ways(hub, label, elsewhere):
        assert _json(run_kmgen("links", *args, "--format", "json", cwd=cwd)) == [
            d for d in full if d["path"] in wanted], (args, cwd)


def test_github_annotations_name_the_file_from_the_working_directory(hub: Path) -> None:
    proc = run_kmgen("check", "--format", "github", "content/playbooks/broken.md", cwd=hub)
    assert proc.stdout.splitlines()[0].startswith("::error file=content/playbooks/broken.md,line=")


@pytest.mark.parametrize("label", list(SELECTIONS))
def test_tag_a_folder_or_file(hub: Path, tmp_path: Path, label: str) -> None:
    full = {e["path"]: e for e in _json(run_kmgen("tag", "--format", "json", "--min-confidence", "0", cwd=hub))}
    wanted = SELECTIONS[label][1]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for args, cwd in _ways(hub, label, elsewhere):
        got = _json(run_kmgen("tag", *args, "--format", "json", "--min-confidence", "0", cwd=cwd))
        assert got == [full[p] for p in sorted(wanted)], (args, cwd)


def test_related_a_file_from_anywhere(hub: Path, tmp_path: Path) -> None:
    run_kmgen("index", cwd=hub, check=True)
    here = _json(run_kmgen("related", "content/playbooks/start.md", "--format", "json", cwd=hub))
    assert here["path"] == "playbooks/start.md"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    there = run_kmgen("related", str(hub / "content" / "playbooks" / "start.md"), "--format", "json", cwd=elsewhere)
    assert _json(there) == here


@pytest.mark.parametrize("label", list(SELECTIONS))
def test_report_freshness_a_folder_or_file(hub: Path, tmp_path: Path, label: str) -> None:
    (hub / "content" / "playbooks" / "start.md").write_text(
        FILES["playbooks/start.md"].replace("last_reviewed:", "last_reviewed: 2001-01-01\n#"))
    (hub / "content" / "case-studies" / "togo.md").write_text(
        FILES["case-studies/togo.md"].replace("last_reviewed:", "last_reviewed: 2002-01-01\n#"))
    full = _json(run_kmgen("report", "freshness", "--format", "json", cwd=hub))
    assert {e["path"] for e in full["overdue"]} == {"playbooks/start.md", "case-studies/togo.md"}
    wanted = SELECTIONS[label][1]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for args, cwd in _ways(hub, label, elsewhere):
        got = _json(run_kmgen("report", "freshness", *args, "--format", "json", cwd=cwd))
        assert got["overdue"] == [e for e in full["overdue"] if e["path"] in wanted], (args, cwd)


@pytest.mark.parametrize("label", list(SELECTIONS))
def test_report_coverage_a_folder_or_file(hub: Path, tmp_path: Path, label: str) -> None:
    (hub / "content" / "playbooks" / "broken.md").unlink()
    (hub / "content" / "case-studies" / "togo.md").write_text(FILES["case-studies/togo.md"].replace("sumary: typo\n", ""))
    full = _json(run_kmgen("report", "coverage", "--format", "json", cwd=hub))
    assert full["resources"] == 2
    wanted = SELECTIONS[label][1] & {"playbooks/start.md", "case-studies/togo.md"}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for args, cwd in _ways(hub, label, elsewhere):
        got = _json(run_kmgen("report", "coverage", *args, "--format", "json", cwd=cwd))
        assert got["resources"] == len(wanted), (args, cwd)


def test_check_fix_edits_only_the_chosen_pages(make_hub) -> None:
    synonym = page(extra="audience: [Public servants]\n")
    root = make_hub({"a.md": synonym, "b.md": synonym})
    proc = run_kmgen("check", "--fix", "content/a.md", cwd=root.parent)
    assert "fixed a.md" in proc.stderr and "fixed b.md" not in proc.stderr
    assert "audience: [civil-servants]" in (root / "a.md").read_text()
    assert (root / "b.md").read_text() == synonym
