"""`kmgen serve`: the site and its search API on a local address (and, with --watch, live preview)."""

from __future__ import annotations

from pathlib import Path

import click

from kmgen.cli.common import content_option, index_option


def register(main: click.Group) -> None:
    main.add_command(serve)


@click.command()
@content_option
@click.option("--site-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("site"),
              show_default=True, help="The built site to serve (made by `kmgen build`).")
@index_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. The default answers this machine only.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on.")
def serve(content_dir: Path, site_dir: Path, index_dir: Path, host: str, port: int) -> None:
    """Serve the built site with a search API backed by the hub's index.

    The site's Find page then asks the API (Whoosh ranking, synonyms, highlights,
    did-you-mean) instead of its static index. Endpoints, all GET and JSON:
    /api/search?q=WORDS&facet=KEY=VALUE&page=1&size=10, /api/suggest?q=PREFIX
    and /api/health. Run `kmgen build` first; `kmgen index` while it runs is
    picked up by the next search.

    \b
    Examples:
      kmgen serve
      kmgen serve --port 8080 --site-dir public
      curl 'http://127.0.0.1:8000/api/search?q=CRVS&facet=type=case-study'
    """
    import uvicorn

    from kmgen.serve.app import create_app

    if not (site_dir / "index.html").is_file():
        click.echo(f"note: {site_dir}/index.html not found: run 'kmgen build' first (the API works without it)",
                   err=True)
    app = create_app(site_dir, index_dir, content_dir)
    click.echo(f"serving {site_dir} and the search API at http://{_display(host)}:{port}/ (Ctrl+C to stop)")
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)


def _display(host: str) -> str:
    return f"[{host}]" if ":" in host else host
