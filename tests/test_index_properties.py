"""Property tests of the index and search (issues 10 and 11): for any small hub
kmgen accepts (empty bodies and hostile text included), no query string makes
search raise anything but a QueryError, in the library or the CLI; and after
any sequence of adds, changes and deletes the index holds exactly the
accepted pages."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import MINI_TAXONOMY, REVIEWED
from kmgen import index_store, search
from kmgen.cli import main
from kmgen.hub import load_hub
from kmgen.index import SCHEMA_VERSION, build_index, open_index

pytestmark = pytest.mark.usefixtures("machine_key")

# Words, markup and the characters hostile pages and queries are made of.
PIECES = ["birth", "registration", "health", "vaccination", "État", "civil", "AND", "OR", "NOT", "(", ")",
          '"', "*", "?", ":", "title:", "body:", "~", "^2", "[", "]", "{", "}", "<b>", "</", "<![", "#", "##",
          "-", "\\", "\n", "\t", "\x00", "\x1b[31m", "\u202e", "\u200b", "é", "日本", "0", "1.10", "NO", " "]
hostile_text = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from(PIECES), max_size=12).map(" ".join),
    st.lists(st.sampled_from(PIECES), max_size=12).map("".join),
)
page_spec = st.fixed_dictionaries({
    "title": hostile_text,
    "summary": hostile_text,
    "body": st.one_of(st.just(""), st.just("\n\n  \n"), hostile_text),
    "type": st.sampled_from(["guideline", "toolkit", "page"]),
    "sector": st.sampled_from(["", "sector: [health]\n", "sector: [CRVS, health]\n"]),
    "status": st.sampled_from(["published", "published", "draft"]),
})


def page_text(spec: dict[str, str]) -> str:
    # JSON strings are YAML double-quoted strings; a value YAML or kmgen rejects
    # makes the page rejected, which is fine: only accepted pages must be searchable.
    return (f"---\ntitle: {json.dumps(spec['title'])}\nsummary: {json.dumps(spec['summary'])}\n"
            f"type: {spec['type']}\nowner: \"Test CoP\"\nlast_reviewed: {REVIEWED}\nstatus: {spec['status']}\n"
            f"{spec['sector']}---\n{spec['body']}")


def write_pages(root: Path, pages: dict[str, dict[str, str]]) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "taxonomy.yml").write_text(MINI_TAXONOMY, encoding="utf-8")
    for old in root.glob("p*.md"):
        if old.name not in pages:
            old.unlink()
    for name, spec in pages.items():
        (root / name).write_text(page_text(spec), encoding="utf-8", newline="")


def indexed_paths(index_dir: Path) -> set[str]:
    ix = open_index(index_dir)
    try:
        with ix.searcher() as searcher:
            return {stored["path"] for stored in searcher.all_stored_fields()}
    finally:
        ix.close()


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(pages=st.lists(page_spec, min_size=1, max_size=4),
       queries=st.lists(st.one_of(hostile_text, st.text(max_size=200)), min_size=1, max_size=4),
       counts=st.booleans())
def test_no_query_raises_on_any_accepted_hub(pages: list[dict[str, str]], queries: list[str],
                                             counts: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root, index_dir = Path(tmp) / "content", Path(tmp) / "index"
        write_pages(root, {f"p{i}.md": spec for i, spec in enumerate(pages)})
        build_index(load_hub(root), index_dir)
        runner = CliRunner()
        for text in queries:
            try:
                search.search(index_dir, text, counts=counts)
            except search.QueryError:
                pass  # a clear refusal is an answer
            for fmt in ("text", "json"):
                args = ["search", text, "--index-dir", str(index_dir), "--content", str(root), "--format", fmt]
                result = runner.invoke(main, [*args, "--counts"] if counts else args)
                if result.exception is not None and not isinstance(result.exception, SystemExit):
                    raise result.exception
                assert result.exit_code in (0, 2), result.output


operation = st.tuples(st.sampled_from(["add", "change", "delete"]), st.integers(0, 5), page_spec)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(steps=st.lists(operation, min_size=1, max_size=6))
def test_the_index_holds_exactly_the_accepted_pages_after_any_edits(
        steps: list[tuple[str, int, dict[str, str]]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root, index_dir = Path(tmp) / "content", Path(tmp) / "index"
        pages: dict[str, dict[str, str]] = {}
        for action, slot, spec in steps:
            name = f"p{slot}.md"
            if action == "delete":
                pages.pop(name, None)
            elif action == "add" or name in pages:
                pages[name] = spec
            write_pages(root, pages)
            hub = load_hub(root)
            stats = build_index(hub, index_dir)
            accepted = {d.path for d in hub.accepted()}
            assert indexed_paths(index_dir) == accepted
            assert stats.documents == len(accepted)
            manifest, reason = index_store.read_manifest(index_dir, SCHEMA_VERSION)
            assert manifest is not None, reason
            assert set(manifest.pages) == accepted
