"""`kmgen serve`: a real uvicorn server on a free loopback port, asked as a client would."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import uvicorn

from conftest import MINI_TAXONOMY, build_site, page, run_kmgen
from kmgen.serve.app import create_app

RESOURCES = {
    "guidelines/a.md": ("Alpha clinics", "audience: [civil-servants]\nsector: [health]\n",
                        "Clinics share patient records."),
    "guidelines/b.md": ("Bravo offices", "audience: [civil-servants]\nsector: [civil-registration]\n",
                        "Offices record births and deaths."),
    "guidelines/c.md": ("Charlie officials", "audience: [leaders]\nsector: [civil-registration]\n",
                        "Officials sign the certificates."),
    "guidelines/d.md": ("Delta farmers", "audience: [developers]\nsector: [agriculture]\nbuilding_blocks: [identity]\n",
                        "Farmers prove who they are with an eID card."),
    "guidelines/e.md": ("Echo hospitals", "audience: [civil-servants, leaders]\nsector: [civil-registration, health]\n",
                        "Hospitals notify the registry of every newborn and print certificates."),
}


@contextlib.contextmanager
def running(app: Any) -> Iterator[str]:
    """Serve `app` on a free loopback port in a thread; yields its base address."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise AssertionError("the server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def make_hub(base: Path) -> tuple[Path, Path, Path]:
    """(content, site, index) of a built five-page hub."""
    files = {"taxonomy.yml": MINI_TAXONOMY}
    files.update({rel: page(title, extra=extra, body=f"## Steps\n\n{body}\n")
                  for rel, (title, extra, body) in RESOURCES.items()})
    site = build_site(base, files)
    return base / "content", site, base / "index"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return make_hub(tmp_path_factory.mktemp("serve"))


@pytest.fixture(scope="module")
def server(hub: tuple[Path, Path, Path]) -> Iterator[str]:
    content, site, index = hub
    with running(create_app(site, index, content)) as base:
        yield base


def get(base: str, target: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """Send `target` exactly as written (no client-side normalising of dots or escapes)."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=20)
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def api(base: str, target: str) -> tuple[int, dict[str, Any]]:
    status, headers, body = get(base, target)
    assert headers["content-type"] == "application/json"
    return status, json.loads(body)


def titles(body: dict[str, Any]) -> list[str]:
    return [h["title"] for h in body["hits"]]


def test_search_ranks_hits_with_highlights_addresses_and_facets(server: str) -> None:
    status, body = api(server, "/api/search?q=certificates")
    assert status == 200
    assert titles(body) == ["Charlie officials", "Echo hospitals"]  # the shorter page says it more
    assert body["total"] == 2
    assert "**certificates**" in body["hits"][0]["snippet"]
    hit = body["hits"][0]
    assert hit["url"] == "guidelines/c.html" and hit["type"] == "guideline"
    assert hit["facets"]["sector"] == ["civil-registration"] and hit["facets"]["audience"] == ["leaders"]


def test_facet_filters_fold_synonyms_roll_up_and_combine(server: str) -> None:
    _, body = api(server, "/api/search?facet=sector=CRVS")  # a synonym of civil registration
    assert sorted(titles(body)) == ["Bravo offices", "Charlie officials", "Echo hospitals"]
    assert body["filters"] == [{"facet": "sector", "value": "civil-registration", "label": "Civil registration"}]
    _, body = api(server, "/api/search?facet=" + quote("building_blocks=Digital ID"))  # Delta is tagged identity
    assert titles(body) == ["Delta farmers"]
    _, body = api(server, "/api/search?facet=sector=health&facet=sector=agriculture&size=10")  # one facet: OR
    assert sorted(titles(body)) == ["Alpha clinics", "Delta farmers", "Echo hospitals"]
    _, body = api(server, "/api/search?facet=sector=health&facet=audience=leaders")  # two facets: AND
    assert titles(body) == ["Echo hospitals"]


def test_counts_roll_up_and_paging(server: str) -> None:
    _, body = api(server, "/api/search?facet=type=guideline&size=2&page=2")
    assert body["total"] == 5 and body["page"] == 2 and len(body["hits"]) == 2
    sectors = {c["value"]: c["count"] for c in body["counts"]["sector"]}
    assert sectors == {"civil-registration": 3, "health": 2, "agriculture": 1}
    blocks = {c["value"]: c["count"] for c in body["counts"]["building-block"]}
    assert blocks == {"identity": 1, "digital-id-layer": 1}  # the broader concept counts its narrower pages
    _, first = api(server, "/api/search?facet=type=guideline&size=2&page=1")
    _, third = api(server, "/api/search?facet=type=guideline&size=2&page=3")
    paths = [h["path"] for h in first["hits"] + body["hits"] + third["hits"]]
    assert sorted(paths) == sorted(RESOURCES)


def test_a_misspelt_word_gets_a_corrected_query(server: str) -> None:
    _, body = api(server, "/api/search?q=certifcates")
    assert body["did_you_mean"] == "certificates"


@pytest.mark.parametrize(("target", "message"), [
    ("/api/search?q=" + "a" * 501, "the query is 501 characters long; the limit is 500"),
    ("/api/search?q=" + "+".join(["word"] * 40), "the query has 40 words; the limit is 32"),
    ("/api/search?q=x&size=0", "'size' must be from 1 to 100, got 0"),
    ("/api/search?q=x&size=1000", "'size' must be from 1 to 100, got 1000"),
    ("/api/search?q=x&page=-1", "'page' must be a whole number from 1 to 100, got '-1'"),
    ("/api/search?q=x&page=" + "9" * 30, "'page' must be a whole number from 1 to 100"),
    ("/api/search?q=x&q=y", "'q' was given 2 times; give it once"),
    ("/api/search?" + "&".join(["facet=sector=health"] * 21), "too many facet filters: 21; the limit is 20"),
    ("/api/search?facet=sector", "expected a facet filter as KEY=VALUE"),
    ("/api/search?facet=colour=red", "unknown facet 'colour'"),
    ("/api/search?facet=sector=helth", "unknown Sector 'helth'; did you mean 'health'"),
    ("/api/search?facet=sector=" + "h" * 300, "a facet filter is 307 characters long; the limit is 200"),
    ("/api/search?q=%ff%fe", "the query string cannot be read"),
    ("/api/search?q=" + "x" * 5000, "the query string is 5,002 bytes long; the limit is 4096"),
    ("/api/suggest?q=" + "c" * 101, "the prefix is 101 characters long; the limit is 100"),
    ("/api/search?q=", "nothing to search for"),
])
def test_hostile_or_oversized_requests_get_a_400_saying_why(server: str, target: str, message: str) -> None:
    status, body = api(server, target)
    assert status == 400
    assert message in body["error"]


def test_suggest_completes_titles_and_concept_labels(server: str) -> None:
    _, body = api(server, "/api/suggest?q=civ")
    texts = [s["text"] for s in body["suggestions"]]
    assert texts == ["Civil registration", "Civil servants"]
    _, body = api(server, "/api/suggest?q=off")
    assert [(s["text"], s["kind"], s.get("url")) for s in body["suggestions"]] == [
        ("Leaders and officials", "concept", None),  # a word of a label or title may start with it
        ("Bravo offices", "title", "guidelines/b.html"), ("Charlie officials", "title", "guidelines/c.html")]
    _, body = api(server, "/api/suggest?q=crv")  # an acronym completes to the concept
    assert [(s["text"], s["concept"]) for s in body["suggestions"]] == [("CRVS", "civil-registration")]


def test_health_and_unknown_endpoints(server: str) -> None:
    status, body = api(server, "/api/health")
    cache = body.pop("result_cache")
    assert (status, body) == (200, {"status": "ok", "pages": 5, "taxonomy": True, "site": True})
    assert cache["size"] > 0 and cache["hits"] >= 0 and cache["misses"] >= 0
    status, body = api(server, "/api/nothing")
    assert status == 404 and "expected one of /api/search" in body["error"]
    status, headers, _ = get(server, "/api/search?q=x", method="POST")
    assert status == 405


def test_files_have_their_types_and_cache_headers(server: str, hub: tuple[Path, Path, Path]) -> None:
    expected = {
        "/browse.html": ("text/html; charset=utf-8", "no-cache"),
        "/": ("text/html; charset=utf-8", "no-cache"),
        "/assets/javascripts/kmgen-find.js": ("text/javascript; charset=utf-8", "public, max-age=3600"),
        "/assets/stylesheets/kmgen-find.css": ("text/css; charset=utf-8", "public, max-age=3600"),
        "/catalog.json": ("application/json", "no-cache"),
        "/taxonomy.jsonld": ("application/ld+json", "no-cache"),
        "/sitemap.xml": ("application/xml", "no-cache"),
        "/find/index-0.js": ("text/javascript; charset=utf-8", "no-cache"),
        "/find/api.js": ("text/javascript; charset=utf-8", "no-store"),
        "/api/health": ("application/json", "no-store"),
    }
    for target, (ctype, cache) in expected.items():
        status, headers, _ = get(server, target)
        assert (target, status, headers["content-type"], headers["cache-control"]) == (target, 200, ctype, cache)
        assert headers["x-content-type-options"] == "nosniff"
    bundle = next(p for p in os.listdir(hub[1] / "assets/javascripts") if p.startswith("bundle.") and p.endswith(".min.js"))
    _, headers, _ = get(server, f"/assets/javascripts/{bundle}")
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    etag = get(server, "/browse.html")[1]["etag"]
    conn = http.client.HTTPConnection(*server.removeprefix("http://").split(":"), timeout=10)
    conn.request("GET", "/browse.html", headers={"If-None-Match": etag})
    assert conn.getresponse().status == 304
    conn.close()
    conn = http.client.HTTPConnection(*server.removeprefix("http://").split(":"), timeout=10)
    conn.request("GET", "/browse.html", headers={"Accept-Encoding": "gzip"})
    answer = conn.getresponse()
    packed = answer.read()
    assert answer.getheader("Content-Encoding") == "gzip" and len(packed) < len(get(server, "/browse.html")[2])
    conn.close()
    status, headers, body = get(server, "/no-such-page.html")
    assert status == 404 and headers["content-type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize("target", [
    "/../etc/passwd", "/assets/../../etc/passwd", "/./index.html", "/%2e%2e/etc/passwd", "/%2E%2E/%2E%2E/etc/passwd",
    "/.%2e/etc/passwd", "/assets%2f..%2f..%2fetc%2fpasswd", "/..%2Fetc%2Fpasswd", "/%2fetc%2fpasswd",
    "//etc/passwd", "/..\\..\\etc\\passwd", "/..%5c..%5cetc%5cpasswd", "/index.html%00.js", "/%252e%252e/etc/passwd",
    "/assets/%2e%2e/%2e%2e/etc/passwd", "/api/../../etc/passwd",
])
def test_every_traversal_form_is_refused(server: str, target: str) -> None:
    status, _, body = get(server, target)
    assert status == 400, target
    assert body.startswith(b"400 Bad Request: path refused: ")


def test_a_symlink_out_of_the_site_is_not_followed(server: str, hub: tuple[Path, Path, Path], tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("not for readers", encoding="utf-8")
    link = hub[1] / "leak.txt"
    link.symlink_to(secret)
    try:
        status, _, body = get(server, "/leak.txt")
        assert status == 404 and b"not for readers" not in body
    finally:
        link.unlink()


@pytest.mark.usefixtures("machine_key")
def test_the_searcher_is_reused_and_refreshed_when_kmgen_index_adds_a_page(tmp_path: Path) -> None:
    content, site, index = make_hub(tmp_path)
    # the build signed the index with the default key; this test's key needs its own index
    run_kmgen("index", "--content", str(content), "--index-dir", str(index), check=True)
    app = create_app(site, index, content)
    with running(app) as base:
        _, body = api(base, "/api/search?q=zanzibar")
        assert body["total"] == 0
        first = app.state.search.index()
        assert app.state.search.index() is first  # one open index across requests
        (content / "guidelines/f.md").write_text(page("Foxtrot", body="Ferries to Zanzibar.\n"), encoding="utf-8")
        run_kmgen("index", "--content", str(content), "--index-dir", str(index), check=True)
        _, body = api(base, "/api/search?q=zanzibar")
        assert titles(body) == ["Foxtrot"]
        assert app.state.search.index() is not first


@pytest.mark.usefixtures("machine_key")
def test_answers_are_kept_until_the_index_changes_and_the_cache_can_be_turned_off(tmp_path: Path) -> None:
    content, site, index = make_hub(tmp_path)
    run_kmgen("index", "--content", str(content), "--index-dir", str(index), check=True)
    app = create_app(site, index, content)
    uncached = create_app(site, index, content, cache_size=0)
    with running(app) as base, running(uncached) as plain:
        cache = app.state.search.results
        _, first = api(base, "/api/search?q=ferries&facet=sector=health")
        _, again = api(base, "/api/search?q=%20ferries%20&facet=sector=health")  # the same query, spaced out
        assert again == first and (cache.hits, cache.misses) == (1, 1)
        _, other_page = api(base, "/api/search?q=ferries&facet=sector=health&page=2")
        assert cache.misses == 2  # another page is another answer
        (content / "guidelines/f.md").write_text(page("Foxtrot", extra="sector: [health]\n",
                                                      body="Ferries to Zanzibar.\n"), encoding="utf-8")
        run_kmgen("index", "--content", str(content), "--index-dir", str(index), check=True)
        _, after = api(base, "/api/search?q=ferries&facet=sector=health")
        assert titles(after) == ["Foxtrot"] and titles(first) == []  # the new index answers, not the kept answer
        for _ in range(2):
            _, body = api(plain, "/api/search?q=ferries")
            assert titles(body) == ["Foxtrot"]
        assert (uncached.state.search.results.hits, uncached.state.search.results.misses) == (0, 2)


def test_the_command_serves_on_the_port_it_is_given(hub: tuple[Path, Path, Path]) -> None:
    import subprocess
    import sys
    import urllib.request

    content, site, index = hub
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    exe = Path(sys.executable).parent / "kmgen"
    # two server processes sharing the port (each opens the index before answering)
    proc = subprocess.Popen([str(exe), "serve", "--content", str(content), "--site-dir", str(site), "--index-dir",
                             str(index), "--port", str(port), "--workers", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5) as answer:
                    assert json.loads(answer.read())["status"] == "ok"
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?q=certificates", timeout=5) as answer:
                    assert json.loads(answer.read())["total"] > 0
                    break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                time.sleep(0.2)
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}/" in out.decode()
