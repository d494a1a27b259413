"""The README documents every command and every field, from one source."""

from __future__ import annotations

import re

import click

from conftest import REPO
from kmgen.cli import LazyGroup, main
from kmgen.schema import reference_markdown


def _commands(group: click.Group, prefix: str = "kmgen") -> list[str]:
    out = []
    commands = group.all_commands if isinstance(group, LazyGroup) else group.commands
    for name, cmd in sorted(commands.items()):
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, f"{prefix} {name}"))
        else:
            out.append(f"{prefix} {name}")
    return out


def test_every_command_is_documented_and_has_an_example() -> None:
    readme = (REPO / "README.md").read_text()
    headings = set(re.findall(r"^### (kmgen [a-z -]+?)\s*$", readme, re.M))
    commands = _commands(main)
    assert commands, "no commands registered"
    missing = [c for c in commands if c not in headings]
    assert not missing, f"README lacks a '### <command>' section for: {missing}"
    for name in commands:
        ctx = click.Context(main)
        cmd = main
        for part in name.split()[1:]:
            cmd = cmd.get_command(ctx, part)  # type: ignore[union-attr,assignment]
        assert "Example" in (cmd.help or ""), f"{name} --help has no example"


def test_readme_field_reference_matches_the_schema() -> None:
    readme = (REPO / "README.md").read_text()
    block = readme.split("<!-- fields:start -->\n", 1)[1].split("<!-- fields:end -->", 1)[0]
    assert block == reference_markdown(), "README field table is stale: paste reference_markdown()"


def test_two_setup_commands_come_first() -> None:
    readme = (REPO / "README.md").read_text()
    setup = readme.split("## Set up", 1)[1].split("\n## ", 1)[0]
    assert "make site" in setup and "make test" in setup


def test_readme_facet_reference_matches_the_sample_taxonomy() -> None:
    from kmgen.schema import facet_reference_markdown
    from kmgen.taxonomy import load_taxonomy

    tax, diags = load_taxonomy(REPO / "content")
    assert not diags
    expected = facet_reference_markdown([(f.key, f.label, f.definition, f.multiple) for f in tax.facets.values()])
    readme = (REPO / "README.md").read_text()
    block = readme.split("<!-- facets:start -->\n", 1)[1].split("<!-- facets:end -->", 1)[0]
    assert block == expected, "README facet table is stale"


def test_commands_load_lazily_and_the_table_matches_what_each_family_registers() -> None:
    """`kmgen search` must not pay for importing MkDocs, the checks and ingest: each
    command's module loads on first use. The name table must say exactly what the
    families register, or a command would be missing from `kmgen --help`."""
    import subprocess
    import sys

    from kmgen import cli

    code = ("import sys; import kmgen.cli as c; c.main.get_command(None, 'search'); "
            "print(sorted(m for m in ('kmgen.cli.check', 'kmgen.cli.build', 'kmgen.cli.ingest', 'mkdocs', "
            "'kmgen.checks', 'kmgen.ingest') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
    registered: dict[str, str] = {}
    for family in sorted(set(cli.COMMANDS.values())):
        group = click.Group()
        __import__(f"kmgen.cli.{family}", fromlist=["register"]).register(group)
        registered.update({name: family for name in group.commands})
    assert registered == cli.COMMANDS
    assert main.list_commands(click.Context(main)) == sorted(registered)
