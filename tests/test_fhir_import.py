"""FHIR import: what a record pre-fills (only yes, with provenance), which medicines it lists, and
how it copes with resources that do not validate."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from screening.case_file import load_case, parse_case
from screening.session import Screening
from screening.cli import main
from screening.errors import InputError, RuleSetError
from screening.fhir import medication_texts
from screening.fhir_import import import_record, read_fhir_text, record_case_yaml
from screening.loader import DEFAULT_RULES_DIR, load_ruleset
from screening.ruleset import RuleSet

from .fhir_support import MARINE, RXNORM, SAMPLE_FILES, load, needs_samples, sample_resources

DAY = date(2026, 11, 23)
PID = "p1"
OPIOID_RULES = {"opioid-current-use", "medication-list-opioid-not-in-answers", "opioid-recent-use-date-unknown"}


def med(status: str, text: str, rid: str = "m1", kind: str = "MedicationRequest", **extra: Any) -> dict[str, Any]:
    r: dict[str, Any] = {"resourceType": kind, "id": rid, "status": status,
                         "subject": {"reference": f"Patient/{PID}"},
                         "medicationCodeableConcept": {"text": text}}
    if kind == "MedicationRequest":
        r["intent"] = "order"
    r.update(extra)
    return r


def condition(code: str, system: str = "http://snomed.info/sct", clinical: str = "active",
              verification: str | None = "confirmed", rid: str = "c1", onset: str | None = "2020-01-01",
              display: str = "x") -> dict[str, Any]:
    r: dict[str, Any] = {"resourceType": "Condition", "id": rid, "subject": {"reference": f"Patient/{PID}"},
                         "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                                                  "condition-clinical", "code": clinical}]},
                         "code": {"coding": [{"system": system, "code": code, "display": display}]}}
    if verification:
        r["verificationStatus"] = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                                         "condition-ver-status", "code": verification}]}
    if onset:
        r["onsetDateTime"] = onset
    return r


def patient() -> dict[str, Any]:
    return {"resourceType": "Patient", "id": PID}


def days_before(n: int) -> str:
    return (DAY - timedelta(days=n)).isoformat()


@needs_samples
def test_marine542_gives_the_transplant_finding_and_no_current_opioid(ruleset: RuleSet) -> None:
    text = MARINE.read_text(encoding="utf-8")
    resources, problems = read_fhir_text(text, MARINE.name)
    imported = import_record(ruleset, resources, DAY, validate_all=True, problems=problems)
    assert imported.problems == []
    assert imported.answers["transplant_recipient"] == "yes"
    evidence = imported.provenance["transplant_recipient"][0]
    assert (evidence.resource_type, evidence.code, evidence.onset) == ("Condition", "161665007", date(1990, 10, 28))
    assert not any("eperidine" in line for line in imported.medication_lines)   # stopped in 1980
    assert any("tacrolimus" in line for line in imported.medication_lines)
    result = Screening.of(ruleset, imported.answers, DAY, imported.medication_lines).result
    rules = {f.rule_id for f in result.findings}
    assert "transplant-on-immunosuppressants" in rules
    assert not rules & OPIOID_RULES
    assert not any(f.category == "opioids" for f in result.findings)


@needs_samples
@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name[:24])
def test_every_sample_imports_fully_and_only_ever_says_yes(ruleset: RuleSet, path: Path) -> None:
    resources, problems = read_fhir_text(path.read_text(encoding="utf-8"), path.name)
    imported = import_record(ruleset, resources, DAY, validate_all=True, problems=problems)
    assert imported.problems == [], imported.problems
    assert set(imported.answers.values()) <= {"yes"}
    assert imported.medications, "every sample has active medicines"
    # the case file round-trips and screens to the same result as the import
    case = parse_case(record_case_yaml(imported), f"{path.stem}.yaml")
    assert case.from_record is not None or not imported.prefilled
    direct = Screening.of(ruleset, imported.answers, DAY, imported.medication_lines).result
    assert [(f.rule_id, f.severity) for f in Screening.from_case(ruleset, case).result.findings] == \
        [(f.rule_id, f.severity) for f in direct.findings]


@needs_samples
def test_ndjson_reads_the_same_as_the_bundle(ruleset: RuleSet) -> None:
    resources = sample_resources(MARINE)
    ndjson = "\n".join(json.dumps(r) for r in resources) + "\n{not json\n"
    from_ndjson, problems = read_fhir_text(ndjson, "export.ndjson")
    assert [p.resource_id for p in problems] == [str(len(resources) + 1)]    # the broken line, by number
    a = import_record(ruleset, from_ndjson, DAY, problems=problems)
    b = import_record(ruleset, resources, DAY)
    assert a.answers == b.answers and a.medication_lines == b.medication_lines


def test_medicine_statuses_and_the_look_back_window(ruleset: RuleSet) -> None:
    resources = [
        patient(),
        med("active", "Oxycodone 5 MG Oral Tablet", "a"),
        med("on-hold", "Levothyroxine 50 MCG Oral Tablet", "b"),
        med("stopped", "Tramadol 50 MG Oral Tablet", "c",
            dosageInstruction=[{"timing": {"repeat": {"boundsPeriod": {"start": days_before(20),
                                                                       "end": days_before(10)}}}}]),
        med("completed", "Codeine 30 MG Oral Tablet", "d", authoredOn=days_before(45)),
        med("entered-in-error", "Methadone 10 MG Oral Tablet", "e"),
        med("cancelled", "Fentanyl 25 MCG/HR Transdermal System", "f"),
        med("completed", "Hydrocodone 5 MG Oral Tablet", "g", kind="MedicationStatement",
            effectivePeriod={"start": days_before(40), "end": days_before(3)}),
        med("stopped", "Morphine 15 MG Oral Tablet", "h"),      # no date at all: reported, not guessed
    ]
    imported = import_record(ruleset, resources, DAY)
    assert imported.medication_lines == [
        "Oxycodone 5 MG Oral Tablet", "Levothyroxine 50 MCG Oral Tablet",
        f"Tramadol 50 MG Oral Tablet (stopped {days_before(10)})",
        f"Hydrocodone 5 MG Oral Tablet (stopped {days_before(3)})"]
    assert [(p.resource_id, "no date" in p.message) for p in imported.problems] == [("h", True)]


def test_rxnorm_display_is_preferred_and_references_are_followed(ruleset: RuleSet) -> None:
    coded = med("active", "free text", "a")
    coded["medicationCodeableConcept"]["coding"] = [{"system": RXNORM, "code": "1049621",
                                                     "display": "Oxycodone Hydrochloride 5 MG Oral Tablet"}]
    referenced = {"resourceType": "MedicationRequest", "id": "b", "status": "active", "intent": "order",
                  "subject": {"reference": f"Patient/{PID}"}, "medicationReference": {"reference": "urn:uuid:m9"}}
    medication = {"resourceType": "Medication", "id": "m9", "code": {"text": "Levothyroxine 25 MCG"}}
    imported = import_record(ruleset, [patient(), coded, referenced, medication], DAY)
    assert imported.medication_lines == ["Oxycodone Hydrochloride 5 MG Oral Tablet", "Levothyroxine 25 MCG"]


def test_conditions_prefill_yes_only_when_active_and_not_refuted(ruleset: RuleSet) -> None:
    resources = [
        patient(),
        condition("Z94.0", "http://hl7.org/fhir/sid/icd-10-cm", rid="t"),               # transplant status
        condition("21983002", clinical="resolved", rid="h"),                              # Hashimoto, resolved
        condition("K70.30", "http://hl7.org/fhir/sid/icd-10-cm", verification="refuted", rid="l"),
        condition("F11.21", "http://hl7.org/fhir/sid/icd-10-cm", rid="o1"),              # OUD in remission
        condition("F11.20", "http://hl7.org/fhir/sid/icd-10-cm", clinical="recurrence", rid="o2"),
        condition("72892002", rid="preg-old", onset="2019-03-01"),                        # stale pregnancy
        condition("N186", "http://hl7.org/fhir/sid/icd-10", rid="r", onset=None),         # no dot, no onset
    ]
    imported = import_record(ruleset, resources, DAY)
    assert imported.answers == {"transplant_recipient": "yes", "renal_severe": "yes", "opioid_dependence": "yes"}
    assert [e.resource_id for e in imported.provenance["opioid_dependence"]] == ["o2"]
    # absence never becomes "no": every other question stays not assessed
    result = Screening.of(ruleset, imported.answers, DAY).result
    open_questions = {n.question_id for n in result.not_assessed}
    assert {"thyroid_hashimoto", "liver_chronic", "pregnancy", "liver_acute"} <= open_questions


def test_resources_that_do_not_validate_are_reported_and_the_rest_is_read(ruleset: RuleSet) -> None:
    broken_condition = condition("161665007", rid="bad")
    broken_condition["onsetDateTime"] = "yesterday"
    broken_med = med("active", "Oxycodone 5 MG", "bad-med")
    broken_med["intent"] = 42
    resources = [patient(), broken_condition, broken_med, med("active", "Lisinopril 10 MG", "ok"),
                 {"resourceType": "NoSuchThing", "id": "z"}, {"resourceType": "Observation", "id": 7}]
    imported = import_record(ruleset, resources, DAY, validate_all=True)
    assert imported.answers == {}
    assert imported.medication_lines == ["Lisinopril 10 MG"]
    reported = {(p.resource_type, p.resource_id) for p in imported.problems}
    assert {("Condition", "bad"), ("MedicationRequest", "bad-med"), ("NoSuchThing", "z")} <= reported
    assert all("not read" in p.message for p in imported.problems)


def test_several_patients_need_a_choice(ruleset: RuleSet) -> None:
    two = [patient(), {"resourceType": "Patient", "id": "p2"}, condition("161665007"),
           {**condition("21983002", rid="c2"), "subject": {"reference": "Patient/p2"}}]
    with pytest.raises(InputError, match="several patients"):
        import_record(ruleset, two, DAY)
    assert import_record(ruleset, two, DAY, patient_id="p2").answers == {"thyroid_hashimoto": "yes"}


def test_files_that_are_not_fhir_are_refused_with_a_message() -> None:
    for text in ("", "[1, 2]", "hello", '{"a": 1}'):
        with pytest.raises(InputError):
            read_fhir_text(text, "x.json")


@needs_samples
def test_medication_texts_takes_current_orders_only() -> None:
    texts = medication_texts(load(MARINE))
    assert not any("eperidine" in t for t in texts)
    assert any("eperidine" in t for t in medication_texts(load(MARINE), statuses=None))


@needs_samples
def test_fhir_case_command_writes_a_case_file_with_provenance(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                             ruleset: RuleSet) -> None:
    out = tmp_path / "case.yaml"
    assert main(["fhir-case", str(MARINE), "--date", "2026-11-23", "-o", str(out)]) == 0
    case = load_case(out)
    assert case.answers == {"transplant_recipient": "yes", "renal_severe": "yes"}
    assert case.from_record and case.from_record["transplant_recipient"][0].code == "161665007"
    assert "transplant-on-immunosuppressants" in {f.rule_id for f in Screening.from_case(ruleset, case).result.findings}
    assert "2 answers pre-filled" in capsys.readouterr().err
    assert main(["fhir-case", str(MARINE), "--date", "23/11/2026"]) == 2


def test_fhir_case_command_reports_unusable_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[]", encoding="utf-8")
    assert main(["fhir-case", str(bad), "--date", "2026-11-23"]) == 2
    assert "bad.json" in capsys.readouterr().err


def _rules_copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, target)
    return target


def test_a_bad_code_list_stops_the_whole_rule_set(tmp_path: Path) -> None:
    rules = _rules_copy(tmp_path)
    path = rules / "fhir-conditions.yaml"
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace("question: pregnancy", "question: opioid_last_dose"), encoding="utf-8")
    with pytest.raises(RuleSetError) as err:
        load_ruleset(rules)
    report = err.value.report()
    assert "fhir-conditions.yaml" in report and "opioid_last_dose" in report and "yes/no" in report
    path.write_text(original.replace('prefix: true, display: "Acute hepatitis A"', "prefix: maybe, display: x"),
                    encoding="utf-8")
    with pytest.raises(RuleSetError) as err:
        load_ruleset(rules)
    assert "conditions.1.codes.0.prefix" in err.value.report()


def test_an_unknown_source_or_decision_word_in_the_ehr_files_is_refused(tmp_path: Path) -> None:
    rules = _rules_copy(tmp_path)
    path = rules / "cds-hooks.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("sources: [hl7-cds-hooks-2]", "sources: [nowhere]")
                    .replace("Not relevant to this order", "Patient cleared for LDN"), encoding="utf-8")
    with pytest.raises(RuleSetError) as err:
        load_ruleset(rules)
    assert "nowhere" in err.value.report() and "cleared" in err.value.report()


def test_without_the_code_lists_the_import_refuses_rather_than_reading_nothing(tmp_path: Path) -> None:
    rules = _rules_copy(tmp_path)
    (rules / "fhir-conditions.yaml").unlink()
    bare = load_ruleset(rules)
    with pytest.raises(InputError, match="cannot be read"):
        import_record(bare, [patient(), condition("161665007")], DAY)


@pytest.mark.parametrize("junk", [
    {"resourceType": "MedicationRequest", "id": "j1", "status": "stopped", "dispenseRequest": [1],
     "dosageInstruction": {"a": 1}, "authoredOn": 5},
    {"resourceType": "MedicationRequest", "id": "j2", "status": "active", "medicationReference": "Medication/x",
     "contained": {"id": "x"}},
    {"resourceType": "MedicationStatement", "id": "j3", "status": "completed", "effectivePeriod": "2026-11-20"},
    {"resourceType": "Condition", "id": "j4", "code": "161665007", "clinicalStatus": ["active"]},
    {"resourceType": "Condition", "id": "j5", "code": {"coding": [{"system": "http://snomed.info/sct",
                                                                   "code": "161665007"}]},
     "clinicalStatus": {"coding": "active"}},
    {"resourceType": "Condition", "id": {"x": 1}, "subject": "Patient/p1",
     "code": {"coding": [None, 3, {"system": "http://snomed.info/sct", "code": "161665007"}]},
     "clinicalStatus": {"coding": [{"code": "active"}]}, "onsetPeriod": "x"},
    {"resourceType": ["Patient"]},
])
def test_malformed_shapes_are_reported_never_raised(ruleset: RuleSet, junk: dict[str, Any]) -> None:
    imported = import_record(ruleset, [patient(), junk], DAY, validate_all=True)
    assert imported.answers == {} and imported.medication_lines == []
