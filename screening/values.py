"""The one conversion between raw, typed and JSON answer values, with one guard for unknown questions.

Raw values come from case files, records, widgets and EHR imports; typed values are what the engine
reads (dates as `date`); JSON values are what files carry (dates as YYYY-MM-DD). A question that this
rule set does not have (a retired one, or a record from an older rule set) is reported by name and
left out, never a KeyError.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from .answers import parse_answer, parse_date
from .ruleset import RuleSet


def json_value(value: Any) -> Any:
    """A typed answer as JSON/YAML carries it."""
    return value.isoformat() if isinstance(value, date) else value


def answers_to_json(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Typed answers as JSON values; unanswered (None) questions left out."""
    return {k: json_value(v) for k, v in answers.items() if v is not None}


def unknown_question_message(question_id: str) -> str:
    return f'"{question_id}" is not a question in this rule set (retired, or from another rule set); it was not loaded'


def form_values(ruleset: RuleSet, raw: Mapping[str, Any], screening_date: date, source: str = "case file") \
        -> tuple[dict[str, Any], dict[str, str]]:
    """Values a form can show for raw answers, and a message for each that cannot be shown as given.

    A date that parses is kept even if it falls after the screening date, so the form shows it with its
    error instead of losing it; an unknown option or question is reported by question id.
    """
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for qid, value in raw.items():
        if value is None:
            continue
        try:
            cq = ruleset.question(qid)
        except KeyError:
            problems[qid] = unknown_question_message(qid)
            continue
        try:
            values[qid] = parse_date(value) if cq.question.type == "date" else parse_answer(cq, value, screening_date)
        except ValueError as exc:
            problems[qid] = f"the {source}'s value was not loaded: {exc}"
    return values, problems
