"""Template residue in any page (KM901-KM907) and the 'imported, not yet reviewed' rule of the schema."""

from __future__ import annotations

from pathlib import Path

from conftest import page
from kmgen import checks
from kmgen.hub import load_hub


def codes(content: Path) -> list[tuple[str, int, str]]:
    return [(d.path, d.line, d.code) for d in checks.run(load_hub(content)) if d.code.startswith("KM9")]


def test_residue_in_a_hand_written_page_is_an_error_with_its_line(make_hub) -> None:
    body = ("Intro.\n\n{{< note >}}\nHi\n{{< /note >}}\n\n{% include alert.html %}\n\nA {{ page.title }} here.\n"
            "\n{: .intro}\n\nEnd&#x20;\n\nZero\u200bwidth.\n\n[x](broken-reference)\n")
    content = make_hub({"guidelines/a.md": page(body=body)})
    found = codes(content)
    # front matter is 7 lines, so the body starts on line 8
    assert found == [("guidelines/a.md", 10, "KM901"), ("guidelines/a.md", 12, "KM901"),
                     ("guidelines/a.md", 14, "KM902"), ("guidelines/a.md", 16, "KM903"),
                     ("guidelines/a.md", 18, "KM904"), ("guidelines/a.md", 20, "KM905"),
                     ("guidelines/a.md", 22, "KM906"), ("guidelines/a.md", 24, "KM907")]
    diag = next(d for d in checks.run(load_hub(content)) if d.code == "KM902")
    assert diag.severity == "error" and "!!! note" in diag.hint


def test_code_is_not_residue_and_attr_list_ids_are_fine(make_hub) -> None:
    body = ("Use `{{ value }}` inline.\n\n```yaml\nimage: {{ .Values.image }}\n{% raw %}\n```\n\n"
            "## Title { #title }\n")
    assert codes(make_hub({"guidelines/a.md": page(body=body)})) == []


def test_imported_page_needs_no_owner_or_review_until_reviewed(make_hub) -> None:
    imported = ("---\ntitle: T\nsummary: S.\ntype: guideline\nimported:\n  from: hugo\n  path: content/x.md\n"
                "source_meta:\n  weird-Key: [1, {a: b}]\n---\nBody.\n")
    reviewed = imported.replace("imported:", "last_reviewed: 2026-01-02\nimported:")
    broken = imported.replace("  from: hugo\n", "")
    content = make_hub({"guidelines/new.md": imported, "guidelines/reviewed.md": reviewed,
                        "guidelines/broken.md": broken})
    diags = [(d.path, d.code, d.field) for d in checks.run(load_hub(content)) if d.severity == "error"]
    assert ("guidelines/new.md", "KM202", "owner") not in diags
    assert ("guidelines/reviewed.md", "KM202", "owner") in diags  # a review date without an owner is half a review
    assert ("guidelines/broken.md", "KM940", "imported") in diags
    assert not [d for d in diags if d[0] == "guidelines/new.md"]
