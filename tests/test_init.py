"""`kmgen init`: a new hub anywhere, that checks clean from the first minute."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
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


def test_a_new_hub_builds_and_its_own_overrides_win(tmp_path: Path) -> None:
    hub = tmp_path / "hub"
    run_kmgen("init", str(hub), "--minimal", check=True)
    config = hub / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("  # custom_dir: overrides", "  custom_dir: overrides"),
                      encoding="utf-8")
    (hub / "overrides/assets/stylesheets").mkdir(parents=True)
    (hub / "overrides/assets/stylesheets/kmgen.css").write_text("/* this hub's own */\n", encoding="utf-8")
    (hub / "overrides/kmgen").mkdir()
    (hub / "overrides/kmgen/type.html").write_text(
        '{% extends "main.html" %}{% block content %}<p id="ours">Our type page</p>{% endblock %}\n', encoding="utf-8")
    built = run_kmgen("build", cwd=hub, check=True)
    assert "published 8 pages" in built.stdout
    site = hub / "site"
    assert (site / "assets/stylesheets/kmgen.css").read_text(encoding="utf-8") == "/* this hub's own */\n"
    assert '<p id="ours">Our type page</p>' in (site / "types/playbook.html").read_text(encoding="utf-8")
    home = (site / "index.html").read_text(encoding="utf-8")  # everything else is kmgen's own theme
    assert 'id="kmgen-q"' in home and "<title>Knowledge hub</title>" in home


@pytest.mark.slow
def test_a_wheel_installed_anywhere_starts_and_builds_a_hub(tmp_path: Path) -> None:
    """kmgen from a built wheel, in a fresh virtual environment, outside this repository:
    `kmgen init` then `kmgen build` work with nothing but the installed package."""
    source = tmp_path / "source"  # a copy, so the build leaves nothing in the repository
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(REPO / name, source / name)
    for folder in ("kmgen", "plugins"):
        shutil.copytree(REPO / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    dist = tmp_path / "dist"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(source)])
    wheel = next(dist.glob("kmgen-*.whl"))
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    run([str(venv / "bin/python"), "-m", "pip", "install", "-q", str(wheel)])
    hub = tmp_path / "elsewhere" / "our-hub"
    kmgen = str(venv / "bin/kmgen")
    run([kmgen, "init", str(hub), "--minimal", "--name", "Our hub"], cwd=tmp_path)
    built = run([kmgen, "build"], cwd=hub)
    assert "published 8 pages" in built.stdout
    site = hub / "site"
    assert (site / "assets/stylesheets/kmgen.css").is_file()  # kmgen's theme came with the package
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "<title>Our hub</title>" in home and 'id="kmgen-q"' in home
    playbook = (site / "playbooks/example-playbook.html").read_text(encoding="utf-8")
    assert 'class="kmgen-panel kmgen-panel--side md-typeset"' in playbook


def run(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=900,
                          env={**env, "PYTHONWARNINGS": "ignore"})
    assert proc.returncode == 0, f"{' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc
