"""Reading a FHIR R4 record into checklist answers and a medication list, for the clinician to confirm.

One reading for every way in: `python -m screening fhir-case`, the app's "Import a FHIR record" and
the CDS Hooks service all call `import_record`, so a record gives the same answers everywhere.

- Input: an R4 Bundle, a single resource, or FHIR Bulk Data NDJSON (one resource per line). Each
  resource is validated on its own with the fhir.resources R4B models; one that does not validate is
  reported (type, id, first error) and not read. Nothing here raises on a bad resource.
- Medicines: MedicationRequest / MedicationStatement with a current status become current lines;
  completed or stopped ones that ended inside the look-back window become "NAME (stopped DATE)"
  lines; older ones are left out. The name is the RxNorm display, else the text, else any display,
  and the line goes through the same medication reader as a typed list.
- Conditions: a coded Condition with a counted clinical status pre-fills "yes" for the question its
  code list names, with provenance. A record never answers "no".
The statuses, window and code lists are data: rules/fhir-conditions.yaml.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .case_file import RecordEvidence
from .yaml_io import dump_yaml
from .ehr_rules import CodeEntry, FhirConditionsFile
from .errors import FieldProblem, InputError
from .ruleset import RuleSet

MEDICATION_TYPES = ("MedicationRequest", "MedicationStatement")
RXNORM = "rxnorm"


class ResourceProblem(BaseModel):
    """A resource that was not read, and why."""

    model_config = ConfigDict(frozen=True)
    resource_type: str
    resource_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.resource_type}/{self.resource_id}: {self.message}"


class PrefilledAnswer(BaseModel):
    """A "yes" the record gives, with every entry that gives it."""

    model_config = ConfigDict(frozen=True)
    question_id: str
    answer: Literal["yes"] = "yes"
    label: str = Field(description="the code list's label, e.g. Organ transplant (history or status)")
    evidence: list[RecordEvidence]


class ImportedMedication(BaseModel):
    model_config = ConfigDict(frozen=True)
    line: str
    resource_type: str
    resource_id: str
    status: str
    stopped_on: date | None = None


class FhirImport(BaseModel):
    """What a record gives: pre-filled yes answers, medication lines, and what could not be read."""

    screening_date: date
    patient_id: str | None = None
    prefilled: list[PrefilledAnswer] = Field(default_factory=list)
    medications: list[ImportedMedication] = Field(default_factory=list)
    problems: list[ResourceProblem] = Field(default_factory=list)
    resources_read: int = 0
    other_patients: int = Field(default=0, description="resources about another patient, left out")

    @property
    def answers(self) -> dict[str, str]:
        return {p.question_id: p.answer for p in self.prefilled}

    @property
    def medication_lines(self) -> list[str]:
        return [m.line for m in self.medications]

    @property
    def provenance(self) -> dict[str, list[RecordEvidence]]:
        return {p.question_id: list(p.evidence) for p in self.prefilled}


# ---- reading files --------------------------------------------------------------------------------

def _problem(resource: Any, message: str) -> ResourceProblem:
    rt = resource.get("resourceType") if isinstance(resource, dict) else None
    rid = resource.get("id") if isinstance(resource, dict) else None
    return ResourceProblem(resource_type=str(rt or "(no resourceType)"), resource_id=str(rid or "(no id)"),
                           message=message)


def resources_of(data: Any) -> list[dict[str, Any]]:
    """The resources of a parsed Bundle (entry[].resource) or of a single resource."""
    if isinstance(data, dict) and data.get("resourceType") == "Bundle":
        entries = data.get("entry") or []
        return [e["resource"] for e in entries if isinstance(e, dict) and isinstance(e.get("resource"), dict)]
    return [data] if isinstance(data, dict) else []


def read_fhir_text(text: str, source: str) -> tuple[list[dict[str, Any]], list[ResourceProblem]]:
    """Resources from a JSON Bundle or resource, or from NDJSON; InputError when nothing is readable."""
    stripped = text.strip()
    if not stripped:
        raise InputError(source, [FieldProblem("(file)", "the file is empty")])
    try:
        data = json.loads(stripped)
    except json.JSONDecodeError:
        data = None
    if data is not None:
        if not isinstance(data, dict) or "resourceType" not in data:
            raise InputError(source, [FieldProblem("(file)", "not a FHIR resource or Bundle (no resourceType)")])
        return resources_of(data), []
    resources: list[dict[str, Any]] = []
    problems: list[ResourceProblem] = []
    for number, line in enumerate(stripped.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(ResourceProblem(resource_type="(line)", resource_id=str(number),
                                            message=f"not JSON: {exc.msg}"))
            continue
        resources.extend(resources_of(item))
    if not resources:
        raise InputError(source, [FieldProblem("(file)", "neither a JSON Bundle nor NDJSON resources (one JSON "
                                                         "resource per line)")])
    return resources, problems


def read_fhir_bytes(data: bytes, source: str) -> tuple[list[dict[str, Any]], list[ResourceProblem]]:
    try:
        return read_fhir_text(data.decode("utf-8-sig"), source)
    except UnicodeDecodeError:
        raise InputError(source, [FieldProblem("(file)", "not UTF-8 text")]) from None


# ---- validation -----------------------------------------------------------------------------------

@lru_cache(maxsize=64)
def _model_class(resource_type: str) -> Any:
    from fhir.resources.R4B import get_fhir_model_class  # imported late: heavy, and only needed here
    return get_fhir_model_class(resource_type)


def validation_error(resource: dict[str, Any]) -> str | None:
    """None when the resource validates against its R4B model, else its first error in one line."""
    rt = resource.get("resourceType")
    if not isinstance(rt, str):
        return "no resourceType"
    try:
        cls = _model_class(rt)
    except (KeyError, ValueError, AttributeError, ImportError):
        return f'unknown resource type "{rt}"'
    try:
        cls.model_validate(resource)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(resource)"
        return f"does not validate as FHIR R4: {where}: {err['msg']}"
    except (TypeError, ValueError) as exc:   # fhir.resources raises these for some malformed shapes
        return f"does not validate as FHIR R4: {str(exc).splitlines()[0][:200]}"
    return None


# ---- small readers of FHIR data -------------------------------------------------------------------

@lru_cache(maxsize=4096)
def _day_of(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _day(value: Any) -> date | None:
    """The date part of a FHIR date or dateTime (YYYY-MM-DD...), or None."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    return _day_of(value[:10])


def _codes(concept: Any) -> list[tuple[str, str, str]]:
    if not isinstance(concept, dict):
        return []
    return [(str(c.get("system") or ""), str(c.get("code") or ""), str(c.get("display") or ""))
            for c in concept.get("coding") or [] if isinstance(c, dict)]


def _status_code(concept: Any) -> str | None:
    for _, code, _ in _codes(concept):
        if code:
            return code
    return None


def _subject_id(resource: Mapping[str, Any]) -> str | None:
    ref = resource.get("subject") or resource.get("patient")
    if isinstance(ref, dict) and isinstance(ref.get("reference"), str):
        return ref["reference"].rsplit("/", 1)[-1].removeprefix("urn:uuid:")
    return None


class _Codes:
    """The code lists indexed once per rule set: (system uri, code) -> list, ICD prefixes, exclusions."""

    def __init__(self, spec: FhirConditionsFile) -> None:
        self.spec = spec
        self.system_names = {uri: name for name, uris in spec.code_systems.items() for uri in uris}
        self.rxnorm_uris = set(spec.code_systems.get(RXNORM, []))
        self.exact: dict[tuple[str, str], str] = {}
        self.prefixes: list[tuple[str, str, str]] = []
        self.excluded: set[tuple[str, str]] = set()
        for cl in spec.conditions:
            for entry in cl.codes:
                if entry.prefix:
                    self.prefixes.append((entry.system, _norm(entry), cl.id))
                else:
                    self.exact[(entry.system, _norm(entry))] = cl.id
            for entry in cl.exclude:
                self.excluded.add((entry.system, _norm(entry)))
        self.lists = {cl.id: cl for cl in spec.conditions}
        self.naltrexone = {_norm(e) for e in spec.naltrexone_rxnorm.codes}

    def list_for(self, system_uri: str, code: str) -> str | None:
        name = self.system_names.get(system_uri)
        if name is None or not code:
            return None
        key = code.upper().replace(".", "").strip()
        if (name, key) in self.excluded:
            return None
        hit = self.exact.get((name, key))
        if hit is not None:
            return hit
        for system, prefix, list_id in self.prefixes:
            if system == name and key.startswith(prefix):
                return list_id
        return None


def _norm(entry: CodeEntry) -> str:
    return entry.code.upper().replace(".", "").strip()


def code_index(ruleset: RuleSet) -> _Codes:
    """The indexed code lists of a rule set; InputError when the rule set has no fhir-conditions.yaml."""
    cached = ruleset.__dict__.get("_fhir_codes")
    if cached is None:
        if ruleset.fhir is None:
            raise InputError("rules/fhir-conditions.yaml", [FieldProblem(
                "(file)", "the rule set has no FHIR code lists, so a record cannot be read; nothing was imported")])
        cached = _Codes(ruleset.fhir)
        object.__setattr__(ruleset, "_fhir_codes", cached)
    return cached


# ---- medicines ------------------------------------------------------------------------------------

def medication_name(concept: Any, rxnorm_uris: Iterable[str]) -> str | None:
    """RxNorm display when present, else the text, else any coding's display."""
    codes = _codes(concept)
    uris = set(rxnorm_uris)
    for system, _, display in codes:
        if system in uris and display.strip():
            return display.strip()
    if isinstance(concept, dict) and isinstance(concept.get("text"), str) and concept["text"].strip():
        return concept["text"].strip()
    for _, _, display in codes:
        if display.strip():
            return display.strip()
    return None


def medication_concept(resource: Mapping[str, Any], medications: Mapping[str, dict[str, Any]]) -> Any:
    """medicationCodeableConcept, or the code of the Medication a medicationReference points at."""
    concept = resource.get("medicationCodeableConcept")
    if concept is not None:
        return concept
    ref = resource.get("medicationReference")
    target = ref.get("reference") if isinstance(ref, dict) else None
    if isinstance(target, str):
        if target.startswith("#"):
            for contained in resource.get("contained") or []:
                if isinstance(contained, dict) and contained.get("id") == target[1:]:
                    return contained.get("code")
        med = medications.get(target) or medications.get(target.rsplit("/", 1)[-1].removeprefix("urn:uuid:"))
        if med is not None:
            return med.get("code")
    if isinstance(ref, dict) and isinstance(ref.get("display"), str):
        return {"text": ref["display"]}
    return None


def _get(obj: Any, *path: str) -> Any:
    """obj[path[0]][path[1]]..., or None wherever the shape is not what FHIR says (read before validation)."""
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _end_date(resource: Mapping[str, Any]) -> date | None:
    """The latest date the record gives for when the medicine ended (or, failing that, was written)."""
    if resource.get("resourceType") == "MedicationStatement":
        candidates = [_get(resource, "effectivePeriod", "end"), resource.get("effectiveDateTime"),
                      _get(resource, "effectivePeriod", "start"), resource.get("dateAsserted")]
    else:
        dosage = resource.get("dosageInstruction")
        candidates = [_get(resource, "dispenseRequest", "validityPeriod", "end"),
                      *(_get(d, "timing", "repeat", "boundsPeriod", "end")
                        for d in (dosage if isinstance(dosage, list) else [])),
                      resource.get("authoredOn")]
    for value in candidates:
        day = _day(value)
        if day is not None:
            return day
    return None


def patient_ids(resources: Sequence[dict[str, Any]]) -> list[str]:
    """The ids of the Patient resources, in order, once each."""
    return list(dict.fromkeys(str(r["id"]) for r in resources if r.get("resourceType") == "Patient" and r.get("id")))


# ---- the import -----------------------------------------------------------------------------------

def import_record(ruleset: RuleSet, resources: Sequence[dict[str, Any]], screening_date: date,
                  patient_id: str | None = None, validate_all: bool = False,
                  problems: Sequence[ResourceProblem] = ()) -> FhirImport:
    """Read resources into pre-filled yes answers and medication lines, as of the screening date.

    Only resources that could contribute are validated (so a 1,000-resource record stays fast);
    validate_all also validates the rest, to report every resource that does not validate.
    With several patients in the resources, patient_id chooses one (InputError otherwise).
    """
    codes = code_index(ruleset)
    spec = codes.spec
    found: list[ResourceProblem] = list(problems)
    ids = patient_ids(resources)
    if patient_id is None and len(ids) > 1:
        raise InputError("record", [FieldProblem("patient", "the record holds several patients ("
                                                 + ", ".join(ids[:10]) + "); choose one")])
    chosen = patient_id or (ids[0] if ids else None)
    medications_by_ref: dict[str, dict[str, Any]] = {}
    for r in resources:
        if r.get("resourceType") == "Medication" and r.get("id"):
            medications_by_ref[f"Medication/{r['id']}"] = r
            medications_by_ref[str(r["id"])] = r
    window_start = screening_date - timedelta(days=spec.medications.lookback_days)
    current: dict[str, ImportedMedication] = {}
    stopped: dict[str, ImportedMedication] = {}
    evidence: dict[str, list[RecordEvidence]] = {}
    read = other_patients = 0
    for resource in resources:
        rt = resource.get("resourceType")
        subject = _subject_id(resource)
        if chosen is not None and subject is not None and subject != chosen:
            other_patients += 1
            continue
        if rt in MEDICATION_TYPES:
            statuses = getattr(spec.medications, rt)
            status = resource.get("status")
            if status not in statuses.current and status not in statuses.stopped:
                if validate_all:
                    _check(resource, found)
                continue
            rid = str(resource.get("id") or "(no id)")
            ended = None
            if status in statuses.current:
                started = _day(resource.get("authoredOn") or resource.get("dateAsserted"))
                if started is not None and started > screening_date:
                    continue   # written after the screening date: not part of the record on that date
            else:
                ended = _end_date(resource)
                if ended is not None and (ended < window_start or ended > screening_date):
                    if validate_all:
                        _check(resource, found)
                    continue   # ended before the look-back window: not read (validated first: fast)
            if not _check(resource, found):
                continue
            read += 1
            name = medication_name(medication_concept(resource, medications_by_ref), codes.rxnorm_uris)
            if name is None:
                found.append(_problem(resource, "no medication name or RxNorm display; check it by hand"))
                continue
            if status in statuses.current:
                current.setdefault(name, ImportedMedication(line=name, resource_type=rt, resource_id=rid,
                                                            status=status))
                continue
            if ended is None:
                found.append(_problem(resource, f"{status} with no date: not listed; check by hand"))
                continue
            previous = stopped.get(name)
            if previous is None or (previous.stopped_on or ended) < ended:
                stopped[name] = ImportedMedication(
                    line=spec.medications.stopped_line.format(name=name, date=ended.isoformat()),
                    resource_type=rt, resource_id=rid, status=status, stopped_on=ended)
        elif rt == "Condition":
            hits = [(system, code, display, codes.list_for(system, code))
                    for system, code, display in _codes(resource.get("code"))]
            hits = [h for h in hits if h[3] is not None]
            if not hits:
                if validate_all:
                    _check(resource, found)
                continue
            clinical = _status_code(resource.get("clinicalStatus"))
            verification = _status_code(resource.get("verificationStatus"))
            if verification in spec.condition_statuses.verification_ignored:
                continue
            if clinical is None:
                found.append(_problem(resource, "a listed condition code with no clinicalStatus: not read; "
                                                "check by hand"))
                continue
            if clinical not in spec.condition_statuses.clinical:
                continue
            if not _check(resource, found):
                continue
            read += 1
            onset = _day(resource.get("onsetDateTime")) or _day((resource.get("onsetPeriod") or {}).get("start")) \
                or _day(resource.get("recordedDate"))
            if onset is not None and onset > screening_date:
                continue
            for system, code, display, list_id in hits:
                cl = codes.lists[list_id]  # type: ignore[index]
                if cl.onset_within_days is not None and onset is not None \
                        and (screening_date - onset).days > cl.onset_within_days:
                    continue
                evidence.setdefault(list_id, []).append(RecordEvidence(  # type: ignore[arg-type]
                    resource_type="Condition", resource_id=str(resource.get("id") or "(no id)"), system=system,
                    code=code, display=display or None, onset=onset, status=clinical))
                break
        elif validate_all:
            _check(resource, found)
    prefilled: dict[str, PrefilledAnswer] = {}
    for cl in spec.conditions:
        if cl.id in evidence:
            if cl.question in prefilled:
                old = prefilled[cl.question]
                prefilled[cl.question] = old.model_copy(update={"evidence": [*old.evidence, *evidence[cl.id]]})
            else:
                prefilled[cl.question] = PrefilledAnswer(question_id=cl.question, label=cl.label,
                                                         evidence=evidence[cl.id])
    meds = list(current.values()) + [m for name, m in stopped.items() if name not in current]
    return FhirImport(screening_date=screening_date, patient_id=chosen, prefilled=list(prefilled.values()),
                      medications=meds, problems=found, resources_read=read, other_patients=other_patients)


def _check(resource: dict[str, Any], found: list[ResourceProblem]) -> bool:
    error = validation_error(resource)
    if error is not None:
        found.append(_problem(resource, error + "; not read"))
        return False
    return True


def is_naltrexone_order(ruleset: RuleSet, resource: Mapping[str, Any],
                        medications: Mapping[str, dict[str, Any]] | None = None) -> bool:
    """A drafted MedicationRequest (or similar) for any naltrexone product, by RxNorm code or by name.

    The name goes through the medication-list reader, so "LDN 4.5 mg compounded" counts and
    methylnaltrexone or naloxone do not.
    """
    codes = code_index(ruleset)
    concept = medication_concept(resource, medications or {})
    for system, code, _ in _codes(concept):
        if system in codes.rxnorm_uris and code.upper().strip() in codes.naltrexone:
            return True
    texts = [d for _, _, d in _codes(concept) if d.strip()]
    if isinstance(concept, dict) and isinstance(concept.get("text"), str):
        texts.append(concept["text"])
    elif isinstance(concept, str):   # not FHIR, but seen in hand-built requests: read it rather than miss it
        texts.append(concept)
    screened = ruleset.matcher.vocabulary.class_roles.screened_medicine
    return any(screened in ruleset.matcher.classify_line(1, t).classes for t in texts)


def record_case_yaml(imported: FhirImport, title: str | None = None) -> str:
    """The import as a case file: the yes answers, the medication lines and, per answer, its provenance."""
    data: dict[str, Any] = {}
    if title:
        data["title"] = title
    data["screening_date"] = imported.screening_date.isoformat()
    data["answers"] = dict(imported.answers)
    if imported.medications:
        data["medications"] = imported.medication_lines
    if imported.prefilled:
        data["from_record"] = {qid: [e.model_dump(mode="json", exclude_none=True) for e in ev]
                               for qid, ev in imported.provenance.items()}
    return dump_yaml(data)
