"""LDN safety screening: the Streamlit page. It arranges the ui/ blocks and calls screening/; no medicine here."""

from __future__ import annotations

import os
from datetime import date

import streamlit as st

from screening.app_state import default_screening_date, keep_hidden_answers
from screening.errors import RuleSetError
from screening.loader import DEFAULT_RULES_DIR
from screening.ruleset import RuleSet
from ui.auth import signed_in
from ui.checklist import checklist
from ui.common import ahead_for, cached_ruleset, evaluate
from ui.double_check import double_check_page
from ui.findings import findings_panel
from ui.medications import medication_input, medication_table
from ui.sidebar import MODES, sidebar
from ui.summary import summary_section
from ui.trainer import trainer_page


def screening_page(ruleset: RuleSet) -> None:
    st.title("LDN safety screening")
    st.markdown(f"**{ruleset.meta.purpose}**")
    progress = st.container()   # a container, not st.empty: the bar does not blink on each rerun
    left, right = st.columns([3, 2], gap="large")
    with left:
        medications = medication_input()
    screening_date: date = st.session_state["screening_date"]
    screened = evaluate(ruleset, screening_date, medications)
    result = screened.result
    progress.progress(result.answered / result.applicable if result.applicable else 0.0,
                      text=f"{result.answered} of {result.applicable} applicable questions answered")
    with left:
        if result.medications:
            medication_table(result.medications)
        checklist(ruleset, set(screened.visible), {p.field: p.message for p in screened.problems})
    with right:
        findings_panel(result, ruleset, ahead_for(ruleset, screened))
    summary_section(ruleset, screened)


def main() -> None:
    # No page_icon: a Material icon there makes the browser fetch it from a font CDN; the default is local.
    st.set_page_config(page_title="LDN safety screening", layout="wide")
    try:
        ruleset = cached_ruleset(os.environ.get("LDN_RULES_DIR", str(DEFAULT_RULES_DIR)))
    except RuleSetError as exc:
        st.title("LDN safety screening")
        st.error("The rule files are invalid, so no screening is possible. Nothing below would be complete "
                 "or reliable; fix the rule files and reload.", icon=":material/dangerous:")
        st.code(exc.report(), language=None)
        st.stop()
    if not signed_in(ruleset):
        st.stop()
    st.session_state.setdefault("screening_date", default_screening_date())
    keep_hidden_answers(st.session_state)
    mode = sidebar(ruleset)
    if mode == MODES[1]:
        double_check_page(ruleset)
    elif mode == MODES[2]:
        trainer_page(ruleset)
    else:
        screening_page(ruleset)


main()
