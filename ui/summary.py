"""The summary for discussion: clinician and patient views, and the downloads."""

from __future__ import annotations

import streamlit as st

from screening.case_file import case_to_yaml
from screening.fhir_export import bundle_json
from screening.record import make_record
from screening.timeline import with_changes_ahead
from screening.report import clinician_markdown, patient_markdown, render_html, render_markdown
from screening.result_models import ScreeningResult
from screening.ruleset import RuleSet

from . import keys
from .common import Screened, safe_md

VIEWS = ("Clinician view", "Patient discussion view")
SUMMARY_LABEL = "Summary for discussion: clinician and patient views"


def summary_section(ruleset: RuleSet, screened: Screened, key_prefix: str = "", with_downloads: bool = False) -> None:
    """The long summary, built only when its section is opened: a click elsewhere stays cheap."""
    result = screened.result
    with st.expander(SUMMARY_LABEL, key=keys.summary_open(key_prefix), on_change="rerun",
                     icon=":material/description:") as section:
        if not section.open:
            return
        st.caption(f"Screening date {result.screening_date.isoformat()} · {result.ruleset.name} "
                   f"{result.ruleset.version} · SHA-256 {result.ruleset.sha256}")
        # Lazy tabs: only the open view is built and sent.
        clinician, patient = st.tabs(list(VIEWS), key=keys.summary_view(key_prefix), on_change="rerun")
        if clinician.open:
            with clinician:
                st.markdown(safe_md(clinician_markdown(result, ruleset, "###")))
        if patient.open:
            with patient:
                st.markdown(safe_md(patient_markdown(result, ruleset, "###")))
        if with_downloads:
            downloads(ruleset, screened, key_prefix)


def downloads(ruleset: RuleSet, screened: Screened, key_prefix: str = "") -> None:
    """Files are built only when clicked (deferred), and nothing is kept on the server."""
    result, stamp = screened.result, screened.result.screening_date.isoformat()

    def full() -> ScreeningResult:
        return with_changes_ahead(ruleset, screened.answers, result, screened.medications)

    with st.container(horizontal=True, key=keys.actions(key_prefix), gap="small"):
        st.download_button("Summary (printable HTML)", data=lambda: render_html(full(), ruleset, screened.answers),
                           file_name=f"ldn-screening-{stamp}.html", mime="text/html", on_click="ignore",
                           icon=":material/print:", key=keys.download("html", key_prefix), type="primary",
                           help="Open the file and print it (Ctrl+P): page 1 holds the findings at a glance, the "
                                "answers given, and lines for names and the date.")
        st.download_button("Summary (Markdown)", data=lambda: render_markdown(full(), ruleset),
                           file_name=f"ldn-screening-{stamp}.md", mime="text/markdown", on_click="ignore",
                           icon=":material/download:", key=keys.download("md", key_prefix))
        st.download_button("Answers (case file)", key=keys.download("case", key_prefix),
                           data=lambda: case_to_yaml(result.screening_date, screened.entered,
                                                     medications=screened.medications),
                           file_name=f"ldn-case-{stamp}.yaml", mime="application/yaml", on_click="ignore",
                           icon=":material/download:")
        st.download_button("Screening record (JSON)", key=keys.download("record", key_prefix),
                           data=lambda: make_record(result, screened.answers, screened.medications),
                           file_name=f"ldn-record-{stamp}.json", mime="application/json", on_click="ignore",
                           icon=":material/download:", help="Sealed so a pharmacist can verify it")
        st.download_button("Screening for the record (FHIR R4 Bundle)", key=keys.download("fhir", key_prefix),
                           data=lambda: bundle_json(ruleset, result, screened.answers),
                           file_name=f"ldn-screening-{stamp}.fhir.json", mime="application/fhir+json",
                           on_click="ignore", icon=":material/download:",
                           help="QuestionnaireResponse of the answers, one DetectedIssue per finding and the "
                                "medication list, for an EHR")
