"""The teaching library as an educator would check it: balance, language, dates, and what it teaches.

Topics and severities come from the rule set, and the phrases to avoid from rules/ruleset.yaml, so a
new topic, severity or phrase is checked without editing this file.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from screening.case_file import CaseFile, load_case
from screening.session import Screening
from screening.ruleset import RuleSet
from screening.teaching import (NO_FINDING, NOT_ASSESSED, PREDICTIONS, LessonScore, calendar_date, case_numbers,
                                phrases_to_avoid, score_predictions, topic_outcome)
from tests.helpers import SCREENING_DATE

CASES = sorted((Path(__file__).resolve().parent.parent / "cases").glob("*.yaml"))
MIN_PER_TOPIC = 6
MIN_PER_OUTCOME = 5


@pytest.fixture(scope="module")
def library() -> dict[str, CaseFile]:
    return {p.stem: load_case(p) for p in CASES}


# ---- balance -------------------------------------------------------------------------------------

def test_every_topic_of_the_rule_set_has_at_least_six_cases(ruleset: RuleSet, library: dict[str, CaseFile]) -> None:
    counts = Counter(t for c in library.values() for t in c.topics)
    short = {t.id: counts[t.id] for t in ruleset.topics if counts[t.id] < MIN_PER_TOPIC}
    assert short == {}, f"topics with fewer than {MIN_PER_TOPIC} teaching cases: {short}"


def test_every_severity_and_no_finding_is_taught_by_at_least_five_cases(ruleset: RuleSet,
                                                                       library: dict[str, CaseFile]) -> None:
    counts: Counter[str] = Counter()
    for case in library.values():
        assert case.expected is not None
        counts.update({e.severity for e in case.expected.findings})
        if not case.expected.findings:
            counts[NO_FINDING] += 1
    wanted = [*ruleset.meta.severities, NO_FINDING]
    short = {s: counts[s] for s in wanted if counts[s] < MIN_PER_OUTCOME}
    assert short == {}, f"outcomes with fewer than {MIN_PER_OUTCOME} cases: {short}"


# ---- language ------------------------------------------------------------------------------------

def test_the_rule_set_keeps_a_narrative_language_list_with_a_source(ruleset: RuleSet) -> None:
    language = ruleset.meta.narrative_language
    assert language is not None and len(language.phrases) >= 10 and language.sources


def test_no_narrative_or_title_uses_a_decision_word_or_a_stigmatising_phrase(ruleset: RuleSet,
                                                                             library: dict[str, CaseFile]) -> None:
    hits = {stem: found for stem, c in library.items()
            if (found := phrases_to_avoid(f"{c.title}\n{c.narrative}", ruleset.meta))}
    assert hits == {}, f"narratives using a phrase rules/ruleset.yaml says to avoid: {hits}"


@pytest.mark.parametrize("text", ["A former addict who stayed clean for a year.", "He had a dirty urine screen.",
                                  "He says he takes no opioids.", "She is eligible now.",
                                  "naltrexone for alcohol use years ago", "a known drug-seeking patient"])
def test_the_language_check_catches_what_it_lists(ruleset: RuleSet, text: str) -> None:
    assert phrases_to_avoid(text, ruleset.meta)


def test_the_language_check_leaves_clinical_terms_alone(ruleset: RuleSet) -> None:
    assert phrases_to_avoid("opioid use disorder in remission, supported by the addiction service; naltrexone "
                            "for alcohol use disorder; a urine screen negative for the substances tested",
                            ruleset.meta) == []


def test_narratives_give_calendar_dates_rather_than_counting_days_for_the_student(
        library: dict[str, CaseFile]) -> None:
    counting = re.compile(r"\b(\w+|\d+) days? (before|after) the (screening )?visit\b", re.IGNORECASE)
    assert {s for s, c in library.items() if counting.search(c.narrative or "")} == set()


def test_a_negative_urine_screen_is_never_offered_without_naming_the_test(library: dict[str, CaseFile]) -> None:
    """Standard opiate immunoassays miss methadone, buprenorphine, tramadol and fentanyl (section 9)."""
    vague = [s for s, c in library.items() if c.answers.get("urine_opioid_screen") == "negative"
             and not re.search(r"assay|immunoassay|opiate screen", c.narrative or "", re.IGNORECASE)]
    assert vague == []


def test_the_dependence_question_asks_about_current_dependence(ruleset: RuleSet) -> None:
    prompt = ruleset.question("opioid_dependence").question.prompt
    assert "current" in prompt.lower()
    rule = next(cr.rule for cr in ruleset.rules if cr.rule.id == "opioid-dependence-or-withdrawal")
    assert "relationship" not in rule.wording.patient and "currently depend on opioids" in rule.wording.patient


def test_remission_is_not_taught_as_current_dependence(ruleset: RuleSet, library: dict[str, CaseFile]) -> None:
    """Section 9: opioid use disorder in remission is what full-dose naltrexone treats, not a contraindication."""
    for stem, case in library.items():
        if "remission" in (case.narrative or "").lower():
            assert case.answers.get("opioid_dependence") != "yes", stem
            assert "opioid-dependence-or-withdrawal" not in {f.rule_id for f in Screening.from_case(ruleset, case).result.findings}


def test_opioids_about_to_start_carry_one_severity_whatever_the_reason(ruleset: RuleSet) -> None:
    severities = {cr.rule.id: cr.rule.severity for cr in ruleset.rules
                  if cr.rule.id in ("surgery-planned", "severe-acute-or-cancer-pain")}
    assert len(severities) == 2 and len(set(severities.values())) == 1, severities


def test_unknown_tablets_are_never_recorded_as_immediate_release(library: dict[str, CaseFile]) -> None:
    odd = [s for s, c in library.items()
           if c.answers.get("opioid_agent") in ("unknown", "other") and c.answers.get("opioid_formulation")
           == "immediate_release"]
    assert odd == []


# ---- numbering, dates and scoring --------------------------------------------------------------

def test_case_numbers_are_a_seeded_shuffle_that_keeps_boundary_pairs_apart(library: dict[str, CaseFile]) -> None:
    stems = list(library)
    numbers = case_numbers(stems)
    assert sorted(numbers.values()) == list(range(1, len(stems) + 1))
    assert numbers == case_numbers(list(reversed(stems)))            # stable: depends on the seed only
    assert numbers != {s: i for i, s in enumerate(sorted(stems), start=1)}
    by_number = sorted(stems, key=numbers.__getitem__)
    ordered = sorted(stems)
    neighbours = {frozenset(p) for p in zip(ordered, ordered[1:])}
    assert [p for p in zip(by_number, by_number[1:]) if frozenset(p) in neighbours] == []
    for pair in (("short-acting-13-days-is-a-warning", "short-acting-14-days-has-no-opioid-finding"),
                 ("long-acting-13-days-is-critical", "long-acting-14-days-has-no-opioid-finding")):
        assert abs(numbers[pair[0]] - numbers[pair[1]]) > 1


def test_calendar_date_reads_as_people_say_it() -> None:
    assert calendar_date(SCREENING_DATE) == "Monday 23 November 2026"


def test_an_unasked_topic_scores_not_assessed_never_no_finding(ruleset: RuleSet) -> None:
    result = Screening.of(ruleset, {"opioid_current": "no", "opioid_past_30_days": "no", "liver_acute": "no",
                                  "liver_chronic": "no"}, SCREENING_DATE).result
    assert topic_outcome(result, "liver") == NO_FINDING
    assert topic_outcome(result, "thyroid") == NOT_ASSESSED
    scores = {s.topic: s for s in score_predictions(result, {"thyroid": NO_FINDING, "liver": NO_FINDING})}
    assert not scores["thyroid"].correct and scores["thyroid"].actual == NOT_ASSESSED
    assert {n.question_id for n in scores["thyroid"].open_items} == {"thyroid_hashimoto", "thyroid_hormone"}
    assert scores["liver"].correct
    assert NOT_ASSESSED in PREDICTIONS


def test_a_finding_outranks_open_items_in_the_same_topic(ruleset: RuleSet) -> None:
    result = Screening.of(ruleset, {"thyroid_hashimoto": "yes"}, SCREENING_DATE).result
    assert topic_outcome(result, "thyroid") == "warning"


def test_the_lesson_score_counts_each_case_once_at_its_first_reveal(ruleset: RuleSet,
                                                                   library: dict[str, CaseFile]) -> None:
    case = library["tramadol-stopped-9-days"]
    result = Screening.from_case(ruleset, case).result
    right = score_predictions(result, {t: topic_outcome(result, t) for t in case.topics})
    wrong = score_predictions(result, {t: NO_FINDING for t in case.topics})
    lesson = LessonScore().with_case("a", wrong).with_case("a", right)      # a second reveal re-grades nothing
    assert (lesson.correct, lesson.total) == (0, 2)
    lesson = lesson.with_case("b", right)
    assert (lesson.correct, lesson.total, len(lesson.cases)) == (2, 4, 2)


def test_rule_wording_and_questions_avoid_the_stigmatising_phrases_too(ruleset: RuleSet) -> None:
    """Clinician and patient texts tell the same story as the cases, in the same words."""
    hits = {}
    for cr in ruleset.rules:
        w = cr.rule.wording
        for text in (cr.rule.title, w.summary, w.why, w.would_change, w.patient, w.sources_disagree or "", *w.discuss):
            if found := phrases_to_avoid(text, ruleset.meta):
                hits[cr.rule.id] = found
    for cq in ruleset.questions:
        if found := phrases_to_avoid(f"{cq.question.prompt} {cq.question.help or ''}", ruleset.meta):
            hits[cq.question.id] = found
    assert hits == {}
