"""Options and output shared by every command."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

from kmgen import diagnostics
from kmgen.diagnostics import Diagnostic

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
    """One folder given: it is the hub. Files given: check those within the hub."""
    if len(paths) == 1 and paths[0].is_dir():
        return paths[0], None
    if not paths:
        return content_dir, None
    wanted: set[str] = set()
    base = content_dir.resolve()
    for p in paths:
        resolved = p.resolve()
        if resolved.is_dir():
            prefix = resolved.relative_to(base).as_posix() if resolved.is_relative_to(base) else None
            if prefix is None:
                raise click.UsageError(f"{p} is outside the content folder {content_dir}")
            wanted.add(prefix.rstrip("/") + "/")
        elif resolved.is_relative_to(base):
            wanted.add(resolved.relative_to(base).as_posix())
        else:
            raise click.UsageError(f"{p} is outside the content folder {content_dir}")
    return content_dir, wanted


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


def emit_diagnostics(diags: list[Diagnostic], fmt: str, files: int,
                     content_dir: Path | None = None) -> dict[str, int]:
    """Print diagnostics (and a summary for people); returns the counts.
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
    summary = (f"{files} files, {counts['error']} errors, {counts['warning']} warnings"
               + (f", {counts['note']} notes" if counts["note"] else ""))
    click.echo(summary, err=fmt != "text")
    return counts


def echo_json(value: Any) -> None:
    import json

    click.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))
