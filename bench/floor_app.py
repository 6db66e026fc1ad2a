"""The floor for the rerun benchmark: the app's widgets and layout, with no screening logic.

Same sidebar, the medication-list box, the same checklist widgets (all questions shown: no skip
logic), progress bar, three
detail expanders, two summary tabs and three download buttons (the widgets the benchmark scenario
shows), with fixed text where the real app shows results.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import streamlit as st  # noqa: E402

from ui import keys  # noqa: E402
from ui.checklist import dates_as_text, question_widget  # noqa: E402
from ui.common import cached_ruleset  # noqa: E402
from ui.sidebar import sidebar  # noqa: E402
from ui.state import default_screening_date, keep_hidden_answers  # noqa: E402
from screening.loader import DEFAULT_RULES_DIR  # noqa: E402

st.set_page_config(page_title="floor", layout="wide")
ruleset = cached_ruleset(str(DEFAULT_RULES_DIR))
st.session_state.setdefault(keys.SCREENING_DATE, default_screening_date())
keep_hidden_answers(st.session_state)
dates_as_text(st.session_state, ruleset)
sidebar(ruleset)
st.title("LDN safety screening")
st.markdown("**fixed text**")
st.progress(0.5, text="fixed progress")
left, right = st.columns([3, 2], gap="large")
with left:
    with st.container(border=True):
        st.subheader("Medication list")
        st.caption("fixed")
        st.text_area("Medication list", key=keys.MED_TEXT, height=150, label_visibility="collapsed")
        with st.expander("Or take the list from a CSV file"):
            st.file_uploader("CSV file", type=["csv"], key=keys.MED_CSV)
    for topic in ruleset.topics:
        with st.container(border=True):
            st.subheader(topic.title)
            for cq in ruleset.questions:
                if cq.topic == topic.id:
                    question_widget(cq)
with right:
    st.header("Findings")
    st.markdown("fixed counts")
    for i in range(3):
        st.markdown("fixed finding")
        st.expander("fixed", key=keys.finding_detail(str(i)), on_change="rerun")
    with st.expander("Not assessed"):
        st.markdown("fixed")
st.header("Summary for discussion")
clinician, patient = st.tabs(["Clinician view", "Patient discussion view"], key=keys.summary_view(), on_change="rerun")
clinician.markdown("fixed")
a, b, c = st.columns(3)
for col, label in ((a, "md"), (b, "html"), (c, "case")):
    col.download_button(label, data="fixed", file_name=f"x.{label}", on_click="ignore")
