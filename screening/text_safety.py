"""User text made safe to show or export, whatever characters it holds.

Two tricks this stops:
- *Bidirectional controls* (U+202A-U+202E, U+2066-U+2069, U+200E/U+200F, U+061C) reorder what is
  displayed: `\\u202e01/523 ocroN` displays as "Norco 325/10" while the text says otherwise. They are
  removed from every user text the tool renders or exports (HTML, Markdown, CSV, JSON shown to people).
- *Formula cells* (OWASP CSV injection): a spreadsheet runs a cell that starts with = + - @ (or a tab
  or carriage return before one). Such cells are prefixed with a single quote, which spreadsheets
  show as text and which a reader can see.
"""

from __future__ import annotations

import re

BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def strip_bidi(text: str) -> str:
    """The text without bidirectional control characters (they only change how text is displayed)."""
    return BIDI_CONTROLS.sub("", text)


def csv_cell(value: object) -> str:
    """One CSV cell: bidi controls out, and a leading ' when a spreadsheet would read it as a formula."""
    text = strip_bidi("" if value is None else str(value))
    return "'" + text if text.startswith(_FORMULA_START) else text
