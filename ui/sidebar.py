"""The sidebar: screening date, loading a case file, starting again. Callbacks run before the page."""

from __future__ import annotations

import streamlit as st

from screening.app_state import PREFIXES, case_widget_values, clear_answers, widget_key
from screening.case_file import parse_case
from screening.errors import InputError
from screening.report import md_escape
from screening.ruleset import RuleSet

from .common import DATE_RANGE
from .fhir_import import PROVENANCE, fhir_import_panel, remember_case_provenance


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
    clear_answers(st.session_state)
    for qid, value in values.items():
        st.session_state[widget_key(qid)] = value
    st.session_state["screening_date"] = case.screening_date
    st.session_state["med_text"] = "\n".join(case.medication_lines() or [])
    st.session_state["load_problems"] = problems
    remember_case_provenance(case)
    note = f"Loaded {upload.name}: {len(values)} answers, screening date {case.screening_date.isoformat()}."
    if problems:
        note += f" {len(problems)} answer(s) could not be loaded; see the marked questions."
    st.session_state["case_message"] = ("warning" if problems else "success", note)


def on_new_screening() -> None:
    for prefix in PREFIXES:
        clear_answers(st.session_state, prefix)
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(("res_", "dc_"))]:
        del st.session_state[key]
    st.session_state["med_text"] = ""
    st.session_state["load_problems"] = {}
    st.session_state.pop(PROVENANCE, None)
    st.session_state["case_message"] = ("success", "Started a new screening: all answers cleared.")


MODES = ("Screening", "Pharmacist double-check", "Trainer")


def sidebar(ruleset: RuleSet) -> str:
    """Lay out the sidebar; return the chosen mode."""
    with st.sidebar:
        mode = st.radio("Mode", MODES, key="mode", help="Screening: answer the checklist. Pharmacist double-check: "
                        "answer it again without seeing the first answers, then compare. Trainer: teaching cases.")
        if mode == MODES[2]:
            st.caption(ruleset.meta.purpose)
            return str(mode)
        st.header("Screening")
        st.date_input("Screening date", key="screening_date", format="YYYY-MM-DD",
                      min_value=DATE_RANGE[0], max_value=DATE_RANGE[1],
                      help="Intervals count from this date, never from the clock, so a screening is reproducible.")
        st.file_uploader("Load a case file (YAML or JSON)", type=["yaml", "yml", "json"], key="case_upload",
                         on_change=on_case_upload, args=(ruleset,), max_upload_size=1)
        message = st.session_state.get("case_message")
        if message:
            {"error": st.error, "warning": st.warning, "success": st.success}[message[0]](md_escape(message[1]))
        fhir_import_panel(ruleset)
        st.button("Start a new screening", on_click=on_new_screening, use_container_width=True)
        st.divider()
        st.caption(f"Rule set {ruleset.meta.name} {ruleset.version}")
        st.caption(ruleset.meta.purpose)
    return str(mode)
