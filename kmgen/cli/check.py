"""`kmgen check` and `kmgen new`: the contributor's commands."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from kmgen import checks, scaffold, schema
from kmgen.checks import config_guard, result_cache
from kmgen.cli.common import emit_diagnostics, format_option, progress, root_and_filter, say, selected
from kmgen.diagnostics import printable
from kmgen.hub import load_hub


def register(main: click.Group) -> None:
    main.add_command(check)
    main.add_command(new)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--content", "content_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("content"), show_default=True, help="The hub's content folder.")
@format_option
@click.option("--strict-freshness", is_flag=True, help="Make pages past their review date an error.")
@click.option("--fix", is_flag=True, help="Rewrite synonyms to canonical ids (front-matter lines only).")
@click.option("--changed-since", metavar="REF", help="Also warn about changes since git REF to files a maintainer "
              "must review (mkdocs.yml, overrides/, plugins/, .github/, the taxonomy).")
def check(paths: tuple[Path, ...], content_dir: Path, fmt: str, strict_freshness: bool, fix: bool,
          changed_since: str | None) -> None:
    """Validate pages: front matter, fields, taxonomy terms, files, links.

    Reports every problem in one pass as `path:line: CODE severity: message (hint)`
    and exits 1 if any is an error.

    \b
    Examples:
      kmgen check
      kmgen check content/case-studies/niue-civil-registration.md
      kmgen check --format github      # annotations in a pull request
      kmgen check --changed-since origin/main   # flag changes a maintainer must review
    """
    root, wanted = root_and_filter(paths, content_dir)
    if not root.is_dir():
        raise click.UsageError(f"content folder not found: {root} (run from the hub's folder or pass --content)")
    options = checks.CheckOptions(strict_freshness=strict_freshness)
    results = None if fix else _check_hub(root, options)
    if results is None:
        results = _fix_and_check(root, options, wanted)
    diags = list(results.diagnostics)
    if changed_since:
        diags.extend(config_guard.changed_protected(root, changed_since))
    shown = [d for d in diags if selected(d.path, wanted)]
    chosen = [p for p in results.pages if selected(p, wanted)]
    unreadable = set(results.unreadable)
    counts = emit_diagnostics(shown, fmt, len(chosen), root, sum(1 for p in chosen if p in unreadable))
    raise SystemExit(1 if counts["error"] else 0)


def _check_hub(root: Path, options: checks.CheckOptions) -> result_cache.CheckResults:
    """The hub's diagnostics, from the last run when nothing it read has changed."""
    key = result_cache.fingerprint(root, options)  # before reading: a later edit is not taken for this one
    known = result_cache.load(root, key)
    if known is not None:
        return known
    hub = load_hub(root, progress=lambda items: progress(items, "Checking pages"))
    results = result_cache.of_hub(hub, checks.run(hub, options))
    result_cache.save(root, key, results)
    return results


def _fix_and_check(root: Path, options: checks.CheckOptions, wanted: set[str] | None) -> result_cache.CheckResults:
    from kmgen.fixing import fix_hub

    hub = load_hub(root, progress=lambda items: progress(items, "Checking pages"))
    # Only the pages asked for are edited, however many the hub holds.
    chosen = {p: d for p, d in hub.documents.items() if selected(p, wanted)}
    changed = fix_hub(dataclasses.replace(hub, documents=chosen))
    for rel in changed:
        say(f"fixed {printable(rel)}", err=True)
    if changed:
        return _check_hub(root, options)
    return result_cache.of_hub(hub, checks.run(hub, options))


@click.command()
@click.argument("type_id", metavar="TYPE", type=click.Choice(list(schema.TYPES)))
@click.option("--title", required=True, help="The page title.")
@click.option("--content", "content_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("content"), show_default=True, help="The hub's content folder.")
@click.option("--name", help="File name without .md (default: made from the title).")
def new(type_id: str, title: str, content_dir: Path, name: str | None) -> None:
    """Start a new page of TYPE with every required field and a comment on each.

    Fill in the lines marked FILL IN; `kmgen check` lists any still left.

    \b
    Example:
      kmgen new case-study --title "Birth registration in Togo"
    """
    try:
        path = scaffold.create(content_dir, type_id, title, name=name)
    except FileExistsError as exc:
        raise click.ClickException(f"{exc.filename} already exists; pick another --title or --name") from None
    click.echo(f"created {path}")
    click.echo(f"next: fill in the FILL IN lines, then run: kmgen check {path}")
