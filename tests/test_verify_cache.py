"""The verify step remembers pages that passed, by their bytes, and parses only what changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from kmgen.publish import site_safety, verify

pytestmark = pytest.mark.usefixtures("machine_key")


def _site(tmp_path: Path, body: str, other: str = "<p id='top'>b</p>") -> Path:
    site = tmp_path / "site"
    (site / "assets" / "javascripts").mkdir(parents=True, exist_ok=True)
    (site / "assets" / "javascripts" / "bundle.js").write_text("", encoding="utf-8")
    for name in verify.REQUIRED_FILES:  # the theme's files: not what these tests are about
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text('{"docs": []}' if name.endswith(".json") else "", encoding="utf-8")
    for name, text in (("index.html", body), ("b.html", other)):
        (site / name).write_text(f"<!doctype html><html><head><title>t</title></head><body>{text}</body></html>",
                                 encoding="utf-8")
    return site


def _verify(site: Path, cache: Path | None) -> list[str]:
    return verify.verify(site, ["index.html", "b.html"], [], (), (), cache)


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    parsed: list[str] = []
    real = site_safety.parse

    def counting(text: str):  # type: ignore[no-untyped-def]
        parsed.append(text)
        return real(text)

    monkeypatch.setattr(site_safety, "parse", counting)
    return parsed


def test_unchanged_pages_are_not_parsed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site, cache = _site(tmp_path, '<a href="b.html#top">b</a>'), tmp_path / "verify-cache.json"
    assert _verify(site, cache) == []
    assert cache.is_file()
    parsed = _no_parsing(monkeypatch)
    assert _verify(site, cache) == []
    assert parsed == []
    (site / "b.html").write_text("<!doctype html><p id='top'>changed</p>", encoding="utf-8")
    assert _verify(site, cache) == []
    assert len(parsed) == 1  # only the page whose bytes changed


def test_a_changed_page_is_audited_in_full(tmp_path: Path) -> None:
    site, cache = _site(tmp_path, "<p>fine</p>"), tmp_path / "verify-cache.json"
    assert _verify(site, cache) == []
    (site / "index.html").write_text("<!doctype html><p onclick='x()'>now bad</p>", encoding="utf-8")
    assert _verify(site, cache) == ["index.html: <p onclick> event handler (runs script)"]
    # a failed verify never becomes a remembered pass
    assert _verify(site, cache) == ["index.html: <p onclick> event handler (runs script)"]


def test_links_of_a_remembered_page_are_still_checked(tmp_path: Path) -> None:
    """An unchanged page may link to a page that changed or went away."""
    site, cache = _site(tmp_path, '<a href="b.html#top">b</a>'), tmp_path / "verify-cache.json"
    assert _verify(site, cache) == []
    (site / "b.html").write_text("<!doctype html><p id='moved'>b</p>", encoding="utf-8")
    assert _verify(site, cache) == ["index.html: link b.html#top: no anchor '#top' in b.html"]
    (site / "b.html").unlink()
    problems = _verify(site, cache)
    assert "index.html: link b.html#top points to a missing file" in problems


def test_a_theme_script_file_that_went_away_is_noticed(tmp_path: Path) -> None:
    site = _site(tmp_path, '<script src="assets/javascripts/bundle.js"></script>')
    cache = tmp_path / "verify-cache.json"
    assert _verify(site, cache) == []
    (site / "assets" / "javascripts" / "bundle.js").unlink()
    assert "index.html: <script src='assets/javascripts/bundle.js'> is not the theme's" in _verify(site, cache)


def test_a_damaged_cache_means_parsing_everything(tmp_path: Path) -> None:
    site, cache = _site(tmp_path, "<p onclick='x()'>bad</p>"), tmp_path / "verify-cache.json"
    cache.write_text("{not json", encoding="utf-8")
    assert _verify(site, cache) == ["index.html: <p onclick> event handler (runs script)"]


def test_a_cache_made_under_another_key_is_not_trusted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A verify cache committed to the repository cannot vouch for a page."""
    site, cache = _site(tmp_path, "<p>fine</p>"), tmp_path / "verify-cache.json"
    assert _verify(site, cache) == []
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "another-user"))
    parsed = _no_parsing(monkeypatch)
    assert _verify(site, cache) == []
    assert len(parsed) == 2
