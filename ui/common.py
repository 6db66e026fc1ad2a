"""Shared bits of the page: icons by severity, and Markdown made safe for Streamlit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import streamlit as st

from screening.answers import parse_answers
from screening.app_state import PREFIX, raw_answers
from screening.engine import applicable_answers, screen
from screening.errors import FieldProblem
from screening.loader import load_ruleset
from screening.report import ahead_text
from screening.result_models import Finding, ScreeningResult
from screening.ruleset import RuleSet
from screening.timeline import with_changes_ahead

ICONS = {"critical": ":material/dangerous:", "warning": ":material/warning:", "info": ":material/info:"}
DATE_RANGE = (date(1900, 1, 1), date(2100, 12, 31))


@st.cache_resource(show_spinner=False)
def cached_ruleset(rules_dir: str) -> RuleSet:
    """Parsed, validated and compiled once per process and folder; frozen, so sessions can share it."""
    return load_ruleset(rules_dir)


def safe_md(text: str) -> str:
    """Streamlit reads $...$ as maths; clinical text uses $ for money."""
    return text.replace("$", "\\$")


@dataclass(frozen=True)
class Screened:
    """One checklist's answers, as entered and as typed, and what screening them gave."""

    raw: dict[str, Any]
    answers: dict[str, Any]
    problems: list[FieldProblem]
    visible: list[str]
    result: ScreeningResult
    medications: list[str] | None

    @property
    def entered(self) -> dict[str, Any]:
        return {k: v for k, v in self.raw.items() if v is not None}


def evaluate(ruleset: RuleSet, screening_date: date, medications: list[str] | None, prefix: str = PREFIX) -> Screened:
    """Screen the checklist whose widgets carry this key prefix."""
    return evaluate_raw(ruleset, screening_date, medications, raw_answers(st.session_state, ruleset, prefix))


def evaluate_raw(ruleset: RuleSet, screening_date: date, medications: list[str] | None,
                 raw: dict[str, Any]) -> Screened:
    answers, problems = parse_answers(ruleset, raw, screening_date, field_prefix="")
    visible, _ = applicable_answers(ruleset, answers, screening_date)
    return Screened(raw, answers, problems, visible, screen(ruleset, answers, screening_date, medications=medications),
                    medications)


def ahead_for(ruleset: RuleSet, screened: Screened) -> Callable[[Finding], str | None]:
    """'With time' text for a finding, computed at most once per rerun and only when asked for."""
    memo: dict[str, ScreeningResult] = {}

    def ahead(f: Finding) -> str | None:
        if "result" not in memo:
            memo["result"] = with_changes_ahead(ruleset, screened.answers, screened.result, screened.medications)
        return ahead_text(f, memo["result"], ruleset)
    return ahead
