"""`kmgen index`, `kmgen search`, `kmgen related` and `kmgen duplicates`: the index at work."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn

import click
from click.core import ParameterSource

from kmgen import duplicates, index_freshness, index_store, related, search
from kmgen.cli.common import (
    content_option,
    echo_json,
    index_option,
    json_format_option,
    plural,
    progress,
    root_and_filter,
    say,
)
from kmgen.diagnostics import printable
from kmgen.hub import load_hub
from kmgen.index import SCHEMA_VERSION, IndexFailure, IndexStats, build_index, open_index
from kmgen.taxonomy import TAXONOMY_FILE, Taxonomy, load_taxonomy


def register(main: click.Group) -> None:
    main.add_command(index_command)
    main.add_command(search_command)
    main.add_command(related_command)
    main.add_command(duplicates_command)


def _fail(exc: Exception) -> NoReturn:
    say(f"error: {printable(str(exc))}", err=True)
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
    except OSError as exc:  # a full disk, a read-only folder: every write is aside until one rename
        _fail(IndexFailure(f"cannot write the index in {index_dir}: {exc.strerror or exc}; "
                           "the index stays as it was at its last complete update"))
    click.echo(_summary(stats, index_dir))
    left_out = len(hub.documents) - stats.documents
    if not hub.documents:
        click.echo(f"note: no Markdown pages found in {content_dir}", err=True)
    elif not stats.documents:
        click.echo(f"note: none of the {len(hub.documents)} pages in {content_dir} can be indexed: a page needs "
                   "kmgen front matter without errors and must not be a draft; "
                   f"run 'kmgen check --content {content_dir}' to see why", err=True)
    elif left_out:
        were = "was" if left_out == 1 else "were"
        click.echo(f"note: {plural(left_out, 'page')} with errors or marked draft {were} left out "
                   f"(run 'kmgen check --content {content_dir}' to see why)", err=True)


def _summary(stats: IndexStats, index_dir: Path) -> str:
    how = f"rebuilt ({stats.reason})" if stats.rebuilt else (
        f"{stats.added} added, {stats.updated} updated, {stats.removed} removed, {stats.unchanged} unchanged")
    return (f"indexed {plural(stats.documents, 'page')} in {index_dir}: {how}; "
            f"related pages for {plural(stats.related, 'page')} ({stats.seconds:.1f} s)")


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
    and the body. Run `kmgen index` first; a note says when pages changed,
    were added or were deleted since it was built.

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
    stale = index_freshness.staleness(content_dir, index_dir)
    if fmt == "json":
        echo_json({**search.as_json(results), "index_out_of_date": stale.as_json() if stale else None})
        return
    _warn_if_stale(stale)
    _print_results(results, pages, facet_specs)


def _warn_if_stale(stale: index_freshness.Staleness | None) -> None:
    if stale:
        say(f"note: {stale.describe()}", err=True)


def _print_results(results: search.SearchResults, pages: int, facet_specs: tuple[str, ...]) -> None:
    for note in results.notes:
        say(f"note: {note}", err=True)
    if results.did_you_mean:
        say(f"did you mean: {printable(results.did_you_mean)}")
    if not pages:
        say("the index holds no pages: no page of the hub is accepted yet (run 'kmgen check')")
        return
    where = f" with {', '.join(facet_specs)}" if facet_specs else ""
    shown = f", showing {len(results.hits)}" if len(results.hits) < results.total else ""
    say(f"{plural(results.total, 'result')} for {printable(repr(results.query))}{where}{shown}")
    for n, hit in enumerate(results.hits, 1):
        say(f"\n{n:>2}. {printable(hit.title)}  [{printable(hit.type)}]\n    {printable(hit.path)}")
        if hit.snippet:
            say(f"    {printable(hit.snippet)}")
    if results.counts:
        say("\ncounts:")
        for facet, rows in results.counts.items():
            say(f"  {printable(facet)}: " + ", ".join(f"{printable(r.label)} ({r.count})" for r in rows))


@click.command("related")
@click.argument("page_path", metavar="PATH")
@content_option
@index_option
@json_format_option
def related_command(page_path: str, content_dir: Path, index_dir: Path, fmt: str) -> None:
    """Show the pages most related to PATH, and why (shared concepts, key terms).

    Related pages are computed by `kmgen index` from shared taxonomy concepts
    and text similarity; the site shows the same list on each page. A note says
    when the content changed since the index was built.

    \b
    Examples:
      kmgen related content/case-studies/niue-civil-registration.md
      kmgen related case-studies/niue-civil-registration.md --format json
    """
    rel, content_dir, index_dir = _content_path(page_path, content_dir, index_dir)
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
    stale = index_freshness.staleness(content_dir, index_dir)
    if fmt == "json":
        echo_json({"path": rel, "related": [vars(i) for i in items],
                   "index_out_of_date": stale.as_json() if stale else None})
        return
    _warn_if_stale(stale)
    if not items:
        say(f"no related pages for {rel}")
        return
    taxonomy = _taxonomy(content_dir)
    say(f"related to {rel}:")
    for n, item in enumerate(items, 1):
        labels = [taxonomy.concepts[c].label if taxonomy and c in taxonomy.concepts else c for c in item.shared]
        reasons = [f"shared: {', '.join(labels)}"] if labels else []
        reasons += [f"terms: {', '.join(item.terms)}"] if item.terms else []
        say(f"{n:>2}. {printable(item.title)} ({printable(item.path)})  score {item.score:.2f}\n"
            f"    {printable('; '.join(reasons))}")


def _content_path(page_path: str, content_dir: Path, index_dir: Path) -> tuple[str, Path, Path]:
    """A page given as a file path (content/x.md, from anywhere) or as a content path
    (x.md); returns it as a content path, with the hub's content and index folders.
    A hub found from the file keeps its index where `kmgen index` run there puts it."""
    given = Path(page_path)
    if not given.is_file():
        return given.as_posix().removeprefix("./"), content_dir, index_dir
    root, wanted = root_and_filter((given,), content_dir)
    context = click.get_current_context()
    if root.resolve() != content_dir.resolve() and context.get_parameter_source("index_dir") == ParameterSource.DEFAULT:
        index_dir = root.parent / index_dir
    return next(iter(wanted or {""})), root, index_dir


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
        say(f"{p.similarity:.2f}  {printable(p.a)}  <->  {printable(p.b)}\n      {p.kind}: {printable(p.describe())}")
    say(f"{plural(len(pairs), 'duplicate pair')} among {plural(pages, 'indexed page')}")
