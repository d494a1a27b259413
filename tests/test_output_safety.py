"""Contributed text cannot drive a terminal or a CI log through kmgen's output.

A page may hold escape sequences (window title, OSC 8 hyperlinks, OSC 52
clipboard writes, colours, screen clears), C1 controls, bidi overrides and
newlines followed by `::error ...`: every command that prints contributed text
shows them as visible escapes, and no format can print a line a GitHub runner
would read as a workflow command.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import MINI_TAXONOMY, REVIEWED, page, run_kmgen
from kmgen.diagnostics import Diagnostic, json_safe, printable

# YAML double-quoted escapes: \e is ESC, \a BEL, \x9B the one-character CSI.
EVIL_YAML = (r"Registration \e]0;owned\a \e]8;;https://evil.example/\e\\click\e]8;;\e\\ "
             r"\e]52;c;ZXZpbA==\a \u202Egnp.exe \x9B31m \e[2J done")
EVIL = "Registration \x1b]0;owned\x07 \x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\ " \
       "\x1b]52;c;ZXZpbA==\x07 \u202egnp.exe \x9b31m \x1b[2J done"
SPOOF_YAML = r"nonsense\n::error file=README.md,line=1::spoofed\r\n##[error]legacy"
# Anything a terminal acts on: C0 but line feed and tab, DEL, C1, bidi overrides, line separators.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def test_printable_escapes_every_kind_of_control() -> None:
    assert printable(EVIL) == (r"Registration \x1b]0;owned\x07 \x1b]8;;https://evil.example/\x1b\click"
                               r"\x1b]8;;\x1b\ \x1b]52;c;ZXZpbA==\x07 \u202egnp.exe \x9b31m \x1b[2J done")
    assert printable("a\nb\r\tc\u2028") == r"a\nb\r\tc\u2028"
    assert printable("a\nb\tc\x1b", keep_newlines=True) == "a\nb\tc\\x1b"
    assert printable("ordinary text: é, 中文, עברית, \u200d emoji joiner") == \
        "ordinary text: é, 中文, עברית, \u200d emoji joiner"
    assert json.loads(json_safe(json.dumps(EVIL, ensure_ascii=False))) == EVIL
    assert not UNSAFE.search(json_safe(json.dumps(EVIL, ensure_ascii=False)))


def test_a_diagnostic_is_one_line_in_every_format() -> None:
    d = Diagnostic("::warning file=README.md::x.md", 3, "KM210", "error", "bad\n::error file=README.md::pwn", "h")
    assert d.to_text() == r":\:warning file=README.md:\:x.md:3: KM210 error: bad\n::error file=README.md::pwn (h)"
    assert d.to_github("content/") == ("::error file=content/%3A%3Awarning file=README.md%3A%3Ax.md,line=3,"
                                       "title=KM210::bad%0A::error file=README.md::pwn Hint: h")


def _workflow_commands(text: str) -> list[str]:
    """Lines a GitHub runner would act on: `::cmd` at the start (leading blanks
    ignored), or the legacy `##[cmd]` anywhere."""
    return [line for line in text.splitlines() if line.lstrip().startswith("::") or "##[" in line]


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_front_matter_cannot_spoof_workflow_commands(make_hub, fmt: str) -> None:
    root = make_hub({"bad.md": page(extra=f'audience: ["{SPOOF_YAML}"]\n'),
                     "::warning file=README.md,line=1::x.md": page(extra="sumary: x\n")})
    found = json.loads(run_kmgen("check", "--format", "json", cwd=root.parent).stdout)
    assert any("\n::error file=README.md" in d["message"] for d in found), "the data itself is kept as written"
    proc = run_kmgen("check", "--format", fmt, cwd=root.parent)
    assert proc.returncode == 1
    commands = _workflow_commands(proc.stdout + proc.stderr)
    if fmt == "github":
        assert len(commands) == len(found)
        assert all(re.match(r"::(error|warning|notice) file=content/(bad\.md|%3A%3Awarning file=README\.md%2Cline=1"
                            r"%3A%3Ax\.md)(,line=\d+)?,title=KM\d+::", c) for c in commands), commands
    else:
        assert commands == []


@pytest.fixture
def hostile_hub(make_hub) -> Path:
    taxonomy = MINI_TAXONOMY.replace("{id: health, label: Health,",
                                     '{id: health, label: "Health \\e]8;;https://evil.example/\\e\\\\",')
    body = f"Registration and payments, the words that matter here: \x1b[31m{EVIL}\x1b[0m.\n"
    files = {
        "evil.md": page(title=EVIL_YAML, summary=EVIL_YAML, extra="sector: [health]\n", body=body).replace(
            f"last_reviewed: {REVIEWED}", "last_reviewed: 2001-01-01"),
        "twin.md": page(title="Registration twin", extra="sector: [health]\n", body=body),
        "other.md": page(title="Registration and payments", extra="sector: [health]\n",
                         body="Registration and payments are what matter.\n"),
    }
    return make_hub(files, taxonomy=taxonomy).parent


COMMANDS = [
    ("check",), ("check", "--format", "json"), ("links",), ("index",),
    ("search", "registration"), ("search", "registration", "--counts", "--format", "json"),
    ("related", "content/evil.md"), ("related", "content/other.md"), ("related", "content/evil.md", "--format", "json"),
    ("duplicates",), ("duplicates", "--format", "json"), ("duplicates", "--threshold", "0.3"),
    ("tag", "--min-confidence", "0"), ("tag", "--format", "json", "--min-confidence", "0"),
    ("report", "freshness"), ("report", "freshness", "--format", "json"),
    ("report", "coverage", "--facets", "sector,type"), ("report", "coverage", "--facets", "sector,type",
                                                        "--format", "markdown"),
    ("taxonomy", "show"), ("taxonomy", "unused"), ("taxonomy", "export"),
]


def test_no_command_prints_a_control_character_from_contributed_text(hostile_hub: Path) -> None:
    seen_evil = 0
    for args in COMMANDS:
        proc = run_kmgen(*args, cwd=hostile_hub)
        assert "Traceback" not in proc.stderr, (args, proc.stderr)
        out = proc.stdout + proc.stderr
        assert not UNSAFE.search(out), (args, UNSAFE.findall(out), out)
        seen_evil += "evil.example" in out
    # The loader now refuses controls in single-line fields (KM240, KM242), so evil.md's title and
    # summary reach fewer commands than before; its body and the taxonomy still reach these.
    assert seen_evil >= 8, "the hostile text must reach the output (escaped) for this test to mean anything"


def test_json_output_keeps_the_text_exactly(hostile_hub: Path) -> None:
    run_kmgen("index", cwd=hostile_hub, check=True)
    found = json.loads(run_kmgen("search", "registration", "--format", "json", cwd=hostile_hub).stdout)
    # evil.md itself is refused (controls in its title); twin.md carries the same text in its body.
    assert any("\x1b]0;owned\x07 \x1b]8;;" in s for s in _strings(found)), \
        "JSON escapes controls, and a parser reads back exactly what was written"


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_ingest_prints_no_control_character_from_the_source(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    (source / "evil.md").write_text(f"---\ntitle: \"{EVIL_YAML}\"\n---\n\n{EVIL}\n", encoding="utf-8")
    (source / "e\x1b]0;owned\x07\u202egnp.md").write_text("# Plain\n\nText.\n", encoding="utf-8")
    hub = tmp_path / "hub" / "content"
    hub.mkdir(parents=True)
    (hub / "taxonomy.yml").write_text(MINI_TAXONOMY, encoding="utf-8")
    for fmt in ("text", "json"):
        proc = run_kmgen("ingest", str(source), "--into", str(hub / "imported"), "--from", "markdown",
                         "--dry-run", "--format", fmt)
        assert "Traceback" not in proc.stderr, proc.stderr
        out = proc.stdout + proc.stderr
        assert not UNSAFE.search(out), (fmt, UNSAFE.findall(out))
        if fmt == "json":  # the text report gives counts; the JSON one names every file
            assert "owned" in out, "the hostile file name must reach the output (escaped)"
