"""What would change a finding with time: re-screen the same answers on later dates.

Rules whose conditions count days (days_since) change as the screening date moves on. Rather than
teach Python each rule's thresholds, screen again day by day and report when each category's
findings change; whatever thresholds the rule files hold, the dates come out right. The medication
list is read once per run (not once per day), and the look-ahead stops at the last accepted date.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from . import limits
from .conditions import DaysSince, walk
from .engine import screen
from .result_models import Change, MedLine, ScreeningResult
from .ruleset import RuleSet

HORIZON_DAYS = 60


def time_dependent_rules(ruleset: RuleSet) -> frozenset[str]:
    return frozenset(cr.rule.id for cr in ruleset.rules if any(isinstance(n, DaysSince) for n in walk(cr.rule.when)))


def _category_state(result: ScreeningResult, category: str) -> list[tuple[str, str, str]]:
    return sorted((f.rule_id, f.severity, f.title) for f in result.findings if f.category == category)


def _rows_for_facts(rows: list[MedLine]) -> list[MedLine]:
    """The rows that can change a finding: those with classes, plus one other non-empty row, so that
    "a list was given" (facts known, not unknown) still holds. Unrecognised lines only add not-assessed
    items, which the look-ahead does not compare; 500 of them cost ~1 s over 60 days."""
    with_classes = [r for r in rows if r.classes]
    other = next((r for r in rows if r.status != "empty" and not r.classes), None)
    return with_classes + ([other] if other is not None else [])


def changes_ahead(ruleset: RuleSet, answers: Mapping[str, Any], result: ScreeningResult,
                  medications: list[str] | None = None, horizon: int = HORIZON_DAYS) -> dict[str, list[Change]]:
    """For each category with a date-dependent finding now, the dates its findings change, if nothing else does."""
    timed = time_dependent_rules(ruleset)
    categories = {f.category for f in result.findings if f.rule_id in timed}
    if not categories:
        return {}
    states = {c: _category_state(result, c) for c in categories}
    # The list is read once per run (the result already holds it), not once per day ahead: a long list
    # re-read 60 times cost minutes per click.
    rows = result.medications if result.medications is not None or not medications else \
        ruleset.matcher.classify(medications)
    rows = _rows_for_facts(rows) if rows is not None else None
    out: dict[str, list[Change]] = {c: [] for c in categories}
    last = min(horizon, (limits.DATE_RANGE[1] - result.screening_date).days)   # 9999-12-31 + 1 day overflows
    for offset in range(1, last + 1):
        day = result.screening_date + timedelta(days=offset)
        later = screen(ruleset, answers, day, medications=medications, med_rows=rows)
        for c in categories:
            state = _category_state(later, c)
            if state != states[c]:
                out[c].append(Change(on=day, category=c, findings=state))
                states[c] = state
    return out


def with_changes_ahead(ruleset: RuleSet, answers: Mapping[str, Any], result: ScreeningResult,
                       medications: list[str] | None = None) -> ScreeningResult:
    """The same result, carrying the dates its date-dependent findings change (for reports)."""
    return result.model_copy(update={"changes_ahead": changes_ahead(ruleset, answers, result, medications)})
