"""`kmgen ingest`: one small source tree per format, written here, run through the real command."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import MINI_TAXONOMY, write_files
from kmgen import checks
from kmgen.cli import main
from kmgen.content import load_document
from kmgen.hub import load_hub


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """A source tree as the tests write it: text dedented."""
    return write_files(root, files, dedent=True)


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def hub(tmp_path: Path) -> Path:
    content = tmp_path / "hub" / "content"
    content.mkdir(parents=True)
    (content / "taxonomy.yml").write_text(MINI_TAXONOMY, encoding="utf-8")
    return content


def ingest(source: Path, into: Path, *args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["ingest", str(source), "--into", str(into), "--format", "json", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.stdout)


HUGO = {
    "config/_default/hugo.toml": "baseURL = 'https://example.org/'\n",
    "config/_default/languages.toml": "[en]\nweight = 1\n[fr]\nweight = 2\n",
    "content/en/_index.md": "---\ntitle: Home\ndescription: The home page.\n---\nWelcome to the site.\n",
    "content/en/blog/post.md": """\
        ---
        title: "A &#47; B"
        description: "<p>The <em>first</em> post.</p>"
        date: '2017-07-08 3:46:23 -0400'
        status: draft
        translationKey: post
        categories: "Toolkit, unknown-thing"
        aliases: [/old/post/]
        weight: "1,200"
        ---
        {{< note >}}
        Read this **first**.
        {{< /note >}}

        See [the other]({{< ref "other.md" >}}) and {{< youtube abc123 >}}.

        {{% roadmap/div class="x" %}}Kept text{{% /roadmap/div %}}

        {{< unknownthing >}}
        """,
    "content/en/blog/other.md": "+++\ntitle = 'Other'\ndescription = 'TOML front matter.'\n+++\nBody [home](/) and [post](/blog/post/).\n",
    "content/en/blog/draft.md": "---\ntitle: Draft\ndraft: true\n---\nNot yet.\n",
    "content/fr/blog/article.md": "---\ntitle: Article\ndescription: En français.\n---\nBonjour.\n",
    "content/en/blog/old.md": "---\ntitle: Old\nexpiryDate: 2001-01-01\n---\nExpired.\n",
    "content/en/blog/stub.md": "---\ntitle: Stub\ndescription: Only metadata.\n---\n",
    "layouts/partials/head.html": "<head></head>\n",
    "static/img/pic.png": b"\x89PNG\r\n\x1a\n",
}


def test_hugo_tree_every_file_accounted_and_converted(tmp_path: Path, hub: Path) -> None:
    source = write_tree(tmp_path / "site", HUGO)
    before = snapshot(source)
    code, report = ingest(source, hub / "site", "--license", "CC0-1.0", "--source-url", "https://example.org/repo")
    assert code == 0
    assert report["format"] == "hugo" and "content/" in report["detected_because"]
    totals = report["totals"]
    assert totals["files"] == len(HUGO) == totals["ingested"] + totals["skipped"] + totals["failed"]
    rules = report["skipped_by_rule"]
    assert rules["draft"] == 1 and rules["expired"] == 1 and rules["empty-body (metadata-only, link-out or author stub)"] == 1
    assert snapshot(source) == before  # the source is only read
    doc, diags = load_document(hub, "site/en/blog/post.md")
    assert doc is not None and not [d for d in diags if d.severity == "error"]
    assert doc.get("title") == "A / B"
    assert doc.get("summary") == "The first post."
    assert doc.get("tags") == ["toolkit"]
    assert "status" not in doc.fields  # a foreign status never becomes kmgen's publish flag
    meta = doc.get("source_meta")
    assert meta["status"] == "draft" and meta["date"] == "2017-07-08T03:46:23-04:00"
    assert meta["categories"] == ["Toolkit", "unknown-thing"]
    assert doc.get("imported")["from"] == "hugo" and doc.get("imported")["path"] == "content/en/blog/post.md"
    assert doc.get("imported")["order"] == 1200
    assert doc.get("language") == "en"
    assert "!!! note\n\n    Read this **first**." in doc.body
    assert "[the other](other.md)" in doc.body
    assert "https://www.youtube.com/watch?v=abc123" in doc.body
    assert "Kept text" in doc.body and "{{" not in doc.body
    assert "*[not imported: Hugo shortcode 'unknownthing']*" in doc.body
    other, _ = load_document(hub, "site/en/blog/other.md")
    assert other is not None and "[post](post.md)" in other.body and "[home](../index.md)" in other.body
    assert (hub / "site/en/index.md").is_file()
    assert report["unmapped_terms"]["unknown-thing"]["count"] == 1


def test_second_run_is_idempotent_and_hub_edits_are_conflicts(tmp_path: Path, hub: Path) -> None:
    source = write_tree(tmp_path / "site", HUGO)
    ingest(source, hub / "site")
    written = snapshot(hub)
    code, again = ingest(source, hub / "site")
    assert code == 0 and snapshot(hub) == written
    assert set(again["written"]) == {"unchanged"}
    # upstream changes one page; the hub edited another
    (source / "content/en/blog/other.md").write_text("+++\ntitle = 'Other'\ndescription = 'Changed.'\n+++\nNew.\n")
    edited = hub / "site/fr/blog/article.md"
    edited.write_text(edited.read_text() + "\nA hub edit.\n")
    (source / "content/fr/blog/article.md").write_text("---\ntitle: Article\ndescription: Changé.\n---\nSalut.\n")
    code, third = ingest(source, hub / "site")
    assert code == 1
    assert third["written"] == {"unchanged": len([f for f in third["files"] if f["written"] == "unchanged"]),
                                "updated": 1, "conflict": 1}
    assert "A hub edit." in edited.read_text()  # never overwritten
    assert third["conflicts"][0]["path"] == "fr/blog/article.md"
    assert third["totals"]["failed"] == 1


def test_dry_run_writes_nothing_and_reports_the_same(tmp_path: Path, hub: Path) -> None:
    source = write_tree(tmp_path / "site", HUGO)
    before = snapshot(hub.parent)
    _code, dry = ingest(source, hub / "site", "--dry-run")
    assert snapshot(hub.parent) == before
    _code, real = ingest(source, hub / "site")
    assert dry["totals"] == real["totals"] and dry["skipped_by_rule"] == real["skipped_by_rule"]


JEKYLL = {
    "_config.yml": "title: Handbook\nexclude: [README.md, CONTRIBUTING.md]\ncollections:\n  pages:\n    output: true\n",
    "README.md": "# Repo readme\n",
    "CONTRIBUTING.md": "# How to contribute\n",
    ".github/ISSUE_TEMPLATE/bug.md": "---\nname: Bug\nabout: Report a bug\n---\nWhat happened?\n",
    "_includes/alert.html": "<div>{{ include.content }}</div>\n",
    "_pages/tools/slack.md": """\
        ---
        title: Slack
        redirect_from: [/slack/]
        questions: [ "#infrastructure", null ]
        ---
        Slack is our chat tool. See [Zoom]({{site.baseurl}}/zoom/) and [missing]({{ site.baseurl }}/gone/).
        {: .usa-button}

        {% capture alert_content %}Be kind.{% endcapture %}
        {% include alert.html heading="Etiquette" content=alert_content %}

        ## Channels{#channels}

        Use&#x20;threads.&#x20;
        """,
    "_pages/tools/zoom.md": "---\ntitle: Zoom\nredirect_from: [/zoom/]\n---\nVideo calls. Back to [Slack](../slack/#channels).\n",
    "_pages/moved.md": "---\ntitle: Moved\nredirect_to: /zoom/\n---\n",
    "_pages/feature.md": "Feature: login\n  Scenario: a user logs in\n",
    "images/logo.png": b"\x89PNG\r\n\x1a\n",
}


def test_jekyll_tree_rules_links_and_liquid(tmp_path: Path, hub: Path) -> None:
    source = write_tree(tmp_path / "handbook", JEKYLL)
    code, report = ingest(source, hub / "handbook")
    assert code == 0 and report["format"] == "jekyll"
    assert report["totals"]["files"] == len(JEKYLL)
    rules = report["skipped_by_rule"]
    assert rules["redirect-stub"] == 1 and rules["not a page (Gherkin or other text saved as .md)"] == 1
    assert rules["not a page (not Markdown, not an image or PDF)"] == 1
    assert rules["github-metadata (.github/)"] == 1 and rules["excluded by the source's own configuration"] == 2
    assert rules["template, layout or include fragment"] == 1
    assert report["redirects"] == [{"from": "/moved/", "to": "/zoom/"}]
    doc, _ = load_document(hub, "handbook/tools/slack.md")
    assert doc is not None
    assert "[Zoom](zoom.md)" in doc.body and "[missing]" not in doc.body and "missing" in doc.body
    assert '!!! note "Etiquette"\n\n    Be kind.' in doc.body
    assert "## Channels { #channels }" in doc.body and "{:" not in doc.body
    assert "Use threads.\n" in doc.body + "\n"
    assert doc.get("source_meta")["questions"] == ["#infrastructure"]
    zoom, _ = load_document(hub, "handbook/tools/zoom.md")
    assert zoom is not None and "[Slack](slack.md#channels)" in zoom.body
    assert report["links"]["broken"] >= 1


GITBOOK = {
    ".gitbook.yaml": "root: ./docs/\n\u200bstructure:\n  summary: SUMMARY.md\n",
    "docs/SUMMARY.md": "# Table of contents\n\n* [Intro](README.md)\n* [Guide](guide/README.md)\n  * [Setup](guide/setup.md)\n",
    "docs/README.md": "---\ndescription: The start.\n---\n# Intro\n\nHello.\n",
    "docs/guide/README.md": "# Guide\n\nThe guide. See [setup](setup.md) and [lost](broken-reference).\n",
    "docs/guide/setup.md": """\
        # Setup <a href="#setup" id="setup"></a>

        {% hint style="warning" %}
        Back up first.
        {% endhint %}

        {% tabs %}
        {% tab title="Linux" %}
        ```bash
        echo {{ not_a_template }}
        ```
        {% endtab %}
        {% tab title="Windows" %}
        Use the installer.
        {% endtab %}
        {% endtabs %}

        {% embed url="https://www.youtube.com/watch?v=xyz" %}

        {% content-ref url="../README.md" %}
        [README.md](../README.md)
        {% endcontent-ref %}

        <figure><img src="../.gitbook/assets/image (1).png" alt=""><figcaption><p>A diagram</p></figcaption></figure>

        Zero\u200bwidth and more.

        #Heading
        """,
    "docs/orphan.md": "# Orphan\n\nNot in the summary.\n",
    "docs/.gitbook/assets/image (1).png": b"\x89PNG\r\n\x1a\n",
}


def test_gitbook_tree_blocks_root_orphans_and_assets(tmp_path: Path, hub: Path) -> None:
    source = write_tree(tmp_path / "book", GITBOOK)
    code, report = ingest(source, hub / "book")
    assert code == 0 and report["format"] == "gitbook"
    assert report["totals"]["files"] == len(GITBOOK)
    assert report["orphans"] == ["docs/orphan.md"]
    assert any("zero-width" in w for w in report["warnings"])
    doc, _ = load_document(hub, "book/guide/setup.md")
    assert doc is not None
    assert doc.get("title") == "Setup" and doc.get("summary") == "Back up first."
    assert '!!! warning\n\n    Back up first.' in doc.body
    assert '=== "Linux"\n\n    ```bash\n    echo {{ not_a_template }}\n    ```' in doc.body
    assert '=== "Windows"\n\n    Use the installer.' in doc.body
    assert "[watch?v=xyz](https://www.youtube.com/watch?v=xyz)" in doc.body
    assert "[README.md](../index.md)" in doc.body
    assert "![A diagram](../gitbook/assets/image-1.png)" in doc.body
    assert (hub / "book/gitbook/assets/image-1.png").read_bytes() == GITBOOK["docs/.gitbook/assets/image (1).png"]
    assert "Zerowidth" in doc.body and "\n# Heading\n" in doc.body
    guide, _ = load_document(hub, "book/guide/index.md")
    assert guide is not None and "and lost." in guide.body and "broken-reference" not in guide.body
    assert report["links"]["broken upstream"] == 1


ELEVENTY = {
    "content/a/one.md": """\
        ---
        title: One
        permalink: /a/one/
        eleventyNavigation: {key: One, order: 3}
        tags: guidelines
        ---
        Go to [two]({{ "/a/two/" | url }}) or <a href="{{ '/a/two/' | url }}">two</a>.

        {% image_with_class "/img/x.png" "cls" "An image" %}
        """,
    "content/a/two.md": "---\ntitle: Two\npermalink: /a/two/\n---\nTwo. {% comment %}hidden{% endcomment %}Done.\n",
    "content/_hidden.md": "---\npermalink: false\n---\nNot rendered.\n",
    "LICENSE.md": "Public domain.\n",
}


def test_eleventy_detected_from_front_matter_and_converted(tmp_path: Path, hub: Path) -> None:
    source = write_tree(tmp_path / "guides", ELEVENTY)
    code, report = ingest(source, hub / "guides")
    assert code == 0 and report["format"] == "eleventy" and "eleventyNavigation" in report["detected_because"]
    assert report["totals"]["files"] == len(ELEVENTY)
    assert report["skipped_by_rule"]["not-rendered"] == 1
    doc, _ = load_document(hub, "guides/a/one.md")
    assert doc is not None and doc.get("imported")["order"] == 3 and doc.get("tags") == ["guideline"]
    assert doc.body.count("[two](two.md)") == 2  # the HTML link too: MkDocs rewrites only Markdown links
    assert "An image" in doc.body and "{%" not in doc.body
    two, _ = load_document(hub, "guides/a/two.md")
    assert two is not None and "Two. Done." in two.body


def test_plain_markdown_title_and_summary_derived_and_names_made_safe(tmp_path: Path, hub: Path) -> None:
    source = write_tree(tmp_path / "notes", {
        "Café notes: “draft”?.md": "\ufeff# Café notes\r\n\r\nFirst paragraph here.\r\n",
        "no-heading.md": "\n\n---\ntitle: null\n...\n- only a list item\n",
        "bad.md": "---\ntitle: [unclosed\n---\nx\n",
        "a.md": "# A\n\nText a.\n", "a/index.md": "# A folder\n\nText.\n",
    })
    code, report = ingest(source, hub / "notes", "--from", "markdown")
    assert code == 1 and report["totals"]["failed"] == 1 and report["totals"]["files"] == 5
    assert "invalid YAML" in report["failed_by_reason"].popitem()[0]
    cafe, _ = load_document(hub, "notes/Café-notes-draft.md")
    assert cafe is not None and cafe.get("title") == "Café notes" and cafe.get("summary") == "First paragraph here."
    derived = {f["path"]: f["derived"] for f in report["files"]}
    assert "title from the first heading" in derived["Café notes: “draft”?.md"]
    listed, _ = load_document(hub, "notes/no-heading.md")
    assert listed is not None and listed.get("title") == "No heading" and listed.get("summary") == "only a list item"
    assert (hub / "notes/a.md").is_file() and (hub / "notes/a/index-2.md").is_file()


def test_ingested_pages_pass_check_without_an_invented_owner(tmp_path: Path, hub: Path) -> None:
    source = write_tree(tmp_path / "site", JEKYLL)
    ingest(source, hub / "handbook")
    doc, _ = load_document(hub, "handbook/tools/slack.md")
    assert doc is not None and "owner" not in doc.fields and "last_reviewed" not in doc.fields
    diags = checks.run(load_hub(hub))
    errors = [d for d in diags if d.severity == "error"]
    assert errors == []


def test_mapping_file_renames_sets_types_vocabulary_and_rules(tmp_path: Path, hub: Path) -> None:
    source = write_tree(tmp_path / "site", HUGO)
    mapping = tmp_path / "map.yml"
    mapping.write_text(textwrap.dedent("""\
        fields:
          summary: [translationKey]
        set:
          country: Canada
        type:
          default: toolkit
          by_path: {"en/blog/*": playbook}
        vocabulary: {unknown-thing: guideline}
        rules: {draft: draft, empty-body: ingest}
        exclude: ["*/blog/old.md"]
        """))
    code, report = ingest(source, hub / "site", "--map", str(mapping))
    assert code == 0
    doc, _ = load_document(hub, "site/en/blog/post.md")
    assert doc is not None and doc.get("summary") == "post" and doc.get("type") == "playbook"
    assert doc.get("country") == "Canada" and doc.get("tags") == ["toolkit", "guideline"]
    draft, _ = load_document(hub, "site/en/blog/draft.md")
    assert draft is not None and draft.get("status") == "draft"
    assert (hub / "site/en/blog/stub.md").is_file()
    assert report["skipped_by_rule"]["excluded by the mapping (*/blog/old.md)"] == 1


def test_bad_mapping_says_what_was_expected(tmp_path: Path, hub: Path) -> None:
    source = write_tree(tmp_path / "site", HUGO)
    mapping = tmp_path / "map.yml"
    mapping.write_text("rules: {draft: publish}\n")
    result = CliRunner().invoke(main, ["ingest", str(source), "--into", str(hub / "x"), "--map", str(mapping)])
    assert result.exit_code == 2
    assert "rules: draft: expected one of ['skip', 'draft', 'ingest'], got 'publish'" in result.output


def test_title_only_pages_are_empty_stubs_and_wrapped_link_text_is_rewritten(tmp_path: Path, hub: Path) -> None:
    source = write_tree(tmp_path / "book", {
        "SUMMARY.md": "* [A](a/README.md)\n",
        "a/README.md": "# Section A\n",
        "a/b.md": "# B\n\nSee the [privacy\nguidance](/a/c/) and [A](README.md).\n",
        "a/c.md": "# C\n\nText.\n",
    })
    _code, report = ingest(source, hub / "book")
    assert report["skipped_by_rule"]["empty-body (metadata-only, link-out or author stub)"] == 1
    doc, _ = load_document(hub, "book/a/b.md")
    assert doc is not None and "[privacy\nguidance](c.md)" in doc.body and "and A." in doc.body


def test_link_target_with_spaces_is_resolved_as_one_address(tmp_path: Path, hub: Path) -> None:
    source = write_tree(tmp_path / "site", {
        "_config.yml": "title: T\n",
        "_pages/leave.md": "---\ntitle: Leave\n---\nSee ![the form]({{site.baseurl}}/images/Leave form.png).\n",
        "images/Leave form.png": b"\x89PNG\r\n\x1a\n",
    })
    _code, report = ingest(source, hub / "hb")
    doc, _ = load_document(hub, "hb/leave.md")
    assert doc is not None and "![the form](images/Leave-form.png)" in doc.body
    assert (hub / "hb/images/Leave-form.png").is_file() and report["links"]["asset copied"] == 1


def test_unreferenced_footnote_becomes_a_paragraph(tmp_path: Path, hub: Path) -> None:
    source = write_tree(tmp_path / "notes", {
        "a.md": "# A\n\nText with a note.[^1]\n\n[^1]: Used.\n\n[^15]: Never referenced.\n",
    })
    ingest(source, hub / "n", "--from", "markdown")
    doc, _ = load_document(hub, "n/a.md")
    assert doc is not None and "[^1]: Used." in doc.body and "\\[15\\] Never referenced." in doc.body


def test_aliases_and_redirect_stubs_become_aliases_of_their_pages(tmp_path: Path, hub: Path) -> None:
    source = write_tree(tmp_path / "handbook", JEKYLL)
    _code, report = ingest(source, hub / "handbook")
    assert report["redirect_maps"] == {"handbook/moved/": "handbook/tools/zoom.md",
                                       "handbook/slack/": "handbook/tools/slack.md",
                                       "handbook/zoom/": "handbook/tools/zoom.md"}
    zoom, _ = load_document(hub, "handbook/tools/zoom.md")
    assert zoom is not None and zoom.get("aliases") == ["handbook/zoom/", "handbook/moved/"]
    assert not [d for d in checks.run(load_hub(hub)) if d.severity == "error"]


def test_old_addresses_that_cannot_be_published_are_reported_not_written(tmp_path: Path, hub: Path) -> None:
    source = write_tree(tmp_path / "site", {
        "_config.yml": "title: Site\n",
        "_pages/a.md": "---\ntitle: A\nredirect_from: [/b/, '/x y/', /a.php, 'https://other.example/a/']\n---\nA.\n",
        "_pages/b.md": "---\ntitle: B\nredirect_from: [/a/]\n---\nB.\n",
        "_pages/go.md": "---\ntitle: Go\nredirect_to: https://evil.example/\n---\n",
        # its own address needs no redirect; a relative one is read from the site's root (not Hugo)
        "_pages/deep/c.md": "---\ntitle: C\nredirect_from: [/deep/c/, old-c/]\n---\nC.\n",
    })
    _code, report = ingest(source, hub / "s")
    refused = {(r["page"], r["from"]): r["reason"] for r in report["redirects_refused"]}
    assert refused[("_pages/a.md", "/b/")] == "falls on a page or another alias"
    assert "characters" in refused[("_pages/a.md", "/x y/")] and "'php'" in refused[("_pages/a.md", "/a.php")]
    assert refused[("_pages/a.md", "https://other.example/a/")] == "an address on another site"
    assert len(refused) == 5 and refused[("_pages/b.md", "/a/")]  # /a/ is page a; no self-redirect for c
    assert report["redirect_maps"] == {"s/old-c/": "s/deep/c.md"}
    assert report["redirects"] == [{"from": "/go/", "to": "https://evil.example/"}]


def test_site_root_path_separates_this_site_from_others_on_the_host(tmp_path: Path, hub: Path) -> None:
    source = write_tree(tmp_path / "manual", {
        "_config.yml": "baseurl: /service-manual\n",
        "_pages/a.md": ("---\ntitle: A\n---\nSee [B](/service-manual/b.html), [gov](/government/x), "
                        "[local](file:///C:/docs/x.docx), [pdf](/service-manual/files/x.pdf) and "
                        "[gone](/service-manual/nowhere/).\n"),
        "_pages/b.md": "---\ntitle: B\n---\nText.\n",
    })
    _code, report = ingest(source, hub / "m", "--site-root", "/service-manual")
    doc, _ = load_document(hub, "m/a.md")
    assert doc is not None and doc.body.strip() == "See [B](b.md), gov, local, pdf and gone."
    classes = {(u["class"], u["target"]) for u in report["unresolved_links"]}
    assert classes == {("to another site on the same host", "/government/x"),
                       ("broken upstream", "file:///C:/docs/x.docx"),
                       ("missing asset", "/service-manual/files/x.pdf"),
                       ("broken", "/service-manual/nowhere/")}


def test_what_the_hub_check_refuses_is_converted_so_ingested_pages_pass_it(tmp_path: Path, hub: Path) -> None:
    source = write_tree(tmp_path / "book", {
        "SUMMARY.md": "* [A](a.md)\n* [B](b.md)\n",
        "a.md": """\
            # A

            1. <a href='b.md'>Read B</a> first.

            | Topic | Pages |
            | --- | --- |
            | B | <p><a href="b.md">The B page</a></p> |

            <div class="cards">
            <a href="b.md">B in a card</a>
            </div>

            ![Diagram](https://cdn.example.org/d.png) and [![Badge](https://img.example.org/b.svg)](https://example.org/)

            <img src="https://cdn.example.org/e.png" alt="E" srcset="https://cdn.example.org/e.png 1920w, //cdn.example.org/f.png 640w">

            See [scope](b.md#_rabzu5fms5j8).
            """,
        "b.md": "# B\n\n## Scope {#_rabzu5fms5j8}\n\nText.\n\n## Ünïcode {#Ünïcode}\n\nMore.\n",
    })
    _code, report = ingest(source, hub / "book", "--from", "gitbook")
    doc, _ = load_document(hub, "book/a.md")
    assert doc is not None
    assert "1. [Read B](b.md) first." in doc.body and "<p>[The B page](b.md)</p>" in doc.body
    assert '<a data-source-href="b.md">B in a card</a>' in doc.body  # inside an HTML block: not a link
    assert "[Diagram](https://cdn.example.org/d.png)" in doc.body and "[Badge](https://example.org/)" in doc.body
    assert 'data-source-src="https://cdn.example.org/e.png"' in doc.body and "data-source-srcset=" in doc.body
    assert "[scope](b.md#rabzu5fms5j8)" in doc.body
    b, _ = load_document(hub, "book/b.md")
    assert b is not None and "## Scope { #rabzu5fms5j8 }" in b.body and "## Ünïcode\n" in b.body
    assert report["links"]["external image made a link (not embedded)"] == 4
    assert report["links"]["link to a page in raw HTML made a Markdown link"] == 2
    errors = [d for d in checks.run(load_hub(hub)) if d.severity == "error"]
    assert errors == []
