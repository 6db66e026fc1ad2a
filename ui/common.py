"""Shared bits of the page: icons by severity, and Markdown made safe for Streamlit."""

from __future__ import annotations

from datetime import date

import streamlit as st

from screening.loader import load_ruleset
from screening.ruleset import RuleSet

ICONS = {"critical": ":material/dangerous:", "warning": ":material/warning:", "info": ":material/info:"}
DATE_RANGE = (date(1900, 1, 1), date(2100, 12, 31))


@st.cache_resource(show_spinner=False)
def cached_ruleset(rules_dir: str) -> RuleSet:
    """Parsed, validated and compiled once per process and folder; frozen, so sessions can share it."""
    return load_ruleset(rules_dir)


def safe_md(text: str) -> str:
    """Streamlit reads $...$ as maths; clinical text uses $ for money."""
    return text.replace("$", "\\$")
