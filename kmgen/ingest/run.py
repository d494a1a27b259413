"""`kmgen ingest`: a source tree in, a collection of kmgen pages out, every file accounted for.

Three passes: classify every file (path rules), read and convert every page
(publish-state rules, front matter, template syntax), then name, link and
write. The source tree is only ever read.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar
from urllib.parse import unquote

from kmgen.ingest import aliases, anchors, frontmatter, markup, naming, navdata, page, templates
from kmgen.ingest.links import BROKEN_UPSTREAM, LinkReport, SiteMap, rewrite
from kmgen.ingest.mapping import Mapping
from kmgen.ingest.masking import Masked, mask
from kmgen.ingest.output import Output, render, scrub_residue, write_all
from kmgen.ingest.report import FAILED, INGESTED, SKIPPED, FileOutcome, IngestReport, check_totals
from kmgen.ingest.sourcetree import REPO_META_NAMES, SourceTree
from kmgen.publish import redirects
from kmgen.sources import ASSET_SUFFIXES
from kmgen.taxonomy import Taxonomy

T = TypeVar("T")
Progress = Callable[[Iterable[T]], Iterable[T]]
SUGGESTED_TERMS = 25
NOT_MARKDOWN = "not a page (not Markdown, not an image or PDF)"
NAV_DATA_FORMATS = ("jekyll", "eleventy")
_TEMPLATE_DIRS = frozenset({"_includes", "_layouts", "_data", "_sass", "_site", "_templates", "_plugins",
                            "layouts", "archetypes", "themes", "partials", "_partials"})


@dataclass
class Options:
    into: Path
    collection: str
    state_path: Path
    dry_run: bool = False
    license: str | None = None
    attribution: str | None = None
    source_url: str | None = None
    site_root: str = ""
    site_prefix: str = ""  # where the collection lives in the hub's site ("handbook"): --into inside content/
    today: dt.date = field(default_factory=dt.date.today)


@dataclass
class Pending:
    """A page read and converted, waiting for its name and its links."""

    rel: str
    page_rel: str
    outcome: FileOutcome
    fields: page.Fields
    masked: Masked
    body: str  # masked text after template conversion
    urls: list[str]
    broken_upstream: list[str] = field(default_factory=list)  # links the source itself had lost


def ingest(tree: SourceTree, mapping: Mapping, taxonomy: Taxonomy, options: Options,
           progress: Progress[Any] | None = None) -> IngestReport:
    report = IngestReport(str(tree.root), tree.format, tree.why, str(options.into), options.collection,
                          options.dry_run, warnings=list(tree.warnings))
    site = SiteMap(files=set(tree.files))
    _site_root(site, options.site_root)
    site.asset_roots = tuple(dict.fromkeys([tree.page_root, "static", "assets", ""]))
    provenance = _provenance(tree, options)
    pending: list[Pending] = []
    assets: dict[str, FileOutcome] = {}
    tree.config["nav_data"] = navdata.data_files(tree.files) if tree.format in NAV_DATA_FORMATS else []
    files = progress(tree.files) if progress else tree.files
    for rel in files:
        rule = _path_rule(tree, mapping, rel)
        if rule == "asset":
            assets[rel] = FileOutcome(rel, SKIPPED, "asset not linked from any ingested page", kind="asset")
        elif rule:
            report.add(FileOutcome(rel, SKIPPED, rule, kind="other" if rule == NOT_MARKDOWN else "page"))
        else:
            item = _read(tree, mapping, taxonomy, rel, report, site, options)
            if item is not None:
                pending.append(item)
    _name(pending, tree, mapping, site)
    summary = _summary(tree)
    for item in pending:  # SUMMARY.md's order is the order of a GitBook space
        if summary and item.rel in summary and item.fields.order is None:
            item.fields.order = summary[item.rel]
    _nav_data_order(tree, pending, site, report)
    for rel in assets:
        site.dest[rel] = naming.collection_rel(tree.page_rel(rel) if tree.in_pages(rel) else rel, tree.format)
    links = LinkReport()
    old_addresses = _old_addresses(report, pending, site, options.site_prefix, tree.format)
    outputs = [_finish(item, site, links, provenance, options, report, old_addresses.get(item.rel))
               for item in pending]
    _assets(assets, links, tree, site)
    report.files.extend(assets.values())
    _links_and_terms(report, links, pending, taxonomy)
    report.orphans = _orphans(summary, pending)
    written = anchors.fix([o for o in outputs if o is not None], links.counts)
    write_all(written, assets, tree, options, report)
    check_totals(report, len(tree.files))
    return report


def _old_addresses(report: IngestReport, pending: list[Pending], site: SiteMap, prefix: str,
                   source_format: str) -> dict[str, list[str]]:
    """Each page's old addresses (aliases, redirect_from, stubs pointing at it) as hub aliases."""
    found, report.redirects_refused = aliases.collect(
        [(p.rel, p.urls[0], p.fields.redirects) for p in pending], report.redirects, site, prefix,
        page_relative=source_format == "hugo")
    report.redirect_maps = {a: f"{prefix}/{site.dest[rel]}".lstrip("/")
                            for rel, olds in sorted(found.items()) for a in olds}
    return found


def _site_root(site: SiteMap, site_root: str) -> None:
    m = re.match(r"^(https?://[^/]+)(/.*)?$", site_root.strip())
    if m:
        site.site_host, path = m.group(1), (m.group(2) or "")
    else:
        path = site_root.strip()
    site.site_root = "/" + path.strip("/") if path.strip("/") else ""


def _provenance(tree: SourceTree, options: Options) -> dict[str, Any]:
    record: dict[str, Any] = {"from": tree.format, "collection": options.collection}
    commit = _git_commit(tree.root)
    if commit:
        record["commit"] = commit
    else:  # the newest file's date: stable across runs, unlike the day of the ingest
        newest = max(((tree.root / f).stat().st_mtime for f in tree.files), default=0.0)
        record["date"] = dt.datetime.fromtimestamp(newest, dt.UTC).date().isoformat()
    if options.source_url:
        record["source_url"] = options.source_url
    if options.attribution:
        record["attribution"] = options.attribution
    return record


def _git_commit(root: Path) -> str | None:
    if not (root / ".git").exists():
        return None
    try:
        done = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 and re.fullmatch(r"[0-9a-f]{40}", done.stdout.strip()) \
        else None


def _path_rule(tree: SourceTree, mapping: Mapping, rel: str) -> str | None:
    """The rule that skips a file by its path alone, "asset" for a copyable file, None for a page."""
    parts = PurePosixPath(rel).parts
    name, suffix = parts[-1], PurePosixPath(rel).suffix.lower()
    if parts[0] == ".github":
        return "github-metadata (.github/)"
    if any(p.startswith(".") and p not in (".gitbook",) for p in parts):
        return "hidden file or folder"
    excluded = mapping.excluded(rel)
    if excluded:
        return f"excluded by the mapping ({excluded})"
    if rel in tree.config.get("nav_data", ()):
        return navdata.NAV_DATA_RULE
    if any(p in _TEMPLATE_DIRS for p in parts[:-1]):
        return "template, layout or include fragment"
    if any(rel == e or rel.startswith(e.rstrip("/") + "/") for e in tree.config.get("exclude", [])):
        return "excluded by the source's own configuration"
    if suffix in ASSET_SUFFIXES:
        return "asset"
    if suffix not in naming.PAGE_SUFFIXES:
        return NOT_MARKDOWN
    if not tree.in_pages(rel):
        return "outside the content folder (site configuration or repository file)"
    page_rel = tree.page_rel(rel)
    if "/" not in page_rel and PurePosixPath(name).stem.upper() in REPO_META_NAMES - {"README"}:
        return "repository file (licence, contributing guide ...)"
    if tree.format == "gitbook" and rel == tree.config.get("summary"):
        return "table of contents (SUMMARY.md; used for the order)"
    if tree.format == "jekyll" and parts[0].startswith("_") and parts[0][1:] not in ("pages", "posts", *
                                                                                   tree.config.get("collections", [])):
        return "template, layout or include fragment"
    if tree.format != "gitbook" and page_rel.upper() == "README.MD" and tree.format in ("jekyll", "hugo"):
        return "repository file (licence, contributing guide ...)"
    return None


def _read(tree: SourceTree, mapping: Mapping, taxonomy: Taxonomy, rel: str, report: IngestReport,
          site: SiteMap, options: Options) -> Pending | None:
    page_rel = tree.page_rel(rel)
    try:
        source = frontmatter.split((tree.root / rel).read_bytes())
    except (OSError, frontmatter.ForeignFrontMatterError) as exc:
        report.add(FileOutcome(rel, FAILED, str(exc)))
        return None
    languages = tree.config.get("languages", [])
    urls = naming.site_urls(page_rel, tree.format, source.fields, languages)
    outcome = FileOutcome(rel, INGESTED, notes=list(source.notes))
    why = page.non_page(source.fields, source.body, rel)
    rule = why or page.publish_rule(source.fields, source.body, mapping, options.today)
    if rule == "redirect-stub":
        target = next(str(source.fields[k]) for k in mapping.redirect_to_keys if source.fields.get(k))
        report.redirects.extend({"from": u, "to": target} for u in urls[:1])
    if rule and (why or mapping.rules.get(rule, "skip") == "skip"):
        for url in urls:
            site.add_url(url, rel)
        outcome.outcome, outcome.rule = SKIPPED, rule
        report.add(outcome)
        return None
    if rule:
        outcome.notes.append(f"publish-state rule '{rule}' applies; the mapping says: {mapping.rules.get(rule)}")
    masked = mask(source.body)
    conv = templates.Conversion()
    body = markup.convert(templates.convert(masked, conv), conv)
    plain = masked.restore(body)
    mapper = page.FieldMapper(mapping, taxonomy)
    fields = mapper.map(source.fields, plain, page_rel, naming.language_of(page_rel, tree.format, languages),
                        source.literals)
    if rule == "draft":
        fields.front["status"] = "draft"
    title = fields.front.get("title")
    rest = page.drop_leading_h1(plain, title)[0] if isinstance(title, str) else plain
    if not re.search(r"\w", rest) and mapping.rules["empty-body"] == "skip":
        outcome.outcome, outcome.rule = SKIPPED, "empty-body (metadata-only, link-out or author stub)"
        report.add(outcome)
        for url in urls:
            site.add_url(url, rel)
        return None
    outcome.changes, outcome.placeholders = dict(conv.changes), conv.placeholders
    outcome.derived, outcome.notes = fields.derived, outcome.notes + fields.notes
    report.add(outcome)
    for url in urls + [r if r.startswith("/") else "/" + r for r in fields.redirects]:
        site.add_url(url, rel)
    site.pages_by_name.setdefault(PurePosixPath(page_rel).stem.casefold(), rel)
    return Pending(rel, page_rel, outcome, fields, masked, body, urls, conv.broken_upstream)


def _nav_data_order(tree: SourceTree, pending: list[Pending], site: SiteMap, report: IngestReport) -> None:
    """Where the navigation data names a page, its position there is the page's order (over
    `nav_order`); pages it does not name keep their front-matter order."""
    if not tree.config.get("nav_data"):
        return
    entries = navdata.read_entries(tree.root, tree.config["nav_data"], report.warnings)
    found = navdata.positions(entries, site, str(tree.config.get("baseurl") or ""))
    for item in pending:
        if item.rel in found:
            position, data_file = found[item.rel]
            before = f" (front matter said {item.fields.order})" if item.fields.order is not None else ""
            item.fields.order = position
            item.outcome.notes.append(f"order {position} from the navigation data in {data_file}{before}")


def _name(pending: list[Pending], tree: SourceTree, mapping: Mapping, site: SiteMap) -> None:
    wanted = {p.rel: naming.collection_rel(p.page_rel, tree.format, tree.config.get("collections", []))
              for p in pending}
    site.dest.update(naming.unique(wanted))


def _finish(item: Pending, site: SiteMap, links: LinkReport, provenance: dict[str, Any], options: Options,
            report: IngestReport, old_addresses: list[str] | None) -> Output | None:
    body = rewrite(item.body, item.rel, item.urls[0], site, links)
    links.counts[BROKEN_UPSTREAM] += len(item.broken_upstream)
    links.unresolved.extend((BROKEN_UPSTREAM, link) for link in item.broken_upstream)
    body = item.masked.restore(body)
    title = item.fields.front.get("title")
    if isinstance(title, str):
        body, dropped = page.drop_leading_h1(body, title)
        if dropped:
            item.outcome.changes["leading H1 removed (shown as the page title)"] = 1
    body, left = scrub_residue(body, item.outcome)
    report.residue_left += left
    dest = site.dest[item.rel]
    item.outcome.dest = dest
    front = dict(item.fields.front)
    if options.license and "license" not in front:
        front["license"] = options.license
    imported = dict(provenance, path=item.rel)
    if item.fields.order is not None:
        imported["order"] = item.fields.order
    front["imported"] = imported
    if old_addresses:
        front[redirects.FIELD] = old_addresses
    try:
        return render(dest, front, body)
    except ValueError as exc:
        item.outcome.outcome, item.outcome.rule = FAILED, str(exc)
        return None


def _assets(assets: dict[str, FileOutcome], links: LinkReport, tree: SourceTree, site: SiteMap) -> None:
    for rel, outcome in assets.items():
        if rel in links.assets or (tree.in_pages(rel) and tree.page_root):
            outcome.outcome, outcome.rule = INGESTED, ""
            outcome.dest = site.dest.get(rel) or naming.collection_rel(tree.page_rel(rel), tree.format)


def _links_and_terms(report: IngestReport, links: LinkReport, pending: list[Pending], taxonomy: Taxonomy) -> None:
    report.links = links.counts
    report.unresolved_links = [{"class": k, "target": t} for k, t in links.unresolved]
    counts: dict[str, dict[str, Any]] = {}
    for item in pending:
        for key, term in item.fields.unmapped_terms:
            entry = counts.setdefault(term, {"count": 0, "keys": [], "suggestions": []})
            entry["count"] += 1
            if key not in entry["keys"]:
                entry["keys"].append(key)
    ranked = dict(sorted(counts.items(), key=lambda kv: (-kv[1]["count"], kv[0])))
    # Suggestions cost a pass over every label; the most used terms are the ones worth mapping first.
    for term in list(ranked)[:SUGGESTED_TERMS]:
        ranked[term]["suggestions"] = [f"{c.id} ({c.label})" for c in taxonomy.suggest(term)]
    report.unmapped_terms = ranked


def _summary(tree: SourceTree) -> dict[str, int] | None:
    """GitBook's SUMMARY.md: each listed file and its position (the collection's order)."""
    summary = tree.config.get("summary")
    if tree.format != "gitbook" or not summary or summary not in tree.files:
        return None
    text = (tree.root / summary).read_text("utf-8", "replace")
    base = PurePosixPath(summary).parent
    listed: dict[str, int] = {}
    for target in re.findall(r"\]\(<?([^)>]+?)>?\)", text):
        listed.setdefault(str(base / unquote(target.split("#")[0])).lstrip("./"), len(listed) + 1)
    return listed


def _orphans(summary: dict[str, int] | None, pending: list[Pending]) -> list[str]:
    if summary is None:
        return []
    return sorted(p.rel for p in pending if p.rel not in summary and p.outcome.outcome == INGESTED)
