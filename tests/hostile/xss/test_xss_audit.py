"""The standing XSS audit (issue 11): every vector of `vectors.py` goes into a page
body and into every front-matter string field, and the hub is built with kmgen's
build pipeline with `kmgen check` bypassed (as a plain `mkdocs build` or a gap in
the check would leave it): only pages the loader itself refuses are left out, so
the sanitiser, the templates and the build's verify step are tested on their
own. `kmgen check` runs over the corpus too and must not fail with a traceback.
Then

- every built file is read as a browser or a feed reader would (HTML with an
  HTML5 parser, JSON, JSON-LD, XML, the search index) and searched for anything
  that could run script or load from outside the site ("surviving");
- every built page is opened in headless Chromium with a sink that records any
  dialog, canary call, outside request or navigation away ("executed").

It prints `vectors tried / executed / surviving` and requires 0 and 0.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import html5lib
import pytest
from browser_sink import chromium, visit_all
from vectors import VECTORS

from conftest import MINI_TAXONOMY, REVIEWED, build_site, page, run_kmgen, site_config
from kmgen import checks
from kmgen.hub import load_hub
from kmgen.publish import verify
from kmgen.publish.build import BuildStopped, publish

pytestmark = pytest.mark.browser

FREE_TEXT = ("title", "summary", "owner", "period", "community", "source_hash")  # and contributors, a list
CONSTRAINED = ("language", "license", "review_every", "status", "translation_of", "country")  # and tags, based_on
LINEAGE_BATCH = 10
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def q(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid double-quoted YAML scalar


def free_text_page(vector: str) -> str:
    fields = "".join(f"{name}: {q(vector)}\n" for name in FREE_TEXT)
    return (f"---\n{fields}type: case-study\ncountry: Kenya\nlast_reviewed: {REVIEWED}\n"
            f"contributors: [{q(vector)}, {q('plain ' + vector)}]\n---\nBefore.\n\n{vector}\n\nAfter.\n")


def constrained_page(n: int, vector: str) -> str:
    fields = "".join(f"{name}: {q(vector)}\n" for name in CONSTRAINED)
    return page(f"Constrained {n}", extra=f"{fields}tags: [{q(vector)}]\nbased_on: [{q(vector)}]\n")


def lineage_page(n: int, vectors: list[str]) -> str:
    links = ", ".join(q("https://example.org/" + v) for v in vectors)
    return page(f"Lineage {n}", extra=f"based_on: [{links}]\n")


@dataclass
class Audit:
    site: Path
    published: dict[str, int] = field(default_factory=dict)  # place -> vectors published there
    not_built: list[str] = field(default_factory=list)  # accepted pages the build refused, by its messages
    link_problems: list[str] = field(default_factory=list)  # broken links verify found (not safety)
    check_rejects: int = 0  # files `kmgen check` rejects (built anyway: the check is bypassed)


# Link integrity is not what this audit is about, and with the check bypassed a
# vector's dangling `<img src=x>` must not keep the rest of the audit from being
# built. Everything else verify finds (anything that runs or loads) still stops it.
LINK_ONLY = re.compile(r": link .* (points to a missing file|leaves the site)$|: link .*: no anchor ")


def link_lenient(real: Callable[..., list[str]], ignored: list[str]) -> Callable[..., list[str]]:
    def run(*args: Any, **kwargs: Any) -> list[str]:
        problems = real(*args, **kwargs)
        ignored.extend(p for p in problems if LINK_ONLY.search(p))
        return [p for p in problems if not LINK_ONLY.search(p)]

    return run


def rejected_files(content: Path) -> set[str]:
    proc = run_kmgen("check", "--content", str(content), "--format", "json")
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    return {d["path"] for d in json.loads(proc.stdout) if d["severity"] == "error"}


def loader_rejected(content: Path) -> set[str]:
    """Files the loader itself refuses (YAML, fields, types): never published, whatever else happens."""
    return {d.path for d in load_hub(content).diagnostics if d.severity == "error"}


def without_check_errors(hub: Any, options: Any = None) -> list[Any]:
    """`kmgen check` bypassed (as a plain `mkdocs build` or a check bug would): only the
    loader's verdicts stand, so the sanitiser, the theme and verify are tested alone."""
    return [d for d in hub.diagnostics if d.severity != "error"]


@pytest.fixture(scope="module")
def audit(tmp_path_factory: pytest.TempPathFactory) -> Audit:
    base = tmp_path_factory.mktemp("xss-audit")
    content = base / "content"
    files = {"taxonomy.yml": MINI_TAXONOMY}
    for n, vector in enumerate(VECTORS):
        files[f"fm/v{n:03}.md"] = free_text_page(vector)
        files[f"strict/v{n:03}.md"] = constrained_page(n, vector)
    for start in range(0, len(VECTORS), LINEAGE_BATCH):
        files[f"lineage/b{start:03}.md"] = lineage_page(start, VECTORS[start:start + LINEAGE_BATCH])
    for rel, text in files.items():
        (content / rel).parent.mkdir(parents=True, exist_ok=True)
        (content / rel).write_text(text, encoding="utf-8")
    for folder in ("fm", "body"):  # images some vectors point at, so their pages are not broken-link pages
        (content / folder).mkdir(exist_ok=True)
        for name in ("a.png", "ok.png"):
            (content / folder / name).write_bytes(PNG)
    refused = loader_rejected(content)
    # A vector whose front matter the loader refuses still gets a page of its own for the body.
    for n, vector in enumerate(VECTORS):
        if f"fm/v{n:03}.md" in refused:
            (content / f"body/v{n:03}.md").parent.mkdir(exist_ok=True)
            (content / f"body/v{n:03}.md").write_text(page(f"Body {n}", body=f"Before.\n\n{vector}\n\nAfter.\n"),
                                                       encoding="utf-8")
    result = Audit(base / "site")
    result.check_rejects = len(rejected_files(content))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(verify, "verify", link_lenient(verify.verify, result.link_problems))
        patch.setattr(checks, "run", without_check_errors)
        for _ in range(10):
            try:
                publish(content, result.site, site_config(base), base / "index")
                break
            except BuildStopped as stop:
                # Only pages may stop the build: one the renderer cannot take, or one
                # whose links MkDocs warns about; they are left out and listed.
                text = "\n".join([stop.message, *stop.details])
                assert stop.stage == "mkdocs", text
                named = re.findall(r"MkDocs failed while rendering (\S+) \(|warning: Doc file '([^']+)'", text)
                assert named, text
                for rel in {a or b for a, b in named}:
                    result.not_built.append(rel)
                    (content / rel).unlink()
        else:
            raise AssertionError("the build kept stopping")
    present = {d.path for d in load_hub(content).accepted()}
    fm = {n for n in range(len(VECTORS)) if f"fm/v{n:03}.md" in present}
    body = fm | {n for n in range(len(VECTORS)) if f"body/v{n:03}.md" in present}
    lineage = sum(min(LINEAGE_BATCH, len(VECTORS) - s) for s in range(0, len(VECTORS), LINEAGE_BATCH)
                  if f"lineage/b{s:03}.md" in present)
    strict = sum(1 for n in range(len(VECTORS)) if f"strict/v{n:03}.md" in present)
    result.published = {"body": len(body), "free-text fields": len(fm), "based_on": lineage,
                        "constrained fields": strict}
    return result


# -- the oracle: independent of kmgen's own verification -------------------------
FORBIDDEN = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal", "foreignobject", "set",
             "animate", "discard", "xmp"}
URL_ATTRS = {"href", "src", "action", "formaction", "data", "poster", "background", "srcset", "ping"}
FETCHED = {"src", "srcset", "poster", "data", "background"}
BAD = re.compile(r"^(javascript|vbscript|data):")


def as_browser_reads(url: str) -> str:
    """WHATWG URL parsing: C0 controls and spaces trimmed at both ends, tabs and newlines dropped."""
    return re.sub(r"[\t\n\r]", "", url.strip("".join(map(chr, range(0x21)))))


def local(name: str) -> str:
    return name.rsplit("}", 1)[-1].lower()


def theme_of(site: Path) -> dict[str, set[str]]:
    """Scripts of a benign build of the same theme, paths made relative to the site root."""
    found: dict[str, set[str]] = {"src": set(), "inline": set(), "base": set()}
    for path in site.rglob("*.html"):
        for el in parse(path).iter():
            if isinstance(el.tag, str) and local(el.tag) == "base" and path.name == "404.html":
                found["base"].add(el.get("href", ""))  # the 404 page's own address, served anywhere
            if isinstance(el.tag, str) and local(el.tag) == "script" and el.get("type") not in DATA:
                if el.get("src"):
                    found["src"].add(re.sub(r"^(\.\./|\./|/)+", "", el.get("src", "")))
                else:
                    found["inline"].add(re.sub(r'new URL\("[./]*"', 'new URL("', (el.text or "").strip()))
    return found


DATA = ("application/json", "application/ld+json")


def parse(path: Path) -> ET.Element:
    return html5lib.parse(path.read_text(encoding="utf-8"), namespaceHTMLElements=False)


def oracle(root: ET.Element, theme: dict[str, set[str]], where: str) -> list[str]:
    problems = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        tag = local(el.tag)
        for raw, value in el.attrib.items():
            name, bare = local(raw), as_browser_reads(value).lower()
            if name.startswith("on"):
                problems.append(f"{where}: <{tag} {name}>")
            elif name in URL_ATTRS and BAD.match(bare):
                problems.append(f"{where}: <{tag} {name}={value[:60]!r}>")
            elif name in FETCHED | {"href"} and re.match(r"^(https?:)?//", bare) and \
                    (name in FETCHED or tag in ("link", "image", "use", "feimage")) and \
                    not (tag == "link" and el.get("rel") in ("canonical", "alternate")):
                problems.append(f"{where}: <{tag} {name}> loads {value[:60]}")
            elif name == "style" and re.search(r"url\(|expression|behavior|binding", bare):
                problems.append(f"{where}: <{tag} style={value[:60]!r}>")
        if tag in FORBIDDEN and not (tag == "base" and where == "404.html" and el.get("href") in theme["base"]):
            problems.append(f"{where}: <{tag}>")
        elif tag == "meta" and el.get("http-equiv"):
            problems.append(f"{where}: <meta http-equiv>")
        elif tag == "form" and el.get("action") is not None and (
                (el.get("method") or "get").lower() != "get"
                or re.match(r"^([a-z][a-z0-9+.-]*:|//)", as_browser_reads(el.get("action", "")).lower())):
            problems.append(f"{where}: <form action>")  # only GET searches inside the site
        elif tag == "style" and re.search(r"url\(|@import|expression", el.text or "", re.I):
            problems.append(f"{where}: <style> {(el.text or '')[:60]!r}")
        elif tag == "script" and el.get("type") in DATA:
            json.loads(el.text or "")  # data, not code: it must parse
            if "<" in (el.text or ""):
                problems.append(f"{where}: '<' inside a JSON script")
        elif tag == "script" and el.get("src"):
            if re.sub(r"^(\.\./|\./|/)+", "", el.get("src", "")) not in theme["src"]:
                problems.append(f"{where}: script src {el.get('src')}")
        elif tag == "script":
            if re.sub(r'new URL\("[./]*"', 'new URL("', (el.text or "").strip()) not in theme["inline"]:
                problems.append(f"{where}: inline script {(el.text or '')[:60]!r}")
    return problems


def fragment(html: str) -> ET.Element:
    wrapper = ET.Element("div")
    wrapper.extend(list(html5lib.parseFragment(html, namespaceHTMLElements=False)))
    return wrapper


def json_strings(value: Any, key: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [pair for k, v in value.items() for pair in json_strings(v, str(k))]
    if isinstance(value, list):
        return [pair for v in value for pair in json_strings(v, key)]
    return [(key, value)] if isinstance(value, str) else []


def audit_file(path: Path, rel: str, theme: dict[str, set[str]]) -> list[str]:
    """Everything a built file could do in a reader's browser or feed reader."""
    no_theme: dict[str, set[str]] = {"src": set(), "inline": set(), "base": set()}
    if path.suffix == ".html":
        return oracle(parse(path), theme, rel)
    if path.suffix in (".json", ".jsonld"):
        data = json.loads(path.read_text(encoding="utf-8"))
        problems = [f"{rel}: {key} = {text[:60]!r}" for key, text in json_strings(data)
                    if (key.lower().endswith(("url", "href", "@id", "link", "loc")) or key == "id")
                    and BAD.match(as_browser_reads(text).lower())]
        if rel == "search/search_index.json":  # Material shows titles and text as HTML
            for doc in data["docs"]:
                for key in ("title", "text"):
                    problems += oracle(fragment(doc[key]), no_theme, f"{rel} {doc['location']} {key}")
        return problems
    if rel == "search/search_index.js":
        text = path.read_text(encoding="utf-8")
        body = text.removeprefix("var __index = ").rstrip().removesuffix(";")
        json.loads(body)  # one JSON value after the prefix: nothing else runs
        return []
    if path.suffix == ".xml":
        problems = []
        for el in ET.parse(path).getroot().iter():
            for value in [el.get("href") or "", el.text or ""] if local(el.tag) in ("link", "loc", "id") else []:
                if BAD.match(value.strip().lower()):
                    problems.append(f"{rel}: <{local(el.tag)}> {value[:60]!r}")
            if el.get("type") in ("html", "xhtml"):
                problems += oracle(fragment(el.text or ""), no_theme, f"{rel} <{local(el.tag)}>")
        return problems
    return []


AUDITED = (".html", ".json", ".jsonld", ".xml", ".js")


def test_no_vector_survives_in_any_built_file_or_runs_in_chromium(audit: Audit,
                                                                   tmp_path_factory: pytest.TempPathFactory) -> None:
    site = audit.site
    theme = theme_of(build_site(tmp_path_factory.mktemp("benign"), {"taxonomy.yml": MINI_TAXONOMY,
                                                                    "a.md": page("A")}))
    audited = [p for p in sorted(site.rglob("*")) if p.suffix in AUDITED and "assets" not in p.parts]
    surviving = [problem for p in audited for problem in audit_file(p, p.relative_to(site).as_posix(), theme)]
    pages = sorted(site.rglob("*.html"))
    with chromium() as browser:
        visits = visit_all(browser, pages, settle_ms=60)
    executed = [(v.url, v.ran, v.outside, v.left_to) for v in visits if v.ran or v.outside or v.left_to]
    print(f"\nXSS audit: vectors tried {len(VECTORS)} / executed {len(executed)} / surviving {len(surviving)}"
          f" | published in {audit.published} | {len(audited)} files audited, {len(pages)} pages opened"
          f" | refused by the build: {audit.not_built} | broken links left: {len(audit.link_problems)}"
          f" | files kmgen check rejects (built anyway): {audit.check_rejects}")
    assert len(VECTORS) >= 200
    # The others the loader refuses for a true reason (a NUL byte) or MkDocs will not build
    # (strict mode refuses a link it cannot read, such as an entity-encoded scheme).
    assert audit.published["body"] >= 250, "nearly every vector reaches a published page body"
    # The loader refuses a based_on address with spaces or control characters in it.
    assert audit.published["free-text fields"] >= 180 and audit.published["based_on"] >= 100
    assert len(pages) > len(VECTORS)
    assert executed == []
    assert surviving == []


def test_the_oracle_and_the_sink_see_what_they_look_for(tmp_path: Path) -> None:
    theme = {"src": {"assets/javascripts/bundle.js"}, "inline": set(), "base": set()}
    bad = ('<p onclick="x()"><a href=" java\tscript:alert(1)">a</a><iframe></iframe><script>alert(1)</script>'
           '<img src="https://evil.example/x.png"><script src="../assets/javascripts/bundle.js"></script>')
    (tmp_path / "bad.html").write_text(bad, encoding="utf-8")
    assert audit_file(tmp_path / "bad.html", "bad.html", theme) == [
        "bad.html: <p onclick>", "bad.html: <a href=' java\\tscript:alert(1)'>", "bad.html: <iframe>",
        "bad.html: inline script 'alert(1)'", "bad.html: <img src> loads https://evil.example/x.png"]
    (tmp_path / "feed.xml").write_text('<feed><entry><summary type="html">&lt;img src=x onerror=alert(1)&gt;'
                                       '</summary></entry></feed>', encoding="utf-8")
    assert audit_file(tmp_path / "feed.xml", "feed.xml", theme) == ["feed.xml <summary>: <img onerror>"]
    (tmp_path / "go.html").write_text('<meta http-equiv="refresh" content="0;url=https://evil.example/">'
                                      "<img src=x onerror=kmgenCanary(7)>", encoding="utf-8")
    with chromium() as browser:
        visit = visit_all(browser, [tmp_path / "go.html"], settle_ms=300)[0]
    assert "canary:7" in visit.ran and visit.outside == ["https://evil.example/"], visit


def test_fidelity_rich_pages_render_the_same_with_and_without_the_sanitiser(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {"taxonomy.yml": MINI_TAXONOMY, "rich.md": page("Rich", body=FIDELITY)}
    sanitised = build_site(tmp_path / "on", files)
    from kmgen.publish import sanitize

    monkeypatch.setattr(sanitize, "clean", lambda html: html)
    raw = build_site(tmp_path / "off", files)
    assert body_of(sanitised / "rich.html") == body_of(raw / "rich.html")
    text = " ".join("".join(next(el for el in parse(sanitised / "rich.html").iter()
                                 if el.get("class") == "kmgen-body").itertext()).split())
    for expected in ("if a < b && c > d:", "ثبت الولادات", "出生登记", "Регистрация", "Note", "Tab two"):
        assert expected in text


def body_of(path: Path) -> list[tuple[str, list[tuple[str, str]], str, str]]:
    """The page body as a browser builds it: tags, attributes (without the rel
    the sanitiser adds), text and tails."""
    body = next(el for el in parse(path).iter() if el.get("class") == "kmgen-body")
    return [(el.tag, sorted((k, v) for k, v in el.attrib.items() if k != "rel"), el.text or "", el.tail or "")
            for el in body.iter() if isinstance(el.tag, str)]


FIDELITY = """\
Plain text with **bold**, *emphasis*, `code with < and &`, and a [link](https://example.org/a?b=1&c=2).

!!! note
    An admonition with a list:

    - one
    - two

??? tip "Collapsed"
    Hidden until opened.

=== "Tab one"

    First tab.

=== "Tab two"

    Second tab.

```python
if a < b && c > d:
    print("<not a tag> & more")
```

| Column | Aligned right |
|:-------|--------------:|
| a & b  | 1 < 2         |

Text with a footnote.[^1]

[^1]: The footnote, with [a link](#fidelity).

## Fidelity

<p dir="rtl" lang="ar">ثبت الولادات في المرافق الصحية</p>

出生登记在卫生机构。 Регистрация рождений. Ελληνικά. हिन्दी।

> A quotation with an abbreviation: <abbr title="Civil registration and vital statistics">CRVS</abbr>.
"""
