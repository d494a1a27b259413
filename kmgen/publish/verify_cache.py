"""Audits of built pages remembered by their bytes, so a build re-parses only what changed.

Parsing every built page with an HTML5 parser is most of the verify step, and a
build after a one-page change writes almost every page exactly as before. A
page's audit depends only on its bytes, its place in the site (links are
relative), the theme's own scripts, the script files under
`assets/javascripts/` and the code of the audit itself: all of them are in the
key or the fingerprint. Only pages that passed are remembered, so a problem is
always found by parsing the page again and reported in full.

What is remembered per page is what the cross-page link check needs (its ids
and the addresses it links to); that check still runs over every page, since a
page that did not change may link to one that is gone.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

CACHE_VERSION = 1
_AUDIT_CODE = ("verify.py", "site_safety.py", "verify_cache.py", "notfound.py")


def fingerprint(site_dir: Path, theme: tuple[re.Pattern[str], ...]) -> str | None:
    """What every remembered audit assumed besides the page's own bytes, keyed with
    this user's machine key: a cache planted in the repository never matches, so a
    page can only be trusted on this machine's own earlier audit. None: no key, no cache."""
    import html5lib

    from kmgen.checks.result_cache import signed

    here = Path(__file__).parent
    state = hashlib.sha256()
    state.update(f"{CACHE_VERSION}\0{html5lib.__version__}\0".encode())
    for name in _AUDIT_CODE:
        state.update((here / name).read_bytes())
    for pattern in theme:
        state.update(pattern.pattern.encode("utf-8", "surrogatepass") + b"\0")
    scripts = site_dir / "assets" / "javascripts"
    if scripts.is_dir():  # a script file a page loads must still be there
        for path in sorted(scripts.rglob("*")):
            state.update(path.relative_to(site_dir).as_posix().encode("utf-8", "surrogatepass") + b"\0")
    return signed(state.hexdigest())


def page_key(rel: str, data: bytes) -> str:
    return hashlib.sha256(rel.encode("utf-8", "surrogatepass") + b"\0" + data).hexdigest()


class AuditCache:
    """Clean audits by page key, for one fingerprint. Only pages of this build are
    written back, so the file holds one site's worth of entries at most."""

    def __init__(self, path: Path | None, fingerprint: str | None) -> None:
        self.path = path if fingerprint else None
        self.fingerprint = fingerprint
        self.entries: dict[str, Any] = {}
        self.used: dict[str, Any] = {}
        if self.path is None:
            return
        try:
            data = json.loads(self.path.read_bytes())
            if data.get("fingerprint") == fingerprint and isinstance(data.get("pages"), dict):
                self.entries = data["pages"]
        except (OSError, ValueError, AttributeError):
            pass  # none yet, or damaged: every page is parsed

    def get(self, key: str) -> tuple[set[str], list[str]] | None:
        """(ids, link addresses) of a page that passed with exactly these bytes."""
        entry = self.entries.get(key)
        if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], list)
                and isinstance(entry[1], list)):
            return None
        self.used[key] = entry
        return {str(i) for i in entry[0]}, [str(v) for v in entry[1]]

    def put(self, key: str, ids: set[str], links: list[str]) -> None:
        self.used[key] = [sorted(ids), links]

    def save(self) -> None:
        if self.path is None:
            return
        from kmgen.writes import write_atomic

        data = json.dumps({"fingerprint": self.fingerprint, "pages": self.used}, separators=(",", ":"))
        try:
            write_atomic(self.path, data.encode("utf-8", "surrogatepass"))
        except OSError:
            pass  # a read-only checkout is verified all the same, only slower next time
