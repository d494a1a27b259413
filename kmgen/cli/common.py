"""Options and output shared by every command."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click
from click.core import ParameterSource

from kmgen import diagnostics, sources
from kmgen.diagnostics import Diagnostic, json_safe, printable
from kmgen.hub import Hub
from kmgen.taxonomy import TAXONOMY_FILE

T = TypeVar("T")

FORMATS = click.Choice(["text", "json", "github"])
format_option = click.option("--format", "fmt", type=FORMATS, default="text", show_default=True,
                             help="text for people, json for machines, github for workflow annotations.")
json_format_option = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                                  show_default=True, help="text for people, json for machines.")
content_option = click.option("--content", "content_dir", type=click.Path(file_okay=False, path_type=Path),
                              default=Path("content"), show_default=True, help="The hub's content folder.")
index_option = click.option("--index-dir", type=click.Path(file_okay=False, path_type=Path),
                            default=Path(".kmgen/index"), show_default=True, help="Where the search index lives.")


def progress(items: Iterable[T], label: str, total: int | None = None) -> Iterator[T]:
    """Progress on stderr for long work; silent when there is little to do."""
    seq = list(items)
    if len(seq) < 50:
        yield from seq
        return
    with click.progressbar(seq, label=label, file=sys.stderr, length=total) as bar:
        yield from bar


def root_and_filter(paths: tuple[Path, ...], content_dir: Path) -> tuple[Path, set[str] | None]:
    """The hub's content folder, and the pages chosen within it (None: every page).

    A folder or file argument selects pages of a hub, never a hub of its own: the
    hub is `--content` when it was given or holds the paths, else the folder found
    by walking up from them (see `enclosing_hub`). Its pages are then checked with
    the whole hub's context, exactly as in a full run."""
    if not paths:
        return content_dir, None
    if len(paths) == 1 and paths[0].is_symlink() and paths[0].is_dir():
        # Resolving would read through the link; as the hub, the loader refuses it (KM244).
        return paths[0], None
    resolved = [p.resolve() for p in paths]
    root = _hub_of(paths, resolved, content_dir)
    base = root.resolve()
    wanted: set[str] = set()
    for given, path in zip(paths, resolved, strict=True):
        if not path.is_relative_to(base):
            raise click.UsageError(f"{given} is outside the content folder {root}")
        rel = path.relative_to(base).as_posix()
        if rel == ".":
            return root, None
        wanted.add(rel + "/" if path.is_dir() else rel)
    return root, wanted


def _content_given() -> bool:
    context = click.get_current_context(silent=True)
    if context is None:
        return True
    source = context.get_parameter_source("content_dir")
    return source is not None and source is not ParameterSource.DEFAULT


def _hub_of(paths: tuple[Path, ...], resolved: list[Path], content_dir: Path) -> Path:
    if _content_given() or (content_dir.is_dir()
                            and all(p.is_relative_to(content_dir.resolve()) for p in resolved)):
        return content_dir
    found = {enclosing_hub(p) for p in resolved}
    if None not in found and len(found) == 1:
        return _shown(found.pop())  # type: ignore[arg-type]
    if len(paths) == 1 and resolved[0].is_dir():
        return paths[0]  # a folder in no hub: take it as one, and its own problems say what it lacks
    if None in found:
        lost = next(given for given, p in zip(paths, resolved, strict=True) if enclosing_hub(p) is None)
        raise click.UsageError(f"{lost} is not in a hub: no folder above it holds {TAXONOMY_FILE} or is the "
                               "docs_dir of a mkdocs.yml; pass --content")
    raise click.UsageError("the paths belong to different hubs: " + ", ".join(sorted(str(h) for h in found)))


def enclosing_hub(path: Path) -> Path | None:
    """The content folder holding `path`: the nearest folder at or above it that holds
    the taxonomy, or that a mkdocs.yml beside it names as its docs_dir."""
    start = path if path.is_dir() else path.parent
    for folder in (start, *start.parents):
        if (folder / TAXONOMY_FILE).is_file() or _docs_dir(folder.parent) == folder:
            return folder
    return None


_DOCS_DIR = re.compile(r"""^docs_dir:\s*['"]?([^'"#\s]+)""", re.MULTILINE)


def _docs_dir(folder: Path) -> Path | None:
    # A line match, not a YAML load: mkdocs.yml often holds !!python/name tags.
    for name in ("mkdocs.yml", "mkdocs.yaml"):
        try:
            text = (folder / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        match = _DOCS_DIR.search(text)
        return (folder / (match.group(1) if match else "docs")).resolve()
    return None


def _shown(path: Path) -> Path:
    """A found folder as the user would write it: relative to here when below it."""
    here = Path.cwd().resolve()
    return path.relative_to(here) if path.is_relative_to(here) and path != here else path


def selected(path: str, wanted: set[str] | None) -> bool:
    if wanted is None:
        return True
    return path in wanted or any(w.endswith("/") and (path.startswith(w) or w == "./") for w in wanted)


def repo_prefix(content_dir: Path | None) -> str:
    """The content folder as a path prefix relative to the working directory (where a
    workflow runs: the repository root), so annotations land on the right files."""
    if content_dir is None:
        return ""
    path, here = content_dir.resolve(), Path.cwd().resolve()
    if path == here:
        return ""
    try:
        return path.relative_to(here).as_posix() + "/"
    except ValueError:  # outside the working directory: an absolute path still names it
        return path.as_posix() + "/"


def plural(count: int, word: str) -> str:
    """'1 file', '2 files', '0 files'."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def page_counts(hub: Hub, wanted: set[str] | None) -> tuple[int, int]:
    """(pages looked at, pages that could not be read) among those chosen: a page
    that failed to load is still a file the run looked at."""
    pages, _assets, _problems = sources.scan(hub.root)
    chosen = [p for p in pages if selected(p, wanted)]
    return len(chosen), sum(1 for p in chosen if p not in hub.documents)


def emit_diagnostics(diags: list[Diagnostic], fmt: str, files: int,
                     content_dir: Path | None = None, unreadable: int = 0) -> dict[str, int]:
    """Print diagnostics (and a summary for people); returns the counts, which are
    counts of the printed list (identical diagnostics are printed, and counted, once).
    Paths stay relative to the content folder, except in GitHub annotations,
    which need them relative to the repository (`content_dir` is prefixed)."""
    ordered = diagnostics.sort(diags)
    counts = diagnostics.count(ordered)
    if fmt == "json":
        click.echo(diagnostics.to_json(ordered))
    elif fmt == "github":
        prefix = repo_prefix(content_dir)
        for d in ordered:
            click.echo(d.to_github(prefix))
    else:
        for d in ordered:
            click.echo(d.to_text())
    read = f" ({unreadable} could not be read)" if unreadable else ""
    summary = (f"{plural(files, 'file')}{read}, {plural(counts['error'], 'error')}, "
               f"{plural(counts['warning'], 'warning')}"
               + (f", {plural(counts['note'], 'note')}" if counts["note"] else ""))
    click.echo(summary, err=fmt != "text")
    return counts


def say(text: str = "", err: bool = False, nl: bool = True) -> None:
    """Print human output: every line kmgen lays out may hold contributed text
    (titles, summaries, labels, file names), so no control character reaches the
    terminal as one (see `diagnostics.printable`)."""
    click.echo(printable(text, keep_newlines=True), err=err, nl=nl)


def echo_json(value: Any) -> None:
    import json

    click.echo(json_safe(json.dumps(value, indent=2, ensure_ascii=False, default=str)))
