"""The engine: skip logic, interval thresholds, three-valued conditions, wording and determinism."""

from __future__ import annotations

import pytest

from screening.rule_models import SEVERITY_ORDER
from screening.ruleset import RuleSet
from tests.helpers import SCREENING_DATE, days_ago, fired, recent_opioid, run

SHORT_LT7, SHORT_7_13 = "opioid-short-acting-under-7-days", "opioid-short-acting-7-to-13-days"
LONG_LT14, DEPOT = "opioid-long-acting-under-14-days", "opioid-depot-buprenorphine"
NO_DATE, UNKNOWN = "opioid-recent-use-date-unknown", "opioid-agent-treated-as-long-acting"
INTERVAL_RULES = {SHORT_LT7, SHORT_7_13, LONG_LT14, DEPOT, NO_DATE}


def interval_findings(result) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {k: v for k, v in fired(result).items() if k in INTERVAL_RULES}


@pytest.mark.parametrize(("days", "expected"), [
    (0, {SHORT_LT7: "critical"}), (6, {SHORT_LT7: "critical"}), (7, {SHORT_7_13: "warning"}),
    (13, {SHORT_7_13: "warning"}), (14, {}), (29, {}),
])
def test_short_acting_tramadol_interval_thresholds(ruleset: RuleSet, days: int, expected: dict[str, str]) -> None:
    result = run(ruleset, recent_opioid("tramadol", "immediate_release", days))
    assert interval_findings(result) == expected


@pytest.mark.parametrize(("agent", "formulation"), [
    ("methadone", "immediate_release"), ("buprenorphine", "immediate_release"), ("oxycodone", "extended_release"),
    ("fentanyl", "transdermal"), ("kratom", "immediate_release"), ("unknown", "immediate_release"),
    ("hydrocodone", "unknown"),
])
@pytest.mark.parametrize(("days", "critical"), [(13, True), (14, False)])
def test_long_acting_or_unknown_is_critical_until_day_14(ruleset: RuleSet, agent: str, formulation: str,
                                                         days: int, critical: bool) -> None:
    result = run(ruleset, recent_opioid(agent, formulation, days))
    assert interval_findings(result) == ({LONG_LT14: "critical"} if critical else {})


def test_depot_buprenorphine_is_critical_whatever_the_date(ruleset: RuleSet) -> None:
    for days in (3, 20, 29):
        result = run(ruleset, recent_opioid("buprenorphine_depot", "depot_injection", days))
        assert interval_findings(result) == {DEPOT: "critical"}


def test_depot_formulation_alone_counts_as_depot(ruleset: RuleSet) -> None:
    result = run(ruleset, recent_opioid("buprenorphine", "depot_injection", 40))
    assert interval_findings(result) == {DEPOT: "critical"}


def test_unknown_agent_is_treated_as_long_acting_and_says_so(ruleset: RuleSet) -> None:
    result = run(ruleset, recent_opioid("unknown", "immediate_release", 10))
    assert fired(result) == {LONG_LT14: "critical"}     # one cause, one card (issue 10)
    card = result.findings[0]
    assert [(a.rule_id, a.severity) for a in card.also] == [(UNKNOWN, "info")]
    assert "treated as long-acting" in card.also[0].summary


def test_recent_use_without_a_date_is_critical_and_the_date_is_not_assessed(ruleset: RuleSet) -> None:
    result = run(ruleset, recent_opioid("tramadol", "immediate_release", None))
    assert fired(result)[NO_DATE] == "critical"
    assert "opioid_last_dose" in {n.question_id for n in result.not_assessed}


def test_unanswered_agent_and_formulation_fail_closed_to_long_acting(ruleset: RuleSet) -> None:
    answers = {"opioid_current": "no", "opioid_past_30_days": "yes", "opioid_last_dose": days_ago(10)}
    assert interval_findings(run(ruleset, answers)) == {LONG_LT14: "critical"}


def test_interval_finding_shows_days_elapsed_and_threshold_dates(ruleset: RuleSet) -> None:
    result = run(ruleset, recent_opioid("codeine", "immediate_release", 3))
    finding = next(f for f in result.findings if f.rule_id == SHORT_LT7)
    assert "3 days ago" in finding.summary
    assert "2026-11-27" in finding.summary                     # day 7 from 2026-11-20
    assert "2026-11-27" in finding.would_change and "2026-12-04" in finding.would_change


def test_dates_count_from_the_screening_date_not_the_clock(ruleset: RuleSet) -> None:
    from datetime import date
    answers = recent_opioid("tramadol", "immediate_release", None) | {"opioid_last_dose": "2020-01-01"}
    assert interval_findings(run(ruleset, answers, on=date(2020, 1, 5))) == {SHORT_LT7: "critical"}
    assert interval_findings(run(ruleset, answers, on=date(2020, 1, 20))) == {}


def test_current_opioid_use_is_critical(ruleset: RuleSet) -> None:
    assert fired(run(ruleset, {"opioid_current": "yes"}))["opioid-current-use"] == "critical"


def test_hidden_questions_are_ignored_even_if_answered(ruleset: RuleSet) -> None:
    """A transplant answer about immunosuppressants counts only when the patient is a recipient."""
    result = run(ruleset, {"transplant_recipient": "no", "transplant_immunosuppressants": "yes"})
    assert "transplant-on-immunosuppressants" not in fired(result)
    assert result.applicable == len(ruleset.questions) - 4   # agent, formulation, last dose, immunosuppressants


def test_transplant_recipient_on_immunosuppressants_is_a_warning(ruleset: RuleSet) -> None:
    result = run(ruleset, {"transplant_recipient": "yes", "transplant_immunosuppressants": "yes"})
    assert fired(result)["transplant-on-immunosuppressants"] == "warning"


def test_transplant_recipient_without_immunosuppressants_gives_no_finding(ruleset: RuleSet) -> None:
    assert fired(run(ruleset, {"transplant_recipient": "yes", "transplant_immunosuppressants": "no"})) == {}


def test_acute_hepatitis_is_critical_and_chronic_liver_disease_a_warning(ruleset: RuleSet) -> None:
    assert fired(run(ruleset, {"liver_acute": "yes"})) == {"liver-acute-hepatitis-or-failure": "critical"}
    assert fired(run(ruleset, {"liver_chronic": "yes"})) == {"liver-chronic-disease": "warning"}


def test_thyroid_hormone_alone_gives_the_thyroid_monitoring_warning(ruleset: RuleSet) -> None:
    result = run(ruleset, {"thyroid_hormone": "yes", "thyroid_hashimoto": "no"})
    finding = result.findings[0]
    assert (finding.rule_id, finding.severity) == ("thyroid-hashimoto-or-thyroid-hormone", "warning")
    assert "2–3 months" in finding.summary
    # only the answers that caused it: "Hashimoto's: no" did not (issue 10)
    assert [t.question_id for t in finding.triggered_by] == ["thyroid_hormone"]


def test_unanswered_questions_are_not_assessed_never_no_concern(ruleset: RuleSet) -> None:
    result = run(ruleset, {})
    assert result.findings == []
    assert result.answered == 0
    always_shown = {cq.question.id for cq in ruleset.questions if cq.question.show_when is None}
    # the 30-day question shows while current use is unanswered, so a skipped first answer hides nothing
    assert {n.question_id for n in result.not_assessed} == always_shown | {"opioid_past_30_days", "medication_list"}


def test_findings_are_ordered_critical_first(ruleset: RuleSet) -> None:
    result = run(ruleset, {"thyroid_hormone": "yes", "naloxone_on_hand": "yes", "opioid_current": "yes"})
    severities = [f.severity for f in result.findings]
    assert severities == sorted(severities, key=SEVERITY_ORDER.__getitem__)
    assert severities[0] == "critical"


def test_every_finding_explains_itself(ruleset: RuleSet) -> None:
    everything = {cq.question.id: "yes" for cq in ruleset.questions if cq.question.type == "yes_no"}
    result = run(ruleset, everything | {"opioid_current": "yes", "urine_opioid_screen": "positive"})
    assert len(result.findings) >= 12
    for f in result.findings:
        assert f.summary and len(f.summary) <= 140
        assert f.why and f.discuss and f.would_change and f.patient
        assert f.sources and all(s.url or s.document for s in f.sources)
        assert f.triggered_by


def test_future_last_dose_date_is_rejected_at_the_field_and_other_answers_kept(ruleset: RuleSet) -> None:
    answers = recent_opioid("tramadol", "immediate_release", None) | {
        "opioid_last_dose": "2026-12-01", "thyroid_hormone": "yes"}
    result = run(ruleset, answers)
    assert [(p.field, "after the screening date" in p.message) for p in result.input_problems] == [
        ("answers.opioid_last_dose", True)]
    assert fired(result)["thyroid-hashimoto-or-thyroid-hormone"] == "warning"
    assert fired(result)[NO_DATE] == "critical"    # the bad date counts as not recorded: fails closed


@pytest.mark.parametrize(("field", "value", "message"), [
    ("opioid_last_dose", "2026-02-30", "not a real calendar date"),
    ("opioid_last_dose", "last tuesday", "YYYY-MM-DD"),
    ("opioid_agent", "oxycontinn", "unknown option 'oxycontinn'"),
    ("opioid_current", "maybe", 'must be "yes" or "no"'),
    ("no_such_question", "yes", "unknown question"),
])
def test_bad_values_are_named_by_field(ruleset: RuleSet, field: str, value: str, message: str) -> None:
    result = run(ruleset, {"opioid_current": "no", "opioid_past_30_days": "yes", "thyroid_hormone": "yes",
                           field: value})
    problem = next(p for p in result.input_problems if p.field == f"answers.{field}")
    assert message in problem.message
    assert "thyroid-hashimoto-or-thyroid-hormone" in fired(result)   # every other answer is kept


def test_screening_is_deterministic(ruleset: RuleSet) -> None:
    answers = recent_opioid("morphine", "extended_release", 5) | {"liver_chronic": "yes"}
    assert run(ruleset, answers) == run(ruleset, answers)


def test_result_carries_the_ruleset_version_and_hash(ruleset: RuleSet) -> None:
    result = run(ruleset, {})
    assert result.ruleset.version == ruleset.version
    assert len(result.ruleset.sha256) == 64
    assert result.screening_date == SCREENING_DATE
