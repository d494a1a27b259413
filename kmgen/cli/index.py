"""`kmgen index`, `kmgen search`, `kmgen related` and `kmgen duplicates`: the index at work."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn

import click

from kmgen import duplicates, index_store, related, search
from kmgen.cli.common import content_option, echo_json, index_option, json_format_option, progress
from kmgen.hub import load_hub
from kmgen.index import SCHEMA_VERSION, IndexFailure, IndexStats, build_index, open_index
from kmgen.taxonomy import TAXONOMY_FILE, Taxonomy, load_taxonomy


def register(main: click.Group) -> None:
    main.add_command(index_command)
    main.add_command(search_command)
    main.add_command(related_command)
    main.add_command(duplicates_command)


def _fail(exc: Exception) -> NoReturn:
    click.echo(f"error: {exc}", err=True)
    raise SystemExit(1)


def _open(index_dir: Path) -> Any:
    try:
        return open_index(index_dir)
    except IndexFailure as exc:
        _fail(exc)


def _taxonomy(content_dir: Path) -> Taxonomy | None:
    if not (content_dir / TAXONOMY_FILE).is_file():
        return None
    taxonomy, _diags = load_taxonomy(content_dir)  # its problems are `kmgen check`'s to report
    return taxonomy


@click.command("index")
@content_option
@index_option
@click.option("--rebuild", is_flag=True, help="Rebuild from scratch instead of updating what changed.")
@click.option("--verify", is_flag=True,
              help="Hash every index file again (other runs trust files whose size, inode and change time are "
                   "as recorded); a damaged index is rebuilt.")
def index_command(content_dir: Path, index_dir: Path, rebuild: bool, verify: bool) -> None:
    """Build or update the search index, related pages included.

    Indexes the accepted pages (no errors, not drafts): unchanged pages are
    skipped, changed ones updated, deleted ones removed. An index that is
    damaged, from another version or not built on this machine is rebuilt from
    the sources. A second `kmgen index` on the same folder at the same time
    stops at once with "index is locked".

    \b
    Examples:
      kmgen index
      kmgen index --content content --index-dir .kmgen/index --rebuild
      kmgen index --verify
    """
    if not content_dir.is_dir():
        raise click.UsageError(f"content folder not found: {content_dir} (run from the hub's folder or pass --content)")
    hub = load_hub(content_dir, progress=lambda items: progress(items, "Loading pages"))
    try:
        stats = build_index(hub, index_dir, progress=lambda items: progress(items, "Indexing"), rebuild=rebuild,
                            verify=verify)
    except IndexFailure as exc:
        _fail(exc)
    click.echo(_summary(stats, index_dir))
    left_out = len(hub.documents) - stats.documents
    if not hub.documents:
        click.echo(f"note: no Markdown pages found in {content_dir}", err=True)
    elif not stats.documents:
        click.echo(f"note: none of the {len(hub.documents)} pages in {content_dir} can be indexed: a page needs "
                   "kmgen front matter without errors and must not be a draft; "
                   f"run 'kmgen check --content {content_dir}' to see why", err=True)
    elif left_out:
        click.echo(f"note: {left_out} pages with errors or marked draft were left out "
                   f"(run 'kmgen check --content {content_dir}' to see why)", err=True)


def _summary(stats: IndexStats, index_dir: Path) -> str:
    how = f"rebuilt ({stats.reason})" if stats.rebuilt else (
        f"{stats.added} added, {stats.updated} updated, {stats.removed} removed, {stats.unchanged} unchanged")
    return (f"indexed {stats.documents} pages in {index_dir}: {how}; related pages for {stats.related} pages "
            f"({stats.seconds:.1f} s)")


@click.command("search")
@click.argument("query_text", metavar="QUERY")
@index_option
@content_option
@click.option("--facet", "facet_specs", multiple=True, metavar="KEY=VALUE",
              help="Only pages with this facet value (facet id, front-matter key, type or language; any label "
                   "or synonym). Repeat for more; values of one facet are alternatives.")
@click.option("--counts", is_flag=True, help="Also count the results per facet value.")
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True, help="Most results to show.")
@json_format_option
def search_command(query_text: str, index_dir: Path, content_dir: Path, facet_specs: tuple[str, ...],
                   counts: bool, limit: int, fmt: str) -> None:
    """Search the hub: ranked pages with a snippet of where they match.

    Words must all match (pages with any of them are shown when none has all);
    "a phrase" matches words in order; regist* matches by prefix; AND, OR, NOT
    and title:word work too. Titles weigh most, then summaries, headings, tags
    and the body. Run `kmgen index` first.

    \b
    Examples:
      kmgen search "birth registration"
      kmgen search identity --facet sector=CRVS --facet type=case-study --counts
      kmgen search 'regist* AND "civil registration"' --format json --limit 5
    """
    taxonomy = _taxonomy(content_dir)
    try:
        filters = [search.facet_filter(spec, taxonomy) for spec in facet_specs]
        ix = _open(index_dir)
        try:
            results = search.search(ix, query_text, filters, limit=limit, counts=counts, taxonomy=taxonomy)
            pages = ix.doc_count()
        finally:
            ix.close()
    except search.QueryError as exc:
        raise click.UsageError(str(exc)) from None
    if fmt == "json":
        echo_json(search.as_json(results))
        return
    _print_results(results, pages, facet_specs)


def _print_results(results: search.SearchResults, pages: int, facet_specs: tuple[str, ...]) -> None:
    for note in results.notes:
        click.echo(f"note: {note}", err=True)
    if results.did_you_mean:
        click.echo(f"did you mean: {results.did_you_mean}")
    if not pages:
        click.echo("the index holds no pages: no page of the hub is accepted yet (run 'kmgen check')")
        return
    where = f" with {', '.join(facet_specs)}" if facet_specs else ""
    shown = f", showing {len(results.hits)}" if len(results.hits) < results.total else ""
    click.echo(f"{results.total} results for {results.query!r}{where}{shown}")
    for n, hit in enumerate(results.hits, 1):
        click.echo(f"\n{n:>2}. {hit.title}  [{hit.type}]\n    {hit.path}")
        if hit.snippet:
            click.echo(f"    {hit.snippet}")
    if results.counts:
        click.echo("\ncounts:")
        for facet, rows in results.counts.items():
            click.echo(f"  {facet}: " + ", ".join(f"{r.label} ({r.count})" for r in rows))


@click.command("related")
@click.argument("page_path", metavar="PATH")
@content_option
@index_option
@json_format_option
def related_command(page_path: str, content_dir: Path, index_dir: Path, fmt: str) -> None:
    """Show the pages most related to PATH, and why (shared concepts, key terms).

    Related pages are computed by `kmgen index` from shared taxonomy concepts
    and text similarity; the site shows the same list on each page.

    \b
    Examples:
      kmgen related content/case-studies/niue-civil-registration.md
      kmgen related case-studies/niue-civil-registration.md --format json
    """
    rel = _content_path(page_path, content_dir)
    manifest, reason = index_store.read_manifest(index_dir, SCHEMA_VERSION)
    if manifest is None:
        _fail(IndexFailure(f"no usable index in {index_dir} ({reason}); run 'kmgen index' first"))
    if rel not in manifest.pages:
        _fail(IndexFailure(f"{rel} is not in the index: only accepted pages are "
                           "(run 'kmgen check' to see why, then 'kmgen index')"))
    trouble = related.problem(index_dir)
    if trouble:
        _fail(IndexFailure(f"the related pages in {index_dir} cannot be used: {trouble}; "
                           "run 'kmgen index' to rebuild them"))
    items = related.load(index_dir).get(rel, [])
    if fmt == "json":
        echo_json({"path": rel, "related": [vars(i) for i in items]})
        return
    if not items:
        click.echo(f"no related pages for {rel}")
        return
    taxonomy = _taxonomy(content_dir)
    click.echo(f"related to {rel}:")
    for n, item in enumerate(items, 1):
        labels = [taxonomy.concepts[c].label if taxonomy and c in taxonomy.concepts else c for c in item.shared]
        reasons = [f"shared: {', '.join(labels)}"] if labels else []
        reasons += [f"terms: {', '.join(item.terms)}"] if item.terms else []
        click.echo(f"{n:>2}. {item.title} ({item.path})  score {item.score:.2f}\n    {'; '.join(reasons)}")


def _content_path(page_path: str, content_dir: Path) -> str:
    """A page given as a file path (content/x.md) or as a content path (x.md)."""
    given = Path(page_path)
    if given.exists():
        try:
            return given.resolve().relative_to(content_dir.resolve()).as_posix()
        except ValueError:
            pass
    return given.as_posix().removeprefix("./")


@click.command("duplicates")
@index_option
@click.option("--threshold", type=click.FloatRange(0.3, 1.0), default=duplicates.THRESHOLD, show_default=True,
              help="Smallest word-shingle similarity (Jaccard) reported as a near-duplicate.")
@json_format_option
def duplicates_command(index_dir: Path, threshold: float, fmt: str) -> None:
    """Find pages that say the same thing: exact copies, near copies, and stubs
    repeating another page's title, each with a similarity (0-1).

    Candidates come from the index (run `kmgen index` first); every pair is
    confirmed by comparing the pages' word 3-shingles. `kmgen check` warns
    about the same pairs without needing an index.

    \b
    Examples:
      kmgen duplicates
      kmgen duplicates --threshold 0.5 --format json
    """
    ix = _open(index_dir)
    try:
        pages = ix.doc_count()
        pairs = duplicates.find_in_index(ix, threshold)
    finally:
        ix.close()
    if fmt == "json":
        echo_json(duplicates.as_json(pairs))
        return
    for p in pairs:
        click.echo(f"{p.similarity:.2f}  {p.a}  <->  {p.b}\n      {p.kind}: {p.describe()}")
    click.echo(f"{len(pairs)} duplicate pairs among {pages} indexed pages")
