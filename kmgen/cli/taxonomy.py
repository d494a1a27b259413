"""`kmgen tag` and `kmgen taxonomy show|export|unused`: the vocabulary at work."""

from __future__ import annotations

import json
from pathlib import Path

import click

from kmgen import facets, frontmatter_edit, schema, skos, suggest
from kmgen.cli.common import content_option, echo_json, json_format_option, plural, root_and_filter, say, selected
from kmgen.diagnostics import json_safe, printable
from kmgen.hub import Hub, load_hub
from kmgen.writes import write_atomic


def register(main: click.Group) -> None:
    main.add_command(tag)
    main.add_command(taxonomy)


def _hub(content_dir: Path) -> Hub:
    if not content_dir.is_dir():
        raise click.UsageError(f"content folder not found: {content_dir} (run from the hub's folder or pass --content)")
    return load_hub(content_dir)


def _pages(hub: Hub, wanted: set[str] | None) -> list[str]:
    """Content-relative paths of the resource pages chosen (files or folders); all by default."""
    candidates = sorted(p for p, d in hub.documents.items() if d.has_front_matter and d.get("type") != schema.PAGE_TYPE)
    for choice in sorted(wanted or ()):
        if not any(selected(c, {choice}) for c in candidates):
            raise click.UsageError(f"{hub.root / choice} is not a page kmgen can tag (a resource with front matter)")
    return [c for c in candidates if selected(c, wanted)]


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@content_option
@click.option("--min-confidence", type=click.FloatRange(0, 1), default=suggest.DEFAULT_MIN_CONFIDENCE,
              show_default=True, help="Show (and with --apply, write) suggestions at least this confident.")
@click.option("--apply", "do_apply", is_flag=True,
              help="Write the suggestions into the pages' facet keys (front-matter lines only).")
@json_format_option
def tag(paths: tuple[Path, ...], content_dir: Path, min_confidence: float, do_apply: bool, fmt: str) -> None:
    """Suggest taxonomy concepts for pages, with a confidence and the evidence.

    Reads each page's title, summary, headings and body against every concept's
    labels and definition, and looks at what the most similar pages are tagged
    with. Concepts a page already carries are skipped.

    \b
    Examples:
      kmgen tag content/case-studies/niue-civil-registration.md
      kmgen tag content/playbooks --format json
      kmgen tag --apply --min-confidence 0.7
    """
    root, wanted = root_and_filter(paths, content_dir)
    hub = _hub(root)
    chosen = _pages(hub, wanted)
    suggester = suggest.Suggester(hub.taxonomy, hub.documents, hub.tags)
    found = suggest.suggest_pages(suggester, chosen, min_confidence)
    written: dict[str, list[str]] = {}
    refused: dict[str, str] = {}
    if do_apply:
        for rel, items in found.items():
            try:
                written[rel] = suggest.apply(hub.root, hub.documents[rel], hub.taxonomy, items)
            except (frontmatter_edit.EditRefused, OSError) as exc:
                refused[rel] = str(exc)
    if fmt == "json":
        echo_json([{"path": rel, "suggestions": [s.as_json() for s in items],
                    **({"applied": written.get(rel, [])} if do_apply else {}),
                    **({"refused": refused[rel]} if rel in refused else {})} for rel, items in found.items()])
    else:
        _print_suggestions(found, written, refused, do_apply)
    raise SystemExit(1 if refused else 0)


def _print_suggestions(found: dict[str, list[suggest.Suggestion]], written: dict[str, list[str]],
                       refused: dict[str, str], applied: bool) -> None:
    for rel, items in found.items():
        if not items:
            continue
        say(printable(rel))
        for s in items:
            evidence = "; ".join([*s.words[:4], *(f"neighbour: {p}" for p in s.neighbours[:3])])
            say(f"  {s.confidence:.2f}  {s.key}: {s.concept} ({printable(s.label)})  {printable(evidence)}")
        if rel in written:
            say(f"  wrote {', '.join(written[rel]) or 'nothing'}")
        if rel in refused:
            say(f"  not written: {printable(refused[rel])}", err=True)
    total = sum(len(v) for v in found.values())
    summary = f"{plural(len(found), 'page')}, {plural(total, 'suggestion')}"
    if applied:
        summary += f", {sum(len(v) for v in written.values())} written, {plural(len(refused), 'page')} refused"
    say(summary)


@click.group()
def taxonomy() -> None:
    """Look at the hub's vocabulary: the tree in use, exports, the gaps.

    \b
    Example:
      kmgen taxonomy show
    """


def _published(hub: Hub) -> dict[str, facets.Tags]:
    drafts = hub.drafts()
    return {p: t for p, t in hub.tags.items() if p not in drafts}


@taxonomy.command()
@content_option
@json_format_option
def show(content_dir: Path, fmt: str) -> None:
    """Print every facet's concept tree with how many pages use each concept.

    A concept counts the pages tagged with it or with a narrower concept
    (drafts are not counted); the second number is the pages tagged with
    exactly that concept.

    \b
    Example:
      kmgen taxonomy show --format json
    """
    hub = _hub(content_dir)
    tree = facets.usage_tree(hub.taxonomy, _published(hub))
    if fmt == "json":
        echo_json(tree)
        return
    say(f"{'concept':<40} {'label':<36} {'pages':>5} {'exact':>5}")
    for facet in tree:
        say(f"{printable(str(facet['label']))} ({facet['id']}; key '{facet['key']}'"
                   f"{'' if facet['multiple'] else ', one value'}): {facet['pages']} pages")
        for node in facet["concepts"]:
            _print_node(node, 1)


def _print_node(node: dict[str, object], depth: int) -> None:
    name = f"{'  ' * depth}{node['id']}"
    say(f"{name:<40} {printable(str(node['label'])):<36} {node['pages']:>5} {node['tagged']:>5}")
    for child in node["narrower"]:  # type: ignore[attr-defined]
        _print_node(child, depth + 1)


@taxonomy.command()
@content_option
@click.option("--format", "fmt", type=click.Choice(["skos-jsonld", "turtle", "csv"]), default="skos-jsonld",
              show_default=True, help="SKOS as JSON-LD or Turtle, or a CSV with a row per concept.")
@click.option("--base", default=skos.DEFAULT_BASE, show_default=True,
              help="Base URL of the concept IRIs: <base><facet>/<concept>.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")
def export(content_dir: Path, fmt: str, base: str, output: Path | None) -> None:
    """Export the taxonomy as a SKOS concept scheme per facet (or CSV).

    IRIs depend only on the base URL and the ids, so they stay stable between
    exports and other catalogues can link to them.

    \b
    Examples:
      kmgen taxonomy export > taxonomy.jsonld
      kmgen taxonomy export --format turtle --base https://hub.example.org/taxonomy/ -o taxonomy.ttl
      kmgen taxonomy export --format csv -o taxonomy.csv
    """
    hub = _hub(content_dir)
    try:
        if fmt == "skos-jsonld":
            text = json_safe(json.dumps(skos.to_jsonld(hub.taxonomy, base), indent=2, ensure_ascii=False)) + "\n"
        elif fmt == "turtle":
            text = skos.to_turtle(hub.taxonomy, base)
        else:
            text = skos.to_csv(hub.taxonomy, base)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--base") from None
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text.encode("utf-8"))
        click.echo(f"wrote {output}", err=True)


@taxonomy.command()
@content_option
@json_format_option
def unused(content_dir: Path, fmt: str) -> None:
    """List the concepts no published page is tagged with: the hub's gaps.

    \b
    Example:
      kmgen taxonomy unused --format json
    """
    hub = _hub(content_dir)
    tax = hub.taxonomy
    gaps = facets.unused(tax, _published(hub))
    if fmt == "json":
        echo_json({fid: [{"id": cid, "label": tax.concepts[cid].label} for cid in ids] for fid, ids in gaps.items()})
        return
    for fid, ids in gaps.items():
        say(f"{printable(tax.facets[fid].label)} ({len(ids)} of {len(tax.facets[fid].concepts)} unused)")
        for cid in ids:
            say(f"  {cid:<38} {printable(tax.concepts[cid].label)}")
    total = sum(len(v) for v in gaps.values())
    say(f"{total} of {plural(len(tax.concepts), 'concept')} {'has' if total == 1 else 'have'} no pages")
