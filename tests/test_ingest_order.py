"""Where an ingested page sits in its collection: Jekyll navigation data, Hugo menus, front-matter
order; and string fields YAML read as numbers or booleans kept as the text the author wrote."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_ingest import hub, ingest, write_tree  # noqa: F401 - hub is a fixture

from kmgen import checks
from kmgen.content import load_document
from kmgen.hub import load_hub

NAV_DATA = {
    "_config.yml": "title: Handbook\nbaseurl: /handbook\ncollections:\n  pages:\n    output: true\n",
    # one common shape: text/href/children, addresses with the baseurl, without it, relative, Liquid
    "_data/navigation.yml": """\
        primary:
          - text: A section with no page of its own
            href: /#section
            children:
              - text: Bravo
                href: /handbook/bravo/
              - title: Charlie
                url: charlie/
              - text: Outside
                url: https://example.com/elsewhere/
              - text: Gone
                url: /gone/
              - text: No address at all
          - text: Alpha
            href: "{{ site.baseurl }}/alpha-page/"
          - null
          - text: Bravo again (the first mention counts)
            href: /bravo/
        """,
    # another theme's shape, in a second file: title/url nested under folders
    "_data/sidebars/docs.yml": """\
        entries:
          - title: Docs
            folders:
              - title: Echo
                url: /echo.html
                subfolders:
                  - subfolderitems:
                      - title: Foxtrot
                        url: "{{ '/foxtrot/' | relative_url }}"
        """,
    "_data/footer.yml": "links:\n  - text: Delta\n    href: /delta/\n",
    "_pages/alpha.md": "---\ntitle: Alpha\nsummary: A.\npermalink: /alpha-page/\nnav_order: 1\n---\nA.\n",
    "_pages/bravo.md": "---\ntitle: Bravo\nsummary: B.\nnav_order: 9\n---\nB.\n",
    "_pages/charlie.md": "---\ntitle: Charlie\nsummary: C.\n---\nC.\n",
    "_pages/delta.md": "---\ntitle: Delta\nsummary: D.\nnav_order: 7\n---\nD.\n",
    "_pages/echo.md": "---\ntitle: Echo\nsummary: E.\n---\nE.\n",
    "_pages/foxtrot.md": "---\ntitle: Foxtrot\nsummary: F.\n---\nF.\n",
    "_pages/golf.md": "---\ntitle: Golf\nsummary: G.\n---\nG.\n",
}


def order_of(content: Path, rel: str) -> Any:
    doc, _ = load_document(content, rel)
    assert doc is not None, rel
    return doc.get("imported").get("order")


def test_jekyll_navigation_data_orders_the_pages_it_names(tmp_path: Path, hub: Path) -> None:  # noqa: F811
    source = write_tree(tmp_path / "handbook", NAV_DATA)
    code, report = ingest(source, hub / "handbook")
    assert code == 0, report
    orders = {name: order_of(hub, f"handbook/{name}.md") for name in
              ("bravo", "charlie", "alpha", "echo", "foxtrot", "delta", "golf")}
    # nav data first (over nav_order where it names the page); the footer is not navigation
    assert orders == {"bravo": 1, "charlie": 2, "alpha": 3, "echo": 4, "foxtrot": 5, "delta": 7, "golf": None}
    assert report["totals"]["files"] == len(NAV_DATA)
    assert report["skipped_by_rule"]["navigation data (used for the collection's order)"] == 2
    notes = {f["path"]: f.get("notes", []) for f in report["files"]}
    assert any("_data/navigation.yml" in n for n in notes["_pages/alpha.md"])


def test_navigation_data_honours_the_site_root(tmp_path: Path, hub: Path) -> None:  # noqa: F811
    source = write_tree(tmp_path / "manual", {
        "_config.yml": "title: Manual\n",
        "_data/nav.yaml": "- title: Two\n  link: /service-manual/two/\n- title: One\n  link: /service-manual/one/\n"
                          "- title: Another site on the host\n  link: /government/one/\n",
        "one.md": "---\ntitle: One\nsummary: 1.\n---\nOne.\n",
        "two.md": "---\ntitle: Two\nsummary: 2.\n---\nTwo.\n",
    })
    code, _report = ingest(source, hub / "manual", "--site-root", "/service-manual")
    assert code == 0
    assert order_of(hub, "manual/two.md") == 1 and order_of(hub, "manual/one.md") == 2


def test_malformed_navigation_data_is_reported_and_the_rest_ingested(tmp_path: Path, hub: Path) -> None:  # noqa: F811
    source = write_tree(tmp_path / "site", {
        "_config.yml": "title: Site\n",
        "_data/navigation.yml": "main: [unclosed\n",
        "_data/menu.json": '{"items": [{"name": "Page", "path": "/page/"}, 3, true, [[]]]}',
        "page.md": "---\ntitle: Page\nsummary: P.\nnav_order: 4\n---\nP.\n",
    })
    code, report = ingest(source, hub / "site")
    assert code == 0
    assert order_of(hub, "site/page.md") == 1
    assert any("_data/navigation.yml" in w for w in report["warnings"])


HUGO_MENUS = {
    "hugo.toml": "baseURL = 'https://example.org/'\n",
    "content/docs/nested.md": "---\ntitle: Nested\ndescription: N.\nmenu:\n  main:\n    weight: 3\n---\nN.\n",
    "content/docs/plural.md": "---\ntitle: Plural\ndescription: P.\nmenus:\n  docs:\n    weight: 2\n    parent: x\n---\nP.\n",
    "content/docs/named.md": "---\ntitle: Named\ndescription: M.\nmenu: main\nweight: 4\n---\nM.\n",
    "content/docs/both.md": "---\ntitle: Both\ndescription: B.\nweight: 8\nmenu:\n  main:\n    weight: 1\n---\nB.\n",
    "content/docs/toml.md": "+++\ntitle = 'Toml'\ndescription = 'T.'\n[menu.main]\nweight = 6\n+++\nT.\n",
}


def test_hugo_menu_weights_are_an_order(tmp_path: Path, hub: Path) -> None:  # noqa: F811
    source = write_tree(tmp_path / "site", HUGO_MENUS)
    code, _report = ingest(source, hub / "site")
    assert code == 0
    orders = {name: order_of(hub, f"site/docs/{name}.md") for name in ("nested", "plural", "named", "both", "toml")}
    # the page's own weight orders its section; the menu's weight is used where there is none
    assert orders == {"nested": 3, "plural": 2, "named": 4, "both": 8, "toml": 6}


def test_numbers_and_booleans_in_text_fields_are_kept_as_written(tmp_path: Path, hub: Path) -> None:  # noqa: F811
    source = write_tree(tmp_path / "site", {
        "_config.yml": "title: Site\n",
        "numbers.md": "---\ntitle: 1984\ndescription: 1.\nsubtitle: Not this one\nauthor: 007\n---\nThe body.\n",
        "flags.md": "---\ntitle: yes\ndescription: 0x1F\n---\nThe body.\n",
        "float.md": "---\ntitle: 3.50\ndescription: 1e3\n---\nThe body.\n",
    })
    code, report = ingest(source, hub / "site")
    assert code == 0
    seen = {}
    for name in ("numbers", "flags", "float"):
        doc, _ = load_document(hub, f"site/{name}.md")
        assert doc is not None
        seen[name] = (doc.get("title"), doc.get("summary"))
    assert seen == {"numbers": ("1984", "1."), "flags": ("yes", "0x1F"), "float": ("3.50", "1e3")}
    agent, _ = load_document(hub, "site/numbers.md")
    assert agent is not None and agent.get("contributors") == ["007"]  # YAML 1.1 read an octal 7
    notes = {f["path"]: " ".join(f.get("notes", [])) for f in report["files"]}
    assert "description: 1. was read as a number; kept as the text written" in notes["numbers.md"]
    assert "title: yes was read as a boolean" in notes["flags.md"]
    errors = [d for d in checks.run(load_hub(hub)) if d.severity == "error"]
    assert errors == [], [d.to_text() for d in errors]
