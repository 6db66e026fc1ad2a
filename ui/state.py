"""The app's answer state as plain data: functions over any MutableMapping, so they are testable
without Streamlit. They live in ui/ because they know widget keys (ui/keys.py); the core never does.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from datetime import date
from typing import Any

from screening.case_file import CaseFile
from screening.ruleset import RuleSet
from screening.values import form_values

from . import keys


def prefixed_keys(state: Mapping[str, Any], prefixes: str | tuple[str, ...]) -> list[str]:
    """The keys that start with one of these prefixes, as a list (safe to delete from while looping)."""
    return [k for k in state if isinstance(k, str) and k.startswith(prefixes)]


def raw_answers(state: Mapping[str, Any], ruleset: RuleSet, prefix: str = keys.ANSWER_PREFIX) -> dict[str, Any]:
    """Every question's current widget value (None when unanswered), in checklist order."""
    return {cq.question.id: state.get(keys.answer(cq.question.id, prefix)) for cq in ruleset.questions}


def clear_answers(state: MutableMapping[str, Any], prefix: str = keys.ANSWER_PREFIX) -> None:
    for key in prefixed_keys(state, prefix):
        del state[key]


def case_widget_values(ruleset: RuleSet, case: CaseFile) -> tuple[dict[str, Any], dict[str, str]]:
    """Widget values for a loaded case, and a message for each answer that cannot be shown as given."""
    return form_values(ruleset, case.answers, case.screening_date)


def keep_hidden_answers(state: MutableMapping[str, Any]) -> None:
    """Re-assign widget values so Streamlit keeps answers to questions that are hidden for now.

    Streamlit drops a widget's value when the widget is not drawn in a run; a question hidden by
    skip logic would lose its answer, and showing it again would lose what the user entered.
    """
    for key in [k for k in state if isinstance(k, str) and (k.startswith(keys.ANSWER_PREFIXES) or k in keys.KEPT)]:
        state[key] = state[key]


def default_screening_date() -> date:
    return date.today()
