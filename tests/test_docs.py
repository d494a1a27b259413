"""The README documents every command and every field, from one source."""

from __future__ import annotations

import re

import click

from conftest import REPO
from kmgen.cli import main
from kmgen.schema import reference_markdown


def _commands(group: click.Group, prefix: str = "kmgen") -> list[str]:
    out = []
    for name, cmd in sorted(group.commands.items()):
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
