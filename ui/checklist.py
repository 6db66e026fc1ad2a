"""The checklist: one bordered group per topic, one widget per applicable question."""

from __future__ import annotations

import streamlit as st

from screening.app_state import PREFIX, widget_key
from screening.report import md_escape
from screening.ruleset import CompiledQuestion, RuleSet

from .common import DATE_RANGE
from .fhir_import import record_note


def question_widget(cq: CompiledQuestion, prefix: str = PREFIX) -> None:
    q, key = cq.question, widget_key(cq.question.id, prefix)
    if q.type == "yes_no" or (q.type == "choice" and len(cq.options) <= 5):
        st.radio(q.prompt, options=list(cq.options), format_func=cq.options.__getitem__, index=None, key=key,
                 help=q.help, horizontal=q.type == "yes_no")
    elif q.type == "choice":
        st.selectbox(q.prompt, options=list(cq.options), format_func=cq.options.__getitem__, index=None, key=key,
                     help=q.help, placeholder="Not answered")
    elif q.type == "date":
        st.date_input(q.prompt, value=None, key=key, help=q.help, format="YYYY-MM-DD",
                      min_value=DATE_RANGE[0], max_value=DATE_RANGE[1])
    else:
        st.number_input(q.prompt, value=None, key=key, help=q.help)


def checklist(ruleset: RuleSet, visible: set[str], problems: dict[str, str], prefix: str = PREFIX) -> None:
    load_problems: dict[str, str] = st.session_state.get("load_problems", {})
    for topic in ruleset.topics:
        questions = [cq for cq in ruleset.questions if cq.topic == topic.id and cq.question.id in visible]
        if not questions:       # a topic of rules only (the medication list) has nothing to ask
            continue
        with st.container(border=True):
            st.subheader(topic.title)
            if topic.intro:
                st.caption(topic.intro)
            for cq in questions:
                qid = cq.question.id
                question_widget(cq, prefix)
                if prefix == PREFIX:
                    record_note(qid)
                if qid in problems:
                    st.error(f"**Not used:** {md_escape(problems[qid])}", icon=":material/block:")
                elif prefix == PREFIX and qid in load_problems and st.session_state.get(widget_key(qid)) is None:
                    st.warning(md_escape(load_problems[qid]), icon=":material/description:")
