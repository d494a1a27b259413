"""Parser-stress page bodies, generated (nothing large is committed).

Each case is a body and what `kmgen check` must say about it: `None` when it
is accepted (and so must build), else the error code and the 0-based line of
the body it must name. Shared by test_parser_stress.py and
tests/test_check_build_agree.py.
"""

from __future__ import annotations

from dataclasses import dataclass

INTRO = "A page that pushes the Markdown parser.\n\n"


@dataclass(frozen=True)
class Stress:
    body: str
    rejected: tuple[str, int] | None = None  # (code, line offset in the body)
    # Budget failures whose code depends on the processor's speed: the stack
    # limit may be reached before the time limit or after it.
    either: tuple[tuple[str, int], ...] = ()


def deep_list(levels: int) -> str:
    return INTRO + "".join("  " * i + "- item\n" for i in range(levels))


def stress_pages() -> dict[str, Stress]:
    deepest = 2 + 499  # the intro's two lines, then the 500th item
    return {
        # issue 11: crashed the build with RecursionError after check accepted it
        "deep-list.md": Stress(deep_list(500), either=(("KM820", deepest), ("KM821", -1))),
        # issue 11: 20,000 `[` took 81 s to build
        "brackets.md": Stress(INTRO + "[" * 20_000 + "\n", ("KM820", 2)),
        "nested-emphasis.md": Stress(INTRO + "*" * 5_000 + "a" + "*" * 5_000 + "\n", ("KM821", 2)),
        "deep-quote-line.md": Stress(INTRO + ">" * 1_000 + " deep\n"),
        "deep-quote-steps.md": Stress(INTRO + "".join(">" * i + " step\n" for i in range(1, 200))),
        "emphasis-runs.md": Stress(INTRO + "*a " * 20_000 + "\n\n" + "_" * 20_000 + "\n\n" + "`" * 20_000 + "\n"),
        "long-line.md": Stress(INTRO + "word " * 150_000 + "\n"),
        "angles-and-ampersands.md": Stress(INTRO + "<" * 20_000 + "\n\n" + "&" * 20_000 + "\n"),
        "unclosed-link.md": Stress(INTRO + "[a](" + "(" * 5_000 + "\n"),
        "marked-section.md": Stress(INTRO + "Prose <![ here, `<![ x` in code,\n\n    <![ indented\n\n"
                                    "```\n<![ fenced\n```\n"),
        "cdata.md": Stress(INTRO + "<![CDATA[ raw <b>text</b> ]]>\n\nand `<![CDATA[ x ]]>` in code\n"),
        "open-comment.md": Stress(INTRO + "<!-- a comment that never ends\n\nmore text\n"),
        "processing-instruction.md": Stress(INTRO + "<?php echo 'x'; ?>\n\n<? unfinished\n\nText.\n"),
        "unclosed-div.md": Stress(INTRO + "<div>\n\nnever closed <span> either\n"),
        "many-table-rows.md": Stress(INTRO + "| a | b |\n|---|---|\n" + "| x | y |\n" * 3_000),
        "many-footnotes.md": Stress(INTRO + "".join(f"Note {i}.[^{i}]\n\n[^{i}]: Text {i}.\n\n" for i in range(300))),
    }
