"""The `kmgen` command line. Click commands only: parse options, call the core, print.

One module per command family keeps each small; they all hang off `main`.
"""

from __future__ import annotations

import importlib

import click

from kmgen import __version__

# Command families, each a module in this package exposing `register(main)`.
FAMILIES = ("check", "build", "taxonomy", "index", "report", "links", "ingest", "serve", "init")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="kmgen")
def main() -> None:
    """kmgen: a governed, searchable, published knowledge hub from Markdown.

    \b
    Typical use, from the hub's folder:
      kmgen new case-study --title "Birth registration in Togo"
      kmgen check                 # every problem, with file, line and a hint
      kmgen build                 # check, index and publish into site/
    """


for _family in FAMILIES:
    importlib.import_module(f"kmgen.cli.{_family}").register(main)
