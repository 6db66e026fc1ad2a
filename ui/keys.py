"""Every session-state and widget/element key the app uses, named once.

Why one registry: a key is a contract between the widget that writes it, the code that reads, resets or
scans it, the page CSS that styles its element (`.st-key-<key>`) and the tests that find it. Named here,
the whole set is visible in one place and a typo is a NameError, not a silently empty value. The core
(screening/) never knows any of them: it sees answers, never widgets. tests/test_boundaries.py holds
ui/ and app.py to this file and keeps every key out of screening/, bench/ and scripts/.

The strings themselves must not change: saved browser tests and CSS selectors depend on them.
Plain strings and small functions only; no Streamlit import.
"""

from __future__ import annotations

from typing import Literal

# --- Answers: one widget per question, keyed by a checklist's prefix and the question id --------------
ANSWER_PREFIX = "q_"            # the screening's checklist
SECOND_PREFIX = "p2_"           # the pharmacist's independent second checklist
ANSWER_PREFIXES = (ANSWER_PREFIX, SECOND_PREFIX)


def answer(question_id: str, prefix: str = ANSWER_PREFIX) -> str:
    """The widget key of one question's answer in the checklist with this prefix."""
    return prefix + question_id


# --- Values the whole page shares ----------------------------------------------------------------------
SCREENING_DATE = "screening_date"                  # the date in use (a date)
SCREENING_DATE_TEXT = "screening_date_text"        # the sidebar field as typed
SCREENING_DATE_SYNCED = "screening_date_synced"    # the date the field last showed, to notice one set elsewhere
SCREENING_DATE_PROBLEM = "screening_date_problem"  # why the typed date is not used
MED_TEXT = "med_text"                              # the medication list as typed
KEPT = (MED_TEXT, SCREENING_DATE)   # other widget values that must survive a page that does not draw them
MODE = "mode"                       # Screening, Pharmacist double-check or Trainer

# --- Sidebar: sign-in, case file, new screening --------------------------------------------------------
SIGN_IN = "sign_in"
SIGN_OUT = "sign_out"
CASE_UPLOAD = "case_upload"
CASE_MESSAGE = "case_message"       # (level, text) after a load or a new screening
LOAD_PROBLEMS = "load_problems"     # question id -> why a loaded answer could not be shown
NEW_SCREENING_CONFIRM = "new_screening_confirm"

# --- Medication list -----------------------------------------------------------------------------------
MED_TEXT_PREVIOUS = "med_text_previous"   # the list before a CSV column replaced it (for Undo)
MED_MESSAGE = "med_message"
MED_CSV = "med_csv"
MED_CSV_COLUMN = "med_csv_column"

# --- FHIR record import --------------------------------------------------------------------------------
FHIR_UPLOAD = "fhir_upload"
FHIR_PATIENT = "fhir_patient"             # the patient picked from a multi-patient file
FHIR_PENDING = "fhir_pending"             # the import waiting for confirmation (a FhirImport)
FHIR_PATIENTS = "fhir_patients"           # (resources, problems, patient ids) while a patient is picked
FHIR_MESSAGE = "fhir_message"
FHIR_APPLY = "fhir_apply"
FHIR_DISCARD = "fhir_discard"
RECORD_PROVENANCE = "record_provenance"   # question id -> evidence dicts, for answers applied from a record

# --- Screening page layout -----------------------------------------------------------------------------
# Containers: the page CSS (ui.common.PAGE_CSS) styles them as .st-key-findings_strip / .st-key-findings_panel.
FINDINGS_STRIP = "findings_strip"         # phones only: the findings at a glance
FINDINGS_PANEL = "findings_panel"         # wide screens: the sticky findings column
# Fragments: what st.rerun(fragments) names. Ids, not session-state values.
FINDINGS_FRAGMENT = "findings"
STRIP_FRAGMENT = "strip"
PROGRESS_FRAGMENT = "progress"
SUMMARY_FRAGMENT = "summary"
FRAGMENTS = (FINDINGS_FRAGMENT, STRIP_FRAGMENT, PROGRESS_FRAGMENT, SUMMARY_FRAGMENT)
TOPIC_FRAGMENT_PREFIX = "topic_"


def topic_fragment(topic_id: str) -> str:
    """The fragment that draws one topic of the live checklist."""
    return TOPIC_FRAGMENT_PREFIX + topic_id


# Per-session memos, not widgets.
SCREENED_MEMO = "_screened_memo"          # per checklist prefix, the last screening and the state it came from
QUESTIONS_SHOWN = "_questions_shown"      # per topic, the questions drawn last time

# --- Findings, summary and downloads, under a key prefix ------------------------------------------------
# The prefix is "" on the screening page and COMBINED for the double-check's combined summary, so the
# two sets of elements never share a key.
COMBINED = "comb_"
SHOW_ALL_FINDINGS = "show_all_findings"
DownloadKind = Literal["html", "md", "case", "record", "fhir"]


def show_all_button(key_prefix: str = "") -> str:
    return f"{key_prefix}show_all_button"


def finding_detail(rule_id: str, key_prefix: str = "") -> str:
    """A finding card's expander (why, what to discuss, sources)."""
    return f"{key_prefix}detail_{rule_id}"


def summary_open(key_prefix: str = "") -> str:
    return f"{key_prefix}summary_open"


def summary_view(key_prefix: str = "") -> str:
    return f"{key_prefix}summary_view"


def actions(key_prefix: str = "") -> str:
    """The row that holds the download buttons."""
    return f"{key_prefix}actions"


def download(kind: DownloadKind, key_prefix: str = "") -> str:
    return f"{key_prefix}dl_{kind}"


# --- Pharmacist double-check ---------------------------------------------------------------------------
DOUBLE_CHECK_PREFIX = "dc_"     # every key of the double-check page; a new screening clears them all
DC_RECORD_UPLOAD = "dc_record_upload"
DC_VERIFICATION = "dc_verification"             # what verify_record found for the uploaded record
DC_RECORD_ERROR = "dc_record_error"
DC_NOT_RECORD = "dc_not_record"                 # why the upload is not a screening record
DC_COMPARED = "dc_compared"                     # the pharmacist asked to compare
DC_MESSAGE = "dc_message"
DC_FIRST_FROM_RECORD = "dc_first_from_record"   # the first checklist's answers came from the record
DC_COMPARE_BUTTON = "dc_compare_button"
RESOLUTION_PREFIX = "res_"      # a new screening or a new record clears them all


def resolution(question_id: str) -> str:
    """Which check's answer the pharmacist keeps for a question the two checks disagree on."""
    return RESOLUTION_PREFIX + question_id


# --- Trainer -------------------------------------------------------------------------------------------
TR_LESSON = "tr_lesson"                       # the running LessonScore
TR_PROJECTOR = "tr_projector"
TR_PROJECTOR_SWITCHED = "tr_projector_switched"
TR_CASE = "tr_case"
TR_TOPICS = "tr_topics"
TR_LEVELS = "tr_levels"
TR_NEW_LESSON = "tr_new_lesson"
PREDICTION_PREFIX = "pred_"     # trainer.LOCKED_CSS styles [class*="st-key-pred_"]
LOCKED_PREFIX = "locked_"
LESSON_PREFIXES = (LOCKED_PREFIX, PREDICTION_PREFIX)   # what a new lesson clears


def prediction(case_key: str, topic: str) -> str:
    """A trainee's prediction for one topic of one teaching case."""
    return f"{PREDICTION_PREFIX}{case_key}_{topic}"


def locked(case_key: str) -> str:
    """A case's predictions as they stood at the reveal (topic -> prediction)."""
    return LOCKED_PREFIX + case_key


def reveal_button(case_key: str) -> str:
    return f"reveal_button_{case_key}"


def next_case_button(case_key: str) -> str:
    return f"next_case_{case_key}"
