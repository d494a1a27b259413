"""`kmgen ingest`: bring another generator's hub into a collection of this one."""

from __future__ import annotations

import json
from pathlib import Path

import click

from kmgen import schema
from kmgen.cli.common import echo_json, json_format_option, progress, say
from kmgen.writes import write_atomic


def register(main: click.Group) -> None:
    main.add_command(ingest)


@click.command()
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--into", "into", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="The collection folder inside the hub's content folder, e.g. content/guides/.")
@click.option("--from", "source_format", type=click.Choice(["auto", "hugo", "jekyll", "eleventy", "gitbook",
                                                            "markdown"]),
              default="auto", show_default=True, help="The source's generator; auto detects it and says why.")
@click.option("--map", "mapping_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A mapping file changing the default mapping (see docs/ingest/).")
@click.option("--dry-run", is_flag=True, help="Report only: write nothing.")
@click.option("--collection", help="The collection's name (default: the --into folder's name).")
@click.option("--license", "license_id", help="SPDX licence id of the material, e.g. CC0-1.0, OGL-UK-3.0.")
@click.option("--attribution", help="Attribution text the licence asks for, shown on every page.")
@click.option("--source-url", help="The upstream repository, recorded as provenance on every page.")
@click.option("--site-root", default="", help="How the source site addressed its pages: a path such as "
              "/service-manual, or its address https://example.gov/service-manual.")
@click.option("--report", "report_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the JSON report here.")
@json_format_option
def ingest(source: Path, into: Path, source_format: str, mapping_file: Path | None, dry_run: bool,
           collection: str | None, license_id: str | None, attribution: str | None, source_url: str | None,
           site_root: str, report_file: Path | None, fmt: str) -> None:
    """Ingest a Hugo, Jekyll, Eleventy, GitBook or plain Markdown tree into a collection.

    The source is only read. Every file is accounted for: ingested, skipped (with
    the rule that skipped it) or failed (with the reason). Running it again
    changes only what changed upstream; a page edited in the hub since the last
    ingest is reported as a conflict and never overwritten.

    \b
    Examples:
      kmgen ingest ../guides --into content/guides/ --license CC0-1.0 --dry-run
      kmgen ingest ../handbook --into content/handbook/ --from jekyll --site-root /
      kmgen ingest ../docs --into content/docs/ --map docs/ingest/gitbook.yml --format json
    """
    from kmgen.ingest.mapping import MappingError, default_mapping, load_mapping
    from kmgen.ingest.run import Options
    from kmgen.ingest.run import ingest as run_ingest
    from kmgen.ingest.sourcetree import open_tree
    from kmgen.taxonomy import load_taxonomy

    into = into.resolve()
    content_root = _content_root(into)
    if source.resolve() == content_root or content_root.is_relative_to(source.resolve()):
        raise click.UsageError("the source must not contain the hub's content folder")
    tree = open_tree(source.resolve(), source_format)
    if fmt == "text":
        say(f"source format: {tree.format} ({tree.why})", err=True)
    try:
        mapping = (load_mapping(mapping_file, tree.format, (*schema.TYPES, schema.PAGE_TYPE)) if mapping_file
                   else default_mapping(tree.format))
    except MappingError as exc:
        raise click.UsageError(str(exc)) from None
    taxonomy, _diags = load_taxonomy(content_root)
    name = collection or into.name
    options = Options(into=into, collection=name, state_path=content_root.parent / ".kmgen" / "ingest" /
                      f"{name}.json", dry_run=dry_run, license=license_id, attribution=attribution,
                      source_url=source_url, site_root=site_root, site_prefix=_site_prefix(into, content_root))
    report = run_ingest(tree, mapping, taxonomy, options, progress=lambda items: progress(items, "Ingesting"))
    data = report.as_json()
    if report_file:
        write_atomic(report_file, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    # Source paths and titles are someone else's text: no control character reaches the terminal.
    if fmt == "json":
        echo_json(data)
    else:
        say(report.as_text())
    raise SystemExit(1 if report.totals()["failed"] else 0)


def _site_prefix(into: Path, content_root: Path) -> str:
    """Where the collection's pages live in the hub's site: --into inside the content folder."""
    if not into.is_relative_to(content_root):
        return into.name
    rel = into.relative_to(content_root).as_posix()
    return "" if rel == "." else rel


def _content_root(into: Path) -> Path:
    """The hub's content folder: the nearest folder above --into holding taxonomy.yml."""
    for folder in [into, *into.parents]:
        if (folder / "taxonomy.yml").is_file():
            return folder
    return into.parent
