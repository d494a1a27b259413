"""Characters in front-matter text that show something other than what is stored.

Decision (issue 11): bidirectional *controls* (embeddings, overrides,
isolates: U+202A-U+202E, U+2066-U+2069) are errors. Arabic, Hebrew and mixed
text lay out correctly without them, and an override makes a title or an
owner read differently from its bytes (the "Trojan Source" trick), or can
reorder the page chrome around it. Control characters (other than tab and,
where text may span lines, newline) are errors too: they have no place in a
title and can drive terminals. Zero-width and other invisible characters
(U+200B, U+2060, U+FEFF, U+180E, Hangul fillers ...) are warnings with the
cleaned value: they usually arrive by copy and paste, show nothing, but make
two equal-looking titles or terms differ. The joiners U+200C/U+200D and the
marks U+200E/U+200F are allowed: Persian, Indic scripts, emoji and mixed-
direction punctuation need them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
INVISIBLE = frozenset("\u200b\u2060\ufeff\u180e\u2061\u2062\u2063\u2064\u115f\u1160\u3164\uffa0\u034f")
# Fields that hold one line of text; a newline in them is a mistake (or an attack on log output).
SINGLE_LINE = frozenset({"title", "type", "owner", "status", "language", "license", "country", "period",
                         "community", "translation_of", "source_hash", "last_reviewed", "date", "review_every"})


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message: str
    hint: str


def findings(key: str, text: str, single_line: bool) -> list[Finding]:
    """What is wrong with `text`, the value (or one list item) of `key`."""
    out = []
    bidi = sorted({c for c in text if c in BIDI_CONTROLS})
    if bidi:
        out.append(Finding("KM240", "error", f"'{key}' contains bidirectional control characters "
                           f"({_names(bidi)}), which make text display differently from what it is",
                           "delete them; right-to-left text displays correctly without them"))
    allowed = "\t" if single_line else "\t\n"
    body = text.rstrip("\n") if single_line else text  # `key: >` leaves one final newline
    controls = sorted({c for c in body if unicodedata.category(c) == "Cc" and c not in allowed})
    if controls:
        what = "a line break" if controls == ["\n"] else f"control characters ({_names(controls)})"
        out.append(Finding("KM242", "error", f"'{key}' contains {what}",
                           f"write '{key}' as one line of plain text" if single_line else "delete them"))
    hidden = sorted({c for c in text if c in INVISIBLE})
    if hidden:
        cleaned = "".join(c for c in text if c not in INVISIBLE)
        out.append(Finding("KM241", "warning", f"'{key}' contains invisible characters ({_names(hidden)})",
                           f"delete them: {key}: {cleaned!r}"))
    return out


def _names(chars: list[str]) -> str:
    return ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, '')}".rstrip() for c in chars)
