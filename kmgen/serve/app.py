"""`kmgen serve`'s ASGI application: the built site, and a JSON search API over the Whoosh index.

Routes:
  GET /api/search   ?q=words&facet=KEY=VALUE (repeat)&page=1&size=10
  GET /api/suggest  ?q=prefix&limit=8
  GET /api/health
  GET /find/api.js  tells the Find page that this API answers (the static site says it does not)
  GET /anything     a file of the built site (traversal refused: see kmgen.serve.files)
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from kmgen.publish.find_index import API_SCRIPT
from kmgen.serve.files import PathGuard, SiteFiles
from kmgen.serve.searching import RESULT_CACHE, RequestError, SearchService, Unavailable

API_PREFIX = "/api/"
MAX_QUERY_STRING = 4096
API_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
FIND_API_SCRIPT = f"window.kmgenFindApi = {API_PREFIX!r};\n".replace("'", '"')
# Searching is CPU work in Python: more threads than this only queue on the
# interpreter lock, and each thread keeps its own searcher open. More cores are
# used by more server processes (`kmgen serve --workers`), not more threads.
SEARCH_THREADS = 2


def create_app(site_dir: Path, index_dir: Path, content_dir: Path, extra_routes: list[Any] | None = None,
               files: Any = None, cache_size: int = RESULT_CACHE) -> Any:
    """The application; `extra_routes` come before the site's files, and `files` replaces
    the site's file server (live preview adds its own of both). Searches run on
    SEARCH_THREADS threads of their own, never on the event loop: a long search
    does not hold up file requests, and the searchers are opened before the first request."""
    service = SearchService(index_dir, content_dir, site_dir, cache_size)
    executor = ThreadPoolExecutor(SEARCH_THREADS, thread_name_prefix="kmgen-search")

    def endpoint(method: Callable[[dict[str, list[str]]], dict[str, Any]]) -> Callable[[Request], Any]:
        async def handle(request: Request) -> Response:
            query = request.scope.get("query_string", b"")
            if len(query) > MAX_QUERY_STRING:
                return _error(400, f"the query string is {len(query):,} bytes long; the limit is {MAX_QUERY_STRING}")
            try:
                params = parse_qs(query.decode("ascii"), keep_blank_values=True, max_num_fields=64,
                                  errors="strict")
            except ValueError as exc:  # UnicodeDecodeError too: escapes must spell UTF-8
                return _error(400, f"the query string cannot be read: {exc.__class__.__name__}; "
                                   "escape it as UTF-8, with at most 64 parameters")
            try:
                body = await asyncio.get_running_loop().run_in_executor(executor, method, params)
            except RequestError as exc:
                return _error(400, str(exc))
            except Unavailable as exc:
                return _error(503, str(exc))
            return JSONResponse(body, headers=API_HEADERS)

        return handle

    async def find_api(request: Request) -> Response:
        return Response(FIND_API_SCRIPT, media_type="text/javascript", headers=API_HEADERS)

    async def api_missing(request: Request) -> Response:
        return _error(404, f"no such API endpoint: {request.url.path}; expected one of "
                           f"{API_PREFIX}search, {API_PREFIX}suggest, {API_PREFIX}health")

    routes = [
        Route(f"{API_PREFIX}search", endpoint(service.search)),
        Route(f"{API_PREFIX}suggest", endpoint(service.suggest)),
        Route(f"{API_PREFIX}health", endpoint(lambda _params: service.health())),
        Route(API_PREFIX + "{rest:path}", api_missing),
        Route("/" + API_SCRIPT, find_api),
        *(extra_routes or []),
        Mount("/", files if files is not None else SiteFiles(site_dir)),
    ]
    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await asyncio.get_running_loop().run_in_executor(None, _warm_every_thread, executor, service)
        try:
            yield
        finally:
            executor.shutdown(wait=False, cancel_futures=True)

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.search = service
    # Compressed when the client accepts it: the static index is text, a third of its size gzipped.
    return PathGuard(GZipMiddleware(app, minimum_size=1024), app)


def _warm_every_thread(executor: ThreadPoolExecutor, service: SearchService) -> None:
    """Each search thread opens its searcher now (a barrier makes every task land
    on a thread of its own); the facet bitsets are made once and shared."""
    barrier = threading.Barrier(SEARCH_THREADS, timeout=60)

    def warm() -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        service.warm()

    for task in [executor.submit(warm) for _ in range(SEARCH_THREADS)]:
        task.result()


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message, "status": status}, status_code=status, headers=API_HEADERS)
