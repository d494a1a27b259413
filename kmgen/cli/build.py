"""`kmgen build`: publish the hub into site/."""

from __future__ import annotations

from pathlib import Path

import click
import yaml

from kmgen.cli.common import content_option, emit_diagnostics, format_option, index_option, plural, progress, say
from kmgen.diagnostics import printable


def register(main: click.Group) -> None:
    main.add_command(build)


@click.command()
@content_option
@click.option("--site-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("site"),
              show_default=True,
              help="Where the site is published; the previous release is kept as <site-dir>.previous.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), default=Path("mkdocs.yml"),
              show_default=True, help="The MkDocs configuration (must enable the kmgen plugin).")
@index_option
@format_option
def build(content_dir: Path, site_dir: Path, config_file: Path, index_dir: Path, fmt: str) -> None:
    """Check, index and publish the hub as a static site, atomically.

    Runs the checks of `kmgen check` (any error stops the build, reported the
    same way), refreshes the search index, builds the site with MkDocs in strict
    mode into a fresh folder, verifies it (every accepted page built, no broken
    link or anchor, the machine-readable files present), then swaps it into
    SITE_DIR, keeping the previous release as SITE_DIR.previous. If any step
    fails, SITE_DIR is left exactly as it was.

    \b
    Examples:
      kmgen build
      kmgen build --content content --site-dir public --config mkdocs.yml
    """
    from kmgen.publish.build import BuildStopped, publish

    if not content_dir.is_dir():
        raise click.UsageError(f"content folder not found: {content_dir} (run from the hub's folder or pass --content)")
    if not config_file.is_file():
        raise click.UsageError(f"MkDocs configuration not found: {config_file} (pass --config)")
    try:
        report = publish(content_dir, site_dir, config_file, index_dir,
                         progress=lambda items: progress(items, "Loading pages"))
    except BuildStopped as stop:
        message = stop.message
        if stop.diagnostics:
            counts = emit_diagnostics(stop.diagnostics, fmt, stop.files, content_dir)
            if stop.stage == "check":  # the count of the list just printed, not of the raw one
                message = f"{plural(counts['error'], 'error')} in the content"
        for line in stop.details:
            say(f"  {printable(line)}", err=True)
        say(f"build stopped ({stop.stage}): {printable(message)}; {site_dir} was not changed", err=True)
        raise SystemExit(1) from None
    except OSError as exc:  # a full disk or a read-only folder outside the steps that report their own
        where = f" {exc.filename}" if exc.filename else ""
        say(f"build stopped: cannot write{printable(str(where))}: {exc.strerror or exc}; {site_dir} was not changed",
            err=True)
        raise SystemExit(1) from None
    for line in _placeholder_warnings(config_file):
        click.echo(f"warning: {line}", err=True)
    warnings = sum(1 for d in report.diagnostics if d.severity == "warning")
    if warnings:
        click.echo(f"{plural(warnings, 'warning')} (run 'kmgen check' to see them)", err=True)
    if report.left_out:
        emit_diagnostics(report.left_out, fmt, len({d.path for d in report.left_out}), content_dir)
        say(f"left out {plural(len({d.path for d in report.left_out}), 'page')} the renderer could not take "
            "(listed above); the rest of the hub is published", err=True)
    kept = f"; previous release in {report.previous}" if report.previous else ""
    click.echo(f"published {plural(report.pages, 'page')} and {plural(report.generated, 'generated page')} "
               f"({plural(report.files, 'file')}) to {site_dir}{kept}")
    if not report.indexed:
        click.echo("note: search index not built (kmgen.index is not available)", err=True)


def _placeholder_warnings(config_file: Path) -> list[str]:
    from kmgen.publish import placeholders

    try:  # mkdocs.yml may use MkDocs' own YAML tags (!ENV ...): read only the plain keys
        data = yaml.load(config_file.read_text(encoding="utf-8"), Loader=_PlainLoader)
    except (OSError, yaml.YAMLError):
        return []
    return placeholders.warnings(data) if isinstance(data, dict) else []


class _PlainLoader(yaml.SafeLoader):
    """Safe YAML that reads an unknown tag's value as plain data instead of failing."""


_PlainLoader.add_multi_constructor("", lambda loader, _suffix, node: None)
