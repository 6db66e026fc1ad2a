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
from .fhir_import import PROVENANCE, fhir_import_panel, remember_case_provenance
from .state import case_widget_values

DATE_TEXT = "screening_date_text"      # the field as typed; "screening_date" holds the date in use
DATE_SYNCED = "screening_date_synced"  # the date the field last showed, to notice a date set elsewhere
DATE_PROBLEM = "screening_date_problem"


def on_case_upload(ruleset: RuleSet) -> None:
    upload = st.session_state.get("case_upload")
    if upload is None:
        return
    try:
        case = parse_case(upload.getvalue().decode("utf-8"), upload.name)   # bounded: see screening/limits.py
    except (RecursionError, MemoryError, OverflowError):   # a bound missed: refuse, never take the server down
        st.session_state["case_message"] = ("error", f"{upload.name}: cannot be read; nothing was loaded.")
        return
    except UnicodeDecodeError:
        st.session_state["case_message"] = ("error", f"{upload.name}: not UTF-8 text; nothing was loaded.")
        return
    except InputError as exc:
        st.session_state["case_message"] = ("error", f"Nothing was loaded; your answers are unchanged.\n\n{exc.report()}")
        return
    values, problems = case_widget_values(ruleset, case)
    reset_answers(keys.ANSWER_PREFIX)
    for qid, value in values.items():
        st.session_state[keys.answer(qid)] = value
    st.session_state["screening_date"] = case.screening_date
    st.session_state["med_text"] = "\n".join(case.medication_lines() or [])
    st.session_state["load_problems"] = problems
    remember_case_provenance(case)
    note = f"Loaded {upload.name}: {len(values)} answers, screening date {case.screening_date.isoformat()}."
    if problems:
        note += f" {len(problems)} answer(s) could not be loaded; see the marked questions."
    st.session_state["case_message"] = ("warning" if problems else "success", note)


def on_new_screening() -> None:
    for prefix in keys.ANSWER_PREFIXES:
        reset_answers(prefix)
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(("res_", "dc_"))]:
        del st.session_state[key]
    st.session_state["med_text"] = ""
    st.session_state["load_problems"] = {}
    st.session_state.pop(PROVENANCE, None)
    st.session_state.pop("show_all_findings", None)
    st.session_state["case_message"] = ("success", "Started a new screening: all answers cleared.")


def on_screening_date_typed() -> None:
    """Use the typed date only if it is a real calendar date in range; otherwise keep the date in use,
    keep what was typed in the field, and say so there."""
    text = str(st.session_state.get(DATE_TEXT) or "").strip()
    current: date = st.session_state["screening_date"]
    try:
        day = parse_date(text)
        if not DATE_RANGE[0] <= day <= DATE_RANGE[1]:
            raise ValueError(f"{day.isoformat()} is outside {DATE_RANGE[0].year}-{DATE_RANGE[1].year}")
    except ValueError as exc:
        st.session_state[DATE_PROBLEM] = f"{exc}; the screening date in use is still {current.isoformat()}"
        return
    st.session_state.pop(DATE_PROBLEM, None)
    st.session_state["screening_date"] = day
    st.session_state[DATE_SYNCED] = day


def screening_date_field() -> None:
    """The screening date as text (YYYY-MM-DD): an impossible date is refused, never moved to a real one."""
    current: date = st.session_state["screening_date"]
    if st.session_state.get(DATE_SYNCED) != current or DATE_TEXT not in st.session_state:   # set elsewhere
        st.session_state[DATE_TEXT] = current.isoformat()
        st.session_state[DATE_SYNCED] = current
        st.session_state.pop(DATE_PROBLEM, None)
    st.text_input("Screening date", key=DATE_TEXT, on_change=on_screening_date_typed, max_chars=10,
                  placeholder="YYYY-MM-DD", autocomplete="off",
                  help="YYYY-MM-DD. Intervals count from this date, never from the clock, so a screening is "
                       "reproducible.")
    if DATE_PROBLEM in st.session_state:
        st.error(f"**Not used:** {md_escape(st.session_state[DATE_PROBLEM])}.", icon=":material/block:")


def has_answers() -> bool:
    return any(isinstance(k, str) and k.startswith(keys.ANSWER_PREFIXES) and v not in (None, "")
               for k, v in st.session_state.items()) or bool(str(st.session_state.get("med_text") or "").strip())


MODES = ("Screening", "Pharmacist double-check", "Trainer")


def sidebar(ruleset: RuleSet) -> str:
    """Lay out the sidebar; return the chosen mode."""
    with st.sidebar:
        mode = st.radio("Mode", MODES, key="mode", help="Screening: answer the checklist. Pharmacist double-check: "
                        "answer it again without seeing the first answers, then compare. Trainer: teaching cases.")
        if mode == MODES[2]:
            st.caption(ruleset.meta.purpose)
            return str(mode)
        st.header("Screening", anchor=False)
        screening_date_field()
        if mode == MODES[0]:    # the double-check page has its own, single upload place (a record)
            st.file_uploader("Load a case file (YAML or JSON)", type=["yaml", "yml", "json"], key="case_upload",
                             on_change=on_case_upload, args=(ruleset,), max_upload_size=1)
        message = st.session_state.get("case_message")
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
                      key="new_screening_confirm", width="stretch")
        st.divider()
        st.caption(f"Rule set {ruleset.meta.name} {ruleset.version}")
        st.caption(ruleset.meta.purpose)
    return str(mode)
