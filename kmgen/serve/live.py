"""The browser side of live preview: each page gets a small script that waits for
the next rebuild (a long poll of /_preview/status), reloads, and shows problems."""

from __future__ import annotations

from importlib import resources
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import Scope

from kmgen.serve.files import SiteFiles
from kmgen.serve.preview import Preview

STATUS_PATH = "/_preview/status"
SCRIPT_PATH = "/_preview/client.js"
WAIT_SECONDS = 25.0  # under common proxy and browser idle limits
NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
_TAG = f'<script src="{SCRIPT_PATH}"></script>'.encode()


def routes(preview: Preview) -> list[Route]:
    script = resources.files("kmgen.serve").joinpath("preview.js").read_bytes()

    async def status(request: Request) -> Response:
        after = request.query_params.get("after", "")
        if after.isdigit() and len(after) < 10:
            state = await run_in_threadpool(preview.wait_for, int(after), WAIT_SECONDS)
        else:
            state = preview.state
        return JSONResponse(state.as_json(), headers=NO_STORE)

    async def client(request: Request) -> Response:
        return Response(script, media_type="text/javascript", headers=NO_STORE)

    return [Route(STATUS_PATH, status), Route(SCRIPT_PATH, client)]


class PreviewFiles(SiteFiles):
    """The preview site, each page with the preview script added and never cached."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        target = getattr(response, "path", "")
        if isinstance(response, FileResponse) and str(target).endswith(".html"):
            with open(target, "rb") as page:
                html = page.read()
            at = html.rfind(b"</body>")
            html = html[:at] + _TAG + html[at:] if at >= 0 else html + _TAG
            return Response(html, status_code=response.status_code, media_type="text/html", headers=NO_STORE)
        return response

    def file_response(self, full_path: Any, stat_result: Any, scope: Scope, status_code: int = 200) -> Response:
        # Never a 304 for a page: the page sent must carry the script.
        if str(full_path).endswith(".html"):
            return FileResponse(full_path, status_code=status_code, stat_result=stat_result)
        return super().file_response(full_path, stat_result, scope, status_code)
