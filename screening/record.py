"""Screening records: what was screened, with which rules, and what came out, sealed.

A record is written in one canonical JSON form (sorted keys, two-space indent, UTF-8) and carries:

- `record_sha256`: a SHA-256 over its content. It detects *accidental* change only: anyone who edits
  the record can recompute it.
- `signature` (format 2): an HMAC-SHA256 over the same content under the deployment's secret key
  (`LDN_RECORD_KEY`). Only a holder of that key can make a signature that checks, so an edited record
  does not verify where the key is set. With no key the record is written unsigned, and says so.

Verifying always re-screens the stored answers with the current rules, validates them, and compares
the stored findings with the recomputed ones: with the same rule set they must be identical, so a
record whose findings were edited (and its hash recomputed) is never shown as intact. Records of the
older format (`ldn-screening-record/1`, hash only) stay readable and are labelled as such.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from . import limits
from .case_file import AnswerValues, MedicationLines, ScreeningDate
from .errors import FieldProblem, NotARecord
from .result_models import ScreeningResult
from .ruleset import RuleSet
from .session import Screening
from .yaml_io import JsonError, load_json, shorten
from .strict import StrictModel
from .values import answers_to_json

RECORD_FORMAT = "ldn-screening-record/2"
OLD_FORMAT = "ldn-screening-record/1"
KEY_ENV = "LDN_RECORD_KEY"
_SEAL_FIELDS = ("record_sha256", "signature")





class RecordFinding(StrictModel):
    rule_id: str
    severity: str
    summary: str


class RecordRuleset(StrictModel):
    name: str
    version: str
    sha256: str


class Signature(StrictModel):
    method: Literal["hmac-sha256"]
    key_id: str = Field(pattern=r"^[0-9a-f]{16}$", description="first 16 hex digits of the key's SHA-256")
    value: str = Field(pattern=r"^[0-9a-f]{64}$")


class ScreeningRecord(StrictModel):
    format: Literal["ldn-screening-record/1", "ldn-screening-record/2"]
    screening_date: ScreeningDate
    answers: AnswerValues
    medications: MedicationLines
    findings: list[RecordFinding]
    not_assessed: list[str]
    ruleset: RecordRuleset
    record_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    signature: Signature | None = None

    @model_validator(mode="after")
    def _old_format_has_no_signature(self) -> ScreeningRecord:
        if self.format == OLD_FORMAT and self.signature is not None:
            raise ValueError("a format 1 record has no signature")
        return self


def _canonical(data: dict[str, Any]) -> str:

    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _content_bytes(data: dict[str, Any]) -> bytes:

    content = {k: v for k, v in data.items() if k not in _SEAL_FIELDS}
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def content_sha256(data: dict[str, Any]) -> str:
    """SHA-256 over every field but the seal (record_sha256, signature), in canonical compact JSON."""
    return hashlib.sha256(_content_bytes(data)).hexdigest()


def record_key() -> bytes | None:
    """The deployment's signing key from the environment, or None (records are then written unsigned)."""
    value = os.environ.get(KEY_ENV, "")
    return value.encode("utf-8") if value else None


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:16]


def _hmac(key: bytes, data: dict[str, Any]) -> str:
    return hmac.new(key, _content_bytes(data), hashlib.sha256).hexdigest()


_FROM_ENV: Any = object()


def make_record(result: ScreeningResult, answers: dict[str, Any], medications: list[str] | None,
                key: bytes | None = _FROM_ENV) -> str:
    """The record of a screening, as the exact text to save; signed when a key is set (LDN_RECORD_KEY)."""
    key = record_key() if key is _FROM_ENV else key
    data: dict[str, Any] = {
        "format": RECORD_FORMAT,
        "screening_date": result.screening_date.isoformat(),
        "answers": answers_to_json(answers),
        "medications": list(medications) if medications is not None else None,
        "findings": [{"rule_id": f.rule_id, "severity": f.severity, "summary": f.summary} for f in result.findings],
        "not_assessed": [n.question_id for n in result.not_assessed],
        "ruleset": {"name": result.ruleset.name, "version": result.ruleset.version, "sha256": result.ruleset.sha256},
    }
    data["record_sha256"] = content_sha256(data)
    data["signature"] = None if key is None else {"method": "hmac-sha256", "key_id": key_id(key),
                                                  "value": _hmac(key, data)}
    return _canonical(data)


class FindingChange(BaseModel):
    model_config = ConfigDict(frozen=True)

    rule_id: str
    change: Literal["new", "removed", "changed"]
    before: RecordFinding | None
    after: RecordFinding | None


Status = Literal["intact", "unsigned", "old_format", "changed", "key_missing", "other_key"]


class Verification(BaseModel):
    """What verifying a record found.

    status: "intact" (signature checks under this installation's key, findings re-screen the same);
    "unsigned" / "old_format" (hash only: consistent, but anyone could have recomputed it);
    "changed" (the content, its bytes or its findings differ from what was sealed or re-screened);
    "key_missing" / "other_key" (signed, but not checkable here). `trusted` is true for "intact", and
    for hash-only records where this installation has no key (nothing better is possible there).
    """

    model_config = ConfigDict(frozen=True)

    record: ScreeningRecord | None
    intact: bool
    same_ruleset: bool
    messages: list[str]
    status: Status = "changed"
    signed: bool = False
    key_configured: bool = False
    differences: list[FindingChange] = Field(default_factory=list)
    answer_problems: list[str] = Field(default_factory=list)

    @property
    def trusted(self) -> bool:
        if self.record is None or not self.intact:
            return False
        return self.status == "intact" or (self.status in ("unsigned", "old_format") and not self.key_configured)

    @property
    def green(self) -> bool:
        """The one state a page may show as plainly good: signed, checked, same rules."""
        return self.trusted and self.status == "intact" and self.same_ruleset


def _not_a_record(source: str, message: str) -> NotARecord:
    return NotARecord(source, [FieldProblem("(file)", message)])


def read_record(text: str, source: str = "record") -> tuple[ScreeningRecord, dict[str, Any]]:
    """Parse a record's text (bounded); NotARecord when it is not a screening record at all."""
    if len(text) > limits.MAX_UPLOAD_BYTES:
        raise _not_a_record(source, f"is larger than {limits.MAX_UPLOAD_BYTES // 1024} KB; not a screening record")
    try:
        data = load_json(text, max_depth=limits.MAX_DEPTH)
    except JsonError as exc:
        raise _not_a_record(source, f"{exc}; the record is damaged or is not a screening record") from None
    if not isinstance(data, dict):
        raise _not_a_record(source, "not a screening record (a JSON object is expected)")
    if data.get("format") not in (RECORD_FORMAT, OLD_FORMAT):
        raise _not_a_record(source, f"not a screening record (format {shorten(repr(data.get('format')), 60)}; "
                                    f"expected {RECORD_FORMAT})")
    try:
        return ScreeningRecord.model_validate(data), data
    except ValidationError as exc:
        problems = []
        for e in exc.errors()[:10]:
            field = ".".join(str(p) for p in e["loc"]) or "(top level)"
            what = "unknown field" if e["type"] == "extra_forbidden" else \
                shorten(str(e["msg"]).removeprefix("Value error, "), 160)
            problems.append(FieldProblem(field, f"{what}; not a valid screening record"))
        raise NotARecord(source, problems) from None


def _seal_status(record: ScreeningRecord, data: dict[str, Any], key: bytes | None) -> tuple[Status, str | None]:
    """The seal alone: what it proves, and the message when it fails."""
    actual = content_sha256(data)
    if not hmac.compare_digest(record.record_sha256, actual):
        return "changed", (f"The content does not match its SHA-256 (sealed {record.record_sha256[:16]}…, now "
                           f"{actual[:16]}…): it was changed after it was written. Do not rely on it.")
    if record.format == OLD_FORMAT:
        return "old_format", None
    if record.signature is None:
        return "unsigned", None
    if key is None:
        return "key_missing", (f"Signed with a key (id {record.signature.key_id}), but this installation has no key "
                               f"({KEY_ENV}), so the signature cannot be checked here. Do not rely on it until it "
                               "is verified where the key is set.")
    if record.signature.key_id != key_id(key):
        return "other_key", (f"Signed with another key (id {record.signature.key_id}) than this installation's "
                             f"(id {key_id(key)}): the signature cannot be checked here. Do not rely on it.")
    if not hmac.compare_digest(record.signature.value, _hmac(key, data)):
        return "changed", ("The signature does not match the content: it was changed after it was written. "
                           "Do not rely on it.")
    return "intact", None


HASH_ONLY = ("the SHA-256 only detects accidental change; anyone can edit the record and recompute it, so it "
             "does not prove who wrote it or that these are the answers entered")


def verify_record(text: str, ruleset: RuleSet, source: str = "record", key: bytes | None = _FROM_ENV) -> Verification:
    """Check a record's seal, re-screen its answers with these rules and compare the findings.

    NotARecord (an InputError) when the file is not a screening record at all; otherwise a
    Verification whose status tells intact, hash-only, changed or not checkable apart.
    """
    key = record_key() if key is _FROM_ENV else key
    record, data = read_record(text, source)
    status, problem = _seal_status(record, data, key)
    messages = [problem] if problem else []
    if status != "changed" and text != _canonical(data):
        status = "changed"
        messages.append("The file is not byte for byte as it was written (it was edited or reformatted). "
                        "Do not rely on it.")
    same = record.ruleset.sha256 == ruleset.sha256
    again = rescreen(record, ruleset)
    answer_problems = again.problems
    stored_open = list(record.not_assessed)
    recomputed_open = [n.question_id for n in again.result.not_assessed]
    if same and (again.changes or stored_open != recomputed_open) and status != "changed":
        status = "changed"
        listed = "; ".join(f"{c.rule_id} {c.change}" for c in again.changes[:8]) or "the open questions differ"
        messages.append(f"The findings stored in the record differ from re-screening its own answers with the same "
                        f"rules ({listed}): the findings were changed after screening. Do not rely on them.")
    if not same:
        messages.append(f"Made with another rule set: {shorten(record.ruleset.name, 60)} "
                        f"{shorten(record.ruleset.version, 30)} (SHA-256 {record.ruleset.sha256[:16]}…); this tool "
                        f"has {ruleset.version} (SHA-256 {ruleset.sha256[:16]}…). Re-screen it to see what changed.")
    if answer_problems:
        messages.append(f"{len(answer_problems)} stored answer(s) are not usable with these rules: "
                        + "; ".join(shorten(str(p), 120) for p in answer_problems[:5]))
    if status == "intact":
        messages.append(f"Intact and signed: the content matches its HMAC-SHA256 signature under this "
                        f"installation's key (id {key_id(key or b'')}), and re-screening its answers gives the "
                        f"same findings" + (f"; made with this rule set ({ruleset.version})." if same else "."))
    elif status in ("unsigned", "old_format"):
        what = "OLD FORMAT (ldn-screening-record/1), hash only" if status == "old_format" else "UNSIGNED"
        messages.append(f"{what}: the content matches its SHA-256 and re-screening its answers gives the "
                        f"same findings, but {HASH_ONLY}."
                        + (f" This installation signs its records ({KEY_ENV} is set), so a record without a valid "
                           "signature is not trusted." if key is not None else ""))
    intact = status not in ("changed",)
    return Verification(record=record, intact=intact and status not in ("key_missing", "other_key"),
                        same_ruleset=same, messages=messages, status=status, signed=record.signature is not None,
                        key_configured=key is not None, differences=again.changes,
                        answer_problems=[str(p) for p in answer_problems])


class Rescreen(BaseModel):
    """The record's answers screened again with the current rules, and what differs."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    result: ScreeningResult
    problems: list[FieldProblem]
    changes: list[FindingChange]
    ruleset_changed: bool


def rescreen(record: ScreeningRecord, ruleset: RuleSet) -> Rescreen:
    screening = Screening.of(ruleset, record.answers, record.screening_date, record.medications)
    result = screening.result
    before = {f.rule_id: f for f in record.findings}
    after = {f.rule_id: RecordFinding(rule_id=f.rule_id, severity=f.severity, summary=f.summary)
             for f in result.findings}
    changes = [FindingChange(rule_id=r, change="removed", before=before[r], after=None) for r in before if r not in after]
    changes += [FindingChange(rule_id=r, change="new", before=None, after=after[r]) for r in after if r not in before]
    changes += [FindingChange(rule_id=r, change="changed", before=before[r], after=after[r])
                for r in after if r in before and before[r] != after[r]]
    if len(before) != len(record.findings):      # a rule listed twice in the stored findings
        changes.append(FindingChange(rule_id="(duplicate)", change="removed", before=record.findings[0], after=None))
    return Rescreen(result=result, problems=screening.problems, changes=changes, ruleset_changed=record.ruleset.sha256 != ruleset.sha256)
