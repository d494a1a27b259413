"""The `kmgen` command line. Click commands only: parse options, call the core, print.

One module per command family keeps each small; they all hang off `main`.
"""

from __future__ import annotations

import importlib
from collections.abc import MutableMapping

import click

from kmgen import __version__

# Each command, and the module of this package that defines it (its family, exposing
# `register(main)`). A family is imported when one of its commands is first used, so
# `kmgen search` does not pay for loading MkDocs, the checks or ingest.
COMMANDS = {
    "build": "build", "check": "check", "duplicates": "index", "index": "index", "ingest": "ingest", "init": "init",
    "links": "links", "new": "check", "related": "index", "report": "report", "search": "index", "serve": "serve",
    "tag": "taxonomy", "taxonomy": "taxonomy",
}


class LazyGroup(click.Group):
    """A group that imports a command's family on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context | None, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            importlib.import_module(f"kmgen.cli.{COMMANDS[cmd_name]}").register(self)
        return self.commands.get(cmd_name)

    @property
    def all_commands(self) -> MutableMapping[str, click.Command]:
        """Every command, loaded (for documentation and its tests)."""
        for name in COMMANDS:
            self.get_command(None, name)
        return self.commands


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="kmgen")
def main() -> None:
    """kmgen: a governed, searchable, published knowledge hub from Markdown.

    \b
    Typical use, from the hub's folder:
      kmgen new case-study --title "Birth registration in Togo"
      kmgen check                 # every problem, with file, line and a hint
      kmgen build                 # check, index and publish into site/
    """
