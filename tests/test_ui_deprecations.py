"""The page uses no deprecated Streamlit arguments: Streamlit logs a warning for each (84 in one server log
before `use_container_width` was replaced by `width=`), and a deprecated argument is removed later."""

from __future__ import annotations

import logging
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.helpers import SCREENING_DATE

APP = str(Path(__file__).resolve().parent.parent / "app.py")


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_no_deprecation_warning_on_any_page() -> None:
    handler = Collect()
    logger = logging.getLogger("streamlit.deprecation_util")
    logger.addHandler(handler)
    try:
        at = AppTest.from_file(APP, default_timeout=30)
        at.session_state["screening_date"] = SCREENING_DATE
        at.session_state["med_text"] = "\n".join(f"line {i} gabapentin 300 mg" for i in range(40))  # the grid
        at.session_state["q_opioid_current"] = "yes"
        at.run()
        assert not at.exception
        for mode in ("Pharmacist double-check", "Trainer", "Screening"):
            at.sidebar.radio(key="mode").set_value(mode).run()
            assert not at.exception
    finally:
        logger.removeHandler(handler)
    deprecated = [m for m in handler.messages if "deprecat" in m.lower() or "use_container_width" in m]
    assert not deprecated, deprecated
