"""The summary for discussion: clinician and patient views, and the downloads."""

from __future__ import annotations

from typing import Any

import streamlit as st

from screening.case_file import case_to_yaml
from screening.report import clinician_markdown, patient_markdown, render_html, render_markdown
from screening.result_models import ScreeningResult
from screening.ruleset import RuleSet

from .common import safe_md

VIEWS = ("Clinician view", "Patient discussion view")


def summary_section(result: ScreeningResult, ruleset: RuleSet, answers: dict[str, Any],
                    medications: list[str] | None = None) -> None:
    st.header("Summary for discussion")
    st.caption(f"Screening date {result.screening_date.isoformat()} · {result.ruleset.name} "
               f"{result.ruleset.version} · SHA-256 {result.ruleset.sha256}")
    # Lazy tabs: only the open view is built and sent, so a click elsewhere stays cheap.
    clinician, patient = st.tabs(list(VIEWS), key="summary_view", on_change="rerun")
    if clinician.open:
        with clinician:
            st.markdown(safe_md(clinician_markdown(result, ruleset, "####")))
    if patient.open:
        with patient:
            st.markdown(safe_md(patient_markdown(result, ruleset, "####")))
    stamp = result.screening_date.isoformat()
    left, middle, right = st.columns(3)
    left.download_button("Download summary (Markdown)", data=lambda: render_markdown(result, ruleset),
                         file_name=f"ldn-screening-{stamp}.md", mime="text/markdown", on_click="ignore")
    middle.download_button("Download summary (printable HTML)", data=lambda: render_html(result, ruleset),
                           file_name=f"ldn-screening-{stamp}.html", mime="text/html", on_click="ignore")
    right.download_button("Download answers (case file)", data=lambda: case_to_yaml(result.screening_date, answers, medications=medications),
                          file_name=f"ldn-case-{stamp}.yaml", mime="application/yaml", on_click="ignore")
