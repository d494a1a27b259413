"""A hostile hub: every front-matter string, taxonomy label and page body tries to run
script. The built site, read with an HTML5 parser, may contain no script or event
handler but the theme's own, and every hostile string must show up as text."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import html5lib
import pytest

from conftest import MINI_TAXONOMY, REPO, build_site, page, run_kmgen
from kmgen.publish import verify

X = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
Y = "'><svg onload=alert(3)>&lt;b&gt;</title>"
SITE_NAME = "DPI Knowledge Hub"


def q(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid double-quoted YAML scalar


HOSTILE_TAXONOMY = MINI_TAXONOMY + f"""\
  - id: evil
    key: evil
    label: {q(X)}
    definition: {q(Y)}
    concepts:
      - id: bad-concept
        label: {q("<b onmouseover=alert(4)>Bad</b>")}
        definition: {q(X)}
        alt_labels: [{q(Y)}]
"""

HOSTILE_BODY = """
Text <script>alert(10)</script> and <img src="https://example.org/x.png" onerror="alert(11)">.

<a href="javascript:alert(12)">js link</a> [md js](javascript:alert(13))
[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxNCk8L3NjcmlwdD4=) <a href=" JaVaScRiPt:alert(23)">spaced</a>

[attr](https://example.org/ok){onclick="alert(15)" id="__config" class="md-banner x"}

<div onmouseover="alert(16)" style="position:fixed;top:0">hover</div>

<iframe src="https://evil.example"></iframe><object data="x"></object><embed src="x">

<svg onload=alert(17)><circle r=1 /></svg><math><mi>x</mi></math>

<form action="https://evil.example"><input name="search" onfocus="alert(18)" autofocus>
<button formaction="javascript:alert(19)">go</button></form>

<details ontoggle="alert(20)" open><summary>s</summary>d</details>

<base href="https://evil.example/"><meta http-equiv="refresh" content="0;url=https://evil.example">

<style>body{display:none}</style><link rel="stylesheet" href="https://evil.example/x.css">

<p id="__search">x</p><input type="radio" name="__drawer" id="__drawer">

## &lt;img src=x onerror=alert(21)&gt;

## Label {data-toc-label="<img src=x onerror=alert(22)>"}

--8<-- "mkdocs.yml"

{! ../mkdocs.yml !}

```html
<script>alert("in code is only text")</script>
```

<a href="https://example.org/ext">external</a>
"""


def hostile_files() -> dict[str, str]:
    evil = f"""\
---
title: {q(X)}
summary: {q(X + ' summary')}
type: case-study
owner: {q(X + ' owner')}
contributors: [{q(X)}, {q(Y)}]
last_reviewed: 2020-01-01
country: Kenya
period: {q(Y)}
based_on: [{q('https://example.org/"><script>alert(5)</script>')}, "playbooks/evil.md"]
evil: [bad-concept]
---
""" + HOSTILE_BODY
    source = f"""\
---
title: {q(Y)}
summary: {q(Y)}
type: playbook
owner: {q(Y)}
contributors: [{q(X)}]
audience: [civil-servants]
last_reviewed: 2026-01-01
---
Plain.
"""
    community = f"""\
---
title: {q(X + ' cop')}
summary: {q(Y)}
type: cop-output
owner: {q(X)}
community: {q(X + ' community')}
date: 2026-01-05
source_hash: {q(X)}
last_reviewed: 2026-01-05
tags: [bad-concept]
---
{X.replace("src=x", "src=https://example.org/x.png")}
"""
    return {"taxonomy.yml": HOSTILE_TAXONOMY, "case-studies/evil.md": evil, "playbooks/evil.md": source,
            "cop-outputs/evil.md": community}


# What `kmgen check` rejects in the hostile hub (outside images, ids that shadow
# the theme's, an image `x` that does not exist): the site is built past those
# errors, so the sanitiser and the theme are tested as the second guard.
CHECK_REJECTS = {"KM501", "KM507", "KM824"}


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(hostile site, a benign site built from the same theme as the reference for 'the theme's own')."""
    from kmgen import checks

    benign = build_site(tmp_path_factory.mktemp("benign"), {"taxonomy.yml": MINI_TAXONOMY, "a.md": page("A")})
    run = checks.run
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(checks, "run", lambda hub, options=None: [d for d in run(hub, options)
                                                                 if d.code not in CHECK_REJECTS])
        hostile = build_site(tmp_path_factory.mktemp("hostile"), hostile_files())
    yield hostile, benign


# -- what "the theme's own" is -------------------------------------------------
_RELATIVE = re.compile(r'new URL\("[./]*",location\)')


def _norm_url(value: str) -> str:
    return re.sub(r"^(\.\./|\./)+", "", value)


def _norm_script(text: str) -> str:
    return _RELATIVE.sub('new URL("",location)', text.strip())


def parse(path: Path) -> ET.Element:
    return html5lib.parse(path.read_bytes(), namespaceHTMLElements=False)


def theme_signatures(site: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {"src": set(), "inline": set(), "style": set(), "form": set(), "base": set()}
    for path in site.rglob("*.html"):
        for el in parse(path).iter():
            if el.tag == "script" and el.get("src"):
                found["src"].add(_norm_url(el.get("src", "")))
            elif el.tag == "script" and el.get("type") not in ("application/json", "application/ld+json"):
                found["inline"].add(_norm_script(el.text or ""))
            elif el.tag == "style":
                found["style"].add((el.text or "").strip())
            elif el.tag == "form":
                found["form"].add(f"{el.get('class')}|{el.get('name')}|{el.get('action')}")
            elif el.tag == "base" and path.name == "404.html":  # kmgen.publish.notfound: the site's own path
                found["base"].add(el.get("href", ""))
    return found


FORBIDDEN = {"iframe", "object", "embed", "base", "frame", "frameset", "applet", "svg", "math"}
URL_ATTRS = {"href", "src", "action", "formaction", "data", "poster", "background", "xlink:href", "srcset"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")


def audit(root: ET.Element, theme: dict[str, set[str]], where: str) -> list[str]:
    problems = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        for name, value in el.attrib.items():
            if name.lower().startswith("on"):
                problems.append(f"{where}: <{el.tag} {name}>")
            if name.lower() in URL_ATTRS and re.sub(r"[\x00-\x20]", "", value).lower().startswith(BAD_SCHEMES):
                problems.append(f"{where}: <{el.tag} {name}={value!r}>")
        if el.tag == "base" and where == "404.html" and el.get("href") in theme["base"]:
            continue
        if el.tag in FORBIDDEN:
            problems.append(f"{where}: <{el.tag}>")
        elif el.tag == "meta" and el.get("http-equiv"):
            problems.append(f"{where}: <meta http-equiv>")
        elif el.tag == "script" and el.get("src"):
            if _norm_url(el.get("src", "")) not in theme["src"]:
                problems.append(f"{where}: script src {el.get('src')}")
        elif el.tag == "script" and el.get("type") in ("application/json", "application/ld+json"):
            json.loads(el.text or "")  # data, not code: it must parse
            if "<" in (el.text or ""):
                problems.append(f"{where}: '<' inside a JSON script")
        elif el.tag == "script" and _norm_script(el.text or "") not in theme["inline"]:
            problems.append(f"{where}: inline script {(el.text or '')[:60]!r}")
        elif el.tag == "style" and (el.text or "").strip() not in theme["style"]:
            problems.append(f"{where}: <style>")
        elif el.tag == "form" and f"{el.get('class')}|{el.get('name')}|{el.get('action')}" not in theme["form"]:
            problems.append(f"{where}: <form action={el.get('action')}>")
        elif el.tag == "link" and el.get("rel") == "stylesheet" and \
                el.get("href", "").startswith(("http:", "https:", "//")):
            problems.append(f"{where}: outside stylesheet {el.get('href')}")
    return problems


def text_of(el: ET.Element) -> str:
    return "".join(el.itertext())


def test_no_script_or_handler_but_the_themes_own(sites) -> None:
    hostile, benign = sites
    theme = theme_signatures(benign)
    problems = []
    pages = sorted(hostile.rglob("*.html"))
    assert len(pages) > 20
    for path in pages:
        root = parse(path)
        rel = path.relative_to(hostile).as_posix()
        problems.extend(audit(root, theme, rel))
        ids = [el.get("id") for el in root.iter() if isinstance(el.tag, str) and el.get("id")]
        for reserved in ("__config", "__search", "__drawer"):
            assert ids.count(reserved) == 1, f"{rel}: content shadows the theme's #{reserved}"
    assert problems == []


def test_search_index_holds_no_markup_that_runs(sites) -> None:
    hostile, _ = sites
    index = json.loads((hostile / "search" / "search_index.json").read_text())
    problems = []
    for doc in index["docs"]:
        for key in ("title", "text"):
            fragment = html5lib.parseFragment(doc[key], namespaceHTMLElements=False)
            wrapper = ET.Element("div")
            wrapper.extend(list(fragment))
            problems.extend(audit(wrapper, {"src": set(), "inline": set(), "style": set(), "form": set()},
                                  f"search {doc['location']} {key}"))
            if any(el.tag == "script" for el in wrapper.iter()):
                problems.append(f"search {doc['location']}: script")
    evil = next(d for d in index["docs"] if d["location"] == "case-studies/evil.html")
    assert text_of(html5lib.parseFragment(evil["title"], namespaceHTMLElements=False)) == X
    assert problems == []


def test_hostile_strings_are_shown_as_text_everywhere(sites) -> None:
    hostile, _ = sites
    root = parse(hostile / "case-studies/evil.html")
    assert text_of(root.find(".//title")) == f"{X} - {SITE_NAME}"
    assert text_of(root.find(".//article//h1")) == X
    owner = next(el for el in root.iter() if el.get("class") == "kmgen-owner")
    assert text_of(owner) == X + " owner"
    contributors = next(el for el in root.iter() if el.get("class") == "kmgen-contributors")
    assert text_of(contributors) == f"{X}, {Y}"
    chip = [a for a in root.iter("a") if a.get("href") == "../facets/evil/bad-concept.html"]
    assert " ".join(text_of(chip[0]).split()) == f"{X} <b onmouseover=alert(4)>Bad</b>"
    lineage = [a for a in root.iter("a") if "example.org/\"" in (a.get("href") or "")]
    assert lineage[0].get("href") == 'https://example.org/"><script>alert(5)</script>'
    assert text_of([a for a in root.iter("a") if a.get("href") == "../playbooks/evil.html"][0]) == Y
    data = json.loads(next(s for s in root.iter("script") if s.get("type") == "application/ld+json").text or "")
    assert data["name"] == X and data["maintainer"]["name"] == X + " owner"
    nav = [a for a in parse(hostile / "index.html").iter("a") if a.get("class") == "md-nav__link"
           and a.get("href") == "facets/evil/index.html"]
    assert nav and " ".join(text_of(nav[0]).split()) == X
    concept = parse(hostile / "facets/evil/bad-concept.html")
    assert text_of(concept.find(".//title")) == f"<b onmouseover=alert(4)>Bad</b> - {SITE_NAME}"
    cop = parse(hostile / "cop-outputs/evil.html")
    facts = {text_of(div.find("dt")): text_of(div.find("dd")) for div in cop.iter("div")
             if div.find("dt") is not None and div.find("dd") is not None}
    assert facts["Community"] == X + " community" and facts["Owner"] == X
    body = next(el for el in cop.iter() if el.get("class") == "kmgen-body")
    assert [(el.tag, dict(el.attrib)) for el in body.iter()][1:] == [
        ("p", {}), ("img", {})], "the script is gone, the outside image lost its address and its handler"
    feed = ET.parse(hostile / "feed.xml").getroot()
    assert X in [e.text for e in feed.iter("{http://www.w3.org/2005/Atom}title")]


def test_links_and_includes(sites) -> None:
    hostile, _ = sites
    root = parse(hostile / "case-studies/evil.html")
    external = [a for a in root.iter("a") if a.get("href") == "https://example.org/ext"]
    assert "noopener" in external[0].get("rel", "").split()
    body = " ".join(text_of(next(el for el in root.iter() if el.get("class") == "kmgen-body")).split())
    assert '--8<-- "mkdocs.yml"' in body and "{! ../mkdocs.yml !}" in body
    assert "site_name" not in body, "no include mechanism may pull another file into a page"
    assert '<script>alert("in code is only text")</script>' in body


def test_check_rejects_names_that_break_addresses_and_reserved_addresses(make_hub) -> None:
    root = make_hub({'bad"name.md': page("Bad name"), "browse.md": page("Shadow"), "ok.md": page("Ok")})
    proc = run_kmgen("check", str(root))
    assert proc.returncode == 1
    assert ("bad\"name.md: KM801 error: file name has characters that break web addresses: '\"' "
            "(rename the file using letters, digits, '-' and '_')") in proc.stdout
    assert ("browse.md: KM802 error: publishes to the same address as the generated page 'Browse' (browse.md) "
            "(rename or move this file; that address is reserved for the hub's own page)") in proc.stdout


def test_the_audit_catches_what_it_looks_for() -> None:
    theme = {"src": {"assets/javascripts/bundle.js"}, "inline": {'__md_scope=new URL("",location)'}, "style": set(),
             "form": set()}
    bad = html5lib.parse('<p onclick="x()"><a href=" javascript:alert(1)">a</a><iframe></iframe>'
                         '<script>alert(1)</script><script src="../evil.js"></script>'
                         '<script src="../assets/javascripts/bundle.js"></script>'
                         '<script>__md_scope=new URL("../..",location)</script>', namespaceHTMLElements=False)
    assert audit(bad, theme, "t") == ["t: <p onclick>", "t: <a href=' javascript:alert(1)'>", "t: <iframe>",
                                      "t: inline script 'alert(1)'", "t: script src ../evil.js"]


# -- the build's own verification ----------------------------------------------
def _site_with(tmp_path: Path, body: str) -> Path:
    site = tmp_path / "site"
    (site / "assets" / "javascripts").mkdir(parents=True)
    (site / "assets" / "javascripts" / "bundle.js").write_text("", encoding="utf-8")
    (site / "index.html").write_text(f"<!doctype html><html><head><title>t</title></head><body>{body}</body></html>",
                                     encoding="utf-8")
    return site


def _safety(site: Path) -> list[str]:
    return [p for p in verify.verify(site, ["index.html"], []) if not p.endswith(": missing")]


def test_verify_reads_pages_as_a_browser_does(tmp_path: Path) -> None:
    # html.parser stops at <style/@> and sees none of what follows; a browser runs it.
    site = _site_with(tmp_path, '<p id="x"><svg/@><style/@>" </p><a href="#x" onfocus="alert(1)" autofocus>a</a>'
                                '<script src="assets/javascripts/bundle.js"></script>')
    assert _safety(site) == ["index.html: <a onfocus> event handler (runs script)"]


def test_verify_flags_every_kind_of_script_and_outside_load(tmp_path: Path) -> None:
    site = _site_with(tmp_path, (
        '<a href=" java\tscript:alert(1)">a</a><a href="data:text/html,x">b</a>'
        '<script>alert(2)</script><script src="../evil.js"></script><script src="assets/javascripts/nope.js"></script>'
        '<script type="application/ld+json">{"a": "</b>"}</script>'
        '<iframe src="x.html"></iframe><object data="x"></object><embed src="x"><base href="https://evil.example/">'
        '<meta http-equiv="refresh" content="0;url=https://evil.example"><form action="https://evil.example"></form>'
        '<img src="https://example.org/x.png"><img srcset="a.png 1x, //cdn.example/b.png 2x">'
        '<video poster="https://example.org/p.jpg"></video><audio src="http://example.org/a.mp3"></audio>'
        '<link rel="icon" href="https://example.org/favicon.ico"><p style="background:url(https://t.example/x)">s</p>'
        '<style>@import "https://evil.example/x.css";</style>'
        '<svg><a xlink:href="javascript:alert(3)"><text>t</text></a><animate attributeName="href"/>'
        '<image href="https://example.org/i.png"/></svg>'))
    assert _safety(site) == [
        "index.html: <a href=' java\\tscript:alert(1)'> script or data address",
        "index.html: <a href='data:text/html,x'> script or data address",
        "index.html: inline <script> that is not the theme's: 'alert(2)'",
        "index.html: <script src='../evil.js'> is not the theme's",
        "index.html: <script src='assets/javascripts/nope.js'> is not the theme's",
        "index.html: '<' inside a <script type=application/ld+json> (could end the script)",
        "index.html: <iframe> is not allowed (it embeds or redirects content)",
        "index.html: <object> is not allowed (it embeds or redirects content)",
        "index.html: <embed> is not allowed (it embeds or redirects content)",
        "index.html: <base> is not allowed (it embeds or redirects content)",
        "index.html: <meta http-equiv=refresh> is not allowed",
        "index.html: <form action='https://evil.example'> submits somewhere; only a search form (method get, to a page of this site) may",
        "index.html: <img src> loads https://example.org/x.png from outside the site (breaks offline use)",
        "index.html: <img srcset> loads a.png 1x, //cdn.example/b.png 2x from outside the site (breaks offline use)",
        "index.html: <video poster> loads https://example.org/p.jpg from outside the site (breaks offline use)",
        "index.html: <audio src> loads http://example.org/a.mp3 from outside the site (breaks offline use)",
        "index.html: <link href> loads https://example.org/favicon.ico from outside the site",
        "index.html: <p style='background:url(https://t.example/x)'> loads or runs something",
        "index.html: <style> loads or runs something: '@import \"https://evil.example/x.css\";'",
        "index.html: <a href='javascript:alert(3)'> script or data address",
        "index.html: <animate> is not allowed (it embeds or redirects content)",
        "index.html: <image href> loads https://example.org/i.png from outside the site",
        "index.html: link ../evil.js leaves the site",
        "index.html: link assets/javascripts/nope.js points to a missing file",
        "index.html: link x.html points to a missing file",
        "index.html: link x points to a missing file",
    ]


def test_build_stops_when_script_gets_past_the_sanitiser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kmgen.publish import sanitize
    from kmgen.publish.build import BuildStopped

    monkeypatch.setattr(sanitize, "clean", lambda html: html)  # as if the allow-list had a hole
    monkeypatch.setattr("kmgen.checks.run", lambda hub, *args: [])  # and the check had missed the page
    body = '<p>x</p>\n\n<img src="missing.png" onerror="alert(1)">\n'
    with pytest.raises(BuildStopped) as stopped:
        build_site(tmp_path, {"taxonomy.yml": MINI_TAXONOMY, "a.md": page("A", body=body)})
    assert stopped.value.stage == "verify"
    assert "a.html: <img onerror> event handler (runs script)" in stopped.value.details
    assert not (tmp_path / "site").exists()


def test_the_themes_own_inline_scripts_come_from_its_templates() -> None:
    from mkdocs.config import load_config

    from kmgen.publish import site_safety

    assert site_safety.theme_scripts((str(REPO / "kmgen"),)) == (), "no templates there: no inline script allowed"
    dirs = tuple(str(d) for d in load_config(str(REPO / "mkdocs.yml")).theme.dirs)
    scripts = site_safety.theme_scripts(dirs)
    template = next(Path(d) / "partials/javascripts/base.html" for d in dirs
                    if (Path(d) / "partials/javascripts/base.html").is_file()).read_text(encoding="utf-8")
    written = re.search(r"<script>(.*)</script>", template).group(1).replace("{{ config.extra.scope | d(base_url) }}",
                                                                             "../..")
    assert any(p.fullmatch(written) for p in scripts)
    assert not any(p.fullmatch(written.replace('"../.."', '"x",alert(1),"')) for p in scripts)


def test_only_the_portable_404_page_may_carry_one_base_inside_the_site() -> None:
    from kmgen.publish import notfound, site_safety

    one = site_safety.parse('<html><head><base href="/hub/"></head><body></body></html>')
    two = site_safety.parse('<html><head><base href="/hub/"><base href="/x/"></head></html>')
    away = site_safety.parse('<html><head><base href="https://evil.example/"></head></html>')
    scripts = notfound.script_patterns()
    assert site_safety.audit_tree(None, "404.html", one, scripts, allow_base=True) == []
    assert site_safety.audit_tree(None, "a.html", one, scripts) != []
    assert len(site_safety.audit_tree(None, "404.html", two, scripts, allow_base=True)) == 1
    assert site_safety.audit_tree(None, "404.html", away, scripts, allow_base=True) != []
