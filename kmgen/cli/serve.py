"""`kmgen serve`: the site and its search API on a local address (and, with --watch, live preview)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import click

from kmgen.cli.common import content_option, index_option

PREVIEW_DIR = Path(".kmgen/preview")


def register(main: click.Group) -> None:
    main.add_command(serve)


@click.command()
@content_option
@click.option("--site-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("site"),
              show_default=True, help="The built site to serve (made by `kmgen build`). Not used with --watch.")
@index_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. The default answers this machine only.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option("--watch", is_flag=True,
              help="Live preview: build into .kmgen/preview/, rebuild on every change to the content, overrides/ "
                   "or the MkDocs configuration, and reload open pages. Drafts are shown, marked; problems are "
                   "shown on the pages instead of stopping the build.")
@click.option("--workers", type=click.IntRange(1, 16), default=None,
              help="Server processes (default: one a core, at most 4; always 1 with --watch).")
@click.option("--no-result-cache", is_flag=True,
              help="Answer every search afresh instead of keeping recent answers until the index changes.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), default=Path("mkdocs.yml"),
              show_default=True, help="The MkDocs configuration (with --watch).")
def serve(content_dir: Path, site_dir: Path, index_dir: Path, host: str, port: int, watch: bool,
          workers: int | None, no_result_cache: bool, config_file: Path) -> None:
    """Serve the built site with a search API backed by the hub's index.

    The site's Find page then asks the API (Whoosh ranking, synonyms, highlights,
    did-you-mean) instead of its static index. Endpoints, all GET and JSON:
    /api/search?q=WORDS&facet=KEY=VALUE&page=1&size=10, /api/suggest?q=PREFIX
    and /api/health. Run `kmgen build` first; `kmgen index` while it runs is
    picked up by the next search. With --watch it is a live preview for
    contributors instead: nothing is published.

    \b
    Examples:
      kmgen serve
      kmgen serve --port 8080 --site-dir public
      kmgen serve --watch
      kmgen serve --workers 2 --no-result-cache
      curl 'http://127.0.0.1:8000/api/search?q=CRVS&facet=type=case-study'
    """
    from kmgen.serve import server

    if watch:
        _live(content_dir, config_file, host, port)
        return
    if not (site_dir / "index.html").is_file():
        click.echo(f"note: {site_dir}/index.html not found: run 'kmgen build' first (the API works without it)",
                   err=True)
    click.echo(f"serving {site_dir} and the search API at http://{_display(host)}:{port}/ (Ctrl+C to stop)")
    server.run(site_dir, index_dir, content_dir, host, port, workers or server.default_workers(),
               0 if no_result_cache else server.RESULT_CACHE)


def _live(content_dir: Path, config_file: Path, host: str, port: int) -> None:
    import uvicorn

    from kmgen.serve import live
    from kmgen.serve.app import create_app
    from kmgen.serve.preview import BuildState, Preview

    if not content_dir.is_dir():
        raise click.UsageError(f"content folder not found: {content_dir} (run from the hub's folder or pass --content)")
    if not config_file.is_file():
        raise click.UsageError(f"MkDocs configuration not found: {config_file} (pass --config)")
    preview = Preview(content_dir, config_file, PREVIEW_DIR / "site", PREVIEW_DIR / "index")
    app: Any = create_app(preview.site_dir, preview.index_dir, content_dir, live.routes(preview),
                          live.PreviewFiles(preview.site_dir))

    def report(state: BuildState) -> None:
        if state.building:
            return
        app.state.search.reload_site()
        problems = [d for d in state.diagnostics if d.severity in ("error", "warning")]
        click.echo(f"preview build {state.number}: {state.seconds:.1f} s, {len(problems)} problems"
                   + (f"; failed: {state.failure}" if state.failure else ""))

    preview.listeners.append(report)
    preview.build()
    stop = threading.Event()
    watcher = threading.Thread(target=preview.watch, args=(stop,), daemon=True)
    watcher.start()
    click.echo(f"live preview at http://{_display(host)}:{port}/ (Ctrl+C to stop)")
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)
    finally:
        stop.set()


def _display(host: str) -> str:
    return f"[{host}]" if ":" in host else host
