"""The app's answer state as plain data, kept out of app.py so it is testable without Streamlit.

Widget keys are `q_<question id>`; their values are the raw answers the engine parses.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from datetime import date
from typing import Any

from .case_file import CaseFile
from .ruleset import RuleSet
from .values import form_values

PREFIX = "q_"               # the screening's checklist
SECOND_PREFIX = "p2_"       # the pharmacist's independent second checklist
PREFIXES = (PREFIX, SECOND_PREFIX)
KEPT_KEYS = ("med_text", "screening_date")   # other widget values that must survive a page that does not draw them


def widget_key(question_id: str, prefix: str = PREFIX) -> str:
    return prefix + question_id


def raw_answers(state: Mapping[str, Any], ruleset: RuleSet, prefix: str = PREFIX) -> dict[str, Any]:
    """Every question's current widget value (None when unanswered), in checklist order."""
    return {cq.question.id: state.get(widget_key(cq.question.id, prefix)) for cq in ruleset.questions}


def clear_answers(state: MutableMapping[str, Any], prefix: str = PREFIX) -> None:
    for key in [k for k in state if isinstance(k, str) and k.startswith(prefix)]:
        del state[key]


def case_widget_values(ruleset: RuleSet, case: CaseFile) -> tuple[dict[str, Any], dict[str, str]]:
    """Widget values for a loaded case, and a message for each answer that cannot be shown as given."""
    return form_values(ruleset, case.answers, case.screening_date)


def keep_hidden_answers(state: MutableMapping[str, Any]) -> None:
    """Re-assign widget values so Streamlit keeps answers to questions that are hidden for now.

    Streamlit drops a widget's value when the widget is not drawn in a run; a question hidden by
    skip logic would lose its answer, and showing it again would lose what the user entered.
    """
    for key in [k for k in state if isinstance(k, str) and (k.startswith(PREFIXES) or k in KEPT_KEYS)]:
        state[key] = state[key]


def default_screening_date() -> date:
    return date.today()
