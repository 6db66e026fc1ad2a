"""LDN safety screening: the Streamlit page. It arranges the ui/ blocks and calls screening/; no medicine here."""

from __future__ import annotations

import os
from datetime import date

import streamlit as st

from screening.answers import parse_answers
from screening.app_state import default_screening_date, keep_hidden_answers, raw_answers
from screening.engine import applicable_answers, screen
from screening.errors import RuleSetError
from screening.loader import DEFAULT_RULES_DIR
from ui.checklist import checklist
from ui.common import cached_ruleset
from ui.findings import findings_panel
from ui.medications import medication_input, medication_table
from ui.sidebar import sidebar
from ui.summary import summary_section


def main() -> None:
    st.set_page_config(page_title="LDN safety screening", page_icon=":material/medication:", layout="wide")
    try:
        ruleset = cached_ruleset(os.environ.get("LDN_RULES_DIR", str(DEFAULT_RULES_DIR)))
    except RuleSetError as exc:
        st.title("LDN safety screening")
        st.error("The rule files are invalid, so no screening is possible. Nothing below would be complete "
                 "or reliable; fix the rule files and reload.", icon=":material/dangerous:")
        st.code(exc.report(), language=None)
        st.stop()
    st.session_state.setdefault("screening_date", default_screening_date())
    keep_hidden_answers(st.session_state)
    sidebar(ruleset)

    st.title("LDN safety screening")
    st.markdown(f"**{ruleset.meta.purpose}**")
    progress = st.empty()
    left, right = st.columns([3, 2], gap="large")
    with left:
        medications = medication_input()

    screening_date: date = st.session_state["screening_date"]
    raw = raw_answers(st.session_state, ruleset)
    answers, problems = parse_answers(ruleset, raw, screening_date, field_prefix="")
    visible, _ = applicable_answers(ruleset, answers, screening_date)
    result = screen(ruleset, answers, screening_date, medications=medications)

    progress.progress(result.answered / result.applicable if result.applicable else 0.0,
                      text=f"{result.answered} of {result.applicable} applicable questions answered")
    with left:
        if result.medications:
            medication_table(result.medications)
        checklist(ruleset, set(visible), {p.field: p.message for p in problems})
    with right:
        findings_panel(result, ruleset)
    summary_section(result, ruleset, {k: v for k, v in raw.items() if v is not None}, medications)


main()
