"""The medication table shows how far each line was read: status, matched parts and leftover words."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from screening.report import md_escape
from tests.helpers import SCREENING_DATE

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def test_the_table_shows_read_partly_read_and_the_words_not_read() -> None:
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["screening_date"] = SCREENING_DATE
    at.run()
    at.text_area(key="med_text").set_value(
        "HYDROCO/APAP 10-325MG TAB\nAPAP/*xyq* 325 mg\ntramadol 50 mg (stopped 2026-11-20)").run()
    assert not at.exception
    assert any("3 lines read: 2 recognised, 0 not recognised, 1 partly read" in m.value for m in at.markdown)
    table = at.table[0].value
    assert list(table["Read"]) == [md_escape(s) for s in (
        "read | matched: hydroco; apap", "partly read | matched: apap | not read: xyq (may hide an opioid)",
        "read (stopped 2026-11-20) | matched: tramadol")]
    assert list(table["As written"])[1] == md_escape("APAP/*xyq* 325 mg")
    page = " ".join(e.value for kind in ("markdown", "error", "warning", "info", "caption")
                    for e in getattr(at, kind))
    assert "cannot be relied on until these lines are checked" in page      # the fail-closed warning
