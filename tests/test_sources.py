"""Which files may live under content/, and URL collisions."""

from __future__ import annotations

import os
import unicodedata

from conftest import page
from kmgen.hub import load_hub


def errors(hub):
    return sorted((d.path, d.code) for d in hub.diagnostics if d.severity == "error")


def test_disallowed_files_and_symlinks(make_hub, tmp_path) -> None:
    root = make_hub({"a.md": page(), "script.js": "alert(1)", "img.png": b"\x89PNG", "doc.pdf": b"%PDF",
                     ".DS_Store": b"x"})
    outside = tmp_path / "secret.md"
    outside.write_text(page())
    os.symlink(outside, root / "link.md")
    os.symlink(tmp_path, root / "dirlink")
    hub = load_hub(root)
    assert errors(hub) == [(".DS_Store", "KM402"), ("dirlink", "KM401"), ("link.md", "KM401"),
                           ("script.js", "KM402")]
    assert hub.assets == ["doc.pdf", "img.png"]
    assert "link.md" not in hub.documents


def test_collisions_name_both_paths(make_hub) -> None:
    nfc = unicodedata.normalize("NFC", "café.md")
    nfd = unicodedata.normalize("NFD", "café.md")
    root = make_hub({"a.md": page(), "a/index.md": page(), "Guide.md": page(), "guide.md": page(),
                     f"x/{nfc}": page(), f"x/{nfd}": page(), f"y/{nfc}": page()})
    hub = load_hub(root)
    by_path = {d.path: d.message for d in hub.diagnostics if d.code == "KM403"}
    assert "a/index.md" in by_path["a.md"] and "a.md" in by_path["a/index.md"]
    assert "guide.md" in by_path["Guide.md"]
    assert f"x/{nfc}" in by_path[f"x/{nfd}"]
    assert f"y/{nfc}" not in by_path


def test_page_times_lists_exactly_the_pages_scan_finds(make_hub, tmp_path) -> None:
    """The staleness note lists pages with their times in one cheap walk; it must see the
    same pages as the full scan (no hidden files, no data files, no links followed)."""
    import os

    from kmgen import sources

    content = make_hub({"a.md": "x", "sub/B.MD": "x", "sub/deep/c.md": "x", ".hidden.md": "x",
                        "sub/.d.md": "x", "notes.txt": "x", "pic.png": b"\x89PNG\r\n\x1a\n", "kmgen.yml": "x",
                        "sub/taxonomy.yml": "x", ".git/HEAD.md": "x"})
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "o.md").write_text("x")
    os.symlink(outside, content / "linked")
    os.symlink(outside / "o.md", content / "link.md")
    times = sources.page_times(content)
    assert sorted(times) == sources.scan(content)[0]
    assert times["a.md"] == (content / "a.md").stat().st_mtime_ns
    assert sources.page_times(content / "missing") == {}
