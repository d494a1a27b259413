"""`kmgen links --external`: every web address in the hub, checked once, reported where used.

Addresses are collected from page bodies (inline links and images, reference
definitions, autolinks, bare URLs; code is skipped) and from `based_on`. Each
distinct address (fragment removed) is probed once by `probe`, with a global
worker cap and a per-host cap, and every occurrence gets the diagnostic. A
result cache with a time-to-live keeps scheduled runs from hammering servers.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

from kmgen.checks import netguard
from kmgen.checks.markdown_code import CODE_SPAN, COMMENT, FENCE, blank, closes_fence
from kmgen.checks.netguard import Blocked
from kmgen.checks.probe import Deadline, HostGate, ProbeOptions, Result, probe, target_of, within
from kmgen.content import Document
from kmgen.diagnostics import Diagnostic
from kmgen.writes import write_atomic

DEFAULT_CACHE = Path(".kmgen/links-cache.json")
KINDS = ("ok", "broken", "redirected", "blocked", "retry-later", "unknown")
Progress = Callable[[int, int], None]  # (URLs checked, URLs in all)

_INLINE = re.compile(r"\]\(\s*(?:<([^<>\n]+)>|([^\s()<>]*(?:\([^\s()]*\)[^\s()<>]*)*))")
_REF_DEF = re.compile(r"^ {0,3}\[(?!\^)[^\]]+\]:\s*(?:<([^<>\n]+)>|(\S+))")
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*)>")
_BARE = re.compile(r"\bhttps?://[^\s<>\"'`\[\]]+", re.IGNORECASE)
# Two letters at least, so a Windows path like C:/x is not read as a scheme.
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")


@dataclass(frozen=True)
class Occurrence:
    path: str
    line: int
    url: str  # as written
    field: str | None = None  # the front-matter key, when not in the body


@dataclass(frozen=True)
class ExternalOptions:
    probe: ProbeOptions = field(default_factory=ProbeOptions)
    per_host: int = 2
    workers: int = 8
    cache: Path | None = DEFAULT_CACHE  # None: no cache
    ttl_ok: float = 24 * 3600.0
    ttl_other: float = 3600.0
    # A name that always exists (RFC 2606), looked up only after a lookup failed,
    # to tell "this host does not exist" from "no name resolves on this machine".
    reference_host: str = "example.com"


@dataclass(frozen=True)
class Report:
    diagnostics: list[Diagnostic]
    results: dict[str, Result]  # by address without fragment
    fetched: int  # addresses probed over the network in this run
    cached: int  # addresses answered from the cache

    def counts(self) -> dict[str, int]:
        found: Counter[str] = Counter(r.kind for r in self.results.values())
        return {kind: found[kind] for kind in KINDS}


def check(documents: Iterable[Document], options: ExternalOptions | None = None,
          progress: Progress | None = None) -> Report:
    """Collect, probe (or take from the cache) and report every external address."""
    options = options or ExternalOptions()
    occurrences = collect(documents)
    urls = sorted({key_of(o.url) for o in occurrences})
    results, fetched, cached = check_urls(urls, options, progress)
    return Report(diagnostics_for(occurrences, results), results, fetched, cached)


def key_of(url: str) -> str:
    """What is fetched for a written address: the fragment never reaches the server."""
    return urldefrag(url)[0]


# --- collecting --------------------------------------------------------------------

def collect(documents: Iterable[Document]) -> list[Occurrence]:
    found: list[Occurrence] = []
    for doc in documents:
        found.extend(_front_matter_links(doc))
        found.extend(_body_links(doc))
    return found


def _front_matter_links(doc: Document) -> Iterator[Occurrence]:
    value = doc.get("based_on")
    items = value if isinstance(value, list) else [value]
    lines = doc.item_lines.get("based_on", ())
    for index, item in enumerate(items):
        if isinstance(item, str):
            url = _external(item.strip())
            if url:
                line = lines[index] if index < len(lines) else doc.line_of("based_on")
                yield Occurrence(doc.path, line, url, "based_on")


def _body_links(doc: Document) -> Iterator[Occurrence]:
    fence = ""
    for offset, line in enumerate(doc.body.split("\n")):
        opening = FENCE.match(line)
        if fence:
            if closes_fence(fence[0], len(fence), line):
                fence = ""
            continue
        if opening:
            fence = opening.group(1)
            continue
        # Code spans and one-line HTML comments are not links a reader can follow.
        text = COMMENT.sub(blank, CODE_SPAN.sub(blank, line))
        for url in _line_links(text):
            yield Occurrence(doc.path, doc.body_line + offset, url)


def _line_links(text: str) -> list[str]:
    urls: list[str] = []
    spans: list[tuple[int, int]] = []
    for pattern in (_REF_DEF, _INLINE, _AUTOLINK):
        for match in pattern.finditer(text):
            spans.append(match.span())
            url = _external((match.group(1) or (match.group(2) if pattern.groups > 1 else "") or "").strip())
            if url:
                urls.append(url)
    # Bare addresses only where no link syntax already claimed the text.
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    for match in _BARE.finditer("".join(chars)):
        urls.append(_trim(match.group(0)))
    return list(dict.fromkeys(urls))


def _external(target: str) -> str:
    """The address if it leaves the hub, else ''. mailto: and tel: name a person
    or a phone, not a page: there is nothing to fetch and nothing unsafe in them."""
    if target.startswith("//"):
        return "https:" + target  # scheme-relative: the site is served over https
    scheme = _SCHEME.match(target)
    if not scheme or scheme.group(1).lower() in ("mailto", "tel"):
        return ""
    return target


def _trim(url: str) -> str:
    # Prose punctuation after a bare address is not part of it; nor is a ")"
    # that closes a parenthesis opened before the address.
    while url and (url[-1] in ".,;:!?*_~" or (url[-1] == ")" and url.count("(") < url.count(")"))):
        url = url[:-1]
    return url


# --- checking ----------------------------------------------------------------------

def check_urls(urls: list[str], options: ExternalOptions,
               progress: Progress | None = None) -> tuple[dict[str, Result], int, int]:
    """Results by address; returns (results, probed over the network, from the cache)."""
    cache = ResultCache(options.cache, options.ttl_ok, options.ttl_other)
    results: dict[str, Result] = {}
    todo: list[str] = []
    cached = 0
    for url in urls:
        verdict = _offline_verdict(url, options.probe)
        if verdict is None:
            verdict = cache.get(url)
            cached += verdict is not None
        if verdict is None:
            todo.append(url)
        else:
            results[url] = verdict
    done = len(results)
    report = progress or (lambda _done, _total: None)
    report(done, len(urls))
    gate = HostGate(options.per_host)
    fresh: dict[str, Result] = {}
    with ThreadPoolExecutor(max_workers=options.workers, thread_name_prefix="kmgen-link") as pool:
        futures = {pool.submit(probe, url, options.probe, gate): url for url in _interleaved(todo)}
        for future in as_completed(futures):
            fresh[futures[future]] = future.result()
            done += 1
            report(done, len(urls))
    for url, result in _without_name_service(fresh, options).items():
        results[url] = result
        if result.kind != NO_NAME_SERVICE.kind or result.detail != NO_NAME_SERVICE.detail:
            cache.put(url, result)
    cache.save()
    return results, len(todo), cached


NO_NAME_SERVICE = Result("unknown", "no host name can be looked up on this machine (DNS is unavailable)")


def _without_name_service(fresh: dict[str, Result], options: ExternalOptions) -> dict[str, Result]:
    """Failed lookups become "could not check" when no name resolves at all:
    offline, every host would otherwise be reported (and cached) as broken."""
    if not any(r.lookup_failed for r in fresh.values()) or _names_resolve(options):
        return fresh
    return {url: NO_NAME_SERVICE if r.lookup_failed else r for url, r in fresh.items()}


def _names_resolve(options: ExternalOptions) -> bool:
    clock = Deadline(options.probe.timeout)
    clock.start()
    try:
        return bool(within(clock, lambda: options.probe.resolver(options.reference_host, 443)))
    except Exception:  # any failure to answer means the same: no name service
        return False


def _offline_verdict(url: str, options: ProbeOptions) -> Result | None:
    """Addresses refused without any lookup (scheme, credentials, syntax, a
    numeric host the policy refuses) need no cache entry and no request."""
    try:
        netguard.vet_literal(target_of(url).host, options.policy)
    except Blocked as exc:
        return Result("blocked", str(exc))
    return None


def _interleaved(urls: list[str]) -> list[str]:
    """Round-robin over hosts, so the workers spread out instead of queueing on one host."""
    by_host: dict[str, list[str]] = {}
    for url in urls:
        by_host.setdefault((urlsplit(url).hostname or "").lower(), []).append(url)
    queues = list(by_host.values())
    out: list[str] = []
    for depth in range(max((len(q) for q in queues), default=0)):
        out.extend(q[depth] for q in queues if depth < len(q))
    return out


class ResultCache:
    """Results on disk with a time-to-live: long for ok, short for anything else.

    The cache is derived data: an unreadable file is ignored and rewritten.
    """

    def __init__(self, path: Path | None, ttl_ok: float, ttl_other: float) -> None:
        self.path, self.ttl_ok, self.ttl_other = path, ttl_ok, ttl_other
        self._now = time.time()
        self._lock = threading.Lock()
        self._entries: dict[str, dict[str, object]] = self._load() if path else {}

    def _load(self) -> dict[str, dict[str, object]]:
        assert self.path is not None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            entries = data["entries"] if data.get("version") == 1 else {}
            return {str(url): dict(entry) for url, entry in entries.items() if self._fresh(entry)}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}

    def _fresh(self, entry: dict[str, object]) -> bool:
        checked = entry.get("checked")
        if entry.get("kind") not in KINDS or not isinstance(checked, (int, float)):
            return False
        ttl = self.ttl_ok if entry["kind"] == "ok" else self.ttl_other
        return 0 <= self._now - checked < ttl

    def get(self, url: str) -> Result | None:
        entry = self._entries.get(url)
        if entry is None:
            return None
        return Result(str(entry["kind"]), str(entry.get("detail", "")),  # type: ignore[arg-type]
                      str(entry.get("final_url", "")), int(entry.get("status", 0) or 0))  # type: ignore[call-overload]

    def put(self, url: str, result: Result) -> None:
        entry = {k: v for k, v in asdict(result).items() if k not in ("bytes_read", "lookup_failed")}
        with self._lock:
            self._entries[url] = {**entry, "checked": self._now}

    def save(self) -> None:
        if self.path is None:
            return
        body = {"version": 1, "entries": dict(sorted(self._entries.items()))}
        write_atomic(self.path, (json.dumps(body, indent=1, ensure_ascii=False) + "\n").encode("utf-8"))


# --- reporting ---------------------------------------------------------------------

def diagnostics_for(occurrences: list[Occurrence], results: dict[str, Result]) -> list[Diagnostic]:
    """One diagnostic per occurrence of every address that is not simply ok."""
    out: list[Diagnostic] = []
    for occ in occurrences:
        result = results[key_of(occ.url)]
        diag = _diagnostic(occ, result)
        if diag is not None:
            out.append(diag)
    return out


def _diagnostic(occ: Occurrence, result: Result) -> Diagnostic | None:
    url, kind = occ.url, result.kind
    if kind == "ok":
        return None
    if kind == "broken":
        return Diagnostic(occ.path, occ.line, "KM550", "error", f"broken link {url}: {result.detail}",
                          "fix the address or remove the link", occ.field)
    if kind == "blocked":
        return Diagnostic(occ.path, occ.line, "KM551", "error", f"blocked link {url}: {result.detail}",
                          "link only to public http(s) addresses", occ.field)
    if kind == "redirected":
        return Diagnostic(occ.path, occ.line, "KM552", "warning", f"{url} has moved permanently",
                          f"update the link to {result.final_url}", occ.field)
    if kind == "retry-later":
        return Diagnostic(occ.path, occ.line, "KM553", "note",
                          f"{url}: the server asked to retry later ({result.detail})",
                          "not a broken link; the next run checks it again", occ.field)
    return Diagnostic(occ.path, occ.line, "KM554", "warning", f"could not check {url}: {result.detail}",
                      "open it in a browser; a later run may succeed", occ.field)
