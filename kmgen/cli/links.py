"""`kmgen links`: internal links, and with --external every web address in the hub."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

import click

from kmgen.checks import CheckOptions
from kmgen.checks import external as ext
from kmgen.checks.probe import ProbeOptions
from kmgen.cli.common import (
    content_option,
    emit_diagnostics,
    format_option,
    page_counts,
    plural,
    root_and_filter,
    selected,
)
from kmgen.diagnostics import Diagnostic
from kmgen.hub import Hub, load_hub

_INTERNAL = "kmgen.checks.links"


def register(main: click.Group) -> None:
    main.add_command(links)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--external", is_flag=True, help="Also check every http(s) address (makes network requests).")
@format_option
@click.option("--timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True,
              help="Seconds allowed per address, redirects and body included.")
@click.option("--max-bytes", type=click.IntRange(min=1), default=256 * 1024, show_default=True,
              help="Most bytes read from one response.")
@click.option("--cache", "cache_path", type=click.Path(dir_okay=False, path_type=Path),
              default=ext.DEFAULT_CACHE, show_default=True,
              help="Results file; ok results are reused for 24 h, others for 1 h.")
@click.option("--no-cache", is_flag=True, help="Check every address again and write no cache.")
@content_option
def links(paths: tuple[Path, ...], external: bool, fmt: str, timeout: float, max_bytes: int,
          cache_path: Path, no_cache: bool, content_dir: Path) -> None:
    """Check links: relative links and anchors, and with --external web addresses.

    External addresses come from page bodies (links, images, reference
    definitions, autolinks, bare URLs; code is skipped) and `based_on`. Each is
    fetched once, only if its host resolves to public addresses, with a deadline,
    a byte cap and at most 2 requests per host. Exits 1 when a link is broken or
    blocked; "retry later" and "could not check" never fail a run.

    \b
    Examples:
      kmgen links
      kmgen links --external
      kmgen links --external --format github --timeout 5 content/playbooks
    """
    root, wanted = root_and_filter(paths, content_dir)
    if not root.is_dir():
        raise click.UsageError(f"content folder not found: {root} (run from the hub's folder or pass --content)")
    hub = load_hub(root)
    internal = _internal(hub, required=not external)
    diags = [d for d in internal if selected(d.path, wanted)]
    if external:
        docs = [doc for path, doc in sorted(hub.documents.items()) if selected(path, wanted)]
        options = ext.ExternalOptions(probe=ProbeOptions(timeout=timeout, max_bytes=max_bytes),
                                      cache=None if no_cache else cache_path)
        report = ext.check(docs, options, progress=_progress)
        diags.extend(report.diagnostics)
        _summary(report)
    files, unreadable = page_counts(hub, wanted)
    counts = emit_diagnostics(diags, fmt, files, root, unreadable)
    raise SystemExit(1 if counts["error"] else 0)


def _internal(hub: Hub, required: bool) -> list[Diagnostic]:
    # Imported by name so this command works before the internal check ships.
    if importlib.util.find_spec(_INTERNAL) is None:
        if required:
            raise click.ClickException("the internal link check is not available in this kmgen; "
                                       "use `kmgen links --external` for web addresses")
        return []
    module = importlib.import_module(_INTERNAL)
    found: list[Diagnostic] = module.check(hub, CheckOptions())
    return found


def _progress(done: int, total: int) -> None:
    if total and (done == total or done % 10 == 0):
        click.echo(f"checked {done}/{total} URLs", err=True)


def _summary(report: ext.Report) -> None:
    counts = report.counts()
    parts = ", ".join(f"{n} {kind.replace('-', ' ')}" for kind, n in counts.items() if n)
    click.echo(f"{plural(len(report.results), 'URL')}: {parts or 'none found'} "
               f"({report.fetched} fetched, {report.cached} from cache)", err=True)
