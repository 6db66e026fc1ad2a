"""FHIR export: the checklist as a Questionnaire and every golden case as a Bundle, read back through
the fhir.resources R4B models, with the skip logic checked against the engine's own visibility."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire
from functools import cache
from html.parser import HTMLParser

from fhirpathpy import compile as fhirpath_compile
from fhirpathpy.models import models as fhirpath_models

from screening.case_file import load_case
from screening.conditions import Equals, EqualsArgs
from screening.engine import applicable_answers
from screening.session import Screening
from screening.fhir_export import (SDC_ENABLE_WHEN_EXPRESSION, build_bundle, bundle_json, fhirpath, questionnaire_json,
                                   questionnaire_url)
from screening.loader import DEFAULT_RULES_DIR, load_ruleset
from screening.ruleset import RuleSet

ROOT = Path(__file__).resolve().parent.parent
CASES = sorted((ROOT / "cases").glob("*.yaml"))
SKIP_LOGIC_TOPIC = ROOT / "tests" / "fixtures" / "fhir-skip-logic" / "99-skip-logic.yaml"
R4 = fhirpath_models["r4"]


@cache
def _compiled(expression: str) -> Any:
    return fhirpath_compile(expression, R4)


def fhirpath_evaluate(resource: dict[str, Any], expression: str) -> Any:
    """Evaluate a FHIRPath expression with %resource bound to the resource (as SDC does)."""
    return _compiled(expression)(resource, {"resource": resource})
ENABLE_ANSWER = {"boolean": "answerBoolean", "choice": "answerCoding", "date": "answerDate", "decimal": "answerDecimal"}
VALUE = {"boolean": "valueBoolean", "choice": "valueCoding", "date": "valueDate", "decimal": "valueDecimal"}
SEVERITY = {"critical": "high", "warning": "moderate", "info": "low"}


# ---- helpers: read the exported JSON as an EHR would --------------------------------------------

def questionnaire(ruleset: RuleSet) -> dict[str, Any]:
    text = questionnaire_json(ruleset)
    Questionnaire.model_validate_json(text)
    return json.loads(text)


def questions_of(q: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """linkId -> item for every question item (not groups, not display items)."""
    def walk(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for item in items:
            yield item
            yield from walk(item.get("item", []))
    return {i["linkId"]: i for i in walk(q["item"]) if i["type"] not in ("group", "display")}


def screened(ruleset: RuleSet, raw: Mapping[str, Any], on: date, meds: list[str] | None = None) \
        -> Screening:
    s = Screening.of(ruleset, raw, on, meds)
    assert not s.problems, s.problems
    return s


def bundle(s: Screening) -> dict[str, Any]:
    text = bundle_json(s)
    Bundle.model_validate_json(text)
    return json.loads(text)


def resources(b: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == kind]


def response_answers(qr: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """linkId -> the one answer of each answered item of a QuestionnaireResponse."""
    out = {}
    for group in qr.get("item", []):
        for item in group["item"]:
            assert len(item["answer"]) == 1
            out[item["linkId"]] = item["answer"][0]
    return out


def enable_when_holds(ew: dict[str, Any], answers: Mapping[str, dict[str, Any]]) -> bool:
    """FHIR R4 enableWhen semantics for one entry: false on an unanswered question except `exists`."""
    answer = answers.get(ew["question"])
    if ew["operator"] == "exists":
        return (answer is not None) == ew["answerBoolean"]
    if answer is None:
        return False
    key = next(k for k in ew if k.startswith("answer"))
    expected = ew[key]
    actual = answer["value" + key.removeprefix("answer")]
    if key == "answerCoding":
        actual, expected = (actual["system"], actual["code"]), (expected["system"], expected["code"])
    ops = {"=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
           ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}
    return bool(ops[ew["operator"]](actual, expected))


def enabled(item: dict[str, Any], qr: dict[str, Any]) -> bool:
    """Is a Questionnaire item enabled for this response (enableWhen, or the SDC expression)?"""
    if "enableWhen" in item:
        answers = response_answers(qr)
        results = [enable_when_holds(ew, answers) for ew in item["enableWhen"]]
        return all(results) if item.get("enableBehavior", "all") == "all" else any(results)
    expressions = [e["valueExpression"]["expression"] for e in item.get("extension", [])
                   if e["url"] == SDC_ENABLE_WHEN_EXPRESSION]
    if expressions:
        return fhirpath_evaluate(qr, expressions[0]) == [True]
    return True


@pytest.fixture(scope="module")
def skip_logic_rules(tmp_path_factory: pytest.TempPathFactory) -> RuleSet:
    """The real rules plus a test-only topic whose show_when conditions take every shape."""
    rules = tmp_path_factory.mktemp("fhir") / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    shutil.copy(SKIP_LOGIC_TOPIC, rules / "topics")
    return load_ruleset(rules)


# ---- the Questionnaire ----------------------------------------------------------------------------

def test_questionnaire_parses_as_r4b_and_names_the_rule_set_and_version(ruleset: RuleSet) -> None:
    q = questionnaire(ruleset)
    assert q["status"] == "active" and q["version"] == ruleset.version
    assert q["url"] == questionnaire_url(ruleset)
    assert "ldn-safety-screening" in q["url"] and ruleset.version in q["url"]
    assert q["url"] == questionnaire(ruleset)["url"], "the canonical URL is stable"
    assert "not a decision" in q["description"] and q["publisher"] and q["date"]
    assert [g["text"] for g in q["item"]] == [t.title for t in ruleset.topics
                                              if any(cq.topic == t.id for cq in ruleset.questions)]
    assert all(g["type"] == "group" for g in q["item"])


def test_every_question_is_an_item_of_its_topic_with_its_type_options_and_help(ruleset: RuleSet) -> None:
    q = questionnaire(ruleset)
    items = questions_of(q)
    assert list(items) == [cq.question.id for cq in ruleset.questions]
    every_link_id = re.findall(r'"linkId": "([^"]+)"', json.dumps(q))
    assert len(every_link_id) == len(set(every_link_id)), "que-2: linkIds are unique"
    for group in q["item"]:
        for item in group["item"]:
            if item["type"] != "display":
                assert ruleset.question(item["linkId"]).topic == group["linkId"].removeprefix("topic-")
    for cq in ruleset.questions:
        item = items[cq.question.id]
        assert item["text"] == cq.question.prompt and item["required"] is False
        assert item["type"] == {"yes_no": "boolean", "choice": "choice", "date": "date",
                                "number": "decimal"}[cq.question.type]
        if cq.question.type == "choice":
            assert [(o["valueCoding"]["code"], o["valueCoding"]["display"]) for o in item["answerOption"]] \
                == list(cq.options.items())
        else:
            assert "answerOption" not in item
        helps = [i["text"] for i in item.get("item", []) if i["type"] == "display"]
        assert helps == ([cq.question.help] if cq.question.help else [])


@pytest.mark.parametrize("which", ["real", "every-shape"])
def test_no_show_when_is_dropped_and_enable_when_points_at_real_items_of_the_right_type(
        which: str, ruleset: RuleSet, skip_logic_rules: RuleSet) -> None:
    rules = ruleset if which == "real" else skip_logic_rules
    items = questions_of(questionnaire(rules))
    with_logic = 0
    for cq in rules.questions:
        item = items[cq.question.id]
        expressions = [e for e in item.get("extension", []) if e["url"] == SDC_ENABLE_WHEN_EXPRESSION]
        if cq.question.show_when is None:
            assert "enableWhen" not in item and not expressions
            continue
        with_logic += 1
        assert ("enableWhen" in item) != bool(expressions), f"{cq.question.id}: exactly one form of skip logic"
        for e in expressions:
            assert e["valueExpression"]["language"] == "text/fhirpath"
        entries = item.get("enableWhen", [])
        assert ("enableBehavior" in item) == (len(entries) > 1), "que-12: a behaviour exactly when several"
        for ew in entries:
            target = items[ew["question"]]            # an existing question item, not a group or display
            answer_keys = [k for k in ew if k.startswith("answer")]
            assert len(answer_keys) == 1
            if ew["operator"] == "exists":
                assert answer_keys == ["answerBoolean"]
            else:
                assert answer_keys == [ENABLE_ANSWER[target["type"]]]
            if target["type"] == "choice":
                assert ew["answerCoding"] in [o["valueCoding"] for o in target["answerOption"]]
    assert with_logic == sum(cq.question.show_when is not None for cq in rules.questions) > 0


def test_conditions_that_enable_when_cannot_express_become_sdc_expressions(skip_logic_rules: RuleSet) -> None:
    items = questions_of(questionnaire(skip_logic_rules))
    as_expression = {qid for qid, i in items.items() if "extension" in i
                     and any(e["url"] == SDC_ENABLE_WHEN_EXPRESSION for e in i["extension"])}
    assert as_expression == {"sl_not_equals", "sl_any_inside_all", "sl_days", "sl_not_not_answered"}
    assert items["sl_lookup"]["enableBehavior"] == "any"
    assert {ew["answerCoding"]["code"] for ew in items["sl_lookup"]["enableWhen"]} == \
        {r.value for r in skip_logic_rules.tables["opioid_agents"].rows if r.attributes["acting"] == "long"}
    assert items["sl_all_leaves"]["enableBehavior"] == "all"
    assert items["sl_unanswered_or_two"]["item"][0]["text"] == "Two: The second option.", "option help kept"
    assert items["sl_unanswered_or_two"]["enableWhen"][0] == {"question": "sl_flag", "operator": "exists",
                                                              "answerBoolean": False}


def _answer_grid(on: date) -> Iterator[dict[str, Any]]:
    flags = [None, "yes", "no"]
    scores = [None, 2, 3.5, 5]
    agents = [None, "tramadol", "methadone", "buprenorphine_depot"]
    dates = [None, *((on - timedelta(days=n)).isoformat() for n in (1, 2, 6, 7))]
    for flag, score, agent, day, dependant in itertools.product(flags, scores, agents, dates, [None, "yes"]):
        raw = {"sl_flag": flag, "sl_score": score, "sl_agent": agent, "sl_date": day, "sl_not_equals": dependant}
        yield {k: v for k, v in raw.items() if v is not None}


def test_skip_logic_enables_exactly_the_questions_the_engine_shows_for_every_answer_shape(
        skip_logic_rules: RuleSet) -> None:
    on = date(2026, 11, 23)
    items = questions_of(questionnaire(skip_logic_rules))
    watched = [cq.question.id for cq in skip_logic_rules.questions if cq.question.id.startswith("sl_")]
    checked = 0
    for raw in _answer_grid(on):
        s = screened(skip_logic_rules, raw, on)   # built, not re-validated: the other tests do that
        answers = s.answers
        qr = resources(build_bundle(s), "QuestionnaireResponse")[0]
        visible = set(applicable_answers(skip_logic_rules, answers, on)[0])
        for qid in watched:
            assert enabled(items[qid], qr) == (qid in visible), f"{qid} with {raw}"
            checked += 1
    assert checked > 5000


def test_the_fhirpath_form_of_every_show_when_agrees_with_the_engine_on_every_case(ruleset: RuleSet) -> None:
    """Even where enableWhen suffices, the expression form is checked, so both translations are tested."""
    for path in CASES:
        case = load_case(path)
        s = screened(ruleset, case.answers, case.screening_date, case.medication_lines())
        answers = s.answers
        qr = resources(bundle(s), "QuestionnaireResponse")[0]
        visible = set(applicable_answers(ruleset, answers, case.screening_date)[0])
        for cq in ruleset.questions:
            if cq.question.show_when is not None:
                got = fhirpath_evaluate(qr, fhirpath(ruleset, cq.question.show_when))
                assert (got == [True]) == (cq.question.id in visible), f"{path.name}: {cq.question.id}"


def test_a_medication_fact_in_a_condition_is_unknown_in_fhirpath_as_it_is_for_visibility(ruleset: RuleSet) -> None:
    cond = Equals(equals=EqualsArgs(question="med_opioid_agonist", value="yes"))
    assert fhirpath(ruleset, cond) == "{}"


# ---- the screening Bundle -------------------------------------------------------------------------

@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_every_case_exports_a_bundle_that_parses_and_mirrors_the_screening(path: Path, ruleset: RuleSet) -> None:
    case = load_case(path)
    on = case.screening_date
    s = screened(ruleset, case.answers, on, case.medication_lines())
    answers, result = s.answers, s.result
    b = bundle(s)
    q_items = questions_of(questionnaire(ruleset))
    assert b["type"] == "collection"
    full_urls = [e["fullUrl"] for e in b["entry"]]
    assert len(set(full_urls)) == len(full_urls)

    [qr] = resources(b, "QuestionnaireResponse")
    assert qr["questionnaire"] == questionnaire_url(ruleset) and qr["authored"] == on.isoformat()
    assert qr["status"] == ("completed" if result.answered == result.applicable else "in-progress")
    effective = applicable_answers(ruleset, answers, on)[1]
    got = response_answers(qr)
    assert set(got) == set(effective), "only the answers that count, every one of them"
    for group in qr.get("item", []):
        for item in group["item"]:
            assert ruleset.question(item["linkId"]).topic == group["linkId"].removeprefix("topic-")
    for qid, answer in got.items():
        assert list(answer) == [VALUE[q_items[qid]["type"]]], f"{qid}: answer type matches the item type"
        if q_items[qid]["type"] == "choice":
            assert answer["valueCoding"] in [o["valueCoding"] for o in q_items[qid]["answerOption"]]

    issues = resources(b, "DetectedIssue")
    findings = [i for i in issues if i["code"]["coding"][0]["code"] != "not-assessed"]
    assert [(i["code"]["coding"][0]["code"], i["severity"]) for i in findings] == \
        [(f.rule_id, SEVERITY[f.severity]) for f in result.findings]
    for issue, finding in zip(findings, result.findings):
        assert issue["status"] == "final" and issue["identifiedDateTime"] == on.isoformat()
        assert issue["detail"] == finding.summary and "mitigation" not in issue
        [stamp] = [e for e in issue["extension"] if e["url"].endswith("-ruleset")]
        assert {e["url"]: e["valueString"] for e in stamp["extension"]} == \
            {"name": ruleset.meta.name, "version": ruleset.version, "sha256": ruleset.sha256}
        codes = [c["coding"][0]["code"] for ev in issue.get("evidence", []) for c in ev["code"]]
        assert codes == [t.question_id for t in finding.triggered_by]
        for ev, code in zip(issue.get("evidence", []), codes):
            in_response = [d for d in ev.get("detail", []) if d["reference"] == full_urls[0]]
            assert code in ruleset.facts or bool(in_response) == (code in got), \
                "evidence points into the QuestionnaireResponse exactly when the answer is there"
            assert code in got or code in ruleset.facts or code in answers, "evidence names a given answer or a fact"
        implicated = issue.get("implicated", [])
        assert bool(implicated) == any(t.question_id in ruleset.facts and t.answer.startswith("yes")
                                       for t in finding.triggered_by)

    not_assessed = [i for i in issues if i["code"]["coding"][0]["code"] == "not-assessed"]
    if result.not_assessed:
        [na] = not_assessed
        assert "severity" not in na, "an open question has no known severity; never 'low'"
        listed = [ev["code"][0].get("coding", [{}])[0].get("code") or ev["code"][0]["text"] for ev in na["evidence"]]
        assert listed == [n.question_id if not n.question_id.startswith("medication_line_") else n.prompt
                          for n in result.not_assessed]
        for qid in listed:
            assert qid not in got
    else:
        assert not not_assessed

    statements = resources(b, "MedicationStatement")
    lines = [m for m in result.medications or [] if m.status != "empty"]
    assert [s["medicationCodeableConcept"]["text"] for s in statements] == [m.line.strip() for m in lines]
    assert all(s["status"] == "unknown" for s in statements)

    references = {r["reference"] for i in issues for ev in i.get("evidence", []) for r in ev.get("detail", [])}
    references |= {r["reference"] for i in issues for r in i.get("implicated", [])}
    assert references <= set(full_urls), "every reference resolves inside the Bundle"


def test_a_medication_finding_implicates_the_lines_that_triggered_it(ruleset: RuleSet) -> None:
    on = date(2026, 11, 23)
    s = screened(ruleset, {"opioid_current": "no"}, on, ["Norco 10/325 1 tab q6h prn", "vitamin D3"])
    result = s.result
    b = bundle(s)
    by_url = {e["fullUrl"]: e["resource"] for e in b["entry"]}
    lead = next(f.rule_id for f in result.findings if "opioid-current-use" in f.rule_ids)   # one card per cause
    opioid = next(i for i in resources(b, "DetectedIssue") if i["code"]["coding"][0]["code"] == lead)
    assert opioid["severity"] == "high"
    assert [by_url[r["reference"]]["medicationCodeableConcept"]["text"] for r in opioid["implicated"]] == \
        ["Norco 10/325 1 tab q6h prn"]


def _strings(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for v in data.values():
            yield from _strings(v)
    elif isinstance(data, list):
        for v in data:
            yield from _strings(v)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append((tag, attrs))


def test_typed_text_stays_text_in_the_bundle(ruleset: RuleSet) -> None:
    """Every injection payload as a medication line (alone, and quoted back by an opioid finding):
    the Bundle parses, its narratives hold only the tags the export writes, and no string carries a
    control character FHIR forbids."""
    from tests.test_injection import load_payloads

    on = date(2026, 11, 23)
    failures = []
    for payload in load_payloads():
        for line in (payload, f"Norco 10/325 {payload}"):
            text = bundle_json(Screening.of(ruleset, {}, on, [line]))
            b = json.loads(text)
            Bundle.model_validate(b)
            for resource in (e["resource"] for e in b["entry"]):
                if "text" in resource:
                    parser = _Tags()
                    parser.feed(resource["text"]["div"])
                    extra = [(t, a) for t, a in parser.seen if t not in ("div", "p", "b", "ul", "li")
                             or a not in ([], [("xmlns", "http://www.w3.org/1999/xhtml")])]
                    if extra:
                        failures.append((line, extra))
            bad = [v for v in _strings(b) if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", v)]
            if bad:
                failures.append((line, bad))
    assert not failures


def test_exports_carry_no_decision_words(ruleset: RuleSet) -> None:
    from screening.crosschecks import forbidden_pattern

    pattern = forbidden_pattern(ruleset.meta.forbidden_words)
    assert pattern.search(questionnaire_json(ruleset)) is None
    for path in CASES:
        case = load_case(path)
        s = screened(ruleset, case.answers, case.screening_date, case.medication_lines())
        assert pattern.search(bundle_json(s)) is None, path.name


def test_the_app_offers_the_fhir_download_with_the_screening_on_the_page(
        ruleset: RuleSet, monkeypatch: pytest.MonkeyPatch) -> None:
    """Click-free: the button's deferred data is run as Streamlit would on a click, and read back."""
    import streamlit.testing.v1.app_test as app_test
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.testing.v1 import AppTest

    managers: list[MediaFileManager] = []

    class Recording(MediaFileManager):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            managers.append(self)

    monkeypatch.setattr(app_test, "MediaFileManager", Recording)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.session_state["screening_date"] = date(2026, 11, 23)
    at.run()
    next(w for w in at.radio if w.key == "q_opioid_current").set_value("yes")
    at.run()
    assert not at.exception
    [button] = [b for b in at.get("download_button") if b.proto.label == "Screening for the record (FHIR R4 Bundle)"]
    deferred = managers[-1]._deferred_callables[button.proto.deferred_file_id]
    assert deferred["mimetype"] == "application/fhir+json" and deferred["filename"].endswith(".fhir.json")
    b = json.loads(deferred["callable"]())
    Bundle.model_validate(b)
    [qr] = resources(b, "QuestionnaireResponse")
    assert response_answers(qr) == {"opioid_current": {"valueBoolean": True}}
    assert qr["status"] == "in-progress" and qr["authored"] == "2026-11-23"
    assert [i["code"]["coding"][0]["code"] for i in resources(b, "DetectedIssue")] == \
        ["opioid-current-use", "not-assessed"]


# ---- the command line -----------------------------------------------------------------------------

def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "screening", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
                                            "LDN_CACHE_DIR": os.environ.get("LDN_CACHE_DIR", "off")})   # not ~/.cache


def test_cli_writes_the_questionnaire_to_a_file_or_standard_output(tmp_path: Path) -> None:
    out = tmp_path / "q.json"
    done = cli("questionnaire", "-o", str(out))
    assert done.returncode == 0, done.stderr
    Questionnaire.model_validate_json(out.read_text(encoding="utf-8"))
    printed = cli("questionnaire", cwd=tmp_path)
    assert printed.returncode == 0 and json.loads(printed.stdout) == json.loads(out.read_text(encoding="utf-8"))
    assert [p.name for p in tmp_path.iterdir()] == ["q.json"], "nothing written unless -o says where"


def test_cli_check_format_fhir_prints_a_bundle(tmp_path: Path) -> None:
    done = cli("check", str(ROOT / "cases" / "norco-on-the-list-with-opioid-question-unanswered.yaml"),
               "--format", "fhir", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    b = json.loads(done.stdout)
    Bundle.model_validate(b)
    kinds = [e["resource"]["resourceType"] for e in b["entry"]]
    assert kinds[0] == "QuestionnaireResponse" and "DetectedIssue" in kinds and "MedicationStatement" in kinds
    assert list(tmp_path.iterdir()) == []
