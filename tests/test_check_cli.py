"""`kmgen check` and `kmgen new` through the installed console script."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import page, run_kmgen
from kmgen.schema import TYPES


def test_check_text_output_and_exit_codes(make_hub, tmp_path: Path) -> None:
    root = make_hub({"good.md": page(), "bad.md": page(extra="sumary: x\n")})
    proc = run_kmgen("check", str(root))
    assert proc.returncode == 1
    assert "bad.md:7: KM210 error: unknown field 'sumary' (did you mean 'summary'?)" in proc.stdout
    assert proc.stdout.strip().endswith("2 files, 1 error, 0 warnings")
    (root / "bad.md").unlink()
    ok = run_kmgen("check", str(root))
    assert ok.returncode == 0, ok.stdout
    assert "1 file, 0 errors, 0 warnings" in ok.stdout


def test_check_json_and_github(make_hub) -> None:
    root = make_hub({"bad.md": page(extra="audience: [civil servents, nonsense]\n")})
    out = json.loads(run_kmgen("check", str(root), "--format", "json").stdout)
    assert [(d["path"], d["line"], d["code"], d["severity"], d["field"]) for d in out] == [
        ("bad.md", 7, "KM310", "error", "audience"),
        ("bad.md", 7, "KM312", "note", "audience"),
    ]
    # Run from the repository root, as a workflow does: annotations name the file
    # by its path in the repository so GitHub puts them on the changed line.
    gh = run_kmgen("check", "--format", "github", cwd=root.parent).stdout.splitlines()
    assert gh[0].startswith("::error file=content/bad.md,line=7,title=KM310::unknown term 'nonsense'")
    assert gh[1].startswith("::notice file=content/bad.md,line=7,title=KM312::")


def test_check_selected_files_only(make_hub, tmp_path: Path) -> None:
    root = make_hub({"a.md": page(extra="sumary: x\n"), "b/c.md": page(extra="sumary: x\n")})
    proc = run_kmgen("check", str(root / "b" / "c.md"), "--content", str(root))
    assert "b/c.md" in proc.stdout and "a.md:" not in proc.stdout


@pytest.mark.parametrize("type_id", list(TYPES))
def test_new_writes_a_page_that_check_guides_to_valid(make_hub, type_id: str) -> None:
    root = make_hub({})
    proc = run_kmgen("new", type_id, "--title", "Paying farmers: a first look", "--content", str(root))
    assert proc.returncode == 0, proc.stderr
    path = root / TYPES[type_id].folder / "paying-farmers-a-first-look.md"
    assert path.exists()
    again = run_kmgen("new", type_id, "--title", "Paying farmers: a first look", "--content", str(root))
    assert again.returncode == 1 and "already exists" in again.stderr
    result = json.loads(run_kmgen("check", str(root), "--format", "json").stdout)
    assert result and {d["code"] for d in result} == {"KM230"}, result
    placeholders = [(d["line"], d["field"]) for d in result]
    assert len(placeholders) == len(set(placeholders)), f"a placeholder reported twice: {result}"
    text = path.read_text()
    fills = {"summary": '"A short look at paying farmers."', "owner": '"Agri CoP"', "country": "Kenya",
             "period": '"2020-2022"', "community": '"Agri CoP"', "audience": "[civil-servants]",
             "delivery": "[e-learning]"}
    lines = []
    for line in text.splitlines():
        key = line.split(":", 1)[0]
        lines.append(f"{key}: {fills[key]}" if key in fills and "FILL IN" in line else line)
    path.write_text("\n".join(lines) + "\n")
    final = run_kmgen("check", str(root))
    assert final.returncode == 0, final.stdout


def test_help_has_examples() -> None:
    for cmd in ("check", "new"):
        out = run_kmgen(cmd, "--help").stdout
        assert "Example" in out, cmd


def test_summary_counts_every_file_looked_at_and_the_unreadable_ones(make_hub) -> None:
    root = make_hub({"good.md": page(), "latin1.md": page().encode("utf-8") + b"caf\xe9\n",
                     "sub/huge.md": page(body="x" * (2 * 1024 * 1024))})
    proc = run_kmgen("check", "--content", str(root))
    assert proc.returncode == 1
    printed = proc.stdout.splitlines()[:-1]
    assert {line.split(":")[0] for line in printed} == {"latin1.md", "sub/huge.md"}
    assert proc.stdout.splitlines()[-1] == f"3 files (2 could not be read), {len(printed)} errors, 0 warnings"


def test_error_count_equals_the_printed_list_when_a_line_repeats_a_link(make_hub, tmp_path: Path) -> None:
    root = make_hub({"a.md": page(body="[x](gone.md) and again [x](gone.md), [y](gone.md)\n")})
    proc = run_kmgen("check", "--content", str(root))
    printed = proc.stdout.splitlines()[:-1]
    assert len(printed) >= 1 and len(set(printed)) == len(printed)
    assert proc.stdout.splitlines()[-1] == f"1 file, {len(printed)} error{'s' if len(printed) > 1 else ''}, 0 warnings"
