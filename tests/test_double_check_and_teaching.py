"""The pharmacist's comparison, the trainer's scoring, and 'what would change with time'."""

from __future__ import annotations

import pytest

from screening.double_check import Unresolved, combine, compare
from screening.session import Screening
from screening.report import render_markdown
from screening.ruleset import RuleSet
from screening.teaching import score_predictions
from screening.timeline import with_changes_ahead
from tests.helpers import SCREENING_DATE, days_ago, recent_opioid


def _checks(ruleset: RuleSet, first: dict[str, str], second: dict[str, str]) -> tuple[Screening, Screening]:
    return Screening.of(ruleset, first, SCREENING_DATE), Screening.of(ruleset, second, SCREENING_DATE)


def test_compare_lists_every_applicable_question_and_flags_disagreements(ruleset: RuleSet) -> None:
    first, second = _checks(ruleset, {"opioid_current": "no", "opioid_past_30_days": "yes", "liver_chronic": "yes"},
                            {"opioid_current": "no", "opioid_past_30_days": "no", "liver_chronic": "yes",
                             "thyroid_hormone": "yes"})
    comparisons = compare(first, second)
    disagree = {c.question_id: (c.first, c.second) for c in comparisons if not c.agree}
    assert disagree["opioid_past_30_days"] == ("Yes", "No")
    assert disagree["thyroid_hormone"] == (None, "Yes")
    listed = {c.question_id: c for c in comparisons}
    assert "opioid_agent" in listed and "opioid_agent" not in disagree   # applies in the first; unanswered in both
    assert listed["opioid_agent"].shown_in == "first" and not listed["opioid_agent"].disagrees
    assert "liver_chronic" in listed and "liver_chronic" not in disagree


def test_combined_answers_need_every_disagreement_resolved(ruleset: RuleSet) -> None:
    first, second = _checks(ruleset, {"liver_chronic": "yes", "renal_severe": "no"},
                            {"liver_chronic": "no", "renal_severe": "no"})
    comparisons = compare(first, second)
    with pytest.raises(Unresolved, match="liver_chronic"):
        combine(first, second, comparisons, {})
    assert combine(first, second, comparisons, {"liver_chronic": "first"}).entered == {"liver_chronic": "yes",
                                                                                      "renal_severe": "no"}
    combined = combine(first, second, comparisons, {"liver_chronic": "second"})
    assert combined.answers["liver_chronic"] == "no"
    assert combined.screening_date == SCREENING_DATE and combined.ruleset is ruleset


def test_a_question_asked_on_one_side_follows_its_parents_resolution(ruleset: RuleSet) -> None:
    """The first check says an opioid was taken and names it; the second says none was. Whichever side the
    pharmacist takes, the combination carries no answer its own skip logic hides (a stale hidden answer
    would raise a reconcile finding nobody entered)."""
    first, second = _checks(ruleset, {"opioid_current": "no", "opioid_past_30_days": "yes", "opioid_agent": "tramadol"},
                            {"opioid_current": "no", "opioid_past_30_days": "no"})
    comparisons = compare(first, second)
    assert [c.question_id for c in comparisons if c.disagrees] == ["opioid_past_30_days"]
    took_first = combine(first, second, comparisons, {"opioid_past_30_days": "first"})
    assert took_first.entered["opioid_agent"] == "tramadol"
    took_second = combine(first, second, comparisons, {"opioid_past_30_days": "second"})
    assert "opioid_agent" not in took_second.entered
    assert [f.rule_id for f in took_second.result.findings] == [f.rule_id for f in second.result.findings]


def test_predictions_score_against_the_most_severe_finding_per_topic(ruleset: RuleSet) -> None:
    result = Screening.of(ruleset, {"opioid_current": "yes", "thyroid_hormone": "yes"}, SCREENING_DATE).result
    scores = {s.topic: s for s in score_predictions(result, {"opioids": "critical", "thyroid": "info",
                                                              "liver": "not assessed"})}
    assert scores["opioids"].correct and scores["liver"].correct      # liver was never asked: not assessed
    assert not scores["thyroid"].correct and scores["thyroid"].actual == "warning"


def test_interval_findings_say_when_they_change(ruleset: RuleSet) -> None:
    answers = recent_opioid("tramadol", "immediate_release", 3)
    result = Screening.of(ruleset, answers, SCREENING_DATE).result
    from screening.answers import parse_answers
    typed, _ = parse_answers(ruleset, answers, SCREENING_DATE)
    full = with_changes_ahead(ruleset, typed, result)
    opioid = full.changes_ahead["opioid_use"]   # keyed by the card (its cause), issue 10
    assert [(c.on.isoformat(), [r for r, _, _ in c.findings]) for c in opioid] == [
        ("2026-11-27", ["opioid-short-acting-7-to-13-days"]), ("2026-12-04", [])]
    md = render_markdown(full, ruleset)
    assert ("If nothing else changes: from 2026-11-27, warning (Short-acting opioid 7 to 13 days ago); "
            "from 2026-12-04, no finding (Opioids).") in md


def test_findings_that_do_not_depend_on_dates_have_no_timeline(ruleset: RuleSet) -> None:
    answers = {"liver_chronic": "yes", "opioid_current": "yes"}
    result = Screening.of(ruleset, answers, SCREENING_DATE).result
    assert with_changes_ahead(ruleset, answers, result).changes_ahead == {}
    assert days_ago(0) == SCREENING_DATE.isoformat()
