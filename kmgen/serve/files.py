"""Serving the built site's files: traversal refused in every spelling, honest types and cache headers.

`PathGuard` looks at the request's path as sent (before any decoding) and as
decoded, and refuses with a 400 anything that could name a file outside the
site: dot segments, encoded dots, slashes or backslashes, backslashes, empty
segments (`//etc/passwd`), NUL and other control characters. Starlette's
StaticFiles then serves what is left, refusing symlinks that lead outside.
"""

from __future__ import annotations

import mimetypes
import os
import re
from pathlib import Path
from typing import Any

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

# Types the platform's table may lack or get wrong; a wrong type is a broken page under nosniff.
for _suffix, _type in ((".js", "text/javascript"), (".mjs", "text/javascript"), (".css", "text/css"),
                       (".json", "application/json"), (".jsonld", "application/ld+json"),
                       (".xml", "application/xml"), (".svg", "image/svg+xml"), (".woff2", "font/woff2"),
                       (".webmanifest", "application/manifest+json"), (".txt", "text/plain")):
    mimetypes.add_type(_type, _suffix)

_ENCODED = re.compile(rb"%(2e|2f|5c|00|25)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HASHED = re.compile(r"\.[0-9a-f]{8}\.min\.(js|css)$")  # Material's fingerprinted bundles
MAX_PATH = 2048


def refusal(scope: Scope) -> str | None:
    """Why this request's path is refused, or None when it may be looked up."""
    raw: bytes = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "surrogateescape")
    raw = raw.split(b"?", 1)[0]
    path: str = scope.get("path", "")
    if len(raw) > MAX_PATH:
        return f"the path is longer than {MAX_PATH} bytes"
    if not path.startswith("/") or not raw.startswith(b"/"):
        return "the path must start with '/'"
    if _ENCODED.search(raw):
        return "encoded dots, slashes, backslashes, percent signs and NUL are not allowed in paths"
    if b"\\" in raw or "\\" in path:
        return "backslashes are not allowed in paths"
    if _CONTROL.search(path):
        return "control characters are not allowed in paths"
    segments = path.split("/")[1:]
    if any(s in (".", "..") for s in segments) or any(s in (b".", b"..") for s in raw.split(b"/")[1:]):
        return "'.' and '..' are not allowed in paths"
    if any(s == "" for s in segments[:-1]):
        return "empty path segments ('//') are not allowed"
    return None


class PathGuard:
    """ASGI middleware: a refused path gets a 400 before any route sees it."""

    def __init__(self, app: ASGIApp, inner: Any = None):
        self.app = app
        self.inner: Any = inner if inner is not None else app  # the application, for its state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            reason = refusal(scope)
            if reason is not None:
                response = Response(f"400 Bad Request: path refused: {reason}\n", status_code=400,
                                    media_type="text/plain", headers={"X-Content-Type-Options": "nosniff"})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @property
    def state(self) -> Any:  # the application's state (its search service), for the CLI and tests
        return self.inner.state


class SiteFiles(StaticFiles):
    """The built site. It may not exist yet (a preview's first build) or be swapped by a rebuild."""

    def __init__(self, site_dir: Path):
        super().__init__(directory=site_dir, html=True, check_dir=False, follow_symlink=False)

    async def check_config(self) -> None:
        pass  # a missing site is a 404 until it is built, not a crash

    def file_response(self, full_path: Any, stat_result: os.stat_result, scope: Scope,
                      status_code: int = 200) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = cache_control(str(full_path))
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def cache_control(path: str) -> str:
    """Fingerprinted bundles never change; everything else is checked each time
    (pages and the static index change with every build; ETag makes the check cheap)."""
    if _HASHED.search(path):
        return "public, max-age=31536000, immutable"
    if path.endswith((".html", ".json", ".xml", ".jsonld")) or f"{os.sep}find{os.sep}" in path:
        return "no-cache"
    return "public, max-age=3600"
