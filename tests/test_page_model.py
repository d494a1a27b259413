"""The published page model is cheap to build: `kmgen check` (preflight) needs only
the pages' addresses, so it renders no view or JSON-LD; a build renders each when
MkDocs reaches its page (issue 14)."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import page
from kmgen.hub import load_hub
from kmgen.publish import browse, generated, jsonld, listings, preflight, views
from kmgen.publish.pages import SitePages
from kmgen.publish.site import Settings, Site

PAGES = {
    "case-studies/togo.md": page("Births in Togo", "case-study",
                                 "country: togo\nperiod: \"2019-2023\"\nsector: [civil-registration]\n"),
    "guidelines/clinics.md": page("Clinics", "guideline", "sector: [health]\n"),
}


def refuse(*args: Any, **kwargs: Any) -> Any:
    pytest.fail("a view or JSON-LD was rendered")


def test_preflight_renders_no_view(make_hub, monkeypatch: pytest.MonkeyPatch) -> None:
    hub = load_hub(make_hub(PAGES))
    for module, names in ((views, ["resource"]), (jsonld, ["resource", "collection", "web_page", "website"]),
                          (listings, ["home_view", "type_view", "facet_view", "concept_view", "review_view"])):
        for name in names:
            monkeypatch.setattr(module, name, refuse)
    monkeypatch.setattr(generated, "browse_view", refuse)
    monkeypatch.setattr(browse, "browse_view", refuse)
    assert [d for d in preflight.check(hub) if d.severity == "error"] == []


def test_a_view_is_rendered_once_when_first_asked_for(make_hub, monkeypatch: pytest.MonkeyPatch) -> None:
    hub = load_hub(make_hub(PAGES))
    calls: list[str] = []
    real = views.resource
    monkeypatch.setattr(views, "resource", lambda site, doc: calls.append(doc.path) or real(site, doc))
    pages = SitePages(Site(hub, Settings()))
    assert calls == []
    source = pages.by_uri["case-studies/togo.md"]
    assert source.context is source.context
    assert calls == ["case-studies/togo.md"]
