"""`kmgen init`: start a new hub in a folder."""

from __future__ import annotations

from pathlib import Path

import click


def register(main: click.Group) -> None:
    main.add_command(init)


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--minimal", is_flag=True, help="A small taxonomy to grow from instead of kmgen's full default one.")
@click.option("--name", "site_name", default=None, help="The hub's name (site title). Default: 'Knowledge hub'.")
def init(folder: Path, minimal: bool, site_name: str | None) -> None:
    """Start a new hub in FOLDER: site configuration, taxonomy, a home page, one
    example page per content type, pull-request and deploy workflows, a
    contributing guide and a .gitignore. `kmgen build` works there right away.

    Refuses to overwrite: every file that already exists is named, and nothing
    is written.

    \b
    Examples:
      kmgen init my-hub --name "Health Data Hub"
      kmgen init . --minimal
    """
    from kmgen.new_hub import DEFAULT_NAME, HubOptions, create

    try:
        written = create(folder, HubOptions(name=site_name or DEFAULT_NAME, minimal=minimal))
    except FileExistsError as exc:
        raise click.ClickException(f"{folder} already has {exc}; nothing was written") from None
    click.echo(f"created a hub in {folder} ({len(written)} files)")
    click.echo(f"next: cd {folder} && kmgen check && kmgen build")
