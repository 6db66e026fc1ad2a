"""Safety invariants that must hold whatever the answers (hypothesis generates the answers)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screening.crosschecks import forbidden_pattern
from screening.session import Screening
from screening.engine import applicable_answers
from screening.loader import load_ruleset
from screening.report import render_html, render_markdown, result_to_json
from tests.helpers import SCREENING_DATE

RULESET = load_ruleset()
FORBIDDEN = forbidden_pattern(RULESET.meta.forbidden_words)     # the product's own decision-word pattern
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _value_strategy(cq: Any) -> st.SearchStrategy[Any]:
    q = cq.question
    if q.type in ("yes_no", "choice"):
        return st.sampled_from(list(cq.options))
    if q.type == "date":
        return st.integers(min_value=0, max_value=400).map(lambda d: SCREENING_DATE - timedelta(days=d))
    return st.floats(min_value=q.minimum or 0, max_value=q.maximum or 1000, allow_nan=False)


def answers_strategy() -> st.SearchStrategy[dict[str, Any]]:
    """Any subset of questions, each with any valid value (hidden questions included)."""
    return st.fixed_dictionaries({}, optional={cq.question.id: _value_strategy(cq) for cq in RULESET.questions})


@SETTINGS
@given(answers_strategy())
def test_current_opioid_use_always_gives_the_critical_opioid_finding(answers: dict[str, Any]) -> None:
    result = Screening.of(RULESET, answers | {"opioid_current": "yes"}, SCREENING_DATE).result
    # the card may be led by another finding of the same cause (one cause, one card; issue 10)
    assert any("opioid-current-use" in f.rule_ids and f.severity == "critical" for f in result.findings)


@SETTINGS
@given(answers_strategy())
def test_every_unanswered_applicable_question_is_not_assessed(answers: dict[str, Any]) -> None:
    result = Screening.of(RULESET, answers, SCREENING_DATE).result
    visible, effective = applicable_answers(RULESET, answers, SCREENING_DATE)
    # no medication list was given: that is an open item too (issue 10)
    assert {n.question_id for n in result.not_assessed} == set(visible) - set(effective) | {"medication_list"}
    assert result.answered + len(result.not_assessed) - 1 == result.applicable


@SETTINGS
@given(answers_strategy())
def test_no_output_ever_contains_decision_words(answers: dict[str, Any]) -> None:
    result = Screening.of(RULESET, answers, SCREENING_DATE).result
    for text in (json.dumps(result_to_json(result)), render_markdown(result, RULESET), render_html(result, RULESET)):
        hit = FORBIDDEN.search(text)
        assert hit is None, f"decision word {hit.group(0)!r} in output"


@SETTINGS
@given(answers_strategy(), st.randoms())
def test_screening_is_deterministic_and_ignores_answer_order(answers: dict[str, Any], rnd: Any) -> None:
    shuffled = list(answers.items())
    rnd.shuffle(shuffled)
    first = Screening.of(RULESET, answers, SCREENING_DATE).result
    again = Screening.of(RULESET, dict(shuffled), SCREENING_DATE).result
    assert result_to_json(first) == result_to_json(again)
    assert render_html(first, RULESET) == render_html(again, RULESET)


@SETTINGS
@given(answers_strategy(), st.integers(min_value=0, max_value=13))
def test_any_opioid_within_14_days_never_passes_silently(answers: dict[str, Any], days: int) -> None:
    """Recent use with whatever agent and formulation always gives a critical or warning opioid finding."""
    answers = answers | {"opioid_current": "no", "opioid_past_30_days": "yes",
                         "opioid_last_dose": SCREENING_DATE - timedelta(days=days)}
    result = Screening.of(RULESET, answers, SCREENING_DATE).result
    assert any(f.category == "opioid" and f.severity in ("critical", "warning") for f in result.findings)


@SETTINGS
@given(answers_strategy())
def test_findings_only_read_questions_that_apply(answers: dict[str, Any]) -> None:
    result = Screening.of(RULESET, answers, SCREENING_DATE).result
    visible, _ = applicable_answers(RULESET, answers, SCREENING_DATE)
    contradictions = {cc.decl.id for cc in RULESET.contradictions}
    for f in result.findings:
        hidden = [t for t in f.triggered_by if t.question_id not in set(visible)]
        # only a contradiction names a hidden answer, and it says the answer was kept (issue 10)
        assert not hidden or (contradictions & set(f.rule_ids) and all("kept" in t.answer for t in hidden))
