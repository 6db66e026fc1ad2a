"""The checklist: one bordered group per topic, one widget per applicable question."""

from __future__ import annotations

import os
from collections.abc import Callable, MutableMapping
from datetime import date
from typing import Any

import streamlit as st

from screening.report import md_escape
from screening.ruleset import CompiledQuestion, RuleSet

from . import keys
from .fhir_import import record_note

DATE_PLACEHOLDER = "YYYY-MM-DD"


def dates_as_text(state: MutableMapping[str, Any], ruleset: RuleSet, prefix: str = keys.ANSWER_PREFIX) -> None:
    """Date answers live in text fields, so a typed 2026-02-31 stays as typed and is refused at the field
    (a calendar widget would quietly turn it into 2026-02-28). Values set as dates elsewhere (a loaded
    case or record) are written back as their YYYY-MM-DD text before the field is drawn."""
    for cq in ruleset.questions:
        key = keys.answer(cq.question.id, prefix)
        if cq.question.type == "date" and isinstance(state.get(key), date):
            state[key] = state[key].isoformat()


def question_widget(cq: CompiledQuestion, prefix: str = keys.ANSWER_PREFIX,
                    on_change: Callable[..., None] | None = None, args: tuple[Any, ...] | None = None) -> None:
    q, key = cq.question, keys.answer(cq.question.id, prefix)
    if q.type == "yes_no" or (q.type == "choice" and len(cq.options) <= 5):
        st.radio(q.prompt, options=list(cq.options), format_func=cq.options.__getitem__, index=None, key=key,
                 help=q.help, horizontal=q.type == "yes_no", on_change=on_change, args=args)
    elif q.type == "choice":
        st.selectbox(q.prompt, options=list(cq.options), format_func=cq.options.__getitem__, index=None, key=key,
                     help=q.help, placeholder="Not answered", on_change=on_change, args=args)
    elif q.type == "date":
        st.text_input(q.prompt, key=key, help=q.help, placeholder=DATE_PLACEHOLDER, max_chars=10,
                      autocomplete="off", on_change=on_change or "rerun", args=args)
    else:
        st.number_input(q.prompt, value=None, key=key, help=q.help, on_change=on_change, args=args)


# What a click changes besides its own topic: rerun these page fragments (app.py draws them) and no more.
LIVE_FRAGMENTS = (keys.FINDINGS_FRAGMENT, keys.STRIP_FRAGMENT, keys.PROGRESS_FRAGMENT, keys.SUMMARY_FRAGMENT)


def _after_answer(ruleset: RuleSet, topic_id: str) -> None:
    """Rerun only what an answer can change: its topic, any topic whose shown questions change, the
    findings, the progress and the summary. The rest of the page (the other topics, the sidebar, the
    medication list) is not redrawn, so a click stays cheap."""
    from .common import current
    visible = set(current(ruleset).visible)
    shown: dict[str, tuple[str, ...]] = st.session_state.get(keys.QUESTIONS_SHOWN, {})
    topics = {topic_id} | {t.id for t in ruleset.topics if t.id in shown and
                           shown[t.id] != _topic_questions(ruleset, t.id, visible)}
    if os.environ.get("LDN_PARTIAL_RERUNS", "1") == "0":     # every answer reruns the whole page
        st.rerun(scope="app")
    st.rerun([keys.topic_fragment(t) for t in sorted(topics)] + list(LIVE_FRAGMENTS))


def _topic_questions(ruleset: RuleSet, topic_id: str, visible: set[str]) -> tuple[str, ...]:
    return tuple(cq.question.id for cq in ruleset.questions if cq.topic == topic_id and cq.question.id in visible)


def topic_block(ruleset: RuleSet, topic_id: str, visible: set[str], problems: dict[str, str],
                prefix: str = keys.ANSWER_PREFIX, live: bool = False) -> None:
    topic = next(t for t in ruleset.topics if t.id == topic_id)
    questions = [cq for cq in ruleset.questions if cq.topic == topic.id and cq.question.id in visible]
    if live:
        st.session_state.setdefault(keys.QUESTIONS_SHOWN, {})[topic_id] = tuple(cq.question.id for cq in questions)
    if not questions:       # a topic of rules only (the medication list) has nothing to ask
        return
    load_problems: dict[str, str] = st.session_state.get(keys.LOAD_PROBLEMS, {})
    with st.container(border=True):
        st.subheader(topic.title, anchor=False)
        if topic.intro:
            st.caption(topic.intro)
        for cq in questions:
            qid = cq.question.id
            question_widget(cq, prefix, *((_after_answer, (ruleset, topic_id)) if live else ()))
            if prefix == keys.ANSWER_PREFIX:
                record_note(qid)
            if qid in problems:
                st.error(f"**Not used:** {md_escape(problems[qid])}. Correct it here; nothing else you "
                         "entered was changed.", icon=":material/block:")
            elif prefix == keys.ANSWER_PREFIX and qid in load_problems and not st.session_state.get(keys.answer(qid)):
                st.warning(md_escape(load_problems[qid]), icon=":material/description:")


def _live_topic(ruleset: RuleSet, topic_id: str) -> None:
    from .common import current
    screened = current(ruleset)
    topic_block(ruleset, topic_id, set(screened.visible), {p.field: p.message for p in screened.problems},
                live=True)


def checklist(ruleset: RuleSet, visible: set[str], problems: dict[str, str], prefix: str = keys.ANSWER_PREFIX,
              live: bool = False) -> None:
    """Every topic with its shown questions. `live` (the screening page): each topic is a fragment, and an
    answer reruns only its topic and the page fragments that show results (LIVE_FRAGMENTS)."""
    for topic in ruleset.topics:
        if live:
            st.fragment(_live_topic, key=keys.topic_fragment(topic.id))(ruleset, topic.id)
        else:
            topic_block(ruleset, topic.id, visible, problems, prefix)
