"""LDN safety screening: the Streamlit page. It arranges the ui/ blocks and calls screening/; no medicine here."""

from __future__ import annotations

import os
import streamlit as st

from screening.errors import RuleSetError
from screening.loader import DEFAULT_RULES_DIR
from screening.ruleset import RuleSet
from ui import keys
from ui.auth import signed_in
from ui.checklist import checklist, dates_as_text
from ui.common import ahead_for, cached_ruleset, current, leave_guard, page_style, ready_findings
from ui.double_check import double_check_page
from ui.findings import findings_panel, findings_strip
from ui.medications import medication_input, medication_table
from ui.sidebar import MODES, has_answers, sidebar
from ui.summary import downloads, summary_section
from ui.state import default_screening_date, keep_hidden_answers
from ui.trainer import trainer_page

TITLE = "LDN safety screening"


def landing_header(ruleset: RuleSet) -> None:
    """What the tool is, who it is for, what it is not, and that nothing is kept. No heading anchors:
    they would be tab stops before the first answer."""
    st.title("Low-dose naltrexone (LDN) safety screening", anchor=False)
    st.markdown("For the **prescriber, GP or pharmacist** screening a patient before starting LDN for chronic "
                "pain. The result is a **summary for discussion, not a decision**. Nothing is stored: answers "
                "stay in this browser tab until you download them.")
    st.caption(ruleset.meta.purpose)


def _progress(ruleset: RuleSet) -> None:
    result = current(ruleset).result
    st.progress(result.answered / result.applicable if result.applicable else 0.0,
                text=f"{result.answered} of {result.applicable} applicable questions answered")
    leave_guard(has_answers())


def _findings(ruleset: RuleSet, strip: bool) -> None:
    screened = current(ruleset)
    shown, held = ready_findings(ruleset, screened, bool(st.session_state.get(keys.SHOW_ALL_FINDINGS)))
    if strip:
        findings_strip(screened.result, shown, held, ruleset)
        return
    findings_panel(screened.result, ruleset, ahead_for(ruleset, screened), shown=shown, held=held)
    downloads(ruleset, screened)


def screening_page(ruleset: RuleSet) -> None:
    """Each part that shows results is a keyed fragment; an answer reruns its topic and these parts only
    (ui.checklist.LIVE_FRAGMENTS). Anything else (sidebar, medication list) reruns the whole page."""
    landing_header(ruleset)
    with st.container(key=keys.FINDINGS_STRIP):   # phones only: the findings at a glance, kept in view
        st.fragment(_findings, key=keys.STRIP_FRAGMENT)(ruleset, True)
    st.fragment(_progress, key=keys.PROGRESS_FRAGMENT)(ruleset)
    left, right = st.columns([3, 2], gap="large")
    with left:
        questions = st.container()
        medication_input()                      # drawn below the checklist
        screened = current(ruleset)
        if screened.result.medications:
            medication_table(screened.result.medications)
    with questions:
        checklist(ruleset, set(screened.visible), {}, live=True)
    with right, st.container(key=keys.FINDINGS_PANEL):
        st.fragment(_findings, key=keys.FINDINGS_FRAGMENT)(ruleset, False)
    st.fragment(lambda: summary_section(ruleset, current(ruleset)), key=keys.SUMMARY_FRAGMENT)()


def main() -> None:
    # No page_icon: a Material icon there makes the browser fetch it from a font CDN; the default is local.
    st.set_page_config(page_title=TITLE, layout="wide")
    page_style()
    try:
        ruleset = cached_ruleset(os.environ.get("LDN_RULES_DIR", str(DEFAULT_RULES_DIR)))
    except RuleSetError as exc:
        st.title(TITLE, anchor=False)
        st.error("The rule files are invalid, so no screening is possible. Nothing below would be complete "
                 "or reliable; fix the rule files and reload.", icon=":material/dangerous:")
        st.code(exc.report(), language=None)
        st.stop()
    if not signed_in(ruleset):
        st.stop()
    st.session_state.setdefault(keys.SCREENING_DATE, default_screening_date())
    keep_hidden_answers(st.session_state)
    for prefix in keys.ANSWER_PREFIXES:
        dates_as_text(st.session_state, ruleset, prefix)
    mode = sidebar(ruleset)
    if mode != MODES[0]:
        leave_guard(has_answers())      # the screening page sets it in its progress fragment
    if mode == MODES[1]:
        double_check_page(ruleset)
    elif mode == MODES[2]:
        trainer_page(ruleset)
    else:
        screening_page(ruleset)


main()
