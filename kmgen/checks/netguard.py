"""Which hosts the external link checker may contact, and how it connects to them.

Contributed links are hostile until checked (DESIGN.md §6): a page could point
the checker at the maintainer's router, a cloud metadata service or a database
on localhost. So a host is resolved once, every address must be public, and the
connection goes to that vetted address itself. Letting the HTTP library resolve
the name again would open a DNS-rebinding window between our check and its
connect.
"""

from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]  # (host, port) -> addresses as text

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_HOST_NAME = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$")


class Blocked(Exception):
    """The URL must not be fetched; the message says why, for the contributor."""


class NameNotFound(Exception):
    """DNS says the name does not exist: the link is broken for every reader."""


class ResolveFailed(Exception):
    """DNS did not answer usefully (temporary failure): we cannot tell."""


@dataclass(frozen=True)
class AddressPolicy:
    """Public addresses only. `allow_loopback` exists for tests against a local server."""

    allow_loopback: bool = False

    def refusal(self, ip: IPAddress) -> str | None:
        """Why `ip` may not be contacted, or None when it is a public address."""
        if isinstance(ip, ipaddress.IPv6Address):
            return self._refusal_v6(ip)
        if ip.is_loopback:
            return None if self.allow_loopback else "a loopback address"
        return _refusal_v4(ip)

    def _refusal_v6(self, ip: ipaddress.IPv6Address) -> str | None:
        if ip.is_loopback:
            return None if self.allow_loopback else "a loopback address"
        # Embedded IPv4 forms reach IPv4 hosts through the IPv6 stack, so a
        # check on the IPv6 ranges alone would let ::ffff:127.0.0.1 through.
        if ip.ipv4_mapped is not None:
            return "an IPv4-mapped IPv6 address"
        if int(ip) >> 32 == 0 and not ip.is_unspecified:
            return "an IPv4-compatible IPv6 address"
        if ip in _NAT64:
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
            reason = self.refusal(inner)
            return f"the NAT64 form of {inner} ({reason})" if reason else None
        if ip.sixtofour is not None:
            reason = self.refusal(ip.sixtofour)
            return f"the 6to4 form of {ip.sixtofour} ({reason})" if reason else None
        return _refusal_common(ip)


def _refusal_v4(ip: ipaddress.IPv4Address) -> str | None:
    if ip in _CGNAT:
        return "a shared (carrier-grade NAT) address"
    return _refusal_common(ip)


def _refusal_common(ip: IPAddress) -> str | None:
    # The most specific reason first: "loopback" helps more than "reserved".
    if ip.is_unspecified or (isinstance(ip, ipaddress.IPv4Address) and ip.packed[0] == 0):
        return "an unspecified address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_reserved:
        return "a reserved address"
    if ip.is_private or (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local):
        return "a private address"
    return None if ip.is_global else "an address that is not publicly routable"


def numeric_host(host: str) -> IPAddress | None:
    """The address a host written as a number stands for, however it is spelled.

    Browsers and `inet_aton` accept `2130706433`, `0x7f.1`, `0177.0.0.1` and
    `127.1` as 127.0.0.1 (the WHATWG URL rule: a host whose last label is a
    number is an IPv4 address). We apply the same rule so such spellings meet
    the policy instead of slipping past it. Raises Blocked for a malformed one.
    """
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    labels = host[:-1].split(".") if host.endswith(".") else host.split(".")
    if not labels or _ipv4_part(labels[-1]) is None:
        return None
    parts = [_ipv4_part(label) for label in labels]
    if len(parts) > 4 or any(p is None for p in parts):
        raise Blocked(f"'{host}' is not a valid numeric address")
    numbers = [p for p in parts if p is not None]
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise Blocked(f"'{host}' is not a valid numeric address")
    value = numbers[-1]
    for index, number in enumerate(numbers[:-1]):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _ipv4_part(label: str) -> int | None:
    if re.fullmatch(r"0[xX][0-9a-fA-F]*", label):
        return int(label[2:] or "0", 16)
    if re.fullmatch(r"0[0-7]+", label):
        return int(label, 8)
    if re.fullmatch(r"[0-9]+", label):
        return None if len(label) > 1 and label[0] == "0" else int(label)
    return None


def ascii_host(host: str) -> str:
    """The host as it goes on the wire (IDNA), or Blocked if it is not a host name."""
    try:
        encoded = host.encode("idna").decode("ascii").lower() if not host.isascii() else host.lower()
    except UnicodeError:
        raise Blocked(f"'{host}' is not a valid host name") from None
    if not _HOST_NAME.match(encoded.rstrip(".")) or len(encoded) > 253:
        raise Blocked(f"'{host}' is not a valid host name")
    return encoded


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for `host` (A and AAAA)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        if exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)):
            raise NameNotFound(host) from None
        raise ResolveFailed(f"{host}: {exc.strerror}") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def vet_literal(host: str, policy: AddressPolicy) -> IPAddress | None:
    """The address a numeric host stands for if `policy` allows it; None for a name."""
    literal = numeric_host(host)
    if literal is not None:
        reason = policy.refusal(literal)
        if reason:
            raise Blocked(f"{host} is {literal}, {reason}")
    return literal


def vet(host: str, port: int, resolver: Resolver, policy: AddressPolicy) -> list[IPAddress]:
    """The addresses to connect to, all allowed by `policy`; Blocked names the first one refused."""
    literal = vet_literal(host, policy)
    if literal is not None:
        return [literal]
    name = ascii_host(host)
    addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in resolver(name, port)]
    if not addresses:
        raise ResolveFailed(f"{host}: no addresses")
    # Every address must pass: a name that also resolves to a private address
    # is an attack or a misconfiguration either way.
    for ip in addresses:
        reason = policy.refusal(ip)
        if reason:
            raise Blocked(f"{host} resolves to {ip}, {reason}")
    return addresses


class PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to a vetted address; the Host header still names the host."""

    def __init__(self, host: str, port: int, ip: IPAddress, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.ip = ip

    def connect(self) -> None:
        self.sock = socket.create_connection((str(self.ip), self.port), self.timeout)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a vetted address, with SNI and certificate checks against the host name."""

    def __init__(self, host: str, port: int, ip: IPAddress, timeout: float, context: ssl.SSLContext) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self.ip = ip
        self.tls = context

    def connect(self) -> None:
        raw = socket.create_connection((str(self.ip), self.port), self.timeout)
        try:
            self.sock = self.tls.wrap_socket(raw, server_hostname=self.host)
        except BaseException:
            raw.close()
            raise
