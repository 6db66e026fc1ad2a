"""The findings panel: each finding with its severity in words and icon, and what was not assessed."""

from __future__ import annotations

import os
from collections.abc import Callable

import streamlit as st

from screening.report import finding_detail_markdown, md_escape
from screening.result_models import Finding, ScreeningResult
from screening.ruleset import RuleSet

from . import keys
from .common import ICONS, safe_md

BOX = {"critical": st.error, "warning": st.warning, "info": st.info}
SEVERITIES = ("critical", "warning", "info")
NOTHING_ANSWERED = ("Nothing has been answered yet, so nothing has been assessed: no finding can show here. "
                    "Findings appear as each topic's questions are answered.")


def finding_card(f: Finding, ruleset: RuleSet, ahead: Callable[[Finding], str | None] | None = None,
                 key_prefix: str = "") -> None:
    label = ruleset.meta.severities[f.severity].label
    BOX[f.severity](f"**{label.upper()}: {f.title}**\n\n{safe_md(f.summary)}", icon=ICONS[f.severity])
    with st.expander(f"Why, what to discuss, sources: {f.title}", key=keys.finding_detail(f.rule_id, key_prefix),
                     on_change="rerun") as detail:
        if detail.open:     # lazy: the detail is built only when someone opens it
            st.markdown(safe_md(finding_detail_markdown(f, ahead(f) if ahead else None)))


def severity_counts(findings: list[Finding], ruleset: RuleSet) -> str:
    return " · ".join(f"{ICONS[s]} {sum(f.severity == s for f in findings)} {ruleset.meta.severities[s].label.lower()}"
                      for s in SEVERITIES)


def _held_note(held: list[Finding], ruleset: RuleSet, key_prefix: str) -> None:
    """Say how many findings wait, how severe, and in which topics; one click shows them."""
    counts = ", ".join(f"{n} {ruleset.meta.severities[s].label.lower()}"
                       for s in SEVERITIES if (n := sum(f.severity == s for f in held)))
    topics = ", ".join(dict.fromkeys(ruleset.topic_title(f.topic) for f in held))
    st.info(f"**{len(held)} more finding(s) ({counts})** in {md_escape(topics)}: shown once the questions they "
            "depend on are answered. The summary and the downloads already include them.",
            icon=":material/hourglass_top:")
    st.button("Show every finding now", key=keys.show_all_button(key_prefix), icon=":material/visibility:",
              on_click=_show_all, args=(key_prefix,))


def _show_all(key_prefix: str) -> None:
    st.session_state[keys.SHOW_ALL_FINDINGS] = True
    if not key_prefix and os.environ.get("LDN_PARTIAL_RERUNS", "1") != "0":
        # the screening page's two findings fragments (app.py)
        st.rerun([keys.FINDINGS_FRAGMENT, keys.STRIP_FRAGMENT])


def findings_panel(result: ScreeningResult, ruleset: RuleSet, ahead: Callable[[Finding], str | None] | None = None,
                   key_prefix: str = "", heading: str = "Findings", shown: list[Finding] | None = None,
                   held: list[Finding] | None = None) -> None:
    """Every finding of the result, or `shown` now and a note about the `held` ones."""
    shown = list(result.findings) if shown is None else shown
    held = held or []
    st.header(heading, anchor=False)
    nothing_yet = result.answered == 0 and not result.medications and not result.findings
    if nothing_yet:
        st.info(NOTHING_ANSWERED, icon=":material/pending:")
    else:
        st.markdown(severity_counts(shown, ruleset))
        if not result.findings:
            st.info(ruleset.meta.no_findings_note, icon=":material/info:")
    for f in shown:
        finding_card(f, ruleset, ahead, key_prefix)
    if held:
        _held_note(held, ruleset, key_prefix)
    title = f"Not assessed: {len(result.not_assessed)} question(s)"
    with st.expander(title, expanded=bool(result.not_assessed) and not result.findings and not nothing_yet):
        if result.not_assessed:
            st.caption(ruleset.meta.not_assessed_note)
            st.markdown(safe_md("\n".join(f"- {ruleset.topic_title(n.topic)}: {md_escape(n.prompt)}"
                                           for n in result.not_assessed)))
        else:
            st.markdown("Every applicable question was answered.")


def findings_strip(result: ScreeningResult, shown: list[Finding], held: list[Finding], ruleset: RuleSet) -> None:
    """One compact block for phones, drawn into the caller's container keyed keys.FINDINGS_STRIP (the page
    style hides it on wider screens and keeps it at the top while scrolling)."""
    if result.answered == 0 and not result.medications and not result.findings:
        st.markdown("**Findings:** nothing answered yet.")
        return
    titles = "; ".join(f"{ruleset.meta.severities[f.severity].label} – {md_escape(f.title)}" for f in shown)
    extra = f" · {len(held)} more once answered" if held else ""
    st.markdown(f"**Findings:** {severity_counts(shown, ruleset)}{extra}" + (f"  \n{titles}" if titles else ""))
