"""`kmgen init`: a new hub anywhere, that checks clean from the first minute."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import REPO, run_kmgen

EXPECTED = [".github/workflows/deploy.yml", ".github/workflows/pr.yml", ".gitignore", "CONTRIBUTING.md",
            "content/case-studies/example-case-study.md", "content/cop-outputs/example-cop-output.md",
            "content/guidelines/example-guideline.md", "content/index.md", "content/playbooks/example-playbook.md",
            "content/taxonomy.yml", "content/templates/example-template.md", "content/toolkits/example-toolkit.md",
            "content/training/example-training-material.md", "mkdocs.yml"]


def files_under(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize("minimal", [False, True], ids=["full", "minimal"])
def test_init_writes_a_hub_that_checks_clean(tmp_path: Path, minimal: bool) -> None:
    hub = tmp_path / "new hub"
    proc = run_kmgen("init", str(hub), "--name", 'Health "Data" Hub', *(["--minimal"] if minimal else []))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == f"created a hub in {hub} (14 files)"
    assert files_under(hub) == EXPECTED
    config = yaml.safe_load((hub / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["site_name"] == 'Health "Data" Hub'
    assert "custom_dir" not in config["theme"]  # the theme comes with kmgen
    assert "repo_url" not in config and "site_url" not in config  # no placeholder addresses
    assert {"kmgen": {"index_dir": ".kmgen/index"}} in config["plugins"]
    taxonomy = (hub / "content/taxonomy.yml").read_text(encoding="utf-8")
    if minimal:
        assert len(taxonomy) < 6000
    else:  # kmgen's full default taxonomy is the sample hub's
        assert taxonomy == (REPO / "content/taxonomy.yml").read_text(encoding="utf-8")
    assert "site/" in (hub / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "kmgen check --format github" in (hub / ".github/workflows/pr.yml").read_text(encoding="utf-8")
    check = run_kmgen("check", cwd=hub)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.splitlines()[-1] == "8 files, 0 errors, 0 warnings"


def test_init_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "content/index.md").write_text("mine\n", encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text("site_name: mine\n", encoding="utf-8")
    proc = run_kmgen("init", str(tmp_path))
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"Error: {tmp_path} already has content/index.md, mkdocs.yml; nothing was written"
    assert files_under(tmp_path) == ["content/index.md", "mkdocs.yml"]
    assert (tmp_path / "mkdocs.yml").read_text(encoding="utf-8") == "site_name: mine\n"
