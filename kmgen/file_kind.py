"""Is a file under content/ what its name says, and can its name be an address?

A `.png` that is really HTML or SVG would be served as an image by the site but
opened as a page by a browser told otherwise (or by a reader who saves and opens
it), so an allowed binary must start with its format's signature. A name with
spaces, `..`, a leading `-` or characters that need URL escaping breaks links,
shell commands and some hosts; each is reported with a name that works.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path, PurePosixPath

from kmgen.diagnostics import Diagnostic

_SIGNATURES: dict[str, tuple[str, tuple[tuple[int, bytes], ...]]] = {
    # suffix: (what it is called, alternative (offset, bytes) signatures)
    ".png": ("a PNG image", ((0, b"\x89PNG"),)),
    ".jpg": ("a JPEG image", ((0, b"\xff\xd8\xff"),)),
    ".jpeg": ("a JPEG image", ((0, b"\xff\xd8\xff"),)),
    ".gif": ("a GIF image", ((0, b"GIF87a"), (0, b"GIF89a"))),
    ".webp": ("a WebP image", ((8, b"WEBP"),)),
    ".avif": ("an AVIF image", ((4, b"ftypavif"), (4, b"ftypavis"), (4, b"ftypmif1"), (4, b"ftypmsf1"))),
    ".pdf": ("a PDF document", ((0, b"%PDF-"), (0, b"%PDF"))),
}
_MARKUP = re.compile(rb"^\s*<(\?xml|!doctype|html|svg|head|body|script|!--|iframe|object|a\s)", re.I)
_HEAD_BYTES = 64

# Characters that need URL escaping and are not reported by the publish
# preflight (KM801 covers quotes, angle brackets, '#', '?', '%' and the like).
_ESCAPED = re.compile(r"[ \t!$&()*+,;:=@\[\]]")


def check_asset(path: Path, rel: str, suffix: str) -> list[Diagnostic]:
    """KM246 when an allowed binary does not start with its format's signature."""
    expected = _SIGNATURES.get(suffix)
    if expected is None:
        return []
    try:
        with path.open("rb") as fh:
            head = fh.read(_HEAD_BYTES)
    except OSError as exc:
        return [Diagnostic(rel, 0, "KM101", "error", f"cannot read file: {exc.strerror}", "check permissions")]
    name, signatures = expected
    if any(head[at:at + len(magic)] == magic for at, magic in signatures):
        return []
    actual = sniff(head)
    return [Diagnostic(rel, 0, "KM246", "error", f"'{PurePosixPath(rel).name}' is not {name}: its bytes are {actual}",
                       _asset_hint(rel, actual))]


def sniff(head: bytes) -> str:
    if _MARKUP.match(head.lstrip(b"\xef\xbb\xbf")):
        return "HTML or SVG markup"
    for suffix, (name, signatures) in _SIGNATURES.items():
        if any(head[at:at + len(magic)] == magic for at, magic in signatures):
            return f"{name} ({suffix})"
    return "empty" if not head else "of no allowed type"


def _asset_hint(rel: str, actual: str) -> str:
    if actual.endswith(")"):
        right = actual[actual.rindex("(") + 1:-1]
        return f"rename it to {PurePosixPath(rel).with_suffix(right).name}"
    if actual.startswith("HTML"):
        return "markup is never published as a file; export the picture as PNG or JPEG"
    return "replace it with a real image or PDF, or remove it"


def check_name(rel: str) -> list[Diagnostic]:
    """KM243 for a path a web address or a shell would trip over, with a safe name."""
    problems = []
    for segment in PurePosixPath(rel).parts:
        if ".." in segment:
            problems.append("'..'")
        if segment.startswith("-"):
            problems.append("a leading '-'")
        problems.extend(repr(c) for c in sorted(set(_ESCAPED.findall(segment))))
    if not problems:
        return []
    shown = ", ".join(dict.fromkeys(problems))
    return [Diagnostic(rel, 0, "KM243", "error", f"file name has {shown}: such names break web addresses or commands",
                       f"rename it to {suggest_name(rel)}")]


def suggest_name(rel: str) -> str:
    """`rel` with each unsafe run replaced by one '-' (letters of any script kept)."""
    out = []
    for segment in PurePosixPath(rel).parts:
        stem, dot, suffix = segment.rpartition(".") if "." in segment.lstrip(".") else (segment, "", "")
        stem = _ESCAPED.sub("-", unicodedata.normalize("NFC", stem))
        stem = re.sub(r"\.{2,}", ".", stem)
        stem = re.sub(r"-{2,}", "-", stem).strip("-.") or "file"
        out.append(stem + dot + suffix.lower())
    return "/".join(out)
