"""LDN safety screening: the Streamlit page. It lays out widgets and calls screening/; no medicine here."""

from __future__ import annotations

import os
from datetime import date
from typing import Any

import streamlit as st

from screening.answers import parse_answers
from screening.app_state import (case_widget_values, clear_answers, default_screening_date, keep_hidden_answers,
                                 raw_answers, widget_key)
from screening.case_file import case_to_yaml, parse_case
from screening.engine import applicable_answers, screen
from screening.errors import InputError, RuleSetError
from screening.loader import DEFAULT_RULES_DIR, load_ruleset
from screening.report import clinician_markdown, markdown_header, patient_markdown, render_html, render_markdown
from screening.result_models import Finding, ScreeningResult
from screening.ruleset import CompiledQuestion, RuleSet

ICONS = {"critical": ":material/dangerous:", "warning": ":material/warning:", "info": ":material/info:"}
BOX = {"critical": st.error, "warning": st.warning, "info": st.info}
DATE_RANGE = (date(1900, 1, 1), date(2100, 12, 31))


@st.cache_resource(show_spinner=False)
def cached_ruleset(rules_dir: str) -> RuleSet:
    """Parsed, validated and compiled once per process and folder; frozen, so sessions can share it."""
    return load_ruleset(rules_dir)


def safe_md(text: str) -> str:
    """Streamlit reads $...$ as maths; clinical text uses $ for money."""
    return text.replace("$", "\\$")


# ---- state ----------------------------------------------------------------------------------------

def on_case_upload(ruleset: RuleSet) -> None:
    upload = st.session_state.get("case_upload")
    if upload is None:
        return
    try:
        case = parse_case(upload.getvalue().decode("utf-8"), upload.name)
    except UnicodeDecodeError:
        st.session_state["case_message"] = ("error", f"{upload.name}: not UTF-8 text; nothing was loaded.")
        return
    except InputError as exc:
        st.session_state["case_message"] = ("error", f"Nothing was loaded; your answers are unchanged.\n\n{exc.report()}")
        return
    values, problems = case_widget_values(ruleset, case)
    clear_answers(st.session_state)
    for qid, value in values.items():
        st.session_state[widget_key(qid)] = value
    st.session_state["screening_date"] = case.screening_date
    st.session_state["load_problems"] = problems
    note = f"Loaded {upload.name}: {len(values)} answers, screening date {case.screening_date.isoformat()}."
    if problems:
        note += f" {len(problems)} answer(s) could not be loaded; see the marked questions."
    st.session_state["case_message"] = ("warning" if problems else "success", note)


def on_new_screening() -> None:
    clear_answers(st.session_state)
    st.session_state["load_problems"] = {}
    st.session_state["case_message"] = ("success", "Started a new screening: all answers cleared.")


# ---- widgets --------------------------------------------------------------------------------------

def question_widget(cq: CompiledQuestion) -> None:
    q, key = cq.question, widget_key(cq.question.id)
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


def checklist(ruleset: RuleSet, visible: set[str], problems: dict[str, str]) -> None:
    load_problems: dict[str, str] = st.session_state.get("load_problems", {})
    for topic in ruleset.topics:
        questions = [cq for cq in ruleset.questions if cq.topic == topic.id and cq.question.id in visible]
        with st.container(border=True):
            st.subheader(topic.title)
            if topic.intro:
                st.caption(topic.intro)
            for cq in questions:
                qid = cq.question.id
                question_widget(cq)
                if qid in problems:
                    st.error(f"**Not used:** {problems[qid]}", icon=":material/block:")
                elif qid in load_problems and st.session_state.get(widget_key(qid)) is None:
                    st.warning(load_problems[qid], icon=":material/description:")


def finding_card(f: Finding, ruleset: RuleSet) -> None:
    label = ruleset.meta.severities[f.severity].label
    BOX[f.severity](f"**{label.upper()}: {f.title}**\n\n{safe_md(f.summary)}", icon=ICONS[f.severity])
    with st.expander(f"Why, what to discuss, sources: {f.title}"):
        body = [f"**Triggered by:** " + "; ".join(f"{t.prompt} — *{t.answer}*" for t in f.triggered_by)
                if f.triggered_by else "", f"**Why it matters:** {f.why}"]
        if f.sources_disagree:
            body.append(f"**Where sources disagree:** {f.sources_disagree}")
        body.append("**To discuss:**\n" + "\n".join(f"- {d}" for d in f.discuss))
        body.append(f"**What would change this:** {f.would_change}")
        body.append("**Sources:**\n" + "\n".join(f"- {s.cite}" for s in f.sources))
        st.markdown(safe_md("\n\n".join(b for b in body if b)))


def findings_panel(result: ScreeningResult, ruleset: RuleSet) -> None:
    st.header("Findings")
    counts = " · ".join(f"{ICONS[s]} {len(result.by_severity(s))} {ruleset.meta.severities[s].label.lower()}"
                        for s in ("critical", "warning", "info"))
    st.markdown(counts)
    if not result.findings:
        st.info(ruleset.meta.no_findings_note, icon=":material/check_circle:")
    for f in result.findings:
        finding_card(f, ruleset)
    title = f"Not assessed: {len(result.not_assessed)} question(s)"
    with st.expander(title, expanded=bool(result.not_assessed) and not result.findings):
        if result.not_assessed:
            st.caption(ruleset.meta.not_assessed_note)
            st.markdown("\n".join(f"- {ruleset.topic_title(n.topic)}: {n.prompt}" for n in result.not_assessed))
        else:
            st.markdown("Every applicable question was answered.")


def summary_section(result: ScreeningResult, ruleset: RuleSet, answers: dict[str, Any]) -> None:
    st.header("Summary for discussion")
    st.caption(f"Screening date {result.screening_date.isoformat()} · {result.ruleset.name} "
               f"{result.ruleset.version} · SHA-256 {result.ruleset.sha256}")
    clinician, patient = st.tabs(["Clinician view", "Patient discussion view"])
    with clinician:
        st.markdown(safe_md(clinician_markdown(result, ruleset, "####")))
    with patient:
        st.markdown(safe_md(patient_markdown(result, ruleset, "####")))
    stamp = result.screening_date.isoformat()
    left, middle, right = st.columns(3)
    left.download_button("Download summary (Markdown)", data=lambda: render_markdown(result, ruleset),
                         file_name=f"ldn-screening-{stamp}.md", mime="text/markdown", on_click="ignore")
    middle.download_button("Download summary (printable HTML)", data=lambda: render_html(result, ruleset),
                           file_name=f"ldn-screening-{stamp}.html", mime="text/html", on_click="ignore")
    right.download_button("Download answers (case file)", data=lambda: case_to_yaml(result.screening_date, answers),
                          file_name=f"ldn-case-{stamp}.yaml", mime="application/yaml", on_click="ignore")


def sidebar(ruleset: RuleSet) -> None:
    with st.sidebar:
        st.header("Screening")
        st.date_input("Screening date", key="screening_date", format="YYYY-MM-DD",
                      min_value=DATE_RANGE[0], max_value=DATE_RANGE[1],
                      help="Intervals count from this date, never from the clock, so a screening is reproducible.")
        st.file_uploader("Load a case file (YAML or JSON)", type=["yaml", "yml", "json"], key="case_upload",
                         on_change=on_case_upload, args=(ruleset,))
        message = st.session_state.get("case_message")
        if message:
            {"error": st.error, "warning": st.warning, "success": st.success}[message[0]](message[1])
        st.button("Start a new screening", on_click=on_new_screening, use_container_width=True)
        st.divider()
        st.caption(f"Rule set {ruleset.meta.name} {ruleset.version}")
        st.caption(ruleset.meta.purpose)


def main() -> None:
    st.set_page_config(page_title="LDN safety screening", page_icon=":material/medication:", layout="wide")
    try:
        ruleset = cached_ruleset(os.environ.get("LDN_RULES_DIR", str(DEFAULT_RULES_DIR)))
    except RuleSetError as exc:
        st.title("LDN safety screening")
        st.error("The rule files are invalid, so no screening is possible. Nothing below would be complete "
                 "or safe to rely on; fix the rule files and reload.", icon=":material/dangerous:")
        st.code(exc.report(), language=None)
        st.stop()
    st.session_state.setdefault("screening_date", default_screening_date())
    keep_hidden_answers(st.session_state)
    sidebar(ruleset)

    screening_date: date = st.session_state["screening_date"]
    raw = raw_answers(st.session_state, ruleset)
    answers, problems = parse_answers(ruleset, raw, screening_date, field_prefix="")
    visible, _ = applicable_answers(ruleset, answers, screening_date)
    result = screen(ruleset, answers, screening_date)

    st.title("LDN safety screening")
    st.markdown(f"**{ruleset.meta.purpose}**")
    st.progress(result.answered / result.applicable if result.applicable else 0.0,
                text=f"{result.answered} of {result.applicable} applicable questions answered")
    left, right = st.columns([3, 2], gap="large")
    with left:
        checklist(ruleset, set(visible), {p.field: p.message for p in problems})
    with right:
        findings_panel(result, ruleset)
    summary_section(result, ruleset, {k: v for k, v in raw.items() if v is not None})


main()
