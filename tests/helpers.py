"""Small helpers shared by tests: screen a dict of answers on the fixed test screening date."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from screening.result_models import ScreeningResult
from screening.session import Screening
from screening.ruleset import RuleSet

SCREENING_DATE = date(2026, 11, 23)


def days_ago(n: int) -> str:
    return (SCREENING_DATE - timedelta(days=n)).isoformat()


def run(ruleset: RuleSet, answers: dict[str, Any], on: date = SCREENING_DATE) -> ScreeningResult:
    return Screening.of(ruleset, answers, on).result


def fired(result: ScreeningResult) -> dict[str, str]:
    """rule id -> severity of every finding."""
    return {f.rule_id: f.severity for f in result.findings}


def recent_opioid(agent: str, formulation: str, days: int | None) -> dict[str, Any]:
    answers: dict[str, Any] = {"opioid_current": "no", "opioid_past_30_days": "yes", "opioid_agent": agent,
                               "opioid_formulation": formulation}
    if days is not None:
        answers["opioid_last_dose"] = days_ago(days)
    return answers


def fired_any(result: ScreeningResult) -> dict[str, str]:
    """rule id -> severity of every rule that fired, also those folded into another's card (one cause, one card)."""
    out = {f.rule_id: f.severity for f in result.findings}
    out.update({a.rule_id: a.severity for f in result.findings for a in f.also})
    return out
