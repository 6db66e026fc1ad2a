"""One screening as a unit of work: made once from raw input, then the one place everything derives from.

Like a Django form made from request data, a `Screening` is built from the rule set, the answers as
entered (case file, widgets, record, EHR import), the screening date and the medication list. It owns
the typed answers, the input problems, the questions that apply, the answers actually used, the
result, what would change it with time, and its exports. The app, the CLI, the double-check, the
trainer and the services go through it, so nobody re-parses answers or re-applies skip logic.

Everything is computed on first use and kept (the object is immutable), so a rerun that shows only the
findings never pays for the 60-day look-ahead or the HTML.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from .answers import parse_answers
from .case_file import CaseFile, case_to_yaml
from .engine import applicable_answers, screen
from .errors import FieldProblem
from .result_models import ScreeningResult
from .ruleset import RuleSet
from .values import answers_to_json


@dataclass(frozen=True, eq=False)
class Screening:
    """A screening of raw answers on a date; see the module docstring."""

    ruleset: RuleSet
    raw: Mapping[str, Any]
    screening_date: date
    medications: tuple[str, ...] | None = None
    field_prefix: str = field(default="answers.", repr=False)

    # ---- ways in ---------------------------------------------------------------------------------

    @classmethod
    def of(cls, ruleset: RuleSet, raw: Mapping[str, Any], screening_date: date,
           medications: Sequence[str] | None = None, field_prefix: str = "answers.") -> Screening:
        return cls(ruleset, dict(raw), screening_date, None if medications is None else tuple(medications),
                   field_prefix)

    @classmethod
    def from_case(cls, ruleset: RuleSet, case: CaseFile, screening_date: date | None = None) -> Screening:
        """A case file, on its own date unless another is given."""
        return cls.of(ruleset, case.answers, screening_date or case.screening_date, case.medication_lines())

    # ---- what the input means ----------------------------------------------------------------------

    @cached_property
    def _parsed(self) -> tuple[dict[str, Any], list[FieldProblem]]:
        return parse_answers(self.ruleset, self.raw, self.screening_date, field_prefix=self.field_prefix)

    @property
    def answers(self) -> dict[str, Any]:
        """Every usable answer, typed (dates as dates), hidden ones included."""
        return self._parsed[0]

    @property
    def problems(self) -> list[FieldProblem]:
        """Each unusable value, by field; the value is left out and its question stays not assessed."""
        return self._parsed[1]

    @cached_property
    def _applicable(self) -> tuple[list[str], dict[str, Any]]:
        return applicable_answers(self.ruleset, self.answers, self.screening_date)

    @property
    def visible(self) -> list[str]:
        """The questions that apply, in checklist order of dependency."""
        return self._applicable[0]

    @property
    def used(self) -> dict[str, Any]:
        """The answers to questions that apply: what skip logic lets count as asked."""
        return self._applicable[1]

    @property
    def entered(self) -> dict[str, Any]:
        """The raw values a person actually gave (unanswered and blank questions left out)."""
        return {k: v for k, v in self.raw.items() if v is not None and not (isinstance(v, str) and not v.strip())}

    def with_answers(self, raw: Mapping[str, Any]) -> Screening:
        """Another screening of other answers, on the same rules, date and medication list."""
        return Screening(self.ruleset, dict(raw), self.screening_date, self.medications, self.field_prefix)

    # ---- what it gives -------------------------------------------------------------------------------

    @cached_property
    def result(self) -> ScreeningResult:
        return screen(self.ruleset, self.answers, self.screening_date, self.problems,
                      medications=None if self.medications is None else list(self.medications))

    @cached_property
    def result_with_changes(self) -> ScreeningResult:
        """The result carrying the dates its date-dependent findings change (the reports need it)."""
        from .timeline import with_changes_ahead

        return with_changes_ahead(self.ruleset, self.answers, self.result,
                                  None if self.medications is None else list(self.medications))

    # ---- ways out --------------------------------------------------------------------------------------

    def answers_json(self) -> dict[str, Any]:
        return answers_to_json(self.answers)

    def case_yaml(self, title: str | None = None) -> str:
        """The answers as given, as a case file that reads back to the same screening. An unusable value is
        written as it was entered, so loading the file shows the same problem instead of losing the entry."""
        return case_to_yaml(self.screening_date, self.entered, title,
                            None if self.medications is None else list(self.medications))

    def record_text(self) -> str:
        """The sealed screening record (see record.py): typed answers, list, findings, rule set."""
        from .record import make_record

        return make_record(self.result, self.answers, None if self.medications is None else list(self.medications))

    def json(self) -> dict[str, Any]:
        from .report import result_to_json

        return result_to_json(self.result_with_changes)

    def markdown(self) -> str:
        from .report import render_markdown

        return render_markdown(self.result_with_changes, self.ruleset)

    def fhir_bundle(self) -> str:
        """A FHIR R4 Bundle: QuestionnaireResponse, DetectedIssues, MedicationStatements (fhir_export.py)."""
        from .fhir_export import bundle_json   # fhir.resources: only this export needs it

        return bundle_json(self)

    def html(self) -> str:
        """The printable summary; page 1 also lists the answers given."""
        from .report import render_html

        return render_html(self.result_with_changes, self.ruleset, self.answers)
