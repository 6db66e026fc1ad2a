"""Pharmacist double-check: verify a record, answer the checklist blind, compare, resolve, combine."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from screening.app_state import PREFIX, SECOND_PREFIX, case_widget_values, clear_answers, widget_key
from screening.double_check import Comparison, combine, compare
from screening.errors import InputError
from screening.limits import list_problems
from screening.medications import split_lines
from screening.record import rescreen, verify_record
from screening.report import md_escape
from screening.ruleset import RuleSet

from .checklist import checklist
from .common import ahead_for, evaluate, evaluate_raw, safe_md
from .findings import findings_panel
from .summary import downloads

CHANGE_WORDS = {"new": "New with the current rules", "removed": "No longer found", "changed": "Changed"}


def _on_record_upload(ruleset: RuleSet) -> None:
    upload = st.session_state.get("dc_record_upload")
    st.session_state.pop("dc_verification", None)
    if upload is None:
        return
    try:
        check = verify_record(upload.getvalue().decode("utf-8"), ruleset, upload.name)
    except (InputError, UnicodeDecodeError) as exc:
        st.session_state["dc_record_error"] = exc.report() if isinstance(exc, InputError) else \
            f"{upload.name}: not UTF-8 text; this is not a screening record."
        return
    st.session_state.pop("dc_record_error", None)
    st.session_state["dc_verification"] = check


def _use_record_as_first(ruleset: RuleSet) -> None:
    record = st.session_state["dc_verification"].record
    clear_answers(st.session_state, PREFIX)
    values, _ = case_widget_values(ruleset, record)   # an unknown question or unreadable value is skipped, not raised
    for qid, value in values.items():
        st.session_state[widget_key(qid)] = value
    st.session_state["med_text"] = "\n".join(record.medications or [])
    st.session_state["screening_date"] = record.screening_date
    st.session_state["dc_message"] = "The record's answers are now the first screening (still hidden)."


def record_section(ruleset: RuleSet) -> None:
    with st.expander("Check a screening record (JSON)", expanded="dc_verification" in st.session_state):
        st.file_uploader("Screening record", type=["json"], key="dc_record_upload", on_change=_on_record_upload,
                         args=(ruleset,))
        if "dc_record_error" in st.session_state:
            st.error(md_escape(st.session_state["dc_record_error"]), icon=":material/block:")
        check = st.session_state.get("dc_verification")
        if check is None:
            return
        if not check.trusted:
            st.error("**UNTRUSTED RECORD.** " + md_escape(" ".join(check.messages)), icon=":material/gpp_bad:")
            return
        (st.success if check.green else st.warning)(md_escape(" ".join(check.messages)),
                                                           icon=":material/verified:")
        again = rescreen(check.record, ruleset)
        if again.changes:
            st.markdown("**Re-screened with the current rules:**")
            st.dataframe(pd.DataFrame([{
                "Change": CHANGE_WORDS[c.change], "Rule": c.rule_id,
                "In the record": f"{c.before.severity}: {c.before.summary}" if c.before else "",
                "Now": f"{c.after.severity}: {c.after.summary}" if c.after else ""} for c in again.changes]),
                hide_index=True, use_container_width=True)
        else:
            st.markdown("Re-screened with the current rules: **the same findings.**")
        st.button("Use this record as the first screening", on_click=_use_record_as_first, args=(ruleset,))


def _comparison_table(comparisons: list[Comparison]) -> None:
    frame = pd.DataFrame([{"Question": c.prompt, "First check": c.first or "not answered",
                           "Second check": c.second or "not answered",
                           "Status": "agree" if c.agree else "DISAGREE"} for c in comparisons])
    styled = frame.style.apply(lambda row: ["background-color: #fde2e1; font-weight: 600" if row["Status"] ==
                                            "DISAGREE" else "" for _ in row], axis=1)
    st.dataframe(styled, hide_index=True, use_container_width=True)


def double_check_page(ruleset: RuleSet) -> None:
    st.title("Pharmacist double-check")
    st.markdown("Answer the checklist yourself **without looking at the first answers**. The two are compared "
                "only when you ask; every disagreement must be resolved before a combined summary is made.")
    record_section(ruleset)
    if "dc_message" in st.session_state:
        st.success(st.session_state.pop("dc_message"))
    screening_date: date = st.session_state["screening_date"]
    text = st.session_state.get("med_text") or ""
    medications = split_lines(text) if text.strip() else None
    if medications and list_problems(medications):   # too long to read: its facts stay unknown, as on the Screening page
        st.error(md_escape("The medication list was not read: " + "; ".join(list_problems(medications))),
                 icon=":material/block:")
        medications = None
    first = evaluate(ruleset, screening_date, medications, PREFIX)
    if first.result.answered == 0:
        st.warning("There is no first screening yet: answer it in Screening mode, or load a case file or a "
                   "screening record.", icon=":material/info:")
    else:
        st.info(f"First screening on record: {first.result.answered} answers and {len(first.result.findings)} "
                "findings, hidden until you compare. The medication list is shared by both checks.",
                icon=":material/visibility_off:")
    second = evaluate(ruleset, screening_date, medications, SECOND_PREFIX)
    st.header("Your independent checklist")
    checklist(ruleset, set(second.visible), {p.field: p.message for p in second.problems}, prefix=SECOND_PREFIX)
    st.button("Compare with the first screening", type="primary", key="dc_compare_button",
              on_click=lambda: st.session_state.update(dc_compared=True))
    if not st.session_state.get("dc_compared"):
        return
    st.header("Side by side")
    comparisons = compare(ruleset, first.raw, second.raw, screening_date)
    disagreements = [c for c in comparisons if not c.agree]
    st.markdown(f"**{len(comparisons) - len(disagreements)} agree, {len(disagreements)} disagree.**")
    _comparison_table(comparisons)
    for c in disagreements:
        st.radio(f"Resolve: {c.prompt}", ("first", "second"), index=None, key=f"res_{c.question_id}", horizontal=True,
                 format_func=lambda side, c=c: f"{side.capitalize()} check: {getattr(c, side) or 'not answered'}")
    resolutions = {c.question_id: st.session_state.get(f"res_{c.question_id}") for c in disagreements}
    unresolved = [qid for qid, choice in resolutions.items() if choice is None]
    if unresolved:
        st.warning(f"{len(unresolved)} disagreement(s) to resolve before the combined summary.",
                   icon=":material/pending:")
        return
    combined = evaluate_raw(ruleset, screening_date, medications,
                            combine(first.raw, second.raw, comparisons, resolutions))
    st.success("Every disagreement is resolved. Combined summary:", icon=":material/task_alt:")
    findings_panel(combined.result, ruleset, ahead_for(ruleset, combined), key_prefix="comb_",
                   heading="Combined findings")
    st.markdown(safe_md(f"*{ruleset.meta.purpose}*"))
    downloads(ruleset, combined, key_prefix="comb_")
