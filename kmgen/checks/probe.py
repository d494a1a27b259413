"""One external URL, checked politely: vetted hops, a wall-clock deadline, a byte cap.

A probe never trusts the server: every redirect hop is vetted again by
`netguard`, a watchdog cuts the connection when the deadline passes (a socket
timeout alone would let a server that drips one byte a second keep us forever),
and at most `max_bytes` of a body are read.
"""

from __future__ import annotations

import email.utils
import functools
import http.client
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal, TypeVar
from urllib.parse import quote, urldefrag, urljoin, urlsplit

from kmgen import __version__
from kmgen.checks import netguard
from kmgen.checks.netguard import (
    AddressPolicy,
    Blocked,
    IPAddress,
    NameNotFound,
    ResolveFailed,
    Resolver,
)

Kind = Literal["ok", "broken", "redirected", "blocked", "retry-later", "unknown"]
T = TypeVar("T")

USER_AGENT = f"kmgen/{__version__} (knowledge hub external link checker)"
REDIRECTS = (301, 302, 303, 307, 308)
PERMANENT = (301, 308)


@dataclass(frozen=True)
class Result:
    kind: Kind
    detail: str = ""  # why, for people: "404 Not Found", "no complete answer within 10 s"
    final_url: str = ""  # for "redirected": the address to link instead
    status: int = 0
    bytes_read: int = 0
    # The host name did not resolve: broken or unknown only if name resolution
    # works at all on this machine, which the caller decides (see external).
    lookup_failed: bool = False


@dataclass(frozen=True)
class ProbeOptions:
    timeout: float = 10.0  # seconds per URL, every hop, DNS and body included
    max_bytes: int = 256 * 1024
    max_redirects: int = 5
    retry_cap: float = 5.0  # longest Retry-After we wait for, once
    user_agent: str = USER_AGENT
    resolver: Resolver = netguard.system_resolver
    policy: AddressPolicy = field(default_factory=AddressPolicy)
    tls: ssl.SSLContext | None = None  # default: system trust store, hostname checked
    sleep: Callable[[float], None] = time.sleep


class TimedOut(Exception):
    """The URL's deadline passed."""


class Deadline:
    """Starts at the first hop, not when queued, so waiting for a host slot costs nothing."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end: float | None = None

    def start(self) -> None:
        if self._end is None:
            self._end = time.monotonic() + self.seconds

    def left(self) -> float:
        return self.seconds if self._end is None else max(0.0, self._end - time.monotonic())


class HostGate:
    """At most `per_host` requests in flight to one host, however many URLs point there."""

    def __init__(self, per_host: int) -> None:
        self._per_host = per_host
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}

    @contextmanager
    def slot(self, host: str) -> Iterator[None]:
        with self._lock:
            sem = self._slots.setdefault(host, threading.BoundedSemaphore(self._per_host))
        with sem:
            yield


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str
    port: int
    path: str  # the request target: path and query, percent-encoded


@dataclass(frozen=True)
class Hop:
    status: int
    reason: str
    location: str | None
    retry_after: float | None
    bytes_read: int


def target_of(url: str) -> Target:
    """Parse without touching the network; Blocked for anything but a plain http(s) URL."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Blocked(f"not a valid address ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise Blocked(f"only http and https links are checked, not {scheme or 'no scheme'}")
    if parts.username is not None or parts.password is not None:
        raise Blocked("the address contains a user name or password")
    if not parts.hostname:
        raise Blocked("the address has no host")
    # A name goes on the wire (Host, SNI, DNS) in its IDNA form; a number as written.
    host = parts.hostname if netguard.numeric_host(parts.hostname) else netguard.ascii_host(parts.hostname)
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    if parts.query:
        path += "?" + quote(parts.query, safe="/?%:@!$&'()*+,;=-._~")
    return Target(url, scheme, host, port or (443 if scheme == "https" else 80), path)


def probe(url: str, options: ProbeOptions, gate: HostGate) -> Result:
    """Check one URL (without fragment); every failure becomes a Result, never an exception."""
    clock = Deadline(options.timeout)
    try:
        return _follow(url, options, gate, clock)
    except Blocked as exc:
        return Result("blocked", str(exc))
    except NameNotFound as exc:
        return Result("broken", f"the host name {exc} does not exist", lookup_failed=True)
    except ResolveFailed as exc:
        return Result("unknown", f"DNS lookup failed ({exc})", lookup_failed=True)
    except ConnectionRefusedError:
        return Result("broken", "connection refused")
    except ssl.SSLCertVerificationError as exc:
        return Result("unknown", f"TLS certificate not accepted ({exc.verify_message})")
    except (TimedOut, OSError, http.client.HTTPException) as exc:
        # After the watchdog cuts a socket the error can be of any kind.
        if isinstance(exc, (TimedOut, TimeoutError)) or clock.left() <= 0:
            return Result("unknown", f"no complete answer within {options.timeout:g} s")
        kind = "TLS error" if isinstance(exc, ssl.SSLError) else "connection failed"
        return Result("unknown", f"{kind} ({exc.__class__.__name__}: {exc})")


def _follow(url: str, options: ProbeOptions, gate: HostGate, clock: Deadline) -> Result:
    chain, method, retried = [url], "HEAD", False
    update_to, permanent_run = "", True  # where the leading run of permanent redirects points
    while True:
        hop = _hop(chain[-1], method, options, gate, clock, first=len(chain) == 1)
        if method == "HEAD" and hop.status in (405, 501):
            method = "GET"  # the server does not do HEAD; ask again for real
            continue
        if hop.status in (429, 503):
            wait = hop.retry_after
            if retried or wait is None or wait > min(options.retry_cap, clock.left()):
                after = f"; it asked for {wait:g} s" if wait is not None else ""
                return Result("retry-later", f"{hop.status} {hop.reason}{after}", status=hop.status)
            retried = True
            options.sleep(wait)
            continue
        if hop.status in REDIRECTS and hop.location:
            nxt = urldefrag(urljoin(chain[-1], hop.location.strip()))[0]
            if nxt in chain:
                return Result("unknown", "redirect loop: " + " -> ".join([*chain, nxt]), status=hop.status)
            if len(chain) > options.max_redirects:
                return Result("unknown", f"more than {options.max_redirects} redirects", status=hop.status)
            permanent_run = permanent_run and hop.status in PERMANENT
            update_to = nxt if permanent_run else update_to
            chain.append(nxt)
            continue
        return _classify(hop, chain, update_to)


def _classify(hop: Hop, chain: list[str], update_to: str) -> Result:
    via = f" (after redirects to {chain[-1]})" if len(chain) > 1 else ""
    detail = f"{hop.status} {hop.reason}".strip()
    if 200 <= hop.status < 300:
        if update_to:
            return Result("redirected", f"moved permanently to {update_to}", update_to, hop.status, hop.bytes_read)
        return Result("ok", detail, status=hop.status, bytes_read=hop.bytes_read)
    if hop.status in (404, 410):
        return Result("broken", detail + via, status=hop.status)
    if 300 <= hop.status < 400:
        return Result("unknown", f"{detail}: a redirect without a Location" + via, status=hop.status)
    if hop.status >= 500:
        return Result("unknown", f"server error {detail}" + via, status=hop.status)
    return Result("unknown", detail + via, status=hop.status)


def _hop(url: str, method: str, options: ProbeOptions, gate: HostGate, clock: Deadline, first: bool) -> Hop:
    try:
        target = target_of(url)
        with gate.slot(target.host):
            clock.start()
            ips = within(clock, lambda: netguard.vet(target.host, target.port, options.resolver, options.policy))
            return _exchange(target, ips, method, options, clock)
    except Blocked as exc:
        raise exc if first else Blocked(f"redirects to {url}: {exc}") from None


def within(clock: Deadline, work: Callable[[], T]) -> T:
    """Run `work` (a DNS lookup, which has no timeout of its own) within the deadline."""
    box: dict[str, T | Exception] = {}

    def run() -> None:
        try:
            box["value"] = work()
        except Exception as exc:  # handed to the caller below
            box["error"] = exc

    # A daemon thread: a resolver stuck past the deadline must not keep kmgen from exiting.
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(clock.left())
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    if "value" not in box:
        raise TimedOut()
    return box["value"]  # type: ignore[return-value]


def _exchange(target: Target, ips: list[IPAddress], method: str, options: ProbeOptions, clock: Deadline) -> Hop:
    conn = _connect(target, ips, options, clock)
    # The socket itself, not conn.sock: http.client hands the socket over to
    # the response and sets conn.sock to None before the body is read.
    watchdog = threading.Timer(clock.left(), _cut, (conn.sock,))
    watchdog.daemon = True
    watchdog.start()
    resp: http.client.HTTPResponse | None = None
    try:
        headers = {"User-Agent": options.user_agent, "Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
                   "Accept-Encoding": "identity", "Connection": "close"}
        conn.request(method, target.path, headers=headers)
        resp = conn.getresponse()
        read = _drain(resp, options.max_bytes) if method == "GET" else 0
        if clock.left() <= 0:
            raise TimedOut()
        return Hop(resp.status, resp.reason, resp.getheader("Location"),
                   retry_after(resp.getheader("Retry-After")), read)
    finally:
        watchdog.cancel()
        if resp is not None:
            resp.close()
        conn.close()


def _connect(target: Target, ips: list[IPAddress], options: ProbeOptions,
             clock: Deadline) -> http.client.HTTPConnection:
    """Connect to the first vetted address that accepts; the name is never resolved again."""
    refused: OSError | None = None
    for ip in ips:
        conn: http.client.HTTPConnection
        if target.scheme == "https":
            tls = options.tls or _system_tls()
            conn = netguard.PinnedHTTPSConnection(target.host, target.port, ip, clock.left(), tls)
        else:
            conn = netguard.PinnedHTTPConnection(target.host, target.port, ip, clock.left())
        try:
            conn.connect()
        except ConnectionRefusedError as exc:
            refused = exc
            continue
        if clock.left() <= 0:
            conn.close()
            raise TimedOut()
        return conn
    raise refused or ConnectionRefusedError()


@functools.cache
def _system_tls() -> ssl.SSLContext:
    # Built once: loading the trust store for every connection is slow.
    return ssl.create_default_context()


def _cut(sock: socket.socket | None) -> None:
    # The plain socket shutdown, even on a TLS socket: it wakes a blocked read
    # at once, where SSLSocket.shutdown would try to talk to the server first.
    if sock is not None:
        try:
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        except OSError:
            pass


def _drain(resp: http.client.HTTPResponse, cap: int) -> int:
    total = 0
    while total < cap:
        chunk = resp.read1(min(64 * 1024, cap - total))
        if not chunk:
            break
        total += len(chunk)
    return total


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date); None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())
