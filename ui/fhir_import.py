"""Import a FHIR record: upload, review what it would pre-fill (with provenance), confirm, apply.

The file is read in memory and never written anywhere. Nothing reaches the checklist before the
clinician confirms, and the record only ever adds "yes" answers and medication lines: an answer
already given is kept (a disagreement is listed), and an empty question stays empty.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from screening.case_file import CaseFile, RecordEvidence
from screening.errors import InputError
from screening.fhir_import import FhirImport, import_record, patient_ids, read_fhir_bytes
from screening.report import md_escape
from screening.ruleset import RuleSet
from screening.rule_models import YES

from . import keys

MAX_MB = 50   # a whole record is larger than a case file (1 MB); Synthea's reach 1.5 MB (= server.maxUploadSize)


def _evidence_text(e: RecordEvidence | dict[str, Any]) -> str:
    e = RecordEvidence.model_validate(e) if isinstance(e, dict) else e
    system = e.system.rsplit("/", 1)[-1]
    onset = f", onset {e.onset.isoformat()}" if e.onset else ""
    return f"{e.resource_type}/{e.resource_id}: {system} {e.code} {e.display or ''}{onset}".strip()


def _read(ruleset: RuleSet, resources: list[dict[str, Any]], problems: list[Any], patient_id: str | None) -> None:
    try:
        imported = import_record(ruleset, resources, st.session_state[keys.SCREENING_DATE], patient_id=patient_id,
                                 validate_all=True, problems=problems)
    except InputError as exc:
        st.session_state[keys.FHIR_MESSAGE] = ("error", "Nothing was imported; your answers are unchanged.\n\n"
                                                          f"{exc.report()}")
        return
    st.session_state[keys.FHIR_PENDING] = imported
    st.session_state[keys.FHIR_MESSAGE] = None


def on_fhir_upload(ruleset: RuleSet) -> None:
    upload = st.session_state.get(keys.FHIR_UPLOAD)
    st.session_state.pop(keys.FHIR_PENDING, None)
    st.session_state.pop(keys.FHIR_PATIENTS, None)
    if upload is None:
        return
    try:
        resources, problems = read_fhir_bytes(upload.getvalue(), upload.name)
    except InputError as exc:
        st.session_state[keys.FHIR_MESSAGE] = ("error", "Nothing was imported; your answers are unchanged.\n\n"
                                                          f"{exc.report()}")
        return
    ids = patient_ids(resources)
    if len(ids) > 1:   # a Bulk Data export holds many patients: the clinician picks one (kept in memory only)
        st.session_state[keys.FHIR_PATIENTS] = (resources, problems, ids)
        st.session_state[keys.FHIR_MESSAGE] = ("warning", f"The file holds {len(ids)} patients: choose one below.")
        return
    _read(ruleset, resources, problems, None)


def on_patient_choice(ruleset: RuleSet) -> None:
    choice = st.session_state.get(keys.FHIR_PATIENTS)
    chosen = st.session_state.get(keys.FHIR_PATIENT)
    if choice is None or chosen is None:
        return
    resources, problems, _ = st.session_state.pop(keys.FHIR_PATIENTS)
    _read(ruleset, resources, problems, chosen)


def apply_import(ruleset: RuleSet) -> None:
    """Pre-fill the confirmed answers and add the medication lines; keep every answer already given."""
    imported: FhirImport | None = st.session_state.pop(keys.FHIR_PENDING, None)
    if imported is None:
        return
    applied, kept = [], []
    provenance: dict[str, Any] = dict(st.session_state.get(keys.RECORD_PROVENANCE, {}))
    for p in imported.prefilled:
        key = keys.answer(p.question_id)
        current = st.session_state.get(key)
        if current is None:
            st.session_state[key] = p.answer
            provenance[p.question_id] = [e.model_dump(mode="json") for e in p.evidence]
            applied.append(p.question_id)
        elif current != p.answer:
            kept.append(f"{ruleset.question(p.question_id).question.prompt} (your answer: {current}; the record: "
                        f"{p.answer})")
    st.session_state[keys.RECORD_PROVENANCE] = provenance
    existing = st.session_state.get(keys.MED_TEXT, "") or ""
    have = {line.strip() for line in existing.splitlines()}
    new_lines = [line for line in imported.medication_lines if line.strip() not in have]
    if new_lines:
        st.session_state[keys.MED_TEXT] = "\n".join([*(existing.splitlines() if existing.strip() else []), *new_lines])
    note = (f"Applied from the record: {len(applied)} answers and {len(new_lines)} medication lines. Check them "
            "in the checklist; questions the record does not answer stay not assessed.")
    if kept:
        note += " Kept your answer where the record disagrees: " + "; ".join(kept) + "."
    st.session_state[keys.FHIR_MESSAGE] = ("warning" if kept else "success", note)


def discard_import() -> None:
    st.session_state.pop(keys.FHIR_PENDING, None)
    st.session_state.pop(keys.FHIR_PATIENTS, None)
    st.session_state[keys.FHIR_MESSAGE] = ("success", "The record was not applied; nothing changed.")


def remember_case_provenance(case: CaseFile) -> None:
    """A loaded case file's from_record provenance, so the checklist still shows where answers came from."""
    st.session_state[keys.RECORD_PROVENANCE] = {qid: [e.model_dump(mode="json") for e in ev]
                                                for qid, ev in (case.from_record or {}).items()}


def record_note(question_id: str) -> None:
    """Under a question: which record entries pre-filled its answer (shown until the answer changes)."""
    evidence = st.session_state.get(keys.RECORD_PROVENANCE, {}).get(question_id)
    if evidence and st.session_state.get(keys.answer(question_id)) == YES:
        st.caption("From the record (confirm): " + md_escape("; ".join(_evidence_text(e) for e in evidence)))


def _review(ruleset: RuleSet, imported: FhirImport) -> None:
    st.markdown("**Review before applying.** The record can only add *yes* answers and medication lines.")
    rows = [{"Question": ruleset.question(p.question_id).question.prompt, "Answer": p.answer,
             "From": _evidence_text(e), "Onset": e.onset.isoformat() if e.onset else ""}
            for p in imported.prefilled for e in p.evidence]
    if rows:
        st.dataframe(rows, hide_index=True, use_container_width=True)
    else:
        st.caption("No coded condition in this record matches a checklist question.")
    if imported.medications:
        st.dataframe([{"Medication line": m.line, "From": f"{m.resource_type}/{m.resource_id} ({m.status})"}
                      for m in imported.medications], hide_index=True, use_container_width=True)
    if imported.problems:
        st.warning(f"{len(imported.problems)} record entries were not read; check them by hand:\n\n"
                   + "\n".join(f"- {md_escape(str(p))}" for p in imported.problems[:20]))
    left, right = st.columns(2)
    left.button("Confirm and apply", key=keys.FHIR_APPLY, type="primary", on_click=apply_import, args=(ruleset,),
                use_container_width=True)
    right.button("Discard", key=keys.FHIR_DISCARD, on_click=discard_import, use_container_width=True)


def fhir_import_panel(ruleset: RuleSet) -> None:
    """The sidebar block: upload, review table, confirm."""
    if ruleset.fhir is None:
        return
    st.file_uploader("Import a FHIR record (R4 Bundle JSON or Bulk NDJSON)", type=["json", "ndjson"],
                     key=keys.FHIR_UPLOAD, on_change=on_fhir_upload, args=(ruleset,), max_upload_size=MAX_MB,
                     help="Read in memory only. Coded conditions pre-fill yes answers with their source, and "
                          "current or recently stopped medicines are added to the list, after you confirm.")
    message = st.session_state.get(keys.FHIR_MESSAGE)
    if message:
        {"error": st.error, "warning": st.warning, "success": st.success}[message[0]](md_escape(message[1]))
    choice = st.session_state.get(keys.FHIR_PATIENTS)
    if choice is not None:
        st.selectbox("Patient in the file", options=choice[2], index=None, key=keys.FHIR_PATIENT,
                     placeholder="Choose a patient", on_change=on_patient_choice, args=(ruleset,))
    imported = st.session_state.get(keys.FHIR_PENDING)
    if imported is not None:
        _review(ruleset, imported)
