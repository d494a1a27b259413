"""Hostile corpus for loading: YAML safety, types and keys, delimiters and encodings,
paths and files. Every fixture is generated here; each names the exact diagnostics
`kmgen check` must give it (file, line, code), and the run must end without a traceback."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import MINI_TAXONOMY, REVIEWED, made_up_words, run_kmgen

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
Expected = set[tuple[int, str]]  # (line, code) of every diagnostic for the file, notes included


def fm(*extra: str, title: str = '"Case"', owner: str = '"Test CoP"', reviewed: str = REVIEWED,
       close: str = "---", body: str = "") -> str:
    """A guideline page: lines 2-6 are title, summary, type, owner, last_reviewed; extras from line 7."""
    lines = ["---", f"title: {title}", 'summary: "A case."', "type: guideline", f"owner: {owner}",
             f"last_reviewed: {reviewed}", *extra, close]
    return "\n".join(lines) + "\n" + body


YAML_SAFETY: dict[str, tuple[bytes, Expected]] = {
    "python-tag.md": (b'---\ntitle: !!python/object/apply:os.system ["touch /tmp/kmgen-pwned"]\n---\n',
                      {(2, "KM132")}),
    "ruby-tag.md": (b"---\ntitle: !ruby/object:Gem::Installer x\n---\n", {(2, "KM132")}),
    "set-tag.md": (b"---\ntitle: !!set {a: null}\n---\n", {(2, "KM132")}),
    "laughs.md": (b'---\na: &a ["lol", "lol"]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n---\n', {(2, "KM131")}),
    "merge-key.md": (fm("base: &b {x: 1}", "other:", "  <<: *b").encode(), {(7, "KM131")}),
    "deep.md": (b"---\nx: " + b"[" * 200 + b"\n---\n", {(2, "KM133")}),
    "deep-block.md": (("---\n" + "".join("  " * i + f"k{i}:\n" for i in range(30)) + "---\n").encode(),
                      {(22, "KM133")}),
    "big-front-matter.md": (b"---\nsummary: '" + b"a" * (65 * 1024) + b"'\n---\n", {(1, "KM114")}),
    "big-file.md": (fm().encode() + b"x" * (1024 * 1024), {(0, "KM102")}),
}

TYPES_AND_KEYS: dict[str, tuple[bytes, Expected]] = {
    "int-key.md": (fm("1: a").encode(), {(7, "KM134")}),
    "bool-key.md": (fm("yes: a").encode(), {(7, "KM134")}),
    "duplicate.md": (fm('title: "again"').encode(), {(7, "KM135")}),
    "country-no.md": (fm("country: NO").encode(), {(7, "KM220")}),
    "float-title.md": (fm(title="1.10").encode(), {(2, "KM220")}),
    "impossible-date.md": (fm(reviewed="2026-02-30").encode(), {(6, "KM221")}),
    "list-title.md": (fm(title="[a, b]").encode(), {(2, "KM220")}),
    "source-meta-text.md": (fm("source_meta: layout post").encode(), {(7, "KM220")}),
    "source-meta-ok.md": (fm("source_meta:", "  layout: post", "  weight: 3", "  menu: {main: [1, 2]}").encode(),
                          set()),
    "rlo-title.md": (fm(title='"Invoice \u202egpj.exe"').encode(), {(2, "KM240")}),
    "isolate-owner.md": (fm(owner='"\u2067CoP\u2069"').encode(), {(5, "KM240")}),
    "bidi-item.md": (fm("contributors:", "  - Ana", '  - "\u202dBo"').encode(), {(9, "KM240")}),
    "zero-width-title.md": (fm(title='"Sa\u200bfe"').encode(), {(2, "KM241")}),
    "joiners-ok.md": (fm(title='"\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 \U0001F469\u200d\U0001F4BB"').encode(),
                      set()),
    "newline-title.md": (fm(title='"a\\nb"').encode(), {(2, "KM242")}),
    "escape-owner.md": (fm(owner='"x\\e]0;pwned\\a"').encode(), {(5, "KM242")}),
    "folded-title-ok.md": (fm(title=">\n  A folded\n  title").encode(), set()),
    "foreign-key.md": (fm("layout: post").encode(), {(7, "KM210")}),
}

DELIMITERS_AND_ENCODINGS: dict[str, tuple[bytes, Expected]] = {
    "no-close.md": (b"---\ntitle: a\n", {(1, "KM113")}),
    "toml.md": (b'+++\ntitle = "a"\n+++\n', {(1, "KM111")}),
    "json.md": (b'{\n"title": "a"\n}\n', {(1, "KM111")}),
    "latin1.md": (fm(title='"caf\xe9"').encode("latin-1"), {(2, "KM103")}),
    "nul.md": (fm(body="line one\n\x00\n").encode(), {(9, "KM103")}),
    "utf16.md": (fm().encode("utf-16"), {(1, "KM103")}),
    "quirks.md": (b"\xef\xbb\xbf\r\n" + fm(close="...").rstrip("\n").replace("\n", "\r\n").encode(),
                  {(1, "KM104"), (1, "KM105"), (2, "KM140"), (8, "KM141"), (8, "KM106")}),
    "cr-only.md": (fm(body="Body.\n").replace("\n", "\r").encode(), {(1, "KM105")}),
    "thematic-break.md": (b"\n---\n\nBody text.\n\n---\n", {(1, "KM201")}),
    "dots-in-body.md": (fm(body="Wait...\n...\n---\n").encode(), set()),
    "fence-spaces.md": (fm().replace("---\n", "--- \t\n", 1).encode(), set()),
    "empty.md": (b"", {(1, "KM201")}),
    "only-fences.md": (b"---\n---\n", {(1, "KM202")}),
    "scalar.md": (b"---\njust words\n---\n", {(2, "KM121")}),
}

PATHS_AND_FILES: dict[str, tuple[bytes, Expected]] = {
    "html.png": (b"<!DOCTYPE html><script>alert(1)</script>", {(0, "KM246")}),
    "vector.png": (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', {(0, "KM246")}),
    "really-png.jpg": (PNG, {(0, "KM246")}),
    "empty.pdf": (b"", {(0, "KM246")}),
    "img/ok.png": (PNG, set()),
    "my page.md": (fm().encode(), {(0, "KM243")}),
    "a..b.md": (fm().encode(), {(0, "KM243")}),
    "-rf.md": (fm().encode(), {(0, "KM243")}),
    "x(1).md": (fm().encode(), {(0, "KM243")}),
    "it's.md": (fm().encode(), {(0, "KM801")}),
    "404.md": (fm().encode(), {(0, "KM245")}),
    "favicon.png": (PNG, {(0, "KM245")}),
    "search/index.md": (fm().encode(), {(0, "KM245")}),
    "assets/logo.png": (PNG, {(0, "KM245")}),
    "taxonomy.md": (fm().encode(), {(0, "KM245")}),
    "facets/unknown/x.md": (fm().encode(), {(0, "KM245")}),
    "types/guideline.md": (fm().encode(), {(0, "KM802")}),  # a generated page today: KM802, not twice
    "facets/audience/civil-servants.md": (fm().encode(), {(0, "KM802")}),
    "my folder/p.md": (fm().encode(), {(0, "KM243")}),
    "guides/ok.md": (fm(body="![ok](../img/ok.png)\n").encode(), set()),
}

CORPUS = {"yaml-safety": YAML_SAFETY, "types-and-keys": TYPES_AND_KEYS,
          "delimiters-and-encodings": DELIMITERS_AND_ENCODINGS, "paths-and-files": PATHS_AND_FILES}


def _unique(rel: str, data: bytes, seed: int) -> bytes:
    """Give each valid-looking page its own title and words, so no two are near-duplicates."""
    words = " ".join(made_up_words(seed, 40))
    return data.replace(b'title: "Case"', f'title: "Case {seed} {words[:30]}"'.encode()) + (
        f"\n{words}\n".encode() if rel.endswith(".md") and data.endswith(b"\n") and b"\x00" not in data else b"")


def _write(root: Path, files: dict[str, tuple[bytes, Expected]]) -> None:
    root.mkdir()
    (root / "taxonomy.yml").write_text(MINI_TAXONOMY)
    for i, (rel, (data, _expected)) in enumerate(sorted(files.items())):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_unique(rel, data, i) if data.startswith(b"---") else data)


@pytest.mark.parametrize("category", sorted(CORPUS))
def test_each_hostile_file_gets_exactly_its_diagnostics(tmp_path: Path, category: str) -> None:
    files = CORPUS[category]
    root = tmp_path / "content"
    _write(root, files)
    proc = run_kmgen("check", str(root), "--format", "json")
    assert "Traceback" not in proc.stderr and proc.returncode == 1, proc.stderr
    found: dict[str, set[tuple[int, str]]] = {}
    for d in json.loads(proc.stdout):
        found.setdefault(d["path"], set()).add((d["line"], d["code"]))
        assert d["message"] and (d["severity"] == "note" or d["hint"]), d
    assert not Path("/tmp/kmgen-pwned").exists()
    wrong = {rel: (found.get(rel, set()), expected) for rel, (_data, expected) in files.items()
             if found.get(rel, set()) != expected}
    assert not wrong, "(found, expected) per file: " + repr(wrong)
    assert set(found) <= set(files), set(found) - set(files)


def test_a_symlinked_content_folder_is_refused_and_nothing_outside_is_read(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    _write(outside, {"secret.md": (fm().encode(), set())})
    link = tmp_path / "content"
    os.symlink(outside, link)
    proc = run_kmgen("check", str(link), "--format", "json")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    diags = json.loads(proc.stdout)
    assert [(d["path"], d["line"], d["code"]) for d in diags] == [(".", 0, "KM244")]
    assert "secret" not in proc.stdout + proc.stderr


def test_a_symlinked_file_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "content"
    _write(root, {"ok.md": (fm().encode(), set())})
    (tmp_path / "secret.md").write_text(fm())
    os.symlink(tmp_path / "secret.md", root / "link.md")
    proc = run_kmgen("check", str(root), "--format", "json")
    assert [(d["path"], d["line"], d["code"]) for d in json.loads(proc.stdout)] == [("link.md", 0, "KM401")]


def test_a_taxonomy_too_large_to_publish_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    from kmgen.taxonomy import MAX_CONCEPTS

    concepts = "".join(f"      - {{id: c{i}, label: Concept {i}}}\n" for i in range(MAX_CONCEPTS + 5))
    taxonomy = ("facets:\n  - id: resource-type\n    key: type\n    label: Resource type\n    multiple: false\n"
                "    concepts:\n      - {id: guideline, label: Guideline}\n"
                "  - id: topic\n    key: topic\n    label: Topic\n    concepts:\n" + concepts)
    root = tmp_path / "content"
    root.mkdir()
    (root / "taxonomy.yml").write_text(taxonomy)
    (root / "p.md").write_text(fm())
    proc = run_kmgen("check", str(root), "--format", "json")
    assert "Traceback" not in proc.stderr
    (diag,) = [d for d in json.loads(proc.stdout) if d["code"] == "KM247"]
    assert diag["path"] == "taxonomy.yml" and diag["line"] == 12 + MAX_CONCEPTS - 1
    assert f"{MAX_CONCEPTS + 6:,} concepts; the limit is {MAX_CONCEPTS:,}" in diag["message"]
