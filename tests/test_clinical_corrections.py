"""Issue 10, points 1-5: contradicting answers, list evidence in the interval, one cause one card,
reconcile at the topic's severity, illicit opioids. Policy: shared/clinical-reference.md sections 7-8."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from screening.case_file import load_case
from screening.session import Screening
from screening.errors import RuleSetError
from screening.loader import DEFAULT_RULES_DIR, load_ruleset
from screening.result_models import ScreeningResult
from screening.ruleset import RuleSet

DAY = date(2026, 12, 3)
CASES = sorted((Path(__file__).resolve().parent.parent / "cases").glob("*.yaml"))


def ago(n: int) -> str:
    return (DAY - timedelta(days=n)).isoformat()


def screen(ruleset: RuleSet, answers: dict[str, Any], meds: list[str] | None = None) -> ScreeningResult:
    return Screening.of(ruleset, answers, DAY, meds).result


def cards(result: ScreeningResult) -> dict[str, str]:
    return {f.rule_id: f.severity for f in result.findings}


# ---- 1. contradicting answers are findings ------------------------------------------------------

@pytest.mark.parametrize("agent,formulation,days,severity", [
    ("methadone", "immediate_release", 3, "critical"),      # long-acting within 14 days
    ("codeine", "immediate_release", 2, "critical"),        # short-acting within 7 days
    ("tramadol", "immediate_release", 10, "warning"),       # short-acting 7-13 days: the floor is warning
    ("nitazene", "unknown", 12, "critical"),
])
def test_a_kept_last_dose_contradicting_no_recent_opioid_is_a_finding(ruleset: RuleSet, agent: str,
                                                                      formulation: str, days: int,
                                                                      severity: str) -> None:
    result = screen(ruleset, {"opioid_current": "no", "opioid_past_30_days": "no", "opioid_agent": agent,
                              "opioid_formulation": formulation, "opioid_last_dose": ago(days)})
    assert cards(result) == {"opioid-answers-contradict": severity}
    finding = result.findings[0]
    named = {t.question_id: t.answer for t in finding.triggered_by}
    assert named["opioid_past_30_days"] == "No" and named["opioid_last_dose"].startswith(ago(days))
    assert "kept" in named["opioid_last_dose"]
    assert ago(days) in finding.why and "No" in finding.why


def test_kept_answers_that_lead_nowhere_raise_nothing(ruleset: RuleSet) -> None:
    """A kept date more than 30 days ago, or a kept 'no', contradicts nothing."""
    assert cards(screen(ruleset, {"opioid_current": "no", "opioid_past_30_days": "no", "opioid_agent": "codeine",
                                  "opioid_formulation": "immediate_release", "opioid_last_dose": ago(45)})) == {}
    assert cards(screen(ruleset, {"transplant_recipient": "no", "transplant_immunosuppressants": "no"})) == {}


def test_transplant_no_with_anti_rejection_drugs_yes_is_a_warning(ruleset: RuleSet) -> None:
    result = screen(ruleset, {"transplant_recipient": "no", "transplant_immunosuppressants": "yes"})
    assert cards(result) == {"transplant-answers-contradict": "warning"}
    assert [t.question_id for t in result.findings[0].triggered_by] == ["transplant_recipient",
                                                                          "transplant_immunosuppressants"]
    assert "Crohn" in result.findings[0].why


def _rules_copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, target)
    return target


NEW_TOPIC = {
    "topic": {"id": "demo", "title": "Demo", "order": 99},
    "questions": [
        {"id": "demo_parent", "prompt": "Parent?", "type": "yes_no"},
        {"id": "demo_child", "prompt": "Child?", "type": "yes_no",
         "show_when": {"equals": {"question": "demo_parent", "value": "yes"}}},
    ],
    "rules": [{
        "id": "demo-child-info", "title": "Child", "category": "renal", "severity": "info", "status": "active",
        "when": {"equals": {"question": "demo_child", "value": "yes"}},
        "wording": {"summary": "Child.", "why": "Why.", "discuss": ["Talk."], "would_change": "Change.",
                    "patient": "Plain."},
        "sources": ["clinical-reference"], "last_reviewed": "2026-12-03"}],
    "contradictions": [{
        "id": "demo-contradict", "title": "Demo answers contradict", "category": "renal", "status": "active",
        "questions": ["demo_child"],
        "wording": {"summary": "Demo answers contradict each other.", "why": "{shown}; {hidden}; {would}.",
                    "discuss": ["Reconcile."], "would_change": "Answers that agree.", "patient": "Plain."},
        "sources": ["clinical-reference"], "last_reviewed": "2026-12-03"}],
}


def test_the_contradiction_mechanism_comes_from_the_rule_files(tmp_path: Path) -> None:
    """A new topic with skip logic gets contradiction findings with no Python change, at least a warning."""
    rules = _rules_copy(tmp_path)
    (rules / "topics" / "99-demo.yaml").write_text(yaml.safe_dump(NEW_TOPIC, sort_keys=False))
    ruleset = load_ruleset(rules)
    result = screen(ruleset, {"demo_parent": "no", "demo_child": "yes"})
    assert cards(result) == {"demo-contradict": "warning"}          # max(info, warning)
    assert "info (Child)" in result.findings[0].why
    assert cards(screen(ruleset, {"demo_parent": "yes", "demo_child": "yes"})) == {"demo-child-info": "info"}


@pytest.mark.parametrize("change,expect", [
    (lambda t: t.pop("contradictions"), 'question "demo_child": skip logic hides this question'),
    (lambda t: t["contradictions"][0].update(questions=["demo_parent"]), "has no show_when"),
    (lambda t: t["contradictions"][0]["wording"].update(why="{nope}"), 'placeholder "{nope}" is not one of'),
    (lambda t: t["contradictions"][0]["wording"].update(summary="{shown}"), "takes no placeholders"),
    (lambda t: t["contradictions"][0].update(minimum_severity="info"), "minimum_severity"),
    (lambda t: t["rules"][0].update(supersedes=["opioid-current-use"]), "must share this rule's cause"),
    (lambda t: t["rules"][0].update(supersedes=["no-such-rule"]), 'unknown rule "no-such-rule"'),
])
def test_the_validator_checks_the_new_declarations(tmp_path: Path, change: Any, expect: str) -> None:
    rules = _rules_copy(tmp_path)
    topic = yaml.safe_load(yaml.safe_dump(NEW_TOPIC))
    change(topic)
    (rules / "topics" / "99-demo.yaml").write_text(yaml.safe_dump(topic, sort_keys=False))
    with pytest.raises(RuleSetError) as err:
        load_ruleset(rules)
    assert expect in err.value.report()


def test_a_lower_severity_rule_cannot_lead_a_higher_one(tmp_path: Path) -> None:
    rules = _rules_copy(tmp_path)
    path = rules / "topics" / "06-medication-list.yaml"
    data = yaml.safe_load(path.read_text())
    info = next(r for r in data["rules"] if r["id"] == "medication-list-long-acting-opioid")
    info["supersedes"] = ["opioid-current-use"]
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(RuleSetError) as err:
        load_ruleset(rules)
    assert "a info rule cannot lead the card of the critical rule" in err.value.report()


# ---- 2. the list's evidence reaches the interval rules ------------------------------------------

@pytest.mark.parametrize("line", ["ConZip 100 mg once daily", "OxyContin 20 mg q12h", "tramadol ER 100 mg daily",
                                  "MS Contin 15 mg bid"])
def test_a_long_acting_form_on_the_list_applies_the_14_day_interval(ruleset: RuleSet, line: str) -> None:
    agent = "morphine" if "Contin" in line and "Oxy" not in line else "oxycodone" if "Oxy" in line else "tramadol"
    result = screen(ruleset, {"opioid_current": "no", "opioid_past_30_days": "yes", "opioid_agent": agent,
                              "opioid_formulation": "immediate_release", "opioid_last_dose": ago(9)}, [line])
    assert cards(result) == {"opioid-list-long-acting-answers-immediate-release": "critical"}
    card = result.findings[0]
    assert {"opioid-long-acting-under-14-days", "opioid-current-use"} <= set(card.rule_ids)
    assert "opioid-short-acting-7-to-13-days" not in card.rule_ids
    assert "answers" in card.summary and "list" in card.summary


def test_a_short_acting_form_on_the_list_keeps_the_7_day_rules(ruleset: RuleSet) -> None:
    result = screen(ruleset, {"opioid_current": "no", "opioid_past_30_days": "yes", "opioid_agent": "tramadol",
                              "opioid_formulation": "immediate_release", "opioid_last_dose": ago(9)},
                    ["gabapentin 300 mg tid"])
    assert cards(result) == {"opioid-short-acting-7-to-13-days": "warning"}


# ---- 3. one cause, one card ---------------------------------------------------------------------

def test_an_opioid_on_the_list_with_answers_no_is_one_critical_card(ruleset: RuleSet) -> None:
    result = screen(ruleset, {"opioid_current": "no"}, ["Norco 10/325 1 tab q6h prn"])
    assert cards(result) == {"medication-list-opioid-not-in-answers": "critical"}
    card = result.findings[0]
    assert card.rule_ids == ["medication-list-opioid-not-in-answers", "opioid-current-use"]
    assert {t.question_id for t in card.triggered_by} == {"med_opioid_agonist", "opioid_current"}


@pytest.mark.parametrize("answers", [{"opioid_current": "no", "antagonist_naltrexone_product": "no"},
                                     {"opioid_current": "yes"}, {}])
def test_embeda_is_one_opioid_card_and_never_a_naltrexone_duplication(ruleset: RuleSet,
                                                                      answers: dict[str, str]) -> None:
    result = screen(ruleset, answers, ["Embeda 30 mg/1.2 mg bid"])
    assert len([f for f in result.findings if f.severity == "critical"]) == 1
    assert all(f.category in ("opioid", "medication") and f.cause == "opioid_use" for f in result.findings)
    everything = " ".join(f.patient + f.summary + f.why for f in result.findings)
    assert "double up" not in everything and "duplicat" not in everything


# ---- 4. reconcile at the topic's severity -------------------------------------------------------

@pytest.mark.parametrize("answers,line,rule,severity,asks", [
    ({"thyroid_hormone": "no"}, "levothyroxine 75 mcg daily", "medication-list-thyroid-hormone-not-in-answers",
     "warning", "what it is for"),
    ({"transplant_recipient": "no"}, "azathioprine 100 mg daily (Crohn's)",
     "medication-list-immunosuppressant-not-in-answers", "warning", "Crohn"),
    ({"transplant_recipient": "yes", "transplant_immunosuppressants": "no"}, "tacrolimus 1 mg bid",
     "medication-list-immunosuppressant-not-in-answers", "warning", "Crohn"),
    ({"opioid_current": "no"}, "Tylenol #3 1 tab q4h prn", "medication-list-opioid-not-in-answers", "critical",
     "last dose"),
])
def test_a_discrepancy_takes_its_topics_severity(ruleset: RuleSet, answers: dict[str, str], line: str, rule: str,
                                                 severity: str, asks: str) -> None:
    result = screen(ruleset, answers, [line])
    assert cards(result) == {rule: severity}
    assert asks in " ".join(result.findings[0].discuss)


# ---- 5. illicit or unregulated opioids ----------------------------------------------------------

ILLICIT = ["illicit_fentanyl", "pressed_pill", "nitazene", "seven_oh", "tianeptine"]


@pytest.mark.parametrize("agent", ILLICIT)
@pytest.mark.parametrize("days,expected", [(0, "critical"), (8, "critical"), (13, "critical"), (14, None)])
def test_illicit_opioids_are_long_acting_until_14_days(ruleset: RuleSet, agent: str, days: int,
                                                       expected: str | None) -> None:
    result = screen(ruleset, {"opioid_current": "no", "opioid_past_30_days": "yes", "opioid_agent": agent,
                              "opioid_formulation": "immediate_release", "opioid_last_dose": ago(days)})
    opioid = [f for f in result.findings if f.category == "opioid"]
    assert [f.severity for f in opioid] == ([expected] if expected else [])
    if expected:
        assert "opioid-long-acting-under-14-days" in opioid[0].rule_ids
        assert "huhn-fentanyl-2020" in {s.id for s in opioid[0].sources}


def test_the_illicit_agents_cite_huhn_2020(ruleset: RuleSet) -> None:
    table = ruleset.tables["opioid_agents"]
    rows = {r.value: r.attributes["acting"] for r in table.rows}
    assert all(rows[a] == "long" for a in ILLICIT)
    assert "huhn-fentanyl-2020" in table.sources
    assert "32650192" in (ruleset.sources["huhn-fentanyl-2020"].url or "")


# ---- properties over every case -----------------------------------------------------------------

@pytest.mark.parametrize("path", CASES, ids=[c.stem for c in CASES])
def test_no_two_critical_cards_share_a_trigger_or_a_line(path: Path, ruleset: RuleSet) -> None:
    result = Screening.from_case(ruleset, load_case(path)).result
    seen: dict[tuple[str, str], str] = {}
    lines: dict[int, str] = {}
    meds = result.medications or []
    for f in result.by_severity("critical"):
        own_lines: set[int] = set()
        for t in f.triggered_by:
            if t.answer == "no":
                continue
            key = (t.question_id, t.answer)
            assert key not in seen, f"{f.rule_id} and {seen[key]} both triggered by {key}"
            seen[key] = f.rule_id
            if t.question_id in ruleset.facts:
                own_lines |= {row.number for row in meds if f'"{row.line.strip()}"' in t.answer}
        for number in own_lines:
            assert number not in lines, f"line {number} triggers both {f.rule_id} and {lines[number]}"
            lines[number] = f.rule_id
