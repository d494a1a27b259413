"""`kmgen build`: check, index, build aside, verify, swap in.

The published `site/` changes only at the very end, in one swap, and only to
a build that passed every step: a failure anywhere leaves it as it was.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from kmgen import checks
from kmgen.checks import config_guard, result_cache
from kmgen.checks.render_budget import CRASH, TIMEOUT, TOO_DEEP
from kmgen.diagnostics import Diagnostic
from kmgen.hub import Hub, load_hub
from kmgen.publish import release, verify
from kmgen.publish.site import BROWSE_FILE, CATALOG_FILE, FEED_FILE, TAXONOMY_FILE, Site
from kmgen_mkdocs.plugin import KmgenPlugin

Progress = Callable[[Iterable[str]], Iterable[str]]
# Pages the renderer could not take within its budget (or at all): left out, the rest published.
LEFT_OUT_CODES = frozenset({TIMEOUT, TOO_DEEP, CRASH})
# Pages that passed the verify step, by their bytes (`verify_cache`), next to the render cache.
VERIFY_CACHE = "verify-cache.json"


class BuildStopped(Exception):
    """The build did not publish; the published site was not touched."""

    def __init__(self, stage: str, message: str, diagnostics: list[Diagnostic] | None = None,
                 details: list[str] | None = None, files: int = 0):
        super().__init__(f"{stage}: {message}")
        self.stage = stage
        self.message = message
        self.diagnostics = diagnostics or []
        self.details = details or []
        self.files = files  # how many files the check step read


@dataclass
class BuildReport:
    site_dir: Path
    pages: int  # published sources (equals the accepted sources)
    generated: int
    files: int
    previous: Path | None
    indexed: bool
    diagnostics: list[Diagnostic] = field(default_factory=list)  # warnings and notes of the check step
    outputs: list[str] = field(default_factory=list)
    left_out: list[Diagnostic] = field(default_factory=list)  # pages the renderer could not take, not published


def publish(content: Path, site_dir: Path, config_file: Path, index_dir: Path,
            progress: Progress | None = None) -> BuildReport:
    with _build_lock(site_dir):
        return _publish(content, site_dir, config_file, index_dir, progress)


@contextmanager
def _build_lock(site_dir: Path) -> Iterator[None]:
    """One build per site folder at a time: a second one would delete the first's
    staging folder (stale ones are cleared) and race it to the swap."""
    from whoosh.util.filelock import FileLock

    site_dir.parent.mkdir(parents=True, exist_ok=True)
    path = site_dir.parent / f".{site_dir.name}.lock"
    lock = FileLock(str(path))
    if not lock.acquire(blocking=False):
        raise BuildStopped("lock", f"a build is already running for {site_dir} (it holds {path}); "
                           "wait for it to finish, then build again")
    try:
        yield
    finally:
        lock.release()


def _publish(content: Path, site_dir: Path, config_file: Path, index_dir: Path,
             progress: Progress | None) -> BuildReport:
    options = checks.CheckOptions()
    key = result_cache.fingerprint(content, options)  # before reading: a later edit is not taken for this one
    hub = load_hub(content, progress)
    diags, left_out = _check(hub, options, key)
    if any(d.severity == "error" for d in diags):
        errors = sum(1 for d in diags if d.severity == "error")
        raise BuildStopped("check", f"{errors} errors in the content", diags + left_out, files=len(hub.documents))
    indexed = _index(hub, index_dir, progress)
    staging = release.staging_dir(site_dir)
    try:
        plugin, theme_dirs = _mkdocs_build(config_file, content, staging, hub, index_dir)
        pages, site = plugin.pages, plugin.site
        if pages is None or site is None:  # the plugin did not run: mkdocs.yml lacks it
            raise BuildStopped("mkdocs", f"{config_file} does not enable the kmgen plugin (plugins: - kmgen)")
        outputs = [CATALOG_FILE, FEED_FILE, BROWSE_FILE]
        if Site.optional("kmgen.skos", "to_jsonld") is not None:
            outputs.append(TAXONOMY_FILE)
        content_urls = [site.url(p) for p in site.pages]
        generated_urls = [site.url(p.src_uri) for p in pages.generated()]
        problems = verify.verify(staging, content_urls, generated_urls + plugin.redirect_files, outputs, theme_dirs,
                                 hub.root.parent / ".kmgen" / VERIFY_CACHE)
        if problems:
            raise BuildStopped("verify", f"{len(problems)} problems in the built site", details=problems)
        files = sum(1 for p in staging.rglob("*") if p.is_file())
        previous = release.swap(staging, site_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BuildReport(site_dir, len(content_urls), len(generated_urls), files, previous, indexed,
                       [d for d in diags if d.severity != "error"], outputs, left_out)


def _check(hub: Hub, options: checks.CheckOptions, key: str | None) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """The check step: (diagnostics that decide the build, pages left out).

    A page the renderer cannot take within its budget is one page's problem, not
    the hub's: it is left out (as any page with an error is) and the rest is
    published, with the page named. The checks run again without it, so a link
    that now leads nowhere stops the build like any broken link. The first run's
    results are shared with `kmgen check` (`result_cache`, under `key`)."""
    known = result_cache.load(hub.root, key)
    if known is not None:
        diags = known.diagnostics
    else:
        diags = checks.run(hub, options)
        result_cache.save(hub.root, key, result_cache.of_hub(hub, diags))
    left_out = [d for d in diags if d.code in LEFT_OUT_CODES]
    if not left_out:
        return diags, []
    hub.diagnostics.extend(left_out)  # no longer accepted: not published, not a link target
    again = checks.run(hub, options)
    return [d for d in again if d.code not in LEFT_OUT_CODES], left_out


def _index(hub: Hub, index_dir: Path, progress: Progress | None) -> bool:
    """Refresh the search index (`kmgen.index`) when that part of kmgen is present."""
    build_index = Site.optional("kmgen.index", "build_index")
    if build_index is None:
        return False
    try:
        build_index(hub, index_dir, progress=progress, rebuild=False)
    except OSError as exc:
        raise BuildStopped("index", f"cannot write the index in {index_dir}: {exc.strerror or exc}") from exc
    return True


def _mkdocs_build(config_file: Path, content: Path, staging: Path, hub: Hub,
                  index_dir: Path) -> tuple[KmgenPlugin, list[str]]:
    """Run MkDocs into `staging`; returns the plugin and the theme's template folders."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    refused = config_guard.unsafe_settings(config_file)
    if refused:
        raise BuildStopped("config", f"{config_file} lets pages read files or run code; not building",
                           details=[*refused, "remove these settings, or, if the maintainers accept the risk, "
                                    "list each under 'allow_unsafe:' of the kmgen plugin (see CONTRIBUTING.md)"])
    with _mkdocs_messages() as messages:
        try:
            config = load_config(str(config_file), docs_dir=str(content.resolve()), site_dir=str(staging),
                                 strict=True)
        except (MkDocsException, OSError) as exc:
            raise BuildStopped("mkdocs", f"cannot use {config_file}: {exc}", details=messages) from exc
        plugin = config.plugins.get("kmgen")
        if not isinstance(plugin, KmgenPlugin):
            raise BuildStopped("mkdocs", f"{config_file} does not enable the kmgen plugin",
                               details=["add '- kmgen' under 'plugins:'"])
        plugin.hub = hub
        plugin.config.index_dir = str(index_dir.resolve())
        try:
            mkdocs_build(config)
        except MkDocsException as exc:
            raise BuildStopped("mkdocs", str(exc) or type(exc).__name__, details=messages) from exc
        except OSError as exc:
            raise BuildStopped("mkdocs", f"cannot write the site: {exc}", details=messages) from exc
        except Exception as exc:  # any renderer failure is reported, never as a traceback
            raise BuildStopped("mkdocs", _render_failure(plugin, exc), details=messages) from exc
    return plugin, [str(d) for d in config.theme.dirs]


def _render_failure(plugin: KmgenPlugin, exc: Exception) -> str:
    """What broke, naming the page MkDocs was rendering when it did."""
    what = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if isinstance(exc, RecursionError):
        what = "the page nests too deeply for the Markdown renderer (RecursionError)"
    if plugin.current_page is None:
        return f"MkDocs failed outside any page ({what})"
    return (f"MkDocs failed while rendering {plugin.current_page} ({what}); "
            "fix or remove that page, the rest of the hub is not affected")


@contextmanager
def _mkdocs_messages() -> Iterator[list[str]]:
    """MkDocs reports problems through logging; collect its warnings and errors."""
    messages: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(f"{record.levelname.lower()}: {record.getMessage()}")

    handler = _Collect(logging.WARNING)
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)

