"""Exports a person reads (issue 15, items 6 (bidi part) and 11): no bidirectional control character
survives into HTML, Markdown, CSV or JSON shown to people, and no CSV cell starts a formula.

`\\u202e01/523 ocroN` displays as "Norco 325/10" while it says something else; `=HYPERLINK(...)`,
`+cmd|...` and `@SUM(...)` run when a spreadsheet opens the CSV.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from screening.answers import parse_answers
from screening.engine import screen
from screening.report import md_escape, render_html, render_markdown
from screening.text_safety import BIDI_CONTROLS, csv_cell, strip_bidi
from tests.helpers import SCREENING_DATE

ROOT = Path(__file__).resolve().parent.parent
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f",
        "\u061c"]
LINES = ["\u202e01/523 ocroN", "gabapentin\u2067 300 mg\u2069 tid", "levothyroxine \u200f75\u200e mcg \u061cdaily"]
FORMULAS = ["=HYPERLINK(\"http://198.51.100.7/x\",\"click\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)",
            "\t=1+1", "\r=1+1"]


def test_strip_bidi_removes_every_control_and_nothing_else() -> None:
    assert strip_bidi("".join(BIDI) + "Norco 10/325 — ok ü") == "Norco 10/325 — ok ü"


def test_no_bidi_control_reaches_the_html_or_markdown_summary(ruleset) -> None:  # type: ignore[no-untyped-def]
    answers, _ = parse_answers(ruleset, {"opioid_current": "no", "thyroid_hormone": "no"}, SCREENING_DATE)
    result = screen(ruleset, answers, SCREENING_DATE, medications=LINES + ["Norco 10/325 \u202eevil"])
    for text in (render_html(result, ruleset), render_markdown(result, ruleset)):
        assert not BIDI_CONTROLS.search(text)
        assert "01/523 ocroN" in text                     # the line is shown as it really is
    assert not BIDI_CONTROLS.search(md_escape("".join(BIDI)))


@pytest.mark.parametrize("cell", FORMULAS)
def test_a_cell_that_a_spreadsheet_would_run_is_prefixed_with_a_quote(cell: str) -> None:
    assert csv_cell(cell) == "'" + cell
    assert csv_cell("oxycodone 5 mg") == "oxycodone 5 mg" and csv_cell(3) == "3"


def test_the_cli_meds_csv_has_no_formula_cell_and_no_bidi(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text("\n".join(FORMULAS[:4] + LINES), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "screening", "meds", str(path), "--format", "csv"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO(done.stdout)))
    cells = [c for row in rows[1:] for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], cells
    assert "'=HYPERLINK" in done.stdout and not BIDI_CONTROLS.search(done.stdout)


@pytest.mark.parametrize("args", [["check", "{case}"], ["check", "{case}", "--format", "markdown"],
                                  ["check", "{case}", "--format", "html"], ["meds", "{list}", "--format", "json"],
                                  ["meds", "{list}"]])
def test_the_cli_outputs_carry_no_bidi_control(tmp_path: Path, args: list[str]) -> None:
    case = tmp_path / "case.json"
    case.write_text('{"screening_date": "2026-11-23", "answers": {"opioid_current": "no"}, "medications": '
                    '["\\u202e01/523 ocroN", "Norco 10/325 \\u2067x\\u2069"]}', encoding="utf-8")
    listing = tmp_path / "list.txt"
    listing.write_text("\n".join(LINES), encoding="utf-8")
    argv = [a.format(case=case, list=listing) for a in args]
    done = subprocess.run([sys.executable, "-m", "screening", *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert not BIDI_CONTROLS.search(done.stdout) and "ocroN" in done.stdout
