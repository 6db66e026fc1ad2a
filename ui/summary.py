"""The summary for discussion: clinician and patient views, and the downloads."""

from __future__ import annotations

import streamlit as st

from screening.report import clinician_markdown, patient_markdown
from screening.ruleset import RuleSet
from screening.session import Screening

from . import keys
from .common import safe_md

VIEWS = ("Clinician view", "Patient discussion view")
SUMMARY_LABEL = "Summary for discussion: clinician and patient views"


def summary_section(ruleset: RuleSet, screened: Screening, key_prefix: str = "", with_downloads: bool = False) -> None:
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


def downloads(ruleset: RuleSet, screened: Screening, key_prefix: str = "") -> None:
    """Files are built only when clicked (deferred), each by the screening's own export, and nothing is kept
    on the server."""
    stamp = screened.screening_date.isoformat()

    with st.container(horizontal=True, key=keys.actions(key_prefix), gap="small"):
        st.download_button("Summary (printable HTML)", data=screened.html,
                           file_name=f"ldn-screening-{stamp}.html", mime="text/html", on_click="ignore",
                           icon=":material/print:", key=keys.download("html", key_prefix), type="primary",
                           help="Open the file and print it (Ctrl+P): page 1 holds the findings at a glance, the "
                                "answers given, and lines for names and the date.")
        st.download_button("Summary (Markdown)", data=screened.markdown,
                           file_name=f"ldn-screening-{stamp}.md", mime="text/markdown", on_click="ignore",
                           icon=":material/download:", key=keys.download("md", key_prefix))
        st.download_button("Answers (case file)", key=keys.download("case", key_prefix),
                           data=screened.case_yaml,
                           file_name=f"ldn-case-{stamp}.yaml", mime="application/yaml", on_click="ignore",
                           icon=":material/download:")
        st.download_button("Screening record (JSON)", key=keys.download("record", key_prefix),
                           data=screened.record_text,
                           file_name=f"ldn-record-{stamp}.json", mime="application/json", on_click="ignore",
                           icon=":material/download:", help="Sealed so a pharmacist can verify it")
        st.download_button("Screening for the record (FHIR R4 Bundle)", key=keys.download("fhir", key_prefix),
                           data=screened.fhir_bundle,
                           file_name=f"ldn-screening-{stamp}.fhir.json", mime="application/fhir+json",
                           on_click="ignore", icon=":material/download:",
                           help="QuestionnaireResponse of the answers, one DetectedIssue per finding and the "
                                "medication list, for an EHR")
