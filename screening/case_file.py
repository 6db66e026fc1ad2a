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

from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationError, field_validator

from . import limits
from .errors import FieldProblem, InputError
from .rule_models import Severity
from .yaml_io import JsonError, YamlError, dump_yaml, load_json, load_yaml, shorten, show_value
from .strict import StrictModel
from .values import answers_to_json


def check_screening_date(value: date) -> date:
    """A screening date the tool can count from (and 60 days past, for the look-ahead)."""
    low, high = limits.DATE_RANGE
    if not low <= value <= high:
        raise ValueError(f"{value.isoformat()} is outside the dates this tool accepts ({low.isoformat()} to "
                         f"{high.isoformat()})")
    return value


def check_answer_values(answers: dict[str, Any]) -> dict[str, Any]:
    """Each answer is one value (a word, a number or a date written YYYY-MM-DD), never a list or a mapping."""
    for qid, value in answers.items():
        if len(qid) > limits.MAX_ANSWER_CHARS:
            raise ValueError(f'an answer key is {len(qid)} characters long ("{shorten(qid, 40)}"); question ids '
                             "are short")
        if isinstance(value, (list, dict)):
            raise ValueError(f'answer "{qid}" is {show_value(value, 40)}; an answer is one value, e.g. yes')
        if isinstance(value, str) and len(value) > limits.MAX_ANSWER_CHARS:
            raise ValueError(f'answer "{qid}" is {len(value)} characters long; at most {limits.MAX_ANSWER_CHARS}')
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**12:
            raise ValueError(f'answer "{qid}" is a number far outside any answer ({show_value(value, 20)})')
        day = _iso_date(value)
        if day is not None and not limits.DATE_RANGE[0] <= day <= limits.DATE_RANGE[1]:
            raise ValueError(f'answer "{qid}" is a date outside the dates this tool accepts '
                             f"({limits.DATE_RANGE[0].isoformat()} to {limits.DATE_RANGE[1].isoformat()})")
    return answers


def _iso_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def check_medication_list(value: list[str] | str | None) -> list[str] | str | None:
    """A medication list (as lines or as one text) short enough to read; see limits.list_problems."""
    if value is not None:
        problems = limits.list_problems(value.splitlines() if isinstance(value, str) else list(value))
        if problems:
            raise ValueError("; ".join(problems))
    return value


# The fields case files and screening records share, each with its bound checked where it is read.
ScreeningDate = Annotated[date, AfterValidator(check_screening_date)]
AnswerValues = Annotated[dict[str, Any], AfterValidator(check_answer_values)]
MedicationLines = Annotated[list[str] | None, AfterValidator(check_medication_list)]
MedicationText = Annotated[list[str] | str | None, AfterValidator(check_medication_list)]


class ExpectedFinding(StrictModel):
    rule_id: str
    severity: Severity


class Expected(StrictModel):
    """What a golden case must produce: exactly these findings, and (if given) exactly these open questions."""

    findings: list[ExpectedFinding]
    not_assessed: list[str] | None = None


Difficulty = Literal["introductory", "intermediate", "advanced"]


class RecordEvidence(StrictModel):
    """Where a pre-filled answer came from in an imported FHIR record (screening/fhir_import.py)."""

    resource_type: str
    resource_id: str
    system: str = Field(description="the code system URI, e.g. http://snomed.info/sct")
    code: str
    display: str | None = None
    onset: date | None = None
    status: str | None = Field(default=None, description="the entry's clinicalStatus")


class CaseFile(StrictModel):
    title: str | None = None
    narrative: str | None = Field(default=None, description="teaching narrative; never screened")
    topics: list[str] = Field(default_factory=list, description="teaching: the rule-set topic ids the case is about")
    difficulty: Difficulty | None = Field(default=None, description="teaching: how hard the case is")
    screening_date: ScreeningDate
    answers: AnswerValues = Field(default_factory=dict)
    medications: MedicationText = Field(default=None, description="the medication list: one entry per line, "
                                                                  "as a list or as one text")
    expected: Expected | None = None
    from_record: dict[str, list[RecordEvidence]] | None = Field(
        default=None, description="question id -> the record entries that pre-filled its answer (FHIR import); "
                                  "to be confirmed by the clinician")

    @field_validator("title", "narrative")
    @classmethod
    def _text_not_huge(cls, value: str | None) -> str | None:
        if value is not None and len(value) > limits.MAX_TEXT_CHARS:
            raise ValueError(f"is {len(value)} characters long; at most {limits.MAX_TEXT_CHARS} are accepted")
        return value

    def medication_lines(self) -> list[str] | None:
        if self.medications is None:
            return None
        return self.medications.splitlines() if isinstance(self.medications, str) else list(self.medications)


MAX_PROBLEMS = 10     # a file with 5,000 bad entries gets ten messages and a count, not 5,000


def _problems(exc: ValidationError) -> list[FieldProblem]:
    out = []
    errors = exc.errors()
    if len(errors) > MAX_PROBLEMS:
        out.append(FieldProblem("(file)", f"{len(errors)} problems; the first {MAX_PROBLEMS} are listed"))
    for err in errors[:MAX_PROBLEMS]:
        field = shorten(".".join(str(p) for p in err["loc"]) or "(top level)", 100)
        if err["type"] == "extra_forbidden":
            message = ("unknown key (a case file has title, narrative, topics, difficulty, screening_date, answers, "
                       "medications, expected and from_record)")
        elif err["type"] == "missing":
            message = "required key is missing"
        elif err["type"] == "value_error":        # our own checks: the message already says what was found
            message = str(err["msg"]).removeprefix("Value error, ")
        else:
            message = f"{err['msg']} (got {show_value(err.get('input'))})"
        out.append(FieldProblem(field, message))
    return out


def parse_case(text: str, source: str) -> CaseFile:
    """Parse case-file text (JSON if it looks like JSON or is named .json, else YAML); InputError names each bad
    field. Bounded: size, nesting and length are checked before anything is parsed; aliases are refused."""
    if len(text) > limits.MAX_UPLOAD_BYTES:
        raise InputError(source, [FieldProblem("(file)", f"is {len(text) // 1024} KB; a case file may be at most "
                                                         f"{limits.MAX_UPLOAD_BYTES // 1024} KB")])
    stripped = text.lstrip("\ufeff \t\r\n")
    as_json = source.lower().endswith(".json")
    if as_json and not stripped.startswith("{"):
        raise InputError(source, [FieldProblem("(file)", "not a JSON case file: it must start with { (a mapping "
                                                         "with screening_date and answers)")])
    try:
        if as_json or stripped.startswith("{"):
            data = load_json(stripped, max_depth=limits.MAX_DEPTH)
        else:
            data = load_yaml(text, max_depth=limits.MAX_DEPTH, max_tokens=limits.MAX_TOKENS, allow_aliases=False)
    except (JsonError, YamlError) as exc:
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
        if path.stat().st_size > limits.MAX_UPLOAD_BYTES:
            raise InputError(str(path), [FieldProblem("(file)", f"is larger than {limits.MAX_UPLOAD_BYTES // 1024} "
                                                                "KB, far larger than any case file")])
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
    data["answers"] = answers_to_json(answers)
    if medications:
        data["medications"] = list(medications)
    return dump_yaml(data)
