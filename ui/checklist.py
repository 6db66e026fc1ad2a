"""The checklist: one bordered group per topic, one widget per applicable question."""

from __future__ import annotations

from collections.abc import MutableMapping
from datetime import date
from typing import Any

import streamlit as st

from screening.app_state import PREFIX, widget_key
from screening.report import md_escape
from screening.ruleset import CompiledQuestion, RuleSet

DATE_PLACEHOLDER = "YYYY-MM-DD"


def dates_as_text(state: MutableMapping[str, Any], ruleset: RuleSet, prefix: str = PREFIX) -> None:
    """Date answers live in text fields, so a typed 2026-02-31 stays as typed and is refused at the field
    (a calendar widget would quietly turn it into 2026-02-28). Values set as dates elsewhere (a loaded
    case or record) are written back as their YYYY-MM-DD text before the field is drawn."""
    for cq in ruleset.questions:
        key = widget_key(cq.question.id, prefix)
        if cq.question.type == "date" and isinstance(state.get(key), date):
            state[key] = state[key].isoformat()


def question_widget(cq: CompiledQuestion, prefix: str = PREFIX) -> None:
    q, key = cq.question, widget_key(cq.question.id, prefix)
    if q.type == "yes_no" or (q.type == "choice" and len(cq.options) <= 5):
        st.radio(q.prompt, options=list(cq.options), format_func=cq.options.__getitem__, index=None, key=key,
                 help=q.help, horizontal=q.type == "yes_no")
    elif q.type == "choice":
        st.selectbox(q.prompt, options=list(cq.options), format_func=cq.options.__getitem__, index=None, key=key,
                     help=q.help, placeholder="Not answered")
    elif q.type == "date":
        st.text_input(q.prompt, key=key, help=q.help, placeholder=DATE_PLACEHOLDER, max_chars=10,
                      autocomplete="off")
    else:
        st.number_input(q.prompt, value=None, key=key, help=q.help)


def checklist(ruleset: RuleSet, visible: set[str], problems: dict[str, str], prefix: str = PREFIX) -> None:
    load_problems: dict[str, str] = st.session_state.get("load_problems", {})
    for topic in ruleset.topics:
        questions = [cq for cq in ruleset.questions if cq.topic == topic.id and cq.question.id in visible]
        if not questions:       # a topic of rules only (the medication list) has nothing to ask
            continue
        with st.container(border=True):
            st.subheader(topic.title, anchor=False)
            if topic.intro:
                st.caption(topic.intro)
            for cq in questions:
                qid = cq.question.id
                question_widget(cq, prefix)
                if qid in problems:
                    st.error(f"**Not used:** {md_escape(problems[qid])}. Correct it here; nothing else you "
                             "entered was changed.", icon=":material/block:")
                elif prefix == PREFIX and qid in load_problems and not st.session_state.get(widget_key(qid)):
                    st.warning(md_escape(load_problems[qid]), icon=":material/description:")
