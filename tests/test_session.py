"""The screening unit of work: one object from raw input owns typed answers, problems, visibility and result."""

from __future__ import annotations

from datetime import date

from screening.case_file import parse_case
from screening.engine import screen
from screening.record import verify_record
from screening.ruleset import RuleSet
from screening.session import Screening
from screening.values import form_values
from tests.helpers import SCREENING_DATE

RAW = {"opioid_current": "no", "opioid_past_30_days": "yes", "opioid_agent": "tramadol",
       "opioid_formulation": "immediate_release", "opioid_last_dose": "2026-11-14",
       "transplant_recipient": "no", "transplant_immunosuppressants": "yes"}


def test_a_screening_gives_what_the_engine_gives_for_the_same_raw_input(ruleset: RuleSet) -> None:
    s = Screening.of(ruleset, RAW, SCREENING_DATE, ["Ultram 50 mg"])
    direct = screen(ruleset, {"opioid_last_dose": date(2026, 11, 14), **{k: v for k, v in RAW.items()
                                                                         if k != "opioid_last_dose"}},
                    SCREENING_DATE, medications=["Ultram 50 mg"])
    assert [(f.rule_id, f.severity) for f in s.result.findings] == [(f.rule_id, f.severity) for f in direct.findings]
    assert s.answers["opioid_last_dose"] == date(2026, 11, 14)
    assert "transplant_immunosuppressants" not in s.visible            # hidden by the transplant "no"
    assert "transplant_immunosuppressants" in s.answers                # kept, not lost
    assert "transplant_immunosuppressants" not in s.used


def test_a_bad_value_is_a_problem_at_its_field_and_everything_else_is_kept(ruleset: RuleSet) -> None:
    s = Screening.of(ruleset, {**RAW, "opioid_last_dose": "2026-02-31"}, SCREENING_DATE)
    assert [p.field for p in s.problems] == ["answers.opioid_last_dose"]
    assert "not a real calendar date" in s.problems[0].message
    assert s.answers["opioid_agent"] == "tramadol"
    assert "opioid_last_dose" in {n.question_id for n in s.result.not_assessed}


def test_exports_read_back_to_the_same_screening(ruleset: RuleSet) -> None:
    s = Screening.of(ruleset, RAW, SCREENING_DATE, ["Ultram 50 mg"])
    again = Screening.from_case(ruleset, parse_case(s.case_yaml("round trip"), "round trip"))
    assert again.answers == s.answers and again.medications == s.medications
    assert [f.rule_id for f in again.result.findings] == [f.rule_id for f in s.result.findings]
    check = verify_record(s.record_text(), ruleset)
    assert check.record is not None and check.record.answers == s.answers_json()
    assert "Short-acting opioid" in s.markdown() and "<html" in s.html()
    assert s.json()["changes_ahead"]                                    # the reports carry the look-ahead


def test_an_unknown_or_retired_question_is_named_never_a_key_error(ruleset: RuleSet) -> None:
    values, problems = form_values(ruleset, {"opioid_current": "yes", "retired_question": "yes"}, SCREENING_DATE,
                                   source="record")
    assert values == {"opioid_current": "yes"}
    assert "retired_question" in problems and "not a question in this rule set" in problems["retired_question"]
    s = Screening.of(ruleset, {"retired_question": "yes"}, SCREENING_DATE)
    assert [p.field for p in s.problems] == ["answers.retired_question"]
