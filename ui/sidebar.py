"""The sidebar: screening date, loading a case file, starting again. Callbacks run before the page."""

from __future__ import annotations

from datetime import date

import streamlit as st

from screening.answers import parse_date
from screening.case_file import parse_case
from screening.errors import InputError
from screening.report import md_escape
from screening.ruleset import RuleSet

from . import keys
from .common import DATE_RANGE, reset_answers
from .fhir_import import fhir_import_panel, remember_case_provenance
from .state import case_widget_values, prefixed_keys


def on_case_upload(ruleset: RuleSet) -> None:
    upload = st.session_state.get(keys.CASE_UPLOAD)
    if upload is None:
        return
    try:
        case = parse_case(upload.getvalue().decode("utf-8"), upload.name)   # bounded: see screening/limits.py
    except (RecursionError, MemoryError, OverflowError):   # a bound missed: refuse, never take the server down
        st.session_state[keys.CASE_MESSAGE] = ("error", f"{upload.name}: cannot be read; nothing was loaded.")
        return
    except UnicodeDecodeError:
        st.session_state[keys.CASE_MESSAGE] = ("error", f"{upload.name}: not UTF-8 text; nothing was loaded.")
        return
    except InputError as exc:
        st.session_state[keys.CASE_MESSAGE] = ("error", "Nothing was loaded; your answers are unchanged.\n\n"
                                                        f"{exc.report()}")
        return
    values, problems = case_widget_values(ruleset, case)
    reset_answers(keys.ANSWER_PREFIX)
    for qid, value in values.items():
        st.session_state[keys.answer(qid)] = value
    st.session_state[keys.SCREENING_DATE] = case.screening_date
    st.session_state[keys.MED_TEXT] = "\n".join(case.medication_lines() or [])
    st.session_state[keys.LOAD_PROBLEMS] = problems
    remember_case_provenance(case)
    note = f"Loaded {upload.name}: {len(values)} answers, screening date {case.screening_date.isoformat()}."
    if problems:
        note += f" {len(problems)} answer(s) could not be loaded; see the marked questions."
    st.session_state[keys.CASE_MESSAGE] = ("warning" if problems else "success", note)


def on_new_screening() -> None:
    for prefix in keys.ANSWER_PREFIXES:
        reset_answers(prefix)
    for key in prefixed_keys(st.session_state, (keys.RESOLUTION_PREFIX, keys.DOUBLE_CHECK_PREFIX)):
        del st.session_state[key]
    st.session_state[keys.MED_TEXT] = ""
    st.session_state[keys.LOAD_PROBLEMS] = {}
    st.session_state.pop(keys.RECORD_PROVENANCE, None)
    st.session_state.pop(keys.SHOW_ALL_FINDINGS, None)
    st.session_state[keys.CASE_MESSAGE] = ("success", "Started a new screening: all answers cleared.")


def on_screening_date_typed() -> None:
    """Use the typed date only if it is a real calendar date in range; otherwise keep the date in use,
    keep what was typed in the field, and say so there."""
    text = str(st.session_state.get(keys.SCREENING_DATE_TEXT) or "").strip()
    current: date = st.session_state[keys.SCREENING_DATE]
    try:
        day = parse_date(text)
        if not DATE_RANGE[0] <= day <= DATE_RANGE[1]:
            raise ValueError(f"{day.isoformat()} is outside {DATE_RANGE[0].year}-{DATE_RANGE[1].year}")
    except ValueError as exc:
        st.session_state[keys.SCREENING_DATE_PROBLEM] = (f"{exc}; the screening date in use is still "
                                                         f"{current.isoformat()}")
        return
    st.session_state.pop(keys.SCREENING_DATE_PROBLEM, None)
    st.session_state[keys.SCREENING_DATE] = day
    st.session_state[keys.SCREENING_DATE_SYNCED] = day


def screening_date_field() -> None:
    """The screening date as text (YYYY-MM-DD): an impossible date is refused, never moved to a real one."""
    current: date = st.session_state[keys.SCREENING_DATE]
    if (st.session_state.get(keys.SCREENING_DATE_SYNCED) != current         # set elsewhere
            or keys.SCREENING_DATE_TEXT not in st.session_state):
        st.session_state[keys.SCREENING_DATE_TEXT] = current.isoformat()
        st.session_state[keys.SCREENING_DATE_SYNCED] = current
        st.session_state.pop(keys.SCREENING_DATE_PROBLEM, None)
    st.text_input("Screening date", key=keys.SCREENING_DATE_TEXT, on_change=on_screening_date_typed, max_chars=10,
                  placeholder="YYYY-MM-DD", autocomplete="off",
                  help="YYYY-MM-DD. Intervals count from this date, never from the clock, so a screening is "
                       "reproducible.")
    if keys.SCREENING_DATE_PROBLEM in st.session_state:
        st.error(f"**Not used:** {md_escape(st.session_state[keys.SCREENING_DATE_PROBLEM])}.", icon=":material/block:")


def has_answers() -> bool:
    return any(isinstance(k, str) and k.startswith(keys.ANSWER_PREFIXES) and v not in (None, "")
               for k, v in st.session_state.items()) or bool(str(st.session_state.get(keys.MED_TEXT) or "").strip())


MODES = ("Screening", "Pharmacist double-check", "Trainer")


def sidebar(ruleset: RuleSet) -> str:
    """Lay out the sidebar; return the chosen mode."""
    with st.sidebar:
        mode = st.radio("Mode", MODES, key=keys.MODE, help="Screening: answer the checklist. Pharmacist double-check: "
                        "answer it again without seeing the first answers, then compare. Trainer: teaching cases.")
        if mode == MODES[2]:
            st.caption(ruleset.meta.purpose)
            return str(mode)
        st.header("Screening", anchor=False)
        screening_date_field()
        if mode == MODES[0]:    # the double-check page has its own, single upload place (a record)
            st.file_uploader("Load a case file (YAML or JSON)", type=["yaml", "yml", "json"], key=keys.CASE_UPLOAD,
                             on_change=on_case_upload, args=(ruleset,), max_upload_size=1)
        message = st.session_state.get(keys.CASE_MESSAGE)
        if message:
            {"error": st.error, "warning": st.warning, "success": st.success}[message[0]](md_escape(message[1]))
        if mode == MODES[0]:
            fhir_import_panel(ruleset)
        # Always asks first: it discards every answer and the list. (An answer reruns only parts of the
        # page, not the sidebar, so the sidebar cannot know whether there is anything to lose.)
        with st.popover("Start a new screening", width="stretch", icon=":material/restart_alt:"):
            st.markdown("This clears every answer and the medication list, in both checklists. Download "
                        "the answers first if you need them.")
            st.button("Discard the answers and start again", on_click=on_new_screening, type="primary",
                      key=keys.NEW_SCREENING_CONFIRM, width="stretch")
        st.divider()
        st.caption(f"Rule set {ruleset.meta.name} {ruleset.version}")
        st.caption(ruleset.meta.purpose)
    return str(mode)
