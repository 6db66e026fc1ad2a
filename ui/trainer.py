"""Trainer mode: pick a teaching case, present it, let trainees predict, then reveal and score."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from screening.answers import answer_label, parse_answers
from screening.case_file import CaseFile, load_case
from screening.engine import screen_case
from screening.report import md_escape
from screening.ruleset import RuleSet
from screening.teaching import NO_FINDING, PREDICTIONS, score_predictions

from .common import ICONS, safe_md

CASES_DIR = Path(__file__).resolve().parents[1] / "cases"


@st.cache_resource(show_spinner=False)
def case_library(folder: str) -> dict[str, CaseFile]:
    """The teaching cases, read once per process (they are the golden tests too)."""
    return {p.stem: load_case(p) for p in sorted(Path(folder).glob("*.yaml"))}


def _label(number: int, case: CaseFile, ruleset: RuleSet) -> str:
    """A neutral name for a case: its title states the answer, so students see it only at the reveal."""
    return f"Case {number}: {', '.join(ruleset.topic_title(t) for t in case.topics)} ({case.difficulty})"


def _presenter(label: str, case: CaseFile, ruleset: RuleSet) -> None:
    with st.container(border=True):
        st.header(label)
        st.markdown(f"### {md_escape(case.narrative or '')}")
        lines = [line for line in case.medication_lines() or [] if line.strip()]
        if lines:
            st.markdown("**Medication list**\n" + "\n".join(f"- {md_escape(line)}" for line in lines))
    answers, _ = parse_answers(ruleset, case.answers, case.screening_date)
    with st.expander("Case facts: the checklist answers behind the narrative"):
        st.dataframe(pd.DataFrame([{"Question": ruleset.question(q).question.prompt,
                                    "Answer": answer_label(ruleset.question(q), v)} for q, v in answers.items()]),
                     hide_index=True, width="stretch")
        st.caption(f"Screening date {case.screening_date.isoformat()}")


def trainer_page(ruleset: RuleSet) -> None:
    st.title("Trainer")
    library = case_library(str(CASES_DIR))
    topics = [t for t in ruleset.topics if any(t.id in c.topics for c in library.values())]
    left, right = st.columns(2)
    chosen_topics = left.multiselect("Topics", [t.id for t in topics], format_func=ruleset.topic_title,
                                     key="tr_topics", placeholder="All topics")
    levels = right.multiselect("Difficulty", ["introductory", "intermediate", "advanced"], key="tr_levels",
                               placeholder="All levels")
    shown = [k for k, c in library.items()
             if (not chosen_topics or set(chosen_topics) & set(c.topics))
             and (not levels or c.difficulty in levels)]
    if not shown:
        st.warning("No case matches these filters.")
        return
    numbers = {k: i for i, k in enumerate(library, start=1)}
    key = st.selectbox(f"Case ({len(shown)} match)", shown, key="tr_case",
                       format_func=lambda k: _label(numbers[k], library[k], ruleset))
    case = library[key]
    _presenter(_label(numbers[key], case, ruleset), case, ruleset)

    st.header("Predict")
    st.caption("For each topic, the most severe finding you expect. Predictions stay yours until the reveal.")
    for topic in case.topics:
        st.radio(ruleset.topic_title(topic), PREDICTIONS, index=None, horizontal=True, key=f"pred_{key}_{topic}")
    predictions = {t: st.session_state.get(f"pred_{key}_{t}") for t in case.topics}
    missing = [t for t, p in predictions.items() if p is None]
    st.button("Reveal", type="primary", key=f"reveal_button_{key}", disabled=bool(missing),
              help="Predict every topic first" if missing else None,
              on_click=lambda: st.session_state.update({f"revealed_{key}": True}))
    if not st.session_state.get(f"revealed_{key}"):
        return

    result = screen_case(ruleset, case)
    scored = score_predictions(result, predictions)
    st.header(f"Reveal: {sum(s.correct for s in scored)} of {len(scored)} topics predicted correctly")
    st.markdown(f"**The point of this case:** {md_escape(case.title or '')}")
    for s in scored:
        mark = ":material/check_circle: Correct" if s.correct else ":material/cancel: Not quite"
        st.subheader(f"{ruleset.topic_title(s.topic)}: {mark}")
        st.markdown(f"You predicted **{s.predicted}**; the engine found **{s.actual}**.")
        for f in s.findings:
            label = ruleset.meta.severities[f.severity].label.upper()
            st.markdown(safe_md(f"{ICONS[f.severity]} **{label}: {f.title}.** {f.summary}\n\n"
                                f"*Why:* {f.why}\n\n*Sources:* " + "; ".join(src.cite for src in f.sources)))
        if s.actual == NO_FINDING:
            st.markdown(safe_md(ruleset.meta.no_findings_note))
