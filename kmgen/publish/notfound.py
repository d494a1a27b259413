"""404.html that works wherever the site is: at a host's root, under a sub-path,
and opened from disk.

A server shows 404.html at any missing address, so MkDocs writes its links as
absolute paths from `site_url` (`/assets/...`, or `/hub/assets/...`). Those
break from file:// and whenever site_url's path is not where the site is. The
page gets relative links instead, resolved against a <base> of the site's
path; opened from disk, a one-line script moves the base to the file's own
folder, which is the site's root. It is rendered without a page, so it is
given the template context a page would have (the footer's credits).
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kmgen import i18n

NOT_FOUND = "404.html"
# The base goes to the file's folder when opened from disk (no server: no sub-path).
_FROM_DISK = '<script>if (location.protocol === "file:") document.querySelector("base").href = "./";</script>'

# Material's JSON configuration (read by its script, which comes right after) carries the
# same absolute paths: from disk they become relative to the page.
_CONFIG_FROM_DISK = (
    '<script>if (location.protocol === "file:") { var c = document.getElementById("__config");'
    ' var j = JSON.parse(c.textContent), p = "PREFIX";'
    ' ["base", "search"].forEach(function (k) { if (typeof j[k] === "string" && (j[k] + "/").indexOf(p) === 0)'
    ' j[k] = j[k].slice(p.length) || "."; });'
    ' c.textContent = JSON.stringify(j); }</script>')


def template_context(context: MutableMapping[str, Any], credits: Sequence[Any], language: str) -> None:
    """What the page templates get from each page's context and 404.html, rendered without a page,
    would lack: kmgen's translation functions in the site's language and the footer credits of
    ingested collections (a missing page shows the same footer as every other)."""
    context.update(i18n.template_functions(language))
    context["kmgen_language"] = language
    context["kmgen_credits"] = tuple(credits)


def script_patterns() -> tuple[re.Pattern[str], ...]:
    """The inline scripts `make_portable` adds, for the site's verification (any prefix)."""
    bodies = [_FROM_DISK, _CONFIG_FROM_DISK]
    return tuple(re.compile(re.escape(b.removeprefix("<script>").removesuffix("</script>")).replace(
        "PREFIX", r'[^"\'<>\\\n]*')) for b in bodies)


def site_path(site_url: str | None) -> str:
    """'https://org.github.io/hub' -> '/hub/'; no site_url -> '/'."""
    path = urlsplit(site_url or "").path or "/"
    return path if path.endswith("/") else path + "/"


def make_portable(site_dir: Path, site_url: str | None) -> bool:
    """Rewrite site_dir/404.html as described above; False when there is none."""
    page = site_dir / NOT_FOUND
    if not page.is_file():
        return False
    html = page.read_text(encoding="utf-8")
    prefix = site_path(site_url)
    # href="/hub/x" -> href="x"; never a protocol-relative "//host/x"
    html = re.sub(r'\b(href|src)="' + re.escape(prefix) + r'(?!/)', r'\1="', html)
    base = f'<base href="{prefix}">{_FROM_DISK}'
    html = html.replace("<head>", "<head>" + base, 1)
    # Material's script reads its own base and search-worker address from this JSON
    html = re.sub(r'(<script id="__config"[^>]*>.*?</script>)',
                  lambda m: m.group(1) + _CONFIG_FROM_DISK.replace("PREFIX", prefix), html, count=1, flags=re.S)
    page.write_text(html, encoding="utf-8")  # in the staging folder: the whole site is swapped in at once
    return True
