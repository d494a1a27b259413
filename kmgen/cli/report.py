"""`kmgen report freshness` and `kmgen report coverage`: the maintainer's view of the hub."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import click

from kmgen.cli.common import content_option, echo_json, json_format_option, progress, root_and_filter, say, selected
from kmgen.hub import Hub, load_hub


def register(main: click.Group) -> None:
    main.add_command(report)


@click.group()
def report() -> None:
    """Reports on the whole hub: what needs review, and where material is missing.

    Reports always exit 0: they inform, `kmgen check` decides.

    \b
    Examples:
      kmgen report freshness
      kmgen report coverage --facets building-block,audience
    """


def _load(paths: tuple[Path, ...], content_dir: Path) -> tuple[Hub, set[str] | None]:
    """The whole hub (a report on some pages still reads them in the hub's context)
    and the pages chosen within it."""
    content_dir, wanted = root_and_filter(paths, content_dir)
    if not content_dir.is_dir():
        raise click.UsageError(f"content folder not found: {content_dir} (run from the hub's folder or pass --content)")
    return load_hub(content_dir, progress=lambda items: progress(items, "Loading pages")), wanted


paths_argument = click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))


@report.command()
@paths_argument
@content_option
@json_format_option
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Report as of this date (YYYY-MM-DD) instead of today.")
@click.option("--within", type=click.IntRange(min=0), default=30, show_default=True,
              help="List pages due for review within this many days as 'due soon'.")
def freshness(paths: tuple[Path, ...], content_dir: Path, fmt: str, today: dt.datetime | None, within: int) -> None:
    """Pages past their review date, due soon, without a review date, and stale translations.

    Overdue pages come oldest first with their owner, due date and days
    overdue. A translation is stale when its source changed after it was
    translated (its `source_hash` no longer matches) or records no hash; the
    report prints the hash to record once the translation is brought up to date.

    \b
    Examples:
      kmgen report freshness
      kmgen report freshness --within 60 --format json
      kmgen report freshness --today 2027-01-01
      kmgen report freshness content/playbooks
    """
    from kmgen.reports import freshness as fr

    hub, wanted = _load(paths, content_dir)
    result = fr.build(hub, today.date() if today else dt.date.today(), within)
    if wanted is not None:
        result = dataclasses.replace(
            result, overdue=tuple(r for r in result.overdue if selected(r.path, wanted)),
            due_soon=tuple(r for r in result.due_soon if selected(r.path, wanted)),
            missing=tuple(r for r in result.missing if selected(r.path, wanted)),
            translations=tuple(t for t in result.translations if selected(t.path, wanted)))
    if fmt == "json":
        echo_json(fr.to_json(result))
    else:
        say(fr.to_text(result))


@report.command()
@paths_argument
@content_option
@click.option("--facets", "facet_list", default="building-block,audience,resource-type", show_default=True,
              help="Two or three facets (ids, front-matter keys or labels), comma-separated: rows, columns, "
                   "and one table per concept of the third.")
@click.option("--depth", type=click.IntRange(min=1), default=1, show_default=True,
              help="How deep into each facet's hierarchy: 1 = top concepts only (narrower ones roll up).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True, help="text for people, json for machines, markdown for a page or an issue.")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Count pages overdue for review as of this date (YYYY-MM-DD).")
def coverage(paths: tuple[Path, ...], content_dir: Path, facet_list: str, depth: int, fmt: str,
             today: dt.datetime | None) -> None:
    """The inventory matrix: accepted resources per combination of facet concepts.

    Each cell counts the resources tagged with both (or all three) concepts, or
    with anything narrower, and gives their languages and how many are overdue
    for review. Empty cells are the gaps, listed after the tables.

    \b
    Examples:
      kmgen report coverage
      kmgen report coverage --facets building-block,audience
      kmgen report coverage --facets sector,type --depth 2 --format json
      kmgen report coverage content/case-studies
    """
    from kmgen.reports import coverage as cov

    hub, wanted = _load(paths, content_dir)
    try:
        axes = cov.parse_facets(hub.taxonomy, facet_list)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--facets") from None
    matrix = cov.build([d for d in hub.resources() if selected(d.path, wanted)], hub.tags, hub.taxonomy, axes, depth,
                       today.date() if today else dt.date.today())
    if fmt == "json":
        echo_json(cov.to_json(matrix))
    elif fmt == "markdown":
        say(cov.to_markdown(matrix))
    else:
        say(cov.to_text(matrix))
