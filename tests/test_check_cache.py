"""`kmgen check` answers from its last results only when nothing the checks read has changed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import page, site_config
from kmgen import checks
from kmgen.checks import result_cache
from kmgen.cli import main

BROKEN_LINK = "See [b](b.md).\n"
pytestmark = pytest.mark.usefixtures("machine_key")


def _check(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", "--content", str(root), *args])
    return result.exit_code, result.output


def _no_checking(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    runs: list[int] = []
    real = checks.run

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        runs.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(checks, "run", counted)
    return runs


def test_an_unchanged_hub_is_answered_from_the_last_run(make_hub, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_hub({"a.md": page("A", body=BROKEN_LINK), "c.md": page("C")})
    first = _check(root)
    assert first[0] == 1 and "KM50" in first[1]
    assert result_cache.cache_path(root).is_file()
    runs = _no_checking(monkeypatch)
    assert _check(root) == first
    assert runs == []
    assert _check(root, "--format", "json")[1] != first[1]  # same results, another format
    assert runs == []


def test_a_changed_page_is_checked_again(make_hub, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_hub({"a.md": page("A", body=BROKEN_LINK), "c.md": page("C")})
    assert _check(root)[0] == 1
    runs = _no_checking(monkeypatch)
    (root / "b.md").write_text(page("B"), encoding="utf-8")  # the link now has a target
    code, output = _check(root)
    assert runs == [1]
    assert code == 0 and "3 files, 0 errors" in output


def test_a_changed_markdown_setting_is_checked_again(make_hub, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_hub({"a.md": page("A")})
    _check(root)
    runs = _no_checking(monkeypatch)
    config = site_config(root.parent)
    _check(root)
    assert runs == [1]
    config.write_text(config.read_text(encoding="utf-8").replace("  - footnotes\n", ""), encoding="utf-8")
    _check(root)
    assert runs == [1, 1]


def test_the_key_covers_the_day_and_the_options(make_hub) -> None:
    root = make_hub({"a.md": page("A")})
    today = checks.CheckOptions(today=dt.date(2026, 1, 1))
    assert result_cache.fingerprint(root, today) == result_cache.fingerprint(root, today)
    assert result_cache.fingerprint(root, today) != result_cache.fingerprint(
        root, checks.CheckOptions(today=dt.date(2026, 1, 2)))
    assert result_cache.fingerprint(root, today) != result_cache.fingerprint(
        root, checks.CheckOptions(today=dt.date(2026, 1, 1), strict_freshness=True))


def test_fix_never_answers_from_the_last_run(make_hub, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_hub({"a.md": page("A")})
    _check(root)
    runs = _no_checking(monkeypatch)
    _check(root, "--fix")
    assert runs == [1]


def test_a_damaged_cache_means_checking_again(make_hub, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_hub({"a.md": page("A", body=BROKEN_LINK)})
    first = _check(root)
    result_cache.cache_path(root).write_text('{"fingerprint": 1, "diagnostics": [{"path": 3}]}', encoding="utf-8")
    runs = _no_checking(monkeypatch)
    assert _check(root) == first
    assert runs == [1]


def test_a_build_shares_its_check_results(make_hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kmgen.publish.build import publish

    root = make_hub({"index.md": page("Home", type_="page"), "a.md": page("A")})
    publish(root, tmp_path / "site", site_config(tmp_path), tmp_path / "index")
    runs = _no_checking(monkeypatch)
    code, output = _check(root)
    assert runs == [] and code == 0 and "2 files, 0 errors" in output


def test_results_planted_in_the_repository_are_not_used(make_hub, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """`.kmgen/` can be committed: results made anywhere but under this user's key never count."""
    root = make_hub({"a.md": page("A", body=BROKEN_LINK)})
    first = _check(root)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "another-user"))
    runs = _no_checking(monkeypatch)
    assert _check(root) == first
    assert runs == [1]
