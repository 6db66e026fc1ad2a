"""The findings panel: each finding with its severity in words and icon, and what was not assessed."""

from __future__ import annotations

import streamlit as st

from collections.abc import Callable

from screening.report import finding_detail_markdown, md_escape
from screening.result_models import Finding, ScreeningResult
from screening.ruleset import RuleSet

from .common import ICONS, safe_md

BOX = {"critical": st.error, "warning": st.warning, "info": st.info}


def finding_card(f: Finding, ruleset: RuleSet, ahead: Callable[[Finding], str | None] | None = None,
                 key_prefix: str = "") -> None:
    label = ruleset.meta.severities[f.severity].label
    BOX[f.severity](f"**{label.upper()}: {f.title}**\n\n{safe_md(f.summary)}", icon=ICONS[f.severity])
    with st.expander(f"Why, what to discuss, sources: {f.title}", key=f"{key_prefix}detail_{f.rule_id}",
                     on_change="rerun") as detail:
        if detail.open:     # lazy: the detail is built only when someone opens it
            st.markdown(safe_md(finding_detail_markdown(f, ahead(f) if ahead else None)))


def findings_panel(result: ScreeningResult, ruleset: RuleSet, ahead: Callable[[Finding], str | None] | None = None,
                   key_prefix: str = "", heading: str = "Findings") -> None:
    st.header(heading)
    counts = " · ".join(f"{ICONS[s]} {len(result.by_severity(s))} {ruleset.meta.severities[s].label.lower()}"
                        for s in ("critical", "warning", "info"))
    st.markdown(counts)
    if not result.findings:
        st.info(ruleset.meta.no_findings_note, icon=":material/check_circle:")
    for f in result.findings:
        finding_card(f, ruleset, ahead, key_prefix)
    title = f"Not assessed: {len(result.not_assessed)} question(s)"
    with st.expander(title, expanded=bool(result.not_assessed) and not result.findings):
        if result.not_assessed:
            st.caption(ruleset.meta.not_assessed_note)
            st.markdown(safe_md("\n".join(f"- {ruleset.topic_title(n.topic)}: {md_escape(n.prompt)}"
                                           for n in result.not_assessed)))
        else:
            st.markdown("Every applicable question was answered.")
