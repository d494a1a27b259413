"""`content/kmgen.yml`: what a hub declares about itself beyond kmgen's schema.

Today one thing: `extra_fields`, front-matter fields the hub's own pages may
carry (a ministry's record number, an internal approval date). They are
checked for their kind and accepted by `kmgen check`, and never published:
kmgen's templates know only kmgen's fields. The file is read with the same
safe-YAML rules as front matter, because it arrives by pull request too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kmgen.content import safe_compose
from kmgen.diagnostics import Diagnostic

CONFIG_FILE = "kmgen.yml"
FIELD_KINDS = ("text", "list", "date", "mapping", "any")
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_MAX_BYTES = 64 * 1024


@dataclass(frozen=True)
class ExtraField:
    name: str
    kind: str
    description: str = ""


@dataclass(frozen=True)
class HubConfig:
    extra_fields: Mapping[str, ExtraField] = field(default_factory=dict)


def load_hub_config(root: Path, reserved: frozenset[str]) -> tuple[HubConfig, list[Diagnostic]]:
    """The hub's `kmgen.yml` (an empty config when there is none). `reserved`:
    names an extra field may not take (kmgen's own fields)."""
    path = Path(root) / CONFIG_FILE
    if not path.is_file() or path.is_symlink() or Path(root).is_symlink():  # links: sources.scan reports them
        return HubConfig(), []
    node, diags = safe_compose(CONFIG_FILE, path.read_bytes(), _MAX_BYTES)
    if node is None:
        return HubConfig(), diags
    if not isinstance(node, yaml.MappingNode):
        return HubConfig(), [_err(node, "expected 'extra_fields:' and a mapping under it")]
    extra: dict[str, ExtraField] = {}
    for key, value in node.value:
        if key.value != "extra_fields":
            diags.append(_err(key, f"unknown key {key.value!r}; expected one of ['extra_fields']"))
        elif not isinstance(value, yaml.MappingNode):
            diags.append(_err(value, "'extra_fields' must map field names to {kind: ..., description: ...}"))
        else:
            for name, spec in value.value:
                found = _extra_field(name, spec, reserved, diags)
                if found:
                    extra[found.name] = found
    return HubConfig(extra), diags


def _extra_field(name: yaml.Node, spec: yaml.Node, reserved: frozenset[str],
                 diags: list[Diagnostic]) -> ExtraField | None:
    if not _NAME_RE.match(str(name.value)):
        diags.append(_err(name, f"field name {name.value!r} must be lowercase letters, digits and '_'"))
        return None
    if name.value in reserved:
        diags.append(_err(name, f"{name.value!r} is already a kmgen field",
                          "remove it here; kmgen's own field keeps its meaning"))
        return None
    if not isinstance(spec, yaml.MappingNode):
        diags.append(_err(spec, f"'{name.value}' needs a mapping such as {{kind: text}}"))
        return None
    values = {k.value: v for k, v in spec.value}
    kind_node = values.get("kind")
    kind = kind_node.value if isinstance(kind_node, yaml.ScalarNode) else None
    if kind not in FIELD_KINDS:
        diags.append(_err(kind_node or spec, f"Expected one of {list(FIELD_KINDS)} for 'kind', got {kind!r}"))
        return None
    described = values.get("description")
    unknown = sorted(set(values) - {"kind", "description"})
    if unknown:
        diags.append(_err(spec, f"unknown keys {unknown} for '{name.value}'; expected kind and description"))
    text = described.value if isinstance(described, yaml.ScalarNode) else ""
    return ExtraField(str(name.value), str(kind), str(text))


def _err(node: yaml.Node, message: str, hint: str = "see 'Hub configuration' in the README") -> Diagnostic:
    return Diagnostic(CONFIG_FILE, node.start_mark.line + 1, "KM248", "error", message, hint)
