"""Trainer mode: pick a teaching case, present it, let trainees predict, then reveal and score.

Predictions lock at the reveal (the score is never re-graded), the lesson keeps a running score, and
a projector mode enlarges the type and collapses the sidebar for a classroom screen.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from screening.answers import answer_label
from screening.case_file import CaseFile, load_case
from screening.session import Screening
from screening.loader import DEFAULT_CASES_DIR
from screening.report import md_escape
from screening.ruleset import RuleSet
from screening.teaching import (NO_FINDING, NOT_ASSESSED, PREDICTIONS, LessonScore, TopicScore, calendar_date,
                                case_numbers, score_predictions)

from . import keys
from .common import ICONS, safe_md
from .findings import BOX
from .state import prefixed_keys

CASES_DIR = DEFAULT_CASES_DIR

# Large type for a classroom screen: Streamlit sizes text in rem, so the root size scales it all.
PROJECTOR_CSS = """
<style>
html { font-size: 24px; }
[data-testid="stMainBlockContainer"] { max-width: 100%; padding: 4rem 2rem 3rem 2rem; }
[data-testid="stMain"] h1 { font-size: 2rem; padding-top: 0; }
[data-testid="stMain"] h2 { font-size: 1.6rem; }
[data-testid="stMain"] h3 { font-size: 1.3rem; line-height: 1.4; }
</style>
"""


# A locked prediction stays readable: its topic label keeps the body colour (WCAG contrast), not the faded one.
# st-key-pred_ is keys.PREDICTION_PREFIX (ui/keys.py; tests/test_boundaries.py).
LOCKED_CSS = """
<style>
[class*="st-key-pred_"] [data-testid="stWidgetLabel"],
[class*="st-key-pred_"] [data-testid="stWidgetLabel"] * { color: inherit !important; opacity: 1 !important; }
</style>
"""


@st.cache_resource(show_spinner=False)
def case_library(folder: str) -> dict[str, CaseFile]:
    """The teaching cases, read once per process (they are the golden tests too)."""
    return {p.stem: load_case(p) for p in sorted(Path(folder).glob("*.yaml"))}


@st.cache_resource(show_spinner=False)
def numbering(folder: str) -> dict[str, int]:
    return case_numbers(list(case_library(folder)))


def _label(number: int, case: CaseFile, ruleset: RuleSet) -> str:
    """A neutral name for a case: its title states the answer, so students see it only at the reveal."""
    return f"Case {number}: {', '.join(ruleset.topic_title(t) for t in case.topics)} ({case.difficulty})"


def _shown_answer(ruleset: RuleSet, qid: str, value: Any) -> str:
    return calendar_date(value) if isinstance(value, date) else answer_label(ruleset.question(qid), value)


def _presenter(label: str, case: CaseFile, ruleset: RuleSet, projector: bool = False) -> None:
    with st.container(border=True):
        if not projector:                      # on a projector the case picker just above names it
            st.header(label)
        st.markdown(f"**Screening visit:** {calendar_date(case.screening_date)}")
        st.markdown(f"### {md_escape(case.narrative or '')}")
        lines = [line for line in case.medication_lines() or [] if line.strip()]
        if lines:
            st.markdown("**Medication list**\n" + "\n".join(f"- {md_escape(line)}" for line in lines))
    answers = Screening.from_case(ruleset, case).answers
    with st.expander("Case facts: the checklist answers behind the narrative"):
        st.dataframe(pd.DataFrame([{"Question": ruleset.question(q).question.prompt,
                                    "Answer": _shown_answer(ruleset, q, v)} for q, v in answers.items()]),
                     hide_index=True, width="stretch")
        st.caption(f"Screening visit {calendar_date(case.screening_date)}; questions not listed were not asked.")


def _lock(key: str, case: CaseFile, ruleset: RuleSet) -> None:
    """At the reveal: keep the predictions as they stand and add the case to the lesson, once."""
    if keys.locked(key) in st.session_state:
        return
    predictions = {t: st.session_state.get(keys.prediction(key, t)) for t in case.topics}
    st.session_state[keys.locked(key)] = predictions
    lesson: LessonScore = st.session_state.get(keys.TR_LESSON, LessonScore())
    st.session_state[keys.TR_LESSON] = lesson.with_case(key, score_predictions(Screening.from_case(ruleset, case).result,
                                                                               predictions))


def _new_lesson() -> None:
    for k in prefixed_keys(st.session_state, keys.LESSON_PREFIXES):
        del st.session_state[k]
    st.session_state[keys.TR_LESSON] = LessonScore()


def _projector_switched() -> None:
    st.session_state[keys.TR_PROJECTOR_SWITCHED] = True


def _next_case(following: str | None) -> None:
    if following is not None:
        st.session_state[keys.TR_CASE] = following


def _lesson_text() -> str:
    lesson: LessonScore = st.session_state.get(keys.TR_LESSON, LessonScore())
    if not lesson.cases:
        return "**Lesson score:** no case revealed yet"
    return (f"**Lesson score: {lesson.correct} of {lesson.total} topics right over "
            f"{len(lesson.cases)} case{'s' if len(lesson.cases) != 1 else ''}**")


def _new_lesson_button() -> None:
    st.button("Start a new lesson", key=keys.TR_NEW_LESSON, on_click=_new_lesson, width="stretch",
              help="Clears the lesson score and every prediction")


def _outcome_box(s: TopicScore, ruleset: RuleSet) -> None:
    """The engine's outcome for a topic as the screening page shows it: coloured cards by severity."""
    for f in s.findings:
        label = ruleset.meta.severities[f.severity].label.upper()
        BOX[f.severity](safe_md(f"**{label}: {f.title}**\n\n{f.summary}\n\n*Why:* {f.why}\n\n*Sources:* "
                                + "; ".join(src.cite for src in f.sources)), icon=ICONS[f.severity])
    if s.actual == NOT_ASSESSED:
        with st.container(border=True):
            st.markdown(":material/help: **NOT ASSESSED**: " + md_escape(ruleset.meta.not_assessed_note))
            st.markdown("\n".join(f"- {md_escape(n.prompt)}" for n in s.open_items))
    elif s.actual == NO_FINDING:
        with st.container(border=True):
            st.markdown("**NO FINDING**: " + safe_md(ruleset.meta.no_findings_note))


def _reveal(key: str, case: CaseFile, ruleset: RuleSet, predictions: dict[str, str | None]) -> None:
    scored = score_predictions(Screening.from_case(ruleset, case).result, predictions)
    st.header(f"Reveal: {sum(s.correct for s in scored)} of {len(scored)} topics predicted correctly")
    st.markdown(f"**The point of this case:** {md_escape(case.title or '')}")
    for s in scored:
        mark = (":green-badge[:material/check_circle: Correct]" if s.correct
                else ":orange-badge[:material/cancel: Not quite]")
        st.subheader(f"{ruleset.topic_title(s.topic)}: {mark}")
        st.markdown(f"You predicted **{s.predicted}**; the screening gives **{s.actual}**.")
        _outcome_box(s, ruleset)


def trainer_page(ruleset: RuleSet) -> None:
    projector = bool(st.session_state.get(keys.TR_PROJECTOR))
    if st.session_state.pop(keys.TR_PROJECTOR_SWITCHED, False):
        # A later set_page_config call updates the page: collapsed in projector mode (it still opens
        # from its arrow), and back to expanded when projector mode is switched off.
        st.set_page_config(initial_sidebar_state="collapsed" if projector else "expanded")
    st.html(LOCKED_CSS + (PROJECTOR_CSS if projector else ""))
    if projector:
        # On a projector the score shares the title row and the lesson controls fold away, so the
        # case and its narrative fit on a 1280x720 screen.
        title, score, switch = st.columns([2, 4, 2], vertical_alignment="center")
        score.markdown(_lesson_text())
        controls = st.expander("Lesson and case filters")
    else:
        title, switch = st.columns([3, 1], vertical_alignment="bottom")
        controls = st.container()
    title.title("Trainer")
    switch.toggle("Projector mode", key=keys.TR_PROJECTOR, on_change=_projector_switched,
                  help="Large type and the sidebar collapsed, for a classroom screen")
    with controls:
        if projector:
            _new_lesson_button()
        else:
            text, button = st.columns([4, 1], vertical_alignment="center")
            text.markdown(_lesson_text())
            with button:
                _new_lesson_button()
        left, right = st.columns(2)
    library = case_library(str(CASES_DIR))
    numbers = numbering(str(CASES_DIR))
    topics = [t for t in ruleset.topics if any(t.id in c.topics for c in library.values())]
    chosen_topics = left.multiselect("Topics", [t.id for t in topics], format_func=ruleset.topic_title,
                                     key=keys.TR_TOPICS, placeholder="All topics")
    levels = right.multiselect("Difficulty", ["introductory", "intermediate", "advanced"], key=keys.TR_LEVELS,
                               placeholder="All levels")
    shown = sorted((k for k, c in library.items()
                    if (not chosen_topics or set(chosen_topics) & set(c.topics))
                    and (not levels or c.difficulty in levels)), key=numbers.__getitem__)
    if not shown:
        st.warning("No case matches these filters.")
        return
    key = st.selectbox(f"Case ({len(shown)} match)", shown, key=keys.TR_CASE,
                       format_func=lambda k: _label(numbers[k], library[k], ruleset))
    case = library[key]
    _presenter(_label(numbers[key], case, ruleset), case, ruleset, projector)

    locked: dict[str, str | None] | None = st.session_state.get(keys.locked(key))
    st.header("Predict")
    st.caption("For each topic, what the screening will show: its most severe finding, \"no finding\", or "
               "\"not assessed\" if a question it needs was left open. Predictions lock at the reveal.")
    for topic in case.topics:
        widget = keys.prediction(key, topic)
        if locked is not None:
            st.session_state[widget] = locked.get(topic)      # shown as locked, even after a case switch
            st.radio(ruleset.topic_title(topic), PREDICTIONS, horizontal=True, key=widget, disabled=True)
        else:
            st.radio(ruleset.topic_title(topic), PREDICTIONS, index=None, horizontal=True, key=widget)
    if locked is None:
        missing = [t for t in case.topics if st.session_state.get(keys.prediction(key, t)) is None]
        st.button("Reveal", type="primary", key=keys.reveal_button(key), disabled=bool(missing),
                  help="Predict every topic first" if missing else None, on_click=_lock, args=(key, case, ruleset))
        return

    st.caption(":material/lock: Predictions locked at the reveal.")
    _reveal(key, case, ruleset, locked)
    following = shown[shown.index(key) + 1] if shown.index(key) + 1 < len(shown) else None
    st.button("Next case", key=keys.next_case_button(key), disabled=following is None, on_click=_next_case,
              args=(following,))
