"""Publishing for real hosts: no links into example repositories, and a 404 page that
works at a host's root, under a sub-path and from disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import MINI_TAXONOMY, REPO, page, run_kmgen
from kmgen.publish import notfound, placeholders


@pytest.mark.parametrize(("url", "placeholder"), [
    ("https://github.com/example/dpi-knowledge-hub", True),
    ("https://hub.example.org/", True),
    ("https://example.com", True),
    ("https://docs.example/hub/", True),
    ("https://gitlab.com/your-organisation/hub", True),
    ("https://github.com/govstack/knowledge-hub", False),
    ("https://examples.org/", False),
    ("https://org.github.io/hub/", False),
    (None, False),
])
def test_placeholder_addresses(url: str | None, placeholder: bool) -> None:
    assert placeholders.is_placeholder(url) is placeholder


def hub(tmp_path: Path, repo_url: str) -> Path:
    content = tmp_path / "content"
    (content / "guidelines").mkdir(parents=True)
    (content / "taxonomy.yml").write_text(MINI_TAXONOMY, encoding="utf-8")
    (content / "guidelines/a.md").write_text(page("Alpha"), encoding="utf-8")
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    config = config.replace("custom_dir: overrides", f"custom_dir: {REPO / 'overrides'}")
    config = config.replace("repo_url: https://github.com/example/dpi-knowledge-hub", f"repo_url: {repo_url}")
    config = config.replace("site_url: https://hub.example.org/", "site_url: https://org.github.io/hub/")
    (tmp_path / "mkdocs.yml").write_text(config, encoding="utf-8")
    return tmp_path


def test_a_placeholder_repository_is_left_out_with_a_warning(tmp_path: Path) -> None:
    root = hub(tmp_path, "https://github.com/example/dpi-knowledge-hub")
    proc = run_kmgen("build", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines()[0] == (
        "warning: repo_url in mkdocs.yml is a placeholder (https://github.com/example/dpi-knowledge-hub): the header's "
        "repository link and every 'Edit this page' link are left out until it names the hub's repository")
    page_html = (root / "site/guidelines/a.html").read_text(encoding="utf-8")
    assert "github.com/example" not in page_html and "md-source" not in page_html and "kmgen-edit" not in page_html


def test_a_real_repository_gets_header_and_edit_links(tmp_path: Path) -> None:
    root = hub(tmp_path, "https://github.com/govstack/knowledge-hub")
    proc = run_kmgen("build", cwd=root)
    assert proc.returncode == 0 and "warning" not in proc.stderr, proc.stderr
    page_html = (root / "site/guidelines/a.html").read_text(encoding="utf-8")
    assert 'href="https://github.com/govstack/knowledge-hub/edit/main/content/guidelines/a.md"' in page_html
    assert 'class="md-source"' in page_html


def test_404_links_are_relative_to_a_base(tmp_path: Path) -> None:
    (tmp_path / "404.html").write_text('<html><head><link href="/hub/assets/x.css"></head><body>'
                                       '<a href="/hub/index.html">Home</a><a href="//cdn.test/x">x</a></body></html>',
                                       encoding="utf-8")
    assert notfound.make_portable(tmp_path, "https://org.github.io/hub")
    html = (tmp_path / "404.html").read_text(encoding="utf-8")
    assert html.startswith('<html><head><base href="/hub/"><script>')
    assert '<link href="assets/x.css">' in html and '<a href="index.html">' in html and 'href="//cdn.test/x"' in html
    assert notfound.site_path(None) == "/" and notfound.site_path("https://h.test") == "/"
    assert not notfound.make_portable(tmp_path / "missing", None)
