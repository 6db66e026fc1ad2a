"""What would change a finding with time: re-screen the same answers on later dates.

Rules whose conditions count days (days_since) change as the screening date moves on. Rather than
teach Python each rule's thresholds, screen again day by day and report when each category's
findings change; whatever thresholds the rule files hold, the dates come out right. The medication
list is read once per run (not once per day), and the look-ahead stops at the last accepted date.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from . import limits
from .conditions import DaysSince, walk
from .engine import screen
from .result_models import Change, MedLine, ScreeningResult
from .ruleset import RuleSet

HORIZON_DAYS = 60


def time_dependent_rules(ruleset: RuleSet) -> frozenset[str]:
    return frozenset(cr.rule.id for cr in ruleset.rules if any(isinstance(n, DaysSince) for n in walk(cr.rule.when)))


def _card_state(result: ScreeningResult, key: str) -> list[tuple[str, str, str]]:
    """What the card of one cause (or one rule) says on that date: its lead finding, or nothing."""
    return sorted((f.rule_id, f.severity, f.title) for f in result.findings if f.card_key == key)


def _severities(state: list[tuple[str, str, str]]) -> list[str]:
    return sorted(sev for _, sev, _ in state)


def _rows_for_facts(rows: list[MedLine]) -> list[MedLine]:
    """The rows that can change a finding: those with classes, plus one row for each other flag a fact
    reads (not fully read, possible hidden opioid) and one plain non-empty row, so every fact keeps its
    value and "a list was given" still holds. Facts ask whether any line has a property, so one
    representative per property is enough; 500 unread lines re-screened 60 times cost ~1 s."""
    keep = [r for r in rows if r.classes]
    for wanted in (lambda r: r.needs_review, lambda r: r.possible_hidden_opioid,
                   lambda r: r.status != "empty"):
        if not any(wanted(r) for r in keep):
            keep += [r for r in rows if wanted(r)][:1]
    return keep


def changes_ahead(ruleset: RuleSet, answers: Mapping[str, Any], result: ScreeningResult,
                  medications: list[str] | None = None, horizon: int = HORIZON_DAYS) -> dict[str, list[Change]]:
    """For each card with a date-dependent finding now, the dates that card changes, if nothing else does.

    Keyed by the card (its cause, or its rule id): a card's timeline never lists another cause's finding,
    so a warning never reads as if it worsened because some other finding is present.
    """
    timed = time_dependent_rules(ruleset)
    categories = {f.card_key for f in result.findings if timed.intersection(f.rule_ids)}
    if not categories:
        return {}
    states = {c: _card_state(result, c) for c in categories}
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
            state = _card_state(later, c)
            if _severities(state) != _severities(states[c]):   # a new lead of the same severity is no change
                out[c].append(Change(on=day, category=c, findings=state))
                states[c] = state
    return out


def with_changes_ahead(ruleset: RuleSet, answers: Mapping[str, Any], result: ScreeningResult,
                       medications: list[str] | None = None) -> ScreeningResult:
    """The same result, carrying the dates its date-dependent findings change (for reports)."""
    return result.model_copy(update={"changes_ahead": changes_ahead(ruleset, answers, result, medications)})
