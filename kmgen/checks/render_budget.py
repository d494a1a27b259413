"""The budget one page body gets to render, and what to say when it blows it.

Processor time is limited with a profiling timer (SIGPROF): it counts this
process's own work, so a page is not rejected because other programs keep the
machine busy. Stack depth is limited below what the site build has left, so a
body that renders here also renders inside `mkdocs build`, which runs deeper.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import markdown

CPU_SECONDS = 2.0
# Python's default limit is 1000 frames and `kmgen build` calls Markdown about
# 15 frames deep: 600 more frames than the check's own depth leaves a wide
# margin for what runs deeper in the build (MkDocs' extensions, the theme).
STACK_FRAMES = 600
TIMEOUT, TOO_DEEP, CRASH = "KM820", "KM821", "KM822"

Failure = tuple[str, int, str, str]  # (code, 0-based line in the body, message, hint)


class RenderTimeout(BaseException):
    """Raised from the timer signal. A BaseException, so that no `except
    Exception` inside an extension can swallow it."""


class _Alarm:
    armed = False  # cleared before the timer is stopped: a late signal then does nothing


def _expire(signum: int, frame: FrameType | None) -> None:
    if _Alarm.armed:
        _Alarm.armed = False
        raise RenderTimeout


@contextmanager
def limits(seconds: float) -> Iterator[None]:
    """At most `seconds` of processor time (main thread only: signals are
    delivered there) and STACK_FRAMES more frames than the caller uses."""
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(_depth() + STACK_FRAMES)
    timed = seconds > 0 and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    previous: Any = None
    if timed:
        previous = signal.signal(signal.SIGPROF, _expire)
        _Alarm.armed = True
        signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        try:
            _Alarm.armed = False
        finally:  # runs even if the signal lands on the line above
            if timed:
                signal.setitimer(signal.ITIMER_PROF, 0)
                signal.signal(signal.SIGPROF, previous)
            sys.setrecursionlimit(old_limit)


def _depth() -> int:
    frame, depth = sys._getframe(), 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1  # type: ignore[assignment]
    return depth


def timeout_failure(body: str, seconds: float) -> Failure:
    return (TIMEOUT, _busiest_line(body),
            f"this page needs more than {seconds:g} s of processor time to render, so it would stall the site build",
            "break up long runs of brackets, emphasis marks or nested quotes near this line, or split the page")


def depth_failure(body: str, line: int | None = None) -> Failure:
    return (TOO_DEEP, _deepest_line(body) if line is None else line,
            "this page nests too deeply to render (lists, quotes or HTML inside each other, hundreds of levels)",
            "flatten the nesting near this line: a reader cannot follow more than a few levels either")


def crash_failure(body: str, exc: BaseException, line: int | None = None) -> Failure:
    detail = str(exc).splitlines()[0][:200] if str(exc) else ""
    return (CRASH, _busiest_line(body) if line is None else line,
            f"the Markdown renderer fails on this page ({type(exc).__name__}{': ' + detail if detail else ''})",
            "simplify the markup near this line (raw HTML, unusual brackets); if the page looks ordinary, "
            "report it to the hub's maintainers")


def _deepest_line(body: str) -> int:
    """The line with the most indentation or quote marks: where nesting peaks."""
    best, where = -1, 0
    for number, line in enumerate(body.split("\n")):
        stripped = line.lstrip(" \t>")
        level = len(line) - len(stripped) + 3 * line[: len(line) - len(stripped)].count(">")
        if level > best:
            best, where = level, number
    return where


def _busiest_line(body: str) -> int:
    """The line with the most markup characters, else the deepest one."""
    best, where = 0, 0
    for number, line in enumerate(body.split("\n")):
        marks = sum(line.count(c) for c in "[]*_`<>!(){}&")
        if marks > best:
            best, where = marks, number
    return where if best >= 50 else _deepest_line(body)


def add_mkdocs_raw_html_reader(md: markdown.Markdown) -> None:
    """Give `md` the preprocessor MkDocs adds to every page (it reads the whole
    source with html.parser to find ids), so its failures show up here too."""
    try:
        from mkdocs.structure.pages import _RawHTMLPreprocessor
    except ImportError:  # another MkDocs: the build is its own judge
        return
    tolerate_marked_sections()
    _RawHTMLPreprocessor()._register(md)


class MarkedSectionsAsText:
    """Mixed into an `html.parser` parser (the standard one or Python-Markdown's copy):
    it asserts on `<![` not followed by CDATA and friends, where browsers and
    Python-Markdown read text, and so does a parser with this mixed in first."""

    rawdata: str

    def parse_html_declaration(self, i: int) -> int:
        try:
            return int(super().parse_html_declaration(i))  # type: ignore[misc]
        except AssertionError:
            self.handle_data(self.rawdata[i:i + 3])  # type: ignore[attr-defined]
            return i + 3


def tolerate_marked_sections() -> None:
    """MkDocs' raw-HTML reader feeds every line of a page, code included, to
    html.parser, which asserts on `<![` not followed by CDATA and friends
    (`<![ x`, `` `<![foo` ``): the build dies on text that is only code. Make
    that reader take such a `<![` as text, as browsers and Python-Markdown do.
    Idempotent; `kmgen.checks.registered` calls it, so `kmgen build` has it."""
    try:
        from mkdocs.structure import pages
    except ImportError:
        return
    handler = pages._HTMLHandler
    if getattr(handler, "kmgen_tolerant", False):
        return

    class _TolerantHTMLHandler(MarkedSectionsAsText, handler):  # type: ignore[misc, valid-type]
        kmgen_tolerant = True

    pages._HTMLHandler = _TolerantHTMLHandler  # type: ignore[misc]
