"""Guards on the files that decide what every page may do.

A page is untrusted, and so is a pull request that changes the site
configuration, the theme, the plugins, the workflows or the taxonomy: one line
in `mkdocs.yml` (say, enabling `pymdownx.snippets`) would let any page read
files from the machine that builds the site. Two guards:

- `changed_protected`: given a git base (`kmgen check --changed-since REF`),
  every protected path the change touches is a KM840 warning asking for a
  maintainer's review (the owners are in CODEOWNERS);
- `unsafe_settings`: `kmgen build` refuses a configuration that breaks the
  untrusted-input rules (include or file-reading extensions and plugins, code
  run from the configuration, raw-HTML switches, hooks) unless the
  maintainers list the setting under the kmgen plugin's `allow_unsafe`.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from kmgen.diagnostics import Diagnostic

# Repository paths whose changes a maintainer must review (folders end in "/").
PROTECTED = ("mkdocs.yml", "overrides/", "kmgen/theme/", "plugins/", ".github/", "CODEOWNERS", "pyproject.toml",
             "content/kmgen.yml")
# Words in an extension's or plugin's name that mean it pulls other files,
# runs code or templates into pages.
_RISKY_WORDS = ("snippet", "include", "exec", "macros", "hooks", "gen-files", "gen_files", "markdownextradata",
                "jinja", "template")
_RISKY_OPTIONS = ("unsafe", "allow_html", "raw_html", "safe_mode", "base_path", "url_download", "check_paths")
# Modules whose functions a configuration may name (slugs, fence formatters):
# they format text and read nothing.
_SAFE_CALLABLE_MODULES = ("markdown.", "pymdownx.slugs.", "pymdownx.superfences.", "pymdownx.highlight.",
                          "pymdownx.emoji.", "material.extensions.emoji.")


def changed_protected(content_dir: Path, base: str) -> list[Diagnostic]:
    """KM840 for every protected path changed since `base`; KM841 when git cannot tell."""
    try:
        top = Path(_git(content_dir, "rev-parse", "--show-toplevel").strip())
        names = _git(top, "diff", "-z", "--name-only", "--no-renames", base, "--").split("\0")
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        return [Diagnostic(".", 0, "KM841", "error", f"cannot list the changes since {base!r}: {detail.strip()}",
                           "pass a commit or branch git knows (fetch it first, e.g. git fetch origin main)")]
    taxonomy = _repo_relative(top, content_dir / "taxonomy.yml")
    found = []
    for name in filter(None, names):
        if name == taxonomy or any(name == p or (p.endswith("/") and name.startswith(p)) for p in PROTECTED):
            where = os.path.relpath(top / name, content_dir.resolve()).replace(os.sep, "/")
            found.append(Diagnostic(
                where, 0, "KM840", "warning",
                f"this change edits {name}, which decides what every page may do "
                "(site configuration, theme, plugins, workflows or taxonomy)",
                "a maintainer named in CODEOWNERS must review it before it is merged"))
    return found


class _Tagged:
    """A value that carried a YAML tag (`!!python/name:...`, `!ENV` ...), kept, never run."""

    def __init__(self, tag: str, value: Any):
        self.tag, self.value = tag, value


class _RawLoader(yaml.SafeLoader):
    """Reads mkdocs.yml without importing or running anything it names."""


def _tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> _Tagged:
    if isinstance(node, yaml.MappingNode):
        return _Tagged(node.tag, loader.construct_mapping(node))
    if isinstance(node, yaml.SequenceNode):
        return _Tagged(node.tag, loader.construct_sequence(node))
    return _Tagged(node.tag, loader.construct_scalar(node))  # type: ignore[arg-type]


_RawLoader.add_multi_constructor("!", _tagged)
_RawLoader.add_multi_constructor("tag:yaml.org,2002:python/", _tagged)


def unsafe_settings(config_file: Path) -> list[str]:
    """Settings in `config_file` that break the untrusted-input rules, except
    those the maintainers allowed by name under the kmgen plugin's `allow_unsafe`.
    Read before MkDocs loads the file: loading it already runs hooks and imports."""
    try:
        data = yaml.load(config_file.read_text(encoding="utf-8"), Loader=_RawLoader)  # a SafeLoader
    except (OSError, yaml.YAMLError) as exc:
        return [f"cannot read {config_file}: {exc}"]
    if not isinstance(data, dict):
        return []
    plugins = dict(_named(data.get("plugins")))
    kmgen = plugins.get("kmgen")
    allow = set(kmgen.get("allow_unsafe") or []) if isinstance(kmgen, dict) else set()
    problems = []
    for name, options in _named(data.get("markdown_extensions")):
        if name not in allow and _risky(name):
            problems.append(f"markdown_extensions: {name} pulls in files or runs code from pages")
        for key in options if isinstance(options, dict) else {}:
            if f"{name}.{key}" not in allow and key in _RISKY_OPTIONS:
                problems.append(f"markdown_extensions: {name}.{key} loosens what pages may do")
    for name in plugins:
        if name not in allow and _risky(name):
            problems.append(f"plugins: {name} pulls in files or runs code from pages")
    for key in ("hooks", "INHERIT"):
        if data.get(key) and key not in allow:
            problems.append(f"{key}: {data[key]} runs or reads files named in the configuration")
    for tagged in _tags(data):
        tag = str(tagged.tag)
        target = tag.rsplit(":", 1)[-1]  # tag:yaml.org,2002:python/name:module.function
        if "python/" in tag and not (target.startswith(_SAFE_CALLABLE_MODULES) or target in allow):
            problems.append(f"!!{tag.split(':', 2)[-1]}: the configuration names Python code to run")
    return problems


def _named(items: Any) -> Iterable[tuple[str, Any]]:
    """(name, options) of each entry of a MkDocs list (`- name` or `- name: {options}`)."""
    entries = items.items() if isinstance(items, dict) else items or []
    for entry in entries:
        if isinstance(entry, tuple):
            yield str(entry[0]), entry[1]
        elif isinstance(entry, dict):
            yield from ((str(k), v) for k, v in entry.items())
        else:
            yield str(entry), None


def _risky(name: str) -> bool:
    return any(word in name.lower() for word in _RISKY_WORDS)


def _tags(value: Any) -> Iterable[_Tagged]:
    if isinstance(value, _Tagged):
        yield value
        value = value.value
    if isinstance(value, dict):
        for v in value.values():
            yield from _tags(v)
    elif isinstance(value, list):
        for v in value:
            yield from _tags(v)


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=60).stdout


def _repo_relative(top: Path, path: Path) -> str:
    try:
        return PurePosixPath(path.resolve().relative_to(top.resolve())).as_posix()
    except ValueError:
        return ""
