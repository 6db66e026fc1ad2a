"""Pharmacist double-check: verify a record, answer the checklist blind, compare, resolve, combine."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from screening.double_check import Choice, combine, compare
from screening.errors import InputError
from screening.limits import list_problems
from screening.medications import split_lines
from screening.record import NotARecord, ScreeningRecord, Verification, rescreen, verify_record
from screening.report import md_escape
from screening.ruleset import RuleSet

from . import keys
from .checklist import checklist
from .common import ahead_for, evaluate, reset_answers, safe_md
from .findings import findings_panel
from .medications import medication_table
from .state import case_widget_values, prefixed_keys
from .summary import downloads

CHANGE_WORDS = {"new": "New with the current rules", "removed": "No longer found", "changed": "Changed"}
# How an untrusted record is headed, by what verify_record found (screening/record.py).
UNTRUSTED = {
    "changed": "CHANGED AFTER IT WAS WRITTEN: untrusted record.",
    "unsigned": "UNSIGNED: not trusted where this installation signs its records.",
    "old_format": "OLD FORMAT, HASH ONLY: not trusted where this installation signs its records.",
    "key_missing": "SIGNED, BUT THE SIGNATURE CANNOT BE CHECKED HERE (no key configured).",
    "other_key": "SIGNED WITH ANOTHER KEY: the signature cannot be checked here.",
}


def _clear_previous_record() -> None:
    """A new file replaces everything that came from the previous one: its check, the first answers it
    supplied, the second check, the comparison and its resolutions."""
    for key in (keys.DC_VERIFICATION, keys.DC_RECORD_ERROR, keys.DC_NOT_RECORD, keys.DC_COMPARED, keys.DC_MESSAGE):
        st.session_state.pop(key, None)
    for key in prefixed_keys(st.session_state, keys.RESOLUTION_PREFIX):
        del st.session_state[key]
    if st.session_state.pop(keys.DC_FIRST_FROM_RECORD, False):
        reset_answers(keys.ANSWER_PREFIX)
        st.session_state[keys.MED_TEXT] = ""
    reset_answers(keys.SECOND_PREFIX)


def _on_record_upload(ruleset: RuleSet) -> None:
    upload = st.session_state.get(keys.DC_RECORD_UPLOAD)
    _clear_previous_record()
    if upload is None:
        return
    try:
        text = upload.getvalue().decode("utf-8")
    except UnicodeDecodeError:
        st.session_state[keys.DC_NOT_RECORD] = f"{upload.name}: this is not a screening record (it is not UTF-8 text)."
        return
    try:
        st.session_state[keys.DC_VERIFICATION] = verify_record(text, ruleset, upload.name)
    except NotARecord as exc:                      # not a record at all: not "changed"
        st.session_state[keys.DC_NOT_RECORD] = exc.report()
    except InputError as exc:
        st.session_state[keys.DC_NOT_RECORD] = exc.report()


def _use_record_as_first(ruleset: RuleSet) -> None:
    record: ScreeningRecord = st.session_state[keys.DC_VERIFICATION].record
    reset_answers(keys.ANSWER_PREFIX)
    values, _ = case_widget_values(ruleset, record)   # an unknown question or unreadable value is skipped, not raised
    for qid, value in values.items():
        st.session_state[keys.answer(qid)] = value
    st.session_state[keys.MED_TEXT] = "\n".join(record.medications or [])
    st.session_state[keys.SCREENING_DATE] = record.screening_date
    st.session_state[keys.DC_FIRST_FROM_RECORD] = True
    st.session_state[keys.DC_MESSAGE] = "The record's answers are now the first screening (still hidden)."


def _verification(check: Verification, ruleset: RuleSet) -> None:
    if not check.trusted:
        if check.record is None:
            st.error("**NOT A SCREENING RECORD.** " + md_escape(" ".join(check.messages)) + " Nothing was loaded.",
                     icon=":material/description:")
        else:
            heading = UNTRUSTED.get(check.status, UNTRUSTED["changed"])
            st.error(f"**{heading}** " + md_escape(" ".join(check.messages)) + " Nothing from it is used.",
                     icon=":material/gpp_bad:")
        return
    # green only for a signed, checked record made with these rules; hash-only or other rules: amber
    (st.success if check.green else st.warning)(md_escape(" ".join(check.messages)), icon=":material/verified:")
    again = rescreen(check.record, ruleset)
    if again.changes:
        st.markdown("**Re-screened with the current rules:**")
        st.dataframe(pd.DataFrame([{
            "Change": CHANGE_WORDS[c.change], "Rule": c.rule_id,
            "In the record": f"{c.before.severity}: {c.before.summary}" if c.before else "",
            "Now": f"{c.after.severity}: {c.after.summary}" if c.after else ""} for c in again.changes]),
            hide_index=True, width="stretch")
    else:
        st.markdown("Re-screened with the current rules: **the same findings.**")
    if not st.session_state.get(keys.DC_FIRST_FROM_RECORD):
        st.button("Use this record as the first screening", on_click=_use_record_as_first, args=(ruleset,),
                  type="primary")


def record_section(ruleset: RuleSet) -> None:
    """The page's one upload place: a screening record (JSON)."""
    with st.container(border=True):
        st.subheader("1. The first screening", anchor=False)
        st.file_uploader("Screening record (JSON) to check", type=["json"], key=keys.DC_RECORD_UPLOAD,
                         on_change=_on_record_upload, args=(ruleset,), max_upload_size=1)
        if keys.DC_NOT_RECORD in st.session_state:
            st.error("**NOT A SCREENING RECORD.** " + md_escape(st.session_state[keys.DC_NOT_RECORD])
                     + " Nothing was loaded.", icon=":material/description:")
        check = st.session_state.get(keys.DC_VERIFICATION)
        if check is not None:
            _verification(check, ruleset)


def _comparison_table(rows: list[dict[str, str]]) -> None:
    frame = pd.DataFrame(rows)
    styled = frame.style.apply(lambda row: ["background-color: #fde2e1; font-weight: 600" if row["Status"] ==
                                            "DISAGREE" else "" for _ in row], axis=1)
    st.dataframe(styled, hide_index=True, width="stretch")


def double_check_page(ruleset: RuleSet) -> None:
    st.title("Pharmacist double-check", anchor=False)
    st.markdown("Answer the checklist yourself **without looking at the first answers**. The two are compared "
                "only when you ask, once both are complete; every disagreement must be resolved before a "
                "combined summary is made.")
    record_section(ruleset)
    if keys.DC_MESSAGE in st.session_state:
        st.success(st.session_state.pop(keys.DC_MESSAGE))
    screening_date: date = st.session_state[keys.SCREENING_DATE]
    text = st.session_state.get(keys.MED_TEXT) or ""
    medications = split_lines(text) if text.strip() else None
    if medications and list_problems(medications):   # too long to read: its facts stay unknown, as on the Screening page
        st.error(md_escape("The medication list was not read: " + "; ".join(list_problems(medications))),
                 icon=":material/block:")
        medications = None
    first = evaluate(ruleset, screening_date, medications, keys.ANSWER_PREFIX)
    if first.result.answered == 0:
        st.warning("There is no first screening yet: load a screening record above, or answer it in Screening "
                   "mode.", icon=":material/info:")
    else:
        st.info(f"First screening on record: {first.result.answered} answers and {len(first.result.findings)} "
                "findings, hidden until you compare. The medication list is shared by both checks.",
                icon=":material/visibility_off:")
    with st.expander(f"Medication list (shared, read-only): {len(medications or [])} line(s)"):
        if first.result.medications:
            medication_table(first.result.medications)
        else:
            st.markdown("No medication list was given: what a list would show is not assessed.")
    second = evaluate(ruleset, screening_date, medications, keys.SECOND_PREFIX)
    st.header("2. Your independent checklist", anchor=False)
    checklist(ruleset, set(second.visible), {p.field: p.message for p in second.problems}, prefix=keys.SECOND_PREFIX)
    questions = {cq.question.id for cq in ruleset.questions}
    open_second = sum(1 for n in second.result.not_assessed if n.question_id in questions) + len(second.problems)
    blockers = []
    if first.result.answered == 0:
        blockers.append("a first screening is loaded (none yet)")
    if open_second:
        blockers.append(f"every question of your checklist is answered ({open_second} open)")
    st.button("Compare with the first screening", type="primary", key=keys.DC_COMPARE_BUTTON, disabled=bool(blockers),
              on_click=lambda: st.session_state.update({keys.DC_COMPARED: True}))
    if blockers:
        st.caption("Compare becomes available once " + " and ".join(blockers) + ".")
        return
    if not st.session_state.get(keys.DC_COMPARED):
        return
    st.header("Side by side", anchor=False)
    comparisons = compare(first, second)
    one_sided = [c for c in comparisons if c.one_sided]
    disagreements = [c for c in comparisons if c.disagrees]
    rows = [{"Question": c.prompt, "First check": c.first or "not answered",
             "Second check": c.second or "not answered",
             "Status": "follows a disagreement above" if c.one_sided
             else ("agree" if c.agree else "DISAGREE")} for c in comparisons]
    st.markdown(f"**{len(comparisons) - len(disagreements) - len(one_sided)} agree, {len(disagreements)} "
                f"disagree.**" + (f" {len(one_sided)} question(s) are asked on one side only because of a "
                                  "disagreement; they follow its resolution." if one_sided else ""))
    _comparison_table(rows)
    for c in disagreements:
        st.radio(f"Resolve: {c.prompt}", ("first", "second"), index=None, key=keys.resolution(c.question_id),
                 horizontal=True,
                 format_func=lambda side, c=c: f"{side.capitalize()} check: {getattr(c, side) or 'not answered'}")
    resolutions: dict[str, Choice | None] = {c.question_id: st.session_state.get(keys.resolution(c.question_id))
                                             for c in disagreements}
    unresolved = [qid for qid, choice in resolutions.items() if choice is None]
    if unresolved:
        st.warning(f"{len(unresolved)} disagreement(s) to resolve before the combined summary.",
                   icon=":material/pending:")
        return
    combined = combine(first, second, comparisons, resolutions)
    st.success("Every disagreement is resolved. Combined summary:", icon=":material/task_alt:")
    findings_panel(combined.result, ruleset, ahead_for(ruleset, combined), key_prefix=keys.COMBINED,
                   heading="Combined findings")
    st.markdown(safe_md(f"*{ruleset.meta.purpose}*"))
    downloads(ruleset, combined, key_prefix=keys.COMBINED)
