"""Case files: a screening's date and answers (and, for golden cases, the findings they must give).

YAML or JSON, for example:

    title: Tramadol stopped 9 days ago
    screening_date: 2026-11-23
    answers:
      opioid_current: no
      opioid_past_30_days: yes
      opioid_agent: tramadol
      opioid_formulation: immediate_release
      opioid_last_dose: 2026-11-14
    expected:
      findings:
        - {rule_id: opioid-short-acting-7-to-13-days, severity: warning}
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import FieldProblem, InputError
from .rule_models import Severity
from .yaml_io import YamlError, dump_yaml, load_yaml


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExpectedFinding(_Strict):
    rule_id: str
    severity: Severity


class Expected(_Strict):
    """What a golden case must produce: exactly these findings, and (if given) exactly these open questions."""

    findings: list[ExpectedFinding]
    not_assessed: list[str] | None = None


Difficulty = Literal["introductory", "intermediate", "advanced"]


class RecordEvidence(_Strict):
    """Where a pre-filled answer came from in an imported FHIR record (screening/fhir_import.py)."""

    resource_type: str
    resource_id: str
    system: str = Field(description="the code system URI, e.g. http://snomed.info/sct")
    code: str
    display: str | None = None
    onset: date | None = None
    status: str | None = Field(default=None, description="the entry's clinicalStatus")


class CaseFile(_Strict):
    title: str | None = None
    narrative: str | None = Field(default=None, description="teaching narrative; never screened")
    topics: list[str] = Field(default_factory=list, description="teaching: the rule-set topic ids the case is about")
    difficulty: Difficulty | None = Field(default=None, description="teaching: how hard the case is")
    screening_date: date
    answers: dict[str, Any] = Field(default_factory=dict)
    medications: list[str] | str | None = Field(default=None, description="the medication list: one entry per "
                                                                          "line, as a list or as one text")
    expected: Expected | None = None
    from_record: dict[str, list[RecordEvidence]] | None = Field(
        default=None, description="question id -> the record entries that pre-filled its answer (FHIR import); "
                                  "to be confirmed by the clinician")

    def medication_lines(self) -> list[str] | None:
        if self.medications is None:
            return None
        return self.medications.splitlines() if isinstance(self.medications, str) else list(self.medications)


def _problems(exc: ValidationError) -> list[FieldProblem]:
    out = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "(top level)"
        if err["type"] == "extra_forbidden":
            message = ("unknown key (a case file has title, narrative, topics, difficulty, screening_date, answers, "
                       "medications, expected and from_record)")
        elif err["type"] == "missing":
            message = "required key is missing"
        else:
            message = f"{err['msg']} (got {err.get('input')!r})"
        out.append(FieldProblem(field, message))
    return out


def parse_case(text: str, source: str) -> CaseFile:
    """Parse case-file text (JSON if it looks like JSON, else YAML); InputError names each bad field."""
    stripped = text.lstrip()
    try:
        data = json.loads(text) if stripped.startswith("{") else load_yaml(text)
    except json.JSONDecodeError as exc:
        raise InputError(source, [FieldProblem("(file)", f"not valid JSON: line {exc.lineno}: {exc.msg}")]) from None
    except YamlError as exc:
        raise InputError(source, [FieldProblem("(file)", str(exc))]) from None
    if not isinstance(data, dict):
        raise InputError(source, [FieldProblem("(file)", "a case file is a mapping with screening_date and answers "
                                                         f"(got {type(data).__name__})")])
    try:
        return CaseFile.model_validate(data)
    except ValidationError as exc:
        raise InputError(source, _problems(exc)) from None


def load_case(path: Path | str) -> CaseFile:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(str(path), [FieldProblem("(file)", "not UTF-8 text")]) from None
    except OSError as exc:
        raise InputError(str(path), [FieldProblem("(file)", f"cannot be read: {exc.strerror}")]) from None
    return parse_case(text, str(path))


def case_to_yaml(screening_date: date, answers: dict[str, Any], title: str | None = None,
                 medications: list[str] | None = None) -> str:
    """The current answers as a case file that parse_case reads back to the same answers."""
    data: dict[str, Any] = {}
    if title:
        data["title"] = title
    data["screening_date"] = screening_date.isoformat()
    data["answers"] = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in answers.items() if v is not None}
    if medications:
        data["medications"] = list(medications)
    return dump_yaml(data)
