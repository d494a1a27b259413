"""Foreign keys kept under `source_meta:`, and extra fields a hub declares for its own
pages in `content/kmgen.yml`: accepted by `kmgen check`, never published."""

from __future__ import annotations

import json

from conftest import page, run_kmgen
from kmgen.hub import load_hub
from kmgen.publish.pages import SitePages
from kmgen.publish.site import Settings, Site

SOURCE_META = """\
source_meta:
  layout: post
  weight: 3
  draft: true
  date: 2013-12-02 10:58:53 -0400
  canary: "<script>alert('canary-7731')</script>"
  menu: {main: {parent: guides, weight: [1, 2]}}
"""


def _errors(root) -> list[tuple[str, int, str]]:
    proc = run_kmgen("check", str(root), "--format", "json")
    return [(d["path"], d["line"], d["code"]) for d in json.loads(proc.stdout) if d["severity"] != "note"]


def test_source_meta_holds_any_mapping_and_is_never_published(make_hub) -> None:
    root = make_hub({"imported.md": page(extra=SOURCE_META)})
    assert _errors(root) == []
    hub = load_hub(root)
    doc = hub.documents["imported.md"]
    assert doc.get("source_meta")["menu"] == {"main": {"parent": "guides", "weight": [1, 2]}}
    assert doc.get("status", "published") == "published"  # the foreign draft flag means nothing here
    assert [d.path for d in hub.accepted()] == ["imported.md"]
    source = SitePages(Site(hub, Settings())).by_uri["imported.md"]
    assert "source_meta" not in source.meta
    assert "canary-7731" not in json.dumps(source.meta) + str(source.jsonld) + repr(source.context)


def test_source_meta_that_is_not_a_mapping_is_a_type_error(make_hub) -> None:
    root = make_hub({"p.md": page(extra="source_meta: layout post\n")})
    proc = run_kmgen("check", str(root), "--format", "json")
    (diag,) = [d for d in json.loads(proc.stdout) if d["severity"] == "error"]
    assert (diag["line"], diag["code"], diag["field"]) == (7, "KM220", "source_meta")
    assert "source_meta:" in diag["hint"]


HUB_CONFIG = """\
# Fields this hub's own pages may carry, beyond kmgen's schema.
extra_fields:
  internal_ref:
    kind: text
    description: Reference in the ministry's records system.
  reviewers:
    kind: list
  approved_on:
    kind: date
"""


def test_a_hub_declares_extra_fields_for_its_own_pages(make_hub) -> None:
    root = make_hub({
        "ok.md": page(extra="internal_ref: MIN-42\nreviewers: [Ana, Bo]\napproved_on: 2026-01-02\n"),
        "wrong.md": page(extra="internal_ref: [a, b]\napproved_on: soon\n"),
        "unknown.md": page(extra="internal_reff: x\n"),
        "kmgen.yml": HUB_CONFIG,
    })
    assert sorted(_errors(root)) == [("unknown.md", 7, "KM210"), ("wrong.md", 7, "KM220"), ("wrong.md", 8, "KM221")]
    proc = run_kmgen("check", str(root), "--format", "json")
    (hint,) = [d["hint"] for d in json.loads(proc.stdout) if d["code"] == "KM210"]
    assert hint == "did you mean 'internal_ref'?"


def test_a_bad_hub_config_is_reported_with_its_line(make_hub) -> None:
    config = ("extra_fields:\n  title:\n    kind: text\n  score:\n    kind: number\n"
              "  Bad-Name:\n    kind: text\n  notes: text\n")
    root = make_hub({"p.md": page(extra="score: 3\n"), "kmgen.yml": config})
    proc = run_kmgen("check", str(root), "--format", "json")
    found = sorted((d["path"], d["line"], d["code"]) for d in json.loads(proc.stdout) if d["severity"] == "error")
    assert found == [("kmgen.yml", 2, "KM248"), ("kmgen.yml", 5, "KM248"), ("kmgen.yml", 6, "KM248"),
                     ("kmgen.yml", 8, "KM248"), ("p.md", 7, "KM210")]
    messages = {d["line"]: d["message"] for d in json.loads(proc.stdout) if d["path"] == "kmgen.yml"}
    assert "already a kmgen field" in messages[2] and "Expected one of" in messages[5]


def test_a_hub_config_with_unknown_keys_or_unsafe_yaml_is_an_error(make_hub) -> None:
    root = make_hub({"p.md": page(), "kmgen.yml": "extra_fields: {}\nplugins: [x]\n"})
    assert ("kmgen.yml", 2, "KM248") in _errors(root)
    root = make_hub({"p.md": page(), "kmgen.yml": "extra_fields: !!python/object:os.system {}\n"})
    assert ("kmgen.yml", 1, "KM132") in _errors(root)
