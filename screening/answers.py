"""Turn raw answers (from a case file or the app's widgets) into typed answers, field by field.

A bad value is reported at its field and left out, so it shows as not assessed; every other answer
is kept. Nothing here guesses: an unknown option is an error, not a near match.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from .errors import FieldProblem
from .ruleset import CompiledQuestion, RuleSet
from .rule_models import NO, YES

_YES_NO_WORDS = {YES: YES, NO: NO, True: YES, False: NO}


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_date(value: Any) -> date:
    """A date from a date object or YYYY-MM-DD text; ValueError with a readable reason otherwise."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"must be a date written YYYY-MM-DD (got {value!r})")
    text = value.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        if len(text) == 10 and text[4] == "-" and text[7] == "-" and text.replace("-", "").isdigit():
            raise ValueError(f'"{text}" is not a real calendar date') from None
        raise ValueError(f'must be a date written YYYY-MM-DD (got "{text}")') from None


def parse_answer(cq: CompiledQuestion, value: Any, screening_date: date) -> Any:
    """One typed answer, or ValueError naming what was expected."""
    q = cq.question
    if q.type == "yes_no":
        key = value.strip().lower() if isinstance(value, str) else value
        if key not in _YES_NO_WORDS:
            raise ValueError(f'must be "yes" or "no" (got {value!r})')
        return _YES_NO_WORDS[key]
    if q.type == "choice":
        if not isinstance(value, str) or value not in cq.options:
            expected = ", ".join(cq.options)
            raise ValueError(f"unknown option {value!r} (expected one of: {expected})")
        return value
    if q.type == "date":
        day = parse_date(value)
        if not q.allow_future and day > screening_date:
            raise ValueError(f"{day.isoformat()} is after the screening date ({screening_date.isoformat()}); "
                             f"a past event cannot be in the future")
        return day
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"must be a number (got {value!r})")
    if q.minimum is not None and value < q.minimum or q.maximum is not None and value > q.maximum:
        raise ValueError(f"must be between {q.minimum} and {q.maximum} (got {value})")
    return value


def parse_answers(ruleset: RuleSet, raw: Mapping[str, Any], screening_date: date,
                  field_prefix: str = "answers.") -> tuple[dict[str, Any], list[FieldProblem]]:
    """Typed answers for every usable value, and a problem for every unusable one."""
    answers: dict[str, Any] = {}
    problems: list[FieldProblem] = []
    for qid, value in raw.items():
        try:
            cq = ruleset.question(qid)
        except KeyError:
            problems.append(FieldProblem(f"{field_prefix}{qid}", "unknown question (check the id against the "
                                                                 "rule set)"))
            continue
        if _is_blank(value):
            continue
        try:
            answers[qid] = parse_answer(cq, value, screening_date)
        except ValueError as exc:
            problems.append(FieldProblem(f"{field_prefix}{qid}", str(exc)))
    return answers, problems


def answer_label(cq: CompiledQuestion, value: Any) -> str:
    """How an answer reads to a person."""
    if isinstance(value, date):
        return value.isoformat()
    return cq.options.get(value, str(value)) if cq.options else str(value)
