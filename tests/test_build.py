"""`kmgen build`: a real MkDocs build of a small hub, asserted on the HTML a reader gets."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import html5lib
import markdown
import pytest
from pyld import jsonld
from rdflib import Graph, URIRef

from conftest import MINI_TAXONOMY, REPO, REVIEWED, page, run_kmgen, site_config
from kmgen.publish import release
from kmgen.publish.build import BuildStopped, publish
from kmgen.publish.site import Site

SITE_URL = "https://hub.example.org/"
TODAY = dt.date.today()
RECENT = (TODAY - dt.timedelta(days=10)).isoformat()
NS = {"h": "http://www.w3.org/1999/xhtml"}
SKOS = Site.optional("kmgen.skos", "to_jsonld") is not None  # the taxonomy export is another part of kmgen


def hub_files() -> dict[str, str]:
    return {
        "playbooks/sprint.md": page(
            "Running a 100-day sprint", "playbook",
            extra=f"""\
            audience: [civil-servants, developers]
            building_blocks: [e-KYC]
            contributors: [Ana Silva, Ministry of ICT]
            last_reviewed: {RECENT}
            """,
            body="## Steps\n\n!!! note\n    Start small.\n\nSee the [Togo story](../case-studies/togo.md).\n",
            summary="Week by week.").replace(f"last_reviewed: {REVIEWED}\n", "", 1),  # keep the one above
        "case-studies/togo.md": page(
            "Birth registration in Togo", "case-study",
            extra="""\
            country: TG
            period: "2019-2023"
            sector: [CRVS]
            review_every: 6 months
            based_on: [playbooks/sprint.md, "https://example.org/source-guide"]
            """,
            body="How it went. Steps are in the [playbook](../playbooks/sprint.md#steps).\n",
        ).replace(f"last_reviewed: {REVIEWED}", "last_reviewed: 2020-01-01"),
        "guidelines/kenya-id.md": page(
            "Kenya ID guideline", "guideline",
            extra="building_blocks: [registration]\ngeography: [Kenya]\nbased_on: [playbooks/sprint.md]\n"),
        "training/course.md": page(
            "Cours sur les sprints", "training-material",
            extra="delivery: [online course]\nlanguage: fr\nlicense: CC0-1.0\ntranslation_of: playbooks/sprint.md\n"),
        "templates/draft.md": page("Unfinished template", "template", extra="status: draft\n"),
    }


@dataclass(frozen=True)
class Related:
    path: str
    title: str
    score: float
    shared: tuple[str, ...]
    terms: tuple[str, ...]


def fake_related_load(index_dir: Path) -> dict[str, list[Related]]:
    """Stands in for `kmgen.related.load` (the index's related pages) with known answers.
    Only `load` is replaced: the index still computes and writes its own file."""
    return {"playbooks/sprint.md": [Related("guidelines/kenya-id.md", "Kenya ID guideline", 0.8, ("identity",), ()),
                                    Related("templates/draft.md", "Unfinished template", 0.7, (), ())]}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, object]]:
    base = tmp_path_factory.mktemp("hub")
    content = base / "content"
    for rel, text in {"taxonomy.yml": MINI_TAXONOMY, **hub_files()}.items():
        (content / rel).parent.mkdir(parents=True, exist_ok=True)
        (content / rel).write_text(text, encoding="utf-8")
    (base / "index").mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("kmgen.related.load", fake_related_load)
        report = publish(content, base / "site", site_config(base), base / "index")
    yield base / "site", report


def html(site: Path, rel: str) -> ET.Element:
    return html5lib.parse((site / rel).read_bytes(), namespaceHTMLElements=True)


def texts(root: ET.Element, css_class: str) -> list[str]:
    return [" ".join("".join(e.itertext()).split()) for e in root.iter()
            if css_class in (e.get("class") or "").split()]


def links(root: ET.Element, css_class: str) -> list[tuple[str, str]]:
    out = []
    for e in root.iter():
        if css_class in (e.get("class") or "").split():
            out.extend((a.get("href") or "", " ".join("".join(a.itertext()).split()))
                       for a in e.iter(f"{{{NS['h']}}}a"))
    return out


def once(found: list) -> list:
    """Found items without the second copy of the facts panel, in order."""
    return list(dict.fromkeys(found))


def entries(root: ET.Element, css_class: str) -> list[str]:
    """The text of each list item inside the element(s) with this class."""
    return [" ".join("".join(li.itertext()).split()) for e in root.iter()
            if css_class in (e.get("class") or "").split() for li in e.iter(f"{{{NS['h']}}}li")]


def json_ld(root: ET.Element) -> dict:
    scripts = [s for s in root.iter(f"{{{NS['h']}}}script") if s.get("type") == "application/ld+json"]
    assert len(scripts) == 1
    return json.loads(scripts[0].text or "")


def schema_loader(url: str, options: object = None) -> dict:
    """The schema.org context, served locally (tests use no network)."""
    assert url.rstrip("/") == "https://schema.org", url
    return {"contextUrl": None, "documentUrl": url, "document": {"@context": {"@vocab": "https://schema.org/"}}}


def test_every_accepted_page_is_published_and_counted(built) -> None:
    site, report = built
    assert report.pages == 4 and report.previous is None
    for rel in ("playbooks/sprint.html", "case-studies/togo.html", "guidelines/kenya-id.html", "training/course.html"):
        assert (site / rel).is_file(), rel
    assert not (site / "templates/draft.html").exists(), "drafts are not published"
    assert not (site / "taxonomy.yml").exists()
    for rel in ("index.html", "browse.html", "review.html", "types/playbook.html", "facets/audience/index.html",
                "facets/audience/developers.html", "catalog.json", "feed.xml", "browse.json", "sitemap.xml",
                "search/search_index.js"):
        assert (site / rel).is_file(), rel


def test_resource_page_shows_chips_owner_review_and_licence(built) -> None:
    site, _ = built
    root = html(site, "case-studies/togo.html")
    assert ("../facets/sector/civil-registration.html", "Sector Civil registration") in links(root, "kmgen-chips")
    assert ("../facets/geography/togo.html", "Geography Togo") in links(root, "kmgen-chips")
    # the facts panel is shown once per width (sidebar / collapsed after the body): same facts
    assert set(texts(root, "kmgen-owner")) == {"Test CoP"}
    notice = texts(root, "kmgen-overdue")
    assert notice and "Review overdue" in notice[0] and "2020-07-02" in notice[0]
    assert set(texts(root, "kmgen-next-review")) == {"2020-07-02 overdue"}
    assert ("../types/case-study.html", "Case study") in links(root, "kmgen-kicker")
    # the repository's mkdocs.yml names an example repository: no edit links into it
    assert links(root, "kmgen-edit") == []
    fresh = html(site, "playbooks/sprint.html")
    assert texts(fresh, "kmgen-overdue") == []
    assert set(texts(fresh, "kmgen-contributors")) == {"Ana Silva, Ministry of ICT"}
    assert ("../facets/building-block/identity.html", "Building block Identity") in links(fresh, "kmgen-chips")


def test_lineage_both_ways_with_outside_sources(built) -> None:
    site, _ = built
    togo = html(site, "case-studies/togo.html")
    source = "https://example.org/source-guide"
    assert once(links(togo, "kmgen-adapted-from")) == [("../playbooks/sprint.html", "Running a 100-day sprint"),
                                                  (source, source)]
    external = [a for a in togo.iter(f"{{{NS['h']}}}a") if a.get("href") == "https://example.org/source-guide"]
    assert "noopener" in external[0].get("rel", "").split()
    sprint = html(site, "playbooks/sprint.html")
    # a translation is a language version, not an adaptation: it is listed under "Also in"
    assert once(links(sprint, "kmgen-adapted-by")) == [("../case-studies/togo.html", "Birth registration in Togo"),
                                                        ("../guidelines/kenya-id.html", "Kenya ID guideline")]
    assert once(links(sprint, "kmgen-switcher")) == [("../training/course.html", "Français")]


def test_related_pages_come_from_the_index_and_skip_unpublished(built) -> None:
    site, _ = built
    sprint = html(site, "playbooks/sprint.html")
    assert links(sprint, "kmgen-related") == [("../guidelines/kenya-id.html", "Kenya ID guideline")]
    assert entries(sprint, "kmgen-related") == ["Kenya ID guideline (Identity)"]
    assert links(html(site, "case-studies/togo.html"), "kmgen-related") == []


def test_json_ld_describes_the_resource(built) -> None:
    site, _ = built
    data = json_ld(html(site, "case-studies/togo.html"))
    raw = (site / "case-studies/togo.html").read_text().split('application/ld+json">')[1].split("</script>")[0]
    assert "</" not in raw
    expanded = jsonld.expand(data, {"documentLoader": schema_loader})[0]
    s = "https://schema.org/"
    assert expanded["@type"] == [s + "CreativeWork"]
    assert expanded["@id"] == SITE_URL + "case-studies/togo.html"
    about = {a["@id"] for a in expanded[s + "about"]}
    assert about == {SITE_URL + "facets/sector/civil-registration.html", SITE_URL + "facets/geography/togo.html"}
    assert [b["@id"] for b in expanded[s + "isBasedOn"]] == [SITE_URL + "playbooks/sprint.html",
                                                             "https://example.org/source-guide"]
    assert expanded[s + "dateModified"] == [{"@value": "2020-01-01"}]
    assert expanded[s + "inLanguage"] == [{"@value": "en"}]
    assert expanded[s + "license"] == [{"@value": "https://spdx.org/licenses/CC-BY-4.0.html"}]
    assert expanded[s + "spatialCoverage"][0][s + "name"] == [{"@value": "Togo"}]
    course = jsonld.expand(json_ld(html(site, "training/course.html")), {"documentLoader": schema_loader})[0]
    assert course["@type"] == [s + "LearningResource"]
    assert course[s + "inLanguage"] == [{"@value": "fr"}]
    assert course[s + "translationOfWork"][0]["@id"] == SITE_URL + "playbooks/sprint.html"
    sprint = jsonld.expand(json_ld(html(site, "playbooks/sprint.html")), {"documentLoader": schema_loader})[0]
    audience = sorted(a[s + "audienceType"][0]["@value"] for a in sprint[s + "audience"])
    assert audience == ["Civil servants", "Developers"]
    listing = json_ld(html(site, "facets/audience/digital-team.html"))
    assert listing["@type"] == "CollectionPage" and listing["mainEntity"]["numberOfItems"] == 1


def test_concept_pages_roll_up_narrower_concepts(built) -> None:
    site, _ = built
    team = html(site, "facets/audience/digital-team.html")
    assert texts(team, "kmgen-item__title") == ["Running a 100-day sprint"]
    assert "through Developers" in texts(team, "kmgen-item__meta")[0]
    facet = html(site, "facets/building-block/index.html")
    tree = texts(facet, "kmgen-tree")[0]
    assert "Digital ID layer 2" in tree and "Identity 1" in tree and "Registration 1" in tree


def test_type_browse_and_review_listings(built) -> None:
    site, _ = built
    assert texts(html(site, "types/playbook.html"), "kmgen-item__title") == ["Running a 100-day sprint"]
    browse = html(site, "browse.html")
    rows = [li for li in browse.iter(f"{{{NS['h']}}}li") if li.get("data-path")]
    assert sorted(li.get("data-path") for li in rows) == ["case-studies/togo.md", "guidelines/kenya-id.md",
                                                          "playbooks/sprint.md", "training/course.md"]
    sprint_row = next(li for li in rows if li.get("data-path") == "playbooks/sprint.md")
    assert "audience/digital-team" in sprint_row.get("data-tags", "").split()  # ancestors included
    boxes = {i.get("value") for i in browse.iter(f"{{{NS['h']}}}input") if i.get("type") == "checkbox"}
    assert {"audience/civil-servants", "sector/civil-registration", "geography/africa"} <= boxes
    review = html(site, "review.html")
    assert texts(review, "kmgen-item__title")[0] == "Birth registration in Togo"  # due list comes first
    assert "Running a 100-day sprint" in texts(review, "kmgen-item__title")


def test_catalog_feed_and_sitemap(built) -> None:
    site, _ = built
    catalog = json.loads((site / "catalog.json").read_text())
    entries = {e["path"]: e for e in catalog["resources"]}
    assert sorted(entries) == ["case-studies/togo.md", "guidelines/kenya-id.md", "playbooks/sprint.md",
                               "training/course.md"]
    assert entries["case-studies/togo.md"]["facets"] == {"geography": ["togo"], "resource-type": ["case-study"],
                                                         "sector": ["civil-registration"]}
    with warnings.catch_warnings():  # rdflib's own parser uses its deprecated ConjunctiveGraph
        warnings.simplefilter("ignore", DeprecationWarning)
        graph = Graph().parse(data=(site / "catalog.json").read_text(), format="json-ld")
    subject = URIRef("http://purl.org/dc/terms/subject")
    togo = URIRef(SITE_URL + "case-studies/togo.html")
    crvs = "taxonomy/sector/civil-registration" if SKOS else "facets/sector/civil-registration.html"
    assert URIRef(SITE_URL + crvs) in set(graph.objects(togo, subject))
    feed = ET.parse(site / "feed.xml").getroot()
    atom = "{http://www.w3.org/2005/Atom}"
    titles = [e.findtext(f"{atom}title") for e in feed.iter(f"{atom}entry")]
    assert titles[0] == "Running a 100-day sprint" and titles[-1] == "Birth registration in Togo"
    assert len(titles) == 4
    sitemap = (site / "sitemap.xml").read_text()
    assert SITE_URL + "case-studies/togo.html" in sitemap


def test_taxonomy_is_published_as_skos_when_the_export_exists(built) -> None:
    site, report = built
    if not SKOS:
        assert not (site / "taxonomy.jsonld").exists() and "taxonomy.jsonld" not in report.outputs
        return
    graph = jsonld.expand(json.loads((site / "taxonomy.jsonld").read_text()))
    skos = "http://www.w3.org/2004/02/skos/core#"
    concept = next(n for n in graph if n["@id"] == SITE_URL + "taxonomy/sector/civil-registration")
    assert concept["@type"] == [skos + "Concept"]
    assert concept[skos + "prefLabel"][0]["@value"] == "Civil registration"
    page_terms = json_ld(html(site, "case-studies/togo.html"))["about"]
    assert SITE_URL + "taxonomy/sector/civil-registration" in [t.get("sameAs") for t in page_terms]
    assert ("taxonomy.jsonld", "taxonomy.jsonld") in links(html(site, "index.html"), "kmgen-machine")


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        digest.update(path.relative_to(root).as_posix().encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def test_a_failure_during_the_build_leaves_the_published_site_intact(built, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    site, _ = built
    base = site.parent
    before = tree_digest(site)

    def broken(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("kmgen_mkdocs.plugin.write_outputs", broken)
    with pytest.raises(BuildStopped) as stopped:
        publish(base / "content", site, site_config(tmp_path), base / "index")
    assert stopped.value.stage == "mkdocs" and "No space left" in stopped.value.message
    assert tree_digest(site) == before
    assert not (base / "site.previous").exists()
    assert not list(base.glob(".site.new-*")), "the half-built site is removed"


def test_cli_errors_stop_the_build_and_a_good_build_keeps_the_previous_release(make_hub, tmp_path: Path) -> None:
    root = make_hub({"good.md": page("Good"), "bad.md": page("Bad", extra="sumary: x\n")})
    config = site_config(tmp_path)
    site = tmp_path / "site"
    site.mkdir()
    (site / "marker.txt").write_text("release 1")
    args = ("build", "--content", str(root), "--site-dir", str(site), "--config", str(config),
            "--index-dir", str(tmp_path / "index"))
    proc = run_kmgen(*args)
    assert proc.returncode == 1
    assert "bad.md:7: KM210 error: unknown field 'sumary' (did you mean 'summary'?)" in proc.stdout
    assert proc.stdout.strip().endswith("2 files, 1 error, 0 warnings")  # as `kmgen check` reports it
    assert f"build stopped (check): 1 error in the content; {site} was not changed" in proc.stderr
    assert (site / "marker.txt").read_text() == "release 1"
    (root / "bad.md").unlink()
    ok = run_kmgen(*args)
    assert ok.returncode == 0, ok.stderr
    assert "published 1 page and " in ok.stdout and f"previous release in {site}.previous" in ok.stdout
    assert (site / "good.html").is_file()
    assert (tmp_path / "site.previous" / "marker.txt").read_text() == "release 1"


@pytest.mark.parametrize("atomic_exchange", [True, False])
def test_swap_keeps_one_previous_release(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         atomic_exchange: bool) -> None:
    if not atomic_exchange:  # systems without renameat2: two renames
        monkeypatch.setattr(release, "_exchange", lambda a, b: False)
    site = tmp_path / "site"
    for n in (1, 2, 3):
        staging = release.staging_dir(site)
        (staging / "release.txt").write_text(str(n))
        previous = release.swap(staging, site)
        assert (site / "release.txt").read_text() == str(n)
        assert previous is None if n == 1 else (previous / "release.txt").read_text() == str(n - 1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site", "site.previous"]


def test_broken_anchor_stops_the_build_at_the_check(make_hub, tmp_path: Path) -> None:
    root = make_hub({"a.md": page("A", body="## Real\n"), "b.md": page("B", body="[x](a.md#missing)\n")})
    proc = run_kmgen("build", "--content", str(root), "--site-dir", str(tmp_path / "site"),
                     "--config", str(site_config(tmp_path)), "--index-dir", str(tmp_path / "index"))
    assert proc.returncode == 1
    assert "b.md:8: KM505 error: anchor '#missing' not found in a.md" in proc.stdout
    assert "build stopped (check)" in proc.stderr
    assert not (tmp_path / "site").exists()


def test_built_site_verification_is_the_second_guard(make_hub, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A link in raw HTML, which MkDocs does not rewrite, is caught by the link
    check (KM509); were a check ever to miss one, verifying the built site still would."""
    from kmgen.checks import links

    monkeypatch.setattr(links, "check", lambda hub, options: [])
    root = make_hub({"a.md": page("A", body="## Real\n"), "b.md": page("B", body='<a href="a.md#gone">x</a>\n')})
    with pytest.raises(BuildStopped) as stopped:
        publish(root, tmp_path / "site", site_config(tmp_path), tmp_path / "index")
    assert stopped.value.stage == "verify"
    assert "b.html: link a.md#gone points to a missing file" in stopped.value.details
    assert not (tmp_path / "site").exists()


def test_plain_mkdocs_build_leaves_out_what_kmgen_rejects(make_hub, tmp_path: Path,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    root = make_hub({"good.md": page("Good"), "bad.md": page("Bad", extra="sumary: x\n"),
                     "draft.md": page("Draft", extra="status: draft\n")})
    out = tmp_path / "out"
    config = load_config(str(site_config(tmp_path)), docs_dir=str(root), site_dir=str(out), strict=False)
    with caplog.at_level(logging.WARNING, logger="mkdocs"):
        mkdocs_build(config)
    assert (out / "good.html").is_file()
    assert not (out / "bad.html").exists() and not (out / "draft.html").exists()
    assert ("kmgen: bad.md:7: KM210 error: unknown field 'sumary' (did you mean 'summary'?) (not published)"
            in caplog.messages)


def test_hub_pages_join_the_nav_and_the_home_page_maps_the_hub(make_hub, tmp_path: Path) -> None:
    home = "---\ntitle: Welcome\nsummary: Start here.\ntype: page\n---\nReuse before you build.\n"
    about = "---\ntitle: About us\nsummary: Who we are.\ntype: page\n---\nA community.\n"
    root = make_hub({"index.md": home, "about.md": about, "playbooks/p.md": page("P", "playbook",
                                                                                 extra="audience: [leaders]\n")})
    report = publish(root, tmp_path / "site", site_config(tmp_path), tmp_path / "index")
    assert report.pages == 3
    index = html(tmp_path / "site", "index.html")
    nav = [" ".join("".join(a.itertext()).split()) for a in index.iter(f"{{{NS['h']}}}a")
           if "md-nav__link" in (a.get("class") or "").split()]
    assert nav[:3] == ["Welcome", "Browse", "Review"] and nav[-1] == "About us"
    assert "P" not in nav, "resources are reached through listings, not the nav"
    assert "Reuse before you build." in " ".join(texts(index, "md-content__inner"))
    assert ("types/playbook.html", "Playbook 1") in links(index, "kmgen-ways--types")
    assert index.find(f".//{{{NS['h']}}}title").text == "DPI Knowledge Hub"  # the site name once, not "X - X"
    assert json_ld(html(tmp_path / "site", "about.html"))["@type"] == "WebPage"


def test_build_help_has_an_example() -> None:
    assert "Example" in run_kmgen("build", "--help").stdout


# -- content that breaks the renderer stops the build with the page named, never a traceback
@pytest.mark.parametrize("body, cause", [
    ("Text the renderer cannot take: KMGEN-BOOM.\n", "ValueError"),
    ("".join("  " * i + "- x\n" for i in range(600)), "the page nests too deeply for the Markdown renderer"),
])
def test_a_page_that_breaks_the_renderer_is_named(make_hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  body: str, cause: str) -> None:
    # As if `kmgen check` had let the page through (its render budget is the first guard).
    monkeypatch.setattr("kmgen.checks.run", lambda hub, *args: [])
    convert = markdown.Markdown.convert

    def failing_convert(md: markdown.Markdown, source: str) -> str:  # a renderer bug no check foresaw
        if "KMGEN-BOOM" in source:
            raise ValueError("renderer bug")
        return convert(md, source)

    monkeypatch.setattr(markdown.Markdown, "convert", failing_convert)
    root = make_hub({"good.md": page("Good"), "deep/bad.md": page("Bad", body=body)})
    with pytest.raises(BuildStopped) as stopped:
        publish(root, tmp_path / "site", site_config(tmp_path), tmp_path / "index")
    assert stopped.value.stage == "mkdocs"
    assert stopped.value.message.startswith(f"MkDocs failed while rendering deep/bad.md ({cause}")
    assert stopped.value.message.endswith("fix or remove that page, the rest of the hub is not affected")
    assert not (tmp_path / "site").exists() and not list(tmp_path.glob(".site.new-*"))


def test_a_second_build_at_once_says_a_build_is_running(make_hub, tmp_path: Path) -> None:
    import subprocess
    import sys
    import time

    root = make_hub({"a.md": page("A")})
    config, site, gate = site_config(tmp_path), tmp_path / "site", tmp_path / "go-on"
    # The first build is a real process that holds its place until the test lets it go on.
    first = subprocess.Popen([sys.executable, "-c", f"""
import pathlib, time
from kmgen.publish import build
index = build._index
def waiting_index(*args):
    pathlib.Path({str(tmp_path / 'started')!r}).touch()
    while not pathlib.Path({str(gate)!r}).exists():
        time.sleep(0.05)
    return index(*args)
build._index = waiting_index
build.publish(pathlib.Path({str(root)!r}), pathlib.Path({str(site)!r}), pathlib.Path({str(config)!r}),
              pathlib.Path({str(tmp_path / 'index')!r}))
print("first build published")
"""], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not (tmp_path / "started").exists():
            assert first.poll() is None and time.monotonic() < deadline, first.communicate()
            time.sleep(0.05)
        second = run_kmgen("build", "--content", str(root), "--site-dir", str(site), "--config", str(config),
                           "--index-dir", str(tmp_path / "index"))
    finally:
        gate.touch()
        out, err = first.communicate(timeout=300)
    assert second.returncode == 1
    assert second.stderr.strip().endswith(f"build stopped (lock): a build is already running for {site} (it holds "
                                          f"{tmp_path / '.site.lock'}); wait for it to finish, then build again; "
                                          f"{site} was not changed")
    assert "Traceback" not in second.stderr
    assert first.returncode == 0 and "first build published" in out, err
    assert (site / "a.html").is_file()
    again = run_kmgen("build", "--content", str(root), "--site-dir", str(site), "--config", str(config),
                      "--index-dir", str(tmp_path / "index"))
    assert again.returncode == 0, again.stderr  # the lock is free once the first build has finished


def test_published_site_is_world_readable_under_the_default_umask(make_hub, tmp_path: Path) -> None:
    import os
    import stat

    root = make_hub({"a.md": page("A"), "img/pic.png": b"\x89PNG\r\n\x1a\n" + bytes(64)})
    old = os.umask(0o022)
    try:
        publish(root, tmp_path / "site", site_config(tmp_path), tmp_path / "index")
        publish(root, tmp_path / "site", site_config(tmp_path), tmp_path / "index")  # and the previous release
    finally:
        os.umask(old)
    for folder in (tmp_path / "site", tmp_path / "site.previous"):
        modes = {stat.S_IMODE(p.stat().st_mode) for p in [folder, *folder.rglob("*")] if p.is_dir()}
        assert modes == {0o755}, folder
        modes = {stat.S_IMODE(p.stat().st_mode) for p in folder.rglob("*") if p.is_file()}
        assert modes == {0o644}, folder


def test_what_a_build_writes_beside_the_sources_is_ignored_by_git() -> None:
    import subprocess

    from conftest import REPO

    written = ["site/index.html", "site.previous/index.html", "public.previous/a.html", ".site.lock",
               ".site.new-k2j3/index.html", ".public.lock", ".site.previous.old-123/a.html"]
    proc = subprocess.run(["git", "check-ignore", "--no-index", *written], cwd=REPO, capture_output=True, text=True)
    assert proc.stdout.split() == written
    kept = subprocess.run(["git", "check-ignore", "--no-index", "content/a.md", "mkdocs.yml"], cwd=REPO,
                          capture_output=True, text=True)
    assert kept.stdout == ""


# -- configuration a pull request may not slip in -------------------------------
def _config_with(tmp_path: Path, extra: str, kmgen_options: str = "") -> Path:
    config = site_config(tmp_path)
    text = config.read_text(encoding="utf-8").replace("  - kmgen:\n", f"  - kmgen:\n{kmgen_options}")
    config.write_text(text + extra, encoding="utf-8")
    return config


def test_build_refuses_settings_that_let_pages_read_files_unless_allowed(make_hub, tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("TOP SECRET\n")
    root = make_hub({"a.md": page("A", body='--8<-- "secret.txt"\n')})
    hooks = tmp_path / "hook.py"
    hooks.write_text(f"import pathlib\npathlib.Path({str(tmp_path / 'hook-ran')!r}).touch()\n")
    snippets = f"  - pymdownx.snippets:\n      base_path: [{str(tmp_path)!r}]\n"
    config = _config_with(tmp_path, f"hooks:\n  - {hooks}\n")
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("markdown_extensions:\n", "markdown_extensions:\n" + snippets), encoding="utf-8")
    args = ("build", "--content", str(root), "--site-dir", str(tmp_path / "site"), "--config", str(config),
            "--index-dir", str(tmp_path / "index"))
    proc = run_kmgen(*args)
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[-5:] == [
        "  markdown_extensions: pymdownx.snippets pulls in files or runs code from pages",
        "  markdown_extensions: pymdownx.snippets.base_path loosens what pages may do",
        f"  hooks: ['{hooks}'] runs or reads files named in the configuration",
        "  remove these settings, or, if the maintainers accept the risk, list each under 'allow_unsafe:' of the "
        "kmgen plugin (see CONTRIBUTING.md)",
        f"build stopped (config): {config} lets pages read files or run code; not building; "
        f"{tmp_path / 'site'} was not changed"]
    assert not (tmp_path / "hook-ran").exists(), "refused before MkDocs loads (and runs) anything"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "  - kmgen:\n", "  - kmgen:\n      allow_unsafe: [pymdownx.snippets, pymdownx.snippets.base_path, hooks]\n"),
        encoding="utf-8")
    allowed = run_kmgen(*args)
    assert allowed.returncode == 0, allowed.stderr
    assert "TOP SECRET" in (tmp_path / "site" / "a.html").read_text(encoding="utf-8"), "allowed means allowed"


@pytest.mark.parametrize("extra, refused", [
    ("plugins:\n  - macros\n", "plugins: macros pulls in files or runs code from pages"),
    ("INHERIT: base.yml\n", "INHERIT: base.yml runs or reads files named in the configuration"),
    ("x: !!python/name:os.system\n", "!!python/name:os.system: the configuration names Python code to run"),
    ("markdown_extensions:\n  - markdown_include.include\n",
     "markdown_extensions: markdown_include.include pulls in files or runs code from pages"),
])
def test_unsafe_settings_are_named(tmp_path: Path, extra: str, refused: str) -> None:
    from kmgen.checks import config_guard

    config = tmp_path / "mkdocs.yml"
    config.write_text("site_name: x\n" + extra, encoding="utf-8")
    assert config_guard.unsafe_settings(config) == [refused]
    safe = tmp_path / "safe.yml"
    safe.write_text("site_name: x\nmarkdown_extensions:\n  - toc:\n      slugify: !!python/object/apply:"
                    "pymdownx.slugs.slugify {kwds: {case: lower}}\n", encoding="utf-8")
    assert config_guard.unsafe_settings(safe) == []
    assert config_guard.unsafe_settings(REPO / "mkdocs.yml") == []


def test_check_flags_changes_a_maintainer_must_review(tmp_path: Path) -> None:
    import shutil
    import subprocess

    repo = tmp_path / "hub"
    (repo / "content").mkdir(parents=True)
    (repo / "content" / "taxonomy.yml").write_text(MINI_TAXONOMY)
    (repo / "content" / "a.md").write_text(page("A"))
    (repo / "mkdocs.yml").write_text("site_name: x\n")
    (repo / "overrides").mkdir()
    (repo / "overrides" / "main.html").write_text("{% extends 'base.html' %}\n")

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=repo,
                       check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-qm", "start")
    (repo / "mkdocs.yml").write_text("site_name: x\nmarkdown_extensions: [pymdownx.snippets]\n")
    (repo / "content" / "taxonomy.yml").write_text(MINI_TAXONOMY + "\n")
    (repo / "content" / "a.md").write_text(page("A changed"))
    shutil.rmtree(repo / "overrides")
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "x.yml").write_text("on: push\n")
    git("add", "-A")
    git("commit", "-qm", "change")
    proc = run_kmgen("check", "--format", "github", "--changed-since", "HEAD~1", cwd=repo)
    hint = "Hint: a maintainer named in CODEOWNERS must review it before it is merged"
    what = "which decides what every page may do (site configuration, theme, plugins, workflows or taxonomy)"
    assert proc.stdout.splitlines() == [
        f"::warning file=.github/workflows/x.yml,title=KM840::this change edits .github/workflows/x.yml, {what} {hint}",
        f"::warning file=mkdocs.yml,title=KM840::this change edits mkdocs.yml, {what} {hint}",
        f"::warning file=overrides/main.html,title=KM840::this change edits overrides/main.html, {what} {hint}",
        f"::warning file=content/taxonomy.yml,title=KM840::this change edits content/taxonomy.yml, {what} {hint}",
    ]
    assert proc.returncode == 0, "a warning: the review decides"
    text = run_kmgen("check", "--changed-since", "HEAD~1", cwd=repo)
    assert "../mkdocs.yml: KM840 warning: this change edits mkdocs.yml" in text.stdout
    unknown = run_kmgen("check", "--changed-since", "no-such-ref", cwd=repo)
    assert unknown.returncode == 1 and ".: KM841 error: cannot list the changes since 'no-such-ref'" in unknown.stdout


def test_codeowners_and_contributing_name_every_protected_path() -> None:
    from kmgen.checks import config_guard

    owned = {line.split()[0].lstrip("/") for line in (REPO / "CODEOWNERS").read_text().splitlines()
             if line.strip() and not line.startswith("#")}
    assert owned == {*config_guard.PROTECTED, "content/taxonomy.yml"}
    contributing = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    for path in owned:
        assert f"`{path.rstrip('/')}" in contributing.replace("`CODEOWNERS`](CODEOWNERS)", "`CODEOWNERS`"), path


def test_plain_mkdocs_build_takes_a_marked_section_in_code(make_hub, tmp_path: Path) -> None:
    # A fresh process: the tolerant reader must come from the plugin, not from a check run earlier.
    import subprocess
    import sys

    root = make_hub({"a.md": page("A", body="Code: `<![x` and `<![CDATA[y`.\n")})
    out = tmp_path / "out"
    code = (f"from mkdocs.commands.build import build; from mkdocs.config import load_config; "
            f"build(load_config({str(site_config(tmp_path))!r}, docs_dir={str(root)!r}, site_dir={str(out)!r}, "
            f"strict=False))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "&lt;![x" in (out / "a.html").read_text(encoding="utf-8")


DEEP = "".join("  " * i + "- x\n" for i in range(600))


def test_a_page_over_the_render_budget_is_left_out_and_the_rest_published(make_hub, tmp_path: Path) -> None:
    root = make_hub({"good.md": page("Good"), "deep/bad.md": page("Bad", body=DEEP)})
    site = tmp_path / "site"
    proc = run_kmgen("build", "--content", str(root), "--site-dir", str(site),
                     "--config", str(site_config(tmp_path)), "--index-dir", str(tmp_path / "index"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # too deep for the stack, or (on a loaded machine) too slow first: either way the page is named
    assert re.search(r"^deep/bad\.md:\d+: KM82[01] error", proc.stdout, re.M), proc.stdout
    assert "left out 1 page the renderer could not take" in proc.stderr
    assert (site / "good.html").is_file() and not (site / "deep" / "bad.html").exists()
    assert "Traceback" not in proc.stderr


def test_a_link_to_a_left_out_page_still_stops_the_build(make_hub, tmp_path: Path) -> None:
    root = make_hub({"good.md": page("Good", body="See [the list](deep/bad.md).\n"),
                     "deep/bad.md": page("Bad", body=DEEP)})
    proc = run_kmgen("build", "--content", str(root), "--site-dir", str(tmp_path / "site"),
                     "--config", str(site_config(tmp_path)), "--index-dir", str(tmp_path / "index"))
    assert proc.returncode == 1
    assert re.search(r"^good\.md:\d+: KM502 error", proc.stdout, re.M), proc.stdout
    assert re.search(r"^deep/bad\.md:\d+: KM82[01] error", proc.stdout, re.M), proc.stdout
    assert "build stopped (check)" in proc.stderr and not (tmp_path / "site").exists()
