"""Template syntax in page bodies, converted to what Material renders, or to a visible placeholder.

Liquid and Nunjucks (`{% %}`, `{{ }}`), GitBook blocks (which use Liquid's
brackets) and Hugo shortcodes (`{{< >}}`, `{{% %}}`) mean something only to the
generator that wrote them. Each is turned into Markdown with the same meaning
where Material has one (admonitions, content tabs, images, links, fenced code)
and otherwise into a placeholder a reader can see and the report lists; none
is left for the reader to puzzle over.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from kmgen.ingest.masking import Masked
from kmgen.ingest.pairing import convert_blocks

REF_PREFIX = "kmgen-ref:"  # a Hugo ref/relref target, resolved by links.py
ADMONITION_TYPES = {"info": "info", "warning": "warning", "danger": "danger", "success": "success", "tip": "tip",
                    "note": "note", "caution": "warning", "important": "important", "alert": "warning",
                    "callout": "note", "notice": "note", "hint": "tip", "error": "danger", "admonition": "note"}
_ATTR = re.compile(r"""(\w[\w-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S+))""")
_ARGS = re.compile(r'"([^"]*)"|\'([^\']*)\'|(\S+)')
_LIQUID_PAIRED = ("hint", "tabs", "tab", "capture", "comment", "highlight", "swagger", "openapi", "content-ref",
                  "code", "if", "unless", "for", "case", "details", "markdown")
_OPTIONAL_END = re.compile(r"\{%-?\s*(embed|file)\s+([^%]{0,1000}?)-?%\}((?:(?!\{%).){0,2000}?\{%-?\s*end\1\s*-?%\})?",
                           re.S)
# Every repetition is bounded: an unclosed `{%` must not make each later match scan to the end.
_SINGLE = re.compile(r"\{%-?\s*([\w-]+)((?:[^%]|%(?!\})){0,1000}?)-?%\}")
_OUTPUT = re.compile(r"\{\{-?\s*((?:[^}]|\}(?!\})){0,1000}?)\s*-?\}\}")
_URL_FILTER = re.compile(r"""^(?:"([^"]*)"|'([^']*)')\s*\|\s*url$""")
_SITE_VARS = re.compile(r"^(?:site|base)\.(?:baseurl|base_url|url)$")
_HUGO_TAG = re.compile(r"\{\{[<%]\s*(/?[\w./-]+)((?:[^>%]|[>%](?!\}\})){0,1000}?)\s*[>%]\}\}")
_HUGO_SINGLE = re.compile(r"\{\{([<%])\s*(/?[\w./-]+)((?:[^>%]|[>%](?!\}\})){0,1000}?)\s*[>%]\}\}")
_LIQUID_TAG = re.compile(r"\{%-?\s*([\w-]+)((?:[^%]|%(?!\})){0,1000}?)-?%\}")
_RAW = re.compile(r"\{%-?\s*(raw|endraw)\s*-?%\}")


@dataclass
class Conversion:
    """What happened to one body: conversions by kind, and every placeholder left."""

    changes: Counter[str] = field(default_factory=Counter)
    placeholders: list[str] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    broken_upstream: list[str] = field(default_factory=list)

    def placeholder(self, what: str) -> str:
        self.placeholders.append(what)
        return f"*[not imported: {what}]*"


def attrs(text: str) -> dict[str, str]:
    return {m.group(1): next(g for g in m.groups()[1:] if g is not None) for m in _ATTR.finditer(text)}


def args(text: str) -> list[str]:
    return [next(g for g in m.groups() if g is not None) for m in _ARGS.finditer(text) if "=" not in m.group(0)
            or m.group(0).startswith(('"', "'"))]


def indent(text: str) -> str:
    lines = text.strip("\n").split("\n")
    return "\n".join("    " + line if line.strip() else "" for line in lines)


def admonition(kind: str, title: str | None, content: str) -> str:
    head = f'!!! {kind}' + (f' "{_quote(title)}"' if title else "")
    inner = indent(content) if content.strip() else "    " + (title or kind.capitalize())
    return f"\n{head}\n\n{inner}\n"


def _quote(text: str) -> str:
    return text.replace('"', "'").strip()


def convert(masked: Masked, conv: Conversion) -> str:
    text = masked.text
    text = _raw_blocks(text, masked, conv)
    text = _optional_end(text, conv)
    text = _liquid_blocks(text, conv)
    text = _hugo_blocks(text, conv)
    text = _hugo_singles(text, conv)
    text = _liquid_singles(text, conv)
    return _outputs(text, conv)


def _raw_blocks(text: str, masked: Masked, conv: Conversion) -> str:
    """`{% raw %}` does not nest: each opening tag takes the next closing tag."""
    out, pos, start = [], 0, None
    for m in _RAW.finditer(text):
        if m.group(1) == "raw" and start is None:
            start = m
        elif m.group(1) == "endraw" and start is not None:
            out.append(text[pos:start.start()])
            out.append(masked.keep(text[start.end():m.start()]))
            conv.changes["liquid raw block unwrapped"] += 1
            pos, start = m.end(), None
    out.append(text[pos:])
    return "".join(out)


def _optional_end(text: str, conv: Conversion) -> str:
    """GitBook `embed` and `file` may or may not have an end tag."""

    def one(m: re.Match[str]) -> str:
        kind, a = m.group(1), attrs(m.group(2))
        target = a.get("url") or a.get("src") or ""
        caption = re.sub(r"\{%-?\s*end\w+\s*-?%\}$", "", m.group(3) or "").strip()
        conv.changes[f"gitbook {kind} -> link"] += 1
        if not target:
            return conv.placeholder(f"GitBook {kind} without a target")
        label = caption or a.get("caption") or target.rsplit("/", 1)[-1] or target
        return f"[{label}]({_link_target(target)})"

    return _OPTIONAL_END.sub(one, text)


def _link_target(target: str) -> str:
    return f"<{target}>" if re.search(r"[\s()]", target) else target


def _liquid_blocks(text: str, conv: Conversion) -> str:
    return convert_blocks(text, _LIQUID_TAG,
                          lambda name: name[3:] if name.startswith("end") and name[3:] in _LIQUID_PAIRED else None,
                          lambda name: name in _LIQUID_PAIRED,
                          lambda name, arg, inner: _liquid_block(name, arg, inner, conv))


def _liquid_block(name: str, arg: str, content: str, conv: Conversion) -> str:
    a = attrs(arg)
    if name == "hint":
        conv.changes["gitbook hint -> admonition"] += 1
        return admonition(ADMONITION_TYPES.get(a.get("style", "info"), "info"), None, content)
    if name == "tabs":
        conv.changes["gitbook tabs -> content tabs"] += 1
        return "\n" + content.strip("\n") + "\n"
    if name == "tab":
        return f'\n=== "{_quote(a.get("title", "Tab"))}"\n\n{indent(content)}\n'
    if name == "capture":
        var = arg.strip().split()[0] if arg.strip() else ""
        conv.variables[var] = content.strip()
        conv.changes["liquid capture inlined where used"] += 1
        return ""
    if name == "comment":
        conv.changes["template comment removed"] += 1
        return ""
    if name == "highlight":
        conv.changes["liquid highlight -> fenced code"] += 1
        lang = arg.strip().split()[0] if arg.strip() else ""
        return f"\n```{lang}\n{content.strip(chr(10))}\n```\n"
    if name in ("code", "content-ref", "markdown"):
        conv.changes[f"gitbook {name} tags removed (content kept)"] += 1
        return content
    if name in ("swagger", "openapi"):
        conv.changes[f"gitbook {name} -> link"] += 1
        src, method, path = a.get("src") or a.get("url") or "", a.get("method", ""), a.get("path", "")
        label = " ".join(p for p in (method.upper(), path) if p) or "API reference"
        return f"\n**{label}**: [{src.rsplit('/', 1)[-1] or src}]({_link_target(src)})\n" if src else content
    if name == "details":
        conv.changes["details block -> collapsible admonition"] += 1
        summary = a.get("summary") or (args(arg) or ["Details"])[0]
        return f'\n??? note "{_quote(summary)}"\n\n{indent(content)}\n'
    return conv.placeholder(f"template logic '{name} {arg.strip()}' (needs the source site's data)")


def _hugo_blocks(text: str, conv: Conversion) -> str:
    return convert_blocks(text, _HUGO_TAG, lambda name: name[1:] if name.startswith("/") else None,
                          lambda name: True, lambda name, arg, inner: _hugo_block(name, arg, inner, conv))


def _hugo_block(name: str, arg: str, content: str, conv: Conversion) -> str:
    base = name.rsplit("/", 1)[-1].lower()
    if base in ADMONITION_TYPES:
        conv.changes["hugo shortcode -> admonition"] += 1
        a = attrs(arg)
        title = a.get("title") or next(iter(args(arg)[1:2]), None)
        kind = ADMONITION_TYPES.get(base if base != "admonition" else (args(arg) or ["note"])[0], "note")
        return admonition(kind, title, content)
    if base == "highlight":
        conv.changes["hugo highlight -> fenced code"] += 1
        lang = (args(arg) or [""])[0]
        return f"\n```{lang}\n{content.strip(chr(10))}\n```\n"
    if base == "details":
        conv.changes["details block -> collapsible admonition"] += 1
        summary = attrs(arg).get("summary") or (args(arg) or ["Details"])[0]
        return f'\n??? note "{_quote(summary)}"\n\n{indent(content)}\n'
    conv.changes[f"hugo shortcode '{name}' unwrapped (content kept)"] += 1
    return content


def _hugo_singles(text: str, conv: Conversion) -> str:
    def one(m: re.Match[str]) -> str:
        name, arg = m.group(2), m.group(3)
        base, a, positional = name.lower(), attrs(arg), args(arg)
        if base in ("ref", "relref"):
            conv.changes["hugo ref -> link"] += 1
            return REF_PREFIX + (positional[0] if positional else "")
        if base in ("img", "figure", "image"):
            src = a.get("src") or (positional[0] if positional else "")
            alt = a.get("alt") or a.get("caption") or a.get("title") or ""
            conv.changes["hugo image shortcode -> image"] += 1
            return f"![{alt}]({_link_target(src)})" if src else conv.placeholder(f"Hugo shortcode '{name}'")
        if base in ("youtube", "vimeo"):
            vid = a.get("id") or (positional[0] if positional else "")
            url = f"https://www.youtube.com/watch?v={vid}" if base == "youtube" else f"https://vimeo.com/{vid}"
            conv.changes[f"hugo {base} -> link"] += 1
            return f"[{a.get('title') or base.capitalize() + ' video'}]({url})"
        if base.startswith("/"):
            conv.changes["unmatched hugo closing shortcode removed"] += 1
            return ""
        return conv.placeholder(f"Hugo shortcode '{name}'")

    return _HUGO_SINGLE.sub(one, text)


def _liquid_singles(text: str, conv: Conversion) -> str:
    def one(m: re.Match[str]) -> str:
        name, arg = m.group(1), m.group(2).strip()
        positional, a = args(arg), attrs(arg)
        if name == "assign":
            am = re.match(r"""([\w.]+)\s*=\s*["'](.*)["']\s*$""", arg, re.S)
            if am:
                conv.variables[am.group(1)] = am.group(2)
            conv.changes["liquid assign removed"] += 1
            return ""
        if name in ("image", "image_with_class") and positional:
            src = positional[0]
            alt = positional[-1] if len(positional) > 1 else ""
            conv.changes["image tag -> image"] += 1
            return f"![{alt}]({_link_target(src)})"
        if name == "include":
            target = positional[0] if positional else arg
            passed = [conv.variables.get(v, "") for k, v in a.items() if k in ("content", "text", "body")]
            if any(passed):
                conv.changes["include with content -> admonition"] += 1
                return admonition("note", a.get("heading") or a.get("title"), "\n\n".join(p for p in passed if p))
            return conv.placeholder(f"include '{target}' (a template of the source site)")
        if name.startswith("end"):
            conv.changes["unmatched end tag removed"] += 1
            return ""
        return conv.placeholder(f"template tag '{name}'")

    return _SINGLE.sub(one, text)


def _outputs(text: str, conv: Conversion, depth: int = 0) -> str:
    def one(m: re.Match[str]) -> str:
        expr = m.group(1).strip()
        url = _URL_FILTER.match(expr)
        if url:
            conv.changes["url filter removed"] += 1
            return url.group(1) if url.group(1) is not None else url.group(2)
        if _SITE_VARS.match(expr):
            conv.changes["site base URL variable removed"] += 1
            return ""
        name = expr.split("|")[0].strip()
        if name in conv.variables:
            conv.changes["captured variable inlined"] += 1
            value = _liquid_singles(conv.variables[name], conv) if depth < 3 else conv.variables[name]
            return _outputs(value, conv, depth + 1) if depth < 3 else value
        literal = re.fullmatch(r"""["']([^"']*)["']""", name)
        if literal:
            conv.changes["template string literal inlined"] += 1
            return literal.group(1)
        return conv.placeholder(f"template value '{name}'")

    return _OUTPUT.sub(one, text)
