"""`#anchor` parts of links, made to match the ids the hub's pages will really have.

Each generator makes heading ids its own way (kramdown keeps '/' out, Hugo
keeps accents, GitBook adds its own), so `#continuous-integration-continuous-deployment`
may name what Python-Markdown calls `#continuous-integrationcontinuous-deployment`.
Ids are computed by the same scanner `kmgen check` uses; a fragment that matches
one when both are folded to letters and digits is rewritten, and one that
matches nothing is dropped (the link still reaches the page) and reported.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from urllib.parse import unquote

from kmgen.checks.links import scan
from kmgen.content import parse_document
from kmgen.ingest.output import Output

_LINK = re.compile(r"(\]\(|href=\")([^\s()\"#]*\.(?:md|html)|)#([^\s()\"]+)(?=[\s)\"])")


def fix(outputs: list[Output], counts: Counter[str]) -> list[Output]:
    anchors: dict[str, set[str]] = {}
    for out in outputs:
        doc, _ = parse_document(out.dest, out.data)
        anchors[out.dest] = set(scan(doc).anchors) if doc is not None else set()
    folded = {dest: {_fold(a): a for a in ids} for dest, ids in anchors.items()}
    fixed = []
    for out in outputs:
        text = out.data.decode("utf-8")
        here = posixpath.dirname(out.dest)

        def one(m: re.Match[str], dest: str = out.dest, here: str = here) -> str:
            path = re.sub(r"\.html$", ".md", unquote(m.group(2)))
            target = posixpath.normpath(posixpath.join(here, path)) if path else dest
            ids = anchors.get(target)
            fragment = unquote(m.group(3))
            if ids is None or fragment in ids:
                return m.group(0)
            match = folded[target].get(_fold(fragment))
            if match is not None:
                counts["anchor matched to the hub's heading id"] += 1
                return f"{m.group(1)}{m.group(2)}#{match}"
            counts["anchor not found on the target page (dropped)"] += 1
            return f"{m.group(1)}{m.group(2) or '#'}"

        new = _LINK.sub(one, text)
        fixed.append(Output(out.dest, new.encode("utf-8")) if new != text else out)
    return fixed


def _fold(anchor: str) -> str:
    return re.sub(r"[\W_]+", "", anchor.casefold())
