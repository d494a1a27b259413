"""Addresses in mkdocs.yml that are still the examples a new hub starts with.

A header button and "Edit this page" links that lead to someone else's example
repository send readers nowhere. Until `repo_url` is the hub's own, the plugin
leaves those links out, and `kmgen build` says which setting to change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

EXAMPLE_HOSTS = ("example.org", "example.com", "example.net")
CODE_HOSTS = ("github.com", "gitlab.com", "codeberg.org", "bitbucket.org")
EXAMPLE_OWNERS = ("example", "your-organisation", "your-organization", "your-org", "owner", "username")


def is_placeholder(url: str | None) -> bool:
    """True for an example address: example.org and its subdomains, `.example`, or a
    code host's example owner (github.com/example/...)."""
    if not url:
        return False
    parts = urlsplit(url)
    host = (parts.hostname or "").casefold()
    if host in EXAMPLE_HOSTS or host.endswith(tuple("." + h for h in EXAMPLE_HOSTS)) or host.endswith(".example"):
        return True
    owner = parts.path.strip("/").split("/")[0].casefold()
    return host in CODE_HOSTS and owner in EXAMPLE_OWNERS


def warnings(config: Mapping[str, Any]) -> list[str]:
    """What to tell the maintainer about placeholder addresses in the configuration."""
    out = []
    if is_placeholder(config.get("repo_url")):
        out.append(f"repo_url in mkdocs.yml is a placeholder ({config.get('repo_url')}): the header's repository "
                   "link and every 'Edit this page' link are left out until it names the hub's repository")
    if is_placeholder(config.get("site_url")):
        out.append(f"site_url in mkdocs.yml is a placeholder ({config.get('site_url')}): canonical addresses, the "
                   "sitemap and the feed point there until it is the address the hub is published at")
    return out
