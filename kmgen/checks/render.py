"""Every page body rendered once, as the site renders it, under a budget (KM820-KM824).

`kmgen check` promises that what it accepts builds. So each body is converted
by Python-Markdown with the Markdown extensions and settings of the hub's
`mkdocs.yml` (plus the raw-HTML reader MkDocs adds), with a limit on processor
time and on stack depth: a page that would stall the build or crash it
(RecursionError, a parser assertion, anything) becomes an error on that page,
never a traceback, and the rest of the hub is still checked. Ids a contributor
sets by hand must be plain slugs, because the theme writes heading ids into
its table of contents without escaping them.

The link check reads the same renderings (`render_hub`), and results are
cached by body hash in `.kmgen/render-cache.json` next to the content folder,
so an unchanged hub is not rendered twice.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import json
import re
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import markdown
import yaml

from kmgen.checks import CheckOptions
from kmgen.checks import render_budget as budget
from kmgen.checks.rendered import BodyFacts, collect, install
from kmgen.checks.result_cache import signed
from kmgen.diagnostics import Diagnostic
from kmgen.hub import Hub

# What MkDocs always adds, then what the sample mkdocs.yml enables: used when a
# hub has no mkdocs.yml next to its content folder.
BUILTINS = ("toc", "tables", "fenced_code")
DEFAULT_EXTENSIONS: dict[str, dict[str, Any]] = {
    "admonition": {}, "attr_list": {}, "footnotes": {}, "tables": {"use_align_attribute": True},
    "toc": {"permalink": True}, "pymdownx.details": {}, "pymdownx.highlight": {}, "pymdownx.superfences": {},
    "pymdownx.tabbed": {"alternate_style": True},
}
FACTS_VERSION = 4  # bump when BodyFacts or the way they are collected changes
# An id the theme may print unescaped: a slug, as the toc extension makes them.
SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}")


@dataclass(frozen=True)
class SiteMarkdown:
    """The Markdown extensions and their settings, as MkDocs will load them."""

    extensions: tuple[str, ...]
    configs: dict[str, dict[str, Any]]

    def new(self) -> markdown.Markdown:
        return markdown.Markdown(extensions=list(self.extensions), extension_configs=self.configs)

    def fingerprint(self, seconds: float) -> str:
        import pymdownx

        state = [FACTS_VERSION, markdown.__version__, getattr(pymdownx, "__version__", ""), budget.STACK_FRAMES,
                 seconds, list(self.extensions), self.configs]
        return hashlib.sha256(json.dumps(state, sort_keys=True, default=repr).encode()).hexdigest()


DEFAULT_SITE = SiteMarkdown((*BUILTINS, *(e for e in DEFAULT_EXTENSIONS if e not in BUILTINS)),
                            {k: v for k, v in DEFAULT_EXTENSIONS.items() if v})


def site_markdown(config_file: Path) -> tuple[SiteMarkdown, list[Diagnostic]]:
    """Read `markdown_extensions` from mkdocs.yml the way MkDocs does (its YAML
    loader, its built-in extensions first); without the file, kmgen's defaults."""
    if not config_file.is_file():
        return DEFAULT_SITE, []
    try:
        config = yaml.load(config_file.read_bytes(), Loader=_ConfigLoader)  # noqa: S506 (a safe loader)
        site = _extensions(config.get("markdown_extensions", []) if isinstance(config, dict) else [])
        site.new()  # fails here, not once per page, if an extension cannot load
    except Exception as exc:  # any YAML, import or extension error: the build reports it itself
        return DEFAULT_SITE, [Diagnostic(config_file.name, 0, "KM823", "warning",
                                         f"cannot read the Markdown settings of {config_file.name}: {exc}",
                                         "pages were checked with kmgen's default Markdown extensions")]
    return site, []


class _ConfigLoader(yaml.SafeLoader):
    """mkdocs.yml read without running anything: `kmgen check` runs on pull
    requests, which may change mkdocs.yml. MkDocs' own loader would construct
    any Python object; this one knows `!ENV`, `!relative` and names of
    functions from the Markdown extension packages (`!!python/name:`), and
    refuses every other tag."""


def _env(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return None  # `!ENV NAME`: no environment at check time; the extension default applies
    values = loader.construct_sequence(node) if isinstance(node, yaml.SequenceNode) else []
    return values[-1] if values else None  # `!ENV [NAME, default]`


def _python_name(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    module, _, name = suffix.rpartition(".")
    if not module.startswith(_TRUSTED_MODULES):
        raise ValueError(f"mkdocs.yml names Python object '{suffix}', outside {', '.join(_TRUSTED_MODULES)}")
    return getattr(importlib.import_module(module), name)


_TRUSTED_MODULES = ("markdown.", "pymdownx.", "material.")
_ConfigLoader.add_constructor("!ENV", _env)
_ConfigLoader.add_constructor("!relative", lambda loader, node: loader.construct_scalar(node))  # type: ignore[arg-type]
_ConfigLoader.add_multi_constructor("tag:yaml.org,2002:python/name:", _python_name)


def _registered_extensions() -> set[str]:
    return {entry.name for entry in importlib.metadata.entry_points(group="markdown.extensions")}


def _extensions(value: Any) -> SiteMarkdown:
    names: list[str] = list(BUILTINS)
    configs: dict[str, dict[str, Any]] = {}
    items = list(value.items()) if isinstance(value, dict) else [
        next(iter(i.items())) if isinstance(i, dict) else (i, None) for i in value or []]
    for name, cfg in items:
        if not isinstance(name, str):
            raise ValueError(f"'{name}' is not a Markdown extension name")
        if not (name in _registered_extensions() or name.startswith(_TRUSTED_MODULES)):
            # Loading it means importing a module by that name, maybe one the pull request adds.
            raise ValueError(f"extension '{name}' is neither installed as a Markdown extension nor part of "
                             f"{', '.join(_TRUSTED_MODULES)}")
        names.append(name)
        if cfg:
            configs[name] = dict(cfg)
    return SiteMarkdown(tuple(dict.fromkeys(names)), configs)


class BodyRenderer:
    """Renders bodies one after another with one Markdown instance, replaced
    whenever a rendering was cut short (its state is then undefined)."""

    def __init__(self, site: SiteMarkdown, seconds: float = budget.CPU_SECONDS) -> None:
        self.site = site
        self.seconds = seconds
        self._md: markdown.Markdown | None = None

    def render(self, body: str) -> BodyFacts:
        outcome = self._attempt(body)
        if isinstance(outcome, BodyFacts):
            return outcome
        if isinstance(outcome, budget.RenderTimeout):
            return BodyFacts(failure=budget.timeout_failure(body, self.seconds))
        line = self._first_failing_line(body, type(outcome))
        if isinstance(outcome, RecursionError):
            return BodyFacts(failure=budget.depth_failure(body, line))
        return BodyFacts(failure=budget.crash_failure(body, outcome, line))

    def _attempt(self, body: str) -> BodyFacts | BaseException:
        if self._md is None:
            self._md = self.site.new()
            budget.add_mkdocs_raw_html_reader(self._md)
            self._collector = install(self._md)
        md, collector = self._md, self._collector
        try:
            with budget.limits(self.seconds):
                md.convert(body)
                return collect(md, collector, body)
        except (budget.RenderTimeout, Exception) as exc:  # the class of bug closed here: anything at all
            self._md = None  # cut short: its state is undefined
            return exc
        finally:
            if self._md is not None:
                self._md.reset()
                collector.reset()

    def _first_failing_line(self, body: str, kind: type[BaseException]) -> int | None:
        """The line where the failure starts: the shortest failing prefix of the
        body, found by halving (a dozen renders at most, within one more budget)."""
        lines = body.split("\n")
        good, bad = 0, len(lines)  # a prefix of `good` lines renders, one of `bad` lines fails
        deadline = time.process_time() + self.seconds
        for _ in range(12):
            if bad - good <= 1 or time.process_time() > deadline:
                break
            middle = (good + bad) // 2
            outcome = self._attempt("\n".join(lines[:middle]))
            if isinstance(outcome, budget.RenderTimeout):
                return None
            if isinstance(outcome, kind):
                bad = middle
            else:
                good = middle
        return bad - 1


@dataclass
class HubRenders:
    facts: dict[str, BodyFacts] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)  # about the settings, not a page
    rendered: int = 0  # bodies rendered this run (the rest came from the cache)


_memo: dict[int, tuple[weakref.ReferenceType[Hub], CheckOptions, HubRenders]] = {}


def render_hub(hub: Hub, options: CheckOptions) -> HubRenders:
    """Every body of the hub rendered (or read from the cache) once per check run."""
    for key in [k for k, (ref, _, _) in _memo.items() if ref() is None]:
        del _memo[key]
    known = _memo.get(id(hub))
    if known and known[0]() is hub and known[1] == options:
        return known[2]
    site, diags = site_markdown(options.site_config or hub.root.parent / "mkdocs.yml")
    # keyed with the machine key: renderings planted in a pull request never match
    fingerprint = signed(site.fingerprint(options.render_seconds))
    cache = RenderCache(hub.root.parent / ".kmgen" / "render-cache.json" if options.render_cache and fingerprint
                        else None, fingerprint or "")
    renderer = BodyRenderer(site, options.render_seconds)
    out = HubRenders(diagnostics=diags)
    for path, doc in sorted(hub.documents.items()):
        facts = cache.get(doc.body)
        if facts is None:
            facts = renderer.render(doc.body)
            out.rendered += 1
            cache.put(doc.body, facts)
        out.facts[path] = facts
    cache.save()
    _memo[id(hub)] = (weakref.ref(hub), options, out)
    return out


def check(hub: Hub, options: CheckOptions) -> list[Diagnostic]:
    renders = render_hub(hub, options)
    diags = list(renders.diagnostics)
    for path, facts in sorted(renders.facts.items()):
        doc = hub.documents[path]
        if facts.failure:
            code, offset, message, hint = facts.failure
            diags.append(Diagnostic(path, doc.body_line + offset, code, "error", message, hint))
        for offset, anchor in facts.explicit_ids:
            if not SAFE_ID.fullmatch(anchor):
                diags.append(Diagnostic(path, doc.body_line + offset, "KM824", "error",
                                        f"id {_shown(anchor)} is not a plain slug: the site's table of contents "
                                        "would print it as it is", _id_hint(anchor)))
    return diags


def _shown(anchor: str) -> str:
    return repr(anchor if len(anchor) <= 60 else anchor[:57] + "...")


def _id_hint(anchor: str) -> str:
    if len(anchor) > 200:
        return "use an id of at most 200 characters"
    slug = re.sub(r"[^A-Za-z0-9_.:-]+", "-", anchor).strip("-_.:")[:200]
    example = f" such as '{slug}'" if slug else ""
    return ("use letters, digits, '-', '_', '.' and ':' only, starting with a letter or digit" + example)


class RenderCache:
    """Facts by body hash, for one fingerprint of the Markdown settings. Only
    bodies seen in this run are written back, so the file never grows stale."""

    def __init__(self, path: Path | None, fingerprint: str) -> None:
        self.path = path
        self.fingerprint = fingerprint
        self.entries: dict[str, dict[str, Any]] = {}
        self.used: dict[str, dict[str, Any]] = {}
        self.changed = False
        if path is None:
            return
        try:
            data = json.loads(path.read_bytes())
            if data.get("fingerprint") == fingerprint and isinstance(data.get("pages"), dict):
                self.entries = data["pages"]
        except (OSError, ValueError, AttributeError):
            pass  # no cache, or a damaged one: render everything again

    def get(self, body: str) -> BodyFacts | None:
        key = _key(body)
        entry = self.entries.get(key)
        if entry is None:
            return None
        try:
            facts = BodyFacts.from_json(entry)
        except (KeyError, TypeError, ValueError):
            return None
        self.used[key] = entry
        return facts

    def put(self, body: str, facts: BodyFacts) -> None:
        if facts.failure and facts.failure[0] == budget.TIMEOUT:
            return  # time depends on the machine's load: measure again next run
        self.used[_key(body)] = facts.to_json()
        self.changed = True

    def save(self) -> None:
        if self.path is None or not (self.changed or len(self.used) != len(self.entries)):
            return
        from kmgen.writes import write_atomic

        data = json.dumps({"fingerprint": self.fingerprint, "pages": self.used}, separators=(",", ":"))
        try:
            write_atomic(self.path, data.encode())
        except OSError:
            pass  # a read-only checkout is checked all the same, only slower next time


def _key(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()
