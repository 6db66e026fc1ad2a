"""The app's "Import a FHIR record": nothing changes before the clinician confirms; then yes answers
with their provenance and the medication lines are applied, and answers already given are kept."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from screening.fhir_import import import_record, read_fhir_text
from screening.ruleset import RuleSet
from tests.helpers import SCREENING_DATE

from .fhir_support import MARINE, needs_samples

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def _page_text(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "caption", "success", "warning", "error")
                     for e in getattr(at, kind))


@needs_samples
def test_marine542_review_confirm_apply(ruleset: RuleSet) -> None:
    resources, problems = read_fhir_text(MARINE.read_text(encoding="utf-8"), MARINE.name)
    imported = import_record(ruleset, resources, SCREENING_DATE, validate_all=True, problems=problems)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["screening_date"] = SCREENING_DATE
    at.session_state["q_renal_severe"] = "no"            # answered before the import: must be kept
    at.session_state["fhir_pending"] = imported
    at.run()
    assert not at.exception
    assert "Review before applying" in _page_text(at)
    tables = [df.value for df in at.dataframe]
    assert any("161665007" in " ".join(map(str, t.values.ravel())) for t in tables)
    radio = next(w for w in at.radio if w.key == "q_transplant_recipient")
    assert radio.value is None                          # nothing applied before the confirmation
    assert "Transplant recipient on immunosuppressants" not in _page_text(at)
    next(b for b in at.button if b.key == "fhir_apply").click()
    at.run()
    assert not at.exception
    assert next(w for w in at.radio if w.key == "q_transplant_recipient").value == "yes"
    assert next(w for w in at.radio if w.key == "q_renal_severe").value == "no"
    text = _page_text(at)
    assert "From the record (confirm)" in text and "161665007" in text
    assert "Kept your answer where the record disagrees" in text
    assert "tacrolimus" in at.session_state["med_text"] and "eperidine" not in at.session_state["med_text"]
    assert "Transplant recipient on immunosuppressants" in text
    assert next(w for w in at.radio if w.key == "q_liver_acute").value is None     # never "no"


@needs_samples
def test_discarding_changes_nothing(ruleset: RuleSet) -> None:
    resources, _ = read_fhir_text(MARINE.read_text(encoding="utf-8"), MARINE.name)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["screening_date"] = SCREENING_DATE
    at.session_state["fhir_pending"] = import_record(ruleset, resources, SCREENING_DATE)
    at.run()
    next(b for b in at.button if b.key == "fhir_discard").click()
    at.run()
    assert next(w for w in at.radio if w.key == "q_transplant_recipient").value is None
    assert not (at.session_state["med_text"] if "med_text" in at.session_state else "")
    assert "nothing changed" in _page_text(at)


def test_a_file_with_several_patients_asks_which_one(ruleset: RuleSet) -> None:
    resources = [{"resourceType": "Patient", "id": "a"}, {"resourceType": "Patient", "id": "b"},
                 {"resourceType": "Condition", "id": "c", "subject": {"reference": "Patient/b"},
                  "clinicalStatus": {"coding": [{"code": "active"}]},
                  "code": {"coding": [{"system": "http://snomed.info/sct", "code": "21983002"}]}}]
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["screening_date"] = SCREENING_DATE
    at.session_state["fhir_patients"] = (resources, [], ["a", "b"])
    at.run()
    next(w for w in at.selectbox if w.key == "fhir_patient").set_value("b")
    at.run()
    assert not at.exception
    next(b for b in at.button if b.key == "fhir_apply").click()
    at.run()
    assert next(w for w in at.radio if w.key == "q_thyroid_hashimoto").value == "yes"
