"""Parser stress (issue 11): no traceback, each page rejected with the exact
code and line or built, and time bounded by the render budget (no timed
assertion: the budget itself is what bounds it)."""

from __future__ import annotations

import json
from pathlib import Path

from stress_pages import Stress, stress_pages

from conftest import MINI_TAXONOMY, page, run_kmgen, site_config

BODY = 8  # page() has 6 front-matter lines between its fences: the body starts on line 8


def _errors(stdout: str) -> dict[str, list[tuple[str, int]]]:
    found: dict[str, list[tuple[str, int]]] = {}
    for d in json.loads(stdout):
        if d["severity"] == "error":
            found.setdefault(d["path"], []).append((d["code"], d["line"]))
    return found


def _verdict_holds(case: Stress, errors: list[tuple[str, int]]) -> bool:
    if case.rejected is not None:
        return errors == [(case.rejected[0], BODY + case.rejected[1])]
    if case.either:
        # A stack-limit failure names the first line whose prefix fails: somewhere deep in the list.
        return len(errors) == 1 and any(code == errors[0][0] and (line < 0 or BODY + line == errors[0][1])
                                        for code, line in case.either)
    return errors == []


def test_parser_stress_pages_are_rejected_with_code_and_line_or_built(tmp_path: Path) -> None:
    root = tmp_path / "content"
    root.mkdir()
    (root / "taxonomy.yml").write_text(MINI_TAXONOMY, encoding="utf-8")
    (root / "index.md").write_text(page("Home", type_="page"), encoding="utf-8")
    cases = stress_pages()
    for name, case in cases.items():
        (root / name).write_text(page(name, body=case.body), encoding="utf-8")
    config = site_config(tmp_path)

    checked = run_kmgen("check", "--format", "json", "--content", str(root), cwd=tmp_path)
    assert "Traceback" not in checked.stderr, checked.stderr
    errors = _errors(checked.stdout)
    wrong = {name: errors.get(name, []) for name, case in cases.items() if not _verdict_holds(case, errors.get(name, []))}
    assert wrong == {}
    assert set(errors) <= set(cases)

    for name in errors:
        (root / name).unlink()
    built = run_kmgen("build", "--content", str(root), "--config", str(config), "--site-dir", str(tmp_path / "site"),
                      "--index-dir", str(tmp_path / "index"), cwd=tmp_path)
    assert "Traceback" not in built.stderr, built.stderr
    assert built.returncode == 0, built.stdout + built.stderr
    for name in set(cases) - set(errors):
        assert (tmp_path / "site" / name.replace(".md", ".html")).is_file(), name
