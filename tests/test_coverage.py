"""`kmgen report coverage` and the published "Coverage and gaps" page."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import html5lib

from conftest import MINI_TAXONOMY, REVIEWED, page, run_kmgen, site_config
from kmgen.hub import load_hub
from kmgen.publish.build import publish
from kmgen.reports import coverage

TODAY = dt.date(2026, 6, 1)
H = "{http://www.w3.org/1999/xhtml}"
# One more audience whose label must reach the page escaped.
TAXONOMY = MINI_TAXONOMY.replace(
    "      - {id: customer-experience,",
    '      - {id: x-team, label: "<b>X</b> team", definition: Markup in a label.}\n'
    "      - {id: customer-experience,")


def hub_files() -> dict[str, str]:
    return {
        "index.md": "---\ntitle: Home\nsummary: Start here.\ntype: page\n---\nWelcome.\n",
        "a.md": page("Identity for developers", "playbook",
                     extra="building_blocks: [identity]\naudience: [developers]\nlanguage: fr\n"),
        "b.md": page("Registration", extra="building_blocks: [registration]\naudience: [civil-servants]\n")
        .replace(f"last_reviewed: {REVIEWED}", "last_reviewed: 2020-01-01"),
        "c.md": page("Payments", extra="building_blocks: [payments]\naudience: [civil-servants, leaders]\n"),
        "d.md": page("No block", extra="audience: [leaders]\n"),
        "e.md": page("Draft", extra="building_blocks: [payments-layer]\naudience: [leaders]\nstatus: draft\n"),
        "f.md": page("Rejected", extra="building_blocks: [payments]\naudience: [leaders]\nsumary: x\n"),
    }


def test_matrix_rolls_narrower_concepts_up_and_keeps_empty_cells(make_hub) -> None:
    hub = load_hub(make_hub(hub_files()))
    m = coverage.build(hub.resources(), hub.tags, hub.taxonomy, ("building-block", "audience"), 1, TODAY)
    assert [h.id for h in m.axes[0].concepts] == ["digital-id-layer", "payments-layer"]
    counts = {key: (c.paths, c.languages, c.overdue) for key, c in m.cells.items() if c.count}
    assert counts == {
        ("digital-id-layer", "civil-servants"): (("b.md",), ("en",), 1),
        ("digital-id-layer", "digital-team"): (("a.md",), ("fr",), 0),
        ("payments-layer", "civil-servants"): (("c.md",), ("en",), 0),
        ("payments-layer", "leaders"): (("c.md",), ("en",), 0),
    }
    assert m.gaps() == [("digital-id-layer", "leaders"), ("digital-id-layer", "customer-experience"),
                        ("payments-layer", "digital-team"), ("payments-layer", "customer-experience")]
    assert m.unclassified == {"building-block": 1, "audience": 0}


def test_depth_two_shows_narrower_concepts_under_their_parent(make_hub) -> None:
    hub = load_hub(make_hub(hub_files()))
    m = coverage.build(hub.resources(), hub.tags, hub.taxonomy, ("building-block", "audience"), 2, TODAY)
    assert [(h.id, h.level) for h in m.axes[0].concepts] == [
        ("digital-id-layer", 0), ("identity", 1), ("registration", 1), ("payments-layer", 0), ("payments", 1)]
    assert m.cells[("identity", "developers")].paths == ("a.md",)
    assert m.cells[("identity", "digital-team")].paths == ("a.md",)
    assert m.cells[("digital-id-layer", "developers")].paths == ("a.md",)
    assert m.cells[("registration", "developers")].count == 0


def test_report_coverage_text_accepts_keys_and_labels(make_hub) -> None:
    root = make_hub(hub_files())
    proc = run_kmgen("report", "coverage", "--content", str(root), "--facets", "building_blocks, Audience",
                     "--today", "2026-06-01")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "Coverage of 4 resources by Building block × Audience (as of 2026-06-01)",
        "A cell: resources, their languages, !n overdue for review. · = no resource: a gap.",
        "",
        "Building block \\ Audience  Civil servants  Leaders and officials  Digital team  Customer experience",
        "Digital ID layer                  1 en !1                      ·          1 fr                    ·",
        "Payments layer                       1 en                   1 en             ·                    ·",
        "",
        "Gaps: 4 of 8 combinations have no resource:",
        "  - Digital ID layer × Leaders and officials",
        "  - Digital ID layer × Customer experience",
        "  - Payments layer × Digital team",
        "  - Payments layer × Customer experience",
        "",
        "Not in the matrix: 1 of 4 resources has no Building block.",
    ]


def test_report_coverage_json_default_three_facets(make_hub) -> None:
    root = make_hub(hub_files())
    proc = run_kmgen("report", "coverage", "--content", str(root), "--format", "json", "--today", "2026-06-01")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert [f["id"] for f in data["facets"]] == ["building-block", "audience", "resource-type"]
    assert data["summary"] == {"cells": 2 * 4 * 7, "empty": 2 * 4 * 7 - 4}
    full = [c for c in data["cells"] if c["count"]]
    assert full == [
        {"concepts": {"building-block": "digital-id-layer", "audience": "digital-team", "resource-type": "playbook"},
         "count": 1, "languages": ["fr"], "overdue": 0, "paths": ["a.md"]},
        {"concepts": {"building-block": "digital-id-layer", "audience": "civil-servants",
                      "resource-type": "guideline"}, "count": 1, "languages": ["en"], "overdue": 1, "paths": ["b.md"]},
        {"concepts": {"building-block": "payments-layer", "audience": "civil-servants", "resource-type": "guideline"},
         "count": 1, "languages": ["en"], "overdue": 0, "paths": ["c.md"]},
        {"concepts": {"building-block": "payments-layer", "audience": "leaders", "resource-type": "guideline"},
         "count": 1, "languages": ["en"], "overdue": 0, "paths": ["c.md"]},
    ]
    assert data["gaps"][0] == {"building-block": "digital-id-layer", "audience": "civil-servants",
                               "resource-type": "playbook"}
    assert data["unclassified"] == {"building-block": 1, "audience": 0, "resource-type": 0}


def test_report_coverage_markdown(make_hub) -> None:
    root = make_hub(hub_files())
    proc = run_kmgen("report", "coverage", "--content", str(root), "--facets", "building-block,audience",
                     "--format", "markdown", "--today", "2026-06-01")
    lines = proc.stdout.splitlines()
    assert "| Building block \\\\ Audience | Civil servants | Leaders and officials | Digital team | " \
           "Customer experience |" in lines
    assert "| Digital ID layer | 1 en !1 | · | 1 fr | · |" in lines
    assert "- Payments layer × Digital team" in lines


def test_report_coverage_rejects_bad_facets(make_hub) -> None:
    root = make_hub(hub_files())
    one = run_kmgen("report", "coverage", "--content", str(root), "--facets", "audience")
    assert one.returncode == 2 and "expected 2 or 3 facets separated by commas, got 1" in one.stderr
    bad = run_kmgen("report", "coverage", "--content", str(root), "--facets", "audience,colour")
    assert bad.returncode == 2 and "unknown facet 'colour'; expected one of" in bad.stderr
    twice = run_kmgen("report", "coverage", "--content", str(root), "--facets", "audience,Audience")
    assert twice.returncode == 2 and "facet 'audience' is given twice" in twice.stderr


def _text(e: ET.Element) -> str:
    return " ".join("".join(e.itertext()).split())


def test_site_has_a_coverage_page_with_gaps_marked(make_hub, tmp_path: Path) -> None:
    files = hub_files()
    del files["f.md"]  # a page with errors stops the build
    root = make_hub(files, taxonomy=TAXONOMY)
    publish(root, tmp_path / "site", site_config(tmp_path), tmp_path / "index")
    doc = html5lib.parse((tmp_path / "site" / "coverage.html").read_bytes())
    nav = [_text(a) for a in doc.iter(f"{H}a") if "md-nav__link" in (a.get("class") or "").split()]
    assert "Coverage and gaps" in nav
    tables = [t for t in doc.iter(f"{H}table") if "kmgen-coverage" in (t.get("class") or "")]
    assert len(tables) == 7  # one per resource type
    heads = [(a.get("href"), _text(a)) for a in tables[0].iter(f"{H}a") if a.get("class") != "kmgen-cell"]
    assert heads[:7] == [
        ("facets/audience/civil-servants.html", "Civil servants"), ("facets/audience/leaders.html",
                                                                    "Leaders and officials"),
        ("facets/audience/digital-team.html", "Digital team"), ("facets/audience/x-team.html", "<b>X</b> team"),
        ("facets/audience/customer-experience.html", "Customer experience"),
        ("facets/building-block/digital-id-layer.html", "Digital ID layer"),
        ("facets/building-block/payments-layer.html", "Payments layer")]
    playbook = [[_text(td) for td in tr.iter(f"{H}td")] for tr in tables[0].iter(f"{H}tr")][1:]
    assert playbook == [["0 gap", "0 gap", "1 fr", "0 gap", "0 gap"], ["0 gap"] * 5]
    gaps = [td for t in tables for td in t.iter(f"{H}td") if td.get("class") == "kmgen-gap"]
    assert len(gaps) == 2 * 5 * 7 - 4
    guideline = [[_text(td) for td in tr.iter(f"{H}td")] for tr in tables[4].iter(f"{H}tr")][1:]
    assert guideline[0][0] == "1 en 1 overdue"
    missing = [p for p in doc.iter(f"{H}p") if p.get("class") == "kmgen-missing-facet"]
    assert [_text(p) for p in missing] == ["Not in the tables, 1 resource has no Building block: No block."]
    assert [a.get("href") for a in missing[0].iter(f"{H}a")] == ["facets/building-block/index.html", "d.html"]


def test_every_coverage_count_links_to_its_pages_and_gaps_are_in_words(make_hub, tmp_path: Path) -> None:
    files = hub_files()
    del files["f.md"]
    root = make_hub(files, taxonomy=TAXONOMY)
    publish(root, tmp_path / "site", site_config(tmp_path), tmp_path / "index")
    proc = run_kmgen("report", "coverage", "--content", str(root), "--format", "json")
    report = json.loads(proc.stdout)
    cells = {tuple(sorted(c["concepts"].items())): c for c in report["cells"]}
    doc = html5lib.parse((tmp_path / "site" / "coverage.html").read_bytes())
    links = [a for a in doc.iter(f"{H}a") if a.get("class") == "kmgen-cell"]
    assert len(links) == sum(1 for c in report["cells"] if c["count"])  # every non-empty cell, no other
    for a in links:
        page, _, selection = a.get("href").partition("#")
        assert page == "browse.html"
        key = tuple(sorted(tuple(pair.split("=")) for pair in selection.split("&")))
        assert _text(a) == str(cells[key]["count"]), key
    assert {a.get("href") for a in links} >= {
        "browse.html#building-block=digital-id-layer&audience=digital-team&resource-type=playbook",
        "browse.html#building-block=payments-layer&audience=leaders&resource-type=guideline"}
    gaps = [_text(p) for p in doc.iter(f"{H}p") if p.get("class") == "kmgen-gaps"]
    assert len(gaps) == 7  # one line per table
    assert gaps[0].startswith("9 gaps: Digital ID layer × Civil servants; Digital ID layer × Leaders and officials;")
    assert "Payments layer × <b>X</b> team" in gaps[0]  # a label's markup is text, not HTML
    assert sum(int(g.split()[0]) for g in gaps) == report["summary"]["empty"]
