"""Screening records: what was screened, with which rules, and what came out, sealed by a SHA-256.

A record is written in one canonical JSON form (sorted keys, two-space indent, UTF-8). Verifying
checks two things: the SHA-256 over the content (every field but `record_sha256`) still matches, and
the file is byte for byte that canonical form, so no byte can change unnoticed. A record made with
another rule set is reported as such; re-screening it against the current rules shows what changed.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .engine import screen_raw
from .errors import FieldProblem, InputError
from .result_models import ScreeningResult
from .ruleset import RuleSet

RECORD_FORMAT = "ldn-screening-record/1"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RecordFinding(_Strict):
    rule_id: str
    severity: str
    summary: str


class RecordRuleset(_Strict):
    name: str
    version: str
    sha256: str


class ScreeningRecord(_Strict):
    format: Literal["ldn-screening-record/1"]
    screening_date: date
    answers: dict[str, Any]
    medications: list[str] | None
    findings: list[RecordFinding]
    not_assessed: list[str]
    ruleset: RecordRuleset
    record_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


def _canonical(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def content_sha256(data: dict[str, Any]) -> str:
    """SHA-256 over every field but record_sha256, in canonical compact JSON."""
    content = {k: v for k, v in data.items() if k != "record_sha256"}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _json_answers(answers: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in answers.items() if v is not None}


def make_record(result: ScreeningResult, answers: dict[str, Any], medications: list[str] | None) -> str:
    """The record of a screening, as the exact text to save."""
    data: dict[str, Any] = {
        "format": RECORD_FORMAT,
        "screening_date": result.screening_date.isoformat(),
        "answers": _json_answers(answers),
        "medications": list(medications) if medications is not None else None,
        "findings": [{"rule_id": f.rule_id, "severity": f.severity, "summary": f.summary} for f in result.findings],
        "not_assessed": [n.question_id for n in result.not_assessed],
        "ruleset": {"name": result.ruleset.name, "version": result.ruleset.version, "sha256": result.ruleset.sha256},
    }
    data["record_sha256"] = content_sha256(data)
    return _canonical(data)


class Verification(BaseModel):
    """What verifying a record found; `trusted` only when its content is intact."""

    model_config = ConfigDict(frozen=True)

    record: ScreeningRecord | None
    intact: bool
    same_ruleset: bool
    messages: list[str]

    @property
    def trusted(self) -> bool:
        return self.intact and self.record is not None


def verify_record(text: str, ruleset: RuleSet, source: str = "record") -> Verification:
    """Check a record's seal and its rule set; InputError if it is not a record at all."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(source, [FieldProblem("(file)", f"not valid JSON: line {exc.lineno}: {exc.msg}; the record "
                                                         "is damaged or is not a screening record")]) from None
    if not isinstance(data, dict):
        raise InputError(source, [FieldProblem("(file)", "not a screening record (a JSON object is expected)")])
    messages: list[str] = []
    sealed = data.get("record_sha256")
    actual = content_sha256(data)
    intact = sealed == actual
    if not intact:
        messages.append(f"The content does not match its SHA-256 (sealed {sealed!s:.16}…, now {actual:.16}…): it was "
                        "changed after it was written. Do not rely on it.")
    elif text != _canonical(data):
        intact = False
        messages.append("The file is not byte for byte as it was written (it was edited or reformatted). "
                        "Do not rely on it.")
    try:
        record = ScreeningRecord.model_validate(data)
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) or "(top level)" for e in exc.errors())
        return Verification(record=None, intact=False, same_ruleset=False,
                            messages=[*messages, f"Not a valid screening record (fields: {fields})."])
    same = record.ruleset.sha256 == ruleset.sha256
    if not same:
        messages.append(f"Made with another rule set: {record.ruleset.name} {record.ruleset.version} "
                        f"(SHA-256 {record.ruleset.sha256[:16]}…); this tool has {ruleset.version} "
                        f"(SHA-256 {ruleset.sha256[:16]}…). Re-screen it to see what changed.")
    if intact and same:
        messages.append(f"Intact: the content matches its SHA-256, and it was made with this rule set "
                        f"({ruleset.version}).")
    return Verification(record=record, intact=intact, same_ruleset=same, messages=messages)


class FindingChange(BaseModel):
    model_config = ConfigDict(frozen=True)

    rule_id: str
    change: Literal["new", "removed", "changed"]
    before: RecordFinding | None
    after: RecordFinding | None


class Rescreen(BaseModel):
    """The record's answers screened again with the current rules, and what differs."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    result: ScreeningResult
    changes: list[FindingChange]
    ruleset_changed: bool


def rescreen(record: ScreeningRecord, ruleset: RuleSet) -> Rescreen:
    result = screen_raw(ruleset, record.answers, record.screening_date, record.medications)
    before = {f.rule_id: f for f in record.findings}
    after = {f.rule_id: RecordFinding(rule_id=f.rule_id, severity=f.severity, summary=f.summary)
             for f in result.findings}
    changes = [FindingChange(rule_id=r, change="removed", before=before[r], after=None) for r in before if r not in after]
    changes += [FindingChange(rule_id=r, change="new", before=None, after=after[r]) for r in after if r not in before]
    changes += [FindingChange(rule_id=r, change="changed", before=before[r], after=after[r])
                for r in after if r in before and before[r] != after[r]]
    return Rescreen(result=result, changes=changes, ruleset_changed=record.ruleset.sha256 != ruleset.sha256)
