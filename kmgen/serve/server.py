"""Running `kmgen serve`: uvicorn with one process, or several sharing the port.

Searching is Python work bound by the interpreter lock, so a second core is put
to use by a second server process, each with its own open index and answers
cache. Uvicorn starts worker processes from an import string, so their
configuration travels in environment variables read by `app_from_environment`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from kmgen.serve.app import create_app
from kmgen.serve.searching import RESULT_CACHE

__all__ = ["RESULT_CACHE", "app_from_environment", "default_workers", "run"]

_ENV = {"site": "KMGEN_SERVE_SITE", "index": "KMGEN_SERVE_INDEX", "content": "KMGEN_SERVE_CONTENT",
        "cache": "KMGEN_SERVE_CACHE"}
KEEP_ALIVE_SECONDS = 15  # an idle keep-alive connection is closed after this


def default_workers() -> int:
    """One process a core, at most 4 (each holds the index's tables and facet bitsets in memory)."""
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


def app_from_environment() -> Any:
    """The application of one worker process, configured by `run`."""
    return create_app(Path(os.environ[_ENV["site"]]), Path(os.environ[_ENV["index"]]),
                      Path(os.environ[_ENV["content"]]), cache_size=int(os.environ[_ENV["cache"]]))


def run(site_dir: Path, index_dir: Path, content_dir: Path, host: str, port: int, workers: int,
        cache_size: int) -> None:
    import uvicorn

    options: dict[str, Any] = {"host": host, "port": port, "log_level": "warning", "access_log": False,
                               "server_header": False, "timeout_keep_alive": KEEP_ALIVE_SECONDS}
    if workers <= 1:
        uvicorn.run(create_app(site_dir, index_dir, content_dir, cache_size=cache_size), **options)
        return
    os.environ.update({_ENV["site"]: str(site_dir.resolve()), _ENV["index"]: str(index_dir.resolve()),
                       _ENV["content"]: str(content_dir.resolve()), _ENV["cache"]: str(cache_size)})
    uvicorn.run("kmgen.serve.server:app_from_environment", factory=True, workers=workers, **options)
