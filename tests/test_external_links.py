"""`kmgen links --external`: safety, politeness and reporting, against loopback servers only.

Every test talks to an http.server on 127.0.0.1 through a fake resolver (names
ending in .test). Nothing here reaches the internet: the CLI tests use only
addresses the default policy refuses before any lookup, and results seeded in
the cache.
"""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import page, run_kmgen
from kmgen.checks import external as ext
from kmgen.checks.netguard import AddressPolicy, NameNotFound, ResolveFailed, numeric_host
from kmgen.checks.probe import HostGate, ProbeOptions, Result, probe
from kmgen.hub import load_hub

Handler = Callable[[BaseHTTPRequestHandler], None]
NAMES = {"good.test": ["127.0.0.1"], "xn--bcher-kva.test": ["127.0.0.1"], "other.test": ["127.0.0.1"], "third.test": ["127.0.0.1"],
         "evil.test": ["10.0.0.5"], "mixed.test": ["127.0.0.1", "192.168.1.1"]}


@dataclass
class Server:
    port: int
    routes: dict[str, Handler] = field(default_factory=dict)
    requests: list[tuple[str, str, str, str]] = field(default_factory=list)  # method, path, Host, UA
    lock: threading.Lock = field(default_factory=threading.Lock)
    in_flight: dict[str, int] = field(default_factory=dict)
    peak: dict[str, int] = field(default_factory=dict)

    def url(self, path: str, host: str = "good.test", scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}{path}"


@pytest.fixture
def server() -> Iterator[Server]:
    with _running() as state:
        yield state


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[Server, Path]]:
    """HTTPS on loopback with a self-signed certificate for good.test."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=good.test",
                    "-addext", "subjectAltName=DNS:good.test"], check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with _running(context) as state:
        yield state, cert


@contextmanager
def _running(tls: ssl.SSLContext | None = None) -> Iterator[Server]:
    state = Server(0)

    class Recorder(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep test output clean
            return

        def _serve(self) -> None:
            host = self.headers.get("Host", "")
            self.counted = host
            with state.lock:
                state.requests.append((self.command, self.path, host, self.headers.get("User-Agent", "")))
                state.in_flight[host] = state.in_flight.get(host, 0) + 1
                state.peak[host] = max(state.peak.get(host, 0), state.in_flight[host])
            try:
                state.routes.get(self.path, _status(404))(self)
            finally:
                self._done()

        def end_headers(self) -> None:
            # A request stops counting as in flight before its answer leaves. The
            # client frees its host slot once it has read the answer, so a count
            # dropped only after sending could still include this request when
            # the next one arrives: on a loaded machine that read as a peak of 3.
            self._done()
            super().end_headers()

        def _done(self) -> None:
            host, self.counted = getattr(self, "counted", None), None
            if host is not None:
                with state.lock:
                    state.in_flight[host] -= 1

        do_GET = do_HEAD = _serve

    class Quiet(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: object, client_address: object) -> None:
            return  # the checker hangs up on purpose (deadline, byte cap)

    httpd = Quiet(("127.0.0.1", 0), Recorder)
    if tls is not None:
        httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()


def _status(code: int, headers: dict[str, str] | None = None, body: bytes = b"") -> Handler:
    def reply(h: BaseHTTPRequestHandler) -> None:
        h.send_response(code)
        for key, value in (headers or {}).items():
            h.send_header(key, value)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if h.command == "GET":
            h.wfile.write(body)
    return reply


def _fake_resolver(calls: list[str] | None = None) -> Callable[[str, int], list[str]]:
    def resolve(host: str, port: int) -> list[str]:
        if calls is not None:
            calls.append(host)
        if host not in NAMES:
            raise NameNotFound(host)
        return NAMES[host]
    return resolve


def _options(loopback: bool = True, **kw: object) -> ProbeOptions:
    return ProbeOptions(resolver=_fake_resolver(), policy=AddressPolicy(allow_loopback=loopback),
                        **kw)  # type: ignore[arg-type]


def _probe(url: str, options: ProbeOptions | None = None) -> Result:
    return probe(url, options or _options(), HostGate(2))


# --- safety --------------------------------------------------------------------------

def test_default_policy_blocks_a_name_resolving_to_loopback_and_never_connects(server: Server) -> None:
    server.routes["/ok"] = _status(200)
    result = _probe(server.url("/ok"), _options(loopback=False))
    assert result == Result("blocked", "good.test resolves to 127.0.0.1, a loopback address")
    assert server.requests == []
    # Every address must pass, not just the first one that would be tried.
    mixed = _probe(server.url("/ok", "mixed.test"), _options(loopback=True))
    assert mixed == Result("blocked", "mixed.test resolves to 192.168.1.1, a private address")
    assert server.requests == []


@pytest.mark.parametrize(("host", "reason"), [
    ("2130706433", "2130706433 is 127.0.0.1, a loopback address"),
    ("0x7f.1", "0x7f.1 is 127.0.0.1, a loopback address"),
    ("127.1", "127.1 is 127.0.0.1, a loopback address"),
    ("0177.0.0.1", "0177.0.0.1 is 127.0.0.1, a loopback address"),
    ("127.0.0.1.", "127.0.0.1. is 127.0.0.1, a loopback address"),
    ("[::ffff:127.0.0.1]", "::ffff:127.0.0.1 is ::ffff:7f00:1, an IPv4-mapped IPv6 address"),
    ("[::127.0.0.1]", "::127.0.0.1 is ::7f00:1, an IPv4-compatible IPv6 address"),
    ("[::1]", "::1 is ::1, a loopback address"),
    ("[64:ff9b::a00:1]", "64:ff9b::a00:1 is 64:ff9b::a00:1, the NAT64 form of 10.0.0.1 (a private address)"),
    ("10.0.0.1", "10.0.0.1 is 10.0.0.1, a private address"),
    ("169.254.169.254", "169.254.169.254 is 169.254.169.254, a link-local address"),
    ("100.64.0.1", "100.64.0.1 is 100.64.0.1, a shared (carrier-grade NAT) address"),
    ("0.0.0.0", "0.0.0.0 is 0.0.0.0, an unspecified address"),
    ("224.0.0.1", "224.0.0.1 is 224.0.0.1, a multicast address"),
    ("240.0.0.1", "240.0.0.1 is 240.0.0.1, a reserved address"),
    ("[fe80::1]", "fe80::1 is fe80::1, a link-local address"),
    ("[fc00::1]", "fc00::1 is fc00::1, a private address"),
    ("1.2.3.256", "'1.2.3.256' is not a valid numeric address"),
])
def test_addresses_that_are_not_public_are_blocked_however_spelled(server: Server, host: str, reason: str) -> None:
    calls: list[str] = []
    options = ProbeOptions(resolver=_fake_resolver(calls))
    assert _probe(f"http://{host}:{server.port}/", options) == Result("blocked", reason)
    assert calls == [], "a numeric host must never be handed to the resolver"
    assert server.requests == []


def test_public_addresses_pass_the_policy() -> None:
    policy = AddressPolicy()
    for host in ("8.8.8.8", "2606:4700::1", "64:ff9b::808:808", "example.org"):
        ip = numeric_host(host)
        assert ip is None or policy.refusal(ip) is None, host
    assert policy.refusal(numeric_host("127.0.0.1")) == "a loopback address"  # type: ignore[arg-type]
    assert AddressPolicy(allow_loopback=True).refusal(numeric_host("127.0.0.1")) is None  # type: ignore[arg-type]


def test_only_http_and_https_and_no_credentials() -> None:
    assert _probe("ftp://example.org/f").detail == "only http and https links are checked, not ftp"
    assert _probe("file:///etc/passwd").detail == "only http and https links are checked, not file"
    assert _probe("http://user:pw@good.test/").detail == "the address contains a user name or password"


def test_redirect_into_a_private_address_is_blocked(server: Server) -> None:
    server.routes["/to-evil"] = _status(302, {"Location": "http://evil.test/secret"})
    server.routes["/to-metadata"] = _status(301, {"Location": "http://169.254.169.254/latest/meta-data/"})
    server.routes["/to-file"] = _status(302, {"Location": "file:///etc/passwd"})
    assert _probe(server.url("/to-evil")) == Result(
        "blocked", "redirects to http://evil.test/secret: evil.test resolves to 10.0.0.5, a private address")
    assert _probe(server.url("/to-metadata")).detail == (
        "redirects to http://169.254.169.254/latest/meta-data/: 169.254.169.254 is 169.254.169.254, "
        "a link-local address")
    assert _probe(server.url("/to-file")).detail == (
        "redirects to file:///etc/passwd: only http and https links are checked, not file")
    assert sorted(p for _, p, _, _ in server.requests) == ["/to-evil", "/to-file", "/to-metadata"]


def test_the_vetted_address_is_used_with_the_right_host_header(server: Server) -> None:
    server.routes["/ok"] = _status(200)
    assert _probe(server.url("/ok")).kind == "ok"
    method, path, host, agent = server.requests[0]
    assert (method, path, host) == ("HEAD", "/ok", f"good.test:{server.port}")
    assert agent.startswith("kmgen/")
    assert _probe(f"http://bücher.test:{server.port}/ok").kind == "ok"
    assert server.requests[1][2] == f"xn--bcher-kva.test:{server.port}"


def test_tls_is_verified_against_the_host_name_not_the_address(tls_server: tuple[Server, Path]) -> None:
    server, cert = tls_server
    server.routes["/ok"] = _status(200)
    trusting = ssl.create_default_context(cafile=str(cert))
    assert _probe(server.url("/ok", scheme="https"), _options(tls=trusting)).kind == "ok"
    assert server.requests == [("HEAD", "/ok", f"good.test:{server.port}", server.requests[0][3])]
    wrong_name = _probe(server.url("/ok", "other.test", "https"), _options(tls=trusting))
    assert wrong_name.kind == "unknown"
    assert wrong_name.detail.startswith("TLS certificate not accepted (Hostname mismatch")
    untrusted = _probe(server.url("/ok", scheme="https"))
    assert untrusted == Result("unknown", "TLS certificate not accepted (self-signed certificate)")
    assert len(server.requests) == 1


# --- bounded time and bytes ------------------------------------------------------------

def _drip(part: str, outcome: list[str]) -> Handler:
    """Headers or body at one byte every 50 ms for 5 s: each read succeeds, so only a deadline helps."""
    def handler(h: BaseHTTPRequestHandler) -> None:
        if part == "body" and h.command == "HEAD":
            return _status(405)(h)
        try:
            if part == "headers":
                h.wfile.write(b"HTTP/1.1 200 OK\r\n")
            else:
                h.send_response(200)
                h.send_header("Content-Length", "1000")
                h.end_headers()
            for _ in range(100):
                h.wfile.write(b"X")
                h.wfile.flush()
                time.sleep(0.05)
            outcome.append("served to the end")
        except OSError:
            outcome.append("cut by the client")
    return handler


@pytest.mark.parametrize("part", ["headers", "body"])
def test_a_slow_drip_is_bounded_by_the_deadline(server: Server, part: str) -> None:
    outcome: list[str] = []
    server.routes["/slow"] = _drip(part, outcome)
    assert _probe(server.url("/slow"), _options(timeout=1.0)) == Result(
        "unknown", "no complete answer within 1 s")
    if not server.requests:
        # On a loaded machine the deadline can pass before the request is even
        # sent: then there is nothing to hang up on, and nothing was served.
        return
    for _ in range(200):  # until the server notices: waiting, not timing
        if outcome:
            break
        time.sleep(0.05)
    assert outcome == ["cut by the client"], "the checker must hang up when the deadline passes"


def test_an_endless_body_is_bounded_by_the_byte_cap(server: Server) -> None:
    def endless(h: BaseHTTPRequestHandler) -> None:
        if h.command == "HEAD":
            return _status(405)(h)
        h.send_response(200)
        h.end_headers()
        for _ in range(100_000):  # 1.6 GB if nobody stops reading
            h.wfile.write(b"x" * 16384)

    server.routes["/big"] = endless
    result = _probe(server.url("/big"), _options(max_bytes=64 * 1024, timeout=30.0))
    assert (result.kind, result.bytes_read) == ("ok", 64 * 1024)
    assert [m for m, _, _, _ in server.requests] == ["HEAD", "GET"]


# --- retry later, redirects, broken ----------------------------------------------------

@pytest.mark.parametrize("wait", ["0", "1"])
def test_429_then_200_is_ok_after_honouring_retry_after(server: Server, wait: str) -> None:
    answers = iter([_status(429, {"Retry-After": wait}), _status(200)])
    server.routes["/busy"] = lambda h: next(answers)(h)
    slept: list[float] = []
    assert _probe(server.url("/busy"), _options(sleep=slept.append)).kind == "ok"
    assert slept == [float(wait)]
    assert len(server.requests) == 2


def test_retry_later_is_never_broken(server: Server) -> None:
    server.routes["/long"] = _status(429, {"Retry-After": "120"})
    server.routes["/down"] = _status(503)
    server.routes["/again"] = _status(429, {"Retry-After": "0"})
    assert _probe(server.url("/long")) == Result("retry-later", "429 Too Many Requests; it asked for 120 s",
                                                 status=429)
    assert _probe(server.url("/down")) == Result("retry-later", "503 Service Unavailable", status=503)
    assert _probe(server.url("/again"), _options(sleep=lambda s: None)).kind == "retry-later"
    assert [p for _, p, _, _ in server.requests] == ["/long", "/down", "/again", "/again"]


def test_redirect_loops_and_long_chains_are_reported(server: Server) -> None:
    server.routes["/a"] = _status(302, {"Location": "/b"})
    server.routes["/b"] = _status(302, {"Location": server.url("/a")})
    for n in range(8):
        server.routes[f"/r{n}"] = _status(307, {"Location": f"/r{n + 1}"})
    loop = _probe(server.url("/a"))
    assert loop == Result("unknown", f"redirect loop: {server.url('/a')} -> {server.url('/b')} -> "
                                     f"{server.url('/a')}", status=302)
    assert _probe(server.url("/r0")) == Result("unknown", "more than 5 redirects", status=307)
    assert sum(p.startswith("/r") for _, p, _, _ in server.requests) == 6


def test_permanent_redirect_suggests_the_new_address(server: Server) -> None:
    server.routes["/old"] = _status(301, {"Location": "/new"})
    server.routes["/new"] = _status(302, {"Location": "/login"})
    server.routes["/login"] = _status(200)
    server.routes["/temp"] = _status(302, {"Location": "/login"})
    assert _probe(server.url("/old")) == Result("redirected", f"moved permanently to {server.url('/new')}",
                                                server.url("/new"), 200)
    assert _probe(server.url("/temp")).kind == "ok"


def test_missing_names_refused_connections_and_server_errors(server: Server) -> None:
    with socket.socket() as sock:  # a port nobody listens on once closed
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    server.routes["/err"] = _status(500)
    assert _probe("http://nowhere.test/") == Result("broken", "the host name nowhere.test does not exist",
                                                    lookup_failed=True)
    assert _probe(f"http://good.test:{closed}/") == Result("broken", "connection refused")
    assert _probe(server.url("/err")) == Result("unknown", "server error 500 Internal Server Error", status=500)


# --- the hub: collection, occurrences, cache ------------------------------------------

def _hub_pages(url: str) -> dict[str, str]:
    body_a = (f"See [the guide]({url}#part-2) and ![logo]({url}).\n"
              "\n"
              f"```\n{url}/in-code\n```\n"
              f"Inline `{url}/in-span` code, <{url}> and [ref][r].\n"
              f"\n[r]: {url} \"Title\"\n"
              "Mail <mailto:someone@example.org>, [ftp](ftp://example.org/f), [js](javascript:alert(1)).\n")
    return {"a.md": page(body=body_a),
            "b.md": page(extra=f"based_on:\n  - guidelines/x.md\n  - {url}\n", body=f"Bare {url}, too.\n")}


def test_collection_reads_links_like_markdown_does(make_hub) -> None:
    body = ("A bare https://example.org/a. And (see https://en.wikipedia.org/wiki/Foo_(bar)).\n"
            "~~~~\n[x](https://example.org/fenced)\n```\nstill fenced https://example.org/fenced\n~~~~\n"
            "[y](<https://example.org/with space>) [z](//cdn.example.org/lib.js 'title')\n"
            "[rel](other.md#x) [win](C:/x) [^1]: not a definition https://example.org/fn\n"
            "<!-- [hidden](https://example.org/hidden) --> [idn](https://bücher.example/)\n"
            "    [indented](https://example.org/indented) <tel:+123> <https://EXAMPLE.org/Up>\n")
    docs = load_hub(make_hub({"a.md": page(body=body)})).documents.values()
    assert [(o.line, o.url) for o in ext.collect(docs)] == [
        (8, "https://example.org/a"),
        (8, "https://en.wikipedia.org/wiki/Foo_(bar)"),
        (14, "https://example.org/with space"),
        (14, "https://cdn.example.org/lib.js"),
        (15, "https://example.org/fn"),
        (16, "https://bücher.example/"),
        (17, "https://example.org/indented"),
        (17, "https://EXAMPLE.org/Up"),
    ]


def test_broken_link_is_reported_on_every_line_and_fetched_once(server: Server, make_hub, tmp_path: Path) -> None:
    url = server.url("/gone")
    hub = load_hub(make_hub(_hub_pages(url)))
    options = ext.ExternalOptions(probe=_options(), cache=tmp_path / "cache.json")
    report = ext.check(hub.documents.values(), options)
    broken = f"broken link {url}: 404 Not Found"
    assert [(d.path, d.line, d.code, d.severity, d.message, d.field) for d in report.diagnostics] == [
        ("a.md", 8, "KM550", "error", broken.replace(url, url + "#part-2", 1), None),
        ("a.md", 8, "KM550", "error", broken, None),
        ("a.md", 13, "KM550", "error", broken, None),
        ("a.md", 15, "KM550", "error", broken, None),
        ("a.md", 16, "KM551", "error", ("blocked link ftp://example.org/f: only http and https links are "
                                       "checked, not ftp"), None),
        ("a.md", 16, "KM551", "error", ("blocked link javascript:alert(1): only http and https links are "
                                       "checked, not javascript"), None),
        ("b.md", 9, "KM550", "error", broken, "based_on"),
        ("b.md", 11, "KM550", "error", broken, None),
    ]
    assert [(m, p) for m, p, _, _ in server.requests] == [("HEAD", "/gone")]
    assert (report.fetched, report.cached) == (1, 0)


def test_second_run_is_answered_from_the_cache(server: Server, make_hub, tmp_path: Path) -> None:
    server.routes["/ok"] = _status(200)
    server.routes["/moved"] = _status(308, {"Location": "/ok"})
    files = {"a.md": page(body=f"[x]({server.url('/ok')}) [y]({server.url('/moved')}) "
                               f"[z]({server.url('/gone', 'other.test')})\n")}
    docs = list(load_hub(make_hub(files)).documents.values())
    cache = tmp_path / "links-cache.json"
    first = ext.check(docs, ext.ExternalOptions(probe=_options(), cache=cache))
    asked = len(server.requests)
    assert asked == 4 and first.fetched == 3  # the redirect costs one more request
    second = ext.check(docs, ext.ExternalOptions(probe=_options(), cache=cache))
    assert len(server.requests) == asked, "the second run must not make requests"
    assert (second.fetched, second.cached) == (0, 3)
    assert second.diagnostics == first.diagnostics
    assert [(d.code, d.message) for d in second.diagnostics] == [
        ("KM552", f"{server.url('/moved')} has moved permanently"),
        ("KM550", f"broken link {server.url('/gone', 'other.test')}: 404 Not Found")]
    stale = ext.check(docs, ext.ExternalOptions(probe=_options(), cache=cache, ttl_ok=0, ttl_other=0))
    assert stale.fetched == 3 and len(server.requests) == 2 * asked


def test_per_host_concurrency_is_capped(server: Server, make_hub) -> None:
    def slow(h: BaseHTTPRequestHandler) -> None:
        time.sleep(0.2)
        _status(200)(h)

    links = []
    for host in ("good.test", "other.test", "third.test"):
        for n in range(5):
            server.routes[f"/s{n}"] = slow
            links.append(f"[x]({server.url(f'/s{n}', host)})")
    docs = list(load_hub(make_hub({"a.md": page(body=" ".join(links) + "\n")})).documents.values())
    seen: list[tuple[int, int]] = []
    report = ext.check(docs, ext.ExternalOptions(probe=_options(), cache=None), progress=lambda d, t: seen.append((d, t)))
    assert report.counts()["ok"] == 15
    assert max(server.peak.values()) <= 2
    assert seen[-1] == (15, 15)


@pytest.mark.parametrize("failure", [NameNotFound("x"), ResolveFailed("x: Temporary failure in name resolution")])
def test_no_name_resolution_at_all_is_could_not_check_and_not_cached(make_hub, tmp_path: Path,
                                                                      failure: Exception) -> None:
    def resolver(host: str, port: int) -> list[str]:
        raise failure

    urls = ["https://example.org/a", "https://docs.example.net/b"]
    docs = list(load_hub(make_hub({"a.md": page(body=" ".join(f"[x]({u})" for u in urls) + "\n")})).documents.values())
    cache = tmp_path / "cache.json"
    report = ext.check(docs, ext.ExternalOptions(probe=ProbeOptions(resolver=resolver), cache=cache))
    assert [(d.code, d.severity, d.message) for d in report.diagnostics] == [
        ("KM554", "warning", f"could not check {u}: no host name can be looked up on this machine "
                             "(DNS is unavailable)") for u in urls]
    assert json.loads(cache.read_text(encoding="utf-8"))["entries"] == {}


def test_a_missing_name_is_broken_and_cached_when_other_names_resolve(make_hub, tmp_path: Path) -> None:
    def resolver(host: str, port: int) -> list[str]:
        if host == "example.com":
            return ["93.184.215.14"]
        raise NameNotFound(host)

    docs = list(load_hub(make_hub({"a.md": page(body="[x](https://nowhere.example.org/a)\n")})).documents.values())
    cache = tmp_path / "cache.json"
    report = ext.check(docs, ext.ExternalOptions(probe=ProbeOptions(resolver=resolver), cache=cache))
    assert [(d.code, d.message) for d in report.diagnostics] == [
        ("KM550", "broken link https://nowhere.example.org/a: the host name nowhere.example.org does not exist")]
    assert list(json.loads(cache.read_text(encoding="utf-8"))["entries"]) == ["https://nowhere.example.org/a"]


def test_cli_offline_reports_could_not_check(make_hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from kmgen.cli import main

    def offline(*args: object, **kw: object) -> object:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", offline)
    root = make_hub({"a.md": page(body="[x](https://example.org/a)\n")})
    cache = tmp_path / "cache.json"
    result = CliRunner().invoke(main, ["links", "--external", "--content", str(root), "--cache", str(cache)])
    assert result.exit_code == 0, result.output
    assert "a.md:8: KM554 warning: could not check https://example.org/a: no host name" in result.output
    assert "KM550" not in result.output
    assert json.loads(cache.read_text(encoding="utf-8"))["entries"] == {}


# --- the command ------------------------------------------------------------------------

def _seed_cache(path: Path, entries: dict[str, tuple[str, str, str, int]]) -> None:
    now = time.time()
    path.write_text(json.dumps({"version": 1, "entries": {
        url: {"kind": k, "detail": d, "final_url": f, "status": s, "checked": now}
        for url, (k, d, f, s) in entries.items()}}), encoding="utf-8")


def test_cli_end_to_end_without_network(server: Server, make_hub, tmp_path: Path) -> None:
    loopback = f"http://127.0.0.1:{server.port}/admin"
    root = make_hub({
        "a.md": page(body=f"[gone](https://example.org/gone) and [old](https://example.org/old).\n"
                          f"[local]({loopback}) <mailto:x@example.org>\n"
                          "[ftp](ftp://example.org/f)\n"),
        "b.md": page(body="[ok](https://example.org/ok) [gone](https://example.org/gone)\n"),
    })
    cache = tmp_path / "cache.json"
    _seed_cache(cache, {"https://example.org/gone": ("broken", "404 Not Found", "", 404),
                        "https://example.org/old": ("redirected", "moved", "https://example.org/new", 200),
                        "https://example.org/ok": ("ok", "200 OK", "", 200)})
    proc = run_kmgen("links", "--external", "--content", str(root), "--cache", str(cache))
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.splitlines() == [
        ("a.md:8: KM550 error: broken link https://example.org/gone: 404 Not Found "
         "(fix the address or remove the link)"),
        ("a.md:8: KM552 warning: https://example.org/old has moved permanently "
         "(update the link to https://example.org/new)"),
        (f"a.md:9: KM551 error: blocked link {loopback}: 127.0.0.1 is 127.0.0.1, a loopback address "
         "(link only to public http(s) addresses)"),
        ("a.md:10: KM551 error: blocked link ftp://example.org/f: only http and https links are checked, not ftp "
         "(link only to public http(s) addresses)"),
        ("b.md:8: KM550 error: broken link https://example.org/gone: 404 Not Found "
         "(fix the address or remove the link)"),
        "2 files, 4 errors, 1 warning",
    ]
    assert "checked 5/5 URLs" in proc.stderr
    assert "5 URLs: 1 ok, 1 broken, 1 redirected, 2 blocked (0 fetched, 3 from cache)" in proc.stderr
    assert server.requests == []

    as_json = run_kmgen("links", "--external", "--content", str(root), "--cache", str(cache), "--format", "json")
    found = json.loads(as_json.stdout)
    assert [(d["path"], d["line"], d["code"]) for d in found] == [
        ("a.md", 8, "KM550"), ("a.md", 8, "KM552"), ("a.md", 9, "KM551"), ("a.md", 10, "KM551"),
        ("b.md", 8, "KM550")]
    # Annotations name files from the repository root (the working directory).
    github = run_kmgen("links", "--external", "--content", "content", "--cache", str(cache), "--format", "github",
                       cwd=root.parent)
    assert github.stdout.splitlines()[0] == (
        "::error file=content/a.md,line=8,title=KM550::broken link https://example.org/gone: 404 Not Found "
        "Hint: fix the address or remove the link")
    assert github.returncode == 1 and server.requests == []


def test_cli_retry_later_and_unknown_do_not_fail(make_hub, tmp_path: Path) -> None:
    root = make_hub({"a.md": page(body="[a](https://example.org/busy) [b](https://example.org/slow)\n")})
    cache = tmp_path / "cache.json"
    _seed_cache(cache, {"https://example.org/busy": ("retry-later", "429 Too Many Requests", "", 429),
                        "https://example.org/slow": ("unknown", "no complete answer within 10 s", "", 0)})
    proc = run_kmgen("links", "--external", "--content", str(root), "--cache", str(cache))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines() == [
        ("a.md:8: KM554 warning: could not check https://example.org/slow: no complete answer within 10 s "
         "(open it in a browser; a later run may succeed)"),
        ("a.md:8: KM553 note: https://example.org/busy: the server asked to retry later (429 Too Many Requests) "
         "(not a broken link; the next run checks it again)"),
        "1 file, 0 errors, 1 warning, 1 note",
    ]
    assert "Example" in run_kmgen("links", "--help").stdout


def test_cli_without_external_runs_only_the_internal_check(make_hub) -> None:
    root = make_hub({"a.md": page(body="[gone](missing.md) and [web](https://example.org/never-fetched)\n")})
    proc = run_kmgen("links", "--content", str(root))
    assert proc.returncode == 1
    assert [line.split(" error:")[0] for line in proc.stdout.splitlines()[:-1]] == ["a.md:8: KM501"]
    assert "URLs" not in proc.stderr
